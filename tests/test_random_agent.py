"""``RandomAgent``: one Numba call per batch draws a uniform legal move (pass included) in every listed game."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from advgo import engine
from advgo.agents import RandomAgent
from advgo.game import GameState
from advgo.rules import Rules


def _positions(size, seed, count):
    """``count`` games of random length from ``seed`` in one buffer, and their GameStates."""
    rng = np.random.default_rng(seed)
    boards = engine.new_boards(count, size, 4 * size * size + 2)
    states = []
    for i in range(count):
        state = GameState.new(size, Rules.tromp_taylor())
        for _ in range(int(rng.integers(0, 3 * size * size))):
            legal = state.legal_actions()
            if state.is_over:
                break
            state = state.play(int(rng.choice(legal[:-1] if len(legal) > 1 else legal)))
        engine.copy_game(state.engine_boards, 0, boards, i)
        states.append(state)
    return boards, states


@given(size=st.integers(2, 9), seed=st.integers(0, 2**31 - 1))
def test_moves_are_legal(size, seed):
    boards, states = _positions(size, seed, 6)
    agent = RandomAgent(seed=seed)
    agent.start(size, Rules.tromp_taylor(), 6)
    live = np.array([i for i, s in enumerate(states) if not s.is_over], np.int64)
    for _ in range(5):
        moves = agent.select(boards, live)
        for i, move in zip(live, moves):
            assert states[i].is_legal(int(move)), (i, move)


def test_uniform_over_the_legal_moves():
    boards, states = _positions(5, 3, 1)
    legal = states[0].legal_actions()
    assert 3 <= len(legal) < 26
    agent = RandomAgent(seed=0)
    agent.start(5, Rules.tromp_taylor(), 1)
    draws = 400 * len(legal)
    games = np.zeros(draws, np.int64)  # the same game listed many times: one call, many draws
    counts = np.bincount(agent.select(boards, games), minlength=26)
    assert set(np.flatnonzero(counts)) == set(legal.tolist())
    expected = draws / len(legal)
    chi2 = float((((counts[legal] - expected) ** 2) / expected).sum())
    assert chi2 < 3 * len(legal) + 30, chi2  # far above the ~len(legal) a uniform draw gives


def test_seeding_repeats_and_reseed_restarts():
    boards, _ = _positions(9, 1, 4)
    games = np.arange(4, dtype=np.int64)
    a, b = RandomAgent(seed=5), RandomAgent(seed=5)
    for agent in (a, b):
        agent.start(9, Rules.tromp_taylor(), 4)
    first = a.select(boards, games)
    np.testing.assert_array_equal(first, b.select(boards, games))
    a.select(boards, games)
    a.reseed(5)
    np.testing.assert_array_equal(a.select(boards, games), first)
