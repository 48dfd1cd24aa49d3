"""Text diagrams of a Go position in the layout GNU Go prints, shared by the envs' ``ansi`` render and ``advgo play``.

```
    A B C D E
  5 . . . . . 5
  4 . + . + . 4
  3 . .(X). . 3
  2 . + O + . 2
  1 . . . . . 1
    A B C D E
```

Column letters skip I (GTP), row numbers run from the bottom on both sides, ``X`` is black, ``O`` white, ``+`` a
hoshi point, and the last move's stone stands in parentheses. ``diagram_cells`` gives the rows as styled pieces
(for rich), ``board_text`` as plain text, ``status_line`` the line under the board.
"""

from __future__ import annotations

import numpy as np

from .coords import GTP_COLUMNS, action_to_gtp

STYLES = {"X": "bold", "O": "bold", "+": "dim", ".": "dim", "(": "bold red", ")": "bold red", "label": "cyan"}
"""Rich styles of the pieces ``diagram_cells`` yields, by piece (labels by ``"label"``)."""


def hoshi_points(size: int) -> set[tuple[int, int]]:
    """(row, col) of the star points: the 3-3 points below 13x13 (4-4 from 13x13), sides from 13x13, the centre
    on odd boards; only the centre below 7x7."""
    if size < 7:
        return {(size // 2, size // 2)} if size % 2 else set()
    edge = 2 if size < 13 else 3
    far = size - 1 - edge
    points = {(edge, edge), (edge, far), (far, edge), (far, far)}
    if size % 2:
        mid = size // 2
        points.add((mid, mid))
        if size >= 13:
            points |= {(edge, mid), (mid, edge), (far, mid), (mid, far)}
    return points


def diagram_cells(board: np.ndarray, last_move: int | None = None) -> list[list[tuple[str, str]]]:
    """Lines of ``(text, kind)`` pieces; kind is "label", "sep" or a glyph ("X", "O", "+", ".", "(", ")")."""
    n = board.shape[0]
    stars = hoshi_points(n)
    last = None if last_move is None or last_move >= n * n else divmod(int(last_move), n)
    header = [("   " + "".join(" " + letter for letter in GTP_COLUMNS[:n]), "label")]
    lines = [header]
    for r in range(n):
        marked = last[1] if last is not None and last[0] == r else -2
        line = [(f"{n - r:3d}", "label")]
        for c in range(n):
            v = int(board[r, c])
            glyph = "X" if v == 1 else "O" if v == -1 else ("+" if (r, c) in stars else ".")
            sep = "(" if c == marked else ")" if c == marked + 1 else " "
            line += [(sep, sep if sep != " " else "sep"), (glyph, glyph)]
        line += [(")", ")") if marked == n - 1 else (" ", "sep"), (f"{n - r}", "label")]
        lines.append(line)
    lines.append(header)
    return lines


def board_text(board: np.ndarray, last_move: int | None = None) -> str:
    """The diagram as plain text (int8 [N, N] board: 1 black, -1 white, 0 empty; row 0 the top row)."""
    return "\n".join("".join(text for text, _ in line) for line in diagram_cells(board, last_move))


def status_line(to_play: int, move_number: int, captures: tuple[int, int], last_move: int | None, size: int,
                result: str | None = None) -> str:
    """``move 12 · last: white D4 · captures X 0 O 2 · black (X) to play``, or ``… · game over: RESULT`` when
    ``result`` is given (the mover of the last move is the side not to play)."""
    parts = [f"move {move_number}"]
    if last_move is not None:
        parts.append(f"last: {'white' if to_play == 1 else 'black'} {action_to_gtp(last_move, size)}")
    parts.append(f"captures X {captures[0]} O {captures[1]}")
    parts.append(f"game over: {result}" if result is not None else
                 f"{'black (X)' if to_play == 1 else 'white (O)'} to play")
    return " · ".join(parts)
