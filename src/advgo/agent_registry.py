"""The agent registry: a spec string (:mod:`advgo.agentspec`) in, a ready ``Agent`` out. (The zoo's registry of
bundled victims is another thing: :mod:`advgo.zoo.registry`.)

``make_agent`` is the one place that turns ``random``, ``baseline:edge``, ``zoo:cp2:visits=8``, ``net:runs/x/checkpoints/ckpt-…pt``,
``katanet:visits=8``, ``gnugo:level=5``, ``katago:visits=8``, ``gtp:"…"`` or ``human`` into a player; ``advgo match``, ``advgo gtp``,
``advgo play`` and the envs all use it. Every agent it makes is an :class:`advgo.agents.Agent` with its ``name``,
``board_size`` (a net's size), ``rules_supported`` (an engine's rulesets) and ``close()``; ``make_agent`` fills in
its ``agent_spec``, the canonical spec string it was made from.

An adversary checkpoint (``net:`` a checkpoint of ``advgo train adversary``) plays A-MCTS in the mode it was
trained with, at its evaluation visits; ``amcts=plain`` gives plain MCTS. Its net sees each position under a
random board symmetry, as in training evaluation. Whom its A-MCTS models:

| given | victim nodes model |
|---|---|
| ``net:PATH:victim=SPEC`` (last parameter; ``SPEC`` as ``zoo:cp3:visits=4``, ``katanet``, ``cp3``, a path) | ``SPEC``, whoever it plays |
| ``opponent`` a gray box with a policy: ``zoo:``, ``net:`` a victim checkpoint, ``katanet`` | that opponent, at its visits |
| ``opponent`` a black box: ``gnugo``, ``katago``, ``gtp:``, ``engine:``, ``random``, ``baseline:``, ``human``, another adversary | nothing: plain MCTS |
| no ``opponent`` (``advgo gtp``, ``advgo play``) | the victim of the curriculum stage it was saved at |

Its name says which (``ckpt-… (A-MCTS-S@32 vs cp2@1)``, ``ckpt-… (MCTS@32)``). ``amcts=`` on a zoo net or a victim
checkpoint (``zoo:cp5:visits=32:amcts=S``) plays that net the same way, as an adversary that was never trained: a
default adversary run's search constants, whom to model as above save that with no opponent known it plays plain
MCTS (it has no curriculum).

A victim with ``hardened=true`` (``zoo:``, ``net:`` a victim checkpoint, ``katanet``) plays as the paper's hardened
victim (:class:`advgo.victims.HardenedAgent`: no pass while it has a legal move outside its own pass-alive
territory; its name ends in ``hardened``). An adversary modelling it models its unhardened policy, as in training
with ``victimplay.hardening``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .agents import Agent, RandomAgent
from .agents.amcts import AMCTSAgent
from .agents.baselines import BaselineAgent
from .agents.human import HumanAgent
from .agentspec import AgentSpec, parse_agent_spec
from .config import config_from_dict
from .nets import TorchEvaluator, load_checkpoint
from .rules import Rules
from .search import SearchConfig
from .training.adversary_config import AdversaryRunConfig
from .victims import AMCTS_MODES, ExternalVictim, HardenedAgent, resolve_victim

log = logging.getLogger(__name__)
SYMMETRIES = ("none", "random", "average")
GRAY_BOXES = ("zoo", "net", "katanet")
"""Opponent kinds whose policy an adversary's A-MCTS can model (a ``net:`` adversary checkpoint excepted)."""


def make_agent(spec: str | AgentSpec, *, seed: int = 0, device="cpu", rules: Rules | None = None,
               opponent: str | AgentSpec | None = None) -> Agent:
    """The agent ``spec`` names; ``ValueError`` (with the accepted forms, or what is missing) otherwise.

    ``rules`` (default Tromp-Taylor) are those of the games it will play; net agents also follow the rules
    they are started with. ``seed`` seeds every random choice the agent makes. ``opponent``, the spec of the
    player it will face when known, tells an adversary checkpoint whom to model (module docstring); other
    agents ignore it.
    """
    parsed = spec if isinstance(spec, AgentSpec) else parse_agent_spec(spec)
    rules = Rules.tromp_taylor() if rules is None else rules
    symmetry = parsed.get("symmetry")
    if symmetry is not None and symmetry not in SYMMETRIES:
        raise ValueError(f"agent {parsed.text!r}: symmetry must be one of {', '.join(SYMMETRIES)}")
    visits = int(parsed.get("visits", 1))
    if visits < 1:
        raise ValueError(f"agent {parsed.text!r}: visits must be at least 1")
    kind = parsed.kind
    if kind == "random":
        agent = RandomAgent(seed=int(parsed.get("seed", seed)))
    elif kind == "baseline":
        agent = BaselineAgent(parsed.target, seed=int(parsed.get("seed", seed)),
                              moves_before_pass=parsed.get("moves_before_pass"))
    elif kind == "human":
        agent = HumanAgent()
    elif kind in ("zoo", "net"):
        agent = _net_agent(parsed, visits, seed, device, rules, opponent)
    elif kind == "katanet":
        temperature = float(parsed.get("temperature", 0.0))
        if temperature < 0:
            raise ValueError(f"agent {parsed.text!r}: temperature must be >= 0")
        plain = AgentSpec(parsed.kind, parsed.target, tuple(p for p in parsed.params if p[0] != "hardened"))
        agent = _victim_agent(resolve_victim(plain.text, visits, device=device), parsed, rules, temperature, seed)
    else:
        agent = ExternalVictim(parsed, visits).agent(rules, seed=seed)
    agent.agent_spec = parsed.text  # the one field only the registry knows
    return agent


