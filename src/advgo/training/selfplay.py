"""Batched self-play: many games stepped together, one shared batched search, samples from full searches.

Every move of every game is searched by ``BatchedMCTS``. With playout-cap randomization (KataGo) a
move gets a full search (``full_visits``, root noise) with probability ``full_search_prob`` and a fast
one otherwise; only full searches become policy-training samples, since fast searches' visit
distributions are poor targets. The value target of a sample is the game's final result for the
player who was to move. A finished game's slot starts a new game at once.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .. import engine
from ..features import FEATURES, encode_batch
from ..rules import Rules
from ..search import BatchedMCTS, Evaluator, SearchConfig, choose_moves


@dataclass(frozen=True)
class SelfPlayConfig:
    games: int = 32
    """Games played at once (the evaluator sees batches of up to this many positions)."""
    full_visits: int = 64
    """Visits of a full search (these positions become training samples)."""
    fast_visits: int = 16
    """Visits of a fast search (playout-cap randomization; no samples)."""
    full_search_prob: float = 0.25
    """Probability that a move gets a full search."""
    temperature_early: float = 1.0
    """Move temperature during the first ``temperature_moves`` moves."""
    temperature_late: float = 0.25
    """Move temperature afterwards."""
    temperature_moves: int = 8
    """Moves played at ``temperature_early``."""
    max_moves: int = 0
    """Move cap; 0 means 2·N² (the cap of OpenSpiel and pgx)."""

    SECTION = "selfplay"  # the config section these settings are read from, for error messages

    def __post_init__(self):
        s = self.SECTION
        if self.games < 1:
            raise ValueError(f"{s}.games must be at least 1, got {self.games}")
        if not 1 <= self.fast_visits <= self.full_visits:
            raise ValueError(f"{s} needs 1 <= {s}.fast_visits <= {s}.full_visits, got {self.fast_visits}, "
                             f"{self.full_visits}")
        if not 0.0 < self.full_search_prob <= 1.0:
            raise ValueError(f"{s}.full_search_prob must be in (0, 1], got {self.full_search_prob}")
        if self.temperature_early < 0 or self.temperature_late < 0:
            raise ValueError(f"{s} temperatures must be >= 0")
        if self.max_moves < 0:
            raise ValueError(f"{s}.max_moves must be >= 0, got {self.max_moves}")


class FinishedGame(NamedTuple):
    planes: np.ndarray  # uint8 [n, C, N, N]: full-search positions
    globals: np.ndarray  # float32 [n, G]
    policy: np.ndarray  # float32 [n, A]: visit distributions
    value: np.ndarray  # float32 [n]: final result for the player to move in each position
    length: int  # moves played
    score: float  # black minus white, komi included
    end_reason: str  # "two_passes" or "move_cap"
    start_move: int = 0  # moves played before the game's own start (a start from an adversarial position)
    start_color: int = 0  # the side to move at such a start (1 black, -1 white); 0: a game from the empty board
    ownership: np.ndarray | None = None  # int8 [n, N*N]: final Tromp-Taylor area for the player to move (1 theirs)
    margins: np.ndarray | None = None  # float32 [n]: final score for the player to move, komi included


def aux_targets(area: np.ndarray, score: float, colors) -> tuple[np.ndarray, np.ndarray]:
    """The auxiliary targets of a game's rows: (ownership int8 [n, N*N], margin float32 [n]) for the player to
    move in each row (``colors``: 1 black, -1 white), from the final area map (black's view) and score."""
    colors = np.asarray(colors, np.int8).reshape(-1, 1)
    return (colors * area[None, :]).astype(np.int8), (colors[:, 0] * np.float32(score)).astype(np.float32)


def stack_samples(rows: list, size: int, planes: int = FEATURES.planes,
                  num_globals: int = FEATURES.globals) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A game's sample rows ``(planes uint8, globals, policy, ...)`` as three arrays (empty ones for no rows)."""
    if not rows:
        return (np.zeros((0, planes, size, size), np.uint8), np.zeros((0, num_globals), np.float32),
                np.zeros((0, size * size + 1), np.float32))
    return (np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]), np.stack([r[2] for r in rows]))


