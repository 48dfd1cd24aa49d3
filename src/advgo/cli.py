"""The ``advgo`` command line: argument parsing and console output only; the work lives in the library.

Every command ``advgo --help`` lists, and the module that holds it:

| command | does | in |
|---|---|---|
| ``advgo version`` | print advgo's version and the versions it runs on | ``cli`` |
| ``advgo match`` | two agents against each other: games in parallel, every game as SGF, table and JSON | ``cli_play`` |
| ``advgo eval`` | every saved adversary checkpoint of a run against every victim of its curriculum | ``cli_play`` |
| ``advgo table`` | a cross table of players against opponents, one match per cell | ``cli_play`` |
| ``advgo play`` | play Go against any agent on the terminal board | ``cli_play`` |
| ``advgo show`` | step through a game record, move by move | ``cli_play`` |
| ``advgo gtp`` | serve an agent as a GTP engine | ``cli_gtp`` |
| ``advgo bench …`` | benchmarks: ``engine``, ``startup``, ``net``, ``katanet``, ``mcts``, | ``cli_bench`` |
| | ``selfplay``, ``victimplay``, ``match``, ``env``, ``actors`` | |
| ``advgo train victim / adversary`` | training runs | ``cli_train`` |
| ``advgo zoo list / build / measure`` | the victim ladder: the bundled one and the user zoo | ``cli_zoo`` |
| ``advgo engines list / install / check-katanet`` | external engines (GNU Go, KataGo) | ``cli_engines`` |
"""

from __future__ import annotations

import logging
import platform
from importlib import metadata

import typer

from advgo.cli_app import App, make_console, setup_logging
from advgo.cli_bench import bench_app
from advgo.cli_engines import engines_app
from advgo.cli_gtp import gtp
from advgo.cli_play import eval_run, match, play, show, table
from advgo.cli_train import train_app
from advgo.cli_zoo import zoo_app

app = App(help="advgo: adversarial policies in Go.", no_args_is_help=True, add_completion=False)
app.add_typer(bench_app, name="bench")
app.add_typer(train_app, name="train")
app.add_typer(zoo_app, name="zoo")
app.add_typer(engines_app, name="engines")

console = make_console()


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress at INFO level.")) -> None:
    setup_logging(logging.INFO if verbose else logging.WARNING)


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


app.command("match")(match)
app.command("eval")(eval_run)
app.command("table")(table)
app.command("play")(play)
app.command("show")(show)
app.command("gtp")(gtp)
