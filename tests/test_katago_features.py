"""KataGo's input features (``advgo.features.katago``): the Numba encoder against the plain-Python reference
(``tests/katago_reference.py``) and against what a Go player expects.

=================================  ==============================================================================
random games (hypothesis)          7x7 .. 13x13 (and a few 19x19) games under every ko rule, with and without
                                   multi-stone suicide, komis of both parities, pass probability 0 .. 0.3:
                                   encoder == reference exactly (planes and globals) at random points, after the
                                   first ko captures and at the end, ``friendly_pass_ok`` and
                                   ``pass_alive_suicide`` on and off; every position of 2x2 .. 5x5 games
ko-cycle games (hypothesis)        random walks of captures and passes on a triple-ko board: simple ko's "spight"
                                   ending (a pass where the same player passed before ends the game, so global 14
                                   is 1 without a pass and the history is cut), superko bans; encoder == reference
batches (hypothesis)               positions of several games copied into one ``Boards``: each row of
                                   ``encode_katago`` == the single position; legal rows == ``legal_mask``
undo / pass-alive (hypothesis)     ``undo_move`` rebuilds the board before every move of random games; KataGo's
                                   pass-alive chains == ``advgo.passalive.benson``'s
fixtures                           ladders and breakers (planes 14-17), ko and superko points (6), the history
                                   window (9-13, globals 0-4, 14), area (18/19), undo after ambiguous captures,
                                   suicide and ko, komi and its parity wave (globals 5, 18), ``passing_hacks``
errors                             wrong buffers raise ValueError naming the buffer
=================================  ==============================================================================

Under simple ko, a position occurring a third time since the last pass ends KataGo's game as a no-result
(``BoardHistory::makeBoardMoveAssumeLegal``, "Break long cycles with no-result"), which cuts the history to one
turn; advgo's games go on. Both the encoder and the reference model it
(``test_simple_ko_third_repetition_cuts_the_history`` checks the encoder against the rule itself).
"""

from __future__ import annotations

from collections import Counter, deque

import numpy as np
import pytest
from conftest import SMALL_BOARDS_ONLY, parse_board
from hypothesis import given, settings
from hypothesis import strategies as st
from katago_reference import katago_features

from advgo import GameState, Rules, engine
from advgo.engine.constants import NO_POINT, WALL
from advgo.features.katago import GLOBALS, SPATIAL, encode_katago, encode_katago_state
from advgo.features.katago_area import area_map
from advgo.features.katago_board import new_work, undo_move
from advgo.passalive import benson

# Numba kernels: scripts/test.sh runs engine tests again with the JIT off, so that coverage sees inside them.
pytestmark = pytest.mark.engine

BLACK, WHITE, EMPTY = 1, -1, 0
SIZES = [7, 9] if SMALL_BOARDS_ONLY else [7, 7, 9, 9, 13]
KO_RULES = [("positional", True), ("positional", False), ("situational", True), ("situational", False),
            ("simple", True), ("simple", False)]
KOMIS = [7.5, 7.0, 0.5, -3.0, 0.0, 6.5]


def make_rules(ko_suicide, komi=7.5):
    ko, suicide = ko_suicide
    return Rules(komi=komi, ko=ko, suicide=suicide, name="custom")


def rulesets(variants=KO_RULES):
    return st.builds(make_rules, st.sampled_from(variants), st.sampled_from(KOMIS))


def random_game(size, rules, pass_prob, seed, max_moves=None):
    """Every state of a uniform-random game (a stone move, or a pass with probability ``pass_prob``) to its end:
    two passes or the cap of 2·N² moves (under simple ko, KataGo's third-repetition no-result included: advgo plays
    on past it, about 1 game in 100 on 2x2 and 3x3)."""
    rng = np.random.default_rng(seed)
    state = GameState.new(size, rules, max_moves=max_moves or 2 * size * size)
    line = [state]
    while not state.is_over:
        legal = state.legal_actions()
        stones = legal[legal < size * size]
        action = size * size if len(stones) == 0 or rng.random() < pass_prob else int(rng.choice(stones))
        state = state.play(action)
        line.append(state)
    return line


def describe(state, **flags):
    setup = f", setup black {state.initial_black} white {state.initial_white}" if state.initial_black or \
        state.initial_white else ""
    return (f"{state.size}x{state.size} {state.rules}{setup}, to play first {state.initial_to_play}, "
            f"moves {list(state.moves)}, {flags}")


def assert_matches_reference(state, **flags):
    """Encoder == reference exactly; returns the encoder's (spatial, globals)."""
    spatial, glob = encode_katago_state(state, **flags)
    ref_spatial, ref_glob = katago_features(state, **flags)
    planes = [k for k in range(SPATIAL) if not np.array_equal(spatial[k], ref_spatial[k])]
    globs = np.flatnonzero(glob != ref_glob).tolist()
    assert not planes and not globs, (
        f"encoder != reference in planes {planes}, globals {globs} "
        f"(encoder {glob[globs].tolist()}, reference {ref_glob[globs].tolist()}): {describe(state, **flags)}")
    return spatial, glob


