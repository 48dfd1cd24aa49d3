"""Engine throughput benchmark: uniform-random legal-move games, ours beside the engines a user would pick.

Every mode plays games from the empty board, choosing uniformly among the legal moves (pass included),
until the game ends: two passes, the move cap, or the other engine's own end. Our modes play by the given
:class:`~advgo.rules.Rules` (default Tromp-Taylor); the other engines play by their own rules with the same
komi. Both of them forbid suicide, so ``Rules.chinese()`` is the like-for-like comparison: random games are
longer when multi-stone suicide is legal (9×9: about 132 moves, 38% reaching the cap, against about 119 and
16% without suicide).

| mode | how a game is played | move cap |
|---|---|---|
| ``numba-1core`` | ``advgo.engine.play_random_games(parallel=False)``: whole games inside Numba | 2·N² |
| ``numba-all-cores`` | the same with ``parallel=True`` (chunks of games on a thread pool over all cores; the kernels release the GIL) | 2·N² |
| ``python-gamestate`` | ``GameState.legal_actions()`` + ``play()`` one move at a time from Python | 2·N² |
| ``pettingzoo-go_v5`` | PettingZoo's AEC loop, random action from ``observation["action_mask"]`` | 2·N², counted here (the env has none) |
| ``openspiel-go`` | ``rng.choice(state.legal_actions())`` + ``apply_action`` | OpenSpiel's ``max_game_length`` |

The last two run only with ``compare=True`` and when importable (``pip install -e '.[bench]'``). OpenSpiel
ends a game as a draw when a move repeats a position (end reason ``superko``).

A mode runs until its :class:`Budget` is spent: a fixed number of games, or else a wall-clock target.
Numba modes time their first (compiling) call apart and report it as ``compile_s``; it is a cache load
when Numba's on-disk cache is warm (see :mod:`advgo.bench.startup`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import platform
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numba
import numpy as np

from advgo.engine import play_random_games
from advgo.engine.constants import END_REASONS, KO_RULES
from advgo.game import GameState
from advgo.rules import Rules

log = logging.getLogger(__name__)

NUMBA_MODES = ("numba-1core", "numba-all-cores")
CORE_MODES = (*NUMBA_MODES, "python-gamestate")
COMPARE_MODES = ("pettingzoo-go_v5", "openspiel-go")
CHUNK_SECONDS = 0.25  # a Numba batch is sized to take about this long, so progress and the budget stay responsive
GAMES_PER_CORE = 16  # smallest numba-all-cores batch: this many games per core

#: Called after every batch with (games done, moves done, seconds elapsed).
ProgressFn = Callable[[int, int, float], None]
#: Plays n games from a seed; returns their lengths (moves incl. passes) and end-reason names.
PlayFn = Callable[[int, int], tuple[Sequence[int], Sequence[str]]]


@dataclass(frozen=True)
class Budget:
    """How long one mode runs."""

    games: int | None = None
    """Exactly this many games; None = play batches until ``seconds`` have passed."""
    seconds: float = 8.0
    """Wall-clock target per mode when ``games`` is None (the last batch may overrun it a little)."""


@dataclass
class ModeResult:
    """What one mode measured; ``record()`` is its JSON form."""

    board: int
    mode: str
    rules: str
    komi: float
    games: int
    moves: int
    seconds: float
    cpu_seconds: float
    end_reasons: dict[str, int]
    max_moves: int
    compile_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def moves_per_s(self) -> float:
        return self.moves / self.seconds if self.seconds > 0 else float("nan")

    @property
    def games_per_s(self) -> float:
        return self.games / self.seconds if self.seconds > 0 else float("nan")

    @property
    def cpu_per_wall(self) -> float:
        """Process CPU seconds per wall second while playing: about how many cores were busy."""
        return self.cpu_seconds / self.seconds if self.seconds > 0 else float("nan")

    @property
    def mean_length(self) -> float:
        return self.moves / self.games if self.games else float("nan")

    def record(self, machine: dict) -> dict:
        rec = {
            "board": self.board,
            "mode": self.mode,
            "rules": self.rules,
            "komi": self.komi,
            "moves_per_s": round(self.moves_per_s, 1),
            "games_per_s": round(self.games_per_s, 3),
            "mean_length": round(self.mean_length, 2),
            "end_reasons": dict(sorted(self.end_reasons.items())),
            "games": self.games,
            "moves": self.moves,
            "seconds": round(self.seconds, 4),
            "cpu_per_wall": round(self.cpu_per_wall, 2),
            "max_moves": self.max_moves,
        }
        if self.compile_s is not None:
            rec["compile_s"] = round(self.compile_s, 4)
        if self.notes:
            rec["notes"] = list(self.notes)
        rec.update(machine)
        return rec


def machine_info() -> dict:
    """Where the figures were taken: cores, Python, Numba and NumPy versions, CPU model."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": usable,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "cpu": cpu,
        "platform": platform.platform(),
    }


