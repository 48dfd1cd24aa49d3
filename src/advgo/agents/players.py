"""The built-in agents: uniform random, raw policy (1 visit) and MCTS with N visits."""

import numpy as np

from .. import engine
from ..engine.moves import legal_mask_into
from ..engine.rollout import random_moves
from ..rules import Rules
from ..search import BatchedMCTS, Evaluator, SearchConfig, choose_moves
from .base import Agent, reseed_evaluator


class _Base(Agent):
    evaluator: Evaluator | None = None  # the net it plays by (None: none)

    def start(self, size: int, rules: Rules, batch: int) -> None:
        self.size = size
        self.codes = rules.codes(engine.NO_CAP)
        self.batch = batch
        self._mask = np.zeros(size * size + 1, np.bool_)
        follow = getattr(self.evaluator, "set_rules", None)
        if follow is not None:  # a net's features encode the ruleset: follow the match's
            follow(rules)

    def reseed(self, seed: int) -> bool:
        """Restart its own random choices from ``seed`` and its evaluator's from ``seed + 1``."""
        mine = super().reseed(seed)
        theirs = self.evaluator is not None and reseed_evaluator(self.evaluator, seed + 1)
        return mine or theirs

    def _legal(self, boards, b) -> np.ndarray:
        legal_mask_into(boards, int(b), self.codes, self._mask)
        return self._mask


class RandomAgent(_Base):
    """Uniform over the legal moves, pass included: one Numba call for the whole batch of games."""

    def __init__(self, seed: int = 0, name: str = "random"):
        self.rng = np.random.default_rng(seed)
        self.name = name

    def select(self, boards, games):
        games = np.asarray(games, np.int64)
        out = np.empty(len(games), np.int64)
        state = self.rng.integers(1, np.iinfo(np.int64).max, size=1).astype(np.uint64)  # xorshift state from rng
        cand = np.empty(boards.size * boards.size, np.int16)
        random_moves(boards, games, self.codes, state, cand, out)
        return out


class PolicyAgent(_Base):
    """The evaluator's raw policy over the legal moves: argmax at temperature 0, else sampled."""

    def __init__(self, evaluator: Evaluator, temperature: float = 0.0, seed: int = 0, name: str = "policy",
                 board_size: int | None = None):
        """``board_size``: the one size its net plays (None: any)."""
        self.evaluator = evaluator
        self.temperature = temperature
        self.rng = np.random.default_rng(seed)
        self.name = name
        self.board_size = board_size
        self._leaves = None

    def select(self, boards, games):
        n = len(games)
        if self._leaves is None or self._leaves.stones.shape[0] < n or \
                self._leaves.history.shape[1] < boards.history.shape[1] or self._leaves.size != boards.size:
            self._leaves = engine.new_boards(max(n, self.batch), boards.size, boards.history.shape[1])
            self._priors = np.zeros((max(n, self.batch), boards.size ** 2 + 1), np.float32)
            self._values = np.zeros(max(n, self.batch), np.float32)
        for j, b in enumerate(games):
            engine.copy_game(boards, int(b), self._leaves, j)
        self.evaluator.evaluate(self._leaves, n, self.codes.komi, self._priors, self._values)
        out = np.empty(n, np.int64)
        for j in range(n):
            p = np.where(self._legal(self._leaves, j), np.maximum(self._priors[j], 0.0), 0.0).astype(np.float64)
            if p.sum() <= 0:
                p = self._mask.astype(np.float64)
            if self.temperature <= 1e-6:
                out[j] = int(np.argmax(p))
            else:
                p = p ** (1.0 / self.temperature)
                out[j] = self.rng.choice(len(p), p=p / p.sum())
        return out


class MCTSAgent(_Base):
    """``BatchedMCTS`` with ``visits`` visits per move (a fresh tree each move), no root noise."""

    def __init__(self, evaluator: Evaluator, visits: int, search: SearchConfig | None = None,
                 temperature: float = 0.0, seed: int = 0, name: str | None = None, board_size: int | None = None):
        """``board_size``: the one size its net plays (None: any)."""
        self.evaluator = evaluator
        self.board_size = board_size
        self.search_config = SearchConfig(visits=visits) if search is None else search
        self.visits = visits
        self.temperature = temperature
        self.rng = np.random.default_rng(seed)
        self.name = name or f"mcts{visits}"
        self._mcts = None

    def start(self, size, rules, batch):
        super().start(size, rules, batch)
        self._mcts = BatchedMCTS(self.evaluator, size, batch, self.codes, self.search_config,
                                 max_visits=self.visits)

    def select(self, boards, games):
        active = np.zeros(self.batch, np.bool_)
        active[games] = True
        for b in games:
            self._mcts.reset(int(b))
        result = self._mcts.search(boards, active=active, visits=self.visits)
        return choose_moves(result.visit_counts[games], self.temperature, self.rng)
