"""Matches between agents and the statistics that judge them (win rates with intervals, Elo).

The package straddles training (``tests/test_imports.py`` places its modules one by one): its match level is below
training, which plays and counts games with it; its reports are above, as they load what training wrote.

| module | layer | owns |
|---|---|---|
| ``arena`` | match level | the one match loop: two agents, many games at once |
| ``counting``, ``stats`` | match level | how a game counts in a win rate, the default move cap; Wilson intervals |
| ``elo`` | match level | Elo ratings from a round robin |
| ``match``, ``table`` | reports | ``advgo match`` (agents from specs, adversary checkpoints among them), ``advgo table`` |
| ``report`` | reports | ``advgo eval RUN``: a run's checkpoints against its curriculum |
| ``zoo_strength`` | reports | the zoo victims' measured strength (``advgo zoo measure``) |
| ``katanet_check``, ``katanet_moves`` | reports | ``advgo engines check-katanet``: is ``katanet`` KataGo's net, and its moves KataGo's |

This ``__init__`` is at the match level: it imports only from there.
"""

from .arena import MatchResult, play_match
from .stats import wilson_interval

__all__ = ["MatchResult", "play_match", "wilson_interval"]