def available_modes(compare: bool) -> list[str]:
    """The modes that can run here: ours always, the other engines when ``compare`` and importable."""
    modes = list(CORE_MODES)
    if compare:
        for mode, needs in zip(COMPARE_MODES, (("pettingzoo", "pygame"), ("pyspiel",)), strict=True):
            missing = [m for m in needs if importlib.util.find_spec(m) is None]
            if missing:
                log.warning("%s skipped: %s not installed (pip install -e '.[bench]')", mode, ", ".join(missing))
            else:
                modes.append(mode)
    return modes


def run_mode(
    mode: str,
    size: int,
    budget: Budget,
    rules: Rules | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> ModeResult:
    """Benchmark one mode on an N×N board; ``rules`` None = Tromp-Taylor, komi 7.5."""
    rules = rules or Rules.tromp_taylor()
    rules_name = rules.name
    cap = 2 * size * size
    compile_s = None
    notes: list[str] = []
    granularity, adaptive = 1, False
    if mode in NUMBA_MODES:
        parallel = mode == "numba-all-cores"
        compile_s = _time_first_call(size, rules, seed, parallel)
        play = _numba_player(size, rules, parallel)
        adaptive = True
        if parallel:
            granularity = GAMES_PER_CORE * numba.config.NUMBA_NUM_THREADS
    elif mode == "python-gamestate":
        play = _gamestate_player(size, rules, cap)
    elif mode == "pettingzoo-go_v5":
        play = _pettingzoo_player(size, rules.komi, cap)
        rules_name = "pettingzoo (minigo: simple ko, no suicide)"
        notes.append("no move cap in the env; capped here at 2*N*N by counting steps")
    elif mode == "openspiel-go":
        play, cap = _openspiel_player(size, rules.komi)
        rules_name = "openspiel (positional superko, no suicide)"
        notes.append(f"OpenSpiel's own max_game_length={cap}; a positional-superko repeat ends the game as a draw")
    else:
        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(CORE_MODES + COMPARE_MODES)}")
    log.info("bench %s on %dx%d (%s)", mode, size, size, budget)
    lengths, reasons, seconds, cpu_seconds = _run_batches(play, budget, seed, granularity, adaptive, progress)
    result = ModeResult(
        board=size, mode=mode, rules=rules_name, komi=rules.komi, games=len(lengths), moves=sum(lengths),
        seconds=seconds, cpu_seconds=cpu_seconds, end_reasons=dict(reasons), max_moves=cap, compile_s=compile_s,
        notes=notes,
    )
    if mode == "numba-all-cores" and result.cpu_per_wall < 0.75 * numba.config.NUMBA_NUM_THREADS:
        log.warning(
            "numba-all-cores kept only %.1f of %d cores busy: other processes are using the machine, or the "
            "batches are too small to share out (--games)", result.cpu_per_wall, numba.config.NUMBA_NUM_THREADS
        )
    return result


