"""KataGo's area map (``Board::calculateArea``) for input features 18 and 19, in Numba.

For each colour, black first and then white into the same map (the order decides overlaps, as in KataGo):

1. Regions: the maximal connected sets of empty points and the colour's opponent stones that hold at least one
   empty point. A region is *vital* to a chain of the colour when every point of the region (every empty point,
   when multi-stone suicide is illegal) is next to that chain.
2. Benson's iteration: a chain with fewer than two vital regions dies; every region next to a dead chain stops
   counting as vital for anyone; repeat until nothing dies. The chains left are pass-alive.
3. The map gets the pass-alive chains; then each region with at most one point not next to the colour (or, for
   "safe big territories", no opponent stone in it), and next to no dead chain, is the colour's (overwriting);
   else a region with no opponent stones is the colour's where the map is still empty ("unsafe big
   territories"). Nothing is marked for a colour with no stone on the board.
4. Finally every point still unmarked takes the colour of its stone (non-pass-alive stones count as they stand).

Features 18/19 use all three options on (``nonPassAliveStones``, ``safeBigTerritories``, ``unsafeBigTerritories``);
KataGo's search keeps a "safe area" with all three off (pass-alive chains and their territory only).
"""

from __future__ import annotations

import numpy as np

from advgo.engine.constants import EMPTY, WALL

from .katago_board import jit


@jit
def _label_chains(stones, w, color, label):
    """``label[p]`` = chain index (0..) for stones of ``color``, -1 elsewhere; returns the number of chains."""
    points = stones.shape[0]
    stack = np.zeros(points, np.int64)
    count = 0
    for p in range(points):
        if stones[p] != color or label[p] >= 0:
            continue
        label[p] = count
        stack[0] = p
        top = 1
        while top > 0:
            top -= 1
            q = stack[top]
            for d in (-w, -1, 1, w):
                r = q + d
                if stones[r] == color and label[r] < 0:
                    label[r] = count
                    stack[top] = r
                    top += 1
        count += 1
    return count


@jit
def _area_for(stones, w, color, suicide_legal, safe_big, unsafe_big, result):
    points = stones.shape[0]
    opp = -color
    chain = np.full(points, -1, np.int64)
    n_chains = _label_chains(stones, w, color, chain)
    if n_chains == 0:
        return
    region = np.full(points, -1, np.int64)
    stack = np.zeros(points, np.int64)
    members = np.zeros(points, np.int64)
    # per region: vital chains (at most 4: those next to its first point), internal points (capped at 2), opponent
    vital = np.full((points, 4), -1, np.int64)
    internal = np.zeros(points, np.int64)
    has_opp = np.zeros(points, np.bool_)
    n_regions = 0
    for p in range(points):
        if stones[p] != EMPTY or region[p] >= 0:
            continue
        k = n_regions
        n_regions += 1
        n_vital = 0
        for d in (-w, -1, 1, w):
            q = p + d
            if stones[q] == color:
                c = chain[q]
                if c != vital[k, 0] and c != vital[k, 1] and c != vital[k, 2]:
                    vital[k, n_vital] = c
                    n_vital += 1
        region[p] = k
        stack[0] = p
        top = 1
        while top > 0:
            top -= 1
            q = stack[top]
            near = np.full(4, -1, np.int64)  # chains of the colour next to q
            for j, d in enumerate((-w, -1, 1, w)):
                r = q + d
                v = stones[r]
                if v == color:
                    near[j] = chain[r]
                elif (v == EMPTY or v == opp) and region[r] < 0:
                    region[r] = k
                    stack[top] = r
                    top += 1
            if suicide_legal or stones[q] == EMPTY:
                for j in range(4):
                    c = vital[k, j]
                    if c >= 0 and c != near[0] and c != near[1] and c != near[2] and c != near[3]:
                        vital[k, j] = -1
            if near[0] < 0 and near[1] < 0 and near[2] < 0 and near[3] < 0 and internal[k] < 2:
                internal[k] += 1
            if stones[q] == opp:
                has_opp[k] = True
    vital_count = np.zeros(n_chains, np.int64)
    for k in range(n_regions):
        for j in range(4):
            if vital[k, j] >= 0:
                vital_count[vital[k, j]] += 1
    dead = np.zeros(n_chains, np.bool_)
    borders_dead = np.zeros(n_regions, np.bool_)
    killed = True
    while killed:
        killed = False
        for c in range(n_chains):
            if dead[c] or vital_count[c] >= 2:
                continue
            dead[c] = True
            killed = True
            for p in range(points):
                if chain[p] != c:
                    continue
                for d in (-w, -1, 1, w):
                    k = region[p + d]
                    if k >= 0 and not borders_dead[k]:
                        borders_dead[k] = True
                        for j in range(4):
                            if vital[k, j] >= 0:
                                vital_count[vital[k, j]] -= 1
    for p in range(points):
        if chain[p] >= 0 and not dead[chain[p]]:
            result[p] = color
    for k in range(n_regions):
        mark = (internal[k] <= 1 or (safe_big and not has_opp[k])) and not borders_dead[k]
        if not mark and (has_opp[k] or not unsafe_big):
            continue
        n = 0
        for p in range(points):
            if region[p] == k:
                members[n] = p
                n += 1
        for j in range(n):
            if mark or result[members[j]] == EMPTY:
                result[members[j]] = color


@jit
def area_map(stones, w, suicide_legal, result, non_pass_alive_stones=True, safe_big=True, unsafe_big=True):
    """KataGo's ``calculateArea(result, non_pass_alive_stones, safe_big, unsafe_big, suicide_legal)`` into
    ``result`` (int8 [P]). All three on: features 18/19; all off: only pass-alive chains and their territory
    (KataGo's "safe area" at the root of a search)."""
    result[:] = 0
    _area_for(stones, w, 1, suicide_legal, safe_big, unsafe_big, result)
    _area_for(stones, w, -1, suicide_legal, safe_big, unsafe_big, result)
    if non_pass_alive_stones:
        for p in range(stones.shape[0]):
            if result[p] == EMPTY and stones[p] != WALL:
                result[p] = stones[p]
