"""``EnvGames``: a batch of Go games under one ruleset, as the envs need them (play, results, observations, resets).

All three envs sit on it: the PettingZoo AEC env and the Gymnasium env with a batch of one, the vector env with
one game per sub-env. Every call is one Numba kernel over the whole batch. Without a move cap the history
buffer doubles when a game fills it, so games are never cut short by the buffer.
"""

from __future__ import annotations

import numpy as np

from .. import engine
from ..engine import NO_ACTION, NO_CAP
from ..engine import batch as _batch
from ..engine.constants import (
    END_NONE,
    HISTORY_FULL,
    STATUS_NAMES,
)
from ..engine.moves import play_action
from ..features import NUM_GLOBALS
from ..rules import Rules
from .observation import NUM_OBS_PLANES, encode, encode_one

START_HISTORY = 256  # positions held before the first doubling when there is no move cap


def parse_rules(rules: str | Rules, komi: float) -> Rules:
    """A ``Rules`` from a ruleset name ("tromp-taylor", "chinese") and komi, or the ``Rules`` given."""
    if isinstance(rules, Rules):
        return rules
    if not isinstance(rules, str):
        raise ValueError(f"rules must be 'tromp-taylor', 'chinese' or an advgo.Rules, got {rules!r}")
    return Rules.from_name(rules, komi)


def check_max_moves(max_moves) -> int | None:
    if max_moves is None:
        return None
    if isinstance(max_moves, bool) or not isinstance(max_moves, (int, np.integer)) or max_moves < 1:
        raise ValueError(f"max_moves must be a positive integer or None, got {max_moves!r}")
    return int(max_moves)


