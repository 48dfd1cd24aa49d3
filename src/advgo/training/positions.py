"""Positions the victim lost to an adversary, and self-play that starts from them (positional adversarial training).

**Reading.** An adversary run writes every victim-play game to ``runs/<run>/sgf/game-NNNNNNN.sgf``
(:mod:`advgo.training.adversary`): PB and PW name the players, the adversary as ``adversary step … (…)`` and the
victim by its label (``cp2@1``, ``ckpt-000000040@1``). :func:`load_lost_games` replays each game and keeps those
the victim lost by the one counting rule (:mod:`advgo.eval.counting`): the game ended by two passes with the
adversary ahead. A game stopped at the move cap is no loss (and no win), whatever the board says; a draw neither.
Files that are not victim-play records (no player named ``adversary …``) are skipped and counted.

**Sampling.** :class:`PositionSampler` draws a lost game uniformly, then one of its positions with the victim to
move (the position before one of the victim's moves, history included: ko, superko and consecutive passes are as
they were), weighted by ``sampling``:

| sampling | weight of the position before the victim's move number m (1-based) |
|---|---|
| ``uniform`` | 1 for every victim turn |
| ``linear`` | m: late positions, where the attack closes, more often |
| ``last`` | 1 for the victim's last ``last_moves`` turns, 0 before |

**Self-play from positions.** :class:`PositionalSelfPlay` is :class:`~advgo.training.selfplay.SelfPlay` whose new
games start from a sampled position with probability ``fraction`` (one draw of the run's generator per new game;
with ``fraction`` 0 it draws nothing and plays exactly as plain self-play). Such a game is searched and learned
from like any other: the victim's own search decides what to do there, and the value target is how the game
ended. Only the moves played after the start are its own: each game may play the self-play move cap's worth of
moves from where it started (the boards' cap is the self-play cap plus the longest prefix, and the shorter cap of
each game is applied here). ``FinishedGame.length`` counts the prefix too; ``start_move`` and ``start_color``
say where such a game started and who was to move (:func:`from_positions`, :func:`start_side_won`), so the games
carry it wherever they are played (on Ray actors too).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .. import engine
from ..eval.counting import is_win
from ..game import GameState
from ..rules import Rules
from ..search import Evaluator, SearchConfig
from ..sgf import BLACK, SgfError, read_sgf, record_to_game
from .selfplay import FinishedGame, SelfPlay, SelfPlayConfig

log = logging.getLogger(__name__)

SGF_DIR = "sgf"  # where an adversary run writes its games (advgo.training.adversary.SGF_DIR)
ADVERSARY_NAME = "adversary"  # how victim-play SGFs name the adversary (PB/PW start with it)
_GAME_FILE = re.compile(r"game-(\d+)\.sgf")


@dataclass(frozen=True)
class LostGame:
    """One victim-play game the victim lost."""

    path: str
    """The SGF file."""
    size: int
    rules: Rules
    moves: tuple[int, ...]
    """Every move of the game (action ids, passes included), black first from the empty board."""
    victim_color: int
    """1 black, -1 white."""
    victim: str
    """The victim's label as the SGF names it (``cp2@1``)."""
    margin: float
    """Final score from the victim's side (negative: it lost)."""

    def victim_turns(self) -> np.ndarray:
        """int64 [T]: for each of the victim's moves, the number of moves played before it (its position's index)."""
        first = 0 if self.victim_color == BLACK else 1
        return np.arange(first, len(self.moves), 2, dtype=np.int64)


@dataclass
class ScanReport:
    """What :func:`load_lost_games` found."""

    files: int = 0
    lost: int = 0
    """Games the victim lost: the positions come from these."""
    not_lost: int = 0
    """Games the victim won or drew, or that were stopped at the move cap."""
    other_victim: int = 0
    """Games against a victim the ``victims`` filter leaves out."""
    skipped: int = 0
    """Files that are not victim-play records (no player named ``adversary …``, setup stones, or unreadable)."""

    def text(self) -> str:
        return (f"{self.files} games read: the victim lost {self.lost}, did not lose {self.not_lost} (won, drawn or "
                f"stopped at the move cap)" + (f", {self.other_victim} against other victims" if self.other_victim
                                                 else "") + (f", {self.skipped} skipped (not victim-play records)"
                                                             if self.skipped else ""))


