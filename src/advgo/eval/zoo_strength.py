"""Measured strength of the zoo's victims: a round robin with uniform random (Elo, random anchored at 0),
win rates against random, and win rates against GNU Go levels at 1 and N visits.

Victims' raw policies are deterministic at temperature 0, so two victims would repeat the same two games:
in the round robin (Elo) every player samples its moves at ``temperature`` (default 0.3). Against uniform
random and GNU Go, whose own moves make every game different, the victim plays as deployed: temperature 0
(its argmax move), so those win rates describe the victim itself.
GNU Go plays Chinese rules with positional superko, so its matches use ``Rules.chinese()``; the rest
use Tromp-Taylor. Win rates count by :mod:`advgo.eval.counting` (a capped game is a non-win for both sides);
the Elo fit, which has no such outcome, leaves capped games out.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

import numpy as np

from ..agents import RandomAgent
from ..rules import Rules
from ..victims import resolve_victim
from ..zoo import get
from .arena import play_match
from .elo import fit_elo

log = logging.getLogger(__name__)


def _agent(name: str, visits: int, device, temperature: float, seed: int, rules: Rules | None = None):
    """Zoo victim ``name`` as it plays (one of our nets, or a KataGo net as ``katanet`` plays it)."""
    return resolve_victim(name, visits, device=device).agent(rules or Rules.tromp_taylor(), temperature=temperature,
                                                             seed=seed)


def _record(result) -> dict:
    low, high = result.interval
    return {"win_rate": round(result.win_rate, 4), "low": round(low, 4), "high": round(high, 4),
            "games": result.games, "wins": result.wins, "draws": result.draws, "capped": result.capped,
            "mean_length": round(float(np.mean(result.lengths)), 1)}


def round_robin(names: list[str], games: int, temperature: float = 0.3, device="cpu",
                on_match: Callable[[str, str, dict], None] | None = None) -> dict:
    """Every pair among ``names`` + random at 1 visit; returns {"elo": {...}, "vs_random": {...}, "matrix"}."""
    size = get(names[0]).board_size
    players = ["random", *names]
    n = len(players)
    wins = np.zeros((n, n))
    played = np.zeros((n, n))
    vs_random = {}

    def agent(p, seed):
        if p == "random":
            return RandomAgent(seed=seed)
        return _agent(p, 1, device, temperature, seed)

    for (i, a), (j, b) in itertools.combinations(enumerate(players), 2):
        result = play_match(agent(a, i), agent(b, j + 100), size, games, Rules.tromp_taylor())
        wins[i, j] += result.wins + 0.5 * result.draws
        wins[j, i] += result.losses + 0.5 * result.draws
        played[i, j] = played[j, i] = result.games - result.capped  # a capped game has no result for Elo
        if a == "random":
            flipped = _record(result)
            flipped["win_rate"] = round(result.loss_rate, 4)
            flipped["low"], flipped["high"] = (round(x, 4) for x in result.loss_interval)
            flipped["wins"] = result.losses
            vs_random[b] = flipped
        if on_match:
            on_match(a, b, _record(result))
    elo = fit_elo(wins, played, anchor=0)
    return {"elo": {p: round(float(e), 1) for p, e in zip(players, elo)}, "vs_random": vs_random,
            "players": players, "wins": wins.tolist(), "games": played.tolist()}


def vs_random(name: str, games: int, visits: int = 1, temperature: float = 0.0, device="cpu") -> dict:
    """Victim ``name`` at ``visits`` against uniform random (Tromp-Taylor), colours alternating."""
    entry = get(name)
    me = _agent(name, visits, device, temperature, seed=visits)
    return _record(play_match(me, RandomAgent(seed=games), entry.board_size, games, Rules.tromp_taylor()))


def vs_gnugo(name: str, level: int, visits: int, games: int, temperature: float = 0.0, device="cpu") -> dict:
    """Victim ``name`` at ``visits`` against GNU Go at ``level`` (Chinese rules), colours alternating."""
    from ..agents import GnuGoAgent

    entry = get(name)
    me = _agent(name, visits, device, temperature, seed=level, rules=Rules.chinese())
    result = play_match(me, GnuGoAgent(level=level, seed=visits), entry.board_size, games, Rules.chinese())
    return _record(result)
