"""The one match loop: two agents, many games at once, every finished game reported as a ``GameRecord``.

``play_games`` keeps ``slots`` games in flight (a finished game's slot starts the next game), asks each
agent for the moves of all games it is to move in at once, and reports each game the moment it ends.
Games end by two passes, at the move cap (default 5·N²; counted as ``capped``), or are **voided**: an
external engine died, timed out or refused a move (``EngineDied``, ``GTPError``), or an agent chose an
illegal move. A voided game is not scored; the engine was restarted by its agent and the match goes on.
``play_match`` folds the records into a ``MatchResult`` from agent A's side.

Scores are area scores of the final position under the match's rules (Tromp-Taylor or Chinese), from
Black's side, komi included; a capped game keeps its score of the position where it stopped (in its record
and SGF). Games count by the one rule of :mod:`advgo.eval.counting`, as in the curriculum, ``advgo eval`` and
training evaluation: a capped game is a non-win for both sides (in the games, never a win or a loss), a draw
a non-win, a voided game not counted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import engine
from ..agents import Agent
from ..agents.gtp_client import EngineDied, GTPError
from ..rules import Rules
from .counting import Tally, move_cap, outcome

log = logging.getLogger(__name__)


@dataclass
class GameRecord:
    """One game of a match (``index`` counts from 0 in the match's order)."""

    index: int
    a_black: bool
    moves: list[int]
    score: float = 0.0
    """Black's area margin (komi included); 0 for a voided game."""
    capped: bool = False
    void: str | None = None
    """Why the game was voided, or None."""
    seconds: float = 0.0

    @property
    def length(self) -> int:
        return len(self.moves)

    @property
    def a_margin(self) -> float:
        return self.score if self.a_black else -self.score

    @property
    def a_outcome(self) -> str | None:
        """``win``, ``loss``, ``draw`` or ``capped`` from A's side (:func:`advgo.eval.counting.outcome`); None if
        voided."""
        return None if self.void else outcome(self.a_margin, self.capped)

    @property
    def winner(self) -> str | None:
        """``B``, ``W``, ``draw`` on the board (a capped game as it stopped), or None for a voided game."""
        if self.void:
            return None
        return "B" if self.score > 0 else "W" if self.score < 0 else "draw"


@dataclass
class AgentClock:
    """Time an agent spent choosing moves, and how many it chose."""

    seconds: float = 0.0
    moves: int = 0

    @property
    def per_move(self) -> float:
        return self.seconds / self.moves if self.moves else 0.0


def play_games(agent_a: Agent, agent_b: Agent, size: int, rules: Rules, game_ids: list[int], a_black: list[bool],
               on_game: Callable[[GameRecord], None], *, slots: int | None = None, max_moves: int | None = None,
               clocks: tuple[AgentClock, AgentClock] | None = None) -> None:
    """Play the games ``game_ids`` (A black in those where ``a_black``), ``slots`` at a time (default all)."""
    if len(game_ids) != len(a_black):
        raise ValueError("game_ids and a_black must have the same length")
    if not game_ids:
        return
    slots = min(slots or len(game_ids), len(game_ids))
    cap = move_cap(size, max_moves)
    codes = rules.codes(cap)
    boards = engine.new_boards(slots, size, cap + 1)
    clocks = clocks or (AgentClock(), AgentClock())
    for agent in (agent_a, agent_b):
        agent.start(size, rules, slots)
    queue = list(zip(game_ids, a_black))[::-1]
    game = np.full(slots, -1, np.int64)  # match index of the game in each slot, -1: idle
    black_is_a = np.zeros(slots, np.bool_)
    started = np.zeros(slots, np.float64)
    void: dict[int, str] = {}

    def load(s: int) -> None:
        engine.reset(boards, s)
        if queue:
            gid, ab = queue.pop()
            game[s], black_is_a[s], started[s] = gid, ab, time.monotonic()
        else:
            game[s] = -1

    def finish(s: int, score: float, reason: str | None) -> None:
        moves = boards.moves[s, :int(boards.move_count[s])].tolist()
        on_game(GameRecord(int(game[s]), bool(black_is_a[s]), moves, 0.0 if reason else score,
                           capped=reason is None and int(boards.end_reason[s]) == engine.END_MOVE_CAP,
                           void=reason, seconds=time.monotonic() - started[s]))
        load(s)

    for s in range(slots):
        load(s)
    actions = np.full(slots, engine.NO_ACTION, np.int64)
    while (game >= 0).any():
        live = game >= 0
        black_to_move = boards.to_play == engine.BLACK
        actions[:] = engine.NO_ACTION
        for agent, mine, clock in ((agent_a, black_to_move == black_is_a, clocks[0]),
                                   (agent_b, black_to_move != black_is_a, clocks[1])):
            _select(agent, boards, np.flatnonzero(live & mine), actions, void, clock)
        for s, reason in void.items():
            log.warning("game %d voided: %s", int(game[s]), reason)
            finish(s, 0.0, reason)
        void.clear()
        playing = (game >= 0) & (actions != engine.NO_ACTION)
        status = engine.play_batch(boards, codes, np.where(playing, actions, engine.NO_ACTION))
        scores = None
        for s in np.flatnonzero(playing):
            if status[s] != engine.OK:
                who = agent_a.name if (boards.to_play[s] == engine.BLACK) == black_is_a[s] else agent_b.name
                finish(s, 0.0, f"{who} chose an illegal move ({engine.STATUS_NAMES[int(status[s])]})")
            elif boards.end_reason[s] != engine.END_NONE:
                scores = engine.scores(boards, codes) if scores is None else scores
                finish(s, float(scores[s]), None)


def _select(agent: Agent, boards, idx: np.ndarray, actions: np.ndarray, void: dict, clock: AgentClock) -> None:
    """``agent``'s moves for the games ``idx``; a game whose engine fails is put in ``void`` instead."""
    while len(idx):
        t0 = time.perf_counter()
        try:
            actions[idx] = agent.select(boards, idx)
        except (EngineDied, GTPError) as exc:
            failed = [exc.game] if exc.game is not None and exc.game in idx else list(idx)
            for s in failed:
                void[int(s)] = str(exc)
            idx = np.array([s for s in idx if s not in failed], np.int64)
            continue
        finally:
            clock.seconds += time.perf_counter() - t0
        clock.moves += len(idx)
        return


@dataclass
class MatchResult(Tally):
    """Results from agent A's side, counted by :mod:`advgo.eval.counting`: ``wins`` / ``losses`` / ``draws`` /
    ``capped`` (non-wins for both) over ``games`` scored games; ``voided`` games are not counted."""

    a: str
    b: str
    lengths: list = field(default_factory=list)
    margins: list = field(default_factory=list)  # A's score margin per scored game (a capped one as it stopped)
    a_black: list = field(default_factory=list)
    max_moves: int | None = None
    """The move cap the games were played under (None: not known)."""

    def add(self, record: GameRecord) -> None:
        if self.count(record.a_margin, record.capped, bool(record.void)) is None:
            return
        self.margins.append(record.a_margin)
        self.lengths.append(record.length)
        self.a_black.append(record.a_black)


def play_match(agent_a: Agent, agent_b: Agent, size: int, games: int, rules: Rules | None = None,
               max_moves: int | None = None, alternate: bool = True, slots: int | None = None) -> MatchResult:
    """Play ``games`` games of A against B; A is black in even-numbered games when alternating. ``max_moves``:
    the move cap (default 5·N², :func:`advgo.eval.counting.move_cap`)."""
    rules = Rules.tromp_taylor() if rules is None else rules
    result = MatchResult(agent_a.name, agent_b.name, max_moves=move_cap(size, max_moves))
    records: list[GameRecord] = []
    play_games(agent_a, agent_b, size, rules, list(range(games)),
               [(g % 2 == 0) or not alternate for g in range(games)], records.append, slots=slots,
               max_moves=max_moves)
    for record in sorted(records, key=lambda r: r.index):
        result.add(record)
    return result