def game_files(run: str | Path, newest: int = 0) -> list[Path]:
    """An adversary run's ``sgf/game-*.sgf`` files in game order (the newest ``newest`` only, when not 0)."""
    folder = Path(run) / SGF_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"{run}: no {SGF_DIR}/ folder of victim-play games (is it an adversary run, with "
                                f"sgf: true?)")
    found = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := _GAME_FILE.fullmatch(p.name)))
    files = [p for _, p in found]
    return files[-newest:] if newest else files


def victim_side(black: str | None, white: str | None) -> tuple[int, str] | None:
    """(the victim's colour, its label) from PB and PW of a victim-play record; None if it is not one."""
    adv_black = bool(black) and black.startswith(ADVERSARY_NAME)
    adv_white = bool(white) and white.startswith(ADVERSARY_NAME)
    if adv_black == adv_white:
        return None
    return (-1, white or "") if adv_black else (1, black or "")


def read_game(path: str | Path, size: int, rules: Rules) -> tuple[str, LostGame | None]:
    """``("lost", game)``, ``("not_lost", None)`` or ``("skipped", None)`` for one SGF file, replayed in full.

    A file on another board size or under other rules than the run's is an error: positions must be legal and
    mean the same in the games that continue them."""
    try:
        record = read_sgf(Path(path).read_bytes())
    except (OSError, SgfError) as err:
        log.warning("%s: skipped (%s)", path, err)
        return "skipped", None
    side = victim_side(record.player_black, record.player_white)
    if side is None or record.black or record.white or record.to_play != BLACK:
        return "skipped", None
    if record.size != size:
        raise ValueError(f"{path} is a {record.size}x{record.size} game; this run plays {size}x{size}")
    if record.rules != rules:
        raise ValueError(f"{path} was played under {_rules_text(record.rules)}; this run plays {_rules_text(rules)}: "
                         f"positions must keep their meaning (set game.rules and game.komi to match)")
    try:
        state = record_to_game(record)  # no cap: a game that did not end by two passes is not over
    except SgfError as err:
        log.warning("%s: skipped (%s)", path, err)
        return "skipped", None
    colour, label = side
    margin = state.score() * colour
    if not state.is_over or not is_win(-margin, False):
        return "not_lost", None
    return "lost", LostGame(str(path), size, rules, tuple(int(m) for m in record.moves), colour, label, margin)


def _rules_text(rules: Rules) -> str:
    return f"{rules.name} rules (ko {rules.ko}, suicide {'legal' if rules.suicide else 'forbidden'}), komi {rules.komi:g}"


def load_lost_games(runs: Iterable[str | Path], size: int, rules: Rules, newest: int = 0,
                    victims: Sequence[str] = ()) -> tuple[list[LostGame], ScanReport]:
    """Every game of these adversary runs that the victim lost (``victims``: only against these labels)."""
    games: list[LostGame] = []
    report = ScanReport()
    for run in runs:
        for path in game_files(run, newest):
            report.files += 1
            kind, game = read_game(path, size, rules)
            if kind == "lost" and victims and game.victim not in victims:
                report.other_victim += 1
            elif kind == "lost":
                report.lost += 1
                games.append(game)
            elif kind == "not_lost":
                report.not_lost += 1
            else:
                report.skipped += 1
    return games, report


# ------------------------------------------------------------------------------------------------ sampling
class Position(NamedTuple):
    game: int
    """Index into the sampler's games."""
    move: int
    """Moves played before it: the position is ``game.moves[:move]``, with the victim to move."""


def position_weights(turns: np.ndarray, sampling: str, last_moves: int) -> np.ndarray:
    """float64 [T]: the probability of each victim turn of one game (``turns`` from ``LostGame.victim_turns``)."""
    if sampling == "uniform":
        w = np.ones(len(turns))
    elif sampling == "linear":
        w = turns + 1.0  # the move number of the victim's move
    elif sampling == "last":
        w = np.zeros(len(turns))
        w[-last_moves:] = 1.0
    else:
        raise ValueError(f"unknown position sampling {sampling!r}: uniform, linear or last")
    return w / w.sum()


