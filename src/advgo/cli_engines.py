"""``advgo engines …``: the external Go engines of ``engines/*.yaml``: list them (installed? working?), install one.

| command | what it does |
|---|---|
| ``list [--json]`` | every spec, whether its binary and files are there, and a GTP handshake (``name``, ``version``) |
| ``install katago [--dir D] [--apt]`` | katrain wheel -> KataGo, net, configs; OpenCL check; a ``genmove`` smoke test |
| ``install gnugo [--apt]`` | print (or, with ``--apt`` as root, run) ``apt-get install -y gnugo`` |
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

engines_app = typer.Typer(help="External Go engines (GNU Go, KataGo): list them, install one.", no_args_is_help=True)
console = Console()

GNUGO_BINARY = Path("/usr/games/gnugo")


# ------------------------------------------------------------------------------------------------ list
@dataclasses.dataclass
class EngineStatus:
    """What ``engines list`` found out about one spec."""

    name: str
    description: str
    binary: str
    installed: bool
    works: bool | None = None
    """The GTP handshake succeeded; None when not tried (not installed)."""
    version: str = ""
    """``name`` and ``version`` as the engine answers them."""
    startup_s: float | None = None
    note: str = ""
    """Why it is not installed or does not work, and how to fix it."""


def engine_status(name: str, timeout: float = 120.0) -> EngineStatus:
    """Load ``engines/<name>.yaml``, check its binary and files, and try a GTP handshake within ``timeout`` s."""
    from advgo.agents.gtp import GTPEngine, load_engine_spec

    spec = load_engine_spec(name, require_binary=False)
    argv = spec.argv({**spec.params(), "seed": 0, "rules": spec.rules[0]})
    binary = argv[0]
    found = os.access(binary, os.X_OK) if os.sep in binary else shutil.which(binary) is not None
    missing = [os.path.expanduser(v) for v in spec.defaults.values()
               if isinstance(v, str) and v.startswith(("/", "~")) and not Path(os.path.expanduser(v)).exists()]
    status = EngineStatus(spec.name, spec.description, binary, found and not missing)
    if not status.installed:
        what = f"no binary {binary}" if not found else f"missing {', '.join(missing)}"
        status.note = f"{what}; install: {spec.install}" if spec.install else what
        return status
    start = time.monotonic()
    try:
        with GTPEngine(argv, name=spec.name, timeout=min(timeout, spec.timeouts.command),
                       startup_timeout=min(timeout, spec.timeouts.startup)) as engine:
            status.startup_s = time.monotonic() - start
            status.version = f"{engine.send('name')} {engine.send('version')}".strip()
            status.works = True
    except Exception as exc:  # noqa: BLE001 - any failure is the answer: it does not work
        status.works, status.note = False, f"{type(exc).__name__}: {exc}"
    return status


@engines_app.command("list")
def engines_list(
    as_json: bool = typer.Option(False, "--json", help="Print the statuses as JSON."),
    timeout: float = typer.Option(120.0, "--timeout", help="Seconds each engine gets to start and answer."),
) -> None:
    """Every engine spec in engines/*.yaml: installed? does it answer GTP? (it is started once to see)."""
    from advgo.agents.gtp import engine_names

    rows = []
    with console.status("starting each engine for a GTP handshake ...", spinner="dots"):
        for name in engine_names():
            rows.append(engine_status(name, timeout))
    if as_json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))
        return
    table = Table(title="external engines (engines/*.yaml)")
    for col in ("engine", "installed", "works", "answers name/version", "startup", "description / note"):
        table.add_column(col)
    for r in rows:
        works = "-" if r.works is None else "[green]yes[/green]" if r.works else "[red]no[/red]"
        table.add_row(r.name, "[green]yes[/green]" if r.installed else "[red]no[/red]", works, r.version or "-",
                      "-" if r.startup_s is None else f"{r.startup_s:.1f} s",
                      r.description + (f"\n[yellow]{r.note}[/yellow]" if r.note else ""))
    console.print(table)


# ------------------------------------------------------------------------------------------------ install
def _apt_install(packages: list[str] | tuple[str, ...]) -> None:
    command = ["apt-get", "install", "-y", *packages]
    if os.geteuid() != 0:
        console.print(f"[red]--apt needs root[/red]: run `sudo {' '.join(command)}` yourself")
        raise typer.Exit(1)
    console.print(f"running `{' '.join(command)}` ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(command, env=env).returncode != 0:
        console.print("apt-get install failed; updating the package lists and trying once more")
        subprocess.run(["apt-get", "update"], env=env)
        if subprocess.run(command, env=env).returncode != 0:
            console.print(f"[red]`{' '.join(command)}` failed[/red]")
            raise typer.Exit(1)


def _install_gnugo(apt: bool) -> None:
    if GNUGO_BINARY.exists():
        console.print(f"GNU Go is installed: {GNUGO_BINARY}")
        return
    if not apt:
        console.print("GNU Go comes from Debian: run `apt-get install -y gnugo` (or this command with --apt, as root)")
        raise typer.Exit(1)
    _apt_install(["gnugo"])


def _install_katago(folder: Path | None, apt: bool, smoke: bool, autotune: bool | None) -> None:
    from advgo.agents.katago import KataGoInstall, check_opencl, install_steps, smoke_test

    install = KataGoInstall.at(folder)
    install.root.mkdir(parents=True, exist_ok=True)
    console.print(f"installing KataGo into [bold]{install.root}[/bold]")
    for step in install_steps(install, autotune=autotune):
        start = time.monotonic()
        try:
            if step.shows_output:
                console.print(f"  {step.title} ...")
                outcome = step.run()
            else:
                with console.status(f"  {step.title} ...", spinner="dots"):
                    outcome = step.run()
        except (OSError, RuntimeError, KeyError) as exc:
            console.print(f"[red]failed:[/red] {step.title}: {exc}")
            raise typer.Exit(1)
        console.print(f"  [green]ok[/green] {outcome} ({time.monotonic() - start:.1f} s)")
    check = check_opencl()
    if not check.ok and apt and check.apt_packages:
        _apt_install(check.apt_packages)
        check = check_opencl()
    if not check.ok:
        console.print("[red]OpenCL is not ready[/red], KataGo cannot run yet:")
        for problem in check.problems:
            console.print(f"  - {problem}")
        for command in check.commands:
            console.print(f"  fix: [bold]{command}[/bold]")
        if check.apt_packages and not apt:
            console.print("  (or rerun this command with --apt, as root)")
        raise typer.Exit(1)
    console.print(f"  [green]ok[/green] OpenCL drivers: {', '.join(f'{k} ({v})' for k, v in check.drivers.items())}")
    for problem in check.problems:
        console.print(f"  [yellow]note:[/yellow] {problem}" + "".join(f"; fix: {c}" for c in check.commands))
    if smoke:
        with console.status("  smoke test: katago gtp, boardsize 9, genmove b (the first start compiles OpenCL "
                            "kernels, ~15 s on a CPU, or tunes OpenCL, ~90 s on a GPU) ...", spinner="dots"):
            try:
                result = smoke_test(install)
            except Exception as exc:  # noqa: BLE001 - report and point at the log
                console.print(f"[red]smoke test failed:[/red] {exc}\n  KataGo's logs: {install.log_dir}")
                raise typer.Exit(1)
        console.print(f"  [green]ok[/green] KataGo {result.version}: started in {result.startup_s:.1f} s, "
                      f"boardsize 9 in {result.boardsize_s:.1f} s, genmove b -> {result.move} in "
                      f"{result.genmove_s:.2f} s")
    default = KataGoInstall.at(None)
    if install.root == default.root:
        console.print('done: GTPAgent("katago", params={"visits": N}) and KataGoPolicy(processes=P) use it')
    else:
        console.print(f"done. engines/katago.yaml points at {default.root}; for this folder use "
                      f"GTPAgent(katago_spec(KataGoInstall.at('{install.root}'))) and "
                      f"KataGoPolicy(install='{install.root}')")


@engines_app.command("install")
def engines_install(
    engine: str = typer.Argument(..., help="katago (fetched from PyPI) or gnugo (from Debian)."),
    folder: Path = typer.Option(None, "--dir", help="KataGo's install folder (default: ~/.cache/advgo/katago)."),
    apt: bool = typer.Option(False, "--apt", help="Run the apt-get install of missing Debian packages (as root)."),
    smoke: bool = typer.Option(True, "--smoke/--no-smoke", help="End with a GTP smoke test (genmove on 9x9)."),
    autotune: bool = typer.Option(None, "--autotune/--no-autotune", show_default=False,
                                  help="Let KataGo tune OpenCL at its first start (default: only with an NVIDIA GPU; "
                                       "the tuner crashes on pocl)."),
) -> None:
    """Install an external engine: KataGo from the katrain wheel (idempotent), or GNU Go from Debian."""
    if engine == "katago":
        _install_katago(folder, apt, smoke, autotune)
    elif engine == "gnugo":
        _install_gnugo(apt)
    else:
        from advgo.agents.gtp import engine_names

        console.print(f"[red]cannot install {engine!r}[/red]: installable engines are katago and gnugo "
                      f"(specs: {', '.join(engine_names())})")
        raise typer.Exit(2)
