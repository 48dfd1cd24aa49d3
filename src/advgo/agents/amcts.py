"""``AMCTSAgent``: an adversary playing with A-MCTS against a known victim, as a batched ``Agent``.

At every move the search treats the opponent of the player to move as the victim: its nodes sample the
victim model's move (``victim_policy``: raw policy, symmetry-averaged policy or the victim's own search,
see :mod:`advgo.victims`) instead of taking the adversary's own best reply. With ``victim_policy=None``
it is plain MCTS (``MCTSAgent``). A fresh tree per move, no root noise, the most visited move (or sampled
at ``temperature``).
"""

import numpy as np

from ..search import BatchedMCTS, Evaluator, SearchConfig, choose_moves
from .base import reseed_evaluator
from .players import MCTSAgent


class AMCTSAgent(MCTSAgent):
    def __init__(self, evaluator: Evaluator, visits: int, victim_policy: Evaluator | None,
                 search: SearchConfig | None = None, victim_temperature: float = 0.0, temperature: float = 0.0,
                 seed: int = 0, name: str | None = None, board_size: int | None = None):
        super().__init__(evaluator, visits, search, temperature, seed, name or f"amcts{visits}", board_size)
        self.victim_policy = victim_policy
        self.victim_temperature = victim_temperature

    def reseed(self, seed: int) -> bool:
        """As ``MCTSAgent``, and the victim model's random choices from ``seed + 1`` too."""
        mine = super().reseed(seed)
        model = self.victim_policy is not None and reseed_evaluator(self.victim_policy, seed + 1)
        return mine or model

    def start(self, size, rules, batch):
        super().start(size, rules, batch)
        if self.victim_policy is not None:
            self._mcts = BatchedMCTS(self.evaluator, size, batch, self.codes, self.search_config,
                                     max_visits=self.visits, victim=self.victim_policy,
                                     victim_temperature=self.victim_temperature)

    def select(self, boards, games):
        if self.victim_policy is None:
            return super().select(boards, games)
        active = np.zeros(self.batch, np.bool_)
        active[games] = True
        colors = np.zeros(self.batch, np.int8)
        colors[games] = -boards.to_play[games]  # the victim is whoever replies
        for b in games:
            self._mcts.reset(int(b))
        self._mcts.set_victim_colors(colors, self.rng)
        result = self._mcts.search(boards, active=active, visits=self.visits, rng=self.rng)
        return choose_moves(result.visit_counts[games], self.temperature, self.rng)
