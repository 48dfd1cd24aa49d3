"""Victims: frozen players an adversary is trained or evaluated against, and what its search may ask of them.

A victim is named by a spec string and played with a number of visits:

| spec | victim |
|---|---|
| ``NAME`` or ``zoo:NAME`` | a victim of the zoo (``advgo zoo list``): one of our nets, or a KataGo net of the user |
| | zoo, played as ``katanet:model=<its file>`` is (fp32) and named by its zoo name |
| ``PATH.pt`` or ``net:PATH`` | a checkpoint of ``advgo train victim`` or ``advgo train adversary`` |
| ``gnugo[:level=N]``, ``gtp:COMMAND``, ``engine:NAME`` | an external engine over GTP: a black box |
| ``katanet[:model=PATH]`` | KataGo's own net in process (:class:`advgo.nets.katago.KataGoNet`): a gray box like our |
| | nets, batched, any board size from 7 to 19; ``model`` defaults to the installed b10c384 net |
| ``katago`` | KataGo over GTP, with a gray-box policy (its raw net through ``kata-raw-nn``) for A-MCTS-S |

Every victim gives two things: ``agent()``, the player itself (its raw policy at 1 visit, its MCTS above,
at its play temperature), and, when it is a net, ``policy(mode)``, the evaluator A-MCTS uses to model its
replies. A black-box victim (an external engine) has no policy: ``has_policy`` is False and only ``plain``
search can be used against it. External victims run one engine process per game slot (genmoves in
parallel threads), so a batch of victim-play games keeps every process busy. ``board_size`` is the one size a
victim plays (None: any), ``rules_supported`` the rulesets it can play (None: any). ``resolve_victim`` makes one
victim from its spec; ``load_victims`` makes a curriculum's, checked against the run's board, rules and search.

``katanet`` at 1 visit is KataGo's raw policy as KataGo's GTP engine plays it at 1 visit: symmetry 0, policy
optimism 0.2 (``rootPolicyOptimism``), its passing hacks (``enablePassingHacks``) and its root-move rules
(:mod:`advgo.nets.katago.root`), the best move at temperature 0; above, our MCTS over its net (not KataGo's own
search). Its A-MCTS-S model is that same 1-visit distribution.

| A-MCTS mode | victim nodes use |
|---|---|
| ``S`` | the victim's raw policy (one symmetry, as it plays) |
| ``S++`` | the victim's raw policy averaged over the 8 board symmetries |
| ``R`` | the victim's own search with its visits (its visit distribution) |
| ``plain`` | nothing: ordinary MCTS, the adversary assumes the victim plays like itself |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import engine, zoo
from .agents import Agent, MCTSAgent, PolicyAgent, reseed_evaluator
from .agents.gtp import EngineSpec, GTPAgent
from .agentspec import AgentSpec, is_katanet, parse_agent_spec
from .nets import PolicyValueNet, TorchEvaluator, load_checkpoint
from .nets.katago import DEFAULT_MODEL, KataGoNet, resolve_model_path
from .nets.katago.root import KataGoRootEvaluator
from .passalive import pass_alive_territory
from .rules import Rules
from .search import Evaluator, SearchConfig, SearchEvaluator

AMCTS_MODES = ("S", "S++", "R", "plain")


EXTERNAL_KINDS = ("gnugo", "katago", "gtp", "engine")
KATANET_SIZES = (7, 19)
KATANET_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def _external(spec: str) -> AgentSpec | None:
    """The parsed spec when ``spec`` names an external engine, else None (a zoo name or a path)."""
    head = spec.strip().partition(":")[0].lower()
    return parse_agent_spec(spec) if head in EXTERNAL_KINDS else None


def _net_target(spec: str) -> str:
    """``zoo:NAME`` / ``net:PATH`` -> NAME / PATH; a bare name or path as it is."""
    head, _, rest = spec.partition(":")
    return rest if head in ("zoo", "net") and rest else spec


def _same_file(a, b) -> bool:
    return Path(str(a)).expanduser().absolute() == Path(str(b)).expanduser().absolute()


def victim_label(spec: str, visits: int) -> str:
    """``name@visits``: a zoo name as it is, a checkpoint by its file name without ``.pt``; an external
    engine by its spec (``gnugo:level=3``; KataGo as ``katago@visits``)."""
    if is_katanet(spec):
        parsed = parse_agent_spec(spec)
        model = parsed.get("model")
        name = "katanet" if model is None or _same_file(model, DEFAULT_MODEL) else \
            f"katanet[{Path(str(model)).name.split('.')[0]}]"
        return f"{name}@{parsed.get('visits', visits)}"
    external = _external(spec)
    if external is not None:
        return f"katago@{external.get('visits', visits)}" if external.kind == "katago" else external.text
    spec = _net_target(spec)
    name = Path(spec).name.removesuffix(".pt") if ("/" in spec or spec.endswith(".pt")) else spec
    return f"{name}@{visits}"


class _NetVictim:
    """What every in-process net victim does with its ``_evaluator``: play, and model its replies for A-MCTS."""

    has_policy = True  # a net victim can be queried by A-MCTS (GTP victims cannot)
    rules_supported = None  # a net plays any ruleset (its features encode it)
    visits: int

    def _evaluator(self, rules: Rules, symmetry: str = "none", seed: int = 0, max_batch: int = 256):
        raise NotImplementedError

    def _root(self, evaluator):
        """The evaluator whose priors are the victim's move at 1 visit (KataGo restricts its root moves)."""
        return evaluator

    def agent(self, rules: Rules, temperature: float = 0.0, seed: int = 0, symmetry: str = "none") -> Agent:
        """The victim as it plays: raw policy at 1 visit, MCTS (no noise, fresh tree per move) above."""
        evaluator = self._evaluator(rules, symmetry=symmetry, seed=seed)
        if self.visits == 1:
            return PolicyAgent(self._root(evaluator), temperature=temperature, seed=seed, name=self.label,
                               board_size=self.board_size)
        return MCTSAgent(evaluator, self.visits, SearchConfig(visits=self.visits), temperature=temperature,
                         seed=seed, name=self.label, board_size=self.board_size)

    def policy(self, mode: str, rules: Rules, max_batch: int = 256) -> Evaluator | None:
        """The evaluator whose priors model the victim's move at A-MCTS victim nodes (None for ``plain``)."""
        if mode not in AMCTS_MODES:
            raise ValueError(f"unknown A-MCTS mode {mode!r}: expected one of {', '.join(AMCTS_MODES)}")
        if mode == "plain":
            return None
        if mode == "S++":
            return self._root(self._evaluator(rules, symmetry="average", max_batch=max_batch))
        raw = self._evaluator(rules, max_batch=max_batch)
        if mode == "S":
            return self._root(raw)
        return SearchEvaluator(raw, self.visits, rules.codes(engine.NO_CAP), SearchConfig(visits=self.visits))


