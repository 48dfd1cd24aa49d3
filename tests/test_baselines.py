"""The paper's baseline attacks (``advgo.agents.baselines``) against a slow, obvious oracle written from their
definitions, the passing rule against ``GameState`` scoring, their specs, and matches end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo import engine
from advgo.agent_registry import make_agent
from advgo.agents import select_move
from advgo.agents.baselines import POLICIES, BaselineAgent, geometry, spiral_move
from advgo.agentspec import (
    AGENT_FORMS,
    BASELINE_POLICIES,
    AgentSpecError,
    parse_agent_spec,
)
from advgo.eval.arena import play_match
from advgo.game import GameState
from advgo.rules import Rules

KOMIS = [-10.5, 0.0, 0.5, 7.5, 20.0]  # 0.0 allows draws, which are not wins: no pass


# ------------------------------------------------------------------ the oracle
def ring(size: int, action: int) -> int:
    row, col = divmod(action, size)
    c = size // 2
    return max(abs(col - c), abs(row - c))


def angle(size: int, action: int) -> float:
    row, col = divmod(action, size)
    c = size // 2
    return math.atan2(row - c, col - c)  # x = column, y = row (row 0 at the top)


def passing_rule_says_pass(state: GameState, limit: int) -> bool:
    moves = state.moves
    if not moves or moves[-1] != state.pass_action:
        return False
    if len(moves) > limit:
        return True
    after = state.play(state.pass_action)  # passing ends the game: do we win it?
    assert after.is_over
    return after.winner == state.to_play


def oracle(state: GameState, policy: str, limit: int) -> set[int]:
    """Every move the baseline may play in ``state`` (one for the deterministic policies)."""
    n, pass_ = state.size, state.pass_action
    if passing_rule_says_pass(state, limit):
        return {pass_}
    points = [int(a) for a in state.legal_actions() if a != pass_]
    if policy == "pass" or not points:
        return {pass_}
    if policy == "random":
        return set(points)
    outer = max(ring(n, a) for a in points)
    on_ring = [a for a in points if ring(n, a) == outer]
    if policy == "edge":
        return set(on_ring)
    if policy == "spiral":
        return {max(on_ring, key=lambda a: angle(n, a))}
    last = state.moves[-1] if state.moves else None
    if last is None:
        target = (n // 2, n // 2)
    elif last == pass_:
        target = (n, n)
    else:
        target = (n - 1 - last // n, n - 1 - last % n)  # (row, col) reflected through the centre
    return {min(points, key=lambda a: (abs(a // n - target[0]) + abs(a % n - target[1]), a))}


def positions(size: int, seed: int, count: int, komi: float):
    """``count`` unfinished games of random length (passes now and then) in one buffer, and their GameStates."""
    rng = np.random.default_rng(seed)
    rules = Rules.tromp_taylor(komi)
    boards = engine.new_boards(count, size, 4 * size * size + 2)
    states = []
    pass_chance = rng.choice([0.0, 0.2, 0.5])
    for i in range(count):
        state = GameState.new(size, rules)
        for _ in range(int(rng.integers(0, 3 * size * size))):
            legal = state.legal_actions()
            points = legal[:-1]
            last_passed = state.moves and state.moves[-1] == state.pass_action
            if points.size and (last_passed or rng.random() >= pass_chance):
                state = state.play(int(rng.choice(points)))
            elif not last_passed:
                state = state.play(state.pass_action)
            else:
                break  # a second pass would end the game
        engine.copy_game(state.engine_boards, 0, boards, i)
        states.append(state)
    return rules, boards, states


# ------------------------------------------------------------------ properties
@given(policy=st.sampled_from(BASELINE_POLICIES), size=st.integers(2, 9), seed=st.integers(0, 2**31 - 1),
       komi=st.sampled_from(KOMIS), limit=st.none() | st.integers(0, 200))
def test_every_move_is_one_the_definition_allows(policy, size, seed, komi, limit):
    rules, boards, states = positions(size, seed, 6, komi)
    agent = BaselineAgent(policy, seed=seed, moves_before_pass=limit)
    agent.start(size, rules, 6)
    games = np.random.default_rng(seed).permutation(6)  # any order of games, one call
    moves = agent.select(boards, games)
    for g, move in zip(games, moves):
        state = states[g]
        assert state.is_legal(int(move))
        allowed = oracle(state, policy, 2 * size * size if limit is None else limit)
        assert int(move) in allowed, (policy, g, int(move), allowed)
        last = state.moves[-1] if state.moves else None
        if policy == "mirror" and last is not None and last != state.pass_action:
            mirrored = size * size - 1 - last  # (N-1-row, N-1-col)
            if state.is_legal(mirrored):
                assert move == mirrored


@given(size=st.integers(2, 9), seed=st.integers(0, 2**31 - 1), komi=st.sampled_from(KOMIS),
       limit=st.integers(0, 120))
def test_after_a_pass_it_passes_exactly_when_that_wins_or_the_game_is_long(size, seed, komi, limit):
    rules, boards, states = positions(size, seed, 8, komi)
    agent = BaselineAgent("random", seed=seed, moves_before_pass=limit)
    agent.start(size, rules, 8)
    moves = agent.select(boards, np.arange(8))
    for state, move in zip(states, moves):
        if not state.moves or state.moves[-1] != state.pass_action or state.legal_actions().size == 1:
            assert move != state.pass_action or state.legal_actions().size == 1  # random passes only when stuck
            continue
        score = state.score()
        wins = score > 0 if state.to_play == engine.BLACK else score < 0
        assert (move == state.pass_action) == (wins or state.move_number > limit)


@given(size=st.integers(2, 19))
def test_spiral_walks_each_ring_by_falling_angle_then_the_next_ring_in(size):
    geo = geometry(size)
    legal = np.ones(size * size, np.bool_)
    walk = []
    for _ in range(size * size):
        walk.append(spiral_move(legal, geo, None, -1))
        legal[walk[-1]] = False
    assert spiral_move(legal, geo, None, -1) == size * size  # nothing left: pass
    assert walk == sorted(range(size * size), key=lambda a: (-ring(size, a), -angle(size, a)))


@pytest.mark.parametrize("size", [5, 8, 9])
def test_spiral_against_a_passing_opponent_walks_the_edge(size):
    """Black plays spiral, white always passes; komi so high that passing never wins black the game."""
    rules = Rules.tromp_taylor(150.0)  # the bound; more than any 9x9 area
    spiral, passer = make_agent("baseline:spiral", rules=rules), make_agent("baseline:pass", rules=rules)
    outer = sorted((a for a in range(size * size) if ring(size, a) == size // 2), key=lambda a: -angle(size, a))
    state, played = GameState.new(size, rules), []
    for _ in outer:
        played.append(select_move(spiral, state))
        state = state.play(played[-1])
        state = state.play(select_move(passer, state))
    assert played == outer
    c = size // 2
    assert played[0] == c * size  # left of the centre: angle pi


def test_mirror_opens_in_the_centre_and_answers_a_pass_in_the_far_corner():
    mirror = make_agent("baseline:mirror")
    assert select_move(mirror, GameState.new(9)) == 4 * 9 + 4
    # black passed; white is behind (komi -7.5), so it plays towards (N, N): the bottom-right corner
    state = GameState.new(5, Rules.tromp_taylor(-7.5)).play(25)
    assert select_move(mirror, state) == 24
    # with the usual komi, passing back wins white the game: it passes
    assert select_move(mirror, GameState.new(5).play(25)) == 25


def test_edge_and_random_draw_every_allowed_point():
    rules, boards, states = positions(7, 11, 1, 7.5)
    for policy in ("edge", "random"):
        allowed = oracle(states[0], policy, 98)
        assert len(allowed) >= 3
        agent = BaselineAgent(policy, seed=1)
        agent.start(7, rules, 1)
        draws = agent.select(boards, np.zeros(60 * len(allowed), np.int64))
        assert set(draws.tolist()) == allowed


def test_seeding_repeats_and_reseed_restarts():
    rules, boards, _ = positions(9, 2, 4, 7.5)
    games = np.arange(4)
    a, b = make_agent("baseline:edge", seed=5), BaselineAgent("edge", seed=5)
    for agent in (a, b):
        agent.start(9, rules, 4)
    first = a.select(boards, games)
    np.testing.assert_array_equal(first, b.select(boards, games))
    a.select(boards, games)
    assert a.reseed(5)
    np.testing.assert_array_equal(a.select(boards, games), first)
    spec_seed = make_agent("baseline:edge:seed=5", seed=99)  # the spec's seed wins over make_agent's
    spec_seed.start(9, rules, 4)
    np.testing.assert_array_equal(spec_seed.select(boards, games), first)


# ------------------------------------------------------------------ specs and the registry
def test_specs_parse_and_build():
    spec = parse_agent_spec("baseline:Spiral:moves_before_pass=9:seed=3")
    assert spec.kind == "baseline" and spec.target == "spiral"
    assert spec.get("moves_before_pass") == 9 and spec.get("seed") == 3
    assert parse_agent_spec(spec.text) == spec
    assert tuple(POLICIES) == BASELINE_POLICIES  # the spec's names are the agent's policies
    for policy in BASELINE_POLICIES:
        agent = make_agent(f"baseline:{policy}")
        assert isinstance(agent, BaselineAgent) and agent.policy == policy
        assert agent.name == agent.agent_spec == f"baseline:{policy}" and agent.board_size is None
    agent = make_agent("baseline:edge:moves_before_pass=9")
    agent.start(9, Rules.tromp_taylor(), 1)
    assert agent.limit == 9
    agent = make_agent("baseline:edge")
    agent.start(9, Rules.tromp_taylor(), 1)
    assert agent.limit == 2 * 81


@pytest.mark.parametrize("bad, why", [
    ("baseline:foo", "one of pass, edge, random, spiral, mirror, got 'foo'"),
    ("baseline", "one of pass, edge, random, spiral, mirror, got ''"),
    ("baseline:edge:visits=3", "no parameter 'visits'"),
    ("baseline:edge:seed=x", "not an integer"),
])
def test_bad_baseline_specs_say_why(bad, why):
    with pytest.raises(AgentSpecError, match=why) as err:
        parse_agent_spec(bad)
    assert all(form in str(err.value) for form in AGENT_FORMS)


def test_a_negative_moves_before_pass_is_refused():
    with pytest.raises(ValueError, match="moves_before_pass must be at least 0"):
        make_agent("baseline:edge:moves_before_pass=-1")


# ------------------------------------------------------------------ matches
def test_mirror_against_edge_plays_whole_games():
    rules = Rules.tromp_taylor()
    result = play_match(make_agent("baseline:mirror"), make_agent("baseline:edge", seed=1), 5, 4, rules,
                        max_moves=40, slots=2)
    assert result.games == 4 and result.voided == 0
    assert result.a_black == [True, False, True, False]
    assert all(0 < length <= 40 for length in result.lengths)


def test_edge_beats_a_passer_by_passing_back():
    """The passing rule ends each game at once: black edge plays, white passes, edge passes (its stone owns the
    board); white edge answers black's opening pass with a pass (komi wins)."""
    result = play_match(make_agent("baseline:edge"), make_agent("baseline:pass"), 5, 2)
    assert result.wins == 2 and result.lengths == [3, 2]
    assert result.margins == [25 - 7.5, 7.5]
