"""A-MCTS with fake evaluators: victim nodes sample the victim's policy, add no values, S++ and R modes."""

import numpy as np
import pytest
from scipy import stats
from test_search import roots_from

from advgo import GameState, Rules, engine
from advgo.search import BatchedMCTS, FunctionEvaluator, SearchConfig, SearchEvaluator, UniformEvaluator
from advgo.search.evaluator import evaluate_counted
from advgo.search.tree import EXPANDED, NO_CHILD, ROOT

RULES = Rules.tromp_taylor()
CODES = RULES.codes(engine.NO_CAP)


def amcts(adversary, victim, size, visits, victim_color=-1, temperature=1.0, seed=0, **cfg):
    search = BatchedMCTS(adversary, size, 1, CODES, SearchConfig(visits=visits, **cfg), victim=victim,
                         victim_temperature=temperature)
    search.set_victim_colors(victim_color, np.random.default_rng(seed))
    return search


def victim_nodes(tree, victim_color):
    """Expanded victim-to-move nodes of game 0, most visited first."""
    n = tree.node_count[0]
    nodes = [v for v in range(n) if tree.to_play[0, v] == victim_color and tree.status[0, v] == EXPANDED]
    return sorted(nodes, key=lambda v: -tree.visits[0, v])


def child_visits(tree, node):
    kids = tree.child[0, node]
    return np.array([0 if c == NO_CHILD else tree.visits[0, c] for c in kids])


def fixed_policy(size, weights):
    """A fake victim whose policy is ``weights`` (dict action -> weight; the rest share 1%)."""
    prior = np.full(size * size + 1, 0.01, np.float32)
    for a, w in weights.items():
        prior[a] = w
    prior /= prior.sum()
    return prior, FunctionEvaluator(lambda leaves, j: (prior, 0.0))


@pytest.mark.parametrize("temperature", [1.0, 0.5])
def test_victim_moves_follow_its_policy(temperature):
    """Chi-square: the victim's replies below its busiest node are distributed as its tempered, masked policy."""
    size = 3
    prior, victim = fixed_policy(size, {0: 0.5, 8: 0.3, 9: 0.15})
    search = amcts(UniformEvaluator(0.0), victim, size, 2000, temperature=temperature)
    search.search(roots_from([GameState.new(size)]))
    v = victim_nodes(search.tree, -1)[0]
    observed = child_visits(search.tree, v)
    legal = search.tree.prior[0, v] >= 0
    expected_p = np.where(legal, prior.astype(np.float64) ** (1 / temperature), 0.0)
    expected_p /= expected_p.sum()
    assert np.allclose(search.tree.prior[0, v][legal], expected_p[legal], atol=1e-5)
    keep = expected_p * observed.sum() >= 5  # chi-square needs expected counts >= 5; lump the rest
    obs = np.append(observed[keep], observed[~keep].sum())
    exp = np.append(expected_p[keep], expected_p[~keep].sum()) * observed.sum()
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert observed.sum() > 200
    assert stats.chisquare(obs, exp).pvalue > 1e-4


def test_temperature_zero_victim_always_plays_its_best_move():
    size = 3
    _, victim = fixed_policy(size, {4: 0.6, 0: 0.3})
    search = amcts(UniformEvaluator(0.0), victim, size, 300, temperature=0.0)
    search.search(roots_from([GameState.new(size)]))  # black (to move) is the adversary, white the victim
    for v in victim_nodes(search.tree, -1):
        visited = np.flatnonzero(child_visits(search.tree, v))
        assert len(visited) <= 1
        if len(visited):
            legal = search.tree.prior[0, v] >= 0
            expected = 4 if legal[4] else 0 if legal[0] else None
            if expected is not None:
                assert visited[0] == expected


def test_victim_nodes_add_no_value_of_their_own():
    """The victim evaluator's values are never used, and a victim node's stats are exactly its children's."""
    size = 4
    adversary = FunctionEvaluator(lambda leaves, j: (np.full(17, 1 / 17, np.float32),
                                                     float(np.tanh(0.1 * leaves.move_count[j] - 0.3))))
    prior = np.full(17, 1 / 17, np.float32)
    trees = []
    for victim_value in (0.9, -0.9):
        victim = FunctionEvaluator(lambda leaves, j, v=victim_value: (prior, v))
        search = amcts(adversary, victim, size, 300, seed=7)
        result = search.search(roots_from([GameState.new(size)]))
        trees.append((search.tree, result))
    (t1, r1), (t2, r2) = trees
    assert np.array_equal(r1.visit_counts, r2.visit_counts)
    assert r1.root_value[0] == r2.root_value[0]
    n = t1.node_count[0]
    assert np.array_equal(t1.value_sum[0, :n], t2.value_sum[0, :n])
    for v in victim_nodes(t1, -1):
        kids = [c for c in t1.child[0, v] if c != NO_CHILD]
        assert t1.visits[0, v] == sum(t1.visits[0, c] for c in kids)
        assert t1.value_sum[0, v] == pytest.approx(-sum(t1.value_sum[0, c] for c in kids), abs=1e-9)


