"""advgo's engine against an independent implementation: OpenSpiel's ``go`` (C++), random games.

What OpenSpiel's go does, found by experiment (open_spiel 2.0.2) and relied on below:

======================  ====================================================================
action ids              ``row * N + col`` with row 0 the BOTTOM row (``action_to_string``: 0 is
                        "a1", N - 1 "e1" on 5x5, N*N - N "a5"); pass is ``N * N`` as in advgo.
                        So advgo ``r * N + c`` <-> OpenSpiel ``(N - 1 - r) * N + c`` (its own
                        inverse), and passes map to passes.
observation             ``observation_tensor(p)`` is [4, N, N], the same for both players:
                        plane 0 black stones, 1 white stones, 2 empty, 3 all ones when white is
                        to move; row 0 of each plane is the BOTTOM row again.
players                 0 is black and moves first, 1 is white.
suicide                 forbidden, single- and multi-stone: like ``Rules.chinese()``.
ko                      simple ko is illegal; superko is NOT a legality rule: a (non-pass) move
                        that recreates any earlier board is legal and ends the game at once as
                        a draw (returns 0, 0). Passes never end it that way.
game end                two consecutive passes, or ``max_game_length`` = 2·N² moves (passes
                        included); ``returns()`` is +1/-1 by Tromp-Taylor area score with komi.
======================  ====================================================================

So the engine plays ``Rules.chinese(komi=7.5)`` with ``max_moves = 2·N²``, and at every move
OpenSpiel's legal set must equal ours plus exactly the points our engine calls "superko". Where
they differ (a superko point exists) the position is recorded; the game goes on with a move legal
in both, so OpenSpiel's draw-by-repetition never triggers and the games stay comparable to the end.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from conftest import SMALL_BOARDS_ONLY

from advgo import GameState, Rules

pyspiel = pytest.importorskip(
    "pyspiel", reason="open_spiel is not installed (it is in the dev extra: pip install -e '.[dev]')")

pytestmark = pytest.mark.engine

# games per board size: six hundred in all, under ten seconds
GAMES = {5: 20, 9: 6} if SMALL_BOARDS_ONLY else {5: 400, 9: 150, 13: 40, 19: 20}
KOMI = 7.5


def to_openspiel(action: int, size: int) -> int:
    """advgo action id <-> OpenSpiel action id (the map is its own inverse)."""
    if action == size * size:
        return action
    row, col = divmod(action, size)
    return (size - 1 - row) * size + col


from_openspiel = to_openspiel


def openspiel_board(os_state, size: int) -> np.ndarray:
    """int8 [N, N] with advgo's conventions: 1 black, -1 white, row 0 on top."""
    planes = np.asarray(os_state.observation_tensor(0)).reshape(4, size, size)
    return (planes[0] - planes[1]).astype(np.int8)[::-1]


def test_action_mapping_against_openspiel_names():
    game = pyspiel.load_game("go", {"board_size": 5, "komi": KOMI})
    state = game.new_initial_state()
    names = {a: state.action_to_string(0, to_openspiel(a, 5)) for a in (0, 4, 20, 24, 12, 25)}
    assert names == {0: "B a5", 4: "B e5", 20: "B a1", 24: "B e1", 12: "B c3", 25: "B PASS"}


def play_one_game(size, rng, counts):
    game = pyspiel.load_game("go", {"board_size": size, "komi": KOMI})
    theirs = game.new_initial_state()
    ours = GameState.new(size, Rules.chinese(komi=KOMI), max_moves=game.max_game_length())
    while True:
        np.testing.assert_array_equal(ours.board, openspiel_board(theirs, size))
        assert ours.is_over == theirs.is_terminal()
        if ours.is_over:
            break
        assert theirs.current_player() == (0 if ours.to_play == 1 else 1)
        their_legal = {from_openspiel(a, size) for a in theirs.legal_actions()}
        our_legal = set(ours.legal_actions().tolist())
        assert our_legal <= their_legal, f"we allow {our_legal - their_legal} after {ours.moves}"
        only_theirs = their_legal - our_legal
        assert {ours.illegal_reason(a) for a in only_theirs} <= {"superko"}, ours.moves
        counts["superko positions"] += bool(only_theirs)
        action = int(rng.choice(sorted(our_legal)))
        ours = ours.play(action)
        theirs.apply_action(to_openspiel(action, size))
    counts[ours.end_reason] += 1
    counts["moves"] += ours.move_number
    black_return = theirs.returns()[0]
    assert black_return == ours.winner, (ours.score(), ours.moves)


@pytest.mark.parametrize("size", sorted(GAMES))
def test_random_games_match_openspiel(size):
    rng = np.random.default_rng(size)
    counts = Counter()
    for _ in range(GAMES[size]):
        play_one_game(size, rng, counts)
    print(size, dict(counts))
    assert counts["two_passes"] + counts["move_cap"] == GAMES[size]