@dataclass
class Victim(_NetVictim):
    """A frozen net victim of our own (zoo or checkpoint) at ``visits`` (see the module docstring)."""

    spec: str
    visits: int
    net: PolicyValueNet
    device: object = "cpu"
    evaluator_factory: object = None
    """Optional ``(victim, rules, symmetry, seed, max_batch) -> Evaluator`` replacing the local ``TorchEvaluator``
    (the actors' shared inference server sets one)."""

    @property
    def label(self) -> str:
        """``name@visits``: how logs, TensorBoard tags and SGF files name this victim."""
        return victim_label(self.spec, self.visits)

    @property
    def board_size(self) -> int:
        return self.net.config.board_size

    def _evaluator(self, rules: Rules, symmetry: str = "none", seed: int = 0, max_batch: int = 256):
        if self.evaluator_factory is not None:
            return self.evaluator_factory(self, rules, symmetry, seed, max_batch)
        return TorchEvaluator(self.net, device=self.device, symmetry=symmetry, seed=seed, rules=rules,
                              max_batch=max_batch)


@dataclass
class KataNetVictim(_NetVictim):
    """KataGo's net in process (``katanet[:model=PATH]``) at ``visits``: a gray box like our nets."""

    spec: AgentSpec
    visits: int = 1
    device: object = "cpu"
    evaluator_factory: object = None
    """As ``Victim.evaluator_factory`` (the inference server's)."""
    name: str | None = None
    """The zoo name of a KataGo net from the zoo (it labels the victim); None: labelled by its spec."""
    board_size = None  # KataGo's nets take any board from 7x7 to 19x19

    def __post_init__(self):
        given = self.spec.get("visits")
        if given is not None and self.visits not in (1, given):
            raise ValueError(f"victim {self.spec.text!r}: visits given twice ({given} and {self.visits})")
        self.visits = int(given or self.visits)
        self.dtype = self.spec.get("dtype", "fp32")
        if self.dtype not in KATANET_DTYPES:
            raise ValueError(f"victim {self.spec.text!r}: dtype must be {' or '.join(KATANET_DTYPES)}")
        try:
            self.model = resolve_model_path(self.spec.get("model"))
        except FileNotFoundError as err:
            raise ValueError(f"victim {self.spec.text!r}: {err}") from None

    @property
    def label(self) -> str:
        return victim_label(self.name or self.spec.text, self.visits)

    def _evaluator(self, rules: Rules, symmetry: str = "none", seed: int = 0, max_batch: int = 256):
        if self.evaluator_factory is not None:
            return self.evaluator_factory(self, rules, symmetry, seed, max_batch)
        return KataGoNet(self.model, device=self.device, dtype=KATANET_DTYPES[self.dtype], rules=rules,
                         symmetry=symmetry, seed=seed, max_batch=max_batch, passing_hacks=True)

    def _root(self, evaluator):
        if hasattr(evaluator, "conservative_pass"):  # KataGo's GTP engine evaluates its root with conservativePass
            evaluator.conservative_pass = True
        return KataGoRootEvaluator(evaluator)


