"""Pictures of a position for the envs' ``render()``: a text board (``ansi``) and an RGB image (``rgb_array``).

The text board is :mod:`advgo.diagram`'s (GNU Go's layout); the image is drawn with numpy alone.
"""

from __future__ import annotations

import gymnasium
import numpy as np

from ..diagram import board_text, hoshi_points, status_line
from ..engine.constants import END_REASONS
from ..sgf import result_string

CELL = 32  # pixels per point in rgb_array images
WOOD = (220, 179, 92)
LINE = (40, 30, 20)
BLACK_STONE = (20, 20, 20)
WHITE_STONE = (240, 240, 235)
LAST_MARK = (210, 40, 40)


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
    result = f"{result_string(float(games.scores()[i]))} ({reason})" if reason else None
    text = board_text(board, last) + "\n" + status_line(
        int(games.to_play[i]), int(games.move_count[i]), tuple(int(x) for x in games.boards.captures[i]), last,
        games.size, result)
    if footer:
        text += "\n" + footer
    if mode == "human":
        print(text)
        return None
    return text