class PositionSampler:
    """Positions with the victim to move, from lost games: a game uniformly, then a turn by ``sampling``."""

    def __init__(self, games: Sequence[LostGame], sampling: str = "uniform", last_moves: int = 10):
        self.games = [g for g in games if len(g.victim_turns())]
        self.sampling = sampling
        self._turns = [g.victim_turns() for g in self.games]
        self._probs = [position_weights(t, sampling, last_moves) for t in self._turns]

    def __len__(self) -> int:
        return len(self.games)

    @property
    def positions(self) -> int:
        """Positions that can be drawn (weight above 0)."""
        return int(sum((p > 0).sum() for p in self._probs))

    @property
    def longest(self) -> int:
        """The most moves before any position that can be drawn (0 without games)."""
        return max((int(t[p > 0].max()) for t, p in zip(self._turns, self._probs)), default=0)

    def distribution(self, game: int) -> tuple[np.ndarray, np.ndarray]:
        """(turns, probabilities) of one game's positions."""
        return self._turns[game], self._probs[game]

    def sample(self, rng: np.random.Generator) -> Position:
        if not self.games:
            raise ValueError("no lost game to sample a position from")
        g = int(rng.integers(len(self.games)))
        turns, probs = self.distribution(g)
        return Position(g, int(turns[rng.choice(len(turns), p=probs)]))

    def state(self, position: Position) -> GameState:
        """The position, replayed from the empty board (its whole history, so ko, superko and passes hold)."""
        game = self.games[position.game]
        return GameState.from_moves(game.size, game.rules, game.moves[: position.move])


# ------------------------------------------------------------------------------------- self-play from them
def from_positions(games: Iterable[FinishedGame]) -> list[FinishedGame]:
    """The finished self-play games that started from an adversarial position (``start_color`` set)."""
    return [g for g in games if g.start_color]


def start_side_won(game: FinishedGame) -> bool:
    """A game from an adversarial position: the side that had lost there (to move at the start) won this time,
    by the one counting rule."""
    return is_win(game.score * game.start_color, game.end_reason == "move_cap")


class PositionalSelfPlay(SelfPlay):
    """Self-play in which a share ``fraction`` of the games start from ``sampler``'s positions (module docstring)."""

    def __init__(self, evaluator: Evaluator, size: int, rules: Rules, search: SearchConfig, config: SelfPlayConfig,
                 rng: np.random.Generator, sampler: PositionSampler | None, fraction: float, samples=None):
        if fraction > 0 and not sampler:
            raise ValueError("self-play from positions needs at least one position (fraction > 0)")
        self.sampler = sampler if fraction > 0 else None
        self.fraction = float(fraction)
        self.own_cap = config.max_moves or 2 * size * size
        longest = self.sampler.longest if self.sampler is not None else 0
        super().__init__(evaluator, size, rules, search, dataclasses.replace(config, max_moves=self.own_cap + longest),
                         rng, samples)
        self._start_move = np.zeros(config.games, np.int64)  # [B] moves before the game's start
        self._start_color = np.zeros(config.games, np.int8)  # [B] victim to move at the start; 0: a fresh game
        self.started_from_positions = 0
        for b in range(config.games):
            self._new_game(b)

    def _new_game(self, b: int) -> None:
        if self.sampler is not None and self.rng.random() < self.fraction:
            position = self.sampler.sample(self.rng)
            state = self.sampler.state(position)
            engine.copy_game(state.engine_boards, 0, self.roots, b)
            self._start_move[b] = position.move
            self._start_color[b] = state.to_play
            self.started_from_positions += 1
        else:
            engine.reset(self.roots, b)
            self._start_move[b] = 0
            self._start_color[b] = 0
        self.mcts.reset(b)

    def step(self) -> list[FinishedGame]:
        finished = super().step()
        over = (self.roots.end_reason == engine.END_NONE) & (self.roots.move_count - self._start_move >= self.own_cap)
        if over.any():
            scores = engine.scores(self.roots, self.codes)
            for b in np.flatnonzero(over):
                # the game's own cap: it played own_cap moves from its start (the boards' cap allows the prefix too)
                self.roots.end_reason[b] = engine.END_MOVE_CAP
                finished.append(self._finish(int(b), float(scores[b])))
                self._new_game(int(b))
        return finished

    def _finish(self, b: int, score: float) -> FinishedGame:
        game = super()._finish(b, score)
        if self._start_color[b]:
            game = game._replace(start_move=int(self._start_move[b]), start_color=int(self._start_color[b]))
        return game
