"""Batched MCTS with fake evaluators: priors, values, terminals, sign conventions, noise, subtree reuse."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advgo import GameState, Rules, engine
from advgo.search import BatchedMCTS, FunctionEvaluator, SearchConfig, UniformEvaluator, choose_moves
from advgo.search.tree import EXPANDED, ILLEGAL, NO_CHILD, NO_PARENT, ROOT

RULES = Rules.tromp_taylor()


def roots_from(states):
    """A Boards batch holding copies of the given GameStates."""
    size = states[0].size
    history = max(s.engine_boards.history.shape[1] for s in states)
    boards = engine.new_boards(len(states), size, history)
    for j, s in enumerate(states):
        engine.copy_game(s.engine_boards, 0, boards, j)
    return boards


def mcts(evaluator, size, batch, visits, **cfg):
    return BatchedMCTS(evaluator, size, batch, RULES.codes(engine.NO_CAP), SearchConfig(visits=visits, **cfg))


def test_visits_follow_priors_when_values_are_flat():
    size = 3
    prior = np.full(10, 0.01, np.float32)
    prior[4] = 0.6  # the centre
    prior[0] = 0.3
    ev = FunctionEvaluator(lambda leaves, j: (prior, 0.0))
    search = mcts(ev, size, 1, 400)
    counts = search.search(roots_from([GameState.new(size)])).visit_counts[0]
    assert counts.sum() == 399
    assert counts[4] > counts[0] > counts[1]
    assert counts[4] / counts.sum() == pytest.approx(0.6, abs=0.15)


def test_search_finds_the_move_the_values_favour():
    """Uniform priors; the position after black plays action 7 is worth +1 to black, all others -1."""
    size = 3

    def fn(leaves, j):
        n = leaves.move_count[j]
        value = 0.0
        if n == 1:  # white to move after black's move: value for white
            value = -1.0 if leaves.moves[j, 0] == 7 else 1.0
        return np.full(10, 0.1, np.float32), value

    counts = mcts(FunctionEvaluator(fn), size, 1, 200).search(roots_from([GameState.new(size)])).visit_counts[0]
    assert counts.argmax() == 7
    assert counts[7] > 0.5 * counts.sum()


@pytest.mark.parametrize("to_play", [1, -1])
def test_terminal_pass_is_taken_when_it_wins_and_avoided_when_it_loses(to_play):
    """The opponent just passed; passing again ends the game. The player to move leads by komi or trails."""
    size = 3
    state = GameState.setup(size, RULES, to_play=-to_play).play(9)  # opponent passes
    assert state.to_play == to_play
    winning_side = 1 if state.score() > 0 else -1  # empty board: white wins by komi
    ev = UniformEvaluator(0.0)
    counts = mcts(ev, size, 1, 300).search(roots_from([state])).visit_counts[0]
    if winning_side == to_play:
        assert counts.argmax() == 9 and counts[9] > 0.5 * counts.sum()
    else:
        assert counts[9] < 0.1 * counts.sum()


def _after_opponent_pass(size, to_play, lead):
    """A position where the opponent has just passed and the player to move leads (or trails) on the board."""
    state = GameState.setup(size, RULES, black=[0] if lead == (to_play == 1) else [],
                            white=[0] if lead != (to_play == 1) else [], to_play=-to_play).play(size * size)
    assert state.to_play == to_play and (state.score() > 0) == (lead == (to_play == 1))
    return state


@given(to_play=st.sampled_from([1, -1]), lead=st.booleans(), pass_prior=st.floats(1e-6, 0.02),
       value=st.floats(-0.9, 0.9), visits=st.sampled_from([2, 8, 32]))
@settings(max_examples=40, deadline=None)
def test_game_ending_pass_is_valued_by_its_result_whatever_its_prior(to_play, lead, pass_prior, value, visits):
    """The net all but rules the pass out and values every position alike: the winning pass is still found at
    2 visits and more, and the losing one is never searched (the known result, not first-play urgency)."""
    size = 5
    state = _after_opponent_pass(size, to_play, lead)
    prior = np.full(size * size + 1, (1 - pass_prior) / (size * size), np.float32)
    prior[-1] = pass_prior
    ev = FunctionEvaluator(lambda leaves, j: (prior, value))
    result = mcts(ev, size, 1, visits).search(roots_from([state]))
    counts = result.visit_counts[0]
    if lead:
        assert counts.argmax() == size * size and result.root_value[0] > 0
    else:
        assert counts[-1] == 0


def test_game_ending_pass_blindness_when_switched_off():
    """``terminal_pass=False`` is plain PUCT: a winning pass with a tiny prior gets no visit in 32."""
    size = 5
    state = _after_opponent_pass(size, 1, True)
    prior = np.full(size * size + 1, 0.999 / (size * size), np.float32)
    prior[-1] = 0.001
    ev = FunctionEvaluator(lambda leaves, j: (prior, -0.5))
    counts = mcts(ev, size, 1, 32, terminal_pass=False).search(roots_from([state])).visit_counts[0]
    assert counts[-1] == 0
    counts = mcts(ev, size, 1, 32).search(roots_from([state])).visit_counts[0]
    assert counts.argmax() == size * size


@given(to_play=st.sampled_from([1, -1]), lead=st.booleans(), value=st.floats(-0.9, 0.9), floor=st.booleans())
@settings(max_examples=40, deadline=None)
def test_pass_floor_values_a_move_answered_by_a_game_ending_pass_at_its_first_visit(to_play, lead, value, floor):
    """The root player passes (its only move with prior mass); the opponent may then end the game by passing back.
    With ``pass_floor`` that first visit already backs up the opponent's known result where it beats the net's
    guess (the opponent leads on the board: a certain loss for the root player); without it, the net's guess."""
    size = 5
    state = GameState.setup(size, RULES, black=[0] if lead == (to_play == 1) else [],
                            white=[0] if lead != (to_play == 1) else [], to_play=to_play)
    prior = np.zeros(size * size + 1, np.float32)
    prior[-1] = 1.0
    search = mcts(FunctionEvaluator(lambda leaves, j: (prior, value)), size, 1, 2, pass_floor=floor)
    search.search(roots_from([state]))
    tree = search.tree
    child = tree.child[0, ROOT, size * size]
    assert tree.visits[0, child] == 1
    opponent_by_passing = -1.0 if lead else 1.0  # the opponent's result if it passes back: the board as it stands
    expected = -max(value, opponent_by_passing) if floor else -value
    assert tree.value_sum[0, child] == pytest.approx(expected, abs=1e-6)


