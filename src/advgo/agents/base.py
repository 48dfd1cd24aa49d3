"""The ``Agent`` protocol: a player that chooses moves for any of a batch of games it is to move in."""

from typing import Protocol

import numpy as np

from .. import engine
from ..engine import Boards
from ..game import GameState
from ..rules import Rules


class Agent(Protocol):
    name: str

    def start(self, size: int, rules: Rules, batch: int) -> None:
        """Prepare for ``batch`` games of ``size`` under ``rules`` (called before a match)."""

    def select(self, boards: Boards, games: np.ndarray) -> np.ndarray:
        """Moves (action ids) for the listed games of ``boards``; this agent is to move in each."""


def reseed(agent, seed: int) -> bool:
    """Restart an agent's random choices from ``seed`` (its ``reseed`` method, else its ``rng`` and its
    evaluator's); False when it has nothing to reseed (external engines are seeded when they start)."""
    method = getattr(agent, "reseed", None)
    if callable(method):
        method(seed)
        return True
    found = False
    if isinstance(getattr(agent, "rng", None), np.random.Generator):
        agent.rng = np.random.default_rng(seed)
        found = True
    for part in ("evaluator", "inner", "policy", "victim_policy"):
        inner = getattr(agent, part, None)
        if inner is not None and reseed(inner, seed + 1):
            found = True
    return found


def select_move(agent: Agent, state: GameState) -> int:
    """One move for a single ``GameState`` (starts the agent on a one-game batch)."""
    agent.start(state.size, state.rules, 1)
    boards = engine.new_boards(1, state.size, state._b.history.shape[1])
    engine.copy_game(state._b, 0, boards, 0)
    return int(agent.select(boards, np.array([0]))[0])
