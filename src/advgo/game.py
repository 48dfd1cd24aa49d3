"""``GameState``: one immutable Go position with its history, over the Numba engine.

``play`` returns a new state and leaves the old one valid, so search code and tests can branch
freely. A state is a batch of one in the engine's layout; the position history (needed for superko)
is shared copy-on-write between a state and its descendants, so a line of play costs no history copies.

Action ids: ``row * N + col`` with row 0 the top row and col 0 column A; pass is ``N * N``.
"""

import numpy as np

from .coords import GTP_COLUMNS, action_to_gtp
from .engine import (
    BLACK,
    END_REASONS,
    NO_CAP,
    OK,
    STATUS_NAMES,
    WHITE,
    Boards,
    check_size,
    history_for,
    new_boards,
)
from .engine.constants import HISTORY_FULL
from .engine.moves import check_action, legal_mask_into, play_action
from .engine.scoring import score as _score
from .engine.setup import finish_setup, setup_stone
from .errors import IllegalMoveError
from .rules import Rules


class GameState:
    """An immutable Go position: board, player to move, ko and superko history, captures, result."""

    __slots__ = ("_b", "_rules", "_codes", "_max_moves", "_written", "_initial")

    def __init__(self, boards: Boards, rules: Rules, max_moves, written: list, initial: tuple, codes=None):
        self._b = boards
        self._rules = rules
        self._max_moves = max_moves
        self._codes = rules.codes(NO_CAP if max_moves is None else max_moves) if codes is None else codes
        self._written = written  # [number of history entries written into the shared buffer]
        self._initial = initial  # (black setup actions, white setup actions, first player)

    # ------------------------------------------------------------------ construction
    @classmethod
    def new(cls, size: int = 9, rules: Rules | None = None, max_moves: int | None = None) -> "GameState":
        """The empty board, black to play."""
        return cls.setup(size, rules, max_moves=max_moves)

    @classmethod
    def setup(cls, size: int = 9, rules: Rules | None = None, black=(), white=(), to_play: int = BLACK,
              max_moves: int | None = None) -> "GameState":
        """A position with setup stones (SGF AB/AW, handicap) as its initial position."""
        size = check_size(size)
        rules = Rules.tromp_taylor() if rules is None else rules
        if not isinstance(rules, Rules):
            raise ValueError(f"rules must be an advgo.Rules, got {type(rules).__name__}")
        if max_moves is not None and (isinstance(max_moves, bool) or int(max_moves) != max_moves or max_moves < 1):
            raise ValueError(f"max_moves must be a positive integer or None, got {max_moves!r}")
        if to_play not in (BLACK, WHITE):
            raise ValueError(f"to_play must be 1 (black) or -1 (white), got {to_play!r}")
        cap = NO_CAP if max_moves is None else int(max_moves)
        boards = new_boards(1, size, history_for(size, cap))
        black = tuple(_setup_action(a, size) for a in black)
        white = tuple(_setup_action(a, size) for a in white)
        for color, actions in ((BLACK, black), (WHITE, white)):
            for a in actions:
                if setup_stone(boards, 0, a, color) != OK:
                    raise ValueError(f"setup stone at action {a} is on an occupied point")
        if finish_setup(boards, 0, to_play) != OK:
            raise ValueError("setup position has a chain without liberties")
        max_moves = None if max_moves is None else int(max_moves)
        return cls(boards, rules, max_moves, [1], (black, white, int(to_play)))

    @classmethod
    def from_moves(cls, size: int, rules: Rules | None, moves, max_moves: int | None = None) -> "GameState":
        """The empty board with ``moves`` (action ids) played in order; ``IllegalMoveError`` on a bad one."""
        state = cls.new(size, rules, max_moves=max_moves)
        for move in moves:
            state = state.play(int(move))
        return state

    # ------------------------------------------------------------------ moves
    def play(self, action) -> "GameState":
        """The state after ``action``; raises ``IllegalMoveError`` (with ``.reason``) if it is illegal."""
        a = self._action(action)
        child = self._fork()
        status = play_action(child._b, 0, a, self._codes)
        if status != OK:
            message, explanation = self._illegal_message(a, status)
            raise IllegalMoveError(a, STATUS_NAMES[status], message, vertex=action_to_gtp(a, self.size),
                                   explanation=explanation)
        child._written[0] = child.move_number + 1
        return child

    def legal_mask(self) -> np.ndarray:
        """bool [N*N + 1], pass last: exactly the legal moves (ko, superko and suicide excluded)."""
        out = np.empty(self.num_actions, np.bool_)
        legal_mask_into(self._b, 0, self._codes, out)
        return out

    def legal_actions(self) -> np.ndarray:
        return np.flatnonzero(self.legal_mask())

    def illegal_reason(self, action) -> str | None:
        """None for a legal move, else one of ``advgo.errors.ILLEGAL_REASONS``."""
        try:
            a = self._action(action)
        except IllegalMoveError as err:
            return err.reason
        status = check_action(self._b, 0, a, self._codes)
        return None if status == OK else STATUS_NAMES[status]

    def is_legal(self, action) -> bool:
        return self.illegal_reason(action) is None

    # ------------------------------------------------------------------ properties
    @property
    def size(self) -> int:
        return self._b.size

    @property
    def rules(self) -> Rules:
        return self._rules

    @property
    def max_moves(self) -> int | None:
        return self._max_moves

    @property
    def num_actions(self) -> int:
        return self._b.size * self._b.size + 1

    @property
    def pass_action(self) -> int:
        return self._b.size * self._b.size

    @property
    def to_play(self) -> int:
        return int(self._b.to_play[0])

    @property
    def board(self) -> np.ndarray:
        """int8 [N, N]: 1 black, -1 white, 0 empty; row 0 is the top row."""
        w = self._b.width
        return self._b.stones[0].reshape(w, w)[1:-1, 1:-1].copy()

    @property
    def is_over(self) -> bool:
        return bool(self._b.end_reason[0])

    @property
    def end_reason(self) -> str | None:
        """None while the game goes on, else "two_passes" or "move_cap"."""
        return END_REASONS[int(self._b.end_reason[0])]

    @property
    def moves(self) -> tuple:
        return tuple(int(a) for a in self._b.moves[0, : self.move_number])

    @property
    def move_number(self) -> int:
        return int(self._b.move_count[0])

    @property
    def captures(self) -> tuple:
        """(stones captured by black, stones captured by white); suicided stones count for the opponent."""
        return int(self._b.captures[0, 0]), int(self._b.captures[0, 1])

    @property
    def hash(self) -> int:
        """Zobrist hash of the board (stones only)."""
        return int(self._b.board_hash[0])

    @property
    def engine_boards(self) -> Boards:
        """The engine's arrays of this position (a batch of one, game 0): read them, never write them."""
        return self._b

    @property
    def engine_codes(self):
        """The rules as the engine's kernels take them (``RuleCodes``, with this state's move cap)."""
        return self._codes

    @property
    def initial_black(self) -> tuple:
        return self._initial[0]

    @property
    def initial_white(self) -> tuple:
        return self._initial[1]

    @property
    def initial_to_play(self) -> int:
        return self._initial[2]

    def score(self) -> float:
        """Tromp-Taylor area score, black minus white, komi included (a capped game as it stands)."""
        return float(_score(self._b, 0, self._rules.komi))

    @property
    def winner(self) -> int:
        """1 black, -1 white, 0 draw: the sign of ``score()``."""
        s = self.score()
        return int(s > 0) - int(s < 0)

    # ------------------------------------------------------------------ display
    def __str__(self) -> str:
        n = self.size
        letters = "   " + " ".join(GTP_COLUMNS[:n])
        rows = [letters]
        glyph = {1: "X", -1: "O", 0: "."}
        board = self.board
        for r in range(n):
            label = f"{n - r:2d}"
            rows.append(f"{label} " + " ".join(glyph[int(v)] for v in board[r]) + f" {label}")
        rows.append(letters)
        side = "black (X)" if self.to_play == BLACK else "white (O)"
        status = f"game over ({self.end_reason})" if self.is_over else f"{side} to play"
        rows.append(f"move {self.move_number}, {status}, captures X {self.captures[0]} O {self.captures[1]}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        return (f"GameState(size={self.size}, rules={self._rules.name!r}, move={self.move_number}, "
                f"to_play={self.to_play}, end_reason={self.end_reason!r})")

    # ------------------------------------------------------------------ internals
    def _action(self, action) -> int:
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
            raise IllegalMoveError(action, "out_of_range", f"action must be an integer id, got {action!r}")
        a = int(action)
        if not 0 <= a < self.num_actions:
            raise IllegalMoveError(
                a, "out_of_range", f"action {a} is out of range: 0..{self.num_actions - 1} on {self.size}x{self.size}"
            )
        return a

    def _fork(self) -> "GameState":
        """A copy to play the next move into, sharing the history buffer when it can."""
        b = self._b
        used = int(b.move_count[0]) + 1
        capacity = b.history.shape[1]
        history, moves, written = b.history, b.moves, self._written
        if written[0] != used or used >= capacity:  # another line of play wrote here, or it is full
            grow = capacity * 2 if used >= capacity else capacity
            history = np.zeros((1, grow), np.uint64)
            moves = np.zeros((1, grow), np.int16)
            history[:, :used] = b.history[:, :used]
            moves[:, :used] = b.moves[:, :used]
            written = [used]
        boards = Boards(
            b.size, b.width, b.zobrist, b.stones.copy(), b.chain_head.copy(), b.chain_next.copy(),
            b.chain_size.copy(), b.chain_libs.copy(), b.chain_hash.copy(), b.mark, b.stamp, b.scratch,
            b.to_play.copy(), b.first_player.copy(), b.ko_point.copy(), b.passes.copy(),
            b.move_count.copy(), b.board_hash.copy(), b.captures.copy(), b.end_reason.copy(), history, moves,
            b.seen,  # a filter: sharing it between branches only adds false positives
        )
        return GameState(boards, self._rules, self._max_moves, written, self._initial, self._codes)

    def _illegal_message(self, action: int, status: int) -> tuple[str, str]:
        """The error's message and, apart, why the move is illegal in words."""
        if status == HISTORY_FULL:  # cannot happen: _fork grows the history first
            raise RuntimeError("engine history is full")
        where = action_to_gtp(action, self.size)
        reason = STATUS_NAMES[status]
        who = "black" if self.to_play == BLACK else "white"
        explain = {
            "occupied": "the point is occupied",
            "suicide": "it would be suicide" + ("" if self._rules.suicide else " (forbidden by these rules)"),
            "ko": "it retakes a ko immediately",
            "superko": f"it repeats an earlier position ({self._rules.ko} superko)",
            "game_over": f"the game is over ({self.end_reason})",
        }[reason]
        return f"illegal move {where} (action {action}) for {who}: {explain}", explain


def _setup_action(action, size: int) -> int:
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)) or not 0 <= action < size * size:
        raise ValueError(f"setup stone {action!r} is not a board point id 0..{size * size - 1}")
    return int(action)
