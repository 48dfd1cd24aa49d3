"""``GoVectorEnv``: ``num_envs`` games against one frozen opponent, as a ``gymnasium.vector.VectorEnv``.

```python
from advgo.env import GoVectorEnv
envs = GoVectorEnv(1024, opponent="zoo:cp2", board_size=9)
obs, infos = envs.reset(seed=0)                       # obs["observation"]: float32 [1024, 18, 9, 9]
obs, rewards, terminations, truncations, infos = envs.step(actions)   # actions: int [1024]
```

Each sub-env is :mod:`advgo.env.vs_agent`'s game (same observation, rewards, ``learner_color`` and
``illegal_move``), but a step is whole-batch work: the learners' moves are one Numba call over all boards, the
opponent chooses its replies for every game at once (one batched net evaluation, or one batched search), and
the observations of all games are encoded by one more Numba call.

Autoreset (``metadata["autoreset_mode"]``): ``"next_step"`` (Gymnasium's default) — the step after an episode
ended ignores that sub-env's action and returns the first observation of its next episode, with reward 0 — or
``"same_step"`` — the finished sub-env is reset at once; its last observation and info are in
``infos["final_obs"]`` / ``infos["final_info"]`` (with the masks ``infos["_final_obs"]`` / ``infos["_final_info"]``).

Infos hold ``action_mask`` (int8 [B, N*N + 1]) and, for the sub-envs whose episode ended this step, ``score``,
``moves`` and ``illegal_move`` (bool) with their ``_``-prefixed masks. ``action_masks()`` gives bool [B, N*N + 1].
An illegal action under ``illegal_move="raise"`` raises before any game changes. ``threads``: torch CPU threads when
the env makes a net opponent from a spec (1 by default, :mod:`advgo.nets.threads`; None leaves torch's setting).
"""

from __future__ import annotations

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..diagram import board_text
from ..engine import NO_ACTION
from ..engine.constants import BLACK, END_MOVE_CAP, END_TWO_PASSES, OK, WHITE
from ..engine.moves import check_action
from ..errors import IllegalMoveError
from ..nets.threads import DEFAULT_THREADS
from .games import EnvGames, parse_rules, status_name
from .go_v0 import check_illegal_mode
from .observation import NUM_OBS_PLANES, observation_space
from .render import board_image
from .vs_agent import OpponentError, check_learner_color, make_opponent

AUTORESET_MODES = {"next_step": AutoresetMode.NEXT_STEP, "same_step": AutoresetMode.SAME_STEP}