def points(plane) -> set:
    """The (row, col) where a plane is 1."""
    return {(int(r), int(c)) for r, c in np.argwhere(plane)}


def count_features(counts, state, spatial, glob, flags):
    """Tally the situations a property test reached (asserted afterwards, so the examples stay meaningful)."""
    counts["positions"] += 1
    counts["ko point"] += bool(spatial[6].any())
    counts["laddered stones"] += bool(spatial[14].any())
    counts["working ladder moves"] += bool(spatial[17].any())
    counts["ladder on an earlier board only"] += bool((spatial[15] + spatial[16]).any() and not spatial[14].any())
    counts["pass in history"] += bool(glob[:5].any())
    counts["a pass would end the game"] += bool(glob[14])
    counts["two passes"] += state.end_reason == "two_passes"
    counts["move cap"] += state.end_reason == "move_cap"
    last_pass = bool(state.moves) and state.moves[-1] == state.pass_action
    counts["history hidden (friendly pass)"] += flags["friendly_pass_ok"] and last_pass and not state.is_over
    counts["territory in the area"] += bool(((spatial[18] + spatial[19]) * (1 - spatial[1] - spatial[2])).any())


MUST_HIT = ("ko point", "laddered stones", "working ladder moves", "ladder on an earlier board only",
            "pass in history", "a pass would end the game", "two passes", "move cap",
            "history hidden (friendly pass)", "territory in the area")


# ============================================================================ property tests: random games
def test_random_games_match_the_reference():
    counts = Counter()

    @given(data=st.data(), size=st.sampled_from(SIZES), rules=rulesets(), pass_prob=st.floats(0.0, 0.3),
           seed=st.integers(0, 2**32 - 1), friendly_pass_ok=st.booleans(), pass_alive_suicide=st.booleans())
    def check(data, size, rules, pass_prob, seed, friendly_pass_ok, pass_alive_suicide):
        line = random_game(size, rules, pass_prob, seed)
        picks = data.draw(st.lists(st.integers(0, len(line) - 1), min_size=1, max_size=6), label="positions")
        ko_fights = [k for k, state in enumerate(line) if state.engine_boards.ko_point[0] != NO_POINT][:3]
        flags = dict(friendly_pass_ok=friendly_pass_ok, pass_alive_suicide=pass_alive_suicide)
        for k in sorted({*picks, *ko_fights, len(line) - 1}):
            spatial, glob = assert_matches_reference(line[k], **flags)
            count_features(counts, line[k], spatial, glob, flags)

    check()
    if not SMALL_BOARDS_ONLY:  # the nojit profile's 5 examples cannot reach them all
        missing = [name for name in MUST_HIT if not counts[name]]
        assert not missing, f"the random games never reached {missing}: {dict(counts)}"


