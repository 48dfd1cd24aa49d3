"""Batched MCTS over many games at once: one leaf per game per step, one batched evaluation per step.

``BatchedMCTS.search`` runs playouts in every active game until its root has the requested visits
(KataGo's convention: visits reused from the previous move count). After a move is played in a root
game, ``advance(b, action)`` keeps the subtree below it (subtree reuse) or starts a fresh tree.
Root Dirichlet noise follows KataGo: concentration ``dirichlet_total`` spread over the legal moves.

A-MCTS (adversarial MCTS, Wang et al. 2023): give ``BatchedMCTS`` a ``victim`` evaluator and set, per
game, the colour the victim plays (``set_victim_colors``). At victim-to-move nodes the search then samples
the victim's move from the victim evaluator's priors at ``victim_temperature`` instead of choosing by PUCT,
and values come only from positions where the adversary is to move. The victim evaluator is any
``Evaluator`` whose priors are the victim's move distribution: its raw policy (A-MCTS-S), its policy averaged
over the board symmetries (S++), or ``SearchEvaluator``, the victim's own search (A-MCTS-R).
"""


import time
import weakref
from collections import deque
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from ..engine import Boards, RuleCodes, new_boards
from . import kernels as k
from .evaluator import Evaluator, evaluate_counted
from .tree import EXPANDED, ILLEGAL, NO_NODE, NO_VICTIM, ROOT, UNEXPANDED, new_tree

TIMINGS = ("total", "search", "evaluate", "wait")
"""Seconds ``BatchedMCTS.timings`` accumulates: the whole search; the search kernels (selection, expansion,
backup, packing the leaf rows) with their thread hand-offs; inside the evaluators (in the helper thread when groups overlap); the search thread
blocked on an evaluation it could not overlap. With one group, evaluate is part of total and wait stays 0."""


@dataclass(frozen=True)
class SearchConfig:
    visits: int = 64
    """Root visits per move (reused visits included)."""
    c_puct: float = 1.1
    """PUCT exploration weight."""
    fpu_reduction: float = 0.2
    """First-play urgency: unvisited moves are valued at the parent's value minus this · sqrt(visited prior)."""
    dirichlet_total: float = 10.83
    """Total Dirichlet concentration of root noise, spread over the legal moves (KataGo: 0.03 · 361)."""
    noise_fraction: float = 0.25
    """Weight of the noise in the root priors when noise is on."""
    reuse_tree: bool = True
    """Keep the subtree of the played move for the next search."""
    terminal_pass: bool = True
    """Value a game-ending pass (the opponent just passed) by its known result, not by first-play urgency.

    Off, such a pass is searched like any move: by its prior, which a net trained on games that rarely end
    this way keeps near zero, so the search can miss a pass that wins on the spot (or take one that loses).
    """
    pass_floor: bool = False
    """With ``terminal_pass``: a position where the player to move wins (or draws) by a game-ending pass is worth at
    least that result, ``max(net value, pass result)``, as its value in the playout's backup. A move the opponent
    answers by passing into a lost count is then found at its first visit (through the opponent's modelled reply in
    A-MCTS), not only once the search goes one move deeper. Off by default: results before it was added were
    measured without it."""
    threads: int = 1
    """Threads running the search kernels (selection, expansion, backup), each over its share of the games;
    the kernels release the GIL. Results do not depend on it: games share no state and leaves are packed in
    game order, so the evaluator sees the same batches."""
    groups: int = 1
    """Groups of games that take turns: while one group's leaves are evaluated (in a helper thread), the next
    group's search runs, so search and net overlap (on a GPU: host work hides behind the forward). Each
    evaluator call then sees about games/groups positions. The games played are the same as with one group
    for an evaluator whose answer for a position does not depend on the rest of its batch (a net's random
    symmetries, drawn per call, do)."""

    def __post_init__(self):
        if self.visits < 1:
            raise ValueError(f"search.visits must be at least 1, got {self.visits}")
        if self.c_puct <= 0:
            raise ValueError(f"search.c_puct must be positive, got {self.c_puct}")
        if not 0.0 <= self.noise_fraction <= 1.0:
            raise ValueError(f"search.noise_fraction must be in [0, 1], got {self.noise_fraction}")
        if self.dirichlet_total <= 0:
            raise ValueError(f"search.dirichlet_total must be positive, got {self.dirichlet_total}")
        if self.pass_floor and not self.terminal_pass:
            raise ValueError("search.pass_floor needs search.terminal_pass (the floor is the game-ending pass's result)")
        if self.threads < 1 or self.groups < 1:
            raise ValueError(f"search.threads and search.groups must be at least 1, got {self.threads}, {self.groups}")


