"""``GtpGame``: the game a GTP session plays, with GTP's looser idea of a game than ``GameState``'s.

A ``GameState`` alternates colours and ends at two passes; a GTP controller may do neither. This module owns
the mapping, so the server's commands stay one-liners:

| GTP does | ``GtpGame`` does |
|---|---|
| ``play``/``genmove`` for the colour not to move | the side to move passes first (undone with the move) |
| a move after two passes (KGS clean-up, an SGF ending in passes) | resumes: drops the passes; same board, same mover |
| ``undo`` | back to the state before the last ``play``/``genmove`` (inserted pass and resume included) |
| ``komi`` or a ruleset change mid-game | replays the game under the new rules (an undo state: when reached) |

The game has no move cap (``max_moves=None``): the engine's history grows as needed. Resuming replays the moves
from the initial position, so under a simple-ko ruleset a ko point held before the two passes holds again
(under the superko rules the retake is illegal either way).
"""

from __future__ import annotations

import logging

from ..game import GameState
from ..rules import Rules

log = logging.getLogger(__name__)


def replay(state: GameState, rules: Rules, moves=None) -> GameState:
    """``state``'s initial position under ``rules`` with ``moves`` (default: its own) played again.

    Raises ``IllegalMoveError`` when a move is illegal under ``rules``.
    """
    game = GameState.setup(state.size, rules, black=state.initial_black, white=state.initial_white,
                           to_play=state.initial_to_play)
    for action in state.moves if moves is None else moves:
        game = game.play(action)
    return game


def resume(state: GameState) -> GameState:
    """The game ended by two passes, going on: the same board and player to move, the passes taken out."""
    if state.end_reason != "two_passes":
        return state
    log.info("resuming the game after two passes (move %d)", state.move_number)
    return replay(state, state.rules, state.moves[:-2])


class GtpGame:
    """The current ``GameState`` and the states ``undo`` returns to."""

    def __init__(self, size: int, rules: Rules):
        self.rules = rules
        self.state = GameState.new(size, rules)
        self._undo: list[GameState] = []

    @property
    def size(self) -> int:
        return self.state.size

    @classmethod
    def from_state(cls, state: GameState) -> "GtpGame":
        """A game starting at ``state`` (its rules), with nothing to undo."""
        game = cls(state.size, state.rules)
        game.state = state
        return game

    def for_colour(self, colour: int) -> GameState:
        """The state in which ``colour`` is to move and the game is not over (not committed)."""
        state = resume(self.state)
        if state.to_play != colour:
            state = resume(state.play(state.pass_action))
        return state

    def play(self, colour: int, action: int) -> GameState:
        """Play ``action`` for ``colour``; ``IllegalMoveError`` (and no change) when it is illegal."""
        state = self.for_colour(colour).play(action)
        self._undo.append(self.state)
        self.state = state
        return state

    def undo(self) -> bool:
        """Take back the last move; False when there is none."""
        if not self._undo:
            return False
        state = self._undo.pop()
        self.state = state if state.rules == self.rules else replay(state, self.rules)
        return True

    def set_rules(self, rules: Rules) -> None:
        """Play on under ``rules``; ``IllegalMoveError`` (and no change) when a move so far breaks them."""
        if rules != self.rules:
            self.state = replay(self.state, rules)
            self.rules = rules
