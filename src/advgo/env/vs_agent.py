"""``advgo/GoVsAgent-v0``: a Gymnasium env where one learner plays Go against a frozen opponent (any agent spec).

```python
import gymnasium, advgo.env
env = gymnasium.make("advgo/GoVsAgent-v0", opponent="zoo:cp2", board_size=9, learner_color="alternate")
obs, info = env.reset(seed=0)
obs, reward, terminated, truncated, info = env.step(env.action_space.sample(mask=info["action_mask"]))
```

The learner is always to move when it gets an observation: the opponent's reply is played inside ``step`` (and
its first move inside ``reset`` when the learner is white). Observation, actions and rules are those of
:mod:`advgo.env.go_v0`; the reward is +1 / −1 / 0 from the learner's side when the game ends (two passes:
``terminated``; ``max_moves``: ``truncated``, scored as it stands), 0 before.

| argument | meaning |
|---|---|
| ``opponent`` | an agent spec (``random``, ``zoo:cp2:visits=8``, ``net:PATH``, ``gnugo:level=5``, ``katago``, ``gtp:"…"``) or an ``Agent`` object |
| ``learner_color`` | ``"black"``, ``"white"``, ``"alternate"`` (black in the first episode after a seeded reset, then white, …) or ``"random"`` |
| ``illegal_move`` | ``"lose"`` (the episode ends, reward −1, ``info["illegal_move"]``) or ``"raise"`` (``IllegalMoveError``, nothing changes) |
| ``device`` | where a net opponent runs ("cpu", "cuda") |
| ``threads`` | torch CPU threads when the env makes a net opponent from a spec (:mod:`advgo.nets.threads`: 1 by default; None leaves torch's setting) |

Action masking: ``info["action_mask"]`` (int8, for ``Discrete.sample(mask=)``) and ``env.action_masks()`` (bool, for
sb3-contrib's ``MaskablePPO``). ``info["opponent_action"]`` is the opponent's last move (None before it has moved).
``reset(seed=s)`` also restarts the opponent's random choices (sampling, symmetries) from ``s``, so seeded episodes
repeat exactly against our own agents; external engines (GNU Go, KataGo) are seeded once, when they start.
"""

from __future__ import annotations

import gymnasium
import numpy as np

from ..agent_registry import make_agent, misfit
from ..agents import Agent
from ..agentspec import parse_agent_spec
from ..engine.constants import BLACK, END_MOVE_CAP, END_REASONS, OK, WHITE
from ..errors import IllegalMoveError
from ..nets.threads import DEFAULT_THREADS, set_torch_threads
from .games import EnvGames, parse_rules, status_name
from .go_v0 import check_illegal_mode, check_render_mode, illegal_message
from .observation import observation_space
from .render import render_game

LEARNER_COLORS = ("black", "white", "alternate", "random")


class OpponentError(RuntimeError):
    """The opponent failed to give a legal move; the episode cannot go on (call ``reset()``)."""


def check_learner_color(learner_color: str) -> str:
    if learner_color not in LEARNER_COLORS:
        raise ValueError(f"learner_color must be one of {', '.join(LEARNER_COLORS)}, got {learner_color!r}")
    return learner_color


def make_opponent(opponent, board_size: int, rules, seed: int, device,
                  threads: int | None = DEFAULT_THREADS) -> tuple[Agent, bool]:
    """``(agent, owned)``: the agent a spec names (owned: we close it) or the object given; checks size and rules.
    A net opponent made from a spec gets torch's CPU threads by the rule (``threads``; None: left as they are)."""
    if isinstance(opponent, str):
        if threads is not None and parse_agent_spec(opponent).runs_a_net:
            set_torch_threads(threads)
        agent, owned = make_agent(opponent, seed=seed, device=device, rules=rules), True
    elif isinstance(opponent, Agent):
        agent, owned = opponent, False
    else:
        raise ValueError(f"opponent must be an agent spec string or an Agent, got {opponent!r}")
    problem = misfit(agent, board_size, rules)
    if problem is not None:
        if owned:
            agent.close()
        why, field, wanted = problem
        raise ValueError(f"opponent {why}; pass {field}={wanted!r} (the env has board_size={board_size}, "
                         f"rules={rules.name!r})")
    return agent, owned


def colour_for_episode(learner_color: str, episode: int, rng: np.random.Generator) -> int:
    if learner_color == "black":
        return BLACK
    if learner_color == "white":
        return WHITE
    if learner_color == "alternate":
        return BLACK if episode % 2 == 0 else WHITE
    return BLACK if rng.integers(2) == 0 else WHITE


