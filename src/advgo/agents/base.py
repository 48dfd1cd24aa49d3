"""The ``Agent`` base: a player that chooses moves for any of a batch of games it is to move in.

Every player (random, raw policy, MCTS, A-MCTS, the baselines, a human, a GTP engine, a hardened victim) is an
``Agent``. A new one is written by filling it in: ``start`` and ``select``, and whichever of the rest is not the
default.

| member | what it is | default |
|---|---|---|
| ``name`` | a readable label (``cp2@8``, ``gnugo:level=5``, ``ckpt-000000900 (A-MCTS-S@32 vs cp4@1)``) | ``"agent"`` |
| ``agent_spec`` | the canonical spec string it was made from (set by :func:`advgo.agent_registry.make_agent`) | None |
| ``board_size`` | the one board size it plays (a net's), or None for any size | None |
| ``rules_supported`` | the rulesets it can play (``("chinese",)`` for GNU Go), or None for any | None |
| ``rng`` | the generator of its own random choices | None: it makes none |
| ``start(size, rules, batch)`` | prepare for ``batch`` games of ``size`` under ``rules`` (before a match) | to fill in |
| ``select(boards, games)`` | moves (action ids) for the listed games of ``boards``; it is to move in each | to fill in |
| ``reseed(seed)`` | restart its random choices from ``seed``; False when it has none (an external engine is seeded when it starts) | restarts ``rng`` |
| ``close()`` | end its engine processes | nothing to end |

An agent that plays with evaluators reseeds them too (``reseed_evaluator``: those with random board symmetries).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .. import engine
from ..engine import Boards
from ..game import GameState
from ..rules import Rules
from ..search import Reseedable


class Agent(ABC):
    """A player for a batch of games (module docstring)."""

    name: str = "agent"
    agent_spec: str | None = None
    board_size: int | None = None
    rules_supported: tuple[str, ...] | None = None
    rng: np.random.Generator | None = None

    @abstractmethod
    def start(self, size: int, rules: Rules, batch: int) -> None:
        """Prepare for ``batch`` games of ``size`` under ``rules`` (called before a match)."""

    @abstractmethod
    def select(self, boards: Boards, games: np.ndarray) -> np.ndarray:
        """Moves (action ids) for the listed games of ``boards``; this agent is to move in each."""

    def reseed(self, seed: int) -> bool:
        """Restart this agent's random choices from ``seed``; False when it has none to restart."""
        if self.rng is None:
            return False
        self.rng = np.random.default_rng(seed)
        return True

    def close(self) -> None:  # noqa: B027  (a default, not abstract: most agents run no process)
        """End the engine processes this agent runs (it runs none)."""


def reseed_evaluator(evaluator, seed: int) -> bool:
    """Restart an evaluator's random choices (its board symmetries) from ``seed``; False when it makes none."""
    if isinstance(evaluator, Reseedable):
        evaluator.reseed(seed)
        return True
    return False


def select_move(agent: Agent, state: GameState) -> int:
    """One move for a single ``GameState`` (starts the agent on a one-game batch)."""
    agent.start(state.size, state.rules, 1)
    mine = state.engine_boards
    boards = engine.new_boards(1, state.size, mine.history.shape[1])
    engine.copy_game(mine, 0, boards, 0)
    return int(agent.select(boards, np.array([0]))[0])
