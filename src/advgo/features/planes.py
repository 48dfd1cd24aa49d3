"""Feature set ``advgo-v1``: the net's input planes and global inputs, encoded by Numba from the engine's arrays.

Everything is from the point of view of the player to move (``boards.to_play[i]``), float32, 0 or 1 unless
said otherwise. Planes are ``[C, N, N]`` with row 0 the top row (the action id ``row * N + col`` is the flat
index of a plane), globals are ``[G]``.

| plane | name | 1 where |
|---|---|---|
| 0 | ``OWN`` | a stone of the player to move |
| 1 | ``OPP`` | an opponent stone |
| 2 | ``ON_BOARD`` | every point (ones; lets convolutions see the edge through zero padding) |
| 3 / 4 / 5 | ``OWN_LIB1`` / ``OWN_LIB2`` / ``OWN_LIB3`` | own stone whose chain has 1 / 2 / 3 or more liberties |
| 6 / 7 / 8 | ``OPP_LIB1`` / ``OPP_LIB2`` / ``OPP_LIB3`` | opponent stone whose chain has 1 / 2 / 3 or more liberties |
| 9 | ``KO`` | the point an immediate recapture is forbidden on by simple ko (none once the game is over) |
| 10 | ``LEGAL`` | a legal move of the player to move, exact: ko, superko and suicide per the rules (none once over) |
| 11 … 14 | ``LAST_MOVE`` + k | where the move k + 1 moves ago was played (k = 0: the last move); empty for a pass or before the start |

| global | name | value |
|---|---|---|
| 0 | ``G_KOMI`` | komi from the mover's side / 15: ``+komi/15`` when white is to move, ``-komi/15`` when black is |
| 1 | ``G_PASS1`` | 1 if the last move was a pass |
| 2 | ``G_PASS2`` | 1 if the move before it was a pass |
| 3 | ``G_BIAS`` | 1 |

The legal plane needs the ko and suicide rules (``RuleCodes``); ``rules`` therefore follows the contract's
arguments (``encode_into(boards, i, komi, planes_out, globals_out, rules)``); the Python wrappers default it
to Tromp-Taylor. ``komi`` is an argument of its own (the evaluator protocol passes it per call).
"""

from __future__ import annotations

import numpy as np

from advgo.engine import KO_RULES, NO_CAP, Boards, RuleCodes, rule_codes
from advgo.engine.constants import EMPTY, END_NONE, NO_POINT, OK, WHITE
from advgo.engine.jit import kernel
from advgo.engine.moves import check_point

OWN = 0
OPP = 1
ON_BOARD = 2
OWN_LIB1 = 3
OWN_LIB2 = 4
OWN_LIB3 = 5
OPP_LIB1 = 6
OPP_LIB2 = 7
OPP_LIB3 = 8
KO = 9
LEGAL = 10
LAST_MOVE = 11
RECENT_MOVES = 4  # LAST_MOVE .. LAST_MOVE + 3
NUM_PLANES = LAST_MOVE + RECENT_MOVES

G_KOMI = 0
G_PASS1 = 1
G_PASS2 = 2
G_BIAS = 3
NUM_GLOBALS = 4

KOMI_SCALE = 15.0

PLANE_NAMES = (
    "own", "opp", "on_board", "own_lib1", "own_lib2", "own_lib3", "opp_lib1", "opp_lib2", "opp_lib3",
    "ko", "legal", "last_move_1", "last_move_2", "last_move_3", "last_move_4",
)
GLOBAL_NAMES = ("komi", "pass_1", "pass_2", "bias")


