"""``advgo table``: a cross table of players against opponents, each cell an ``advgo match`` with a 95% interval.

The non-transitivity table of the paper is one such table: adversaries (and the victim itself) in the rows,
the victim at several visit counts, stronger and weaker players and baseline attacks in the columns. A row or
column is an agent spec, or an adversary run folder (its newest checkpoint, or the one of a given step). Each cell
is a match played by :func:`advgo.eval.match.run_match`, so it counts games by the one rule
(:mod:`advgo.eval.counting`), agrees rules with the engines (GNU Go: Chinese) and writes every game as SGF.

| output (under the table folder) | content |
|---|---|
| ``config.yaml`` | the resolved ``TableConfig`` |
| ``cells/rI-cJ/`` | one match folder per cell (``match.json``, ``games/*.sgf``) |
| ``table.json`` | one record per cell (specs, labels, rules, the match summary); each adversary run's training compute |
| ``table.md`` | the table as Markdown (win rate of the row player, 95% Wilson interval, games), the counting rule and cap, the adversaries' compute |

A table folder resumes: a cell whose ``match.json`` is already there with the same match config is read back,
not replayed, so a killed run (or one given more columns) continues where it stopped; a cell stopped before its
end (no ``match.json``) is played again from its first game, its earlier games removed first (logged); a finished
cell whose match config changed (games, workers, seed, a newer checkpoint...) is kept aside as ``rI-cJ.previous-N``
and played again (logged).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from ..config import write_resolved
from ..fileio import atomic_write
from ..nets import latest_checkpoint, load_checkpoint
from ..nets.checkpoint import checkpoint_path
from ..training.trainer import CHECKPOINTS, MILESTONES
from .counting import RULE, move_cap
from .match import MatchConfig, match_json, run_match

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Player:
    spec: str = ""
    """An agent spec (``katanet:visits=8``, ``gnugo:level=10``, ``baseline:edge``, ``net:PATH`` …)."""
    run: str = ""
    """Instead of ``spec``: an adversary run folder; its newest checkpoint plays (``net:RUN/checkpoints/…``)."""
    params: str = ""
    """With ``run``: parameters appended to its checkpoint's spec (``visits=32``, ``amcts=plain`` …)."""
    step: int = 0
    """With ``run``: the checkpoint of this learner step (in ``checkpoints/`` or ``milestones/``) instead of the
    newest: a run resumed since the table was played, or rows along one run's training."""
    label: str = ""
    """Name in the table (default: the spec, or the run folder's name)."""
    games: int = 0
    """For a column: games against it in every row (0: the table's ``games``)."""

    def __post_init__(self):
        if bool(self.spec) == bool(self.run):
            raise ValueError("a table player needs exactly one of spec or run")
        if self.games < 0:
            raise ValueError(f"games must be >= 0, got {self.games}")
        if self.params and not self.run:
            raise ValueError("params go with run (a spec carries its own parameters)")
        if self.step and not self.run:
            raise ValueError("step goes with run (a spec names its checkpoint)")
        if self.step < 0:
            raise ValueError(f"step must be >= 0, got {self.step}")

    @property
    def name(self) -> str:
        return self.label or self.spec or Path(self.run).name

    def checkpoint(self) -> Path:
        """The checkpoint a ``run`` player plays: the newest, or the one of ``step``."""
        run = Path(self.run)
        if not self.step:
            path = latest_checkpoint(run / CHECKPOINTS)
            if path is None:
                raise ValueError(f"{self.run}: no checkpoint in {run / CHECKPOINTS}")
            return path
        for folder in (CHECKPOINTS, MILESTONES):
            if (path := checkpoint_path(run / folder, self.step)).is_file():
                return path
        raise ValueError(f"{self.run}: no checkpoint of step {self.step} in {run / CHECKPOINTS} or {run / MILESTONES}")

    def compute(self) -> dict | None:
        """A run's training compute from the checkpoint it plays (None for a plain spec)."""
        if not self.run:
            return None
        ckpt = load_checkpoint(self.checkpoint())
        extra = ckpt.extra or {}
        counters = extra.get("counters") or {}
        return {"step": ckpt.step, "games": counters.get("games", 0), "moves": counters.get("moves", 0),
                "evaluations": counters.get("evaluations", 0),
                "victim_evaluations": counters.get("victim_evaluations", 0),
                "wall_seconds": counters.get("wall_seconds", 0.0), "hardware": extra.get("hardware", "")}

    def resolve(self) -> str:
        """The agent spec this player plays as (a run resolves to its newest checkpoint, or that of ``step``)."""
        if self.spec:
            return self.spec
        return f"net:{self.checkpoint()}" + (f":{self.params}" if self.params else "")


