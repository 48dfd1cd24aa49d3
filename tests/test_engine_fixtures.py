"""Hand-made positions with known answers, checked on advgo's GameState AND on the reference Go.

Every test takes the ``go`` fixture, which runs it once per implementation: the reference
(``tests/reference_go.py``) must pass these before it may judge the engine. Boards are ASCII
(X black, O white, . empty, row 0 on top) and points are written (row, col).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import parse_board
from reference_go import ReferenceState

pytestmark = pytest.mark.engine

PASS = "pass"
KO_AND_SUICIDE = {
    "tromp-taylor": dict(ko="positional", suicide=True),
    "chinese": dict(ko="positional", suicide=False),
    "simple": dict(ko="simple", suicide=True),
    "situational": dict(ko="situational", suicide=True),
}
ALL_RULES = list(KO_AND_SUICIDE)


class Impl:
    """Builds games of one implementation from ASCII boards and rule names."""

    def __init__(self, state_cls, make_rules):
        self.state_cls = state_cls
        self.make_rules = make_rules

    def setup(self, text, rules="tromp-taylor", komi=7.5, to_play=1, max_moves=None):
        size, black, white = parse_board(text)
        return self.state_cls.setup(size=size, rules=self.make_rules(rules, komi), black=black,
                                    white=white, to_play=to_play, max_moves=max_moves)

    def new(self, size, rules="tromp-taylor", komi=7.5, max_moves=None):
        return self.state_cls.new(size=size, rules=self.make_rules(rules, komi), max_moves=max_moves)


def _engine_rules(name, komi):
    from advgo import Rules

    if name in ("tromp-taylor", "chinese"):
        return Rules.from_name(name, komi=komi)
    return Rules(komi=komi, name="custom", **KO_AND_SUICIDE[name])


@pytest.fixture(params=["reference", "engine"])
def go(request):
    if request.param == "reference":
        return Impl(ReferenceState, lambda name, komi: SimpleNamespace(komi=komi, **KO_AND_SUICIDE[name]))
    from advgo import GameState

    return Impl(GameState, _engine_rules)


def action(state, point):
    return state.pass_action if point == PASS else point[0] * state.size + point[1]


def play(state, *points):
    for point in points:
        state = state.play(action(state, point))
    return state


def reason(state, point):
    return state.illegal_reason(action(state, point))


def assert_board(state, text):
    size, black, white = parse_board(text)
    expected = np.zeros(size * size, np.int8)
    expected[list(black)] = 1
    expected[list(white)] = -1
    np.testing.assert_array_equal(state.board, expected.reshape(size, size))


def illegal_reason_of(excinfo):
    return excinfo.value.reason


# ---------------------------------------------------------------- ko
KO = """
    . X O .
    X O . O
    . X O .
    . . . .
"""


@pytest.mark.parametrize("rules", ALL_RULES)
def test_simple_ko_retake_forbidden_until_a_threat_is_answered(go, rules):
    state = play(go.setup(KO, rules), (1, 2))  # black takes the ko
    assert_board(state, """
        . X O .
        X . X O
        . X O .
        . . . .
    """)
    assert state.captures == (1, 0)
    assert reason(state, (1, 1)) == "ko"
    assert not state.legal_mask()[action(state, (1, 1))]
    with pytest.raises(ValueError) as excinfo:
        state.play(action(state, (1, 1)))
    assert illegal_reason_of(excinfo) == "ko"
    state = play(state, (3, 3), (3, 2))  # white threatens elsewhere, black answers
    assert reason(state, (1, 1)) is None
    state = play(state, (1, 1))  # white retakes
    assert state.captures == (1, 1)
    assert reason(state, (1, 2)) == "ko"  # and now black may not retake at once


@pytest.mark.parametrize("rules", ALL_RULES)
def test_snapback_is_not_ko(go, rules):
    state = go.setup("""
        . . . .
        X X X X
        O O O X
        . . O X
    """, rules)
    state = play(state, (3, 1))  # black throws in a stone in self-atari
    state = play(state, (3, 0))  # white captures it...
    assert state.captures == (0, 1)
    assert reason(state, (3, 1)) is None  # ...and black takes back five stones: not a ko
    state = play(state, (3, 1))
    assert state.captures == (5, 1)
    assert_board(state, """
        . . . .
        X X X X
        . . . X
        . X . X
    """)


# ---------------------------------------------------------------- superko
DOUBLE_KO = """
    X O . O .
    X X O O .
    . . . . .
    O O X X .
    O X . X .
