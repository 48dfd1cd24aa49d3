"""Players: one batched ``Agent`` base (:mod:`.base`) for matches, evaluation, GTP and the envs.

| agent | plays |
|---|---|
| ``RandomAgent`` | uniformly among the legal moves (pass included) |
| ``PolicyAgent`` | the raw policy of an ``Evaluator`` (1 visit): argmax, or sampled at a temperature |
| ``MCTSAgent`` | ``BatchedMCTS`` with N visits, the most visited move (or sampled at a temperature) |
| ``GTPAgent`` | an external engine over GTP (an engine spec ``<name>.yaml``), one process per game, genmoves in parallel |
| ``GnuGoAgent`` | GNU Go at a level 0..10 over GTP: Chinese rules, positional superko (use ``Rules.chinese()``) |
"""

from .base import Agent, reseed_evaluator, select_move
from .gtp import GnuGoAgent, GTPAgent
from .players import MCTSAgent, PolicyAgent, RandomAgent

__all__ = ["Agent", "GnuGoAgent", "GTPAgent", "MCTSAgent", "PolicyAgent", "RandomAgent", "reseed_evaluator",
           "select_move"]
