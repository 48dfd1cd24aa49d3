"""The Gymnasium env ``advgo/GoVsAgent-v0``: Gymnasium's checker, opponents from the registry, colours, masking,
bad input, and whole episodes cross-checked against the reference Go."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from reference_go import ReferenceGo

import advgo.env  # noqa: F401 - registers advgo/GoVsAgent-v0
from advgo.agents import RandomAgent
from advgo.env import ENV_ID, GoVsAgentEnv, OpponentError
from advgo.env.observation import OBS_PLANE_NAMES
from advgo.errors import IllegalMoveError

OWN, OPP = OBS_PLANE_NAMES.index("own"), OBS_PLANE_NAMES.index("opp")


@pytest.mark.parametrize("opponent", ["random", "zoo:cp2"])
def test_check_env(opponent):
    env = gymnasium.make(ENV_ID, opponent=opponent, board_size=9)
    check_env(env.unwrapped, skip_render_check=False)
    env.close()


def test_make_passes_arguments_and_wraps():
    env = gymnasium.make(ENV_ID, opponent="random", board_size=5, komi=0.5, learner_color="white")
    obs, info = env.reset(seed=3)
    assert obs["observation"].shape == (18, 5, 5)
    assert info["learner_color"] == "white" and info["opponent_action"] is not None
    assert obs["observation"][OPP].sum() == (info["opponent_action"] != 25)
    assert env.unwrapped.action_masks().dtype == bool
    assert info["action_mask"].dtype == np.int8
    env.action_space.sample(mask=info["action_mask"])  # Discrete.sample takes the int8 mask as it is


def _episode(env, rng, seed):
    """Random masked actions to the end; (learner actions, each step's result)."""
    obs, info = env.reset(seed=seed)
    steps = [(obs, 0.0, False, False, info)]
    while True:
        action = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, reward, term, trunc, info = env.step(action)
        steps.append((obs, reward, term, trunc, info))
        if term or trunc:
            return steps


@pytest.mark.parametrize("colour", ["black", "white"])
def test_episodes_match_the_reference(colour):
    """The opponent's moves (from ``info``) and the learner's, replayed on the reference Go, give the same boards,
    masks, end and reward."""
    env = GoVsAgentEnv(opponent="random", board_size=5, komi=2.5, max_moves=60, learner_color=colour)
    rng = np.random.default_rng(7)
    for episode in range(6):
        obs, info = env.reset(seed=episode)
        me = 1 if colour == "black" else -1
        ref = ReferenceGo(5, komi=2.5, max_moves=60)
        if me == -1:
            ref.play(info["opponent_action"])
        while True:
            board = np.array(ref.board)
            np.testing.assert_array_equal(obs["observation"][OWN], board == me)
            np.testing.assert_array_equal(obs["observation"][OPP], board == -me)
            np.testing.assert_array_equal(info["action_mask"].astype(bool), ref.legal_mask())
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            ref.play(action)
            obs, reward, term, trunc, info = env.step(action)
            if not ref.is_over:
                ref.play(info["opponent_action"])
            if term or trunc:
                assert ref.is_over and trunc == (ref.end_reason == "move_cap")
                assert reward == ref.winner * me
                assert info["score"] == pytest.approx(ref.score())
                assert not info["action_mask"].any() and not env.action_masks().any()
                break
            assert reward == 0


def test_alternating_colours_restart_on_a_seeded_reset():
    env = GoVsAgentEnv(opponent="random", board_size=5)
    colours = [env.reset(seed=0 if k == 0 else None)[1]["learner_color"] for k in range(4)]
    assert colours == ["black", "white", "black", "white"]
    assert env.reset(seed=5)[1]["learner_color"] == "black"
    random_env = GoVsAgentEnv(opponent="random", board_size=5, learner_color="random")
    seen = {random_env.reset(seed=s)[1]["learner_color"] for s in range(12)}
    assert seen == {"black", "white"}


def test_seeded_resets_repeat_the_opponent():
    env = GoVsAgentEnv(opponent="random", board_size=7, learner_color="white")
    first = [env.reset(seed=11)[1]["opponent_action"] for _ in range(3)]
    assert len(set(first)) == 1
    a = _episode(env, np.random.default_rng(0), seed=4)
    b = _episode(env, np.random.default_rng(0), seed=4)
    assert [s[4]["opponent_action"] for s in a] == [s[4]["opponent_action"] for s in b]


def test_illegal_move_loses_or_raises():
    env = GoVsAgentEnv(opponent="random", board_size=5, learner_color="black")
    env.reset(seed=0)
    _, _, _, _, info = env.step(12)
    taken = int(info["opponent_action"])
    obs, reward, term, trunc, info = env.step(12)  # our own stone
    assert (reward, term, trunc) == (-1.0, True, False)
    assert info["illegal_move"] == "occupied" and not obs["action_mask"].any()
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    strict = GoVsAgentEnv(opponent="random", board_size=5, learner_color="black", illegal_move="raise")
    strict.reset(seed=0)
    strict.step(12)
    with pytest.raises(IllegalMoveError, match="occupied"):
        strict.step(12)
    mask = strict.action_masks()
    assert not mask[12] and (taken == 25 or not mask[taken])
    strict.step(int(np.flatnonzero(mask)[0]))  # the episode goes on


@pytest.mark.parametrize("action", [-1, 26, 2.5, "pass"])
def test_out_of_range_actions(action):
    env = GoVsAgentEnv(opponent="random", board_size=5)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        env.step(action)
    env.step(25)


def test_step_before_reset():
    env = GoVsAgentEnv(opponent="random", board_size=5)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(opponent="zoo:cp2", board_size=7), "plays 9x9 only"),
    (dict(opponent="nonsense:thing"), "Accepted forms"),
    (dict(opponent=42), "agent spec"),
    (dict(learner_color="green"), "learner_color"),
    (dict(illegal_move="pass"), "illegal_move"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GoVsAgentEnv(**kwargs)


def test_gnugo_needs_its_rules(gnugo_installed):
    with pytest.raises(ValueError, match="chinese"):
        GoVsAgentEnv(opponent="gnugo:level=0", board_size=5)


def test_against_gnugo(gnugo_installed):
    env = gymnasium.make(ENV_ID, opponent="gnugo:level=0", board_size=5, rules="chinese", max_moves=40)
    steps = _episode(env, np.random.default_rng(1), seed=0)
    obs, reward, term, trunc, info = steps[-1]
    assert reward in (-1.0, 0.0, 1.0) and (term or trunc)
    assert info["moves"] <= 40
    env.close()
    assert env.unwrapped.opponent.name  # closed, not lost


class _Liar(RandomAgent):
    def select(self, boards, games):
        return np.full(len(games), 99, np.int64)


def test_an_opponent_with_an_illegal_move_is_a_clear_error():
    env = GoVsAgentEnv(opponent=_Liar(), board_size=5, learner_color="white")
    with pytest.raises(OpponentError, match="action 99"):
        env.reset(seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)


def test_render():
    env = GoVsAgentEnv(opponent="random", board_size=9, render_mode="ansi", learner_color="black")
    env.reset(seed=0)
    env.step(40)
    text = env.render()
    assert "learner plays black (X) against random" in text and "move 2" in text
    env = GoVsAgentEnv(opponent="random", board_size=9, render_mode="rgb_array")
    env.reset(seed=0)
    assert env.render().shape == (320, 320, 3)
