"""Plain-board helpers for KataGo's input features: chains by flood fill on a padded stones array, moves, undo.

KataGo's ladder features look at the board one and two moves ago, and its ladder search plays and undoes moves;
advgo's engine keeps neither. These kernels work on a bare padded stones array (int8 [P], the engine's layout:
``EMPTY`` 0, ``BLACK`` 1, ``WHITE`` -1, ``WALL`` 2, width W = N + 2, neighbours ``p - W, p - 1, p + 1, p + W``)
and recompute chains on demand, which is fast enough for the few small chains a ladder touches.

| kernel | what it does |
|---|---|
| ``chain_info(stones, w, p, ws)`` | stones and distinct liberties of the chain at ``p`` (into ``ws``): (size, libs) |
| ``play_stone(stones, w, p, color, ws)`` | put a stone, remove captured chains (and the mover's chain if it has no |
| | liberty left); returns the simple-ko point it creates or ``NO_POINT`` |
| ``undo_move(...)`` | the stones before a move, from the stones after it and the game's Zobrist hashes (which of |
| | the empty regions next to the move were captured stones is settled by the hash before the move) |

``Work`` holds the scratch arrays (allocated once per encoder call): a stamp-marked array so that flood fills
need no clearing, a stack, and output lists.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from advgo.engine.constants import BLACK, EMPTY, NO_POINT, WALL

jit = njit(cache=True, nogil=True)


class Work(NamedTuple):
    mark: np.ndarray  # int32 [P]: stamp of the last flood fill that visited the point
    stamp: np.ndarray  # int32 [1]: last stamp used
    stack: np.ndarray  # int32 [P]: flood-fill stack
    chain: np.ndarray  # int32 [P]: stones of the last chain_info
    libs: np.ndarray  # int32 [P]: liberties of the last chain_info, in the order found
    region: np.ndarray  # int32 [P]: points of the last empty_region


@jit
def new_work(points):
    return Work(np.zeros(points, np.int32), np.zeros(1, np.int32), np.zeros(points, np.int32),
                np.zeros(points, np.int32), np.zeros(points, np.int32), np.zeros(points, np.int32))


@jit
def _fresh(ws):
    ws.stamp[0] += 1
    return ws.stamp[0]


@jit
def chain_info(stones, w, p, ws):
    """(stones, liberties) of the chain at stone ``p``; ``ws.chain[:stones]`` and ``ws.libs[:liberties]`` list them."""
    color = stones[p]
    s_chain = _fresh(ws)
    s_lib = _fresh(ws)
    ws.mark[p] = s_chain
    ws.stack[0] = p
    top = 1
    n_stones = 0
    n_libs = 0
    while top > 0:
        top -= 1
        q = ws.stack[top]
        ws.chain[n_stones] = q
        n_stones += 1
        for d in (-w, -1, 1, w):
            r = q + d
            v = stones[r]
            if v == color:
                if ws.mark[r] != s_chain:
                    ws.mark[r] = s_chain
                    ws.stack[top] = r
                    top += 1
            elif v == EMPTY and ws.mark[r] != s_lib:
                ws.mark[r] = s_lib
                ws.libs[n_libs] = r
                n_libs += 1
    return n_stones, n_libs


@jit
def num_libs(stones, w, p, ws):
    return chain_info(stones, w, p, ws)[1]


@jit
def _remove_chain(stones, w, p, ws):
    n = chain_info(stones, w, p, ws)[0]
    for k in range(n):
        stones[ws.chain[k]] = EMPTY
    return n


@jit
def play_stone(stones, w, p, color, ws):
    """Play ``color`` at empty ``p`` (no legality check); returns the simple-ko point the move creates."""
    stones[p] = color
    captured = 0
    ko = NO_POINT
    for d in (-w, -1, 1, w):
        q = p + d
        if stones[q] == -color and num_libs(stones, w, q, ws) == 0:
            captured += _remove_chain(stones, w, q, ws)
            ko = q
    size, libs = chain_info(stones, w, p, ws)
    if libs == 0:
        _remove_chain(stones, w, p, ws)  # multi-stone suicide
        return NO_POINT
    if captured == 1 and size == 1 and libs == 1:
        return ko
    return NO_POINT


@jit
def empty_region(stones, w, p, ws):
    """The empty points connected to empty ``p`` (into ``ws.region``); returns (count, bordering colours as a bit
    set: 1 black, 2 white)."""
    s = _fresh(ws)
    ws.mark[p] = s
    ws.stack[0] = p
    top = 1
    n = 0
    borders = 0
    while top > 0:
        top -= 1
        q = ws.stack[top]
        ws.region[n] = q
        n += 1
        for d in (-w, -1, 1, w):
            r = q + d
            v = stones[r]
            if v == EMPTY:
                if ws.mark[r] != s:
                    ws.mark[r] = s
                    ws.stack[top] = r
                    top += 1
            elif v != WALL:
                borders |= 1 if v == BLACK else 2
    return n, borders


@jit
def _key(zobrist, color, p):
    return zobrist[0 if color == BLACK else 1, p]


@jit
def undo_move(stones, w, p, color, target, zobrist, ws):
    """Turn ``stones`` (after ``color`` played at point ``p``) back into the stones before the move, in place.

    ``target`` = hash before ^ hash after: the XOR of the keys of every stone the move added or removed. Returns
    True when the stones found explain ``target`` (False means the history does not belong to these stones).
    """
    if stones[p] == color:
        target ^= _key(zobrist, color, p)
        # empty regions next to p bordered by the mover alone: captured chains, or eyes that were already empty
        region_of = np.zeros(stones.shape[0], np.int8)  # 1 + candidate index; -1 other regions seen
        keys = np.zeros(4, np.uint64)
        mover_only = 1 if color == BLACK else 2
        n_regions = 0
        for d in (-w, -1, 1, w):
            q = p + d
            if stones[q] != EMPTY or region_of[q] != 0:
                continue
            n, borders = empty_region(stones, w, q, ws)
            tag = n_regions + 1 if borders == mover_only else -1
            h = np.uint64(0)
            for k in range(n):
                region_of[ws.region[k]] = tag
                h ^= _key(zobrist, -color, ws.region[k])
            if tag > 0:
                keys[n_regions] = h
                n_regions += 1
        stones[p] = EMPTY  # only now: the regions above must not leak through p
        for subset in range(1 << n_regions):
            h = np.uint64(0)
            for k in range(n_regions):
                if subset >> k & 1:
                    h ^= keys[k]
            if h == target:
                for q in range(stones.shape[0]):
                    if region_of[q] > 0 and subset >> (region_of[q] - 1) & 1:
                        stones[q] = -color
                return True
        return False
    if stones[p] == EMPTY:  # multi-stone suicide: the mover's chain (p included) was removed
        n = empty_region(stones, w, p, ws)[0]
        h = np.uint64(0)
        for k in range(n):
            q = ws.region[k]
            if q != p:
                stones[q] = color
                h ^= _key(zobrist, color, q)
        return h == target
    return False