@dataclasses.dataclass(frozen=True)
class TableConfig:
    rows: tuple[Player, ...] = ()
    """The players whose win rates the table shows."""
    columns: tuple[Player, ...] = ()
    """Their opponents."""
    board_size: int = 9
    """Board size N."""
    komi: float = 7.5
    """Komi."""
    rules: str | None = None
    """tromp-taylor or chinese for every cell; None: each cell agrees with its engines (GNU Go: Chinese)."""
    games: int = 20
    """Games per cell, colours alternating (a column may set its own)."""
    max_moves: int = 0
    """Move cap (0: the default cap of advgo.eval.counting); a capped game is a win for neither side."""
    workers: int = 1
    """Worker processes per match."""
    seed: int = 0
    """Seed of every cell's agents."""
    device: str = "cpu"
    """Torch device of net agents."""
    threads: int = 1
    """Torch CPU threads of each match worker (:mod:`advgo.nets.threads`; 0: torch's default)."""
    by_color: bool = False
    """Also show each cell's win rate as black and as white (``(B 0%, W 90%)``): komi makes the colours unequal,
    and an adversary may have found an exploit for one colour only. Display only: cells are not replayed."""

    def __post_init__(self):
        if not self.rows or not self.columns:
            raise ValueError("a table needs at least one row and one column")
        if self.games < 1:
            raise ValueError(f"games must be >= 1, got {self.games}")

    def cell(self, row: Player, column: Player) -> MatchConfig:
        return MatchConfig(row.resolve(), column.resolve(), board_size=self.board_size,
                           games=column.games or self.games, rules=self.rules, komi=self.komi,
                           max_moves=self.max_moves, workers=self.workers, seed=self.seed, device=self.device,
                           threads=self.threads)


@dataclasses.dataclass
class Cell:
    row: int
    column: int
    config: MatchConfig
    summary: dict
    rules: str
    replayed: bool = False
    """True when read back from an earlier run of the table, not played now."""


def _finished(folder: Path, cfg: MatchConfig) -> dict | None:
    """The saved ``match.json`` of a cell played with exactly ``cfg`` (rules and threads aside: they do not change
    the games), else None."""
    path = folder / "match.json"
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    want = dataclasses.asdict(cfg)
    got = {k: v for k, v in saved.get("config", {}).items() if k in want}
    aside = ("rules", "threads")
    if {k: v for k, v in want.items() if k not in aside} != {k: v for k, v in got.items() if k not in aside}:
        return None
    return saved


