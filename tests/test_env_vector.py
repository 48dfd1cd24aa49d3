"""``GoVectorEnv``: the batched env gives, sub-env by sub-env, what the single Gymnasium env gives for the same
actions against the same deterministic opponent; autoreset in both modes; bad input."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import advgo.env  # noqa: F401 - registers the env and its vector entry point
from advgo.agents import RandomAgent
from advgo.env import ENV_ID, GoVectorEnv, GoVsAgentEnv, OpponentError
from advgo.env.observation import OBS_PLANE_NAMES
from advgo.errors import IllegalMoveError

OWN = OBS_PLANE_NAMES.index("own")


class FirstLegal(RandomAgent):
    """A deterministic, batch-independent opponent: the lowest legal point after a fixed offset, else pass."""

    name = "first-legal"

    def select(self, boards, games):
        out = np.empty(len(games), np.int64)
        for k, b in enumerate(games):
            legal = np.flatnonzero(self._legal(boards, b))
            offset = (int(boards.move_count[b]) * 7) % len(legal)
            out[k] = legal[offset]
        return out


def _masked(rng, masks):
    """One random legal action per row of int8 masks."""
    noise = rng.random(masks.shape) * masks
    return noise.argmax(axis=1)


@pytest.mark.parametrize("mode", ["next_step", "same_step"])
def test_vector_env_matches_single_envs(mode):
    n, size = 6, 5
    vec = GoVectorEnv(n, opponent=FirstLegal(), board_size=size, max_moves=30, autoreset_mode=mode)
    singles = [GoVsAgentEnv(opponent=FirstLegal(), board_size=size, max_moves=30) for _ in range(n)]
    obs, infos = vec.reset(seed=0)
    for i, (o, info) in enumerate(env.reset(seed=0) for env in singles):
        np.testing.assert_array_equal(obs["observation"][i], o["observation"])
        np.testing.assert_array_equal(infos["action_mask"][i], info["action_mask"])
    rng = np.random.default_rng(5)
    pending = np.zeros(n, bool)  # next_step: the single env must be reset where the vector env autoresets
    finished = 0
    for _ in range(120):
        actions = _masked(rng, infos["action_mask"])
        obs, rewards, terms, truncs, infos = vec.step(actions)
        for i, env in enumerate(singles):
            if pending[i]:
                pending[i] = False
                o, info = env.reset()
                r, te, tr = 0.0, False, False
            else:
                o, r, te, tr, info = env.step(int(actions[i]))
            if mode == "same_step" and (te or tr):
                np.testing.assert_array_equal(infos["final_obs"][i]["observation"], o["observation"])
                assert infos["final_info"]["score"][i] == pytest.approx(info["score"])
                o, info = env.reset()
            elif mode == "next_step" and (te or tr):
                pending[i] = True
            finished += te or tr
            np.testing.assert_array_equal(obs["observation"][i], o["observation"])
            np.testing.assert_array_equal(infos["action_mask"][i], info["action_mask"])
            assert (rewards[i], terms[i], truncs[i]) == (r, te, tr)
    assert finished >= n, "the run should have finished several episodes"


def test_opponent_moves_are_one_batch():
    calls = []

    class Counting(FirstLegal):
        def select(self, boards, games):
            calls.append(len(games))
            return super().select(boards, games)

    vec = GoVectorEnv(16, opponent=Counting(), board_size=5, learner_color="black")
    _, infos = vec.reset(seed=0)
    calls.clear()
    vec.step(_masked(np.random.default_rng(0), infos["action_mask"]))
    assert calls == [16]


def test_zoo_opponent_and_make_vec():
    envs = gymnasium.make_vec(ENV_ID, num_envs=8, vectorization_mode="vector_entry_point", opponent="zoo:cp2",
                              board_size=9)
    obs, infos = envs.reset(seed=0)
    assert obs["observation"].shape == (8, 18, 9, 9)
    rng = np.random.default_rng(0)
    total = 0
    for _ in range(50):
        obs, rewards, terms, truncs, infos = envs.step(_masked(rng, infos["action_mask"]))
        total += int((terms | truncs).sum())
    assert set(np.unique(rewards)) <= {-1.0, 0.0, 1.0}
    envs.close()


def test_illegal_actions():
    vec = GoVectorEnv(4, opponent=FirstLegal(), board_size=5, learner_color="black")
    _, infos = vec.reset(seed=0)
    actions = _masked(np.random.default_rng(0), infos["action_mask"][:, :-1])  # points, never a pass
    vec.step(actions)
    again = actions.copy()  # replaying the first moves: every point is now occupied
    obs, rewards, terms, truncs, infos = vec.step(again)
    assert terms.all() and (rewards == -1).all() and infos["illegal_move"].all()
    assert not obs["action_mask"].any()
    strict = GoVectorEnv(4, opponent=FirstLegal(), board_size=5, learner_color="black", illegal_move="raise")
    _, infos = strict.reset(seed=0)
    strict.step(actions)
    before = strict.action_masks().copy()
    with pytest.raises(IllegalMoveError, match=r"occupied\); no game was changed"):
        strict.step(actions)
    np.testing.assert_array_equal(strict.action_masks(), before)


@pytest.mark.parametrize("actions", [np.array([0, 1, 2]), np.array([0, 1, 2, 26]), np.array([0.5, 1, 2, 3])])
def test_bad_action_batches(actions):
    vec = GoVectorEnv(4, opponent="random", board_size=5)
    vec.reset(seed=0)
    with pytest.raises(ValueError, match="action"):
        vec.step(actions)


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_envs=0), "num_envs"), (dict(num_envs=2, autoreset_mode="never"), "autoreset_mode"),
    (dict(num_envs=2, opponent="zoo:cp2", board_size=5), "9x9 only"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GoVectorEnv(**kwargs)


def test_opponent_errors_name_the_sub_env():
    class Liar(RandomAgent):
        def select(self, boards, games):
            return np.full(len(games), 999, np.int64)

    vec = GoVectorEnv(3, opponent=Liar(), board_size=5, learner_color="white")
    with pytest.raises(OpponentError, match="sub-env 0"):
        vec.reset(seed=0)


def test_bench_env_cli(tmp_path):
    """``advgo bench env`` end to end, tiny: every part gets a record with a positive rate."""
    import json
    import os
    import subprocess
    import sys

    path = tmp_path / "env.json"
    proc = subprocess.run([sys.executable, "-m", "advgo", "bench", "env", "--board", "5", "--seconds", "0.3",
                           "--opponents", "random", "--vector-sizes", "4,16", "--no-compare", "--json", str(path)],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, COLUMNS="160"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = json.loads(path.read_text())["records"]
    assert [(r["part"], r.get("num_envs")) for r in records] == [("aec", None), ("gym", None), ("vector", 4),
                                                                  ("vector", 16)]
    assert all(r["steps_per_s"] > 0 and r["board"] == 5 for r in records)
    assert "steps/s" in proc.stdout
