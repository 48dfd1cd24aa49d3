"""External Go engines over GTP: engine specs (``<name>.yaml``) and ``GTPAgent``, on the client ``GTPEngine``.

| piece | what it owns |
|---|---|
| ``GTPEngine`` | one engine process (:mod:`advgo.agents.gtp_client`): send, parse replies, timeouts, EOF, restart |
| ``EngineSpec`` / ``load_engine_spec`` | an engine's command line with ``{placeholders}``, timeouts, rules, set-up commands |
| ``GTPAgent`` | the batched ``Agent``: one engine process per game slot, genmoves of several games in parallel |
| ``GnuGoAgent`` | ``GTPAgent`` with the spec ``gnugo`` |

Engine specs by name: ``load_engine_spec("gnugo")`` takes the first ``gnugo.yaml`` in :func:`engine_dirs`, so a
user's spec of the same name replaces a bundled one:

| order | folder |
|---|---|
| 1 | each folder of ``$ADVGO_ENGINES`` (separated by ``os.pathsep``) |
| 2 | ``engines/`` in the user data folder (``$ADVGO_HOME/engines``, by default ``~/.local/share/advgo/engines``) |
| 3 | ``engines/`` at the root of a source checkout, when advgo runs from one |
| 4 | the specs shipped in the package (``advgo/agents/engine_specs/``: ``gnugo``, ``katago``) |

Errors: ``GTPError`` (the engine answered ``?``; ``MoveRejected`` when it refused one of the game's moves),
``EngineDied`` (EOF, broken pipe or a protocol violation; the process group is killed) and its subclasses
``GTPTimeout`` (no reply in time) and ``EngineFlooded`` (too much output for one reply). ``GTPAgent`` raises
them with ``.game`` set to the game's index. They and ``GTPEngine`` live in :mod:`advgo.agents.gtp_client` and
are re-exported here.

Rules: GNU Go plays Chinese (area) rules with positional superko and forbids multi-stone suicide. It never
plays a suicide itself, but under Tromp-Taylor our side may; GNU Go rejects that move and ``GTPAgent`` raises
``MoveRejected``. Matches against GNU Go must use ``Rules.chinese()``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
import string
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ..config import load_config
from ..coords import action_to_gtp, gtp_to_action
from ..engine import BLACK, Boards
from ..paths import data_home, find_program
from ..rules import RULESET_NAMES, Rules
from .base import Agent
from .gtp_client import EngineDied, EngineFlooded, GTPEngine, GTPError, GTPTimeout, MoveRejected

__all__ = [
    "BUNDLED_ENGINES_DIR", "EngineDied", "EngineFlooded", "EngineSpec", "EngineTimeouts", "GTPAgent", "GTPEngine",
    "GTPError", "GTPTimeout", "GnuGoAgent", "MoveRejected", "engine_dirs", "engine_names", "load_engine_spec",
]

log = logging.getLogger(__name__)

BUNDLED_ENGINES_DIR = Path(__file__).resolve().parent / "engine_specs"
"""The engine specs shipped as package data (searched last: see :func:`engine_dirs`)."""
_CHECKOUT = Path(__file__).resolve().parents[3]  # the repository root when running from src/advgo/ of a checkout
RESERVED_PARAMS = ("seed", "rules", "katago_rules")  # placeholders the agent fills in itself


# ------------------------------------------------------------------------------------------------ specs
@dataclasses.dataclass(frozen=True)
class EngineTimeouts:
    startup: float = 30.0
    """Seconds for a fresh process to answer its first command (loading a net can be slow)."""
    command: float = 10.0
    """Seconds for any command other than genmove."""
    genmove: float = 60.0
    """Seconds for one genmove."""

    def __post_init__(self):
        for f in dataclasses.fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"timeouts.{f.name} must be positive, got {getattr(self, f.name)}")


@dataclasses.dataclass(frozen=True)
class EngineSpec:
    name: str
    """Short name: the agent spec prefix (``gnugo``) and the file name ``<name>.yaml``."""
    command: str
    """Command line; ``{placeholders}`` come from ``defaults``, the agent's params and ``{seed}``."""
    search_dirs: tuple[str, ...] = ()
    """Folders tried after ``PATH`` when the command's program is a bare name (Debian puts GNU Go in ``/usr/games``,
    which is not on root's ``PATH``)."""
    description: str = ""
    """One line for listings."""
    install: str = ""
    """How to install the engine when its binary is missing (shown in the error)."""
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Default values of the placeholders (``level: 0``); only these (and ``seed``) may be given as params."""
    rules: tuple[str, ...] = ("chinese",)
    """Rulesets the engine plays (names of ``Rules``); a match under another one logs a warning."""
    rules_command: str = ""
    """Sent after ``clear_board`` to set the match's rules: ``{rules}`` is the ruleset's name, ``{katago_rules}`` its
    KataGo rules string (e.g. ``kata-set-rules {katago_rules}``)."""
    startup_commands: tuple[str, ...] = ()
    """Sent once after the process starts."""
    clear_board_commands: tuple[str, ...] = ()
    """Sent after every ``clear_board`` and ``komi`` (e.g. ``set_random_seed {seed}``)."""
    timeouts: EngineTimeouts = EngineTimeouts()
    """Per-command deadlines; a missed one kills the process."""

    def __post_init__(self):
        if not self.name.strip() or not self.command.strip():
            raise ValueError("an engine spec needs a name and a command")
        bad = [r for r in self.rules if r not in RULESET_NAMES]
        if bad or not self.rules:
            raise ValueError(f"rules must be a non-empty list of {RULESET_NAMES}, got {list(self.rules)}")
        known = set(self.defaults) | set(RESERVED_PARAMS)
        for template in self.templates():
            for field in _placeholders(template):
                if field not in known:
                    raise ValueError(f"placeholder {{{field}}} in {template!r} has no default: "
                                     f"add it under defaults (known: {sorted(known)})")

    def templates(self) -> list[str]:
        return [self.command, self.rules_command, *self.startup_commands, *self.clear_board_commands]

    def executable(self) -> str | None:
        """The resolved path of the binary, or None when it is not installed."""
        binary = os.path.expanduser(shlex.split(self.command)[0])
        if "{" in binary:
            return binary
        if os.sep in binary:
            return binary if os.access(binary, os.X_OK) else None
        return find_program(binary, self.search_dirs)

    def check_installed(self) -> None:
        if self.executable() is None:
            binary = shlex.split(self.command)[0]
            hint = f"; install it with `{self.install}`" if self.install else ""
            raise FileNotFoundError(f"engine {self.name!r}: its binary {binary!r} is not installed{hint}")

    def params(self, given: dict[str, Any] | None = None) -> dict[str, Any]:
        """``defaults`` updated with ``given``; unknown or reserved names are an error."""
        given = dict(given or {})
        for key in given:
            if key in RESERVED_PARAMS:
                raise ValueError(f"engine {self.name!r}: {key!r} is set by the agent, not given as a param")
            if key not in self.defaults:
                raise ValueError(f"engine {self.name!r} has no parameter {key!r}: it takes {sorted(self.defaults)}")
        return {**self.defaults, **given}

    def argv(self, values: dict[str, Any]) -> list[str]:
        """The command line filled in; a bare program name is resolved (``PATH``, then ``search_dirs``) if found."""
        argv = [os.path.expanduser(_fill(token, values, self.name)) for token in shlex.split(self.command)]
        if os.sep not in argv[0]:
            argv[0] = find_program(argv[0], self.search_dirs) or argv[0]
        return argv


def _placeholders(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


def _fill(template: str, values: dict[str, Any], engine: str) -> str:
    try:
        return template.format(**values)
    except KeyError as exc:
        raise ValueError(f"engine {engine!r}: no value for {{{exc.args[0]}}} in {template!r}") from None


def engine_dirs() -> list[Path]:
    """The folders searched for ``<name>.yaml``, first match wins (module docstring); read at each call."""
    dirs = [Path(d).expanduser() for d in os.environ.get("ADVGO_ENGINES", "").split(os.pathsep) if d]
    dirs.append(data_home() / "engines")
    if (_CHECKOUT / "pyproject.toml").is_file() and Path(__file__).resolve().parents[2].name == "src":
        dirs.append(_CHECKOUT / "engines")
    dirs.append(BUNDLED_ENGINES_DIR)
    return dirs


def _spec_path(name: str) -> Path | None:
    return next((d / f"{name}.yaml" for d in engine_dirs() if (d / f"{name}.yaml").is_file()), None)


def engine_names() -> list[str]:
    """Every spec name found in :func:`engine_dirs`."""
    return sorted({p.stem for d in engine_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def load_engine_spec(name_or_path: str | os.PathLike, require_binary: bool = True) -> EngineSpec:
    """The spec ``<name>.yaml`` of the first folder of :func:`engine_dirs` holding one, or the YAML file at a
    path; checks the binary is installed."""
    text = str(name_or_path)
    path = Path(text).expanduser()
    if not (text.endswith((".yaml", ".yml")) or os.sep in text):
        path = _spec_path(text)
        if path is None:
            raise ValueError(f"unknown engine {text!r}: known engines are {engine_names()} "
                             f"(or give the path of a spec .yaml)")
    spec = load_config(EngineSpec, path)
    if require_binary:
        spec.check_installed()
    return spec


# ------------------------------------------------------------------------------------------------ agent
@dataclasses.dataclass
class _Slot:
    engine: GTPEngine | None = None
    seen: list[int] | None = None  # action ids the engine's board holds; None: needs clear_board
    first: int = BLACK  # player to move at the start of the engine's game
    size: int = 0  # board size the engine was last given
    games: int = 0  # games started in this slot (varies the seed per game)


class GTPAgent(Agent):
    """An external engine as a batched ``Agent``: one process per game slot, launched when first needed.

    ``select`` brings each listed game's engine up to date (only moves it has not seen; ``clear_board`` and a
    replay when the slot holds another game), then runs the genmoves in ``workers`` threads. ``resign`` is
    taken as pass (with a warning). A dead or silent engine is restarted and ``EngineDied`` raised with
    ``.game`` set. Call ``close()`` (or use ``with``) to end the processes.
    """

    def __init__(self, spec: EngineSpec | str, params: dict[str, Any] | None = None, seed: int = 0,
                 name: str | None = None, workers: int | None = None, log_dir: str | os.PathLike | None = None):
        self.spec = spec if isinstance(spec, EngineSpec) else load_engine_spec(spec)
        self.spec.check_installed()
        self.params = self.spec.params(params)
        self.rules_supported = tuple(self.spec.rules)
        self.seed = int(seed)
        self.name = name or ":".join([self.spec.name] + [f"{k}={v}" for k, v in (params or {}).items()])
        self.workers, self.log_dir = workers, log_dir
        self._slots: list[_Slot] = []
        self._pool: ThreadPoolExecutor | None = None
        self.size, self.rules = 0, Rules.chinese()

    def start(self, size: int, rules: Rules, batch: int) -> None:
        if rules.name not in self.spec.rules:
            log.warning("%s plays %s rules, this match uses %s: a move it considers illegal (a multi-stone "
                        "suicide) raises MoveRejected; use Rules.%s()", self.name, "/".join(self.spec.rules),
                        rules.name, self.spec.rules[0].replace("-", "_"))
        self.size, self.rules = size, rules
        for slot in self._slots[batch:]:
            if slot.engine is not None:
                slot.engine.close()
        self._slots = self._slots[:batch] + [_Slot() for _ in range(batch - len(self._slots))]
        for slot in self._slots:
            slot.seen = None
        self.n_workers = self.workers or min(batch, os.cpu_count() or 1)
        if self._pool is not None:
            self._pool.shutdown()
        self._pool = (ThreadPoolExecutor(self.n_workers, thread_name_prefix=f"gtp-{self.spec.name}")
                      if self.n_workers > 1 else None)

    def select(self, boards: Boards, games: np.ndarray) -> np.ndarray:
        if boards.size != self.size:
            raise ValueError(f"{self.name} was started for {self.size}x{self.size}, boards are {boards.size}x{boards.size}")
        jobs = []
        for g in map(int, games):
            if g >= len(self._slots):
                raise ValueError(f"{self.name}: game {g} is beyond the batch of {len(self._slots)} it was started for")
            if int(boards.history[g, 0]) != 0:
                raise ValueError(f"{self.name}: game {g} starts from setup stones, which GTPAgent cannot send yet")
            moves = boards.moves[g, :int(boards.move_count[g])].tolist()
            jobs.append((g, moves, int(boards.first_player[g]), int(boards.to_play[g])))
        if self._pool is None or len(jobs) == 1:
            return np.array([self._move(*job) for job in jobs], np.int64)
        futures = [self._pool.submit(self._move, *job) for job in jobs]
        errors = [f.exception() for f in futures]
        for exc in errors:
            if exc is not None:
                raise exc
        return np.array([f.result() for f in futures], np.int64)

    def _move(self, g: int, moves: list[int], first: int, to_play: int) -> int:
        slot = self._slots[g]
        try:
            if slot.engine is None:
                slot.engine = self._launch(g)
            self._sync(slot, g, moves, first)
            reply = slot.engine.send(f"genmove {'B' if to_play == BLACK else 'W'}", self.spec.timeouts.genmove)
        except EngineDied as exc:
            self._restart(slot, g)
            raise EngineDied(f"{self.name}, game {g}: {exc} (engine restarted)", game=g) from exc
        except GTPError as exc:
            exc.game = g
            raise
        vertex = reply.strip().lower()
        if vertex == "resign":
            log.warning("%s resigned in game %d although resignation is off: playing pass", self.name, g)
            return self.size * self.size
        try:
            action = gtp_to_action(vertex, self.size)
        except ValueError as exc:
            self._restart(slot, g)
            raise EngineDied(f"{self.name}, game {g}: genmove answered {reply!r}: {exc}", game=g) from exc
        slot.seen.append(action)
        return action

    def _values(self, g: int, games: int) -> dict[str, Any]:
        return {**self.params, "seed": self.seed + 100_003 * g + games, "rules": self.rules.name,
                "katago_rules": self.rules.katago()}

    def _launch(self, g: int) -> GTPEngine:
        values = self._values(g, 0)
        log_file = None if self.log_dir is None else Path(self.log_dir) / f"{self.spec.name}-{g}.stderr.log"
        engine = GTPEngine(self.spec.argv(values), name=f"{self.spec.name}[{g}]", timeout=self.spec.timeouts.command,
                           startup_timeout=self.spec.timeouts.startup, stderr=log_file)
        for command in self.spec.startup_commands:
            engine.send(_fill(command, values, self.spec.name))
        return engine

    def _restart(self, slot: _Slot, g: int) -> None:
        slot.seen, slot.size = None, 0
        if slot.engine is None:
            return
        try:
            slot.engine.restart()
        except (EngineDied, GTPError) as exc:
            log.error("%s: restarting the engine of game %d failed (%s); it is relaunched when next needed",
                      self.name, g, exc)
            slot.engine.kill()
            slot.engine = None

    def _sync(self, slot: _Slot, g: int, moves: list[int], first: int) -> None:
        seen = slot.seen
        if seen is None or slot.first != first or len(seen) > len(moves) or moves[:len(seen)] != seen:
            self._new_game(slot, g, first)
        engine = slot.engine
        for k in range(len(slot.seen), len(moves)):
            colour = "B" if (first == BLACK) == (k % 2 == 0) else "W"
            command = f"play {colour} {action_to_gtp(moves[k], self.size)}"
            try:
                engine.send(command)
            except GTPError as exc:
                raise MoveRejected(
                    f"{self.name} rejected move {k + 1} of game {g} ({command!r}): {exc.message}. It plays "
                    f"{'/'.join(self.spec.rules)} rules; this match uses {self.rules.name} (a multi-stone suicide "
                    f"is legal only under tromp-taylor): play against it with Rules.chinese()", command, g) from exc
            slot.seen.append(moves[k])

    def _new_game(self, slot: _Slot, g: int, first: int) -> None:
        engine, values = slot.engine, self._values(g, slot.games)
        slot.games += 1
        if slot.size != self.size:
            engine.send(f"boardsize {self.size}")
            slot.size = self.size
        engine.send("clear_board")
        if self.spec.rules_command:
            engine.send(_fill(self.spec.rules_command, values, self.spec.name))
        engine.send(f"komi {self.rules.komi:g}")
        for command in self.spec.clear_board_commands:
            engine.send(_fill(command, values, self.spec.name))
        slot.seen, slot.first = [], first

    def close(self) -> None:
        for slot in self._slots:
            if slot.engine is not None:
                slot.engine.close()
                slot.engine = None
            slot.seen = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> "GTPAgent":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class GnuGoAgent(GTPAgent):
    """GNU Go (the spec ``gnugo``) at ``level`` 0..10: Chinese rules, positional superko, never resigns."""

    def __init__(self, level: int = 0, seed: int = 0, name: str | None = None, **kwargs):
        if not 0 <= int(level) <= 10:
            raise ValueError(f"GNU Go levels are 0..10, got {level}")
        super().__init__("gnugo", params={"level": int(level)}, seed=seed, name=name, **kwargs)
