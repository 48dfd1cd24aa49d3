"""How did one player lose its games? Each game replayed: its margin, its stones captured, and its last pass.

Reads SGF files (a match's ``games/``, a table cell's ``cells/rX-cY/games``, a run's ``sgf/``; folders are searched
for ``*.sgf``) and keeps the games in which ``--player`` (the SGF's player name, or a part of it found in one name only:
a checkpoint's file name, ``zoo:cp6``, ``gnugo``) took part and lost by the SGF's result (a game stopped at the
move cap, a win for neither side by advgo's counting rule, is counted apart). For each it tells a loss on the board
from one given away by a pass (``kind``: a group of ``BIG_CAPTURE``+ stones killed; else a last pass made with
``OPEN_POSITION``+ moves left outside its pass-alive territory; else a settled position lost on the board):

| column | meaning |
|---|---|
| ``margin`` | the final margin (area score, the SGF's rules) |
| ``captured`` | the player's stones taken off the board in the game (captured, or by its own suicide where the rules
  allow it), and the most taken by one move |
| ``first_pass`` | who passed first in the closing pair of passes: the player (``own``) or its opponent |
| ``open`` | at the player's last pass, its legal moves outside its own pass-alive territory (0: nothing left that the
  paper's hardening would make it play) |

Usage: .venv/bin/python scripts/endings.py PATH [PATH ...] --player SUBSTR [--games]
e.g.   .venv/bin/python scripts/endings.py runs/table-cp6v1/cells/r0-c0/games --player ckpt-000003000
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
from pathlib import Path

import numpy as np

from advgo import GameState
from advgo.passalive import pass_alive_territory
from advgo.sgf import SgfRecord, read_sgf, record_to_game, result_score

CAPPED = "none (capped)"
"""``first_pass`` of a game that did not end by two passes (the move cap): advgo counts it as a win for neither side,
so it is not a loss here."""
BIG_CAPTURE = 10
"""A capture of at least this many stones in one move counts as a group killed."""
OPEN_POSITION = 10
"""A last pass with at least this many legal moves left outside the player's pass-alive territory was made in an
open position (the pass attack: 76 on 9x9 after 9 moves); settled 9x9 endings of our nets leave 0-5."""


def sgf_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        files += sorted(path.rglob("*.sgf")) if path.is_dir() else [path]
    return [f for f in files if not f.name.endswith("-void.sgf")]


def initial_state(record: SgfRecord) -> GameState:
    """The game's first position: its setup stones (handicap, AB/AW) and player to move."""
    return record_to_game(dataclasses.replace(record, moves=()))


def stones_lost(state: GameState, move: int, colour: int) -> tuple[int, GameState]:
    """``colour``'s stones that ``move`` (played in ``state``) takes off the board — captured, or by its own suicide
    where the rules allow it — and the position after it."""
    placed = int(move != state.pass_action and state.to_play == colour)
    after = state.play(move)
    return int((state.board == colour).sum()) + placed - int((after.board == colour).sum()), after


def colour_of(player: str, black: str, white: str, path: Path) -> int:
    """1 or -1: the colour whose name is ``player`` or, failing that, the one name holding it; 0: neither."""
    for names in ((black == player, white == player), (player in black, player in white)):
        if all(names):
            raise ValueError(f"{path}: {player!r} names both players ({black!r}, {white!r}); give more of the name")
        if any(names):
            return 1 if names[0] else -1
    return 0


def ending(path: Path, player: str) -> dict | None:
    """The ending of one game ``player`` lost (None when it did not play or did not lose)."""
    try:
        record = read_sgf(path.read_bytes())
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from err
    colour = colour_of(player, record.player_black, record.player_white, path)
    if colour == 0:
        return None
    if not record.result or record.result[0] not in "BW" or (record.result[0] == "B") == (colour == 1):
        return None
    state = initial_state(record)
    captured, largest, last_pass, open_moves = 0, 0, None, None
    n2 = record.size * record.size
    movers = []
    for i, move in enumerate(record.moves):
        movers.append(state.to_play)
        if move == n2 and state.to_play == colour:
            territory = pass_alive_territory(state.board, colour, record.rules.suicide).reshape(-1)
            open_moves = int((state.legal_mask()[:-1] & ~territory).sum())
            last_pass = i
        lost, state = stones_lost(state, move, colour)
        captured += lost
        largest = max(largest, lost)
    moves = list(record.moves)
    passes_at_end = len(moves) >= 2 and moves[-1] == n2 and moves[-2] == n2
    first = None if not passes_at_end else ("own" if movers[-2] == colour else "opponent")
    return {"file": path.name, "colour": "B" if colour == 1 else "W", "result": record.result, "moves": len(moves),
            "captured": captured, "largest": largest, "first_pass": first or CAPPED,
            "open": open_moves if last_pass is not None else None}


def _margin(result: str) -> float:
    score = result_score(result)
    return float("nan") if score is None else abs(score)  # B+R, W+T: no count


def kind(e: dict) -> str:
    if e["largest"] >= BIG_CAPTURE:
        return f"a group of {BIG_CAPTURE}+ stones killed"
    if e["open"] is not None and e["open"] >= OPEN_POSITION:
        return f"passed with {OPEN_POSITION}+ moves left outside its pass-alive territory"
    return "lost a settled position on the board"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--player", required=True, help="substring of the SGF player name whose losses to read")
    parser.add_argument("--games", action="store_true", help="print every lost game, not only the summary")
    args = parser.parse_args()
    files = sgf_files(args.paths)
    try:
        read = [e for e in (ending(f, args.player) for f in files) if e is not None]
    except ValueError as err:  # a name that fits both players, an unreadable SGF: say which, no traceback
        parser.exit(2, f"endings.py: {err}\n")
    endings = [e for e in read if e["first_pass"] != CAPPED]
    print(f"{len(files)} games read; {args.player!r} lost {len(endings)}"
          f"{f' (and {len(read) - len(endings)} capped, a non-win for both sides, not counted)' if len(read) > len(endings) else ''}")
    if args.games:
        for e in endings:
            print("  ".join(f"{k}={v}" for k, v in e.items()))
    by_kind = collections.Counter((e["colour"], kind(e)) for e in endings)
    for (colour, what), count in sorted(by_kind.items()):
        margins = [_margin(e["result"]) for e in endings if e["colour"] == colour and kind(e) == what]
        print(f"as {colour}: {count:4d}  {what}  (margin {min(margins):g}-{max(margins):g}, "
              f"median {np.median(margins):g})")


if __name__ == "__main__":
    main()
