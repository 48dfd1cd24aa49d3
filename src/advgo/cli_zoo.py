"""``advgo zoo …``: the victim ladder (list, build from a training run, measure strength).

``build`` and ``measure`` write the user zoo (:func:`advgo.zoo.user_zoo_dir`), which is read over the bundled one.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer
from rich.table import Table

from advgo.cli_app import App, make_console

zoo_app = App(help="The victim ladder: the bundled one and your own (the user zoo).", no_args_is_help=True)
console = make_console()


def _clean_errors(command):
    """A broken zoo registry, a bad model file or a missing file: the error on one line, exit status 2."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ValueError, FileNotFoundError) as err:
            console.print(f"[red]error:[/red] {err}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper


def _pct(record: dict | None) -> str:
    if not record:
        return "-"
    return f"{100 * record['win_rate']:.0f}% [{100 * record['low']:.0f}-{100 * record['high']:.0f}] n={record['games']}"


def _rate(record: dict | None) -> str:
    return "-" if not record else f"{100 * record['win_rate']:.0f}"


def zoo_table(rows) -> tuple[Table, list[str]]:
    """The zoo as a table that fits 80 columns (one line per victim, names whole) and its footnotes: win rates
    without their intervals (``--json`` has them), GNU Go as one column per visits with the levels side by side,
    the hardware of each training run as a note."""
    from rich import box

    vs_gnugo = [r.strength.get("vs_gnugo", {}) for r in rows]
    levels = sorted({int(k.split("@")[0]) for g in vs_gnugo for k in g})
    visits = sorted({int(k.split("@")[1]) for g in vs_gnugo for k in g})
    hardware = list(dict.fromkeys(str(r.training.get("hardware", "?")) for r in rows))
    table = Table(title="advgo zoo, weakest first (win rates in %)", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 0), show_edge=False)
    for col in ("name", "board", "net", "steps", "games", "hours", "Elo", "rand@1"):
        table.add_column(col, no_wrap=True, justify="left" if col in ("name", "board", "net") else "right")
    for v in visits:
        table.add_column(f"GNU Go @{v}", no_wrap=True, justify="right")
    for r, gnugo in zip(rows, vs_gnugo):
        t, s = r.training, r.strength
        hours = t.get("wall_hours")
        cells = ["/".join(_rate(gnugo.get(f"{level}@{v}")) for level in levels) for v in visits]
        games = t.get("games")
        table.add_row(r.name, f"{r.board_size}x{r.board_size}", r.net_size, str(t.get("step", "?")),
                      "?" if games is None else str(games), "?" if hours is None else f"{hours:.2f}",
                      "-" if s.get("elo") is None else f"{s['elo']:.0f}", _rate(s.get("vs_random")), *cells)
    notes = []
    if levels:
        notes.append(f"GNU Go columns: levels {'/'.join(map(str, levels))} at the victim's visits; intervals and game "
                     f"counts: advgo zoo list --json")
    katago = [r.name for r in rows if r.kind == "katago"]
    if katago:
        notes.append(f"KataGo nets ({', '.join(katago)}): steps, games and hours are their fine-tuning's (a KataGo "
                     f"defence run), not KataGo's own training")
    for hw in hardware:
        names = ", ".join(r.name for r in rows if str(r.training.get("hardware", "?")) == hw)
        notes.append(f"trained on {hw}: {names}")
    return table, notes


@zoo_app.command("list")
@_clean_errors
def zoo_list(as_json: bool = typer.Option(False, "--json", help="Print the registry as JSON.")) -> None:
    """The zoo's victims with their training records and measured strengths."""
    from dataclasses import asdict

    from advgo.zoo import entries

    rows = entries()
    if as_json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return
    table, notes = zoo_table(rows)
    console.print(table)
    for note in notes:
        console.print(note, highlight=False)