class GoVectorEnv(VectorEnv):
    def __init__(self, num_envs: int, opponent="random", board_size: int = 9, komi: float = 7.5,
                 rules="tromp-taylor", max_moves: int | None = None, learner_color: str = "alternate",
                 illegal_move: str = "lose", autoreset_mode: str = "next_step", render_mode: str | None = None,
                 device="cpu", seed: int = 0, copy: bool = True, threads: int | None = DEFAULT_THREADS):
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
        if autoreset_mode not in AUTORESET_MODES:
            raise ValueError(f"autoreset_mode must be one of {', '.join(AUTORESET_MODES)}, got {autoreset_mode!r}")
        if render_mode not in (None, "ansi", "rgb_array"):
            raise ValueError(f"render_mode must be 'ansi', 'rgb_array' or None, got {render_mode!r}")
        self.num_envs = int(num_envs)
        self.illegal_move = check_illegal_mode(illegal_move)
        self.learner_color = check_learner_color(learner_color)
        self.autoreset_mode = autoreset_mode
        self.render_mode = render_mode
        self.copy = copy
        self.metadata = {"autoreset_mode": AUTORESET_MODES[autoreset_mode], "render_modes": ["ansi", "rgb_array"]}
        self._games = EnvGames(self.num_envs, board_size, parse_rules(rules, komi), max_moves)
        self.board_size = self._games.size
        self.rules = self._games.rules
        self.single_observation_space = observation_space(self.board_size, self.rules.komi)
        self.single_action_space = gymnasium.spaces.Discrete(self._games.num_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.opponent, self._owns_opponent = make_opponent(opponent, self.board_size, self.rules, seed, device,
                                                           threads)
        self.opponent.start(self.board_size, self.rules, self.num_envs)
        b, n, a = self.num_envs, self.board_size, self._games.num_actions
        self._colour = np.full(b, BLACK, np.int8)  # [B] the learner's colour in each sub-env
        self._episodes = np.zeros(b, np.int64)  # [B] episodes started per sub-env
        self._needs_reset = np.zeros(b, np.bool_)  # [B] next_step mode: ended at the last step
        self._illegal = np.zeros(b, np.bool_)  # [B] the current episode ended on an illegal move
        self._obs = np.zeros((b, NUM_OBS_PLANES, n, n), np.float32)  # [B, C, N, N] the last observation
        self._mask = np.zeros((b, a), np.int8)  # [B, A] the last action masks
        self._all = np.arange(b, dtype=np.int64)
        self._started = False

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if self._np_random is None:
            self._np_random, self._np_random_seed = gymnasium.utils.seeding.np_random(None)
        if seed is not None:
            self._episodes[:] = 0
            self.opponent.reseed(seed)
        self._start_episodes(self._all)
        self._needs_reset[:] = False
        self._started = True
        self._encode()
        return self._result_obs(), {"action_mask": self._result(self._mask)}

    def step(self, actions):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        actions = np.asarray(actions)
        if actions.ndim == 2 and actions.shape[1] == 1:  # (B, 1), as some libraries shape them
            actions = actions[:, 0]
        acts = self._games.check_actions(actions)
        g = self._games
        resetting = self._needs_reset.copy()
        live = ~resetting
        legal = self._mask[self._all, acts] == 1
        illegal = live & ~legal
        if illegal.any() and self.illegal_move == "raise":
            i = int(np.flatnonzero(illegal)[0])
            why = status_name(check_action(g.boards, i, int(acts[i]), g.codes))
            raise IllegalMoveError(int(acts[i]), why, f"sub-env {i}: action {int(acts[i])} is illegal there ({why}); "
                                   f"no game was changed")
        if resetting.any():
            self._start_episodes(np.flatnonzero(resetting))
        status = g.play(np.where(live & legal, acts, NO_ACTION))
        if (status[live & legal] != OK).any():  # the mask is exact; this would be an engine bug
            i = int(np.flatnonzero(live & legal & (status != OK))[0])
            raise RuntimeError(f"sub-env {i}: a masked-legal move was refused ({status_name(status[i])})")
        self._illegal |= illegal
        self._opponent_moves(live & ~illegal & ~g.over() & (g.to_play != self._colour))
        reason = g.end_reason
        ended = live & ((reason != 0) | illegal)
        rewards = np.zeros(self.num_envs, np.float64)
        infos = {}
        if ended.any():
            scores = g.scores().astype(np.float64)
            rewards[ended] = np.sign(scores[ended]) * self._colour[ended]
            infos = self._end_infos(ended, illegal, scores)
        rewards[illegal] = -1.0  # illegal implies live
        terminations = ended & ((reason == END_TWO_PASSES) | illegal)
        truncations = ended & (reason == END_MOVE_CAP) & ~illegal
        self._encode()
        if self.autoreset_mode == "next_step":
            self._needs_reset = ended
        elif ended.any():
            infos["final_obs"], infos["_final_obs"] = self._final_obs(ended), ended.copy()
            final_info = {k: v for k, v in infos.items() if k != "final_obs" and not k.startswith("_final")}
            infos["final_info"], infos["_final_info"] = final_info, ended.copy()
            self._start_episodes(np.flatnonzero(ended))
            self._encode()
        infos["action_mask"] = self._result(self._mask)
        return self._result_obs(), rewards, terminations, truncations, infos

    def action_masks(self) -> np.ndarray:
        """bool [B, N*N + 1]: each learner's legal moves now."""
        return self._mask.astype(bool)

    def render(self):
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode= to GoVectorEnv")
            return None
        g, k = self._games, min(self.num_envs, 4)  # the first four sub-envs, side by side
        if self.render_mode == "rgb_array":
            return np.concatenate([board_image(g.board(i), g.last_move(i)) for i in range(k)], axis=1)
        return "\n\n".join(f"sub-env {i}:\n" + board_text(g.board(i), g.last_move(i)) for i in range(k))

    def close_extras(self, **kwargs) -> None:
        if self._owns_opponent:
            self.opponent.close()
            self._owns_opponent = False

    # ------------------------------------------------------------------ internals
    def _start_episodes(self, envs: np.ndarray) -> None:
        """New games in ``envs``: colours for the learners, then the opponent's first moves where it is black."""
        if len(envs) == 0:
            return
        self._games.reset(envs)
        self._illegal[envs] = False
        if self.learner_color == "black":
            self._colour[envs] = BLACK
        elif self.learner_color == "white":
            self._colour[envs] = WHITE
        elif self.learner_color == "alternate":
            self._colour[envs] = np.where(self._episodes[envs] % 2 == 0, BLACK, WHITE)
        else:
            self._colour[envs] = np.where(self.np_random.integers(0, 2, len(envs)) == 0, BLACK, WHITE)
        self._episodes[envs] += 1
        first = np.zeros(self.num_envs, np.bool_)
        first[envs] = self._colour[envs] == WHITE
        self._opponent_moves(first)

    def _opponent_moves(self, where: np.ndarray) -> None:
        games = np.flatnonzero(where).astype(np.int64)
        if len(games) == 0:
            return
        moves = np.asarray(self.opponent.select(self._games.boards, games), np.int64)
        acts = np.full(self.num_envs, NO_ACTION, np.int64)
        acts[games] = moves
        bad = (moves < 0) | (moves >= self._games.num_actions)
        status = self._games.play(np.where(where, acts, NO_ACTION)) if not bad.any() else None
        if status is None or (status[games] != OK).any():
            i = int(games[bad][0]) if status is None else int(games[status[games] != OK][0])
            self._needs_reset[i] = True
            raise OpponentError(f"sub-env {i}: opponent {self.opponent.name} chose action "
                                f"{int(acts[i])}, which is not legal there")

    def _encode(self) -> None:
        self._games.observe(self._all, self._colour, self._obs, self._mask)
        self._mask[self._illegal] = 0

    def _result(self, array: np.ndarray) -> np.ndarray:
        return array.copy() if self.copy else array

    def _result_obs(self) -> dict:
        return {"observation": self._result(self._obs), "action_mask": self._result(self._mask)}

    def _final_obs(self, ended: np.ndarray) -> np.ndarray:
        final = np.empty(self.num_envs, dtype=object)
        for i in np.flatnonzero(ended):
            final[i] = {"observation": self._obs[i].copy(), "action_mask": self._mask[i].copy()}
        return final

    def _end_infos(self, ended: np.ndarray, illegal: np.ndarray, scores: np.ndarray) -> dict:
        g = self._games
        return {"score": np.where(ended, scores, 0.0), "_score": ended.copy(),
                "moves": np.where(ended, g.move_count, 0).astype(np.int64), "_moves": ended.copy(),
                "illegal_move": illegal & ended, "_illegal_move": ended.copy()}
