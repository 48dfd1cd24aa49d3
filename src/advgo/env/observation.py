"""What every advgo env observes: planes [C, N, N] and an action mask, encoded by one Numba kernel for a batch.

The planes are the net's feature set (:mod:`advgo.features`, ``advgo-v1``) followed by its global inputs spread
over constant planes, so one array carries everything a policy needs:

| plane | name | 1 where (else 0) |
|---|---|---|
| 0 / 1 | ``own`` / ``opp`` | a stone of the observing player / of the other player |
| 2 | ``on_board`` | every point |
| 3 / 4 / 5 | ``own_lib1`` / ``own_lib2`` / ``own_lib3`` | own stone whose chain has 1 / 2 / 3 or more liberties |
| 6 / 7 / 8 | ``opp_lib1`` / ``opp_lib2`` / ``opp_lib3`` | the same for the other player's stones |
| 9 | ``ko`` | the point simple ko forbids (only when the observer is to move) |
| 10 | ``legal`` | a legal move (only when the observer is to move; ko, superko and suicide per the rules) |
| 11 … 14 | ``last_move_1`` … ``last_move_4`` | where the last, second-last, … move was played (not for a pass) |
| 15 | ``komi`` | everywhere ``komi / 15`` from the observer's side: ``+komi/15`` for white, ``-komi/15`` for black |
| 16 / 17 | ``pass_1`` / ``pass_2`` | everywhere, if the last move / the move before it was a pass |

The action mask is int8 [N*N + 1] (pass last): 1 for each legal move of the observer when it is to move and the
game goes on, all 0 otherwise. Action ids are ``row * N + col``, row 0 the top row, col 0 column A.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..engine import Boards, RuleCodes
from ..engine.constants import END_NONE
from ..engine.jit import kernel
from ..features import NUM_GLOBALS, PLANE_NAMES
from ..features.planes import (
    G_KOMI,
    G_PASS1,
    G_PASS2,
    KO,
    KOMI_SCALE,
    LEGAL,
    NUM_PLANES,
    OPP,
    OPP_LIB1,
    OWN,
    OWN_LIB1,
    encode_into,
)

OBS_PLANE_NAMES = PLANE_NAMES + ("komi", "pass_1", "pass_2")
NUM_OBS_PLANES = len(OBS_PLANE_NAMES)
KOMI_PLANE = NUM_PLANES
PASS1_PLANE = NUM_PLANES + 1
PASS2_PLANE = NUM_PLANES + 2


def observation_space(size: int, komi: float) -> spaces.Dict:
    """``{"observation": Box float32 [C, N, N], "action_mask": Box int8 [N*N + 1]}`` for one player."""
    low = np.zeros((NUM_OBS_PLANES, size, size), np.float32)
    high = np.ones((NUM_OBS_PLANES, size, size), np.float32)
    bound = max(1.0, abs(float(komi)) / KOMI_SCALE)
    low[KOMI_PLANE], high[KOMI_PLANE] = -bound, bound
    return spaces.Dict({
        "observation": spaces.Box(low, high, dtype=np.float32),
        "action_mask": spaces.Box(0, 1, (size * size + 1,), dtype=np.int8),
    })


@kernel
def encode_one(b, i, observer, komi, rules, globals_scratch, obs, mask):
    """Game ``i`` seen by ``observer`` (BLACK or WHITE) into ``obs`` (float32 [C, N, N]) and ``mask`` (int8 [A])."""
    n = b.size
    encode_into(b, i, komi, obs, globals_scratch, rules)  # the mover's view, into planes 0 .. NUM_PLANES - 1
    komi_value = globals_scratch[G_KOMI]
    mover = b.to_play[i] == observer
    if not mover:  # the other player's view: swap colours, forget the mover-only planes, flip komi's sign
        komi_value = -komi_value
        for r in range(n):
            for c in range(n):
                for j in range(4):  # (own, opp) and the three liberty pairs
                    a = OWN if j == 0 else OWN_LIB1 + j - 1
                    o = OPP if j == 0 else OPP_LIB1 + j - 1
                    tmp = obs[a, r, c]
                    obs[a, r, c] = obs[o, r, c]
                    obs[o, r, c] = tmp
                obs[KO, r, c] = 0.0
                obs[LEGAL, r, c] = 0.0
    live = mover and b.end_reason[i] == END_NONE
    for r in range(n):
        for c in range(n):
            obs[KOMI_PLANE, r, c] = komi_value
            obs[PASS1_PLANE, r, c] = globals_scratch[G_PASS1]
            obs[PASS2_PLANE, r, c] = globals_scratch[G_PASS2]
            mask[r * n + c] = 1 if live and obs[LEGAL, r, c] > 0.5 else 0
    mask[n * n] = 1 if live else 0


@kernel
def _encode(b, games, observers, komi, rules, globals_scratch, obs_out, mask_out):
    """``encode_one`` for game ``games[k]`` seen by ``observers[k]`` into ``obs_out[k]`` and ``mask_out[k]``."""
    for k in range(games.shape[0]):
        encode_one(b, games[k], observers[k], komi, rules, globals_scratch, obs_out[k], mask_out[k])


def encode(boards: Boards, games: np.ndarray, observers: np.ndarray, komi: float, rules: RuleCodes,
           obs_out: np.ndarray | None = None, mask_out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Observations of ``games`` (int64 [K]) by ``observers`` (int8 [K], BLACK/WHITE): ``(obs [K, C, N, N], mask [K, A])``.

    Fresh arrays unless ``obs_out`` / ``mask_out`` (float32 / int8, C-contiguous, exactly those shapes) are given.
    """
    games = np.asarray(games, np.int64)
    observers = np.asarray(observers, np.int8)
    n, count = boards.size, games.shape[0]
    if observers.shape != games.shape:
        raise ValueError(f"observers {observers.shape} must match games {games.shape}")
    if obs_out is None:
        obs_out = np.empty((count, NUM_OBS_PLANES, n, n), np.float32)
    if mask_out is None:
        mask_out = np.empty((count, n * n + 1), np.int8)
    if obs_out.shape != (count, NUM_OBS_PLANES, n, n) or obs_out.dtype != np.float32 or \
            mask_out.shape != (count, n * n + 1) or mask_out.dtype != np.int8:
        raise ValueError(f"observation buffers must be float32 {(count, NUM_OBS_PLANES, n, n)} and int8 "
                         f"{(count, n * n + 1)}, got {obs_out.dtype} {obs_out.shape} and {mask_out.dtype} {mask_out.shape}")
    _encode(boards, games, observers, float(komi), rules, np.empty(NUM_GLOBALS, np.float32), obs_out, mask_out)
    return obs_out, mask_out