@zoo_app.command("build")
@_clean_errors
def zoo_build(
    run: Path = typer.Option(..., "--run", help="Training run folder whose milestones/ hold the checkpoints (or, "
                             "for a KataGo defence, the model files)."),
    steps: str = typer.Option(..., "--steps", help="Comma-separated milestone steps, weakest first."),
    names: str = typer.Option(..., "--names", help="Comma-separated victim names, one per step."),
    append: bool = typer.Option(False, "--append", help="Keep the registry's other victims (a victim of the same "
                                "name is replaced in place; new ones go last)."),
) -> None:
    """Export milestones of a run into the user zoo (nets only) and rewrite its registry: checkpoints of
    advgo's nets, or KataGo model files (milestones/model-<step>.bin.gz of a KataGo defence)."""
    from advgo.training.trainer import MILESTONES
    from advgo.zoo import entries, export_katago_victim, export_victim, save_entries, user_zoo_dir

    step_list = [int(s) for s in steps.split(",")]
    name_list = [n.strip() for n in names.split(",")]
    if len(step_list) != len(name_list):
        console.print("[red]error:[/red] --steps and --names must have the same number of entries")
        raise typer.Exit(2)
    sources = []
    for step in step_list:
        path = _milestone(run, step)
        if path is None:
            console.print(f"[red]error:[/red] no net of {run} at step {step}: no milestone in {run / MILESTONES} "
                          f"and not the run's newest checkpoint")
            raise typer.Exit(2)
        sources.append(path)
    rows = []
    for path, name, step in zip(sources, name_list, step_list):
        if path.name.endswith(".bin.gz"):
            rows.append(export_katago_victim(path, name, _board_size(run), step, training={"run": run.name},
                                             cost=_katago_cost(run, step)))
        else:
            rows.append(export_victim(path, name, training={"run": run.name}))
        console.print(f"exported {name} from {path}")
    if append:
        new = {r.name: r for r in rows}
        kept = [new.pop(r.name, r) for r in entries()]
        rows = kept + list(new.values())
    save_entries(rows)
    console.print(f"user zoo: {user_zoo_dir()} (read over the bundled zoo)")


def _milestone(run: Path, step: int) -> Path | None:
    """A run's net at ``step``: its milestone (a checkpoint of ours, or a KataGo defence's model file), else, when
    ``step`` is the run's newest checkpoint (a run stopped by its time between milestones, an iterated round's
    victim), that checkpoint, or for a KataGo defence the model file it rewrites at every checkpoint."""
    from advgo.nets import checkpoint_path, latest_checkpoint
    from advgo.training.katago_defence import MODEL_FILE, milestone_files
    from advgo.training.trainer import CHECKPOINTS, MILESTONES

    for path in (checkpoint_path(run / MILESTONES, step), milestone_files(run, step)[0]):
        if path.exists():
            return path
    newest = latest_checkpoint(run / CHECKPOINTS)
    if newest is None or newest != checkpoint_path(run / CHECKPOINTS, step):
        return None
    final = run / MODEL_FILE  # a KataGo defence's net at its newest checkpoint
    return final if final.exists() else newest


def _katago_cost(run: Path, step: int) -> dict:
    """What a KataGo defence had cost at a milestone: the ``model-<step>.json`` written beside it, or (runs from
    before advgo wrote one) the run's checkpoint of that step when it is kept; nothing otherwise."""
    from advgo.nets import checkpoint_path
    from advgo.nets.katago.checkpoint import load_katago_checkpoint
    from advgo.training.katago_defence import milestone_files
    from advgo.training.trainer import CHECKPOINTS

    sidecar, ckpt = milestone_files(run, step)[1], checkpoint_path(run / CHECKPOINTS, step)
    if sidecar.is_file():
        try:
            return json.loads(sidecar.read_text())
        except ValueError as err:
            raise ValueError(f"{sidecar}: not the JSON record a KataGo defence writes ({err})") from None
    return (load_katago_checkpoint(ckpt).extra or {}) if ckpt.exists() else {}


