"""How a victim-play run's exploit grew, colour by colour: its training games read back from the run's SGFs.

A run's adversary plays both colours (``victimplay.adversary_color``), and its exploits are colour-specific: one
colour's games can be won for an hour while the other's are all lost. TensorBoard has the window rates
(``victim/<label>/win_rate_as_black``); this script reads every game of the run (``RUN/sgf/game-*.sgf``, voided
games left out) and prints, for each victim (its label, ``:t=T`` added where the victim sampled at temperature T):

- **blocks**: the adversary's wins and its mean margin as black and as white in each block of ``--block`` games
  (numbered by the victim's games, in the run's order);
- **first passes**: the minutes of training (from the run's first game, by the files' times: a resumed copy made
  with ``cp -a`` keeps them; any pause of more than ``--gap`` minutes between two games, such as a closing
  evaluation and the wait before a ``--resume``, is left out and reported) and the game at which the adversary's
  last ``--window`` games of one colour first won 10%, 50% and 90% (the counts behind "white broke at 64, 77 and 82
  minutes");
- **repeats**: how many of each colour's won games are one game played again: the distinct openings (their first
  ``--prefix`` moves, both players') among the wins and the share of the commonest. Against a deterministic victim an
  exploit can be a single line the adversary finds now and then (at cp6@8: 91 of 93 white wins one game);
- **margins**: each colour's commonest margins among its wins and among its losses (``--margins`` of each): against
  cp6 at 7 visits the white games were one point of a board split, won by 1.5 or lost by 73.5 (the whole board and
  the komi: a lost adversary played on inside its own area until it was captured).

A game's winner is its SGF result (``B+...``/``W+...``); a game stopped at the move cap has none and counts as not
won, as everywhere in advgo; margins of such games count as 0.

Usage: .venv/bin/python scripts/colours.py RUN [RUN ...] [--block 500] [--window 100] [--gap 1] [--prefix 40]
       [--margins 3]
e.g.   .venv/bin/python scripts/colours.py runs/attack-cp6-cp4-margin-balance-s2-on --block 400
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections import Counter, deque
from pathlib import Path

from advgo.sgf import read_sgf, result_score

ADVERSARY = "adversary"
"""Victim-play SGFs name the adversary's side ``adversary step N (...)``."""
THRESHOLDS = (0.1, 0.5, 0.9)
TEMPERATURE = re.compile(r"vs victim \S+ at temperature ([0-9.]+)")


@dataclasses.dataclass(frozen=True)
class Game:
    number: int
    minutes: float
    """Of training since the run's first game was written, pauses left out."""
    victim: str
    black: bool
    """The adversary played black."""
    won: bool
    margin: float
    """The adversary's margin (negative: lost by it); 0 for a game with no count."""
    moves: tuple[int, ...] = ()
    """Both players' moves in order (advgo's actions)."""


def run_games(run: Path, gap: float) -> tuple[list[Game], list[float]]:
    """The run's games in order, each read with advgo's SGF reader, and the pauses left out of their minutes."""
    files = sorted(f for f in (run / "sgf").glob("game-*.sgf") if not f.name.endswith("-void.sgf"))
    if not files:
        raise SystemExit(f"{run}: no games in {run / 'sgf'}")
    games, pauses = [], []
    minutes, last = 0.0, files[0].stat().st_mtime
    for path in files:
        written = path.stat().st_mtime
        step, last = (written - last) / 60, written
        if step > gap:
            pauses.append(step)
        else:
            minutes += max(step, 0.0)
        try:
            record = read_sgf(path.read_bytes())
        except ValueError as err:
            raise SystemExit(f"{path}: {err}") from err
        black = (record.player_black or "").startswith(ADVERSARY)
        if not black and not (record.player_white or "").startswith(ADVERSARY):
            raise SystemExit(f"{path}: neither player is the adversary ({record.player_black!r}, {record.player_white!r})")
        victim = (record.player_white if black else record.player_black) or "?"
        found = TEMPERATURE.search(record.comments.get(0, ""))
        if found and float(found.group(1)) > 0:
            victim = f"{victim}:t={float(found.group(1)):g}"
        won = (record.result or "").startswith("B+" if black else "W+")
        score = result_score(record.result) or 0.0  # no count: capped, resignation, time
        games.append(Game(int(path.stem.split("-")[1]), minutes, victim, black, won, score if black else -score,
                          record.moves))
    return games, pauses