@dataclass
class ExternalVictim:
    """An external engine over GTP as a victim: black box (``plain`` search only), except KataGo, whose raw
    policy (``kata-raw-nn``) models it for A-MCTS-S."""

    spec: AgentSpec
    visits: int = 1

    def __post_init__(self):
        given = self.spec.get("visits")
        if self.spec.kind == "katago" and given is not None and self.visits not in (1, given):
            raise ValueError(f"victim {self.spec.text!r}: visits given twice ({given} and {self.visits})")
        if self.spec.kind == "katago":
            self.visits = int(given or self.visits)
        try:
            self.engine_spec()  # an unknown engine or a missing binary is an error now, not at the first move
        except FileNotFoundError as err:
            raise ValueError(str(err)) from None

    @property
    def label(self) -> str:
        return victim_label(self.spec.text, self.visits)

    @property
    def has_policy(self) -> bool:
        return self.spec.kind == "katago"

    board_size = None  # any size the engine plays

    @property
    def rules_supported(self) -> tuple[str, ...]:
        """The rulesets the engine plays (its engine spec)."""
        return tuple(self.engine_spec().rules)

    def engine_spec(self) -> EngineSpec:
        return engine_spec_of(self.spec)

    def agent(self, rules: Rules, temperature: float = 0.0, seed: int = 0, symmetry: str = "none") -> Agent:
        """The engine as it plays (``temperature`` and ``symmetry`` are the engine's own business)."""
        params = dict(self.spec.params)
        if self.spec.kind == "katago":
            params["visits"] = self.visits
        return GTPAgent(self.engine_spec(), params=params, seed=seed, name=self.label)

    def policy(self, mode: str, rules: Rules, max_batch: int = 256) -> Evaluator | None:
        if mode not in AMCTS_MODES:
            raise ValueError(f"unknown A-MCTS mode {mode!r}: expected one of {', '.join(AMCTS_MODES)}")
        if mode == "plain":
            return None
        if self.spec.kind == "katago" and mode == "S":
            from .agents.katago_policy import KataGoPolicy

            return KataGoPolicy(rules=rules, processes=min(max_batch, 2))  # pocl already uses every core
        raise ValueError(f"victim {self.label} is an external engine: A-MCTS-{mode} needs its policy"
                         f"{' (KataGo offers S only)' if self.spec.kind == 'katago' else ''}; "
                         f"use amcts: plain against a black box")


def engine_spec_of(spec: AgentSpec) -> EngineSpec:
    """The ``EngineSpec`` an external agent spec runs: the spec ``<kind>.yaml``, ``engine:NAME`` or ``gtp:CMD``."""
    from .agents.gtp import load_engine_spec

    if spec.kind == "gtp":
        return EngineSpec(name="gtp", command=spec.target, description=f"GTP engine: {spec.target}",
                          rules=("chinese",))
    spec_file = load_engine_spec(spec.target if spec.kind == "engine" else spec.kind)
    if spec.kind == "gnugo" and not 0 <= int(spec.get("level", 0)) <= 10:
        raise ValueError(f"GNU Go levels are 0..10, got {spec.get('level')}")
    spec_file.params(dict(spec.params))  # unknown parameters are an error here
    return spec_file


def resolve_victim(spec: str, visits: int = 1, device="cpu",
                   board_size: int | None = None) -> Victim | KataNetVictim | ExternalVictim:
    """The victim named by ``spec`` (see the module docstring) at ``visits``; clear errors otherwise."""
    if visits < 1:
        raise ValueError(f"victim {spec!r}: visits must be at least 1, got {visits}")
    if is_katanet(spec):
        _check_katanet_size(spec, board_size)
        return KataNetVictim(parse_agent_spec(spec), visits, device=device)
    external = _external(spec)
    if external is not None:
        return ExternalVictim(external, visits)
    spec = _net_target(spec)
    path = Path(spec)
    if spec.endswith(".pt") or path.is_file():
        if not path.is_file():
            raise ValueError(f"victim {spec!r}: no checkpoint file at {path}")
        net = load_checkpoint(path, device=device, expect_board_size=board_size).net
    else:
        try:
            entry = zoo.get(spec)
        except KeyError as err:
            raise ValueError(f"unknown victim {spec!r}: not a checkpoint file, and {err.args[0]}") from None
        if entry.kind == "katago":
            _check_katanet_size(spec, board_size)
            return KataNetVictim(parse_agent_spec(f"katanet:model={entry.path}"), visits, device=device, name=spec)
        if board_size is not None and entry.board_size != board_size:
            raise ValueError(f"victim {spec!r} plays {entry.board_size}x{entry.board_size}, "
                             f"not {board_size}x{board_size}")
        net = zoo.load_net(spec, device)
    return Victim(spec=spec, visits=int(visits), net=net, device=device)


