"""The board as ``advgo play`` and ``advgo show`` draw it: :mod:`advgo.diagram`'s GNU Go layout in rich styles,
with a status line (move number, last move, captures, whose turn or the result)."""

from __future__ import annotations

from rich.text import Text

from ..diagram import STYLES, diagram_cells, status_line
from ..game import GameState


def board_renderable(state: GameState) -> Text:
    """The position of ``state``: the board with its labels, the last move in parentheses."""
    moves = state.moves
    text = Text()
    for k, line in enumerate(diagram_cells(state.board, moves[-1] if moves else None)):
        if k:
            text.append("\n")
        for piece, kind in line:
            text.append(piece, style=STYLES.get(kind, ""))
    return text


def status_text(state: GameState, result: str | None = None) -> Text:
    """:func:`advgo.diagram.status_line` of ``state`` in bold (``result`` once the game is over)."""
    moves = state.moves
    return Text(status_line(state.to_play, state.move_number, state.captures, moves[-1] if moves else None,
                            state.size, result), style="bold")
