"""The parallel search plays the same games as the serial one: threads and groups change speed, not results.

The oracle is the serial search (``threads=1, groups=1``). Games are stepped to the end with root noise,
playout-cap randomisation, per-game visits, inactive games and A-MCTS victims, under an evaluator whose
answer depends only on the position (so group batching cannot change it), and every search's visit counts,
root values, playouts and evaluations must match exactly.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advgo import Rules, engine
from advgo.search import BatchedMCTS, SearchConfig, choose_moves
from advgo.search.mcts import TIMINGS

RULES = Rules.tromp_taylor()


class HashEvaluator:
    """Priors and value drawn from the position's hash: the same position always gets the same answer."""

    def __init__(self, salt: int = 0):
        self.salt = salt
        self.batches = []

    def evaluate(self, leaves, count, komi, priors_out, values_out):
        self.batches.append(count)
        for j in range(count):
            key = (int(leaves.board_hash[j]) ^ self.salt ^ int(leaves.to_play[j]) * 7919
                   ^ int(leaves.passes[j]) * 104729) % 2**63
            rng = np.random.default_rng(key)
            priors_out[j] = rng.dirichlet(np.full(priors_out.shape[1], 0.3))
            values_out[j] = rng.uniform(-1, 1)


def play(size, games, moves, seed, threads=1, groups=1, victim=False, visits=(12, 4)):
    """Step ``games`` games ``moves`` moves; returns every search's results and the final positions."""
    codes = RULES.codes(4 * size * size)
    config = SearchConfig(visits=visits[0], threads=threads, groups=groups)
    mcts = BatchedMCTS(HashEvaluator(1), size, games, codes, config, max_visits=visits[0],
                       victim=HashEvaluator(2) if victim else None, victim_temperature=1.0)
    rng = np.random.default_rng(seed)
    if victim:
        mcts.set_victim_colors(np.where(np.arange(games) % 2 == 0, -1, 1), np.random.default_rng(seed + 1))
    roots = engine.new_boards(games, size, 4 * size * size + 1)
    record = []
    for _ in range(moves):
        active = rng.random(games) < 0.85
        if victim:  # the victim moves for itself outside the search (its colour to play: not searched)
            active &= roots.to_play != mcts.tree.victim_color
        active &= roots.end_reason == engine.END_NONE
        if not active.any():
            break
        full = rng.random(games) < 0.5
        result = mcts.search(roots, active=active, visits=np.where(full, visits[0], visits[1]), rng=rng,
                             noise=full)
        record.append((result.visit_counts.copy(), result.root_value.copy(), result.playouts, result.evaluations))
        counts = np.where(active[:, None], result.visit_counts, 0)
        counts[~active, -1] = 1  # idle games: a placeholder row; they do not move
        moves_ = choose_moves(counts, 1.0, rng)
        mover = active | (victim & (roots.to_play == mcts.tree.victim_color) & (roots.end_reason == engine.END_NONE))
        moves_ = np.where(active, moves_, -1)
        if victim:  # the victim's reply: its most likely legal move by the hash policy, through the tree's reroot
            legal = engine.legal_masks(roots, codes)
            for b in np.flatnonzero(mover & ~active):
                moves_[b] = int(np.flatnonzero(legal[b])[-1] if legal[b, -1] else np.flatnonzero(legal[b])[0])
        engine.play_batch(roots, codes, moves_)
        for b in np.flatnonzero(moves_ >= 0):
            if roots.end_reason[b] != engine.END_NONE:
                engine.reset(roots, b)
                mcts.reset(int(b))
            else:
                mcts.advance(int(b), int(moves_[b]))
    return record, roots.stones.copy(), mcts


def assert_same(a, b):
    assert len(a) == len(b)
    for (c1, v1, p1, e1), (c2, v2, p2, e2) in zip(a, b):
        np.testing.assert_array_equal(c1, c2)
        np.testing.assert_array_equal(v1, v2)
        assert (p1, e1) == (p2, e2)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), games=st.integers(1, 9), threads=st.integers(1, 4), groups=st.integers(1, 4),
       victim=st.booleans())
