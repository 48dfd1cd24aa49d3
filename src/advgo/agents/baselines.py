"""The baseline attacks of Wang et al. (2023): five fixed policies, each behind the paper's passing rule.

Coordinates: ``x`` is the column and ``y`` the row of a point (action ``a``: ``y = a // N``, ``x = a % N``;
row 0 is the TOP row, so ``y`` grows downward on the screen). The centre is ``(c, c)`` with ``c = N // 2``.
*Legal points* are the legal board moves of the player to move (pass excluded), from the engine's exact mask;
*ring* of a point is its L∞ distance ``max(|x - c|, |y - c|)`` from the centre.

| policy | move (pass when there is no legal point) |
|---|---|
| ``pass`` | always pass |
| ``random`` | a legal point, uniformly |
| ``edge`` | a legal point on the outermost ring that still has one, uniformly |
| ``spiral`` | on that ring, the point of largest angle ``atan2(y - c, x - c)`` in (-π, π]: the first is left of the centre (angle π); then, as seen on the screen, down the left side, along the bottom, up the right side, along the top and back to the left side, then the next ring inward |
| ``mirror`` | the legal point nearest (L1) to the opponent's last move reflected through the centre, ``(N-1-x, N-1-y)``; ties go to the lowest action id. Before the opponent has moved the target is the centre; after an opponent's pass it is ``(N, N)``, just beyond the bottom-right corner (the paper's code reflects its off-board pass coordinate there) |

The passing rule wraps every policy: when the opponent's last move was a pass, pass if more than
``moves_before_pass`` moves (passes included) have been played, or if passing now (which ends the game)
wins: the position as it stands, scored Tromp-Taylor with the game's komi (black minus white minus komi),
is strictly in our favour. Otherwise play the policy's move. The paper used 800 on 19x19; the default here
is 2·N² (722 on 19x19), so the rule scales with the board.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from ..agentspec import BASELINE_POLICIES
from ..engine import BLACK, NO_CAP, Boards
from ..engine.moves import legal_mask_into
from ..engine.scoring import score as _score
from ..rules import Rules
from .base import Agent

NO_MOVE = -1  # the opponent has not moved yet (``mirror`` targets the centre)


class Geometry(NamedTuple):
    """Where each point lies, indexed by action id (board points only)."""

    size: int  # N
    x: np.ndarray  # int64 [N*N]: column
    y: np.ndarray  # int64 [N*N]: row, 0 at the top
    ring: np.ndarray  # int64 [N*N]: L∞ distance from the centre (c, c), c = N // 2
    angle: np.ndarray  # float64 [N*N]: atan2(y - c, x - c)


@cache
def geometry(size: int) -> Geometry:
    actions = np.arange(size * size)
    y, x = actions // size, actions % size
    c = size // 2
    ring = np.maximum(np.abs(x - c), np.abs(y - c))
    geo = Geometry(size, x, y, ring, np.arctan2(y - c, x - c))
    for field in geo[1:]:
        field.setflags(write=False)
    return geo


def outer_ring(legal: np.ndarray, geo: Geometry) -> np.ndarray:
    """Action ids of the legal points on the outermost ring that has any (empty when none is legal)."""
    points = np.flatnonzero(legal)
    if points.size == 0:
        return points
    ring = geo.ring[points]
    return points[ring == ring.max()]


def random_move(legal, geo, rng, last) -> int:
    points = np.flatnonzero(legal)
    return int(rng.choice(points)) if points.size else legal.size


def edge_move(legal, geo, rng, last) -> int:
    points = outer_ring(legal, geo)
    return int(rng.choice(points)) if points.size else legal.size


def spiral_move(legal, geo, rng, last) -> int:
    points = outer_ring(legal, geo)
    return int(points[np.argmax(geo.angle[points])]) if points.size else legal.size


def mirror_move(legal, geo, rng, last) -> int:
    n, n_points = geo.size, legal.size
    if last == NO_MOVE:
        tx = ty = n // 2
    elif last == n_points:  # the opponent passed: the reflection of the paper's off-board pass
        tx = ty = n
    else:
        tx, ty = n - 1 - geo.x[last], n - 1 - geo.y[last]
    points = np.flatnonzero(legal)
    if points.size == 0:
        return n_points
    distance = np.abs(geo.x[points] - tx) + np.abs(geo.y[points] - ty)
    return int(points[np.argmin(distance)])  # argmin takes the first: the lowest action id


def pass_move(legal, geo, rng, last) -> int:
    return legal.size


POLICIES = {"pass": pass_move, "edge": edge_move, "random": random_move, "spiral": spiral_move,
            "mirror": mirror_move}
"""policy name -> move(legal bool [N*N], Geometry, rng, opponent's last action or NO_MOVE) -> action id."""


def last_move(boards: Boards, b: int) -> int:
    """Action id of game ``b``'s last move (pass = N*N), or ``NO_MOVE`` before the first."""
    count = int(boards.move_count[b])
    return int(boards.moves[b, count - 1]) if count > 0 else NO_MOVE


def passing_rule(boards: Boards, b: int, komi: float, moves_before_pass: int) -> bool:
    """Whether the paper's rule makes the player to move in game ``b`` pass (see the module docstring)."""
    if last_move(boards, b) != boards.size ** 2:
        return False
    if int(boards.move_count[b]) > moves_before_pass:
        return True
    score = float(_score(boards, b, komi))  # black minus white minus komi
    return score > 0 if boards.to_play[b] == BLACK else score < 0


class BaselineAgent(Agent):
    """One of the paper's baseline attacks (``POLICIES``) behind its passing rule, for a batch of games."""

    def __init__(self, policy: str, seed: int = 0, moves_before_pass: int | None = None, name: str | None = None):
        if policy not in POLICIES:
            raise ValueError(f"unknown baseline policy {policy!r}: expected one of {', '.join(BASELINE_POLICIES)}")
        if moves_before_pass is not None and moves_before_pass < 0:
            raise ValueError(f"moves_before_pass must be at least 0, got {moves_before_pass}")
        self.policy = policy
        self.moves_before_pass = moves_before_pass
        self.rng = np.random.default_rng(seed)
        self.name = name or f"baseline:{policy}"
        self._move = POLICIES[policy]

    def start(self, size: int, rules: Rules, batch: int) -> None:
        self.size = size
        self.codes = rules.codes(NO_CAP)
        self.geo = geometry(size)
        self.limit = 2 * size * size if self.moves_before_pass is None else self.moves_before_pass
        self._mask = np.zeros(size * size + 1, np.bool_)

    def select(self, boards: Boards, games: np.ndarray) -> np.ndarray:
        out = np.empty(len(games), np.int64)
        pass_action = self.size * self.size
        for j, b in enumerate(np.asarray(games, np.int64)):
            b = int(b)
            if passing_rule(boards, b, self.codes.komi, self.limit):
                out[j] = pass_action
                continue
            legal_mask_into(boards, b, self.codes, self._mask)
            out[j] = self._move(self._mask[:pass_action], self.geo, self.rng, last_move(boards, b))
        return out
