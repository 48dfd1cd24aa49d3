"""Environments for other RL code: PettingZoo (two learners), Gymnasium (a learner against any frozen agent), vector.

| entry point | what it is |
|---|---|
| ``go_v0.env(board_size=9, komi=7.5, rules="tromp-taylor", max_moves=None, render_mode=None)`` | PettingZoo AEC env, agents ``black_0`` / ``white_0`` (docs: :mod:`advgo.env.go_v0`) |
| ``go_v0.parallel_env(...)`` | the same game through PettingZoo's Parallel API (one move per agent per step) |
| ``gymnasium.make("advgo/GoVsAgent-v0", opponent="zoo:cp2", ...)`` | :class:`GoVsAgentEnv`: one learner against an agent spec |
| ``GoVectorEnv(num_envs, opponent=..., board_size=9)`` | ``gymnasium.vector.VectorEnv``: batched games, batched opponent, autoreset; also ``gymnasium.make_vec("advgo/GoVsAgent-v0", num_envs=..., vectorization_mode="vector_entry_point")`` |

Importing this package registers ``advgo/GoVsAgent-v0`` with Gymnasium. Observations, action ids and rewards are
the same in all of them (:mod:`advgo.env.observation`).
"""

import gymnasium

from . import go_v0
from .observation import NUM_OBS_PLANES, OBS_PLANE_NAMES
from .vector import GoVectorEnv
from .vs_agent import GoVsAgentEnv, OpponentError

ENV_ID = "advgo/GoVsAgent-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="advgo.env.vs_agent:GoVsAgentEnv",
                       vector_entry_point="advgo.env.vector:GoVectorEnv")

__all__ = ["ENV_ID", "GoVectorEnv", "GoVsAgentEnv", "NUM_OBS_PLANES", "OBS_PLANE_NAMES", "OpponentError", "go_v0"]
