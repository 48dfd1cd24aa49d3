"""Agent specs: the one string syntax that names a player everywhere (match, gtp, play, the envs, curricula).

| spec | player | parameters (``:key=value``, any order) |
|---|---|---|
| ``random`` | uniform over the legal moves, pass included | ``seed`` |
| ``baseline:POLICY`` | a baseline attack of the paper: ``pass``, ``edge``, ``random``, ``spiral`` or ``mirror`` (:mod:`advgo.agents.baselines`) | ``seed``, ``moves_before_pass`` (default 2·N²) |
| ``zoo:NAME`` | a bundled zoo net (``advgo zoo list``) | ``visits`` (1 = raw policy), ``temperature``, ``symmetry``, ``hardened`` |
| ``net:PATH`` | a checkpoint of ``advgo train victim`` or ``advgo train adversary``; an adversary plays A-MCTS modelling its opponent (:mod:`advgo.agent_registry`) | ``visits``, ``temperature``, ``symmetry``, ``hardened`` (victims), ``amcts`` (``S``, ``S++``, ``R``, ``plain``), ``victim`` (last: the spec its A-MCTS models) |
| ``gnugo`` | GNU Go over GTP (the engine spec ``gnugo.yaml``) | ``level`` (0..10) |
| ``katanet`` | KataGo's own net in process (``advgo engines install katago`` puts it in place): raw policy at 1 visit, our MCTS over it above | ``visits``, ``model`` (a ``.bin.gz`` file), ``dtype`` (``fp32``, exact; ``bf16``, faster), ``temperature``, ``symmetry``, ``hardened`` |
| ``katago`` | KataGo over GTP (``advgo engines install katago``) | ``visits`` |
| ``gtp:COMMAND LINE`` | any GTP engine; quote the command in the shell (``'gtp:gnugo --mode gtp'``) | — (the command is taken verbatim) |
| ``engine:NAME`` | any engine spec ``NAME.yaml`` (``advgo.agents.gtp.engine_dirs``) | that spec's ``defaults`` |
| ``human`` | a person at the terminal | — |

This module only parses and checks the syntax (it imports nothing of ours); :mod:`advgo.agent_registry` builds the
agents. Parameters are parsed from the right, so a path may contain ``:`` as long as no part after it looks
like ``key=value``.

``hardened=true`` (``1``, ``yes``; ``false``, ``0``, ``no``) makes a net victim the paper's hardened victim: it may not
pass while it has a legal move outside its own pass-alive territory (``advgo.victims.HardenedAgent``).
"""

from __future__ import annotations

import dataclasses
import re

AGENT_FORMS = (
    "random[:seed=N]",
    "baseline:pass|edge|random|spiral|mirror[:seed=N][:moves_before_pass=N]",
    "zoo:NAME[:visits=N][:temperature=T][:hardened=true]",
    "net:PATH[:visits=N][:temperature=T][:hardened=true][:amcts=S|S++|R|plain][:victim=SPEC]",
    "gnugo[:level=N]",
    "katanet[:visits=N][:model=PATH][:dtype=fp32|bf16][:temperature=T][:hardened=true]",
    "katago[:visits=N]",
    'gtp:"COMMAND LINE"',
    "engine:NAME[:PARAM=V]",
    "human",
)
"""What ``parse_agent_spec`` accepts, for error messages and ``--help``."""


def flag(value: str) -> bool:
    """A yes/no parameter: ``true``, ``1``, ``yes``, ``on`` or ``false``, ``0``, ``no``, ``off`` (any case)."""
    word = value.strip().lower()
    if word in ("true", "1", "yes", "on"):
        return True
    if word in ("false", "0", "no", "off"):
        return False
    raise ValueError(value)


_KINDS = {
    # kind: (takes a target after the first ':', parameters it accepts (None: any, checked by the engine spec))
    "random": (False, {"seed": int}),
    "baseline": (True, {"seed": int, "moves_before_pass": int}),
    "zoo": (True, {"visits": int, "temperature": float, "symmetry": str, "hardened": flag, "amcts": str,
                   "victim": str}),
    "net": (True, {"visits": int, "temperature": float, "symmetry": str, "hardened": flag, "amcts": str,
                   "victim": str}),
    "gnugo": (False, {"level": int}),
    "katanet": (False, {"visits": int, "model": str, "dtype": str, "temperature": float, "symmetry": str,
                        "hardened": flag}),
    "katago": (False, {"visits": int}),
    "gtp": (True, {}),
    "engine": (True, None),
    "human": (False, {}),
}
BASELINE_POLICIES = ("pass", "edge", "random", "spiral", "mirror")
"""The baseline attacks ``baseline:POLICY`` names (Wang et al. 2023)."""
_PARAM = re.compile(r"^([a-z_]+)=(.*)$")
SPEC_PARAM = "victim"
"""A parameter whose value is an agent spec itself (``net:PATH:victim=zoo:cp3:visits=4``): it comes last and
takes the rest of the string, colons included."""