class FeatureSamples:
    """How self-play stores a position for advgo's own nets: ``(planes [count, C, N, N], globals [count, G])`` of
    advgo's features (:data:`advgo.features.FEATURES`) under the game's rules. Another net family brings its own
    encoder with the same call and attributes (KataGo's: :class:`advgo.nets.katago.trainable.KataGoSamples`)."""

    globals = FEATURES.globals

    def __init__(self, codes):
        self.codes = codes
        self._planes = self._globals = None

    def planes(self, size: int) -> tuple[int, int, int]:
        return (FEATURES.planes, size, size)

    def __call__(self, boards, count: int, komi: float) -> tuple[np.ndarray, np.ndarray]:
        n = boards.size
        if self._planes is None or self._planes.shape[0] < count or self._planes.shape[-1] != n:
            self._planes = np.zeros((count, FEATURES.planes, n, n), np.float32)
            self._globals = np.zeros((count, FEATURES.globals), np.float32)
        encode_batch(boards, count, komi, self._planes, self._globals, self.codes)
        return self._planes[:count], self._globals[:count]


class SelfPlay:
    """``config.games`` self-play games driven by one evaluator; ``step()`` plays one move in each."""

    victim_evaluations = 0  # no victim (what an actor counts of victim-play)
    voided = 0  # no engine whose failure voids a game

    def __init__(self, evaluator: Evaluator, size: int, rules: Rules, search: SearchConfig,
                 config: SelfPlayConfig, rng: np.random.Generator, samples=None):
        """``samples``: how a searched position is stored for the learner (:class:`FeatureSamples`, advgo's
        features, by default)."""
        self.size = size
        self.rules = rules
        self.config = config
        self.rng = rng
        self.max_moves = config.max_moves or 2 * size * size
        self.codes = rules.codes(self.max_moves)
        batch = config.games
        self.roots = engine.new_boards(batch, size, self.max_moves + 1)
        self.mcts = BatchedMCTS(evaluator, size, batch, self.codes, search, max_visits=config.full_visits)
        self.samples = samples if samples is not None else FeatureSamples(self.codes)
        self._pending: list[list] = [[] for _ in range(batch)]  # per game: (planes, globals, policy, to_play)
        self.moves_played = 0
        self.evaluations = 0

    def step(self) -> list[FinishedGame]:
        """One move in every game; returns the games that ended with it."""
        cfg = self.config
        batch = cfg.games
        full = self.rng.random(batch) < cfg.full_search_prob
        visits = np.where(full, cfg.full_visits, cfg.fast_visits)
        result = self.mcts.search(self.roots, visits=visits, rng=self.rng, noise=full)
        self.evaluations += result.evaluations
        if full.any():
            planes, globals_ = self.samples(self.roots, batch, self.codes.komi)
            for b in np.flatnonzero(full):
                counts = result.visit_counts[b].astype(np.float32)
                self._pending[b].append((planes[b].astype(np.uint8), globals_[b].copy(),
                                         counts / counts.sum(), int(self.roots.to_play[b])))
        early = self.roots.move_count < cfg.temperature_moves
        temps = np.where(early, cfg.temperature_early, cfg.temperature_late)
        moves = choose_moves(result.visit_counts, temps, self.rng)
        status = engine.play_batch(self.roots, self.codes, moves)
        if (status != engine.OK).any():
            bad = int(np.flatnonzero(status != engine.OK)[0])
            raise RuntimeError(f"self-play chose an illegal move in game {bad}: {engine.STATUS_NAMES[int(status[bad])]}")
        self.moves_played += batch
        finished = []
        scores = engine.scores(self.roots, self.codes)
        for b in range(batch):
            if self.roots.end_reason[b] == engine.END_NONE:
                self.mcts.advance(b, int(moves[b]))
                continue
            finished.append(self._finish(b, float(scores[b])))
            self._new_game(b)
        return finished

    def _new_game(self, b: int) -> None:
        """Start the next game in slot ``b`` (here from the empty board; a subclass may start it elsewhere)."""
        engine.reset(self.roots, b)
        self.mcts.reset(b)

    def close(self) -> None:
        """Nothing to end: self-play runs no engine process."""

    def _finish(self, b: int, score: float) -> FinishedGame:
        winner = (score > 0) - (score < 0)
        rows = self._pending[b]
        self._pending[b] = []
        planes, globals_, policy = stack_samples(rows, self.size, self.samples.planes(self.size)[0],
                                                 self.samples.globals)
        colors = [r[3] for r in rows]
        value = np.array([winner * c for c in colors], np.float32)
        ownership, margins = aux_targets(engine.area_map(self.roots, b), score, colors)
        return FinishedGame(planes, globals_, policy, value, int(self.roots.move_count[b]), score,
                            engine.END_REASONS[int(self.roots.end_reason[b])], ownership=ownership, margins=margins)