def blocks(games: list[Game], block: int) -> list[str]:
    lines = []
    for i in range(0, len(games), block):
        part = games[i:i + block]
        cells = []
        for black in (True, False):
            side = [g for g in part if g.black == black]
            mean = sum(g.margin for g in side) / len(side) if side else 0.0
            cells.append(f"{'black' if black else 'white'} {sum(g.won for g in side):4d}/{len(side):4d} ({mean:+6.1f})")
        lines.append(f"  games {i:6d}-{i + len(part) - 1:6d} (run games {part[0].number}-{part[-1].number}, "
                     f"{part[0].minutes:5.1f}-{part[-1].minutes:5.1f} min): {'  '.join(cells)}")
    return lines


def first_reached(side: list[Game], window: int) -> dict[float, tuple[int, Game]]:
    """Each threshold's first game (and its number among ``side``, from 1) at which the last ``window`` of ``side``
    won at least that share."""
    recent: deque[bool] = deque(maxlen=window)
    hits: dict[float, tuple[int, Game]] = {}
    for n, g in enumerate(side, 1):
        recent.append(g.won)
        if len(recent) == window:
            for th in THRESHOLDS:
                if th not in hits and sum(recent) >= th * window:
                    hits[th] = (n, g)
    return hits


def first_passes(games: list[Game], window: int) -> list[str]:
    lines = []
    for black in (True, False):
        colour = "black" if black else "white"
        side = [g for g in games if g.black == black]
        hits = first_reached(side, window)
        none = f"not 10% of any {window} in a row" if len(side) >= window else f"fewer than {window} games"
        told = "; ".join(f"{th:.0%} at {g.minutes:.1f} min (run game {g.number}, {colour} game {n})"
                         for th, (n, g) in sorted(hits.items())) or none
        last = sum(g.won for g in side[-window:])
        lines.append(f"  {colour} ({len(side)} games, last {min(window, len(side))} won {last}): {told}")
    return lines


def repeats(games: list[Game], prefix: int) -> list[str]:
    """Each colour's wins grouped by their first ``prefix`` moves: how many distinct, how many the commonest."""
    lines = []
    for black in (True, False):
        wins = Counter(g.moves[:prefix] for g in games if g.black == black and g.won)
        total = sum(wins.values())
        if total:
            top = wins.most_common(1)[0][1]
            lines.append(f"  {'black' if black else 'white'} wins: {total}, {len(wins)} distinct in their first {prefix} "
                         f"moves, the commonest {top} ({top / total:.0%})")
    return lines


def margins(games: list[Game], top: int) -> list[str]:
    """Each colour's ``top`` commonest margins among its wins and among its losses (games with a count only)."""
    lines = []
    for black in (True, False):
        cells = []
        for won in (True, False):
            counted = Counter(abs(g.margin) for g in games if g.black == black and g.won == won and g.margin != 0)
            if counted:
                total = sum(counted.values())
                common = ", ".join(f"{m:g} x{n}" for m, n in counted.most_common(top))
                cells.append(f"{'won' if won else 'lost'} {total} by {common}")
        if cells:
            lines.append(f"  {'black' if black else 'white'} margins: {'; '.join(cells)}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--block", type=int, default=500, help="games of one victim per block (default 500)")
    parser.add_argument("--window", type=int, default=100, help="games of one colour in the rolling rate (default 100)")
    parser.add_argument("--prefix", type=int, default=40,
                        help="moves that make two won games the same opening (default 40)")
    parser.add_argument("--gap", type=float, default=1.0,
                        help="minutes between two games above which the time is a pause, not training (default 1)")
    parser.add_argument("--margins", type=int, default=3,
                        help="commonest margins shown for each colour's wins and losses (default 3)")
    args = parser.parse_args()
    if args.block < 1 or args.window < 1 or args.prefix < 1 or args.margins < 1 or args.gap <= 0:
        parser.error("--block, --window, --prefix and --margins must be at least 1, --gap above 0")
    for run in args.runs:
        games, pauses = run_games(run, args.gap)
        left_out = f"; left out: {len(pauses)} pause(s) of {', '.join(f'{p:.1f}' for p in pauses)} min" if pauses else ""
        print(f"{run}: {len(games)} games over {games[-1].minutes:.1f} minutes of training{left_out}")
        for victim in dict.fromkeys(g.victim for g in games):
            mine = [g for g in games if g.victim == victim]
            print(f" victim {victim}: {len(mine)} games")
            print("\n".join(blocks(mine, args.block)))
            print("\n".join(first_passes(mine, args.window)))
            print("\n".join(repeats(mine, args.prefix)))
            print("\n".join(margins(mine, args.margins)))


if __name__ == "__main__":
    main()
