"""Preallocated, batch-first engine state (struct of arrays) and its allocation.

Boards are padded: a board of size N is stored as a flat array of P = (N + 2)² points with a ring of
``WALL`` points, so the four neighbours of point ``p`` are ``p - W, p - 1, p + 1, p + W`` (W = N + 2)
with no bounds checks. Chains are circular linked lists in parallel arrays (KataGo's layout): every
stone knows its chain's head; size, liberty count and Zobrist hash are kept at the head.

| field | dtype, shape | meaning |
|---|---|---|
| ``size`` / ``width`` | int | N and W = N + 2 |
| ``zobrist`` | uint64 [2, P] | stone keys: row 0 black, row 1 white (shared by the batch) |
| ``stones`` | int8 [B, P] | EMPTY / BLACK / WHITE / WALL |
| ``chain_head`` | int16 [B, P] | head point of the stone's chain |
| ``chain_next`` | int16 [B, P] | next stone of the chain (circular) |
| ``chain_size`` | int16 [B, P] | stones in the chain (valid at the head) |
| ``chain_libs`` | int16 [B, P] | exact liberty count (valid at the head) |
| ``chain_hash`` | uint64 [B, P] | XOR of the chain's stone keys (valid at the head) |
| ``mark`` | int32 [B, P] | scratch stamps for liberty counts and flood fills |
| ``stamp`` | int32 [B] | last stamp used in ``mark`` |
| ``scratch`` | int16 [B, P] | scratch list (flood-fill stack, move candidates), one user at a time |
| ``to_play`` | int8 [B] | BLACK or WHITE |
| ``first_player`` | int8 [B] | player to move at history index 0 (situational superko parity) |
| ``ko_point`` | int16 [B] | padded point forbidden by simple ko, or NO_POINT |
| ``passes`` | int8 [B] | consecutive passes |
| ``move_count`` | int32 [B] | moves played since the initial position |
| ``board_hash`` | uint64 [B] | Zobrist hash of the current board (XOR of its stones' keys) |
| ``captures`` | int32 [B, 2] | stones captured by black (0) and by white (1) |
| ``end_reason`` | int8 [B] | END_NONE while the game goes on |
| ``history`` | uint64 [B, H] | board hash of the initial position (0) and after each move |
| ``moves`` | int16 [B, H] | action id of move k at index k - 1 |
| ``seen`` | uint64 [B, FILTER_WORDS] | bit ``hash % FILTER_BITS`` set for every hash in ``history``: a filter that
  rules out most superko scans. It only ever gains bits, so states branching from one position may share it |
"""

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .constants import BLACK, END_NONE, MAX_SIZE, MIN_SIZE, NO_CAP, NO_POINT, WALL

ZOBRIST_SEED = 0x5EED_60  # fixed: equal positions hash equally in every process
FILTER_BITS = 4096  # superko filter size (a power of two)
FILTER_WORDS = FILTER_BITS // 64


class Boards(NamedTuple):
    size: int
    width: int
    zobrist: np.ndarray
    stones: np.ndarray
    chain_head: np.ndarray
    chain_next: np.ndarray
    chain_size: np.ndarray
    chain_libs: np.ndarray
    chain_hash: np.ndarray
    mark: np.ndarray
    stamp: np.ndarray
    scratch: np.ndarray
    to_play: np.ndarray
    first_player: np.ndarray
    ko_point: np.ndarray
    passes: np.ndarray
    move_count: np.ndarray
    board_hash: np.ndarray
    captures: np.ndarray
    end_reason: np.ndarray
    history: np.ndarray
    moves: np.ndarray
    seen: np.ndarray


class RuleCodes(NamedTuple):
    """Rules as the kernels see them (plain scalars)."""

    ko_rule: int  # KO_SIMPLE, KO_POSITIONAL or KO_SITUATIONAL
    allow_suicide: bool  # multi-stone suicide legal (single-stone suicide never is)
    komi: float
    max_moves: int  # NO_CAP for no cap


def check_size(size: int) -> int:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"board size must be an integer, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"board size {size} is not supported: sizes {MIN_SIZE}..{MAX_SIZE} are")
    return int(size)


@lru_cache(maxsize=None)
def zobrist_table(size: int) -> np.ndarray:
    """Deterministic stone keys for one board size, read-only: uint64 [2, P]."""
    width = size + 2
    rng = np.random.Generator(np.random.PCG64(ZOBRIST_SEED + size))
    table = rng.integers(1, np.iinfo(np.uint64).max, size=(2, width * width), dtype=np.uint64)
    table.setflags(write=False)
    return table


def wall_template(size: int) -> np.ndarray:
    """int8 [P]: WALL on the padding ring, EMPTY inside."""
    width = size + 2
    grid = np.full((width, width), WALL, dtype=np.int8)
    grid[1:-1, 1:-1] = 0
    return grid.reshape(-1)


def new_boards(batch: int, size: int, history: int) -> Boards:
    """Allocate ``batch`` empty games of ``size`` whose history holds ``history`` positions."""
    size = check_size(size)
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    if history < 2:
        raise ValueError(f"history must hold at least 2 positions, got {history}")
    width = size + 2
    points = width * width
    boards = Boards(
        size=size,
        width=width,
        zobrist=zobrist_table(size),
        stones=np.tile(wall_template(size), (batch, 1)),
        chain_head=np.zeros((batch, points), np.int16),
        chain_next=np.zeros((batch, points), np.int16),
        chain_size=np.zeros((batch, points), np.int16),
        chain_libs=np.zeros((batch, points), np.int16),
        chain_hash=np.zeros((batch, points), np.uint64),
        mark=np.zeros((batch, points), np.int32),
        stamp=np.zeros(batch, np.int32),
        scratch=np.zeros((batch, points), np.int16),
        to_play=np.full(batch, BLACK, np.int8),
        first_player=np.full(batch, BLACK, np.int8),
        ko_point=np.full(batch, NO_POINT, np.int16),
        passes=np.zeros(batch, np.int8),
        move_count=np.zeros(batch, np.int32),
        board_hash=np.zeros(batch, np.uint64),
        captures=np.zeros((batch, 2), np.int32),
        end_reason=np.full(batch, END_NONE, np.int8),
        history=np.zeros((batch, history), np.uint64),
        moves=np.zeros((batch, history), np.int16),
        seen=np.zeros((batch, FILTER_WORDS), np.uint64),
    )
    boards.seen[:, 0] = 1  # the empty board's hash, 0, is in every history
    return boards


def history_for(size: int, max_moves: int) -> int:
    """History length a game with this cap needs (an uncapped one starts at 2·N² + 2 and grows)."""
    if max_moves == NO_CAP:
        return 2 * size * size + 2
    return max_moves + 1
