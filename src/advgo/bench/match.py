"""``advgo bench match``: what external victims cost per move, and match throughput with 1 and 2 workers.

Two parts, each a list of JSON records:

* ``victim`` rows: for every external victim spec, a short match against our ``--opponent`` (one worker, one
  game in flight, so a genmove is timed alone) and the victim's mean seconds per move, beside the figure
  ``anchors.md`` gives for the same engine (GNU Go levels 0, 1, 5, 10; KataGo at 1 visit) where it has one.
* ``throughput`` rows: the same pairing (``--pair``) played with 1 and with 2 worker processes: games/hour
  and the speed-up, measured in the same run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from ..agentspec import parse_agent_spec
from ..eval.match import MatchConfig, run_match, summarize

log = logging.getLogger(__name__)

ANCHOR_SECONDS_PER_MOVE = {"gnugo:level=0": 0.01, "gnugo:level=1": 0.017, "gnugo:level=5": 0.05,
                           "gnugo:level=10": 0.27, "katago:visits=1": 0.2}
"""Seconds per genmove on 9x9 from ../shared/facts/anchors.md (2-core machine, Nov 2026); for reference."""


def victim_cost(spec: str, opponent: str, games: int, board: int, seed: int = 0) -> dict:
    run = run_match(MatchConfig(opponent, spec, board_size=board, games=games, slots=1, seed=seed))
    s = summarize(run)
    canonical = parse_agent_spec(spec).text
    return {"part": "victim", "victim": canonical, "opponent": s["a"], "board": board, "games": s["games"],
            "voided": s["voided"], "moves": run.clocks[1].moves, "seconds_per_move": s["b_seconds_per_move"],
            "anchor_seconds_per_move": ANCHOR_SECONDS_PER_MOVE.get(canonical) if board == 9 else None,
            "victim_win_rate": s["b_win_rate"]}


def throughput(a: str, b: str, games: int, board: int, workers: int, seed: int = 0) -> dict:
    run = run_match(MatchConfig(a, b, board_size=board, games=games, workers=workers, seed=seed))
    s = summarize(run)
    return {"part": "throughput", "a": s["a"], "b": s["b"], "board": board, "games": s["games"], "workers": workers,
            "seconds": s["seconds"], "games_per_hour": s["games_per_hour"], "mean_length": s["mean_length"],
            "voided": s["voided"]}


def run(victims: list[str], opponent: str, pair: tuple[str, str], games: int, throughput_games: int, board: int,
        on_record: Callable[[dict], None] | None = None) -> list[dict]:
    records = []
    for spec in victims:
        records.append(victim_cost(spec, opponent, games, board))
        if on_record:
            on_record(records[-1])
    for workers in (1, 2):
        records.append(throughput(*pair, throughput_games, board, workers))
        if on_record:
            on_record(records[-1])
    base = next(r for r in records if r["part"] == "throughput" and r["workers"] == 1)
    for r in records:
        if r["part"] == "throughput":
            r["speedup"] = r["games_per_hour"] / base["games_per_hour"]
    return records