# Few passes on 19x19, so that the few examples reach the middle and the end of long games.
@pytest.mark.skipif(SMALL_BOARDS_ONLY, reason="19x19 is too slow without the JIT")
@settings(max_examples=max(2, settings().max_examples // 10))
@given(rules=rulesets(), pass_prob=st.floats(0.0, 0.1), seed=st.integers(0, 2**32 - 1),
       fraction=st.floats(0.0, 1.0), friendly_pass_ok=st.booleans(), pass_alive_suicide=st.booleans())
def test_random_19x19_games_match_the_reference(rules, pass_prob, seed, fraction, friendly_pass_ok,
                                                 pass_alive_suicide):
    line = random_game(19, rules, pass_prob, seed)
    flags = dict(friendly_pass_ok=friendly_pass_ok, pass_alive_suicide=pass_alive_suicide)
    for state in (line[int(fraction * (len(line) - 1))], line[-1]):
        assert_matches_reference(state, **flags)


@given(size=st.integers(2, 5), rules=rulesets(), pass_prob=st.floats(0.0, 0.3), seed=st.integers(0, 2**32 - 1),
       friendly_pass_ok=st.booleans(), pass_alive_suicide=st.booleans())
def test_every_position_of_tiny_board_games_matches_the_reference(size, rules, pass_prob, seed, friendly_pass_ok,
                                                                  pass_alive_suicide):
    """KataGo's net wants 7x7 .. 19x19, the encoder takes any size: 2x2 .. 5x5, where suicide and ko abound."""
    for state in random_game(size, rules, pass_prob, seed, max_moves=4 * size * size):
        assert_matches_reference(state, friendly_pass_ok=friendly_pass_ok, pass_alive_suicide=pass_alive_suicide)


# ============================================================================ the triple-ko board
# Three kos: black can take at C7 (white's B7) and H7 (white's G7), white at B3 (black's C3). Capturing at C7,
# B3, H7, B7, C3, G7 in turn brings the board back after six moves: each player always has a ko to take that is
# not an immediate recapture. The bottom-right corner is black's eye, single-stone suicide for white.
TRIPLE_KO = """
    . . . . . . . . .
    . X O . . . X O .
    X O . O . X O . O
    . X O . . . X O .
    . . . . . . . . .
    . X O . . . . . .
    X . X O . . . . .
    . X O . . . . . X
    . . . . . . . X .
"""
N9 = 9
PASS9 = N9 * N9


def at(row, col, size=N9):
    return row * size + col


# The six capturing moves of the cycle, in the order that returns to the start after six moves.
KO_CYCLE = [at(2, 2), at(6, 1), at(2, 7), at(2, 1), at(6, 2), at(2, 6)]
EYE = at(8, 8)


def triple_ko(rules, to_play=BLACK):
    size, black, white = parse_board(TRIPLE_KO)
    return GameState.setup(size, rules, black=black, white=white, to_play=to_play)


def ko_cycle_game(rules, pass_prob, seed, length):
    """A random walk of ko captures and passes from the triple-ko board (a player who can capture after the
    opponent passed does); under simple ko it reaches KataGo's third-repetition no-result too."""
    rng = np.random.default_rng(seed)
    state = triple_ko(rules)
    line = [state]
    for _ in range(length):
        if state.is_over:
            break
        captures = []
        for a in KO_CYCLE:
            if state.is_legal(a):
                child = state.play(a)
                if child.captures != state.captures:
                    captures.append(child)
        after_pass = bool(state.moves) and state.moves[-1] == PASS9
        if captures and (after_pass or rng.random() >= pass_prob):
            state = captures[int(rng.integers(len(captures)))]
        else:
            state = state.play(PASS9)
        line.append(state)
    return line


def test_ko_cycle_games_match_the_reference():
    counts = Counter()

    @given(rules=rulesets(), pass_prob=st.floats(0.0, 0.5), seed=st.integers(0, 2**32 - 1),
           length=st.integers(1, 40), friendly_pass_ok=st.booleans())
    def check(rules, pass_prob, seed, length, friendly_pass_ok):
        for state in ko_cycle_game(rules, pass_prob, seed, length):
            spatial, glob = assert_matches_reference(state, friendly_pass_ok=friendly_pass_ok)
            last_pass = bool(state.moves) and state.moves[-1] == PASS9
            counts["spight: a pass would end the game without a pass just played"] += bool(glob[14]) and not last_pass
            counts["history cut short without two passes"] += (
                0 < int(spatial[9:14].sum() + glob[:5].sum()) < min(5, len(state.moves)) and not state.is_over)
            superko = [a for a in range(PASS9) if state.illegal_reason(a) == "superko"]
            counts["superko ban"] += bool(superko)
            for a in superko:
                assert spatial[6, a // N9, a % N9] == 1, f"superko point {a} not in plane 6: {describe(state)}"

    check()
    if not SMALL_BOARDS_ONLY:
        missing = [k for k in ("spight: a pass would end the game without a pass just played",
                               "history cut short without two passes", "superko ban") if not counts[k]]
        assert not missing, f"the ko-cycle games never reached {missing}: {dict(counts)}"


# ============================================================================ property test: batches
@given(data=st.data(), size=st.sampled_from(SIZES), rules=rulesets(), n_games=st.integers(1, 4),
       friendly_pass_ok=st.booleans(), pass_alive_suicide=st.booleans())
def test_a_batch_encodes_row_by_row_like_single_positions(data, size, rules, n_games, friendly_pass_ok,
                                                         pass_alive_suicide):
    states = []
    for g in range(n_games):
        line = random_game(size, rules, data.draw(st.floats(0.0, 0.3)), data.draw(st.integers(0, 2**32 - 1)))
        states.append(line[data.draw(st.integers(0, len(line) - 1), label=f"position of game {g}")])
    batch = n_games + 1  # one slot stays the empty board
    slots = data.draw(st.permutations(range(batch)), label="slots")
    boards = engine.new_boards(batch, size, max(s.move_number for s in states) + 2)
    for state, j in zip(states, slots):
        engine.copy_game(state.engine_boards, 0, boards, j)
    flags = dict(friendly_pass_ok=friendly_pass_ok, pass_alive_suicide=pass_alive_suicide)
    spatial = np.full((batch, SPATIAL, size, size), 7.0, np.float32)  # stale values the encoder must overwrite
    glob = np.full((batch, GLOBALS), 7.0, np.float32)
    legal = np.ones((batch, size * size + 1), np.bool_)
    encode_katago(boards, batch, rules.komi, states[0].engine_codes, spatial, glob, legal, **flags)
    n2 = size * size
    for state, j in zip([*states, GameState.new(size, rules)], slots):
        one_spatial, one_glob = encode_katago_state(state, **flags)
        assert np.array_equal(spatial[j], one_spatial) and np.array_equal(glob[j], one_glob), describe(state)
        assert legal[j, n2], "pass is always legal in legal_out"
        if state.is_over:
            continue
        assert np.array_equal(legal[j], state.legal_mask()), describe(state)
        ko_bans = {a for a in range(n2) if state.illegal_reason(a) in ("ko", "superko")}
        assert points(spatial[j, 6]) == {divmod(a, size) for a in ko_bans}, describe(state)
    # count < batch: the rows past count are left alone
    spatial[:] = 7.0
    glob[:] = 7.0
    encode_katago(boards, 1, rules.komi, states[0].engine_codes, spatial, glob, None, **flags)
    assert (spatial[1:] == 7.0).all() and (glob[1:] == 7.0).all()


# ============================================================================ property tests: undo, pass-alive
def padded(action, size):
    return (action // size + 1) * (size + 2) + action % size + 1


def undo_last_move(state):
    """(whether undo_move explained the hashes, the stones it rebuilt) for the last move of ``state``."""
    b = state.engine_boards
    m = state.move_number
    stones = b.stones[0].copy()
    target = b.history[0, m - 1] ^ b.history[0, m]
    ok = undo_move(stones, b.width, padded(state.moves[-1], state.size), -state.to_play, target, b.zobrist,
                   new_work(stones.shape[0]))
    return ok, stones


def mover_only_regions(board, action, mover):
    """The empty regions next to ``action`` (after the move) bordered by ``mover``'s stones only."""
    n = board.shape[0]
    seen, regions = set(), []
    r0, c0 = divmod(action, n)
    for start in ((r0 - 1, c0), (r0 + 1, c0), (r0, c0 - 1), (r0, c0 + 1)):
        if not (0 <= start[0] < n and 0 <= start[1] < n) or board[start] != EMPTY or start in seen:
            continue
        region, borders, todo = {start}, set(), deque([start])
        while todo:
            r, c = todo.popleft()
            for q in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= q[0] < n and 0 <= q[1] < n:
                    if board[q] == EMPTY and q not in region:
                        region.add(q)
                        todo.append(q)
                    elif board[q] != EMPTY:
                        borders.add(int(board[q]))
        seen |= region
        if borders == {mover}:
            regions.append(region)
    return regions


def test_undo_move_rebuilds_the_board_before_every_move_of_random_games():
    counts = Counter()

    @given(size=st.sampled_from(SIZES), rules=rulesets(), pass_prob=st.floats(0.0, 0.1),
           seed=st.integers(0, 2**32 - 1))
    def check(size, rules, pass_prob, seed):
        line = random_game(size, rules, pass_prob, seed)
        for before, after in zip(line, line[1:]):
            action = after.moves[-1]
            if action == after.pass_action:
                continue
            ok, stones = undo_last_move(after)
            assert ok and np.array_equal(stones, before.engine_boards.stones[0]), describe(after)
            board = after.board
            mover = before.to_play
            captured = after.captures != before.captures
            counts["suicide"] += board[divmod(action, size)] == EMPTY
            regions = mover_only_regions(board, action, mover)
            was_empty = [all(before.board[q] == EMPTY for q in region) for region in regions]
            counts["capture next to an existing eye"] += captured and any(was_empty) and not all(was_empty)

    check()
    assert SMALL_BOARDS_ONLY or (counts["suicide"] and counts["capture next to an existing eye"]), dict(counts)


def pass_alive_chains(board, color, suicide):
    """KataGo's pass-alive chains of ``color`` (bool [N, N]) and the points it marks for ``color`` with every
    "big territory" option off, from ``area_map`` on a board whose colours are swapped so that ``color`` is white
    (white goes second, so nothing overwrites white's marks)."""
    n = board.shape[0]
    stones = np.full((n + 2, n + 2), WALL, np.int8)
    stones[1:-1, 1:-1] = board if color == WHITE else -board
    stones = stones.reshape(-1)
    result = np.zeros_like(stones)
    area_map(stones, n + 2, suicide, result, False, False, False)
    marked = (result == WHITE).reshape(n + 2, n + 2)[1:-1, 1:-1]
    return marked & (board == color), marked


def test_pass_alive_chains_are_bensons():
    counts = Counter()

    @given(data=st.data(), size=st.sampled_from([7, 9]), rules=rulesets(), seed=st.integers(0, 2**32 - 1))
    def check(data, size, rules, seed):
        line = random_game(size, rules, 0.02, seed)
        state = line[data.draw(st.integers(len(line) // 2, len(line) - 1), label="position")]
        board = state.board
        for color in (BLACK, WHITE):
            alive, territory = benson(board, color, rules.suicide)
            katago_alive, marked = pass_alive_chains(board, color, rules.suicide)
            assert np.array_equal(katago_alive, alive), f"colour {color}: {describe(state)}\n{state}"
            if rules.suicide:  # Benson's territory: every point next to a pass-alive chain, so KataGo's too
                assert not (territory & ~marked).any(), f"colour {color}: {describe(state)}\n{state}"
            counts["pass-alive chain"] += bool(alive.any())

    check()
    assert SMALL_BOARDS_ONLY or counts["pass-alive chain"], dict(counts)


# ============================================================================ fixtures: ladders (14-17)
LADDER_1_LIB = """
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . X . . . .
    . . . X O X . . .
    . . . . . X . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""
LADDER_2_LIBS = LADDER_1_LIB.replace("X O X", "X O .")
STONE = (4, 4)  # white's stone, E5
DOWN_LEFT_BREAKER = at(7, 1)  # on the path of the ladder that runs towards A1
UP_RIGHT_BREAKER = at(1, 7)  # on the path of the ladder that runs towards J9


def ladder_position(text, white_extra=(), to_play=BLACK):
    size, black, white = parse_board(text)
    return GameState.setup(size, Rules.tromp_taylor(), black=black, white=[*white, *white_extra], to_play=to_play)


def test_a_stone_in_atari_in_a_ladder_is_marked_and_a_breaker_clears_it_on_later_boards_only():
    state = ladder_position(LADDER_1_LIB)
    spatial, _ = assert_matches_reference(state)
    assert points(spatial[3]) == {STONE}  # one liberty
    assert points(spatial[14]) == points(spatial[15]) == points(spatial[16]) == {STONE}
    assert not spatial[17].any()  # working moves only for chains with 2 liberties
    state = state.play(at(0, 4))  # black plays elsewhere: white to move, still laddered
    spatial, _ = assert_matches_reference(state)
    assert points(spatial[14]) == points(spatial[15]) == points(spatial[16]) == {STONE}
    state = state.play(DOWN_LEFT_BREAKER)  # white's ladder breaker
    spatial, _ = assert_matches_reference(state)
    assert not spatial[14].any()  # the ladder no longer works ...
    assert points(spatial[3]) == {STONE}  # ... though the stone is still in atari
    assert points(spatial[15]) == points(spatial[16]) == {STONE}  # 1 and 2 moves ago it was laddered
    state = state.play(at(2, 8))
    spatial, _ = assert_matches_reference(state)
    assert not spatial[14].any() and not spatial[15].any()  # the board 1 move ago had the breaker
    assert points(spatial[16]) == {STONE}


def test_working_first_moves_against_a_two_liberty_stone():
    spatial, _ = assert_matches_reference(ladder_position(LADDER_2_LIBS))
    assert points(spatial[4]) == {STONE}
    assert points(spatial[14]) == {STONE}
    assert points(spatial[17]) == {(4, 5), (5, 4)}  # on an empty board either atari works
    spatial, _ = assert_matches_reference(ladder_position(LADDER_2_LIBS, [DOWN_LEFT_BREAKER]))
    assert points(spatial[14]) == {STONE}
    assert points(spatial[17]) == {(5, 4)}  # E4 drives white towards J9; F5 would drive it onto B2's breaker
    spatial, _ = assert_matches_reference(ladder_position(LADDER_2_LIBS, [DOWN_LEFT_BREAKER, UP_RIGHT_BREAKER]))
    assert not spatial[14].any() and not spatial[17].any()
    # with white to move the stone is still laddered (attacker first), but working moves are shown for opp chains only
    spatial, _ = assert_matches_reference(ladder_position(LADDER_2_LIBS, to_play=WHITE))
    assert points(spatial[14]) == {STONE} and not spatial[17].any()


# ============================================================================ fixtures: ko and superko (6)
@pytest.mark.parametrize("ko_suicide", KO_RULES)
def test_the_simple_ko_point_is_marked(ko_suicide):
    state = triple_ko(make_rules(ko_suicide)).play(at(2, 2))  # black takes the ko at C7
    spatial, _ = assert_matches_reference(state)
    assert state.illegal_reason(at(2, 1)) == "ko"
    assert points(spatial[6]) == {(2, 1)}


@pytest.mark.parametrize("ko_suicide", KO_RULES)
def test_superko_bans_are_marked_but_not_suicide_points(ko_suicide):
    rules = make_rules(ko_suicide)
    state = triple_ko(rules)
    for a in KO_CYCLE[:5]:
        state = state.play(a)
    # white to move: B3 is the simple-ko point (black just took there); taking at G7 would bring back the starting
    # position (black to move, as then): banned under both superko rules, legal under simple ko. J1 is suicide.
    spatial, _ = assert_matches_reference(state)
    assert state.illegal_reason(at(6, 1)) == "ko"
    assert state.illegal_reason(EYE) == "suicide"
    if rules.ko == "simple":
        assert state.is_legal(at(2, 6))
        assert points(spatial[6]) == {(6, 1)}
    else:
        assert state.illegal_reason(at(2, 6)) == "superko"
        assert points(spatial[6]) == {(6, 1), (2, 6)}
    assert not spatial[6, 8, 8]


# ============================================================================ fixtures: history (9-13, globals)
def test_history_planes_and_pass_globals():
    moves = [at(2, 2), at(6, 6), at(2, 6), PASS9, at(6, 2)]
    state = GameState.from_moves(N9, Rules.tromp_taylor(), moves)  # white to move
    spatial, glob = assert_matches_reference(state)
    assert [points(spatial[9 + k]) for k in range(5)] == [{(6, 2)}, set(), {(2, 6)}, {(6, 6)}, {(2, 2)}]
    assert glob[:5].tolist() == [0, 1, 0, 0, 0] and glob[14] == 0
    state = state.play(PASS9)  # white passes: black to move, a pass would end the game
    spatial, glob = assert_matches_reference(state)
    assert [points(spatial[9 + k]) for k in range(5)] == [set(), {(6, 2)}, set(), {(2, 6)}, {(6, 6)}]
    assert glob[:5].tolist() == [1, 0, 1, 0, 0] and glob[14] == 1
    # friendly passes: KataGo hides that a pass ends the game, and with it all history
    spatial, glob = assert_matches_reference(state, friendly_pass_ok=True)
    assert not spatial[9:14].any() and not glob[:5].any() and glob[14] == 0
    state = state.play(PASS9)  # two passes: the game is over, one turn of history
    assert state.is_over
    for friendly_pass_ok in (False, True):
        spatial, glob = assert_matches_reference(state, friendly_pass_ok=friendly_pass_ok)
        assert not spatial[9:14].any() and glob[:5].tolist() == [1, 0, 0, 0, 0] and glob[14] == 1


def test_no_history_before_the_first_move_and_after_setup():
    for state in (GameState.new(N9, Rules.tromp_taylor()), triple_ko(Rules.tromp_taylor())):
        spatial, glob = assert_matches_reference(state)
        assert not spatial[9:14].any() and not glob[:5].any() and glob[14] == 0
    spatial, glob = assert_matches_reference(triple_ko(Rules.tromp_taylor()).play(at(4, 4)))
    assert points(spatial[9]) == {(4, 4)} and not spatial[10:14].any()


def test_simple_ko_pass_in_a_position_passed_in_before_ends_the_game():
    """KataGo's spight-like ending under simple ko: black passed in the starting position; once it is back with
    black to move, a black pass would end the game (global 14) though the last move was no pass, and after that
    pass (game over for KataGo, not for advgo) the history starts again."""
    rules = Rules(ko="simple", suicide=False, name="custom")
    state = triple_ko(rules)
    for a in [PASS9, at(6, 1), at(2, 2), PASS9, at(6, 2), at(2, 1)]:
        state = state.play(a)
    assert np.array_equal(state.board, triple_ko(rules).board) and state.to_play == BLACK
    for friendly_pass_ok in (False, True):  # a friendly pass does not hide a spight ending
        spatial, glob = assert_matches_reference(state, friendly_pass_ok=friendly_pass_ok)
        assert glob[0] == 0 and glob[14] == 1
        assert [points(spatial[9 + k]) for k in range(5)] == [{(2, 1)}, {(6, 2)}, set(), {(2, 2)}, {(6, 1)}]
        assert glob[:5].tolist() == [0, 0, 1, 0, 0]
    state = state.play(PASS9)  # KataGo's game ends here: one turn of history
    assert not state.is_over
    spatial, glob = assert_matches_reference(state)
    assert not spatial[9:14].any() and glob[:5].tolist() == [1, 0, 0, 0, 0] and glob[14] == 1
    state = state.play(at(4, 4))  # a move after the end: it and the ending pass are the history
    spatial, glob = assert_matches_reference(state)
    assert points(spatial[9]) == {(4, 4)} and not spatial[10:14].any()
    assert glob[:5].tolist() == [0, 1, 0, 0, 0] and glob[14] == 0
    # under superko the last capture of the cycle is illegal: there is no such ending
    assert triple_ko(Rules.tromp_taylor()).play(PASS9).play(at(6, 1)).play(at(2, 2)).play(PASS9).play(
        at(6, 2)).illegal_reason(at(2, 1)) == "superko"


def simple_ko_cycles(turns):
    state = triple_ko(Rules(ko="simple", suicide=False, name="custom"))
    line = [state]
    for a in (KO_CYCLE * 3)[:turns]:
        state = state.play(a)
        line.append(state)
    return line


def test_simple_ko_third_repetition_cuts_the_history():
    """Twelve captures around the triple ko bring the starting position back a third time: KataGo's game ends as a
    no-result ("Break long cycles with no-result"), so only the last move is history, and every later position
    (each a third occurrence too) again shows only one turn. advgo plays on."""
    line = simple_ko_cycles(13)
    spatial, glob = encode_katago_state(line[11])
    assert [int(spatial[9 + k].sum()) for k in range(5)] == [1, 1, 1, 1, 1]
    for state in line[12:]:
        assert not state.is_over
        spatial, glob = encode_katago_state(state)
        assert points(spatial[9]) == {divmod(state.moves[-1], N9)} and not spatial[10:14].any()
        assert not glob[:5].any() and glob[14] == 0


def test_simple_ko_third_repetition_matches_the_reference():
    assert_matches_reference(simple_ko_cycles(12)[-1])


# ============================================================================ fixtures: area (18/19)
# Black's chain has two eyes, A9 and C9-D9; white's C9 stone sits in the second, in atari.
TWO_EYES = """
    . X O . X . . . .
    X X X X X . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . O . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""
ONE_EYE = TWO_EYES.replace("X X X X X . . . .", ". X X X X . . . .")  # A9 opens onto the board


@pytest.mark.parametrize("suicide", [True, False])
def test_a_group_with_two_eyes_is_pass_alive_with_its_eyes(suicide):
    rules = Rules(ko="positional", suicide=suicide, name="custom")
    size, black, white = parse_board(TWO_EYES)
    state = GameState.setup(size, rules, black=black, white=white, to_play=WHITE)
    spatial, _ = assert_matches_reference(state)
    alive, territory = benson(state.board, BLACK, suicide)
    assert points(alive) == {divmod(a, size) for a in black}
    assert points(territory) == {(0, 0), (0, 2), (0, 3)}
    # black is opp: its chain and both eyes, white's dead C9 stone included
    assert points(spatial[19]) == points(alive | territory)
    assert points(spatial[18]) == {(4, 4)}  # white's lone stone counts as it stands; the open board is nobody's
    size, black, white = parse_board(ONE_EYE)
    state = GameState.setup(size, rules, black=black, white=white, to_play=WHITE)
    spatial, _ = assert_matches_reference(state)
    assert not benson(state.board, BLACK, suicide)[0].any()
    # one eye: black's stones count as they stand, C9 is white's again and D9 nobody's
    assert points(spatial[19]) == {divmod(a, size) for a in black}
    assert points(spatial[18]) == {(4, 4), (0, 2)}


def test_a_lone_stone_owns_the_empty_board():
    """KataGo's "unsafe big territories": a region with no opponent stone goes to the only colour next to it."""
    state = GameState.setup(N9, Rules.tromp_taylor(), black=[at(4, 4)], to_play=WHITE)
    spatial, _ = assert_matches_reference(state)
    assert spatial[19].all() and not spatial[18].any()
    spatial, _ = assert_matches_reference(state.play(PASS9))  # black to move: the same area, now pla's
    assert spatial[18].all() and not spatial[19].any()
    spatial, _ = assert_matches_reference(GameState.new(N9, Rules.tromp_taylor()))
    assert not spatial[18].any() and not spatial[19].any()


# ============================================================================ fixtures: undo_move
EYE_AND_CAPTURE = """
    X . X . . . . . .
    X . O X . . . . .
    . X X . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""
SUICIDE = """
    X . O . . . . . .
    O O . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
    . . . . . . . . .
"""


@pytest.mark.parametrize("text, move, rules, what", [
    # B8 captures C8 and closes B9: both empty regions next to B8 are black's alone afterwards
    (EYE_AND_CAPTURE, at(1, 1), Rules.chinese(), "capture next to an existing eye"),
    # B9 takes black's last liberty: A9 and B9 leave the board (multi-stone suicide, legal under Tromp-Taylor)
    (SUICIDE, at(0, 1), Rules.tromp_taylor(), "multi-stone suicide"),
    (TRIPLE_KO, at(2, 2), Rules(ko="simple", suicide=False, name="custom"), "ko capture"),
])
def test_undo_move_rebuilds_the_previous_stones(text, move, rules, what):
    size, black, white = parse_board(text)
    before = GameState.setup(size, rules, black=black, white=white, to_play=BLACK)
    after = before.play(move)
    assert after.captures != before.captures, what
    ok, stones = undo_last_move(after)
    assert ok and np.array_equal(stones, before.engine_boards.stones[0]), what
    # a hash difference that no set of candidate regions explains is reported
    b = after.engine_boards
    wrong = b.history[0, 0] ^ b.history[0, 1] ^ np.uint64(12345)
    assert not undo_move(b.stones[0].copy(), b.width, padded(move, size), BLACK, wrong, b.zobrist,
                         new_work(b.stones.shape[1]))
    assert_matches_reference(after)  # the encoder's board 1 move ago comes from undo_move


# ============================================================================ fixtures: globals
def komi_wave(self_komi, size):
    """KataGo's global 18 (nninputs.cpp, area scoring), written out again."""
    if size * size % 2 == 0:
        floor = np.floor(self_komi / 2) * 2
    else:
        floor = np.floor((self_komi - 1) / 2) * 2 + 1
    delta = min(max(self_komi - floor, 0.0), 2.0)
    return delta if delta < 0.5 else 1 - delta if delta < 1.5 else delta - 2


# size, komi, (komi from black's side, wave) with black to move, the same with white to move; worked out by hand.
# Drawable komis are odd on 9x9 (81 points), even on 8x8; the wave rises through them.
KOMI_CASES = [
    (9, 7.5, (-7.5, -0.5), (7.5, 0.5)),
    (9, 6.5, (-6.5, 0.5), (6.5, -0.5)),
    (9, 7.0, (-7.0, 0.0), (7.0, 0.0)),
    (9, 0.5, (-0.5, 0.5), (0.5, -0.5)),
    (9, -3.0, (3.0, 0.0), (-3.0, 0.0)),
    (9, 0.0, (0.0, 0.0), (0.0, 0.0)),
    (8, 7.5, (-7.5, 0.5), (7.5, -0.5)),
    (8, 7.0, (-7.0, 0.0), (7.0, 0.0)),
    (8, 0.5, (-0.5, -0.5), (0.5, 0.5)),
    (8, -3.0, (3.0, 0.0), (-3.0, 0.0)),
    (8, 0.0, (0.0, 0.0), (0.0, 0.0)),
    (9, 150.0, (-101.0, 0.0), (101.0, 0.0)),  # clipped to ±(81 + 20)
]


@pytest.mark.parametrize("size, komi, black_view, white_view", KOMI_CASES)
def test_komi_and_its_parity_wave(size, komi, black_view, white_view):
    state = GameState.new(size, Rules.tromp_taylor(komi))
    for (self_komi, wave), position in ((black_view, state), (white_view, state.play(0))):
        assert komi_wave(self_komi, size) == wave
        _, glob = assert_matches_reference(position)
        assert glob[5] == np.float32(self_komi) / np.float32(20) and glob[18] == wave, (komi, position.to_play)


@pytest.mark.parametrize("ko_suicide", KO_RULES)
def test_rule_globals(ko_suicide):
    _, glob = assert_matches_reference(GameState.new(N9, make_rules(ko_suicide)))
    ko, suicide = ko_suicide
    assert glob[6:8].tolist() == {"simple": [0, 0], "positional": [1, 0.5], "situational": [1, -0.5]}[ko]
    assert glob[8] == suicide
    assert not glob[9:14].any() and not glob[15:18].any()


def test_passing_hacks_hide_a_game_ending_pass_that_would_not_win():
    """KataGo's enablePassingHacks: when a pass would end the game and pla's area plus komi is not positive, the
    history and global 14 are hidden. One stone each, white passed: black is 7.5 behind, or ahead with komi -7.5."""
    moves = [PASS9, at(4, 4), at(2, 2), PASS9]
    for komi, hidden in ((7.5, True), (-7.5, False)):
        state = GameState.from_moves(N9, Rules.tromp_taylor(komi), moves)
        spatial, glob = encode_katago_state(state, passing_hacks=True)
        plain_spatial, plain_glob = assert_matches_reference(state)
        assert plain_glob[0] == 1 and plain_glob[14] == 1
        if hidden:
            assert not spatial[9:14].any() and not glob[:5].any() and glob[14] == 0
        else:
            assert np.array_equal(spatial, plain_spatial) and np.array_equal(glob, plain_glob)


# ============================================================================ errors
def test_encode_katago_rejects_wrong_buffers():
    state = GameState.from_moves(N9, Rules.tromp_taylor(), [at(4, 4)])
    b, codes, komi = state.engine_boards, state.engine_codes, 7.5
    spatial = np.zeros((1, SPATIAL, N9, N9), np.float32)
    glob = np.zeros((1, GLOBALS), np.float32)
    for bad in (spatial.astype(np.float64), np.zeros((1, SPATIAL, 8, 8), np.float32),
                np.zeros((1, SPATIAL - 1, N9, N9), np.float32), np.zeros((0, SPATIAL, N9, N9), np.float32),
                spatial.tolist()):
        with pytest.raises(ValueError, match="spatial"):
            encode_katago(b, 1, komi, codes, bad, glob)
    # any strides are fine (the first 22 planes of KataGoEncoder's 23-plane buffer), but not a read-only array
    wide = np.zeros((1, SPATIAL + 1, N9, N9 + 1), np.float32)
    encode_katago(b, 1, komi, codes, wide[:, :SPATIAL, :, :N9], glob)
    np.testing.assert_array_equal(wide[0, :SPATIAL, :, :N9], encode_katago_state(state)[0])
    frozen = spatial.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="spatial"):
        encode_katago(b, 1, komi, codes, frozen, glob)
    for bad in (glob.astype(np.float64), np.zeros((1, GLOBALS - 1), np.float32), np.zeros(GLOBALS, np.float32)):
        with pytest.raises(ValueError, match="globals"):
            encode_katago(b, 1, komi, codes, spatial, bad)
    for bad in (np.zeros((1, N9 * N9 + 1), np.uint8), np.zeros((1, N9 * N9), np.bool_),
                np.zeros((0, N9 * N9 + 1), np.bool_), np.zeros(N9 * N9 + 1, np.bool_)):
        with pytest.raises(ValueError, match="legal"):
            encode_katago(b, 1, komi, codes, spatial, glob, bad)
    for count in (-1, 2):
        with pytest.raises(ValueError, match="count"):
            encode_katago(b, count, komi, codes, spatial, glob)
    encode_katago(b, 0, komi, codes, spatial[:0], glob[:0])  # nothing to do is fine
