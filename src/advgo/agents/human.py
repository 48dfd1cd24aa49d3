"""``HumanAgent``: a person at the terminal, as an ``Agent`` (one game at a time).

Shows the board and asks for a move: a GTP vertex (``D4``, any case) or ``pass``. An unreadable or illegal
answer is explained and asked again; ``quit`` (or end of input) raises ``KeyboardInterrupt``, which ends the
match without losing the games already finished. ``ask`` and ``show`` are injected, so tests and other
front ends (``advgo play``) can drive it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from ..coords import action_to_gtp, gtp_to_action
from ..engine import BLACK, Boards
from ..game import GameState
from ..rules import Rules
from .base import Agent


def _show(text: str) -> None:
    print(text, file=sys.stderr)


class HumanAgent(Agent):
    name = "human"

    def __init__(self, ask: Callable[[str], str] = input, show: Callable[[str], None] = _show, name: str = "human"):
        self.ask, self.show, self.name = ask, show, name

    def start(self, size: int, rules: Rules, batch: int) -> None:
        self.size, self.rules = size, rules

    def select(self, boards: Boards, games: np.ndarray) -> np.ndarray:
        return np.array([self._one(boards, int(g)) for g in games], np.int64)

    def _one(self, boards: Boards, g: int) -> int:
        moves = boards.moves[g, :int(boards.move_count[g])]
        state = GameState.from_moves(self.size, self.rules, moves)
        colour = "Black" if int(boards.to_play[g]) == BLACK else "White"
        last = f", last move {action_to_gtp(int(moves[-1]), self.size)}" if len(moves) else ""
        self.show(f"{state}\ngame {g}, move {len(moves) + 1}{last}: {colour} to play")
        while True:
            try:
                text = self.ask(f"{colour} move (e.g. D4, pass, quit): ").strip()
            except EOFError:
                raise KeyboardInterrupt("end of input") from None
            if text.lower() in ("quit", "exit"):
                raise KeyboardInterrupt("the human quit")
            try:
                action = gtp_to_action(text, self.size)
            except ValueError as err:
                self.show(f"cannot read {text!r}: {err}")
                continue
            reason = state.illegal_reason(action)
            if reason is None:
                return action
            self.show(f"{text} is illegal here ({reason}); try again")
