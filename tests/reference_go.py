"""A slow, obvious, plain-Python Go: the oracle that advgo's engine is checked against.

It shares no code with ``advgo`` on purpose. Everything is recomputed from scratch (chains by flood
fill, liberties by looking at every stone of a chain) so that each rule reads like its definition.
Speed does not matter here; being clearly right does.

Conventions (the same as advgo's, so results compare one to one):

==============  =========================================================
action id       ``row * size + col``; row 0 is the TOP row, col 0 column A
pass            ``size * size``
colours         ``1`` black, ``-1`` white, ``0`` empty
captures        ``(stones captured BY black, stones captured BY white)``
score           Tromp-Taylor area: black area - white area - komi
==============  =========================================================

Rules implemented:

* A move goes on an empty point. Opponent chains left without liberties are removed first; then, if
  the mover's own chain has no liberties, the move is suicide. Single-stone suicide is never legal
  (it would not change the board). Multi-stone suicide is legal iff ``suicide=True``; the chain is
  removed and its stones count as captured by the opponent.
* ``ko="simple"``: a move may not recreate the board as it was before the opponent's last move
  (that is exactly the immediate recapture of a single stone that just captured a single stone).
  Reason ``"ko"``. This check also applies under the superko rules, and is reported as ``"ko"``.
* ``ko="positional"``: a move may not recreate any earlier board (since setup). Reason ``"superko"``.
* ``ko="situational"``: a move may not recreate an earlier (board, player to move) pair; positions
  after passes count. Reason ``"superko"``.
* Passing is always legal until the game ends. Two consecutive passes end the game
  (``"two_passes"``); otherwise reaching ``max_moves`` moves since setup ends it (``"move_cap"``).
"""

from __future__ import annotations

import copy
import numbers

import numpy as np

BLACK, WHITE, EMPTY = 1, -1, 0


class ReferenceIllegalMove(ValueError):
    """Raised by :meth:`ReferenceGo.play`; ``reason`` as in advgo's ``IllegalMoveError``."""

    def __init__(self, action, reason):
        super().__init__(f"illegal move {action!r}: {reason}")
        self.action = action
        self.reason = reason


