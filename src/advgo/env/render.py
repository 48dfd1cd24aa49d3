"""Pictures of a position for the envs' ``render()``: a text board (``ansi``) and an RGB image (``rgb_array``).

The text board is laid out as GNU Go prints it: column letters without I, row numbers on both sides, ``X`` black,
``O`` white, ``+`` on the hoshi points, and the last move in parentheses. The image is drawn with numpy alone.
"""

from __future__ import annotations

import gymnasium
import numpy as np

from ..coords import GTP_COLUMNS, action_to_gtp
from ..engine.constants import END_REASONS

CELL = 32  # pixels per point in rgb_array images
WOOD = (220, 179, 92)
LINE = (40, 30, 20)
BLACK_STONE = (20, 20, 20)
WHITE_STONE = (240, 240, 235)
LAST_MARK = (210, 40, 40)


def hoshi_points(size: int) -> set[tuple[int, int]]:
    """(row, col) of the star points: 3-3 or 4-4 corners, sides and centre on odd boards from 9x9, as usual."""
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


def board_text(board: np.ndarray, last_move: int | None = None) -> str:
    """The board (int8 [N, N], 1 black, -1 white) as text lines, the last move's stone in parentheses."""
    n = board.shape[0]
    stars = hoshi_points(n)
    last = None if last_move is None or last_move == n * n else divmod(int(last_move), n)
    header = "   " + "".join(" " + letter for letter in GTP_COLUMNS[:n])
    lines = [header]
    for r in range(n):
        marked = last[1] if last is not None and last[0] == r else -2
        row = f"{n - r:3d}"
        for c in range(n):
            v = int(board[r, c])
            glyph = "X" if v == 1 else "O" if v == -1 else ("+" if (r, c) in stars else ".")
            row += ("(" if c == marked else ")" if c == marked + 1 else " ") + glyph
        row += (")" if marked == n - 1 else " ") + f"{n - r}"
        lines.append(row)
    lines.append(header)
    return "\n".join(lines)


def status_line(to_play: int, move_number: int, captures: tuple[int, int], last_move: int | None, size: int,
                end: str | None, score: float | None) -> str:
    last = "" if last_move is None else f", last {action_to_gtp(last_move, size)}"
    if end is not None:
        result = "draw" if not score else f"{'B' if score > 0 else 'W'}+{abs(score):g}"
        state = f"game over ({end}), {result}"
    else:
        state = f"{'black (X)' if to_play == 1 else 'white (O)'} to play"
    return f"move {move_number}{last}, {state}, captures X {captures[0]} O {captures[1]}"


def board_image(board: np.ndarray, last_move: int | None = None, cell: int = CELL) -> np.ndarray:
    """uint8 [H, W, 3] picture of the board: wood, grid, hoshi, stones, a red dot on the last move."""
    n = board.shape[0]
    side = cell * (n + 1)
    img = np.empty((side, side, 3), np.uint8)
    img[:] = WOOD
    lo, hi = cell, cell * n
    for k in range(n):
        at = cell * (k + 1)
        img[at, lo:hi + 1] = LINE
        img[lo:hi + 1, at] = LINE
    yy, xx = np.mgrid[-cell // 2: cell // 2 + 1, -cell // 2: cell // 2 + 1]
    dist2 = yy ** 2 + xx ** 2
    stone = dist2 <= (cell * 0.46) ** 2
    rim = stone & (dist2 >= (cell * 0.46 - 1.5) ** 2)
    star = dist2 <= (cell * 0.09) ** 2 + 1
    mark = dist2 <= (cell * 0.14) ** 2

    def stamp(r: int, c: int, shape: np.ndarray, colour) -> None:
        y0, x0 = cell * (r + 1) - cell // 2, cell * (c + 1) - cell // 2
        img[y0: y0 + shape.shape[0], x0: x0 + shape.shape[1]][shape] = colour

    for r, c in hoshi_points(n):
        stamp(r, c, star, LINE)
    for r, c in zip(*np.nonzero(board)):
        stamp(int(r), int(c), stone, BLACK_STONE if board[r, c] == 1 else WHITE_STONE)
        if board[r, c] == -1:
            stamp(int(r), int(c), rim, LINE)
    if last_move is not None and last_move != n * n:
        r, c = divmod(int(last_move), n)
        if board[r, c]:
            stamp(r, c, mark, LAST_MARK)
    return img


def render_game(mode: str | None, games, i: int = 0, illegal: bool = False, footer: str = ""):
    """What an env's ``render()`` gives for game ``i`` of ``games`` (an ``EnvGames``): None (with a warning)
    without a render mode, an image for "rgb_array", the text board and status for "ansi" (printed for "human")."""
    if mode is None:
        gymnasium.logger.warn("render() called without a render_mode; pass render_mode= when making the env")
        return None
    board, last = games.board(i), games.last_move(i)
    if mode == "rgb_array":
        return board_image(board, last)
    reason = END_REASONS[int(games.end_reason[i])] or ("illegal_move" if illegal else None)
    text = board_text(board, last) + "\n" + status_line(
        int(games.to_play[i]), int(games.move_count[i]), tuple(int(x) for x in games.boards.captures[i]), last,
        games.size, reason, float(games.scores()[i]) if reason else None)
    if footer:
        text += "\n" + footer
    if mode == "human":
        print(text)
        return None
    return text
