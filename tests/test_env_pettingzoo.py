"""The PettingZoo AEC env ``go_v0``: PettingZoo's own conformance tests, and whole games cross-checked against the
plain-Python reference Go (moves, legality, observation planes, rewards)."""

from __future__ import annotations

import types

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pettingzoo.test import api_test, max_cycles_test, render_test, seed_test
from reference_go import ReferenceGo

from advgo.env import go_v0
from advgo.env.observation import KOMI_PLANE, NUM_OBS_PLANES, OBS_PLANE_NAMES
from advgo.errors import IllegalMoveError

OWN, OPP, LEGAL = OBS_PLANE_NAMES.index("own"), OBS_PLANE_NAMES.index("opp"), OBS_PLANE_NAMES.index("legal")


def test_api_test():
    api_test(go_v0.env(board_size=5), num_cycles=200)
    api_test(go_v0.env(board_size=9, max_moves=30, rules="chinese"), num_cycles=100)


def test_seed_test():
    seed_test(lambda: go_v0.env(board_size=7), num_cycles=100)


def test_render_test():
    render_test(lambda render_mode=None: go_v0.env(board_size=9, render_mode=render_mode))


class _SeededModule(types.SimpleNamespace):
    """``max_cycles_test`` samples actions *without* the mask, so on a small board one of them may be illegal and
    legitimately end the game early. A 19x19 board with seeded action spaces makes the run repeatable."""

    @staticmethod
    def _seed(env, agents):
        for k, agent in enumerate(agents):
            env.action_space(agent).seed(1000 + k)
        return env

    @classmethod
    def env(cls, max_cycles):
        return cls._seed(go_v0.env(board_size=19, max_cycles=max_cycles), go_v0.AGENTS)

    @classmethod
    def parallel_env(cls, max_cycles):
        return cls._seed(go_v0.parallel_env(board_size=19, max_cycles=max_cycles), go_v0.AGENTS)


def test_max_cycles_test():
    max_cycles_test(_SeededModule())


def _play_random_game(env, rng, max_steps=10_000):
    """Masked random actions to the end; the (agent, action) pairs played and each step's ``last()``."""
    env.reset(seed=int(rng.integers(1 << 30)))
    played, seen = [], []
    for agent in env.agent_iter(max_steps):
        obs, reward, term, trunc, info = env.last()
        seen.append((agent, obs, reward, term, trunc, info))
        if term or trunc:
            env.step(None)
            continue
        legal = np.flatnonzero(obs["action_mask"])
        action = int(rng.choice(legal)) if rng.random() > 0.1 else len(obs["action_mask"]) - 1
        played.append((agent, action))
        env.step(action)
    return played, seen


@given(size=st.integers(2, 7), seed=st.integers(0, 2**31 - 1), rules=st.sampled_from(["tromp-taylor", "chinese"]),
       cap=st.sampled_from([None, 12, 40]))
def test_games_match_the_reference(size, seed, rules, cap):
    """Every step of a random game: the mask is the reference's legal set, the planes show the reference board from
    the agent's side, the end and the rewards are the reference's."""
    env = go_v0.env(board_size=size, komi=5.5, rules=rules, max_moves=cap)
    played, seen = _play_random_game(env, np.random.default_rng(seed))
    ref = ReferenceGo(size, komi=5.5, suicide=rules == "tromp-taylor", max_moves=cap)
    moves = iter(played)
    for agent, obs, reward, term, trunc, info in seen:
        colour = 1 if agent == "black_0" else -1
        board = np.array(ref.board)
        assert obs["observation"].shape == (NUM_OBS_PLANES, size, size)
        np.testing.assert_array_equal(obs["observation"][OWN], (board == colour).astype(np.float32))
        np.testing.assert_array_equal(obs["observation"][OPP], (board == -colour).astype(np.float32))
        assert np.allclose(obs["observation"][KOMI_PLANE], -colour * 5.5 / 15)
        if term or trunc:
            assert ref.is_over
            assert not obs["action_mask"].any()
            winner = ref.winner
            assert reward == winner * colour
            assert info["end_reason"] == ref.end_reason
            assert info["score"] == pytest.approx(ref.score())
            assert trunc == (ref.end_reason == "move_cap")
            continue
        assert colour == ref.to_play
        np.testing.assert_array_equal(obs["action_mask"].astype(bool), np.array(ref.legal_mask()))
        np.testing.assert_array_equal(obs["observation"][LEGAL].reshape(-1).astype(bool),
                                      np.array(ref.legal_mask())[:-1])
        assert reward == 0
        mover, action = next(moves)
        assert mover == agent
        ref.play(action)
    assert next(moves, None) is None


def test_non_mover_sees_its_own_side_and_no_moves():
    env = go_v0.env(board_size=5)
    env.reset()
    env.step(12)  # black C3
    black, white = env.observe("black_0"), env.observe("white_0")
    assert black["observation"][OWN].sum() == 1 and white["observation"][OPP].sum() == 1
    assert not black["action_mask"].any() and white["action_mask"].sum() == 25  # 24 points + pass
    assert black["observation"][KOMI_PLANE][0, 0] == pytest.approx(-7.5 / 15)
    assert white["observation"][KOMI_PLANE][0, 0] == pytest.approx(7.5 / 15)


def test_observations_are_fresh_arrays():
    env = go_v0.env(board_size=5)
    env.reset()
    first = env.last()[0]
    env.step(0)
    env.step(1)
    assert first["observation"][OWN].sum() == 0, "a kept observation changed under the caller"


def _occupied_game(illegal_move):
    env = go_v0.env(board_size=5, illegal_move=illegal_move)
    env.reset()
    env.step(6)
    return env