def test_pass_floor_needs_terminal_pass():
    with pytest.raises(ValueError, match="terminal_pass"):
        SearchConfig(pass_floor=True, terminal_pass=False)


def test_value_signs_for_both_colours_in_one_batch():
    """Same evaluator, black and white to move: the root value is reported for the player to move."""
    size = 5
    black = GameState.new(size)
    white = black.play(12)

    def fn(leaves, j):  # black is winning everywhere: +0.5 for black
        return np.full(26, 1 / 26, np.float32), 0.5 * leaves.to_play[j]

    result = mcts(FunctionEvaluator(fn), size, 2, 50).search(roots_from([black, white]))
    assert result.root_value[0] == pytest.approx(0.5, abs=1e-5)
    assert result.root_value[1] == pytest.approx(-0.5, abs=1e-5)


def test_noise_only_at_the_root():
    size = 5
    search = mcts(UniformEvaluator(), size, 1, 80)
    search.search(roots_from([GameState.new(size)]), rng=np.random.default_rng(0), noise=True)
    tree = search.tree
    root_prior = tree.prior[0, ROOT]
    assert root_prior[root_prior != ILLEGAL].std() > 1e-3  # the noise made the uniform priors uneven
    for node in range(1, tree.node_count[0]):
        if tree.status[0, node] == EXPANDED:
            p = tree.prior[0, node]
            legal = p[p != ILLEGAL]
            np.testing.assert_allclose(legal, 1.0 / len(legal), rtol=1e-5)


def test_illegal_moves_get_no_visits():
    size = 3
    state = GameState.new(size)
    for a in (0, 4, 1, 8):  # play a few stones so some points are occupied
        state = state.play(a)
    counts = mcts(UniformEvaluator(), size, 1, 200).search(roots_from([state])).visit_counts[0]
    legal = state.legal_mask()
    assert counts[~legal].sum() == 0
    assert (counts[legal] > 0).all()


