"""advgo's engine against the slow reference Go (``tests/reference_go.py``), move by move.

Hypothesis plays random games, mostly on small boards where ko, superko and suicide really happen,
under every ko rule with and without multi-stone suicide, sometimes from random setup stones and
sometimes branching back to an earlier state (``GameState`` shares its history copy-on-write).
After every move the board, the exact legal mask, the reason for every illegal point, captures, the
player to move, the end of the game and the score must agree. The batched kernels are checked the
same way, B games stepped together, and ``play_random_games`` for its own promises.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from conftest import SMALL_BOARDS_ONLY
from hypothesis import given, settings, target
from hypothesis import strategies as st
from reference_go import ReferenceGo

from advgo import GameState, Rules, engine

pytestmark = pytest.mark.engine

SIZES = [2, 3, 4, 5] if SMALL_BOARDS_ONLY else [2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 7, 7, 9, 9, 13, 19]
# the longest game (in moves) the reference can afford on each board size
MAX_LENGTH = {2: 150, 3: 150, 4: 120, 5: 100, 7: 80, 9: 80, 13: 40, 19: 25}
RULE_NAMES = ["tromp-taylor", "chinese", "simple", "situational"]
KOMIS = [7.5, 0.0, 0.5, 5.5, -2.0]


def make_rules(name, komi, suicide):
    """(advgo Rules, the same rules as ReferenceGo keyword arguments)."""
    if name in ("tromp-taylor", "chinese"):
        rules = Rules.from_name(name, komi=komi)
    else:
        rules = Rules(komi=komi, ko=name, suicide=suicide, name="custom")
    return rules, dict(komi=rules.komi, ko=rules.ko, suicide=rules.suicide)


def rulesets(names=RULE_NAMES):
    return st.builds(make_rules, st.sampled_from(names), st.sampled_from(KOMIS), st.booleans())


# (row, col, colour) of a ko on the top edge, white's (0, 1) in atari: black takes at (0, 2)
#   X O . .
#   . X O .
KO_SHAPE = ((0, 0, 1), (1, 1, 1), (0, 1, -1), (1, 2, -1))


def random_setup(data, size):
    """(black, white, to_play, opening moves): an empty board, a ko shape that black takes at once,
    or random setup stones (each kept only if every chain still has a liberty afterwards)."""
    kind = data.draw(st.sampled_from(["ko", "empty", "ko", "random", "ko"]))
    if kind == "ko" and size >= 3:
        left = data.draw(st.integers(0, size - 3))
        black, white = (tuple(r * size + left + c for r, c, colour in KO_SHAPE if colour == stones)
                        for stones in (1, -1))
        return black, white, 1, [left + 2]
    if kind != "random":
        return (), (), 1, []
    scratch = ReferenceGo(size)
    stones = data.draw(st.lists(st.tuples(st.integers(0, size * size - 1), st.sampled_from([1, -1])),
                                max_size=size * size // 2))
    for action, colour in stones:
        row, col = divmod(action, size)
        if scratch.board[row][col] != 0:
            continue
        scratch.board[row][col] = colour
        points = [(row, col), *scratch.neighbours(row, col)]
        if any(scratch.board[r][c] and not scratch.liberties(r, c) for r, c in points):
            scratch.board[row][col] = 0
    cells = [scratch.board[a // size][a % size] for a in range(size * size)]
    black = tuple(a for a, v in enumerate(cells) if v == 1)
    white = tuple(a for a, v in enumerate(cells) if v == -1)
    return black, white, data.draw(st.sampled_from([1, -1])), []


def pick_move(data, ref):
    """A legal move, weighted towards captures, suicides and contact plays; passes are rare."""
    pool = []
    for action in ref.legal_actions():
        weight = 1
        if action != ref.pass_action:
            row, col = divmod(action, ref.size)
            _, captured, suicided = ref.try_move(action, ref.to_play)
            if captured == 1:  # the stuff of ko fights
                weight = 10
            elif captured or suicided:
                weight = 6
            elif any(ref.board[r][c] for r, c in ref.neighbours(row, col)):
                weight = 2
        pool += [action] * weight
    return pool[data.draw(st.integers(0, len(pool) - 1))]


def assert_same(state, ref, counts):
    """Everything observable about ``state`` equals the reference; tallies the illegal reasons."""
    n = ref.size
    np.testing.assert_array_equal(state.board, np.array(ref.board, np.int8))
    reasons = [ref.illegal_reason(a) for a in range(n * n + 1)]
    assert [state.illegal_reason(a) for a in range(n * n + 1)] == reasons
    np.testing.assert_array_equal(state.legal_mask(), [r is None for r in reasons])
    assert state.to_play == ref.to_play
    assert state.captures == tuple(ref.captures)
    assert (state.is_over, state.end_reason) == (ref.is_over, ref.end_reason)
    assert state.moves == tuple(ref.moves) and state.move_number == len(ref.moves)
    assert state.score() == ref.score()
    assert state.winner == ref.winner
    for reason in reasons:
        if reason in ("suicide", "ko", "superko"):
            counts[f"{reason} ({ref.ko})" if reason == "superko" else reason] += 1


def replay(ref_args, moves):
    ref = ReferenceGo(**ref_args)
    for action in moves:
        ref.play(action)
    return ref


# what each ruleset's random games must have run into at least once (a check that the test bites)
MUST_HIT = {
    "tromp-taylor": ("ko", "suicide", "superko (positional)", "suicides played", "branches"),
    "chinese": ("ko", "suicide", "superko (positional)", "branches"),
    "simple": ("ko", "suicide", "branches"),
    "situational": ("ko", "suicide", "superko (situational)", "branches"),
}


@pytest.mark.parametrize("rule_name", RULE_NAMES)
def test_random_games_match_the_reference(rule_name):
    counts = Counter()

    @settings(max_examples=max(3, settings().max_examples // 2))
    @given(data=st.data(), size=st.sampled_from(SIZES), rules=rulesets([rule_name]))
    def check(data, size, rules):
        rules, ref_kwargs = rules
        superko_before, ko_before = counts[f"superko ({rules.ko})"], counts["ko"]
        longest = MAX_LENGTH[size]
        cap = data.draw(st.one_of(st.none(), st.integers(longest // 2, longest), st.integers(1, longest)),
                        label="max_moves")
        black, white, to_play, opening = random_setup(data, size)
        counts["ko seeds"] += bool(opening)
        state = GameState.setup(size, rules, black=black, white=white, to_play=to_play, max_moves=cap)
        ref_args = dict(size=size, max_moves=cap, black=black, white=white, to_play=to_play, **ref_kwargs)
        ref = ReferenceGo(**ref_args)
        line = [state]  # the states of the current line of play, to branch from
        assert_same(state, ref, counts)
        for _ in range(longest):
            if ref.is_over:
                break
            if len(line) > 3 and data.draw(st.integers(0, 24)) == 7:
                back = data.draw(st.integers(1, len(line) - 1))  # branch: go back and play on
                line = line[:-back]
                state = line[-1]
                ref = replay(ref_args, state.moves)
                counts["branches"] += 1
            action = opening.pop() if opening else pick_move(data, ref)
            if action != ref.pass_action:
                _, captured, suicided = ref.try_move(action, ref.to_play)
                counts["captures"] += bool(captured)
                counts["suicides played"] += bool(suicided)
            before = state.board
            state = state.play(action)
            ref.play(action)
            np.testing.assert_array_equal(line[-1].board, before)  # the parent is unchanged
            line.append(state)
            assert_same(state, ref, counts)
        counts["games"] += 1
        counts["moves"] += len(ref.moves)
        # steer generation towards games with ko fights and repetitions, the rare cases that matter
        target(float(counts[f"superko ({ref.ko})"] - superko_before), label="superko points")
        target(float(counts["ko"] - ko_before), label="ko points")

    check()
    print(rule_name, dict(counts))
    if not SMALL_BOARDS_ONLY:
        missed = [situation for situation in MUST_HIT[rule_name] if not counts[situation]]
        assert not missed, f"no {missed} situation arose: {dict(counts)}"


# ---------------------------------------------------------------- batched kernels
def board_of(boards, i):
    w = boards.width
    return boards.stones[i].reshape(w, w)[1:-1, 1:-1]


@given(data=st.data(), size=st.sampled_from(SIZES[:10]), batch=st.integers(1, 6), rules=rulesets())
def test_batched_kernels_match_the_reference(data, size, batch, rules):
    rules, ref_kwargs = rules
    cap = data.draw(st.integers(1, MAX_LENGTH[size] // 2), label="max_moves")
    boards = engine.new_boards(batch, size, engine.history_for(size, cap))
    codes = rules.codes(cap)
    refs = [ReferenceGo(size, max_moves=cap, **ref_kwargs) for _ in range(batch)]
    n2 = size * size
    for _ in range(cap + 1):
        masks = engine.legal_masks(boards, codes)
        scores = engine.scores(boards, codes)
        areas = engine.area_maps(boards)
        for i, ref in enumerate(refs):
            assert areas[i].tolist() == ref.area_map() == engine.area_map(boards, i).tolist()
            np.testing.assert_array_equal(board_of(boards, i), np.array(ref.board, np.int8))
            np.testing.assert_array_equal(masks[i], ref.legal_mask())
            assert scores[i] == pytest.approx(ref.score())
            assert tuple(boards.captures[i]) == tuple(ref.captures)
            assert boards.to_play[i] == ref.to_play
            assert engine.END_REASONS[int(boards.end_reason[i])] == ref.end_reason
        if all(ref.is_over for ref in refs):
            break
        actions, expected = [], []
        for ref in refs:
            kind = data.draw(st.integers(0, 9))
            if kind == 0:  # skip this game this time
                actions.append(engine.NO_ACTION)
                expected.append(None)
            elif kind == 1:  # anything at all, legal or not (the game must not change if illegal)
                actions.append(data.draw(st.integers(0, n2 + 1) | st.just(-2)))  # -1 is NO_ACTION
                expected.append(ref.illegal_reason(actions[-1]))
            else:
                actions.append(engine.NO_ACTION if ref.is_over else pick_move(data, ref))
                expected.append(None)
        status = engine.play_batch(boards, codes, np.array(actions, np.int64))
        assert [None if s == engine.OK else engine.STATUS_NAMES[int(s)] for s in status] == expected
        for ref, action, reason in zip(refs, actions, expected):
            if action != engine.NO_ACTION and reason is None:
                ref.play(action)


# ---------------------------------------------------------------- play_random_games
RANDOM_SIZES = [2, 3, 5] if SMALL_BOARDS_ONLY else [2, 3, 5, 9, 19]


@pytest.mark.parametrize("size", RANDOM_SIZES)
@pytest.mark.parametrize("ko_rule, allow_suicide", [
    (engine.KO_POSITIONAL, True), (engine.KO_POSITIONAL, False),
    (engine.KO_SIMPLE, True), (engine.KO_SITUATIONAL, False)])
def test_play_random_games(size, ko_rule, allow_suicide):
    n_games = 8 if SMALL_BOARDS_ONLY else 64
    cap = 2 * size * size
    games = engine.play_random_games(size, n_games, seed=7, ko_rule=ko_rule, allow_suicide=allow_suicide)
    assert games.lengths.shape == games.end_reasons.shape == games.scores.shape == (n_games,)
    assert ((games.lengths >= 2) & (games.lengths <= cap)).all()  # two passes take two moves
    two_passes = games.end_reasons == engine.END_TWO_PASSES
    capped = games.end_reasons == engine.END_MOVE_CAP
    assert (two_passes | capped).all()
    assert (games.lengths[capped] == cap).all()
    # area scores: an integer minus komi, within the board
    assert ((games.scores + 7.5) % 1 == 0).all()
    assert (np.abs(games.scores + 7.5) <= size * size).all()
    # deterministic for a seed, whatever the threading
    again = engine.play_random_games(size, n_games, seed=7, ko_rule=ko_rule, allow_suicide=allow_suicide)
    parallel = engine.play_random_games(size, n_games, seed=7, ko_rule=ko_rule, allow_suicide=allow_suicide,
                                        parallel=True)
    other = engine.play_random_games(size, n_games, seed=8, ko_rule=ko_rule, allow_suicide=allow_suicide)
    for result in (again, parallel):
        for field in ("lengths", "end_reasons", "scores"):
            np.testing.assert_array_equal(getattr(result, field), getattr(games, field))
    if size > 2:
        assert not np.array_equal(other.lengths, games.lengths) or not np.array_equal(other.scores, games.scores)


def test_play_random_games_respects_a_short_cap():
    games = engine.play_random_games(9, 32, seed=1, max_moves=10)
    assert (games.lengths <= 10).all()
    assert (games.lengths[games.end_reasons == engine.END_MOVE_CAP] == 10).all()
    # with a 1/82-ish chance of passing per move, almost every game reaches the cap
    assert (games.end_reasons == engine.END_MOVE_CAP).sum() >= 24


def test_random_games_statistics_on_9x9():
    """Uniform random play on 9x9 (seen: mean length ~131 of the 162 cap, ~60% of games end by two
    passes, white wins ~58% with komi 7.5). Loose bounds: a gross bias in move choice breaks them."""
    n_games = 32 if SMALL_BOARDS_ONLY else 400
    games = engine.play_random_games(9, n_games, seed=3, parallel=True)
    assert 100 < games.lengths.mean() < 162
    assert 0.3 < (games.end_reasons == engine.END_TWO_PASSES).mean() < 0.9
    assert 0.4 < (games.scores < 0).mean() < 0.8
