"""advgo's Go rules engine: Numba kernels over preallocated, batch-first state.

Imports nothing else of advgo. The kernels (``chains``, ``moves``, ``scoring``, ``setup``,
``rollout``, ``batch``) take plain arrays and return status codes; the functions here validate their
arguments and raise readable errors.

| entry point | what it does |
|---|---|
| ``new_boards(batch, size, history)`` | allocate ``batch`` empty games (``reset`` to reuse them) |
| ``rule_codes(ko, allow_suicide, komi, max_moves)`` | the rules as the kernels take them |
| ``copy_game(src, i, dst, j)`` | copy one game between buffers (search leaves, env resets) |
| ``play_batch(boards, rules, actions)`` | one move in every game (``NO_ACTION`` skips a game) |
| ``legal_masks(boards, rules, out)`` | exact legal masks into a caller's bool [B, N*N + 1] buffer |
| ``scores(boards, rules, out)`` | Tromp-Taylor scores, black minus white minus komi |
| ``area_maps(boards, out)``, ``area_map(boards, i)`` | each point's Tromp-Taylor owner, every game or game ``i`` |
| ``play_random_games(size, n_games, seed, …)`` | whole uniform-random games inside Numba |
"""

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from . import batch as _batch
from . import rollout as _rollout
from . import scoring as _scoring
from . import setup as _setup
from .batch import NO_ACTION
from .constants import (
    BLACK,
    EMPTY,
    END_MOVE_CAP,
    END_NONE,
    END_REASONS,
    END_TWO_PASSES,
    KO_POSITIONAL,
    KO_RULES,
    KO_SIMPLE,
    KO_SITUATIONAL,
    MAX_SIZE,
    MIN_SIZE,
    NO_CAP,
    OK,
    STATUS_NAMES,
    WHITE,
)
from .state import Boards, RuleCodes, check_size, history_for, new_boards, zobrist_table

__all__ = [
    "BLACK", "EMPTY", "WHITE", "END_NONE", "END_TWO_PASSES", "END_MOVE_CAP", "END_REASONS",
    "KO_SIMPLE", "KO_POSITIONAL", "KO_SITUATIONAL", "KO_RULES", "MIN_SIZE", "MAX_SIZE", "NO_CAP",
    "NO_ACTION", "OK", "STATUS_NAMES", "Boards", "RuleCodes", "RandomGames", "check_size",
    "history_for", "new_boards", "zobrist_table", "rule_codes", "copy_game", "reset", "play_batch", "legal_masks",
    "scores", "area_maps", "area_map", "play_random_games",
]


def rule_codes(ko: int = KO_POSITIONAL, allow_suicide: bool = True, komi: float = 7.5,
               max_moves: int = NO_CAP) -> RuleCodes:
    if ko not in (KO_SIMPLE, KO_POSITIONAL, KO_SITUATIONAL):
        raise ValueError(f"unknown ko rule code {ko!r}: use KO_SIMPLE, KO_POSITIONAL or KO_SITUATIONAL")
    if max_moves != NO_CAP and max_moves < 1:
        raise ValueError(f"max_moves must be positive (or NO_CAP), got {max_moves}")
    return RuleCodes(int(ko), bool(allow_suicide), float(komi), int(max_moves))


def _check_capacity(boards: Boards, rules: RuleCodes) -> None:
    if rules.max_moves == NO_CAP or rules.max_moves + 1 > boards.history.shape[1]:
        raise ValueError(
            f"boards hold {boards.history.shape[1] - 1} moves of history; batched play needs a move cap "
            f"that fits (max_moves={rules.max_moves})"
        )


def copy_game(src: Boards, i: int, dst: Boards, j: int) -> None:
    """Copy game ``i`` of ``src`` into slot ``j`` of ``dst``."""
    if src.size != dst.size:
        raise ValueError(f"cannot copy a {src.size}x{src.size} game into {dst.size}x{dst.size} boards")
    if int(src.move_count[i]) + 1 > dst.history.shape[1]:
        raise ValueError(f"game {i} has {int(src.move_count[i])} moves; the destination holds {dst.history.shape[1] - 1}")
    _batch.copy_game(src, i, dst, j)


def reset(boards: Boards, index=None) -> None:
    """Empty the board of game ``index`` (all games when None)."""
    for i in range(boards.stones.shape[0]) if index is None else [index]:
        _setup.reset_game(boards, i)