class SearchResult(NamedTuple):
    visit_counts: np.ndarray  # int32 [B, A]: visits of each root move (0 for inactive games)
    root_value: np.ndarray  # float32 [B]: mean value at the root for its player to move
    playouts: int  # playouts run in this call, all games together
    evaluations: int  # positions sent to the evaluator


class _Group(NamedTuple):
    """A contiguous range of games searched and evaluated together, with its own leaf buffers."""

    lo: int
    hi: int
    chunks: list  # [(lo, hi)]: the group's games split among the search threads
    leaves: tuple  # two Boards: rows 0 .. count-1 of ``leaves[side]`` are this step's leaf positions in game order
    victim_leaves: tuple  # two Boards: unexpanded victim nodes (A-MCTS); the same as ``leaves`` for plain MCTS
    side: np.ndarray  # int64 [1]: which buffer of each pair holds this step's rows. One step backs up from one
    # side while the next selection writes the other: packed rows of one thread's games can sit in the rows
    # another thread selects into.
    priors: np.ndarray  # float32 [G, A]
    values: np.ndarray  # float32 [G]
    victim_priors: np.ndarray  # float32 [G, A]
    victim_values: np.ndarray  # float32 [G]
    counts: np.ndarray  # int64 [T + 1, 3]: per chunk, then [-1] for the group: leaf rows, victim rows, descents