def test_threads_and_groups_play_the_same_games_as_the_serial_search(seed, games, threads, groups, victim):
    serial, stones, _ = play(5, games, 30, seed, victim=victim)
    parallel, stones_p, mcts = play(5, games, 30, seed, threads=threads, groups=groups, victim=victim)
    assert_same(serial, parallel)
    np.testing.assert_array_equal(stones, stones_p)
    assert mcts.threads == min(threads, games)


def test_games_end_inside_the_search_on_several_threads():
    """Small boards with many visits: terminal leaves (two passes) leave gaps that the row packing must close."""
    serial, _, _ = play(3, 7, 40, 5, visits=(40, 8))
    parallel, _, _ = play(3, 7, 40, 5, threads=3, groups=2, visits=(40, 8))
    assert_same(serial, parallel)


def test_groups_split_the_evaluator_batches_and_time_is_accounted():
    _, _, serial = play(5, 8, 3, 0)
    _, _, grouped = play(5, 8, 3, 0, threads=2, groups=2)
    assert max(serial.evaluator.batches) > 4 >= max(grouped.evaluator.batches)
    assert sum(serial.evaluator.batches) == sum(grouped.evaluator.batches)
    assert set(grouped.timings) == set(TIMINGS)
    assert grouped.timings["total"] > 0 and grouped.timings["evaluate"] > 0
    assert serial.timings["wait"] == 0.0


def test_an_evaluator_error_surfaces_and_the_search_can_go_on():
    class Failing(HashEvaluator):
        fail = True

        def evaluate(self, *args):
            if self.fail:
                raise RuntimeError("net fell over")
            super().evaluate(*args)

    evaluator = Failing()
    mcts = BatchedMCTS(evaluator, 5, 4, RULES.codes(100), SearchConfig(visits=8, threads=2, groups=2))
    roots = engine.new_boards(4, 5, 101)
    with pytest.raises(RuntimeError, match="net fell over"):
        mcts.search(roots)
    evaluator.fail = False
    mcts.reset()
    assert mcts.search(roots).visit_counts.sum(axis=1).tolist() == [7] * 4  # the root took the first visit


@pytest.mark.parametrize("field", ["threads", "groups"])
def test_threads_and_groups_must_be_positive(field):
    with pytest.raises(ValueError, match="threads and search.groups"):
        SearchConfig(**{field: 0})


def _selfplay_games(evaluator, threads, groups, steps=25):
    from advgo.training.selfplay import SelfPlay, SelfPlayConfig

    config = SelfPlayConfig(games=6, full_visits=12, fast_visits=4, max_moves=60)
    play = SelfPlay(evaluator, 5, RULES, SearchConfig(visits=12, threads=threads, groups=groups), config,
                    np.random.default_rng(3))
    finished = []
    for _ in range(steps):
        finished += play.step()
    return [(g.length, g.score, g.policy.tobytes()) for g in finished], play.roots.stones.copy()


def test_self_play_with_a_net_plays_the_same_games_on_two_threads():
    """Threads keep the evaluator's batches as they are, so even a net drawing random symmetries per call agrees."""
    torch = pytest.importorskip("torch")
    from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator

    torch.manual_seed(0)
    net = PolicyValueNet(NetConfig(board_size=5, blocks=1, channels=8)).eval()
    runs = [_selfplay_games(TorchEvaluator(net, symmetry="random", seed=1, rules=RULES), threads, 1)
            for threads in (1, 2)]
    assert runs[0][0] and runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_self_play_with_groups_plays_the_same_games():
    serial = _selfplay_games(HashEvaluator(), 1, 1)
    grouped = _selfplay_games(HashEvaluator(), 2, 3)
    assert serial[0] and serial[0] == grouped[0]
    np.testing.assert_array_equal(serial[1], grouped[1])
