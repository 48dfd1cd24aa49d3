"""Benson's pass-alive chains and territory: board fixtures, and a property: X passing forever loses none of them."""

import numpy as np
import pytest
from conftest import parse_board
from hypothesis import given
from hypothesis import strategies as st

from advgo import GameState, Rules
from advgo.passalive import benson, pass_alive_territory


def board_of(text):
    size, black, white = parse_board(text)
    board = np.zeros(size * size, np.int8)
    board[list(black)] = 1
    board[list(white)] = -1
    return board.reshape(size, size)


TWO_EYES = """
    . X . X O
    X X X X O
    O O O O O
    . . . . .
    . . . . .
"""


def test_opponent_stones_that_suicide_could_remove_spoil_a_region_when_suicide_is_legal():
    """White's D-file stones can remove themselves by multi-stone suicide, leaving D1 far from black's chain."""
    board = board_of("""
        . X X O
        . X X .
        X X X O
        X X O O
    """)
    assert not benson(board, 1, suicide=True)[0].any()
    assert benson(board, 1, suicide=False)[0].sum() == 9


def test_two_eyed_corner_group_is_pass_alive_with_its_eyes_as_territory():
    board = board_of(TWO_EYES)
    stones, territory = benson(board, 1)
    assert stones[:2, :4].sum() == 6 and stones[0, 1] and not stones[2].any()
    assert territory[0, 0] and territory[0, 2]
    assert territory.sum() == 2
    assert not benson(board, -1)[0].any()  # white's wall has no eyes at all


def test_one_eye_is_not_enough():
    board = board_of("""
        . X X X O
        X X X X O
        O O O O O
        . . . . .
        . . . . .
    """)
    stones, territory = benson(board, 1)
    assert not stones.any() and not territory.any()


def test_big_region_is_not_territory():
    """A region with an empty point that is not a liberty of the surrounding chain could hold a living group."""
    board = board_of("""
        . . . X . X
        . . . X X X
        . . . X . X
        X X X X X X
        . X . X . .
        X X X X . .
    """)
    stones, territory = benson(board, 1)
    assert territory[0, 4] and territory[2, 4] and territory[4, 0] and territory[4, 2]
    assert not territory[0, 0] and not territory[1, 1]  # the 3x3 corner region is too big
    assert not territory[4, 5]


def test_empty_board_and_argument_errors():
    assert not pass_alive_territory(np.zeros((9, 9), np.int8), 1).any()
    with pytest.raises(ValueError, match="square"):
        benson(np.zeros((3, 4), np.int8), 1)
    with pytest.raises(ValueError, match="color"):
        benson(np.zeros((3, 3), np.int8), 0)


def random_position(size, seed, moves, rules):
    rng = np.random.default_rng(seed)
    state = GameState.new(size, rules)
    for _ in range(moves):
        legal = state.legal_actions()
        legal = legal[legal != state.pass_action] if len(legal) > 1 else legal
        if state.is_over or len(legal) == 0:
            break
        state = state.play(int(rng.choice(legal)))
    return state


@pytest.mark.parametrize("rules", [Rules.tromp_taylor(), Rules.chinese()], ids=["tromp-taylor", "chinese"])
@given(size=st.sampled_from([4, 5, 6]), seed=st.integers(0, 10**6), length=st.integers(20, 80),
       attack_seed=st.integers(0, 10**6))
def test_pass_alive_stones_survive_any_attack_while_their_owner_passes(rules, size, seed, length, attack_seed):
    """The opponent plays random legal moves (multi-stone suicide too, where legal) against a passing owner."""
    state = random_position(size, seed, length, rules)
    if state.is_over:
        return
    owner = state.to_play
    stones, _ = benson(state.board, owner, rules.suicide)
    rng = np.random.default_rng(attack_seed)
    for _ in range(3 * size * size):
        state = state.play(state.pass_action)  # the owner passes
        if state.is_over:
            break
        legal = [a for a in state.legal_actions() if a != state.pass_action]
        if not legal:
            break
        state = state.play(int(rng.choice(legal)))
        assert (state.board[stones] == owner).all()