class GoVsAgentEnv(gymnasium.Env):
    metadata = {"render_modes": ["human", "ansi", "rgb_array"], "render_fps": 2}

    def __init__(self, opponent="random", board_size: int = 9, komi: float = 7.5, rules="tromp-taylor",
                 max_moves: int | None = None, learner_color: str = "alternate", illegal_move: str = "lose",
                 render_mode: str | None = None, device="cpu", seed: int = 0,
                 threads: int | None = DEFAULT_THREADS):
        self.render_mode = check_render_mode(render_mode)
        self.illegal_move = check_illegal_mode(illegal_move)
        self.learner_color = check_learner_color(learner_color)
        self._games = EnvGames(1, board_size, parse_rules(rules, komi), max_moves)
        self.board_size = self._games.size
        self.rules = self._games.rules
        self.observation_space = observation_space(self.board_size, self.rules.komi)
        self.action_space = gymnasium.spaces.Discrete(self._games.num_actions)
        self.opponent, self._owns_opponent = make_opponent(opponent, self.board_size, self.rules, seed, device,
                                                           threads)
        self.opponent.start(self.board_size, self.rules, 1)
        self._one = np.zeros(1, np.int64)  # the games list of the opponent's select()
        self._learner = BLACK
        self._episode = 0
        self._done = True
        self._illegal: str | None = None
        self._mask = np.zeros(self._games.num_actions, np.int8)
        self._opponent_action: int | None = None

    @property
    def learner(self) -> int:
        """The learner's colour this episode: 1 black, -1 white."""
        return self._learner

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        if seed is not None:
            self._episode = 0
            self.opponent.reseed(seed)
        self._learner = colour_for_episode(self.learner_color, self._episode, self.np_random)
        self._episode += 1
        self._games.reset()
        self._done, self._illegal, self._opponent_action = False, None, None
        if self.learner == WHITE:
            self._opponent_moves()
        return self._observe(), self._info()

    def step(self, action):
        if self._done:
            raise RuntimeError("the episode is over: call reset() before step()")
        a = self._games.check_action(action)
        status = self._games.play_one(0, a)
        if status:
            if self.illegal_move == "raise":
                raise IllegalMoveError(a, status_name(status), illegal_message(self._games, a, status))
            self._done, self._illegal = True, status_name(status)
            info = self._info(end_reason="illegal_move")
            info.update(illegal_move=self._illegal, illegal_action=a)
            return self._observe(), -1.0, True, False, info
        if not self._games.end_reason[0]:
            self._opponent_moves()
        reason = int(self._games.end_reason[0])
        reward = 0.0
        if reason:
            self._done = True
            reward = float(self._games.winners()[0] * self.learner)
        obs = self._observe()
        info = self._info(end_reason=END_REASONS[reason] if reason else None)
        return obs, reward, reason not in (0, END_MOVE_CAP), reason == END_MOVE_CAP, info

    def action_masks(self) -> np.ndarray:
        """bool [N*N + 1]: the learner's legal moves now (all False once the episode is over)."""
        return self._mask.astype(bool)

    def render(self):
        side = "black (X)" if self.learner == BLACK else "white (O)"
        return render_game(self.render_mode, self._games, 0, self._illegal is not None,
                           f"learner plays {side} against {self.opponent.name}")

    def close(self) -> None:
        if self._owns_opponent and self.opponent is not None:
            self.opponent.close()
            self._owns_opponent = False

    # ------------------------------------------------------------------ internals
    def _opponent_moves(self) -> None:
        move = int(self.opponent.select(self._games.boards, self._one)[0])
        status = self._games.play_one(0, move) if 0 <= move < self._games.num_actions else -1
        if status != OK:
            self._done = True
            why = "out of range" if status == -1 else status_name(status)
            raise OpponentError(f"opponent {self.opponent.name} chose action {move} ({why}); "
                                f"the episode cannot go on: call reset()")
        self._opponent_action = move

    def _observe(self) -> dict:
        obs, mask = self._games.observe_one(0, self.learner)
        if self._illegal is not None:
            mask[:] = 0
        self._mask = mask
        return {"observation": obs, "action_mask": mask.copy()}

    def _info(self, end_reason: str | None = None) -> dict:
        info = {"action_mask": self._mask.copy(), "opponent_action": self._opponent_action,
                "learner_color": "black" if self.learner == BLACK else "white"}
        if end_reason is not None:
            info.update(self._games.end_info(0, end_reason))
        return info