def test_plain_games_in_the_same_batch_are_ordinary_mcts():
    """Victim colour 0 is plain MCTS: the same visits as a search without any victim."""
    size = 3
    _, victim = fixed_policy(size, {0: 0.9})
    roots = roots_from([GameState.new(size)])
    plain = BatchedMCTS(UniformEvaluator(0.1), size, 1, CODES, SearchConfig(visits=100))
    with_victim = BatchedMCTS(UniformEvaluator(0.1), size, 1, CODES, SearchConfig(visits=100), victim=victim)
    with_victim.set_victim_colors(0)
    assert np.array_equal(plain.search(roots).visit_counts, with_victim.search(roots).visit_counts)


def test_root_where_the_victim_is_to_move_is_refused():
    size = 3
    _, victim = fixed_policy(size, {0: 0.9})
    search = amcts(UniformEvaluator(0.0), victim, size, 10, victim_color=1)  # black (to move) is the victim
    with pytest.raises(ValueError, match="victim is to move"):
        search.search(roots_from([GameState.new(size)]))


def test_victim_colours_need_a_victim_evaluator():
    search = BatchedMCTS(UniformEvaluator(0.0), 3, 2, CODES, SearchConfig(visits=8))
    with pytest.raises(ValueError, match="victim"):
        search.set_victim_colors([1, -1])


def test_search_evaluator_is_the_victims_own_search():
    """R mode: the priors a SearchEvaluator reports are the visit distribution of the victim's MCTS."""
    size = 3
    _, net = fixed_policy(size, {4: 0.5, 0: 0.2})
    state = GameState.new(size).play(4)
    roots = roots_from([state])
    searcher = SearchEvaluator(net, 40, CODES)
    priors = np.zeros((1, 10), np.float32)
    values = np.zeros(1, np.float32)
    searcher.evaluate(roots, 1, RULES.komi, priors, values)
    direct = BatchedMCTS(net, size, 1, CODES, SearchConfig(visits=40)).search(roots)
    counts = direct.visit_counts[0].astype(np.float32)
    assert np.allclose(priors[0], counts / counts.sum())
    assert values[0] == pytest.approx(direct.root_value[0])


def test_r_mode_runs_the_victims_search_at_victim_nodes():
    size = 3
    _, net = fixed_policy(size, {4: 0.5})
    counting = FunctionEvaluator(net.fn)
    searcher = SearchEvaluator(counting, 16, CODES)
    search = amcts(UniformEvaluator(0.0), searcher, size, 40)
    search.search(roots_from([GameState.new(size)]))
    expanded = len(victim_nodes(search.tree, -1))
    assert expanded > 0 and searcher.positions >= expanded
    assert counting.positions >= 15 * expanded  # a search of up to 16 visits per victim node (fewer at game ends)
    # the victim's cost is its net's evaluations, not the positions its search was asked about
    assert search.victim_evaluations == searcher.net_evaluations == counting.positions


def test_evaluate_counted_falls_back_to_the_positions_asked_about():
    size = 3
    _, net = fixed_policy(size, {4: 0.5})
    roots = roots_from([GameState.new(size), GameState.new(size).play(4)])
    priors, values = np.zeros((2, 10), np.float32), np.zeros(2, np.float32)
    plain = FunctionEvaluator(net.fn)
    assert evaluate_counted(plain, roots, 2, RULES.komi, priors, values) == 2 == plain.positions
    one_visit = SearchEvaluator(FunctionEvaluator(net.fn), 1, CODES)  # its raw policy: one evaluation a position
    assert evaluate_counted(one_visit, roots, 2, RULES.komi, priors, values) == 2 == one_visit.evaluator.positions


def test_subtree_reuse_through_a_victim_move():
    """After the adversary's move and the victim's reply, the search continues in the kept subtree."""
    size = 3
    _, victim = fixed_policy(size, {0: 0.9})
    search = amcts(UniformEvaluator(0.0), victim, size, 200, temperature=0.0)
    state = GameState.new(size)
    result = search.search(roots_from([state]))
    adv = int(result.visit_counts[0].argmax())
    search.advance(0, adv)
    state = state.play(adv)
    reply = 0 if state.is_legal(0) else int(state.legal_actions()[0])
    search.advance(0, reply)
    state = state.play(reply)
    kept = search.tree.visits[0, ROOT]
    assert search.tree.to_play[0, ROOT] == 1
    again = search.search(roots_from([state]), visits=kept + 50)
    assert again.visit_counts[0].sum() == kept + 49
