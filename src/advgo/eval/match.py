"""``advgo match``: two agent specs, many games over worker processes, every game as SGF, a JSON report.

| output (under the match folder) | content |
|---|---|
| ``config.yaml`` | the resolved ``MatchConfig`` (rules as agreed with the engines) |
| ``games/game-NNNNN.sgf`` | every game, voided ones too (``-void`` in the name, the reason in the root comment) |
| ``match.json`` | the config, the summary (``summarize``) and one row per game |

Workers are processes (``spawn``): each builds both agents from their specs and plays the games
``g % workers == w`` with ``slots`` games in flight (one engine process per slot for an external engine). Every
worker, and the main process when there is one worker, runs torch on ``threads`` CPU threads (1 unless told:
:mod:`advgo.nets.threads`).
Rules are agreed before the first move: without ``rules`` the match plays Tromp-Taylor when both agents
can, else a ruleset both play (GNU Go: Chinese with positional superko); an explicit ruleset an engine does
not play is an error.

Games count by :mod:`advgo.eval.counting` (as ``advgo eval`` and training evaluation do): a game stopped at the
move cap (default 5·N²) is a non-win for both sides, a draw a non-win, a voided game not counted; the summary
states the rule and the cap. Each worker tells an adversary checkpoint whom it plays, so its A-MCTS models that
opponent (:func:`advgo.agent_registry.make_agent`, ``opponent``); the agents' names (in the summary) say what it modelled.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import multiprocessing as mp
import queue as queue_module
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..agentspec import parse_agent_spec
from ..config import write_resolved
from ..fileio import atomic_write
from ..game import GameState
from ..rules import RULESET_NAMES, Rules
from ..sgf import result_string, save_sgf
from .arena import AgentClock, GameRecord, MatchResult, play_games
from .counting import RULE, move_cap

log = logging.getLogger(__name__)
EXTERNAL = ("gnugo", "katago", "gtp", "engine")


@dataclasses.dataclass(frozen=True)
class MatchConfig:
    a: str
    """Agent spec A (black in even-numbered games when alternating)."""
    b: str
    """Agent spec B."""
    board_size: int = 9
    """Board size N."""
    games: int = 10
    """Games to play."""
    alternate: bool = True
    """Swap colours every game (else A is always black)."""
    rules: str | None = None
    """tromp-taylor or chinese; None: agreed with the agents (Tromp-Taylor when both play it)."""
    komi: float = 7.5
    """Komi."""
    max_moves: int = 0
    """Move cap (0: 5·N², :func:`advgo.eval.counting.move_cap`); a capped game is a non-win for both sides."""
    workers: int = 1
    """Worker processes."""
    slots: int = 0
    """Games in flight per worker (0: all its games for our agents, 4 when an external engine plays, 1 with a
    human)."""
    seed: int = 0
    """Seed of both agents (B gets seed + 1, worker w adds 1000·w)."""
    device: str = "cpu"
    """Torch device of net agents."""
    threads: int = 1
    """Torch CPU threads of each worker (:mod:`advgo.nets.threads`; 0: torch's default, every core)."""

    def __post_init__(self):
        for spec in (self.a, self.b):
            parse_agent_spec(spec)
        if not 2 <= self.board_size <= 19:
            raise ValueError(f"board size must be in 2..19, got {self.board_size}")
        if self.games < 1 or self.workers < 1 or self.slots < 0 or self.max_moves < 0 or self.threads < 0:
            raise ValueError("games and workers must be at least 1; slots, max_moves and threads at least 0")
        if self.rules is not None and self.rules not in RULESET_NAMES:
            raise ValueError(f"rules must be one of {', '.join(RULESET_NAMES)}, got {self.rules!r}")
        if self.workers > 1 and "human" in (parse_agent_spec(self.a).kind, parse_agent_spec(self.b).kind):
            raise ValueError("a human plays one game at a time: use --workers 1")

    @property
    def cap(self) -> int:
        return move_cap(self.board_size, self.max_moves)

    @property
    def external(self) -> bool:
        return any(parse_agent_spec(s).kind in EXTERNAL for s in (self.a, self.b))


def agree_rules(cfg: MatchConfig, supported: list[tuple[str, ...] | None]) -> str:
    """The ruleset the match plays: ``cfg.rules`` if every agent plays it, else a clear error; without
    ``cfg.rules``, Tromp-Taylor when every agent plays it, else the first ruleset they all play."""
    common = [r for r in RULESET_NAMES if all(s is None or r in s for s in supported)]
    if cfg.rules is not None:
        if cfg.rules not in common:
            who = [spec for spec, s in zip((cfg.a, cfg.b), supported) if s is not None and cfg.rules not in s]
            raise ValueError(f"{', '.join(who)} cannot play {cfg.rules} rules (it plays "
                             f"{'/'.join(next(s for s in supported if s and cfg.rules not in s))}); "
                             f"use --rules {common[0] if common else '…'}")
        return cfg.rules
    if not common:
        raise ValueError(f"{cfg.a} and {cfg.b} share no ruleset")
    return common[0]


def engine_rules(spec: str) -> tuple[str, ...] | None:
    """The rulesets an agent spec's engine plays (None: any), without starting it."""
    from ..victims import ExternalVictim  # an external spec's engine file says

    parsed = parse_agent_spec(spec)
    if parsed.kind not in EXTERNAL:
        return None
    return tuple(ExternalVictim(parsed).engine_spec().rules)


# ------------------------------------------------------------------------------------------------ workers
def _colours(cfg: MatchConfig, games: list[int]) -> list[bool]:
    return [(g % 2 == 0) or not cfg.alternate for g in games]


def _play_share(cfg: MatchConfig, rules: Rules, worker: int, emit: Callable[[str, object], None]) -> None:
    """Worker ``worker``'s share of the games, each record passed to ``emit("game", record)``."""
    from ..agent_registry import make_agent  # imported late to keep start-up light (it loads torch)
    from ..nets.threads import set_torch_threads

    set_torch_threads(cfg.threads)  # one worker or many: the one rule, before any net is made
    games = list(range(worker, cfg.games, cfg.workers))
    seed = cfg.seed + 1000 * worker
    agent_a = make_agent(cfg.a, seed=seed, device=cfg.device, rules=rules, opponent=cfg.b)
    try:
        agent_b = make_agent(cfg.b, seed=seed + 1, device=cfg.device, rules=rules, opponent=cfg.a)
    except BaseException:
        agent_a.close()
        raise
    clocks = (AgentClock(), AgentClock())
    human = "human" in (parse_agent_spec(cfg.a).kind, parse_agent_spec(cfg.b).kind)
    slots = 1 if human else cfg.slots or (4 if cfg.external else len(games))
    try:
        play_games(agent_a, agent_b, cfg.board_size, rules, games, _colours(cfg, games),
                   lambda record: emit("game", record), slots=slots, max_moves=cfg.cap, clocks=clocks)
    finally:
        agent_a.close()
        agent_b.close()
    emit("names", (agent_a.name, agent_b.name))
    emit("clocks", clocks)


def _worker_main(cfg: MatchConfig, rules: Rules, worker: int, out: mp.Queue) -> None:
    try:
        _play_share(cfg, rules, worker, lambda kind, item: out.put((kind, item)))
        out.put(("done", worker))
    except BaseException as exc:  # the parent reports it; a worker must not die silently
        out.put(("error", f"worker {worker}: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def _spawn_workers(cfg: MatchConfig, rules: Rules, emit: Callable[[str, object], None]) -> None:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker_main, args=(cfg, rules, w, out), daemon=True, name=f"match-worker-{w}")
             for w in range(cfg.workers)]
    for p in procs:
        p.start()
    done = 0
    try:
        while done < len(procs):
            try:
                kind, item = out.get(timeout=5.0)
            except queue_module.Empty:
                dead = [p.name for p in procs if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    raise RuntimeError(f"match worker(s) {', '.join(dead)} died without a report") from None
                continue
            if kind == "error":
                raise RuntimeError(str(item))
            if kind == "done":
                done += 1
            else:
                emit(kind, item)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join(timeout=5)


# ------------------------------------------------------------------------------------------------ running
@dataclasses.dataclass
class MatchRun:
    """What a match produced: the config, rules, per-game records and the agents' names and clocks."""

    config: MatchConfig
    rules: Rules
    records: list[GameRecord]
    names: tuple[str, str]
    clocks: tuple[AgentClock, AgentClock]
    seconds: float
    out_dir: Path | None = None

    @property
    def result(self) -> MatchResult:
        result = MatchResult(*self.names, max_moves=self.config.cap)
        for record in sorted(self.records, key=lambda r: r.index):
            result.add(record)
        return result


def run_match(cfg: MatchConfig, out_dir: Path | None = None,
              on_game: Callable[[GameRecord], None] | None = None) -> MatchRun:
    """Play the match; with ``out_dir``, write the config, every game's SGF and ``match.json`` there."""
    rules = Rules.from_name(agree_rules(cfg, [engine_rules(cfg.a), engine_rules(cfg.b)]), cfg.komi)
    if out_dir is not None:
        out_dir = Path(out_dir)
        (out_dir / "games").mkdir(parents=True, exist_ok=True)
        write_resolved(dataclasses.replace(cfg, rules=rules.name), out_dir)
    records: list[GameRecord] = []
    names = [cfg.a, cfg.b]
    clocks = (AgentClock(), AgentClock())

    def emit(kind: str, item) -> None:
        if kind == "game":
            records.append(item)
            if out_dir is not None:
                _write_sgf(out_dir, cfg, rules, item, names)
            if on_game is not None:
                on_game(item)
        elif kind == "names":
            names[:] = item
        elif kind == "clocks":
            for mine, theirs in zip(clocks, item):
                mine.seconds += theirs.seconds
                mine.moves += theirs.moves

    started = time.monotonic()
    if cfg.workers == 1:
        _play_share(cfg, rules, 0, emit)
    else:
        _spawn_workers(cfg, rules, emit)
    run = MatchRun(cfg, rules, sorted(records, key=lambda r: r.index), tuple(names), clocks,
                   time.monotonic() - started, out_dir)
    if out_dir is not None:
        atomic_write(out_dir / "match.json", json.dumps(match_json(run), indent=2).encode(), fsync=False)
    return run


def _write_sgf(out_dir: Path, cfg: MatchConfig, rules: Rules, record: GameRecord, names: list[str]) -> None:
    state = GameState.from_moves(cfg.board_size, rules, record.moves, max_moves=cfg.cap)
    a, b = cfg.a, cfg.b
    black, white = (a, b) if record.a_black else (b, a)
    note = f"advgo match game {record.index}: {black} (B) vs {white} (W), {rules.name} rules, komi {rules.komi:g}"
    if record.void:
        note += f"\n\nVOID (not scored): {record.void}"
    suffix = "-void" if record.void else ""
    save_sgf(out_dir / "games" / f"game-{record.index:05d}{suffix}.sgf", state, black=black, white=white,
             comments={0: note}, result="Void" if record.void else result_string(record.score))


def summarize(run: MatchRun) -> dict:
    """The numbers the table and JSON report: both sides' win rates with 95% Wilson intervals (capped games and
    draws are non-wins for both, :mod:`advgo.eval.counting`), by colour, lengths, speed, the rule and the cap."""
    result = run.result
    low, high = result.interval
    b_low, b_high = result.loss_interval
    scored = [r for r in run.records if not r.void]
    as_black = [r for r in scored if r.a_black]
    as_white = [r for r in scored if not r.a_black]

    def rate(rs: list[GameRecord], side: str = "win") -> float | None:
        """A's rate of ``win`` (its wins) or ``loss`` (B's wins) over ``rs``."""
        return None if not rs else sum(r.a_outcome == side for r in rs) / len(rs)

    return {
        "a": run.names[0], "b": run.names[1], "games": len(run.records), "scored": result.games,
        "wins": result.wins, "losses": result.losses, "draws": result.draws, "capped": result.capped,
        "voided": result.voided, "win_rate": result.win_rate, "win_rate_low": low, "win_rate_high": high,
        "b_win_rate": result.loss_rate, "b_win_rate_low": b_low, "b_win_rate_high": b_high,
        "win_rate_as_black": rate(as_black), "win_rate_as_white": rate(as_white),
        "b_win_rate_as_black": rate(as_white, "loss"), "b_win_rate_as_white": rate(as_black, "loss"),
        "max_moves": run.config.cap, "counting": RULE,
        "mean_length": float(np.mean(result.lengths)) if result.lengths else None,
        "mean_margin": float(np.mean(result.margins)) if result.margins else None,
        "distinct_games": len({tuple(r.moves) for r in scored}),
        "seconds": run.seconds, "games_per_hour": 3600 * len(run.records) / max(run.seconds, 1e-9),
        "a_seconds_per_move": run.clocks[0].per_move, "b_seconds_per_move": run.clocks[1].per_move,
        "void_reasons": sorted({r.void for r in run.records if r.void}),
    }


def match_json(run: MatchRun) -> dict:
    return {
        "config": dataclasses.asdict(run.config) | {"rules": run.rules.name},
        "summary": summarize(run),
        "games": [{"index": r.index, "black": run.config.a if r.a_black else run.config.b,
                   "white": run.config.b if r.a_black else run.config.a, "result": _result(r), "score": r.score,
                   "length": r.length, "capped": r.capped, "a_outcome": r.a_outcome, "void": r.void,
                   "seconds": round(r.seconds, 3)}
                  for r in run.records],
    }


def _result(record: GameRecord) -> str:
    return "Void" if record.void else result_string(record.score)
