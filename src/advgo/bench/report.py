"""Rich progress of running benchmarks, and the records' atomic JSON output (their tables: :mod:`.tables`).

Nothing here prints: the CLI owns the console and passes it in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from advgo.bench.engine import Budget, ProgressFn
from advgo.fileio import atomic_write


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