class ReferenceGo:
    """One game of Go, mutated in place by :meth:`play`. Use :meth:`copy` to branch."""

    def __init__(self, size, komi=7.5, ko="positional", suicide=True, max_moves=None,
                 black=(), white=(), to_play=BLACK):
        assert 2 <= size <= 19, size
        assert ko in ("simple", "positional", "situational"), ko
        self.size = size
        self.komi = komi
        self.ko = ko
        self.suicide = suicide
        self.max_moves = max_moves
        self.board = [[EMPTY] * size for _ in range(size)]
        for colour, actions in ((BLACK, black), (WHITE, white)):
            for action in actions:
                row, col = divmod(action, size)
                assert self.board[row][col] == EMPTY, f"setup stones overlap at {action}"
                self.board[row][col] = colour
        for row in range(size):
            for col in range(size):
                if self.board[row][col] != EMPTY:
                    assert self.liberties(row, col), f"setup chain at {(row, col)} has no liberties"
        self.to_play = to_play
        self.captures = [0, 0]
        self.moves = []
        self.consecutive_passes = 0
        self.end_reason = None
        # Every position seen so far: (board, player to move). Positional superko uses only boards.
        self.history = [(self.frozen_board(), to_play)]
        self.board_before_last_move = None

    # ---------------------------------------------------------------- board helpers
    def copy(self):
        return copy.deepcopy(self)

    def frozen_board(self, board=None):
        board = self.board if board is None else board
        return tuple(tuple(row) for row in board)

    def neighbours(self, row, col):
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            r, c = row + dr, col + dc
            if 0 <= r < self.size and 0 <= c < self.size:
                yield r, c

    def chain(self, row, col, board=None):
        """All points connected to (row, col) through points of the same colour (flood fill).

        For an empty point this is the empty region around it.
        """
        board = self.board if board is None else board
        colour = board[row][col]
        seen = {(row, col)}
        todo = [(row, col)]
        while todo:
            point = todo.pop()
            for r, c in self.neighbours(*point):
                if board[r][c] == colour and (r, c) not in seen:
                    seen.add((r, c))
                    todo.append((r, c))
        return seen

    def liberties(self, row, col, board=None):
        """Empty points next to the chain through (row, col)."""
        board = self.board if board is None else board
        return {
            (r, c)
            for point in self.chain(row, col, board)
            for r, c in self.neighbours(*point)
            if board[r][c] == EMPTY
        }

    # ---------------------------------------------------------------- the rules
    def try_move(self, action, colour):
        """The result of ``colour`` playing ``action`` on the current board, ignoring ko/superko.

        Returns ``(new_board, captured, suicided)`` or ``(None, reason, None)`` if the move is
        not allowed (``"occupied"`` or ``"suicide"``).
        """
        row, col = divmod(action, self.size)
        if self.board[row][col] != EMPTY:
            return None, "occupied", None
        board = [list(r) for r in self.board]
        board[row][col] = colour
        captured = 0
        for r, c in self.neighbours(row, col):
            if board[r][c] == -colour and not self.liberties(r, c, board):
                for (sr, sc) in self.chain(r, c, board):
                    board[sr][sc] = EMPTY
                    captured += 1
        suicided = 0
        if not self.liberties(row, col, board):
            own_chain = self.chain(row, col, board)
            if len(own_chain) == 1 or not self.suicide:
                return None, "suicide", None
            for (sr, sc) in own_chain:
                board[sr][sc] = EMPTY
                suicided += 1
        return board, captured, suicided

    def illegal_reason(self, action):
        """``None`` if ``action`` is legal for the player to move, else why not."""
        if isinstance(action, bool) or not isinstance(action, numbers.Integral):
            return "out_of_range"
        if not 0 <= action <= self.size * self.size:
            return "out_of_range"
        if self.is_over:
            return "game_over"
        if action == self.pass_action:
            return None
        board, reason, _ = self.try_move(action, self.to_play)
        if board is None:
            return reason
        frozen = self.frozen_board(board)
        if frozen == self.board_before_last_move:
            return "ko"
        if self.ko == "positional" and any(frozen == seen for seen, _ in self.history):
            return "superko"
        if self.ko == "situational" and (frozen, -self.to_play) in self.history:
            return "superko"
        return None

    def legal_actions(self):
        return [a for a in range(self.size * self.size + 1) if self.illegal_reason(a) is None]

    def legal_mask(self):
        legal = set(self.legal_actions())
        return [a in legal for a in range(self.size * self.size + 1)]

    def play(self, action):
        reason = self.illegal_reason(action)
        if reason is not None:
            raise ReferenceIllegalMove(action, reason)
        before = self.frozen_board()
        if action == self.pass_action:
            self.consecutive_passes += 1
        else:
            self.consecutive_passes = 0
            board, captured, suicided = self.try_move(action, self.to_play)
            self.board = board
            mover = 0 if self.to_play == BLACK else 1
            self.captures[mover] += captured
            self.captures[1 - mover] += suicided
        self.board_before_last_move = before
        self.moves.append(action)
        self.to_play = -self.to_play
        self.history.append((self.frozen_board(), self.to_play))
        if self.consecutive_passes >= 2:
            self.end_reason = "two_passes"
        elif self.max_moves is not None and len(self.moves) >= self.max_moves:
            self.end_reason = "move_cap"

    # ---------------------------------------------------------------- the end
    @property
    def pass_action(self):
        return self.size * self.size

    @property
    def is_over(self):
        return self.end_reason is not None

    def area(self):
        """(black area, white area): stones plus empty regions that reach only that colour."""
        area = {BLACK: 0, WHITE: 0}
        seen = set()
        for row in range(self.size):
            for col in range(self.size):
                colour = self.board[row][col]
                if colour != EMPTY:
                    area[colour] += 1
                elif (row, col) not in seen:
                    region = self.chain(row, col)
                    seen |= region
                    reached = {
                        self.board[r][c]
                        for point in region
                        for r, c in self.neighbours(*point)
                        if self.board[r][c] != EMPTY
                    }
                    if len(reached) == 1:
                        area[reached.pop()] += len(region)
        return area[BLACK], area[WHITE]

    def area_map(self):
        """Owner of every point, row-major: 1 black's area, -1 white's, 0 neither."""
        owner = []
        for row in range(self.size):
            for col in range(self.size):
                colour = self.board[row][col]
                if colour == EMPTY:
                    reached = {self.board[r][c] for point in self.chain(row, col)
                               for r, c in self.neighbours(*point) if self.board[r][c] != EMPTY}
                    colour = reached.pop() if len(reached) == 1 else EMPTY
                owner.append({BLACK: 1, WHITE: -1}.get(colour, 0))
        return owner

    def score(self):
        black, white = self.area()
        return black - white - self.komi

    @property
    def winner(self):
        score = self.score()
        return (score > 0) - (score < 0)


class ReferenceState:
    """An immutable facade over :class:`ReferenceGo` with the shape of ``advgo.GameState``.

    It lets one fixture test run unchanged against both implementations. ``rules`` is any object
    with ``komi``, ``ko`` and ``suicide`` attributes (such as ``advgo.Rules``), or ``None`` for
    Tromp-Taylor with komi 7.5.
    """

    def __init__(self, game):
        self._game = game

    @classmethod
    def setup(cls, size=9, rules=None, black=(), white=(), to_play=BLACK, max_moves=None):
        komi, ko, suicide = (7.5, "positional", True) if rules is None else (
            rules.komi, rules.ko, rules.suicide)
        return cls(ReferenceGo(size, komi, ko, suicide, max_moves, black, white, to_play))

    @classmethod
    def new(cls, size=9, rules=None, max_moves=None):
        return cls.setup(size, rules, max_moves=max_moves)

    def play(self, action):
        game = self._game.copy()
        game.play(action)
        return ReferenceState(game)

    @property
    def board(self):
        return np.array(self._game.board, dtype=np.int8)

    def legal_mask(self):
        return np.array(self._game.legal_mask(), dtype=bool)

    def legal_actions(self):
        return np.array(self._game.legal_actions(), dtype=np.int64)

    def is_legal(self, action):
        return self._game.illegal_reason(action) is None

    def illegal_reason(self, action):
        return self._game.illegal_reason(action)

    def score(self):
        return self._game.score()

    size = property(lambda self: self._game.size)
    to_play = property(lambda self: self._game.to_play)
    is_over = property(lambda self: self._game.is_over)
    end_reason = property(lambda self: self._game.end_reason)
    winner = property(lambda self: self._game.winner)
    captures = property(lambda self: tuple(self._game.captures))
    moves = property(lambda self: tuple(self._game.moves))
    move_number = property(lambda self: len(self._game.moves))
    num_actions = property(lambda self: self._game.size ** 2 + 1)
    pass_action = property(lambda self: self._game.pass_action)