def misfit(agent: Agent, size: int, rules: Rules) -> tuple[str, str, object] | None:
    """Why ``agent`` cannot play ``size``x``size`` under ``rules`` and what would fit: ``("zoo:cp1 plays 9x9 only",
    "board_size", 9)`` or ``("gnugo plays only chinese rules", "rules", "chinese")``; None when it can."""
    label = agent.agent_spec or agent.name
    plays = agent.board_size
    if plays is not None and plays != size:
        return f"{label} plays {plays}x{plays} only", "board_size", plays
    supported = agent.rules_supported
    if supported is not None and rules.name not in supported:
        return f"{label} plays only {', '.join(supported)} rules", "rules", supported[0]
    return None


def _net_agent(spec: AgentSpec, visits: int, seed: int, device, rules: Rules,
               opponent: str | AgentSpec | None = None) -> Agent:
    temperature = float(spec.get("temperature", 0.0))
    if temperature < 0:
        raise ValueError(f"agent {spec.text!r}: temperature must be >= 0")
    if spec.kind == "net":
        path = Path(spec.target).expanduser()
        if not path.is_file():
            raise ValueError(f"agent {spec.text!r}: no checkpoint file at {path}")
        ckpt = load_checkpoint(path, device=device)
        if (ckpt.extra or {}).get("role") == "adversary":
            if spec.get("hardened") is not None:
                raise ValueError(f"agent {spec.text!r}: hardened applies to victims, not adversary checkpoints")
            return _adversary_agent(spec, ckpt, temperature, seed, device, rules, opponent)
    if spec.get("amcts") is None and spec.get("victim") is not None:
        raise ValueError(f"agent {spec.text!r}: victim= names whom A-MCTS models: give amcts= too")
    victim = resolve_victim(spec.target, visits, device=device)
    if spec.get("amcts") is not None:
        if spec.get("hardened") is not None:
            raise ValueError(f"agent {spec.text!r}: hardened and amcts do not go together (amcts plays the net as "
                             "an adversary)")
        return _untrained_amcts_agent(spec, victim, temperature, seed, device, rules, opponent)
    return _victim_agent(victim, spec, rules, temperature, seed)


def _victim_agent(victim, spec: AgentSpec, rules: Rules, temperature: float, seed: int) -> Agent:
    """``victim`` as it plays (its symmetry, temperature), hardened against passing when ``spec`` says so."""
    agent = victim.agent(rules, temperature=temperature, seed=seed, symmetry=spec.get("symmetry", "none"))
    if not spec.get("hardened", False):
        return agent
    hardened = HardenedAgent(agent, victim.policy("S", rules))
    hardened.name = f"{agent.name} hardened"
    return hardened


def _adversary_agent(spec: AgentSpec, ckpt, temperature: float, seed: int, device, rules: Rules,
                     opponent: str | AgentSpec | None = None) -> Agent:
    """A-MCTS with the checkpoint's net modelling ``victim=``, the opponent or its training victim (module
    docstring), or plain MCTS."""
    if ckpt.config is None:
        raise ValueError(f"agent {spec.text!r}: the adversary checkpoint holds no config")
    cfg = config_from_dict(AdversaryRunConfig, ckpt.config, source=str(ckpt.path), strict=False)
    stage = int(((ckpt.extra or {}).get("curriculum") or {}).get("stage", 0))
    entry = cfg.curriculum.entries[min(stage, len(cfg.curriculum.entries) - 1)]
    mode = spec.get("amcts", (ckpt.extra or {}).get("amcts", cfg.victimplay.amcts))
    visits = int(spec.get("visits", cfg.evaluation.visits or cfg.victimplay.full_visits))
    return _amcts_agent(spec, ckpt.net, cfg, mode, visits, Path(spec.target).stem, temperature, seed, device, rules,
                        opponent, entry)


