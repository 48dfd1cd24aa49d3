"""The ``advgo`` command line: argument parsing and console output only; the work lives in the library.

| command | does |
|---|---|
| ``advgo version`` | print advgo's version and the versions it runs on |
| ``advgo bench engine`` | random-game throughput of our engine, optionally beside PettingZoo and OpenSpiel |
| ``advgo bench startup`` | cold vs warm Numba cache: time to the first game in a fresh process |
"""

from __future__ import annotations

import logging
import platform
from importlib import metadata
from pathlib import Path

import typer
from rich.console import Console
from rich.logging import RichHandler

app = typer.Typer(help="advgo: adversarial policies in Go.", no_args_is_help=True, add_completion=False)
bench_app = typer.Typer(help="Benchmarks.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress at INFO level.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
    )


@app.command()
def version() -> None:
    """Print advgo's version and the versions it runs on."""
    import numba
    import numpy

    try:
        ours = metadata.version("advgo")
    except metadata.PackageNotFoundError:
        ours = "unknown (not installed; run scripts/setup.sh)"
    console.print(f"advgo {ours}")
    console.print(f"python {platform.python_version()}, numpy {numpy.__version__}, numba {numba.__version__}")


@bench_app.command("engine")
def bench_engine(
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    games: int | None = typer.Option(None, "--games", min=1, help="Games per mode (default: run for --seconds)."),
    seconds: float = typer.Option(8.0, "--seconds", min=0.0, help="Target wall-clock seconds per mode."),
    json_path: Path | None = typer.Option(
        None, "--json", help="Where to write the records (default: runs/bench/engine-NxN.json)."
    ),
    rules: str = typer.Option(
        "tromp-taylor", "--rules", help="Rules of our modes: tromp-taylor or chinese (no suicide, like the others)."
    ),
    komi: float = typer.Option(7.5, "--komi", help="Komi, for every mode."),
    compare: bool = typer.Option(False, "--compare", help="Also run PettingZoo go_v5 and OpenSpiel go if installed."),
    seed: int = typer.Option(0, "--seed", help="Seed of every mode's random moves."),
) -> None:
    """Random legal-move games per second: our Numba engine, GameState from Python, and other engines."""
    from advgo.bench.engine import Budget, available_modes, machine_info, run_mode
    from advgo.bench.report import engine_table, mode_progress, write_json
    from advgo.rules import Rules

    try:
        ruleset = Rules.from_name(rules, komi)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--rules") from None
    budget = Budget(games=games, seconds=seconds)
    machine = machine_info()
    records = []
    for mode in available_modes(compare):
        with mode_progress(console, mode, budget) as progress:
            result = run_mode(mode, board, budget, ruleset, seed=seed, progress=progress)
        records.append(result.record(machine))
    console.print(engine_table(records))
    path = json_path or Path("runs") / "bench" / f"engine-{board}x{board}.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("startup")
def bench_startup(board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N.")) -> None:
    """Time `bench engine --games 1` in a fresh process, with a cold then a warm Numba cache."""
    from advgo.bench.report import startup_table
    from advgo.bench.startup import startup_runs

    with console.status("running cold, then warm ..."):
        runs = startup_runs(board)
    console.print(startup_table(runs))
