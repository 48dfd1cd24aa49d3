"""KataGo's choice among root moves at 1 visit: which moves its search allows at the root (``isAllowedRootMove``).

With no search, KataGo's GTP engine plays the best move of its root policy among the *allowed* root moves:

| rule (default on in its GTP engine) | disallows |
|---|---|
| ``rootPruneUselessMoves`` | when the opponent's last four moves were all passes: any point in either player's safe area |
| | (pass-alive chains and their territory) |
| ``rootSymmetryPruning`` | in a position symmetric under some of the 8 board symmetries (and with no ko or superko ban), |
| | every move but one of each set of symmetric moves (KataGo keeps the one it meets first scanning |
| | columns right to left for black, left to right for white) |

:class:`KataGoRootEvaluator` applies these to an evaluator's priors (disallowed moves get 0, the rest renormalised),
and then KataGo's GTP rule ``cleanupBeforePass`` (on by default under area scoring without ``friendlyPassOk``): when
its choice is to pass but an empty point of its own safe area touches an opponent stone, it plays the first such
legal point (scanning rows from the top, left to right) instead; here that point takes over the pass's
probability when pass is the best move. So the best move of these priors is the move KataGo plays at 1 visit with
temperature 0; ``katanet`` victims use it at 1 visit and as the A-MCTS-S model of such a victim. Pass is always
allowed.
"""

from __future__ import annotations

import numpy as np

from advgo.engine import BLACK, Boards
from advgo.engine.moves import legal_mask_into
from advgo.features.katago import root_facts
from advgo.search import Reseedable

__all__ = ["KataGoRootEvaluator", "allowed_root_moves", "cleanup_move"]

# KataGo's symmetries as (transpose, flip x, flip y) from its bits 4, 2, 1
_SYMMETRIES = tuple(((s & 4) != 0, (s & 2) != 0, (s & 1) != 0) for s in range(8))


def _sym_point(r: int, c: int, n: int, sym: tuple[bool, bool, bool]) -> tuple[int, int]:
    transpose, flip_x, flip_y = sym
    x, y = (n - 1 - c if flip_x else c), (n - 1 - r if flip_y else r)
    if transpose:
        x, y = y, x
    return y, x


def allowed_root_moves(boards: Boards, i: int, rules, pass_alive_suicide: bool = False,
                       facts: tuple | None = None) -> np.ndarray:
    """bool [N*N + 1]: the moves KataGo's search allows at the root of game ``i`` (legality aside)."""
    n = boards.size
    allowed = np.ones(n * n + 1, np.bool_)
    banned, safe = root_facts(boards, i, rules, pass_alive_suicide) if facts is None else facts
    m = int(boards.move_count[i])
    pass_action = n * n
    if m >= 7 and all(int(boards.moves[i, m - 1 - k]) == pass_action for k in (0, 2, 4, 6)):
        allowed[:pass_action][safe.reshape(-1) != 0] = False
    if banned:
        return allowed
    w = boards.width
    stones = boards.stones[i].reshape(w, w)[1:-1, 1:-1]
    valid = [s for s in _SYMMETRIES[1:] if all(stones[r, c] == stones[_sym_point(r, c, n, s)]
                                                for r in range(n) for c in range(n))]
    if not valid:
        return allowed
    dup = np.zeros((n, n), np.bool_)
    black = int(boards.to_play[i]) == BLACK
    columns = range(n - 1, -1, -1) if black else range(n)
    rows = range(n) if black else range(n - 1, -1, -1)
    for c in columns:
        for r in rows:
            for s in valid:
                rs, cs = _sym_point(r, c, n, s)
                if not dup[r, c] and (rs, cs) != (r, c):
                    dup[rs, cs] = True
    allowed[:pass_action] &= ~dup.reshape(-1)
    return allowed


def cleanup_move(boards: Boards, i: int, safe: np.ndarray, legal: np.ndarray) -> int | None:
    """KataGo's ``cleanupBeforePass`` point: the first legal empty point of the mover's safe area next to an opponent
    stone, scanning rows from the top (None when there is none)."""
    n, w = boards.size, boards.width
    me = int(boards.to_play[i])
    stones = boards.stones[i].reshape(w, w)
    for r in range(n):
        for c in range(n):
            if safe[r, c] == me and stones[r + 1, c + 1] == 0 and legal[r * n + c] and \
                    -me in (stones[r, c + 1], stones[r + 2, c + 1], stones[r + 1, c], stones[r + 1, c + 2]):
                return r * n + c
    return None


class KataGoRootEvaluator:
    """An evaluator whose priors are ``inner``'s restricted to KataGo's allowed root moves (see the module
    docstring); values unchanged. Only for root decisions: a search must use ``inner`` itself."""

    def __init__(self, inner):
        self.inner = inner
        self.rules = getattr(inner, "rules", None)

    def __getattr__(self, name):  # calls, positions, set_rules, reseed ... of the wrapped evaluator
        return getattr(self.inner, name)

    def set_rules(self, rules) -> None:
        self.inner.set_rules(rules)
        self.rules = self.inner.rules

    def reseed(self, seed: int) -> None:
        """Restart the wrapped evaluator's random choices, when it makes any (declared here, not only forwarded by
        ``__getattr__``, so that ``isinstance(self, Reseedable)`` holds on any Python)."""
        if isinstance(self.inner, Reseedable):
            self.inner.reseed(seed)

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None:
        self.inner.evaluate(leaves, count, komi, priors_out, values_out)
        suicide = bool(getattr(self.inner, "pass_alive_suicide", False))
        pass_action = leaves.size * leaves.size
        for j in range(count):
            facts = root_facts(leaves, j, self.inner.rules, suicide)
            allowed = allowed_root_moves(leaves, j, self.inner.rules, suicide, facts)
            if not allowed.all():
                kept = np.where(allowed, priors_out[j], 0.0)
                total = kept.sum()
                if total > 0:
                    priors_out[j] = kept / total
            if int(np.argmax(priors_out[j])) == pass_action:
                legal = np.zeros(pass_action + 1, np.bool_)
                legal_mask_into(leaves, j, self.inner.rules, legal)
                point = cleanup_move(leaves, j, facts[1], legal)
                if point is not None:
                    priors_out[j, point] += priors_out[j, pass_action]
                    priors_out[j, pass_action] = 0.0
