"""Rich rendering of benchmark records (tables, progress bars) and their atomic JSON output.

Nothing here prints: the CLI owns the console and passes it in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from advgo.bench.engine import Budget, ProgressFn
from advgo.fileio import atomic_write

REFERENCE_MODE = "openspiel-go"


def engine_table(records: list[dict]) -> Table:
    """One row per mode, narrow enough for 80 columns; ``× OS`` (vs OpenSpiel) when OpenSpiel ran beside ours."""
    ref = next((r for r in records if r["mode"] == REFERENCE_MODE), None)
    title = "random legal-move games"
    if records:
        r = records[0]
        title += f", {r['board']}x{r['board']}, {r['rules']} rules (ours), komi {r['komi']:g}"
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, caption_justify="left")
    for name in ("mode", "games", "moves/s", "games/s", "len", "cap", "compile"):
        table.add_column(name, justify="left" if name == "mode" else "right", no_wrap=True)
    if ref is not None:
        table.add_column("× OS", justify="right", no_wrap=True)
    for r in records:
        row = [
            r["mode"],
            f"{r['games']:,}",
            f"{r['moves_per_s']:,.0f}",
            f"{r['games_per_s']:,.0f}",
            f"{r['mean_length']:.0f}",
            f"{100 * r['end_reasons'].get('move_cap', 0) / r['games']:.0f}%",
            f"{r['compile_s']:.2f}s" if "compile_s" in r else "",
        ]
        if ref is not None:
            row.append(f"{r['moves_per_s'] / ref['moves_per_s']:.2f}")
        table.add_row(*row)
    notes = ["len: mean game length; cap: games that hit the move cap; compile: first Numba call"]
    if ref is not None:
        notes.append("× OS: moves/s relative to openspiel-go")
    if records:
        m = records[0]
        notes.append(f"{m['cores']} cores ({m['cpu']}), Python {m['python']}, Numba {m['numba']}")
    table.caption = "\n".join(notes)
    return table


def startup_table(runs: list[dict]) -> Table:
    table = Table(title="advgo bench engine --games 1: cold vs warm Numba cache")
    for name in ("run", "wall s", "numba-1core compile s", "numba-all-cores compile s"):
        table.add_column(name, justify="left" if name == "run" else "right")
    for r in runs:
        table.add_row(
            r["run"],
            f"{r['wall_s']:.2f}",
            *(f"{r['compile_s'][m]:.2f}" if m in r["compile_s"] else "" for m in ("numba-1core", "numba-all-cores")),
        )
    return table


@contextmanager
def mode_progress(console: Console, mode: str, budget: Budget) -> Iterator[ProgressFn]:
    """A transient rich progress bar for one mode; yields the callback ``run_mode`` reports to."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[games]:>8,} games  {task.fields[rate]:>12} moves/s"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    total = budget.games if budget.games is not None else budget.seconds
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(mode, total=total, games=0, rate="-")

        def update(games: int, moves: int, seconds: float) -> None:
            done = games if budget.games is not None else min(seconds, budget.seconds)
            rate = f"{moves / seconds:,.0f}" if seconds > 0 else "-"
            progress.update(task, completed=done, games=games, rate=rate)

        yield update


@contextmanager
def timed_parts_progress(console: Console, seconds: float, unit: str) -> Iterator:
    """One transient bar per timed part (created on its first report), each ``seconds`` long, with its rate;
    yields the callback ``(part, seconds done, rate)`` the benchmark reports to."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TextColumn(f"{{task.fields[rate]:>12}} {unit}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        tasks: dict[str, int] = {}

        def update(part: str, done: float, rate: float) -> None:
            if part not in tasks:
                tasks[part] = bar.add_task(part, total=seconds, rate="-")
            bar.update(tasks[part], completed=min(done, seconds), rate=f"{rate:,.0f}")

        yield update


def write_json(path: Path, data: object) -> None:
    """Write JSON atomically (temp file + rename); special files such as /dev/null are written directly."""
    text = json.dumps(data, indent=2) + "\n"
    if path.exists() and not path.is_file():
        path.write_text(text)
        return
    atomic_write(path, text, fsync=False)