@kernel
def encode_into(b, i, komi, planes_out, globals_out, rules):
    """Write game ``i``'s features into ``planes_out`` (float32 [C, N, N]) and ``globals_out`` (float32 [G])."""
    n = b.size
    w = b.width
    me = b.to_play[i]
    live = b.end_reason[i] == END_NONE
    for r in range(n):
        for c in range(n):
            for k in range(NUM_PLANES):
                planes_out[k, r, c] = 0.0
            planes_out[ON_BOARD, r, c] = 1.0
            p = (r + 1) * w + c + 1
            v = b.stones[i, p]
            if v == EMPTY:
                if live and check_point(b, i, p, rules) == OK:
                    planes_out[LEGAL, r, c] = 1.0
                continue
            libs = min(b.chain_libs[i, b.chain_head[i, p]], 3)
            if v == me:
                planes_out[OWN, r, c] = 1.0
                planes_out[OWN_LIB1 + libs - 1, r, c] = 1.0
            else:
                planes_out[OPP, r, c] = 1.0
                planes_out[OPP_LIB1 + libs - 1, r, c] = 1.0
    kp = b.ko_point[i]
    if live and kp != NO_POINT:
        planes_out[KO, kp // w - 1, kp % w - 1] = 1.0
    m = b.move_count[i]
    pass_action = n * n
    for k in range(RECENT_MOVES):
        if m - 1 - k >= 0:
            a = b.moves[i, m - 1 - k]
            if a != pass_action:
                planes_out[LAST_MOVE + k, a // n, a % n] = 1.0
    globals_out[G_KOMI] = (komi if me == WHITE else -komi) / KOMI_SCALE
    globals_out[G_PASS1] = 1.0 if m >= 1 and b.moves[i, m - 1] == pass_action else 0.0
    globals_out[G_PASS2] = 1.0 if m >= 2 and b.moves[i, m - 2] == pass_action else 0.0
    globals_out[G_BIAS] = 1.0


@kernel
def _encode_batch(b, count, komi, planes_out, globals_out, rules):
    for i in range(count):
        encode_into(b, i, komi, planes_out[i], globals_out[i], rules)


def default_rules() -> RuleCodes:
    """Tromp-Taylor legality (positional superko, multi-stone suicide legal): the project's default rules."""
    return rule_codes(KO_RULES["positional"], True, 7.5, NO_CAP)


def _check_buffer(name: str, buf, count: int, shape: tuple) -> None:
    if not isinstance(buf, np.ndarray) or buf.dtype != np.float32 or not buf.flags.c_contiguous:
        raise ValueError(f"{name} must be a C-contiguous float32 numpy array, got {type(buf).__name__} "
                         f"{getattr(buf, 'dtype', '')}")
    if buf.ndim != len(shape) + 1 or buf.shape[1:] != shape or buf.shape[0] < count:
        raise ValueError(f"{name} must have shape (>= {count}, {', '.join(map(str, shape))}), got {buf.shape}")


def encode_batch(boards: Boards, count: int, komi: float, planes: np.ndarray, globals_: np.ndarray,
                 rules: RuleCodes | None = None) -> None:
    """Encode games ``0 .. count - 1`` of ``boards`` into ``planes[:count]`` and ``globals_[:count]``.

    ``planes`` float32 [>= count, C, N, N], ``globals_`` float32 [>= count, G], both C-contiguous (the
    caller's preallocated batch buffers). ``rules`` (ko, suicide) decide the legal plane; default Tromp-Taylor.
    """
    n = boards.size
    if not 0 <= count <= boards.stones.shape[0]:
        raise ValueError(f"count must be in 0..{boards.stones.shape[0]} (games in the buffer), got {count}")
    _check_buffer("planes", planes, count, (NUM_PLANES, n, n))
    _check_buffer("globals", globals_, count, (NUM_GLOBALS,))
    _encode_batch(boards, int(count), float(komi), planes, globals_, default_rules() if rules is None else rules)


def encode_state(state) -> tuple[np.ndarray, np.ndarray]:
    """``(planes float32 [C, N, N], globals float32 [G])`` of a ``GameState``, under its own rules and komi."""
    n = state.size
    planes = np.empty((1, NUM_PLANES, n, n), np.float32)
    globals_ = np.empty((1, NUM_GLOBALS), np.float32)
    _encode_batch(state.engine_boards, 1, float(state.rules.komi), planes, globals_, state.engine_codes)
    return planes[0], globals_[0]
