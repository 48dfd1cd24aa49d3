"""``SearchEvaluator``: a player's own search as an ``Evaluator`` (A-MCTS-R models the victim's replies with it)."""

import numpy as np

from ..engine import Boards, RuleCodes
from .evaluator import Evaluator, Reseedable, evaluate_counted, net_evaluations
from .mcts import BatchedMCTS, SearchConfig


class SearchEvaluator:
    """The priors of a player's own search: its visit distribution after ``visits`` visits (A-MCTS-R).

    Wraps an ``Evaluator`` (the player's net) in a ``BatchedMCTS`` with fresh trees and no root noise;
    ``values_out`` gets the search's root value. Each call searches the given positions in one batch.
    ``positions`` counts the positions it was asked about, ``net_evaluations`` those its net evaluated to answer
    (``CountsNetEvaluations``: up to ``visits`` a position).
    """

    def __init__(self, evaluator: Evaluator, visits: int, rules: RuleCodes, config: SearchConfig | None = None):
        self.evaluator = evaluator
        self.visits = visits
        self.rules = rules
        self.config = SearchConfig(visits=visits) if config is None else config
        self._mcts: BatchedMCTS | None = None
        self.positions = 0
        self.net_evaluations = 0

    def reseed(self, seed: int) -> None:
        """Restart the random choices of the net it searches with, when it makes any, from ``seed + 1``."""
        if isinstance(self.evaluator, Reseedable):
            self.evaluator.reseed(seed + 1)

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None:
        self.positions += count
        if self.visits == 1:  # one visit is the raw policy (KataGo's convention)
            self.net_evaluations += evaluate_counted(self.evaluator, leaves, count, komi, priors_out, values_out)
            return
        batch = leaves.stones.shape[0]
        if self._mcts is None or self._mcts.batch != batch or self._mcts.size != leaves.size:
            self._mcts = BatchedMCTS(self.evaluator, leaves.size, batch, self.rules, self.config,
                                     max_visits=self.visits)
        active = np.zeros(batch, np.bool_)
        active[:count] = True
        self._mcts.reset()
        before = net_evaluations(self.evaluator)
        result = self._mcts.search(leaves, active=active, visits=self.visits)
        self.net_evaluations += result.evaluations if before is None else self.evaluator.net_evaluations - before
        counts = result.visit_counts[:count].astype(np.float32)
        priors_out[:count] = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
        values_out[:count] = result.root_value[:count]