def play_batch(boards: Boards, rules: RuleCodes, actions: np.ndarray, status=None) -> np.ndarray:
    """Play one action per game; returns int8 status codes (``STATUS_NAMES``). Illegal moves change nothing."""
    _check_capacity(boards, rules)
    batch = boards.stones.shape[0]
    actions = np.asarray(actions)
    if actions.shape != (batch,) or not np.issubdtype(actions.dtype, np.integer):
        raise ValueError(f"actions must be an integer array of shape ({batch},), got {actions.dtype} {actions.shape}")
    if status is None:
        status = np.empty(batch, np.int8)
    _batch.play_batch(boards, rules, actions.astype(np.int64, copy=False), status)
    return status


def _out_buffer(out, shape, dtype, what):
    if out is None:
        return np.empty(shape, dtype)
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(f"{what} buffer must be {np.dtype(dtype).name} {shape}, got {out.dtype} {out.shape}")
    return out


def legal_masks(boards: Boards, rules: RuleCodes, out=None) -> np.ndarray:
    """Exact legal masks (superko included) into ``out``: bool [B, N*N + 1], pass last."""
    n = boards.size
    out = _out_buffer(out, (boards.stones.shape[0], n * n + 1), np.bool_, "legal mask")
    _batch.legal_masks(boards, rules, out)
    return out


def scores(boards: Boards, rules: RuleCodes, out=None) -> np.ndarray:
    """Tromp-Taylor area scores (black minus white minus komi) into ``out``: float32 [B]."""
    out = _out_buffer(out, (boards.stones.shape[0],), np.float32, "score")
    _batch.scores(boards, rules.komi, out)
    return out


def area_maps(boards: Boards, out=None) -> np.ndarray:
    """Tromp-Taylor area of every point into ``out``: int8 [B, N*N] (row-major), 1 black, -1 white, 0 neither.

    The per-point form of :func:`scores`: ``out.sum(1)`` is black's area minus white's."""
    n = boards.size
    out = _out_buffer(out, (boards.stones.shape[0], n * n), np.int8, "area map")
    _batch.area_maps(boards, out)
    return out


def area_map(boards: Boards, i: int) -> np.ndarray:
    """:func:`area_maps` of game ``i`` alone: int8 [N*N]."""
    if not 0 <= i < boards.stones.shape[0]:
        raise IndexError(f"game {i} of a batch of {boards.stones.shape[0]}")
    out = np.empty(boards.size ** 2, np.int8)
    _scoring.area_map(boards, i, out)
    return out


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class RandomGames(NamedTuple):
    lengths: np.ndarray  # int32 [n]: moves played, passes included
    end_reasons: np.ndarray  # int8 [n]: END_TWO_PASSES or END_MOVE_CAP
    scores: np.ndarray  # float32 [n]: black minus white minus komi


def play_random_games(size: int, n_games: int, seed: int = 0, ko_rule: int = KO_POSITIONAL,
                      allow_suicide: bool = True, komi: float = 7.5, max_moves=None,
                      parallel: bool = False) -> RandomGames:
    """Uniform-random legal-move games (pass included) from the empty board, entirely inside Numba.

    ``max_moves`` None means the 2·N² cap of OpenSpiel and pgx. ``parallel`` runs chunks of games on a
    thread pool over all cores (the kernels release the GIL). Results depend only on ``seed``, not on
    ``parallel`` or the number of threads.
    """
    size = check_size(size)
    if n_games < 1:
        raise ValueError(f"n_games must be at least 1, got {n_games}")
    cap = 2 * size * size if max_moves is None else int(max_moves)
    rules = rule_codes(ko_rule, allow_suicide, komi, cap)
    rng = _rollout.seed_generators(seed, n_games)
    out = RandomGames(np.zeros(n_games, np.int32), np.zeros(n_games, np.int8), np.zeros(n_games, np.float32))
    history = cap + 1

    def run_chunk(lo: int, hi: int) -> None:
        boards = new_boards(1, size, history)
        _rollout.random_games(boards, rules, rng[lo:hi], out.lengths[lo:hi], out.end_reasons[lo:hi],
                              out.scores[lo:hi])

    workers = _cpu_count() if parallel else 1
    if workers == 1:
        run_chunk(0, n_games)
    else:
        # several chunks per thread so that long games do not leave a core idle at the end
        bounds = np.linspace(0, n_games, min(n_games, workers * 8) + 1).astype(int)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done in [pool.submit(run_chunk, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]:
                done.result()
    return out
