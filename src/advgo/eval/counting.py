"""How a game counts in a win rate, and the default move cap: one rule for every report in advgo.

| how the game ended | counts as | in the games (the win rate's denominator) |
|---|---|---|
| two passes, one side ahead (komi included) | a win for it, a loss for the other | yes |
| two passes, level | a draw: a non-win for both sides | yes |
| stopped at the move cap | ``capped``: a non-win for both sides, whoever leads on the board; never a win or a loss | yes |
| voided (an engine died, timed out or refused a move; an illegal move) | not counted | no |

A report over no scored game (every game voided) has no win rate: :func:`require_scored` raises
``NoScoredGames`` there, and ``advgo match`` exits non-zero with that message instead of showing 0%.

A win rate is wins over scored games (wins + losses + draws + capped), its 95% Wilson interval over the same;
one side's losses are the other side's wins. ``advgo match`` (:class:`advgo.eval.arena.MatchResult`),
``advgo eval`` and the training evaluation (:func:`advgo.training.adversary.evaluate_adversary`), the
curriculum's window and victim-play (``VictimGame.adversary_won``) all count this way, so the same games read
the same win rate everywhere. A capped game is unfinished: the side ahead on the board when it stopped has
not won it (a losing victim has no reason to pass, and an engine that never passes would otherwise "win" by
the position mid-fight).

The default move cap is 5·N² (405 on 9x9, 1805 on 19x19; the paper capped 19x19 at 1600 ≈ 4.4·N²): a short
cap turns games the adversary is winning into capped non-wins before it can finish them. An explicit cap
(``max_moves``) overrides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .stats import wilson_interval

CAP_PER_POINT = 5
"""The default move cap is ``CAP_PER_POINT · N²``."""
RULE = ("a game stopped at the move cap is a non-win for both sides (counted in the games as capped, never as a "
        "win or a loss); draws are non-wins; voided games are not counted; win rate = wins / scored games")
"""The counting rule in words, as every report states it."""

WIN, LOSS, DRAW, CAPPED = "win", "loss", "draw", "capped"


def default_move_cap(size: int) -> int:
    """5·N²: the move cap of every match, evaluation and victim-play game unless one is given."""
    return CAP_PER_POINT * size * size


def move_cap(size: int, max_moves: int | None = None) -> int:
    """``max_moves`` when given (and not 0), else the default cap for an ``size``x``size`` board."""
    return int(max_moves) if max_moves else default_move_cap(size)


def outcome(margin: float, capped: bool) -> str:
    """``win``, ``loss``, ``draw`` or ``capped`` for a scored game, from the side whose score ``margin`` is."""
    if capped:
        return CAPPED
    return WIN if margin > 0 else LOSS if margin < 0 else DRAW


def is_win(margin: float, capped: bool) -> bool:
    """A win: the side leads at the end of a game that was not stopped at the move cap."""
    return outcome(margin, capped) == WIN


@dataclass(kw_only=True)
class Tally:
    """Games counted by the rule, from one side: wins, losses, draws, capped (in the games) and voided (not)."""

    wins: int = 0
    losses: int = 0
    draws: int = 0
    capped: int = 0
    voided: int = 0

    def count(self, margin: float, capped: bool = False, void: bool = False) -> str | None:
        """Count one game (``margin`` from this side); its outcome, or None for a voided game."""
        if void:
            self.voided += 1
            return None
        result = outcome(margin, capped)
        if result == WIN:
            self.wins += 1
        elif result == LOSS:
            self.losses += 1
        elif result == DRAW:
            self.draws += 1
        else:
            self.capped += 1
        return result

    @property
    def games(self) -> int:
        """Scored games: wins + losses + draws + capped (voided games are not counted)."""
        return self.wins + self.losses + self.draws + self.capped

    @property
    def win_rate(self) -> float:
        """Wins over scored games (0 before any)."""
        return self.wins / self.games if self.games else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of ``win_rate``."""
        return wilson_interval(self.wins, self.games)

    @property
    def loss_rate(self) -> float:
        """The other side's win rate: losses over scored games."""
        return self.losses / self.games if self.games else 0.0

    @property
    def loss_interval(self) -> tuple[float, float]:
        return wilson_interval(self.losses, self.games)


class NoScoredGames(ValueError):
    """Every game was voided: nothing was counted, so there is no win rate to report."""


def require_scored(tally: Tally, what: str = "the match") -> Tally:
    """``tally`` when it holds a scored game; else ``NoScoredGames`` saying how many games were voided."""
    if tally.games == 0:
        raise NoScoredGames(f"{what}: no game was scored: {tally.voided} of {tally.voided} games were voided, so "
                            f"there is no win rate")
    return tally