"""


@pytest.mark.parametrize("rules, expected", [
    ("tromp-taylor", "superko"), ("chinese", "superko"), ("simple", None), ("situational", None)])
def test_double_ko_with_a_pass_repeats_the_first_board(go, rules, expected):
    """Black takes ko 1, white takes ko 2, black passes, white retakes ko 1: black retaking ko 2
    recreates the initial board (with white to move, unlike at the start)."""
    state = play(go.setup(DOUBLE_KO, rules), (0, 2), (4, 2), PASS, (0, 1))
    assert reason(state, (4, 1)) == expected
    assert state.legal_mask()[action(state, (4, 1))] == (expected is None)
    if expected is None:
        state = play(state, (4, 1))
        assert_board(state, DOUBLE_KO)
        assert state.captures == (2, 2)


SUICIDE_CORNER = """
    . . . .
    . . . .
    O O . .
    . . O .
"""


@pytest.mark.parametrize("rules, expected", [
    ("tromp-taylor", "superko"), ("chinese", "suicide"), ("simple", None), ("situational", None)])
def test_suicide_back_to_an_earlier_board(go, rules, expected):
    """Black plays (3, 0), white passes; black's two-stone suicide at (3, 1) recreates the first board."""
    state = play(go.setup(SUICIDE_CORNER, rules), (3, 0), PASS)
    assert reason(state, (3, 1)) == expected


@pytest.mark.parametrize("rules, expected", [("situational", "superko"), ("simple", None)])
def test_situational_superko_counts_positions_after_passes(go, rules, expected):
    """After the suicide and a white pass the first position is back with black to move; replaying
    (3, 0) would recreate the board that followed black's first move, again with white to move."""
    state = play(go.setup(SUICIDE_CORNER, rules), (3, 0), PASS, (3, 1), PASS)
    assert_board(state, SUICIDE_CORNER)
    assert reason(state, (3, 0)) == expected


# ---------------------------------------------------------------- suicide
def test_multi_stone_suicide_is_legal_under_tromp_taylor(go):
    state = play(go.setup(SUICIDE_CORNER, "tromp-taylor"), (3, 0), (0, 3))
    assert reason(state, (3, 1)) is None
    state = play(state, (3, 1))
    assert_board(state, """
        . . . O
        . . . .
        O O . .
        . . O .
    """)
    assert state.captures == (0, 2)  # suicided stones count for the opponent
    assert state.to_play == -1


def test_multi_stone_suicide_is_illegal_under_chinese_rules(go):
    state = play(go.setup(SUICIDE_CORNER, "chinese"), (3, 0), (0, 3))
    assert not state.is_legal(action(state, (3, 1)))
    with pytest.raises(ValueError) as excinfo:
        play(state, (3, 1))
    assert illegal_reason_of(excinfo) == "suicide"


@pytest.mark.parametrize("rules", ALL_RULES)
def test_single_stone_suicide_is_never_legal(go, rules):
    state = go.setup("""
        . O .
        O . .
        . . .
    """, rules)
    assert reason(state, (0, 0)) == "suicide"
    assert not state.legal_mask()[0]


@pytest.mark.parametrize("rules", ALL_RULES)
def test_a_move_that_captures_is_not_suicide(go, rules):
    state = go.setup("""
        . O X
        O X .
        X . .
    """, rules)
    state = play(state, (0, 0))  # black has no liberty of its own but captures the two white stones
    assert state.captures == (2, 0)
    assert_board(state, """
        X . X
        . X .
        X . .
    """)


# ---------------------------------------------------------------- captures at the edge
@pytest.mark.parametrize("rules", ALL_RULES)
def test_corner_and_edge_captures(go, rules):
    state = go.setup("""
        O X . O X
        . . X O X
        . . . X .
        . . . . .
        . . . . .
    """, rules)
    state = play(state, (1, 0))  # corner capture of one stone
    assert state.captures == (1, 0)
    state = play(state, PASS, (0, 2))  # edge capture of a two-stone chain
    assert state.captures == (3, 0)
    assert_board(state, """
        . X X . X
        X . X . X
        . . . X .
        . . . . .
        . . . . .
    """)


