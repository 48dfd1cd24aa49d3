"""Pass-alive chains and territory (Benson's algorithm), for the victim's "no pass" hardening.

A chain of colour X is *pass-alive* (unconditionally alive) if the opponent cannot capture it even when X
passes every move. Benson (1976): let the X-enclosed regions be the maximal connected sets of points
that are not X stones. A region is *healthy* for a chain when every empty point of the region is a
liberty of that chain. Repeat until nothing changes: drop every chain with fewer than two healthy
regions among the regions still kept; drop every region that borders a dropped chain. The chains left
are pass-alive. X's *pass-alive territory* is every point of a kept region whose empty points are all
liberties of kept chains: the opponent can never make a living group there.

Where multi-stone suicide is legal (Tromp-Taylor), the opponent can empty its own stones inside a region
by suicide, so there a region is healthy only if *every* point of it, stones included, is adjacent to
the chain (KataGo draws the same distinction). With suicide forbidden, opponent stones inside a region
can only leave it by X capturing them, which X, passing, never does: Benson's original condition.

Plain Python over an int8 [N, N] board (1 black, -1 white, 0 empty): it runs once per victim pass in
training, never inside the search.
"""

from __future__ import annotations

import numpy as np


def _neighbours(r: int, c: int, n: int):
    if r > 0:
        yield r - 1, c
    if r < n - 1:
        yield r + 1, c
    if c > 0:
        yield r, c - 1
    if c < n - 1:
        yield r, c + 1


def _components(board: np.ndarray, member) -> np.ndarray:
    """Label the 4-connected components of the points where ``member(value)`` holds (-1 elsewhere)."""
    n = board.shape[0]
    labels = np.full(board.shape, -1, np.int32)
    count = 0
    for r in range(n):
        for c in range(n):
            if labels[r, c] >= 0 or not member(board[r, c]):
                continue
            labels[r, c] = count
            stack = [(r, c)]
            while stack:
                pr, pc = stack.pop()
                for q in _neighbours(pr, pc, n):
                    if labels[q] < 0 and member(board[q]):
                        labels[q] = count
                        stack.append(q)
            count += 1
    return labels


def benson(board: np.ndarray, color: int, suicide: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(pass-alive stones of ``color``, ``color``'s pass-alive territory): two bool [N, N] arrays.

    ``suicide``: whether multi-stone suicide is legal (see the module docstring).
    """
    board = np.asarray(board)
    if board.ndim != 2 or board.shape[0] != board.shape[1]:
        raise ValueError(f"board must be a square [N, N] array, got shape {board.shape}")
    if color not in (1, -1):
        raise ValueError(f"color must be 1 (black) or -1 (white), got {color}")
    n = board.shape[0]
    chains = _components(board, lambda v: v == color)
    regions = _components(board, lambda v: v != color)
    n_chains = int(chains.max()) + 1
    n_regions = int(regions.max()) + 1
    borders = [set() for _ in range(n_regions)]  # chains adjacent to each region
    healthy = [set() for _ in range(n_regions)]  # chains for which the region is healthy
    empties = [[] for _ in range(n_regions)]  # per region: the chains next to each point that can be empty
    for r in range(n):
        for c in range(n):
            g = regions[r, c]
            if g < 0:
                continue
            adjacent = {int(chains[q]) for q in _neighbours(r, c, n) if chains[q] >= 0}
            borders[g] |= adjacent
            if board[r, c] == 0 or suicide:
                empties[g].append(adjacent)  # points that are, or may become, empty
    for g in range(n_regions):
        for chain in borders[g]:
            if all(chain in adj for adj in empties[g]):
                healthy[g].add(chain)
    alive = set(range(n_chains))
    kept = set(range(n_regions))
    while True:
        vital = {chain: sum(1 for g in kept if chain in healthy[g]) for chain in alive}
        dropped = {chain for chain, k in vital.items() if k < 2}
        if not dropped:
            break
        alive -= dropped
        kept = {g for g in kept if not (borders[g] & dropped)}
    stones = np.isin(chains, list(alive)) if alive else np.zeros(board.shape, bool)
    territory = np.zeros(board.shape, bool)
    for g in kept:
        if borders[g] and borders[g] <= alive and all(adj & alive for adj in empties[g]):
            territory |= regions == g
    return stones, territory


def pass_alive_territory(board: np.ndarray, color: int, suicide: bool = True) -> np.ndarray:
    """bool [N, N]: the points of ``color``'s pass-alive territory (see the module docstring)."""
    return benson(board, color, suicide)[1]