NET_KINDS = ("zoo", "net", "katanet")
"""Kinds whose agents run a torch net in this process (their torch threads follow :mod:`advgo.nets.threads`)."""


def is_katanet(spec: str) -> bool:
    """Whether ``spec`` names KataGo's net in process (``katanet``, ``katanet:model=PATH``, ...)."""
    return spec.strip().lower().partition(":")[0] == "katanet"


class AgentSpecError(ValueError):
    """A spec string that names no player; the message lists the accepted forms."""


@dataclasses.dataclass(frozen=True)
class AgentSpec:
    kind: str
    """``random``, ``baseline``, ``zoo``, ``net``, ``katanet``, ``gnugo``, ``katago``, ``gtp``, ``engine`` or
    ``human``."""
    target: str = ""
    """The baseline policy, zoo name, checkpoint path, GTP command line or engine name ("" for the others)."""
    params: tuple[tuple[str, object], ...] = ()
    """``key=value`` parameters, typed, in the order given."""

    def get(self, key: str, default=None):
        return dict(self.params).get(key, default)

    @property
    def runs_a_net(self) -> bool:
        """Whether the agent runs a torch net in this process (``zoo``, ``net``, ``katanet``)."""
        return self.kind in NET_KINDS

    @property
    def text(self) -> str:
        """The canonical spec string (parses back to an equal ``AgentSpec``)."""
        parts = [self.kind] + ([self.target] if self.target else [])
        parts += [f"{k}={_show(v)}" for k, v in self.params]
        return ":".join(parts)

    def __str__(self) -> str:
        return self.text


def _show(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return f"{value:g}" if isinstance(value, float) else str(value)


def _fail(text: str, why: str) -> AgentSpecError:
    forms = "\n  ".join(AGENT_FORMS)
    return AgentSpecError(f"bad agent spec {text!r}: {why}. Accepted forms:\n  {forms}")


def parse_agent_spec(text: str) -> AgentSpec:
    """The ``AgentSpec`` of ``text``; ``AgentSpecError`` (a ``ValueError``) listing the accepted forms otherwise."""
    raw = text.strip()
    if not raw:
        raise _fail(text, "it is empty")
    kind, _, rest = raw.partition(":")
    kind = kind.lower()
    if kind not in _KINDS:
        raise _fail(text, f"unknown kind {kind!r}")
    takes_target, accepted = _KINDS[kind]
    if kind == "gtp":
        command = rest.strip()
        if len(command) >= 2 and command[0] == command[-1] and command[0] in "'\"":
            command = command[1:-1].strip()
        if not command:
            raise _fail(text, "gtp: needs the engine's command line")
        return AgentSpec("gtp", command)
    parts = rest.split(":") if rest else []
    params: list[tuple[str, object]] = []
    last: list[tuple[str, object]] = []  # the spec-valued parameter, when given
    for i, part in enumerate(parts if accepted and SPEC_PARAM in accepted else ()):
        if part.startswith(f"{SPEC_PARAM}="):
            value = ":".join([part.removeprefix(f"{SPEC_PARAM}="), *parts[i + 1:]])
            if not value:
                raise _fail(text, f"{SPEC_PARAM}= needs an agent spec")
            last, parts = [(SPEC_PARAM, value)], parts[:i]
            break
    while parts and _PARAM.match(parts[-1]):
        key, value = _PARAM.match(parts.pop()).groups()
        params.insert(0, (key, _typed(text, kind, key, value, accepted)))
    target = ":".join(parts)
    if kind == "baseline":
        target = target.lower()
        if target not in BASELINE_POLICIES:
            raise _fail(text, f"baseline: the policy must be one of {', '.join(BASELINE_POLICIES)}, got {target!r}")
    if takes_target and not target:
        raise _fail(text, f"{kind}: needs a {'zoo name' if kind == 'zoo' else 'path' if kind == 'net' else 'name'}")
    if not takes_target and target:
        raise _fail(text, f"{kind} takes only key=value parameters, got {target!r}")
    params += last
    keys = [k for k, _ in params]
    if len(set(keys)) != len(keys):
        raise _fail(text, "a parameter is given twice")
    return AgentSpec(kind, target, tuple(params))


def _typed(text: str, kind: str, key: str, value: str, accepted: dict | None):
    if accepted is None:  # engine:NAME - the engine spec checks names; numbers stay numbers
        for cast in (int, float):
            try:
                return cast(value)
            except ValueError:
                pass
        return value
    if key not in accepted:
        takes = ", ".join(accepted) or "no parameters"
        raise _fail(text, f"{kind} has no parameter {key!r} (it takes {takes})")
    try:
        return accepted[key](value)
    except ValueError:
        what = {int: "an integer", float: "a number", flag: "true or false"}[accepted[key]]
        raise _fail(text, f"{key}={value!r} is not {what}") from None