def run_table(cfg: TableConfig, out_dir: Path, on_game: Callable[[], None] | None = None,
              on_cell: Callable[[Cell], None] | None = None,
              on_replayed: Callable[[int], None] | None = None) -> list[Cell]:
    """Play (or read back) every cell, row by row; write ``table.json`` and ``table.md`` after each cell.
    ``on_game`` is called after each game played; a cell read back calls ``on_replayed(games)`` where given (else
    ``on_game`` once per game), so a progress bar can leave games played earlier out of its rate."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_resolved(cfg, out_dir)
    cells: list[Cell] = []
    for i, row in enumerate(cfg.rows):
        for j, column in enumerate(cfg.columns):
            match_cfg = cfg.cell(row, column)
            folder = out_dir / "cells" / f"r{i}-c{j}"
            saved = _finished(folder, match_cfg)
            if saved is not None:
                cell = Cell(i, j, match_cfg, saved["summary"], saved["config"]["rules"], replayed=True)
                if on_replayed is not None:
                    on_replayed(match_cfg.games)
                elif on_game is not None:
                    for _ in range(match_cfg.games):
                        on_game()
            else:
                _clear(folder, row.name, column.name)
                log.info("cell %s vs %s: %d games", row.name, column.name, match_cfg.games)
                run = run_match(match_cfg, folder, on_game=None if on_game is None else lambda _r: on_game())
                cell = Cell(i, j, match_cfg, match_json(run)["summary"], run.rules.name)
            cells.append(cell)
            _write(cfg, cells, out_dir)
            if on_cell is not None:
                on_cell(cell)
    return cells


def _clear(folder: Path, row: str, column: str) -> None:
    """Make room for a cell to be played: the games of one stopped before its end are removed; a finished cell
    played with another match config (other games, workers, seed...) is kept aside as ``rI-cJ.previous-N``."""
    if (folder / "match.json").is_file():
        n = 1
        while folder.with_name(f"{folder.name}.previous-{n}").exists():
            n += 1
        aside = folder.rename(folder.with_name(f"{folder.name}.previous-{n}"))
        log.info("cell %s vs %s was played with another match config: kept as %s, played again", row, column, aside)
        return
    stale = list((folder / "games").glob("*"))
    if stale:
        log.info("cell %s vs %s was stopped before its end: its %d games are played again", row, column, len(stale))
    if folder.exists():
        shutil.rmtree(folder)


def cell_text(summary: dict, by_color: bool = False) -> str:
    """``87% [80–92] n=50`` for the row player (with ``by_color``: and ``(B 80%, W 94%)``, its win rate in the games
    it played as black and as white; ``–`` for a colour it never played scored); ``–`` when no game was scored."""
    if not summary.get("scored"):
        return "–"
    pct = lambda x: f"{100 * x:.0f}"  # noqa: E731
    text = (f"{pct(summary['win_rate'])}% [{pct(summary['win_rate_low'])}–{pct(summary['win_rate_high'])}] "
            f"n={summary['scored']}")
    if by_color:
        side = lambda key: "–" if summary.get(key) is None else f"{pct(summary[key])}%"  # noqa: E731
        text += f" (B {side('win_rate_as_black')}, W {side('win_rate_as_white')})"
    return text


def markdown(cfg: TableConfig, cells: list[Cell]) -> str:
    by = {(c.row, c.column): c for c in cells}
    head = "| | " + " | ".join(col.name for col in cfg.columns) + " |"
    lines = [head, "|" + "---|" * (len(cfg.columns) + 1)]
    for i, row in enumerate(cfg.rows):
        texts = [cell_text(by[i, j].summary, cfg.by_color) if (i, j) in by else "" for j in range(len(cfg.columns))]
        lines.append(f"| {row.name} | " + " | ".join(texts) + " |")
    rules = sorted({c.rules for c in cells})
    lines.append("")
    lines.append(f"Win rate of the row player, 95% Wilson interval, n = scored games; {cfg.board_size}x"
                 f"{cfg.board_size}, komi {cfg.komi:g}, rules: {', '.join(rules) or '-'} (GNU Go plays Chinese); "
                 f"move cap {move_cap(cfg.board_size, cfg.max_moves)}; {RULE}.")
    computes = [(row.name, row.compute()) for row in cfg.rows if row.run]
    if computes:
        lines += ["", "Training compute of the adversaries (from the checkpoints they play):", "",
                  "| adversary | learner steps | games | own net evaluations | victim queries | wall time | hardware |",
                  "|---|---|---|---|---|---|---|"]
        for name, c in computes:
            lines.append(f"| {name} | {c['step']:,} | {c['games']:,} | {c['evaluations']:,} | "
                         f"{c['victim_evaluations']:,} | {c['wall_seconds'] / 60:.1f} min | {c['hardware']} |")
    return "\n".join(lines) + "\n"


def _write(cfg: TableConfig, cells: list[Cell], out_dir: Path) -> None:
    records = [{"row": cfg.rows[c.row].name, "column": cfg.columns[c.column].name, "a": c.config.a,
                "b": c.config.b, "rules": c.rules, "summary": c.summary} for c in cells]
    compute = {row.name: row.compute() for row in cfg.rows if row.run}
    atomic_write(out_dir / "table.json", json.dumps({"cells": records, "compute": compute}, indent=2).encode(),
                 fsync=False)
    atomic_write(out_dir / "table.md", markdown(cfg, cells).encode(), fsync=False)