def _untrained_amcts_agent(spec: AgentSpec, victim, temperature: float, seed: int, device, rules: Rules,
                           opponent: str | AgentSpec | None) -> Agent:
    """A net that was never trained as an adversary (``zoo:cp5:visits=32:amcts=S``, ``net:VICTIM.pt:amcts=S``)
    playing A-MCTS with the search constants of a default adversary run: the start of a victim-play run from that
    net, before its first learner step (the baseline that tells the search's model of the victim from what the
    training learned). With no gray-box opponent or ``victim=`` to model, plain MCTS."""
    cfg = AdversaryRunConfig()
    return _amcts_agent(spec, victim.net, cfg, spec.get("amcts"), victim.visits, Path(spec.target).stem, temperature,
                        seed, device, rules, opponent, None)


def _amcts_agent(spec: AgentSpec, net, cfg: AdversaryRunConfig, mode: str, visits: int, label: str,
                 temperature: float, seed: int, device, rules: Rules, opponent: str | AgentSpec | None,
                 entry) -> Agent:
    """``net`` playing A-MCTS in ``mode`` at ``visits`` with ``cfg``'s search, modelling the victim
    :func:`_modelled_victim` finds (plain MCTS when there is none or ``mode`` is ``plain``)."""
    if mode not in AMCTS_MODES:
        raise ValueError(f"agent {spec.text!r}: amcts must be one of {', '.join(AMCTS_MODES)}")
    victim_policy, against, victim_temperature = None, "", cfg.victimplay.victim_temperature
    if mode != "plain":
        victim, modelled = _modelled_victim(spec, entry, opponent, device, net.config.board_size)
        if victim is None:
            log.info("%s: %s; playing plain MCTS", spec.text,
                     "no opponent to model" if opponent is None else f"its opponent {opponent} is a black box")
            mode = "plain"
        elif victim.has_policy:
            victim_policy = victim.policy(mode, rules)
            against = f" vs {victim.label}"
            if modelled is not None and modelled.get("temperature") is not None:
                victim_temperature = float(modelled.get("temperature"))  # as that player plays
            elif opponent is None and spec.get("victim") is None and entry is not None:  # the curriculum's victim
                victim_temperature = entry.victim_temperature(victim_temperature)
        else:
            log.warning("%s: its victim %s is a black box; playing plain MCTS", spec.text, victim.label)
            mode = "plain"
    evaluator = TorchEvaluator(net, device=device, symmetry=spec.get("symmetry", "random"), seed=seed, rules=rules)
    name = f"{label} ({'MCTS' if mode == 'plain' else 'A-MCTS-' + mode}@{visits}{against})"
    return AMCTSAgent(evaluator, visits, victim_policy, SearchConfig(**_search_fields(cfg, visits)),
                      victim_temperature=victim_temperature, temperature=temperature, seed=seed, name=name,
                      board_size=net.config.board_size)


def _modelled_victim(spec: AgentSpec, entry, opponent: str | AgentSpec | None, device, size: int):
    """(victim, its parsed spec or None) an adversary checkpoint's A-MCTS models: its explicit ``victim=``, else
    the opponent when that is a gray box with a policy, else (None, None) against a black box; with no opponent
    known, the curriculum ``entry``'s victim."""
    explicit = spec.get("victim")
    if explicit is not None:
        return _victim_of(str(explicit), device, size)
    if opponent is None:
        if entry is None:  # a net with no curriculum of its own
            return None, None
        return resolve_victim(entry.victim, entry.visits, device=device, board_size=size), None
    parsed = opponent if isinstance(opponent, AgentSpec) else parse_agent_spec(opponent)
    if parsed.kind not in GRAY_BOXES or (parsed.kind == "net" and _is_adversary(parsed.target, device)):
        return None, None
    return _victim_of(parsed.text, device, size)


def _victim_of(text: str, device, size: int):
    """(victim, parsed spec or None) for a spec as agents write it (``zoo:cp3:visits=4``, ``net:PATH``,
    ``katanet:visits=8``, ``gnugo``) or as curricula do (``cp3``, ``PATH.pt``), at the visits it names."""
    try:
        parsed = parse_agent_spec(text)
    except ValueError:  # a bare zoo name or checkpoint path, as a curriculum entry names it
        return resolve_victim(text, 1, device=device, board_size=size), None
    if parsed.kind in ("zoo", "net"):
        target = f"{parsed.kind}:{parsed.target}"
        return resolve_victim(target, int(parsed.get("visits", 1)), device=device, board_size=size), parsed
    return resolve_victim(parsed.text, 1, device=device, board_size=size), parsed


def _is_adversary(path: str, device) -> bool:
    """True when ``path`` is an adversary checkpoint (it plays A-MCTS, not its policy: a black box here)."""
    path = Path(path).expanduser()
    return path.is_file() and (load_checkpoint(path, device=device).extra or {}).get("role") == "adversary"


def _search_fields(cfg: AdversaryRunConfig, visits: int) -> dict:
    import dataclasses

    fields = dataclasses.asdict(cfg.search)
    fields["visits"] = visits
    return fields