def _check_katanet_size(spec: str, board_size: int | None) -> None:
    if board_size is not None and not KATANET_SIZES[0] <= board_size <= KATANET_SIZES[1]:
        raise ValueError(f"victim {spec!r}: KataGo's nets take boards {KATANET_SIZES[0]}x{KATANET_SIZES[0]} to "
                         f"{KATANET_SIZES[1]}x{KATANET_SIZES[1]}, not {board_size}x{board_size}")


def load_victims(entries, board_size: int, rules: str, need_policy: bool,
                 device="cpu") -> dict[str, Victim | KataNetVictim | ExternalVictim]:
    """Every entry's victim (``entry.victim`` at ``entry.visits``; a curriculum's entries), by ``entry.label``.

    Checked before a game is played, each problem a ``ValueError`` naming ``curriculum.entries[i]``: the victim
    must resolve and play ``board_size`` and ``rules`` (a ruleset name), and when ``need_policy`` (A-MCTS other
    than plain, or hardening) it must have a policy to query.
    """
    victims, loaded = {}, {}
    for i, entry in enumerate(entries):
        if ":hardened=" in str(entry.victim):
            raise ValueError(f"curriculum.entries[{i}]: {entry.victim!r}: a curriculum victim is hardened by "
                             f"victimplay.hardening: true, not by its spec")
        key = (str(entry.victim), int(entry.visits))  # entries that differ only in temperature share one net
        try:
            if key not in loaded:
                loaded[key] = resolve_victim(entry.victim, entry.visits, device=device, board_size=board_size)
        except (ValueError, KeyError) as err:
            raise ValueError(f"curriculum.entries[{i}]: {err}") from None
        victim = victims[entry.label] = loaded[key]
        if not victim.has_policy and need_policy:
            raise ValueError(f"curriculum.entries[{i}]: {victim.label} is a black box (no policy to query): set "
                             f"victimplay.amcts: plain and victimplay.hardening: false to train against it")
        supported = victim.rules_supported
        if supported is not None and rules not in supported:
            raise ValueError(f"curriculum.entries[{i}]: {victim.label} plays {'/'.join(supported)} rules; "
                             f"set game.rules: {supported[0]}")
    return victims


class HardenedAgent(Agent):
    """A victim that may not pass while it has a legal move outside its own pass-alive territory.

    Wang et al. used this in training only, to close the cheap "pass attack". When the wrapped agent
    passes but such moves exist, the victim plays the one its raw policy likes best instead.
    """

    def __init__(self, inner: Agent, policy: Evaluator):
        self.inner = inner
        self.policy = policy
        self.name = inner.name
        self.board_size = inner.board_size
        self.rules_supported = inner.rules_supported
        self.overrides = 0  # passes replaced by a move

    def start(self, size, rules, batch):
        self.inner.start(size, rules, batch)
        self.size = size
        self.codes = rules.codes(engine.NO_CAP)
        self.suicide = rules.suicide
        self._mask = np.zeros((1, size * size + 1), np.bool_)
        self._priors = np.zeros((1, size * size + 1), np.float32)
        self._values = np.zeros(1, np.float32)
        self._single = None

    def select(self, boards, games):
        moves = np.asarray(self.inner.select(boards, games), np.int64).copy()
        n2 = self.size * self.size
        for k, b in enumerate(games):
            if moves[k] != n2:
                continue
            single = self._copy(boards, int(b))
            engine.legal_masks(single, self.codes, self._mask)
            w = boards.width
            stones = single.stones[0].reshape(w, w)[1:-1, 1:-1]
            allowed = self._mask[0, :-1] & ~pass_alive_territory(stones, int(single.to_play[0]), self.suicide).reshape(-1)
            if allowed.any():
                self.policy.evaluate(single, 1, self.codes.komi, self._priors, self._values)
                moves[k] = int(np.argmax(np.where(allowed, self._priors[0, :-1], -np.inf)))
                self.overrides += 1
        return moves

    def reseed(self, seed: int) -> bool:
        """The wrapped agent's and the policy's random choices, both from ``seed + 1``."""
        inner = self.inner.reseed(seed + 1)
        policy = reseed_evaluator(self.policy, seed + 1)
        return inner or policy

    def close(self) -> None:
        self.inner.close()

    def _copy(self, boards, b: int):
        if self._single is None or self._single.history.shape[1] < boards.history.shape[1]:
            self._single = engine.new_boards(1, self.size, boards.history.shape[1])
        engine.copy_game(boards, b, self._single, 0)
        return self._single