class EnvGames:
    """``count`` games of ``size`` under ``rules``; ``max_moves`` None for no cap."""

    def __init__(self, count: int, size: int, rules: Rules, max_moves: int | None):
        self.size = engine.check_size(size)
        self.rules = rules
        self.max_moves = check_max_moves(max_moves)
        self.num_actions = self.size * self.size + 1
        self.pass_action = self.size * self.size
        history = START_HISTORY if self.max_moves is None else self.max_moves + 1
        self.codes = rules.codes(NO_CAP if self.max_moves is None else self.max_moves)
        self.boards = engine.new_boards(count, self.size, history)
        self.count = count
        self._status = np.empty(count, np.int8)
        self._scores = np.empty(count, np.float32)
        self._globals = np.empty(NUM_GLOBALS, np.float32)

    # ------------------------------------------------------------------ state
    @property
    def to_play(self) -> np.ndarray:
        """int8 [B]: BLACK (1) or WHITE (-1)."""
        return self.boards.to_play

    @property
    def end_reason(self) -> np.ndarray:
        """int8 [B]: END_NONE, END_TWO_PASSES or END_MOVE_CAP."""
        return self.boards.end_reason

    @property
    def move_count(self) -> np.ndarray:
        return self.boards.move_count

    def over(self) -> np.ndarray:
        return self.boards.end_reason != END_NONE

    def scores(self) -> np.ndarray:
        """float32 [B]: Tromp-Taylor scores, black minus white minus komi (a view; the next call overwrites it)."""
        _batch.scores(self.boards, self.codes.komi, self._scores)
        return self._scores

    def winners(self) -> np.ndarray:
        """int8 [B]: the sign of each game's score as it stands (1 black, -1 white, 0 draw)."""
        return np.sign(self.scores()).astype(np.int8)

    def end_info(self, i: int, end_reason: str) -> dict:
        """What an env's ``info`` says when game ``i`` ends: its score, why it ended and its length."""
        return {"score": float(self.scores()[i]), "end_reason": end_reason, "moves": int(self.boards.move_count[i])}

    def board(self, i: int) -> np.ndarray:
        """int8 [N, N] of game ``i``: 1 black, -1 white, 0 empty; row 0 the top row."""
        w = self.boards.width
        return self.boards.stones[i].reshape(w, w)[1:-1, 1:-1].copy()

    def last_move(self, i: int) -> int | None:
        m = int(self.boards.move_count[i])
        return int(self.boards.moves[i, m - 1]) if m else None

    # ------------------------------------------------------------------ moves
    def check_action(self, action) -> int:
        """One action id as an int; ``ValueError`` for a non-integer or one outside ``0..N*N``."""
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
            raise ValueError(f"action must be an integer id 0..{self.num_actions - 1}, got {action!r}")
        a = int(action)
        if not 0 <= a < self.num_actions:
            raise ValueError(f"action {a} is out of range: 0..{self.num_actions - 1} on {self.size}x{self.size} "
                             f"(pass = {self.pass_action})")
        return a

    def check_actions(self, actions) -> np.ndarray:
        """``actions`` as int64 [B], each an action id; ``ValueError`` for anything else."""
        a = np.asarray(actions)
        if a.shape != (self.count,) or not (np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_):
            raise ValueError(f"actions must be {self.count} integer action ids, got {a.dtype} {a.shape}")
        a = a.astype(np.int64, copy=False)
        bad = (a < 0) | (a >= self.num_actions)
        if bad.any():
            raise ValueError(f"action {int(a[bad][0])} is out of range: actions are 0..{self.num_actions - 1} "
                             f"({self.size}x{self.size} points, pass = {self.pass_action})")
        return a

    def play(self, actions: np.ndarray) -> np.ndarray:
        """Play int64 [B] actions (NO_ACTION skips a game); int8 [B] status codes, illegal moves change nothing."""
        status = self._status
        _batch.play_batch(self.boards, self.codes, actions, status)
        while (status == HISTORY_FULL).any():  # only without a cap: grow the history and play those moves
            self._grow()
            retry = np.where(status == HISTORY_FULL, actions, NO_ACTION)
            again = np.empty_like(status)
            _batch.play_batch(self.boards, self.codes, retry, again)
            status = np.where(status == HISTORY_FULL, again, status)
        return status

    def play_one(self, i: int, action: int) -> int:
        """Play one move in game ``i``; its status code (one kernel call: the AEC and Gymnasium envs' path)."""
        status = play_action(self.boards, i, action, self.codes)
        while status == HISTORY_FULL:
            self._grow()
            status = play_action(self.boards, i, action, self.codes)
        return status

    def reset(self, games=None) -> None:
        """Empty boards, black to play, for ``games`` (all when None)."""
        for i in range(self.count) if games is None else games:
            engine.reset(self.boards, int(i))

    def observe(self, games, observers, obs_out=None, mask_out=None):
        """``(obs float32 [K, C, N, N], mask int8 [K, A])`` of ``games`` as seen by ``observers`` (BLACK/WHITE)."""
        return encode(self.boards, games, observers, self.rules.komi, self.codes, obs_out, mask_out)

    def observe_one(self, i: int, observer: int) -> tuple[np.ndarray, np.ndarray]:
        """``(obs float32 [C, N, N], mask int8 [A])``, fresh arrays, of game ``i`` as ``observer`` sees it."""
        n = self.size
        obs = np.empty((NUM_OBS_PLANES, n, n), np.float32)
        mask = np.empty(self.num_actions, np.int8)
        encode_one(self.boards, i, observer, self.rules.komi, self.codes, self._globals, obs, mask)
        return obs, mask

    def _grow(self) -> None:
        b = self.boards
        length = b.history.shape[1] * 2
        history = np.zeros((self.count, length), np.uint64)
        moves = np.zeros((self.count, length), np.int16)
        history[:, : b.history.shape[1]] = b.history
        moves[:, : b.moves.shape[1]] = b.moves
        self.boards = b._replace(history=history, moves=moves)


def status_name(status: int) -> str:
    return STATUS_NAMES[int(status)]


__all__ = ["EnvGames", "parse_rules", "check_max_moves", "status_name"]