def _run_batches(
    play: PlayFn, budget: Budget, seed: int, granularity: int, adaptive: bool, progress: ProgressFn | None
) -> tuple[list[int], Counter, float, float]:
    """Play batches until the budget is spent. Returns lengths, end reasons, and the wall and process-CPU
    seconds spent inside ``play`` (CPU / wall is how many cores the mode really had)."""
    lengths: list[int] = []
    reasons: Counter = Counter()
    chunk = granularity
    seconds = cpu_seconds = 0.0
    moves = batch = 0
    while True:
        if budget.games is not None:
            n = min(chunk, budget.games - len(lengths))
            if n <= 0:
                break
        elif seconds >= budget.seconds:
            break
        else:
            n = chunk
        t0, c0 = time.perf_counter(), time.process_time()
        batch_lengths, batch_reasons = play(n, seed + batch)
        dt = time.perf_counter() - t0
        cpu_seconds += time.process_time() - c0
        seconds += dt
        batch += 1
        lengths.extend(int(x) for x in batch_lengths)
        moves += int(sum(batch_lengths))
        reasons.update(batch_reasons)
        if adaptive:  # grow batches towards CHUNK_SECONDS each, in whole multiples of the granularity
            want = n * CHUNK_SECONDS / max(dt, 1e-6)
            chunk = max(granularity, min(4 * n, int(want // granularity) * granularity))
        if progress is not None:
            progress(len(lengths), moves, seconds)
    return lengths, reasons, seconds, cpu_seconds


def _end_names(codes: np.ndarray) -> list[str]:
    return [END_REASONS.get(int(c)) or f"code_{int(c)}" for c in codes]


def _numba_kwargs(rules: Rules) -> dict:
    return {"ko_rule": KO_RULES[rules.ko], "allow_suicide": rules.suicide, "komi": rules.komi}


def _time_first_call(size: int, rules: Rules, seed: int, parallel: bool) -> float:
    """Time the first call, which compiles (or loads from Numba's cache) the kernel."""
    t0 = time.perf_counter()
    play_random_games(size, 1, seed, parallel=parallel, **_numba_kwargs(rules))
    compile_s = time.perf_counter() - t0
    log.info("numba %s first call (compile or cache load): %.2fs", "parallel" if parallel else "serial", compile_s)
    return compile_s


def _numba_player(size: int, rules: Rules, parallel: bool) -> PlayFn:
    kwargs = _numba_kwargs(rules)

    def play(n: int, seed: int):
        out = play_random_games(size, n, seed, parallel=parallel, **kwargs)
        return out.lengths, _end_names(out.end_reasons)

    return play


def _gamestate_player(size: int, rules: Rules, cap: int) -> PlayFn:
    def play(n: int, seed: int):
        rng = np.random.default_rng(seed)
        lengths, reasons = [], []
        for _ in range(n):
            state = GameState.new(size, rules, max_moves=cap)
            while not state.is_over:
                legal = state.legal_actions()
                state = state.play(int(legal[rng.integers(len(legal))]))
            lengths.append(state.move_number)
            reasons.append(state.end_reason)
        return lengths, reasons

    return play


def _pettingzoo_player(size: int, komi: float, cap: int) -> PlayFn:
    try:  # the registry avoids go_v5's DeprecationWarning on recent PettingZoo
        from pettingzoo import make

        env = make("aec", "classic/go-v5", board_size=size, komi=komi)
    except ImportError:
        from pettingzoo.classic import go_v5

        env = go_v5.env(board_size=size, komi=komi)

    def play(n: int, seed: int):
        rng = np.random.default_rng(seed)
        lengths, reasons = [], []
        for game in range(n):
            env.reset(seed=seed + game)
            moves = 0
            while True:
                obs, _, terminated, truncated, _ = env.last()
                if terminated or truncated:
                    reason = "two_passes"  # minigo ends a game only on two passes; masked moves are never illegal
                    break
                if moves >= cap:
                    reason = "move_cap"
                    break
                env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
                moves += 1
            lengths.append(moves)
            reasons.append(reason)
        return lengths, reasons

    return play


def _openspiel_player(size: int, komi: float) -> tuple[PlayFn, int]:
    import pyspiel

    game = pyspiel.load_game("go", {"board_size": size, "komi": float(komi)})
    cap = game.max_game_length()
    pass_action = size * size

    def play(n: int, seed: int):
        rng = random.Random(seed)
        lengths, reasons = [], []
        for _ in range(n):
            state = game.new_initial_state()
            moves = 0
            while not state.is_terminal():
                state.apply_action(rng.choice(state.legal_actions()))
                moves += 1
            history = state.history()
            if moves >= cap:
                reasons.append("move_cap")
            elif len(history) >= 2 and history[-1] == history[-2] == pass_action:
                reasons.append("two_passes")
            else:
                reasons.append("superko")
            lengths.append(moves)
        return lengths, reasons

    return play, cap
