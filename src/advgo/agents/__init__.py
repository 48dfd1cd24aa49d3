"""Players: one batched ``Agent`` protocol for matches, evaluation, GTP and the envs.

| agent | plays |
|---|---|
| ``RandomAgent`` | uniformly among the legal moves (pass included) |
| ``PolicyAgent`` | the raw policy of an ``Evaluator`` (1 visit): argmax, or sampled at a temperature |
| ``MCTSAgent`` | ``BatchedMCTS`` with N visits, the most visited move (or sampled at a temperature) |
"""

from .base import Agent, select_move
from .players import MCTSAgent, PolicyAgent, RandomAgent

__all__ = ["Agent", "MCTSAgent", "PolicyAgent", "RandomAgent", "select_move"]
