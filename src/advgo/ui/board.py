"""The board as ``advgo play`` and ``advgo show`` draw it: :mod:`advgo.diagram`'s GNU Go layout in rich styles,
with a status line (move number, last move, captures, whose turn or the result)."""

from __future__ import annotations

from rich.text import Text

from ..coords import action_to_gtp
from ..diagram import STYLES, diagram_cells
from ..engine import BLACK
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
    """``move 12 · last: white D4 · captures X 0 O 2 · black (X) to play`` (or the result once over)."""
    parts = [f"move {state.move_number}"]
    if state.moves:
        last_colour = "black" if state.to_play != BLACK else "white"
        parts.append(f"last: {last_colour} {action_to_gtp(state.moves[-1], state.size)}")
    black_caps, white_caps = state.captures
    parts.append(f"captures X {black_caps} O {white_caps}")
    if result is not None:
        parts.append(f"game over: {result}")
    else:
        parts.append(f"{'black (X)' if state.to_play == BLACK else 'white (O)'} to play")
    return Text(" · ".join(parts), style="bold")