def _board_size(run: Path) -> int:
    """The board size a run trained on (its resolved ``config.yaml``)."""
    import yaml

    from advgo.config import CONFIG_FILENAME

    try:
        return int(yaml.safe_load((run / CONFIG_FILENAME).read_text())["game"]["board_size"])
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as err:
        console.print(f"[red]error:[/red] {run / CONFIG_FILENAME}: no game.board_size to record ({err})")
        raise typer.Exit(2) from None


@zoo_app.command("measure")
@_clean_errors
def zoo_measure(
    games: int = typer.Option(100, "--games", help="Games per round-robin pairing."),
    gnugo_games: int = typer.Option(20, "--gnugo-games", help="Games per GNU Go matchup (0: skip GNU Go)."),
    levels: str = typer.Option("0,5,10", "--gnugo-levels", help="GNU Go levels."),
    visits: str = typer.Option("1,64", "--visits", help="Victim visits against GNU Go."),
    random_games: int = typer.Option(400, "--random-games", help="Games of each victim (1 visit) against random."),
    temperature: float = typer.Option(0.3, "--temperature", help="Move temperature in the round robin (games must differ)."),
    only: str = typer.Option("", "--only", help="Comma-separated victims to measure (default: all); the round "
                             "robin still takes every victim of their board size."),
    threads: int = typer.Option(1, "--threads", min=0, help="Torch CPU threads (0: torch's default, every core; see "
                                                             "advgo.nets.threads)."),
) -> None:
    """Measure every victim: round robin with random (Elo) among the victims of each board size, vs random, vs
    GNU Go; update the registry."""
    from dataclasses import replace

    from advgo.eval.zoo_strength import round_robin, vs_gnugo, vs_random
    from advgo.nets.threads import set_torch_threads
    from advgo.zoo import entries, save_entries

    logging.getLogger("advgo").setLevel(logging.INFO)
    set_torch_threads(threads)
    rows = entries()
    if not rows:
        console.print("[red]error:[/red] the zoo is empty (advgo zoo build first)")
        raise typer.Exit(2)
    chosen = {n.strip() for n in only.split(",") if n.strip()} or {r.name for r in rows}
    unknown = chosen - {r.name for r in rows}
    if unknown:
        console.print(f"[red]error:[/red] no zoo victim named {', '.join(sorted(unknown))}")
        raise typer.Exit(2)
    sizes = sorted({r.board_size for r in rows if r.name in chosen})
    elo = {}  # name -> (Elo, note)
    for size in sizes:  # Elo is relative: one round robin per board size, random anchored at 0 in each
        group = [r.name for r in rows if r.board_size == size]
        rr = round_robin(group, games, temperature,
                         on_match=lambda a, b, rec: console.print(f"{a} vs {b}: {_pct(rec)}"))
        note = (f"round robin of the {len(group)} {size}x{size} victim(s) and uniform random at temperature "
                f"{temperature}, {games} games per pairing, random = 0")
        elo.update({name: (rr["elo"][name], note) for name in group})
    updated = list(rows)
    for i, r in enumerate(rows):
        if r.name not in elo:
            continue
        strength = dict(r.strength) if r.name not in chosen else {}
        strength["elo"], strength["elo_note"] = elo[r.name]
        if r.name in chosen:
            strength["vs_random"] = vs_random(r.name, random_games)
            console.print(f"{r.name}@1 vs random: {_pct(strength['vs_random'])}")
            if gnugo_games:
                strength["vs_gnugo"] = {}
                for level in (int(x) for x in levels.split(",")):
                    for v in (int(x) for x in visits.split(",")):
                        rec = vs_gnugo(r.name, level, v, gnugo_games)
                        strength["vs_gnugo"][f"{level}@{v}"] = rec
                        console.print(f"{r.name}@{v} vs GNU Go level {level}: {_pct(rec)}")
        updated[i] = replace(r, strength=strength)
        save_entries(updated)
    zoo_list(False)
