"""The ``advgo-v1`` encoder against a slow numpy twin, and the 8 board symmetries.

The twin (``slow_features``) reads only a ``GameState``'s public API (board, player to move, moves, legal
mask, illegal reasons, komi) and counts liberties by flood fill; hypothesis plays random games under every
ko rule, with and without suicide, and every position along the way must encode identically.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import SMALL_BOARDS_ONLY
from hypothesis import given
from hypothesis import strategies as st

from advgo import GameState, Rules, engine
from advgo.features import (
    FEATURES,
    NUM_GLOBALS,
    NUM_PLANES,
    SYMMETRIES,
    encode_batch,
    encode_state,
    inverse,
    policy_permutation,
    transform_action,
    transform_planes,
    transform_policy,
)

SIZES = [2, 3, 4, 5] if SMALL_BOARDS_ONLY else [2, 3, 3, 4, 5, 5, 7, 9, 9, 13, 19]
MAX_MOVES = {2: 40, 3: 60, 4: 80, 5: 80, 7: 60, 9: 60, 13: 30, 19: 30}
RULES = [Rules.tromp_taylor(), Rules.chinese(0.5), Rules(komi=-3.0, ko="simple", suicide=True, name="custom"),
         Rules(komi=6.5, ko="situational", suicide=False, name="custom")]


# ---------------------------------------------------------------------------------------------- the twin
def flood_liberties(board: np.ndarray, row: int, col: int) -> int:
    n = board.shape[0]
    colour = board[row, col]
    chain, todo, libs = {(row, col)}, [(row, col)], set()
    while todo:
        r, c = todo.pop()
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= rr < n and 0 <= cc < n:
                if board[rr, cc] == 0:
                    libs.add((rr, cc))
                elif board[rr, cc] == colour and (rr, cc) not in chain:
                    chain.add((rr, cc))
                    todo.append((rr, cc))
    return len(libs)


def slow_features(state: GameState) -> tuple[np.ndarray, np.ndarray]:
    n, me, board = state.size, state.to_play, state.board
    planes = np.zeros((NUM_PLANES, n, n), np.float32)
    planes[0] = board == me
    planes[1] = board == -me
    planes[2] = 1
    for r in range(n):
        for c in range(n):
            if board[r, c]:
                libs = min(flood_liberties(board, r, c), 3)
                planes[(3 if board[r, c] == me else 6) + libs - 1, r, c] = 1
    for a in range(n * n):
        planes[9, a // n, a % n] = state.illegal_reason(a) == "ko"
    planes[10] = state.legal_mask()[: n * n].reshape(n, n)
    moves = state.moves
    for k in range(4):
        if len(moves) > k and moves[-1 - k] != n * n:
            planes[11 + k, moves[-1 - k] // n, moves[-1 - k] % n] = 1
    komi = state.rules.komi if me == engine.WHITE else -state.rules.komi
    passes = [len(moves) > k and moves[-1 - k] == n * n for k in range(2)]
    return planes, np.array([komi / 15, *passes, 1], np.float32)


def random_line(size: int, rules: Rules, seed: int, length: int, pass_rate: float = 0.08) -> list[GameState]:
    """A random game as its list of states (passes at ``pass_rate``, so some games end by two passes)."""
    rng = np.random.default_rng(seed)
    states = [GameState.new(size, rules)]
    while len(states) <= length and not states[-1].is_over:
        legal = states[-1].legal_actions()
        board_moves = legal[legal != size * size]
        if len(board_moves) and rng.random() > pass_rate:
            states.append(states[-1].play(int(rng.choice(board_moves))))
        else:
            states.append(states[-1].play(size * size))
    return states


games = st.builds(
    lambda size, rules, seed, frac: (size, rules, seed, int(frac * MAX_MOVES[size])),
    st.sampled_from(SIZES), st.sampled_from(RULES), st.integers(0, 2**32 - 1), st.floats(0, 1),
)


# ---------------------------------------------------------------------------------------------- encoder
def test_feature_set():
    assert (FEATURES.name, FEATURES.version, FEATURES.planes, FEATURES.globals) == ("advgo-v1", 1, 15, 4)


@given(games)
def test_encoder_matches_slow_twin(game):
    size, rules, seed, length = game
    for state in random_line(size, rules, seed, length):
        planes, globals_ = encode_state(state)
        want_planes, want_globals = slow_features(state)
        assert planes.dtype == np.float32 and planes.shape == (NUM_PLANES, size, size)
        for k in range(NUM_PLANES):
            np.testing.assert_array_equal(planes[k], want_planes[k], err_msg=f"plane {k}\n{state}")
        np.testing.assert_allclose(globals_, want_globals, rtol=1e-6, err_msg=str(state))


def test_ko_plane_and_end_of_game():
    # black captures at C9 (action 2): white may not retake at B9 (action 1) at once
    state = GameState.setup(9, black=(0, 10), white=(1, 3, 11), to_play=engine.BLACK)
    state = state.play(2)
    planes, _ = encode_state(state)
    assert planes[9].sum() == 1 and planes[9, 0, 1] == 1 and planes[10, 0, 1] == 0
    over = state.play(81).play(81)
    planes, globals_ = encode_state(over)
    assert planes[9].sum() == 0 and planes[10].sum() == 0 and globals_[1] == globals_[2] == 1


@given(st.sampled_from([3, 5, 9]), st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_encode_batch_matches_per_game(size, seed, count):
    """Games stepped together in one Boards buffer encode as the same games played as GameStates."""
    rules = Rules.chinese(7.5)
    batch, rng = 6, np.random.default_rng(seed)
    boards = engine.new_boards(batch, size, 40)
    codes = rules.codes(39)
    states = [GameState.new(size, rules, max_moves=39) for _ in range(batch)]
    for _ in range(rng.integers(0, 30)):
        actions = np.array([rng.choice(s.legal_actions()) if not s.is_over else engine.NO_ACTION for s in states])
        engine.play_batch(boards, codes, actions)
        states = [s if a == engine.NO_ACTION else s.play(int(a)) for s, a in zip(states, actions)]
    planes = np.full((batch + 1, NUM_PLANES, size, size), -7, np.float32)
    globals_ = np.full((batch + 1, NUM_GLOBALS), -7, np.float32)
    encode_batch(boards, count, rules.komi, planes, globals_, codes)
    for i in range(count):
        want_planes, want_globals = slow_features(states[i])
        np.testing.assert_array_equal(planes[i], want_planes)
        np.testing.assert_allclose(globals_[i], want_globals, rtol=1e-6)
    assert (planes[count:] == -7).all() and (globals_[count:] == -7).all()  # the rest untouched


def test_encode_batch_rejects_bad_buffers():
    boards = engine.new_boards(2, 5, 10)
    good_p, good_g = np.zeros((2, NUM_PLANES, 5, 5), np.float32), np.zeros((2, NUM_GLOBALS), np.float32)
    bad = [
        (np.zeros((2, NUM_PLANES, 5, 5), np.float64), good_g, "float32"),
        (np.zeros((1, NUM_PLANES, 5, 5), np.float32), good_g, "shape"),
        (np.zeros((2, NUM_PLANES, 9, 9), np.float32), good_g, "shape"),
        (good_p, np.zeros((2, 3), np.float32), "shape"),
        (np.zeros((2, NUM_PLANES, 5, 10), np.float32)[..., ::2], good_g, "C-contiguous"),
    ]
    for planes, globals_, words in bad:
        with pytest.raises(ValueError, match=words):
            encode_batch(boards, 2, 7.5, planes, globals_)
    with pytest.raises(ValueError, match="count"):
        encode_batch(boards, 3, 7.5, good_p, good_g)
    encode_batch(boards, 2, 7.5, good_p, good_g)  # rules default to Tromp-Taylor
    assert good_p[:, 10].sum() == 2 * 25 and np.allclose(good_g[:, 0], -0.5)


# ---------------------------------------------------------------------------------------------- symmetry
@pytest.mark.parametrize("size", [2, 5, 9])
@pytest.mark.parametrize("k", SYMMETRIES)
def test_policy_transform_matches_plane_transform(size, k):
    n2 = size * size
    for a in range(n2 + 1):
        policy = np.zeros(n2 + 1, np.float32)
        policy[a] = 1
        moved = transform_policy(policy, k, size)
        if a == n2:
            assert moved[n2] == 1 and moved.sum() == 1
            continue
        plane = transform_planes(policy[:n2].reshape(size, size), k)
        np.testing.assert_array_equal(moved[:n2], plane.reshape(-1))
        assert moved[n2] == 0 and moved[transform_action(a, k, size)] == 1


@pytest.mark.parametrize("k", SYMMETRIES)
def test_inverse_composes_to_identity(k):
    rng = np.random.default_rng(k)
    x = rng.normal(size=(3, 2, 7, 7))
    p = rng.normal(size=(4, 50))
    np.testing.assert_array_equal(transform_planes(transform_planes(x, k), inverse(k)), x)
    np.testing.assert_array_equal(transform_planes(transform_planes(x, inverse(k)), k), x)
    np.testing.assert_array_equal(transform_policy(transform_policy(p, k, 7), inverse(k), 7), p)
    assert inverse(inverse(k)) == k
    perm = policy_permutation(k, 7)
    assert sorted(perm) == list(range(50)) and perm[-1] == 49


def test_symmetries_are_the_eight_distinct_ones_and_torch_agrees():
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    images = {transform_planes(x, k).tobytes() for k in SYMMETRIES}
    assert len(images) == 8
    t = torch.from_numpy(np.arange(2 * 3 * 5 * 5, dtype=np.float32).reshape(2, 3, 5, 5))
    p = torch.arange(2 * 26, dtype=torch.float32).reshape(2, 26)
    for k in SYMMETRIES:
        np.testing.assert_array_equal(transform_planes(t, k).numpy(), transform_planes(t.numpy(), k))
        np.testing.assert_array_equal(transform_policy(p, k, 5).numpy(), transform_policy(p.numpy(), k, 5))
    with pytest.raises(ValueError, match="symmetry"):
        inverse(8)


@given(st.sampled_from([3, 4, 5, 9]), st.integers(0, 2**32 - 1), st.sampled_from(SYMMETRIES))
def test_encoding_commutes_with_symmetry(size, seed, k):
    """Playing the transformed moves encodes to the transformed planes (and the same globals)."""
    line = random_line(size, Rules.tromp_taylor(), seed, MAX_MOVES[size] // 2)
    moved = GameState.new(size, Rules.tromp_taylor())
    for state in line[1:]:
        moved = moved.play(transform_action(state.moves[-1], k, size))
        planes, globals_ = encode_state(state)
        moved_planes, moved_globals = encode_state(moved)
        np.testing.assert_array_equal(moved_planes, transform_planes(planes, k))
        np.testing.assert_array_equal(moved_globals, globals_)