def test_illegal_move_loses_by_default():
    env = _occupied_game("lose")
    env.step(6)  # white on black's stone
    rewards = {}
    for agent in env.agent_iter():
        obs, reward, term, trunc, info = env.last()
        assert term and not obs["action_mask"].any()
        assert info["end_reason"] == "illegal_move" and info["illegal_move"] == "occupied"
        rewards[agent] = reward
        env.step(None)
    assert rewards == {"white_0": -1.0, "black_0": 0.0}


def test_illegal_move_can_raise_and_leaves_the_game_as_it_was():
    env = _occupied_game("raise")
    before = env.observe("white_0")
    with pytest.raises(IllegalMoveError, match="occupied"):
        env.step(6)
    assert env.agent_selection == "white_0"
    np.testing.assert_array_equal(env.observe("white_0")["observation"], before["observation"])
    env.step(7)  # the same agent chooses again
    assert env.agent_selection == "black_0"


@pytest.mark.parametrize("action", [-1, 26, 3.0, "a1", None])
def test_bad_actions_are_clear_errors(action):
    env = go_v0.env(board_size=5)
    env.reset()
    with pytest.raises(ValueError, match="action"):
        env.step(action)
    env.step(0)  # nothing was corrupted
    assert env.agent_selection == "white_0"


@pytest.mark.parametrize("make", [go_v0.env, go_v0.raw_env])
def test_stepping_a_finished_game(make):
    env = make(board_size=3)
    env.reset()
    env.step(9)
    env.step(9)  # two passes
    assert all(env.terminations.values())
    with pytest.raises(ValueError, match="None"):  # a finished agent's only step is None
        env.step(0)
    env.step(None)
    env.step(None)
    assert env.agents == []
    if make is go_v0.raw_env:
        with pytest.raises(RuntimeError, match="reset"):
            env.step(0)
    else:
        env.step(0)  # PettingZoo's order-enforcing wrapper warns and ignores the step
    assert env.agents == []
    env.reset()
    assert env.agents == ["black_0", "white_0"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(board_size=1), "board size"), (dict(board_size=25), "board size"), (dict(rules="japanese"), "ruleset"),
    (dict(max_moves=0), "max_moves"), (dict(max_moves=10, max_cycles=4), "disagree"),
    (dict(illegal_move="ignore"), "illegal_move"), (dict(render_mode="pygame"), "render_mode"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        go_v0.env(**kwargs)


def test_no_cap_games_outgrow_the_history_buffer():
    """Without a cap a game may be longer than the first history buffer; it grows instead of ending."""
    env = go_v0.raw_env(board_size=2)
    env.reset()
    rng = np.random.default_rng(3)
    moves = 0
    while not any(env.terminations.values()) and moves < 2000:
        mask = env.observe(env.agent_selection)["action_mask"]
        legal = np.flatnonzero(mask[:-1])  # never pass: the game runs until superko leaves only pass
        env.step(int(rng.choice(legal)) if len(legal) else 4)
        moves += 1
    assert not any(env.truncations.values())


def test_render_modes():
    env = go_v0.env(board_size=9, render_mode="ansi")
    env.reset()
    env.step(40)  # E5
    text = env.render()
    assert "A B C D E F G H J" in text and "(X)" in text and "white (O) to play" in text
    image = go_v0.env(board_size=9, render_mode="rgb_array")
    image.reset()
    image.step(40)
    frame = image.render()
    assert frame.dtype == np.uint8 and frame.shape == (320, 320, 3)
    centre = frame[32 * 5, 32 * 5]
    assert centre.tolist() != [220, 179, 92]


def test_parallel_env_plays_cycles():
    env = go_v0.parallel_env(board_size=5, max_cycles=3)
    obs, infos = env.reset(seed=1)
    assert set(obs) == {"black_0", "white_0"}
    for k in range(3):
        assert env.agents == ["black_0", "white_0"]
        obs, rewards, terms, truncs, infos = env.step({"black_0": k, "white_0": 24 - k})
    assert all(truncs.values()) and env.agents == []
    assert obs["black_0"]["observation"][OWN].sum() == 3
    assert infos["black_0"]["end_reason"] == "move_cap"


@given(size=st.integers(2, 9), seed=st.integers(0, 2**31 - 1), moves=st.integers(0, 60))
def test_the_other_side_sees_the_same_position_mirrored(size, seed, moves):
    """Both agents' views of one position: stones and liberty planes swap sides, the mover-only planes (ko, legal)
    are empty for the other agent, history and pass planes agree, komi changes sign."""
    env = go_v0.raw_env(board_size=size)
    env.reset()
    rng = np.random.default_rng(seed)
    for _ in range(moves):
        if any(env.terminations.values()):
            break
        mask = env.observe(env.agent_selection)["action_mask"]
        env.step(int(rng.choice(np.flatnonzero(mask))))
    mover = env.agent_selection
    other = "white_0" if mover == "black_0" else "black_0"
    a, b = env.observe(mover)["observation"], env.observe(other)["observation"]
    names = {name: k for k, name in enumerate(OBS_PLANE_NAMES)}
    for own, opp in (("own", "opp"), ("own_lib1", "opp_lib1"), ("own_lib2", "opp_lib2"), ("own_lib3", "opp_lib3")):
        np.testing.assert_array_equal(a[names[own]], b[names[opp]])
        np.testing.assert_array_equal(a[names[opp]], b[names[own]])
    assert not b[names["ko"]].any() and not b[names["legal"]].any()
    for shared in ("on_board", "last_move_1", "last_move_2", "last_move_3", "last_move_4", "pass_1", "pass_2"):
        np.testing.assert_array_equal(a[names[shared]], b[names[shared]])
    np.testing.assert_array_equal(a[names["komi"]], -b[names["komi"]])