def test_inactive_games_and_per_game_visits():
    size = 5
    search = mcts(UniformEvaluator(), size, 3, 40)
    roots = roots_from([GameState.new(size)] * 3)
    result = search.search(roots, active=[True, False, True], visits=np.array([10, 30, 30]))
    assert result.visit_counts.sum(axis=1).tolist() == [9, 0, 29]
    assert result.playouts == 40


def _subtree_stats(tree, b, node):
    """(to_play, visits, value_sum, {action: subtree}) recursively: a tree's shape and statistics."""
    children = {}
    for a in np.flatnonzero(tree.child[b, node] != NO_CHILD):
        children[int(a)] = _subtree_stats(tree, b, tree.child[b, node, a])
    return (int(tree.to_play[b, node]), int(tree.visits[b, node]), round(float(tree.value_sum[b, node]), 4),
            children)


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000), visits=st.integers(2, 60))
def test_reroot_keeps_exactly_the_subtree(seed, visits):
    rng = np.random.default_rng(seed)
    size = 3
    prior = rng.dirichlet(np.ones(10)).astype(np.float32)
    values = {}

    def fn(leaves, j):  # values depend on the position, so the tree is uneven
        key = int(leaves.board_hash[j])
        values.setdefault(key, float(rng.uniform(-1, 1)))
        return prior, values[key]

    search = mcts(FunctionEvaluator(fn), size, 1, visits)
    search.search(roots_from([GameState.new(size)]))
    tree = search.tree
    action = int(rng.choice(np.flatnonzero(tree.child[0, ROOT] != NO_CHILD)))
    before = _subtree_stats(tree, 0, tree.child[0, ROOT, action])
    search.advance(0, action)
    if tree.status[0, ROOT] == EXPANDED:
        assert _subtree_stats(tree, 0, ROOT) == before
        assert tree.parent[0, ROOT] == NO_PARENT
        n = tree.node_count[0]
        assert (tree.parent[0, 1:n] < np.arange(1, n)).all()  # parents before children
    else:
        assert tree.node_count[0] == 1


def test_a_whole_game_with_reuse_and_noise_stays_consistent():
    """Self-play a 5x5 game with subtree reuse: every search starts from the played child's visits."""
    size = 5
    rng = np.random.default_rng(1)
    search = mcts(UniformEvaluator(), size, 1, 32)
    state = GameState.new(size, max_moves=60)
    while not state.is_over:
        result = search.search(roots_from([state]), rng=rng, noise=True)
        assert result.visit_counts[0].sum() >= 31
        move = int(choose_moves(result.visit_counts, 1.0, rng)[0])
        state = state.play(move)
        search.advance(0, move)
    assert state.end_reason in ("two_passes", "move_cap")


def test_stale_tree_is_an_error():
    size = 3
    search = mcts(UniformEvaluator(), size, 1, 10)
    search.search(roots_from([GameState.new(size)]))
    with pytest.raises(RuntimeError, match="advance or reset"):
        search.search(roots_from([GameState.new(size).play(0)]))  # white to move, tree rooted at black


def test_choose_moves():
    rng = np.random.default_rng(0)
    counts = np.array([[0, 5, 5, 1], [10, 0, 0, 0]])
    picks = {int(choose_moves(counts, 0.0, rng)[0]) for _ in range(50)}
    assert picks == {1, 2}  # argmax, ties at random
    sampled = [int(choose_moves(counts[:1], 1.0, rng)[0]) for _ in range(2000)]
    assert 0 not in sampled and np.mean(np.array(sampled) == 3) == pytest.approx(1 / 11, abs=0.03)
    with pytest.raises(ValueError):
        choose_moves(np.zeros((1, 4)), 1.0, rng)


def test_too_many_visits_is_a_clear_error():
    search = mcts(UniformEvaluator(), 3, 1, 10)
    with pytest.raises(ValueError, match="max_visits"):
        search.search(roots_from([GameState.new(3)]), visits=100)