# ---------------------------------------------------------------- scoring
@pytest.mark.parametrize("text, komi, expected", [
    # seki: (2, 2) is both groups' last outside liberty; neither side can fill it
    ("""
        . X X O .
        X X X O O
        X X . O O
        X X X O O
        X X X O O
    """, 7.5, 14 - 10 - 7.5),
    # dame: the middle column touches both colours
    ("""
        X X . O O
        X X . O O
        X X . O O
        X X . O O
        X X . O O
    """, 7.5, -7.5),
    # territory: black owns the two left columns; the column between the walls is dame
    ("""
        . . X . O
        . . X . O
        . . X . O
        . . X . O
        . . X . O
    """, 0.5, 15 - 5 - 0.5),
])
def test_area_score(go, text, komi, expected):
    state = go.setup(text, komi=komi)
    assert state.score() == pytest.approx(expected)
    assert state.winner == np.sign(expected)
    state = play(state, PASS, PASS)
    assert state.is_over and state.end_reason == "two_passes"
    assert state.score() == pytest.approx(expected)


def test_seki_points_cannot_be_taken(go):
    state = go.setup("""
        . X X O .
        X X X O O
        X X . O O
        X X X O O
        X X X O O
    """, "chinese")
    assert reason(state, (0, 4)) == "suicide"  # black in white's eye: single-stone suicide
    assert reason(state, (2, 2)) is None  # self-atari is legal...
    state = play(state, (2, 2), (0, 0))  # ...and white then captures the whole black group
    assert state.captures == (0, 14)


# ---------------------------------------------------------------- empty boards, game end, errors
@pytest.mark.parametrize("size", [2, 3, 5, 7, 9, 13, 19])
def test_empty_board(go, size):
    state = go.new(size)
    assert state.legal_mask().all() and state.legal_mask().shape == (size * size + 1,)
    assert state.score() == -7.5 and state.winner == -1
    assert state.to_play == 1 and not state.is_over and state.end_reason is None
    state = play(state, PASS)
    assert not state.is_over and state.to_play == -1
    state = play(state, PASS)
    assert state.is_over and state.end_reason == "two_passes"
    assert not state.legal_mask().any()
    assert {state.illegal_reason(a) for a in range(size * size + 1)} == {"game_over"}
    with pytest.raises(ValueError) as excinfo:
        play(state, PASS)
    assert illegal_reason_of(excinfo) == "game_over"


def test_a_pass_between_moves_resets_two_passes(go):
    state = play(go.new(3), PASS, (0, 0), PASS)
    assert not state.is_over
    state = play(state, PASS)
    assert state.end_reason == "two_passes" and state.move_number == 4


def test_move_cap(go):
    state = play(go.new(5, max_moves=3), (0, 0), (1, 1))
    assert not state.is_over
    state = play(state, (2, 2))
    assert state.is_over and state.end_reason == "move_cap"
    assert state.moves == (0, 6, 12)
    assert reason(state, (4, 4)) == "game_over"


@pytest.mark.parametrize("bad", [-1, 26, 1000])
def test_out_of_range(go, bad):
    state = go.new(5)
    assert state.illegal_reason(bad) == "out_of_range"
    with pytest.raises(ValueError) as excinfo:
        state.play(bad)
    assert illegal_reason_of(excinfo) == "out_of_range"


@pytest.mark.parametrize("bad", ["a", 1.5, None])
def test_non_integer_actions_are_out_of_range(go, bad):
    state = go.new(5)
    assert state.illegal_reason(bad) == "out_of_range"
    with pytest.raises(ValueError) as excinfo:
        state.play(bad)
    assert illegal_reason_of(excinfo) == "out_of_range"


def test_occupied(go):
    state = play(go.new(5), (2, 2))
    assert reason(state, (2, 2)) == "occupied"
    with pytest.raises(ValueError) as excinfo:
        play(state, (2, 2))
    assert illegal_reason_of(excinfo) == "occupied"


def test_engine_errors_are_illegal_move_errors():
    from advgo import GameState, IllegalMoveError

    state = GameState.new(size=5).play(12)
    with pytest.raises(IllegalMoveError) as excinfo:
        state.play(12)
    assert excinfo.value.reason == "occupied" and excinfo.value.action == 12


@pytest.mark.parametrize("size", [1, 20, 0, -3])
def test_unsupported_sizes(size):
    from advgo import GameState

    with pytest.raises(ValueError):
        GameState.new(size=size)
