"""``PlaySession``: one game between a person and an agent, with undo, hints and scoring; no terminal I/O here.

``advgo play`` drives it (:mod:`advgo.ui.play`); tests drive it directly. The game is a ``GameState``; the agent
is asked for moves on a one-game engine buffer it was started on once (a GTP engine replays the game to itself
when the moves it has seen differ, so undo and hints need nothing special from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import engine
from ..agent_registry import misfit
from ..engine import BLACK, WHITE
from ..errors import IllegalMoveError
from ..fileio import atomic_write
from ..game import GameState
from ..rules import Rules
from ..sgf import game_to_sgf, result_string


def colour_name(colour: int) -> str:
    return "black" if colour == BLACK else "white"


@dataclass
class PlaySession:
    opponent: object
    """An ``Agent`` (from ``advgo.agent_registry.make_agent``)."""
    size: int = 9
    rules: Rules = field(default_factory=Rules.tromp_taylor)
    human: int = BLACK
    """The person's colour: BLACK (1) or WHITE (-1)."""
    max_moves: int | None = None
    """The game ends (scored as it stands) after this many moves; None for no cap."""

    def __post_init__(self):
        if self.human not in (BLACK, WHITE):
            raise ValueError(f"human must be BLACK (1) or WHITE (-1), got {self.human!r}")
        problem = misfit(self.opponent, self.size, self.rules)
        if problem is not None:
            why, field, wanted = problem
            raise ValueError(f"{why}; choose --{'board' if field == 'board_size' else 'rules'} {wanted}")
        self.state = GameState.new(self.size, self.rules, max_moves=self.max_moves)
        self.resigned: int | None = None  # the colour that resigned
        self.opponent.start(self.size, self.rules, 1)

    # ------------------------------------------------------------------ whose turn, the end
    @property
    def opponent_colour(self) -> int:
        return -self.human

    @property
    def over(self) -> bool:
        return self.state.is_over or self.resigned is not None

    @property
    def humans_turn(self) -> bool:
        return not self.over and self.state.to_play == self.human

    def result(self) -> str:
        """SGF-style result: ``B+3.5``, ``W+R``, ``0`` (draw) or ``?`` while the game goes on."""
        if self.resigned is not None:
            return f"{'W' if self.resigned == BLACK else 'B'}+R"
        return result_string(self.state.score()) if self.state.is_over else "?"

    def winner(self) -> int:
        """1 black, -1 white, 0 draw (the score as it stands while the game goes on)."""
        if self.resigned is not None:
            return -self.resigned
        return self.state.winner

    # ------------------------------------------------------------------ moves
    def play(self, action: int) -> None:
        """The person's move; ``IllegalMoveError`` (with the reason) leaves the game as it was."""
        if not self.humans_turn:
            raise IllegalMoveError(action, "game_over" if self.over else "occupied",
                                   "the game is over" if self.over else "it is not your turn")
        self.state = self.state.play(int(action))

    def opponent_move(self) -> int:
        """Ask the agent for its move and play it; the action id."""
        action = self._ask_agent()
        try:
            self.state = self.state.play(action)
        except IllegalMoveError as err:
            raise RuntimeError(f"{self.opponent.name} chose an illegal move: {err}") from err
        return action

    def hint(self) -> int:
        """The agent's choice for the person's side in the current position (nothing is played)."""
        if not self.humans_turn:
            raise ValueError("a hint is for your own turn")
        return self._ask_agent()

    def undo(self) -> int:
        """Take back the person's last move and the reply to it (the pair); how many moves went, 0 when none can."""
        if self.resigned is not None:
            self.resigned = None
            return 0
        moves = list(self.state.moves)

        def colour_of(k: int) -> int:  # the k-th move (from 0) of a game black starts
            return BLACK if k % 2 == 0 else WHITE

        took, theirs = 0, False
        while moves and not (theirs and colour_of(len(moves)) == self.human):
            theirs = theirs or colour_of(len(moves) - 1) == self.human
            moves.pop()
            took += 1
        if not theirs:
            return 0
        self.state = GameState.from_moves(self.size, self.rules, moves, max_moves=self.max_moves)
        return took

    def resign(self) -> None:
        self.resigned = self.human

    # ------------------------------------------------------------------ output
    def sgf(self) -> bytes:
        names = {self.human: "human", self.opponent_colour: self.opponent.agent_spec or self.opponent.name}
        result = self.result()
        return game_to_sgf(self.state, black=names[BLACK], white=names[WHITE],
                           result=None if result == "?" else result)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".sgf":
            raise ValueError(f"save to a .sgf file, got {str(path)!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, self.sgf(), fsync=False)

    # ------------------------------------------------------------------ internals
    def _ask_agent(self) -> int:
        b = self.state.engine_boards
        boards = engine.new_boards(1, self.size, b.history.shape[1])
        engine.copy_game(b, 0, boards, 0)
        action = int(np.asarray(self.opponent.select(boards, np.zeros(1, np.int64)))[0])
        if not 0 <= action <= self.size * self.size:
            raise RuntimeError(f"{self.opponent.name} answered action {action}, which is off the board")
        return action