class BatchedMCTS:
    """Search trees for ``batch`` games of one board size, evaluated together.

    ``config.threads`` threads run the search kernels, each over its share of the games; ``config.groups``
    groups of games take turns so that one group's evaluation (in a helper thread) overlaps the next group's
    search (see :class:`SearchConfig`). ``timings`` accumulates where the wall time of ``search`` went.
    """

    def __init__(self, evaluator: Evaluator, size: int, batch: int, rules: RuleCodes,
                 config: SearchConfig = SearchConfig(), max_visits: int | None = None,
                 victim: Evaluator | None = None, victim_temperature: float = 0.0):
        if victim_temperature < 0:
            raise ValueError(f"victim_temperature must be >= 0, got {victim_temperature}")
        self.evaluator = evaluator
        self.victim = victim
        self.victim_temperature = float(victim_temperature)
        self.size = size
        self.batch = batch
        self.rules = rules
        self.config = config
        self.num_actions = size * size + 1
        most = max(config.visits, max_visits or 0)
        # a reused subtree holds fewer nodes than the search that built it. A playout creates its leaf and, when
        # passing there ends the game, that scored pass (2 nodes); A-MCTS adds the victim node before the leaf.
        self.capacity = 3 * most + 3 if victim is None else 5 * most + 5
        self.tree = new_tree(batch, self.capacity, self.num_actions)
        self.puct = k.Puct(float(config.c_puct), float(config.fpu_reduction), bool(config.terminal_pass),
                           bool(config.pass_floor))
        self.threads = min(config.threads, batch)
        self._groups: list[_Group] = []
        self._history = 0  # history length the leaf buffers were made for
        self._masks = np.zeros((self.threads, self.num_actions), np.bool_)  # legal-mask scratch, one per thread
        self._remap = np.zeros(self.capacity, np.int32)
        self._counts = np.zeros((batch, self.num_actions), np.int32)
        self.victim_evaluations = 0  # positions the victim's net evaluated for A-MCTS (a search per node for R)
        self.timings = dict.fromkeys(TIMINGS, 0.0)
        self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="mcts") if self.threads > 1 else None
        self._evaluating = ThreadPoolExecutor(1, thread_name_prefix="mcts-eval") \
            if min(config.groups, batch) > 1 else None
        for pool in (self._pool, self._evaluating):
            if pool is not None:
                weakref.finalize(self, pool.shutdown, wait=False)

    @property
    def max_search_visits(self) -> int:
        """The most root visits one search can ask for with this tree capacity."""
        return self.capacity // 3 - 1 if self.victim is None else self.capacity // 5 - 1

    def set_victim_colors(self, colors, rng: np.random.Generator | None = None) -> None:
        """Colour the victim plays in each game (1 black, -1 white, 0 none: plain MCTS in that game).

        ``rng`` reseeds the per-game streams that sample the victim's moves inside the search.
        """
        colors = np.broadcast_to(np.asarray(colors, np.int8), (self.batch,))
        if colors.any() and self.victim is None:
            raise ValueError("victim colours need BatchedMCTS(victim=...) (the victim's policy evaluator)")
        if not np.isin(colors, (-1, 0, 1)).all():
            raise ValueError(f"victim colours must be 1, -1 or 0, got {sorted(set(colors.tolist()))}")
        self.tree.victim_color[:] = colors
        if rng is not None:
            self.tree.rng_state[:] = rng.integers(1, 2**63, self.batch, dtype=np.uint64)

    # ------------------------------------------------------------------ tree management
    def reset(self, b: int | None = None) -> None:
        """Forget the tree of game ``b`` (all games when None); the next search starts fresh."""
        for i in range(self.batch) if b is None else [b]:
            k.reset_root(self.tree, i, 1)

    def advance(self, b: int, action: int) -> None:
        """Game ``b`` played ``action`` at its root: keep that subtree if reuse is on, else start over."""
        if not (self.config.reuse_tree and k.reroot(self.tree, b, action, self._remap)):
            k.reset_root(self.tree, b, 1)

    # ------------------------------------------------------------------ search
    def search(self, roots: Boards, active=None, visits=None, rng: np.random.Generator | None = None,
               noise=False) -> SearchResult:
        """Search every active game of ``roots`` until its root has ``visits`` visits (int or int array [B]).

        ``noise``: root Dirichlet noise, for all games (bool) or per game (bool array [B]).
        """
        self._check_roots(roots)
        active = np.ones(self.batch, np.bool_) if active is None else np.asarray(active, np.bool_)
        noisy = np.zeros(self.batch, np.bool_)
        noisy[:] = noise
        target = np.full(self.batch, self.config.visits if visits is None else 0, np.int64)
        if visits is not None:
            target[:] = visits
        if np.any(target[active] > self.max_search_visits):
            raise ValueError(f"visits above {self.max_search_visits} need BatchedMCTS(max_visits=...)")
        victim_root = active & (self.tree.victim_color != NO_VICTIM) & (self.tree.victim_color == roots.to_play)
        if victim_root.any():
            bad = int(np.flatnonzero(victim_root)[0])
            raise ValueError(f"game {bad}: the victim is to move at the root; A-MCTS searches the adversary's moves")
        if noisy.any() and rng is None:
            raise ValueError("root noise needs a numpy Generator (rng)")
        tree = self.tree
        for b in np.flatnonzero(active):
            if tree.status[b, ROOT] == UNEXPANDED:
                tree.to_play[b, ROOT] = roots.to_play[b]
            elif tree.to_play[b, ROOT] != roots.to_play[b]:
                raise RuntimeError(f"game {b}: the tree's root is not this position (call advance or reset)")
            elif noisy[b]:
                self._noise(b, rng)  # a reused root: its priors were never noised
        tree.victim_leaf[:] = NO_NODE  # pending A-MCTS playouts of an earlier search are not resumed
        totals = np.zeros(2, np.int64)  # playouts, evaluations
        steps = [self._steps(g, roots, active, target, noisy, rng, totals) for g in self._groups]
        start = time.perf_counter()
        self._drive(steps)
        self.timings["total"] += time.perf_counter() - start
        k.root_visit_counts(tree, self._counts)
        counts = np.where(active[:, None], self._counts, 0).astype(np.int32)
        n_root = np.maximum(tree.visits[:, ROOT], 1)
        root_value = np.where(active, -tree.value_sum[:, ROOT] / n_root, 0.0).astype(np.float32)
        return SearchResult(counts, root_value, int(totals[0]), int(totals[1]))

    def _steps(self, g: _Group, roots, active, target, noisy, rng, totals):
        """One group's search as a generator: it yields after each selection, when its leaves await evaluation.

        Backing up one step and selecting the next run as one job per thread; only the first step, after
        which fresh roots get their noise (drawn in game order from ``rng``), is split in two.
        """
        tree = self.tree
        fresh_roots = active & (tree.status[:, ROOT] == UNEXPANDED) & (target > 0)
        fresh_roots[:g.lo] = False
        fresh_roots[g.hi:] = False
        noise_first = bool((noisy & fresh_roots).any())
        if not self._search_step(g, roots, active, target, backup=False, select=True)[0]:
            return
        first = True
        while True:
            yield g
            totals[1] += g.counts[-1, 0]
            if first and noise_first:
                totals[0] += self._search_step(g, roots, active, target, backup=True, select=False)[1]
                for b in np.flatnonzero(noisy & fresh_roots & (tree.status[:, ROOT] == EXPANDED)):
                    self._noise(b, rng)
                more = self._search_step(g, roots, active, target, backup=False, select=True)[0]
            else:
                more, playouts = self._search_step(g, roots, active, target, backup=True, select=True)
                totals[0] += playouts
            first = False
            if not more:
                return

    def _drive(self, steps: list) -> None:
        """Run the groups' searches to the end: evaluations inline for one group; for several, each group's
        evaluation runs in the helper thread while the next group selects or backs up (one evaluation at a time,
        so evaluators need not be thread-safe)."""
        group = dict(zip(map(id, steps), self._groups))
        ready = deque(s for s in steps if next(s, None) is not None)  # groups whose leaves await evaluation
        if self._evaluating is None:
            for s in ready:
                while True:
                    self._evaluate(group[id(s)])
                    if next(s, None) is None:
                        break
            return
        flight = None  # (steps, future) of the evaluation in progress
        try:
            while ready or flight:
                if flight is None:
                    s = ready.popleft()
                    flight = (s, self._evaluating.submit(self._evaluate, group[id(s)]))
                s, future = flight
                start = time.perf_counter()
                future.result()
                self.timings["wait"] += time.perf_counter() - start
                flight = None
                if ready:
                    nxt = ready.popleft()
                    flight = (nxt, self._evaluating.submit(self._evaluate, group[id(nxt)]))
                if next(s, None) is not None:  # back up and select again while the next group is evaluated
                    ready.append(s)
        finally:
            if flight is not None:
                wait([flight[1]])  # never leave an evaluation running behind an error

    def _search_step(self, g: _Group, roots, active, target, backup: bool, select: bool) -> tuple[bool, int]:
        """On the search threads: expand the group's evaluated nodes and back their playouts up (``backup``),
        then select the next leaves (``select``), packing their rows in game order (``g.counts[-1, :2]``: leaf and
        victim rows). Returns (whether any game descended, playouts backed up)."""
        tree = self.tree
        expand_victims = backup and bool(g.counts[-1, 1])
        old, new = int(g.side[0]), 1 - int(g.side[0])
        leaves, victim_leaves = g.leaves[new], g.victim_leaves[new]

        def chunk(t):
            lo, hi = g.chunks[t]
            playouts = 0
            if backup:
                if expand_victims:
                    k.expand_victims(tree, g.victim_leaves[old], self.rules, g.victim_priors,
                                     self.victim_temperature, self._masks[t], lo, hi)
                playouts = k.expand_and_backup(tree, g.leaves[old], self.rules, g.priors, g.values, self._masks[t],
                                               self.puct, lo, hi)
            status = 0
            if select:
                status = k.select_leaves(tree, roots, leaves, victim_leaves, self.rules, self.puct, active, target,
                                         lo, hi, lo - g.lo, g.counts[t])
            return status, playouts

        start = time.perf_counter()
        results = self._on_threads(chunk, len(g.chunks))
        for status, _ in results:
            if status < 0:
                raise RuntimeError(f"search kernel failed in game {-1 - status} (stale tree or full tree)")
        playouts = sum(p for _, p in results)
        descents = 0
        if select:
            n_leaf = n_victim = 0
            for t, (lo, hi) in enumerate(g.chunks):
                row0 = lo - g.lo
                if (g.counts[t, 0] and row0 > n_leaf) or (g.counts[t, 1] and row0 > n_victim):
                    k.shift_rows(tree, leaves, victim_leaves, lo, hi, row0 - n_leaf, row0 - n_victim)
                n_leaf += g.counts[t, 0]
                n_victim += g.counts[t, 1]
                descents += g.counts[t, 2]
            g.counts[-1] = n_leaf, n_victim, descents
            g.side[0] = new
        self.timings["search"] += time.perf_counter() - start
        return descents > 0, playouts

    def _evaluate(self, g: _Group) -> None:
        """The group's leaves (and victim leaves) through the evaluators."""
        start = time.perf_counter()
        count, n_victim = (int(x) for x in g.counts[-1, :2])
        side = int(g.side[0])
        if count:
            self.evaluator.evaluate(g.leaves[side], count, self.rules.komi, g.priors, g.values)
        if n_victim:
            self.victim_evaluations += evaluate_counted(self.victim, g.victim_leaves[side], n_victim, self.rules.komi,
                                                        g.victim_priors, g.victim_values)
        self.timings["evaluate"] += time.perf_counter() - start

    def _on_threads(self, fn, n: int) -> list:
        """``[fn(0), ..., fn(n-1)]``, with 1 .. n-1 on the pool's threads and 0 on this one."""
        if self._pool is None or n == 1:
            return [fn(t) for t in range(n)]
        futures = [self._pool.submit(fn, t) for t in range(1, n)]
        try:
            first = fn(0)
        finally:
            done = [f.result() for f in futures]
        return [first] + done

    def _noise(self, b: int, rng: np.random.Generator) -> None:
        legal = self.tree.prior[b, ROOT] != ILLEGAL
        n_legal = int(legal.sum())
        noise = np.zeros(self.num_actions, np.float32)
        noise[legal] = rng.dirichlet(np.full(n_legal, self.config.dirichlet_total / n_legal))
        k.add_root_noise(self.tree, b, noise, float(self.config.noise_fraction))

    def _check_roots(self, roots: Boards) -> None:
        if roots.size != self.size or roots.stones.shape[0] != self.batch:
            raise ValueError(f"roots must be {self.batch} games of {self.size}x{self.size}, got "
                             f"{roots.stones.shape[0]} of {roots.size}x{roots.size}")
        need = roots.history.shape[1] + self.capacity
        if self._groups and self._history >= need:
            return
        self._history = need
        self._groups = [self._new_group(lo, hi, need) for lo, hi in _split(0, self.batch, self.config.groups)]

    def _new_group(self, lo: int, hi: int, history: int) -> _Group:
        n = hi - lo
        leaves = tuple(new_boards(n, self.size, history) for _ in range(2))
        # plain MCTS never writes victim leaves: it shares the buffers instead of allocating them
        victim_leaves = leaves if self.victim is None else tuple(new_boards(n, self.size, history) for _ in range(2))
        chunks = _split(lo, hi, self.threads)
        return _Group(lo, hi, chunks, leaves, victim_leaves, np.zeros(1, np.int64), np.zeros((n, self.num_actions), np.float32),
                      np.zeros(n, np.float32), np.zeros((n, self.num_actions), np.float32), np.zeros(n, np.float32),
                      np.zeros((len(chunks) + 1, 3), np.int64))


def _split(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` in at most ``parts`` contiguous, non-empty pieces of near-equal length."""
    parts = max(1, min(parts, hi - lo))
    edges = [lo + (hi - lo) * i // parts for i in range(parts + 1)]
    return list(pairwise(edges))


def choose_moves(visit_counts: np.ndarray, temperature, rng: np.random.Generator) -> np.ndarray:
    """One move per row: argmax of visits (ties broken at random) at temperature 0, else visits^(1/T).

    ``temperature``: one for all rows, or one per row.
    """
    counts = np.asarray(visit_counts, np.float64)
    temps = np.broadcast_to(np.asarray(temperature, np.float64), (counts.shape[0],))
    moves = np.empty(counts.shape[0], np.int64)
    for b, row in enumerate(counts):
        temperature = temps[b]
        if row.sum() <= 0:
            raise ValueError(f"row {b} has no visits to choose from")
        if temperature <= 1e-6:
            best = np.flatnonzero(row == row.max())
            moves[b] = best[rng.integers(len(best))]
        else:
            logits = np.log(np.maximum(row, 1e-30)) / temperature
            p = np.exp(logits - logits.max()) * (row > 0)
            moves[b] = rng.choice(len(row), p=p / p.sum())
    return moves
