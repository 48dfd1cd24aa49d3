"""``advgo engines …``: the external Go engines of the engine specs: list them (installed? working?), install one.

| command | what it does |
|---|---|
| ``list [--json]`` | every spec, whether its binary and files are there, and a GTP handshake (``name``, ``version``) |
| ``install katago [--dir D] [--apt]`` | katrain wheel -> KataGo, net, configs; OpenCL check; a ``genmove`` smoke test |
| ``install gnugo [--apt]`` | print (or, with ``--apt`` as root, run) ``apt-get install -y gnugo`` |
| ``check-katanet [--positions 500] [--sizes 9,19] [--seed S] [--model M] [--json F] [--threads T] [--dtype D] [--moves K]`` | our in-process |
| | KataGo net against ``katago gtp``'s ``kata-raw-nn 0`` on a seeded corpus (:mod:`advgo.eval.katanet_check`); |
| | exit 1 when a target fails |
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
from rich import box
from rich.table import Table

from advgo.cli_app import App, make_console

engines_app = App(help="External Go engines (GNU Go, KataGo): list them, install one.", no_args_is_help=True)
console = make_console()

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
    """Load the spec ``<name>.yaml``, check its binary and files, and try a GTP handshake within ``timeout`` s."""
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
    """Every engine spec (engines/ folders, then the bundled ones): installed? does it answer GTP? (started once)."""
    from advgo.agents.gtp import engine_names

    rows = []
    with console.status("starting each engine for a GTP handshake ...", spinner="dots"):
        for name in engine_names():
            rows.append(engine_status(name, timeout))
    if as_json:
        print(json.dumps([dataclasses.asdict(r) for r in rows], indent=2))
        return
    table = Table(title="external engines (engine specs)")
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
    from advgo.paths import gnugo_binary

    binary = gnugo_binary()
    if binary is not None:
        console.print(f"GNU Go is installed: {binary}")
        return
    if not apt:
        console.print("GNU Go comes from Debian: run `apt-get install -y gnugo` (or this command with --apt, as root)")
        raise typer.Exit(1)
    _apt_install(["gnugo"])


def _install_katago(folder: Path | None, apt: bool, smoke: bool, autotune: bool | None) -> None:
    from advgo.agents.katago import KataGoInstall
    from advgo.agents.katago_install import check_opencl, install_steps, smoke_test

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
            raise typer.Exit(1) from None
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
                raise typer.Exit(1) from None
        console.print(f"  [green]ok[/green] KataGo {result.version}: started in {result.startup_s:.1f} s, "
                      f"boardsize 9 in {result.boardsize_s:.1f} s, genmove b -> {result.move} in "
                      f"{result.genmove_s:.2f} s")
    default = KataGoInstall.at(None)
    if install.root == default.root:
        console.print('done: GTPAgent("katago", params={"visits": N}) and KataGoPolicy(processes=P) use it')
    else:
        console.print(f"done. the spec katago.yaml points at {default.root}; for this folder use "
                      f"GTPAgent(katago_spec(KataGoInstall.at('{install.root}'))) and "
                      f"KataGoPolicy(install='{install.root}')")


@engines_app.command("install")
def engines_install(
    engine: str = typer.Argument(..., metavar="ENGINE", help="katago (fetched from PyPI) or gnugo (from Debian)."),
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


# ------------------------------------------------------------------------------------------------ check-katanet
def _stats_table(title: str, groups: dict) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, title_justify="left")
    for col in ("", "n", "top-1", "KL p95", "KL max", "KL ok", "dwin", ">.02", "dlead", "downer"):
        table.add_column(col, justify="right" if col else "left", no_wrap=True)
    for name, s in groups.items():
        table.add_row(name, str(s["count"]), f"{s['top1']:.1%}", f"{s['kl_p95']:.0e}", f"{s['kl_max']:.0e}",
                      f"{s['kl_ok']:.1%}", f"{s['dwin_max']:.0e}", str(s["dwin_over"]), f"{s['dlead_max']:.3f}",
                      f"{s['downer_max']:.0e}")
    return table


def _print_katanet_report(report: dict) -> None:
    o = report["overall"]
    if o["count"]:
        console.print(f"[bold]KataGoNet vs kata-raw-nn 0[/bold] on {o['count']} positions: top-1 {o['top1']:.2%}; "
                      f"KL p50 {o['kl_p50']:.1e}, p95 {o['kl_p95']:.1e}, p99 {o['kl_p99']:.1e}, max {o['kl_max']:.1e}, "
                      f"<= 0.01 on {o['kl_ok']:.2%}; |dwin| p99 {o['dwin_p99']:.1e}, max {o['dwin_max']:.1e}, "
                      f"{o['dwin_over']} over 0.02; |dlead| max {o['dlead_max']:.3f}; |downer| max {o['downer_max']:.1e}")
        for key, title in (("by_size", "by board size"), ("by_rules", "by rules"), ("by_category", "by category")):
            console.print(_stats_table(title, report[key]))
        console.print("KL ok: KL <= 0.01; dwin: max |win prob. difference|, >.02: how many over 0.02; dlead, "
                      "downer: max |score lead difference|, max |ownership difference|")
        console.print("[bold]worst positions[/bold] (replay: kata-set-rules, komi, then the moves):")
        for r in report["worst"]:
            console.print(f"  #{r['index']} {r['size']}x{r['size']} {r['katago_rules']} komi {r['komi']:g} "
                          f"[{','.join(r['categories'])}] top-1 {'yes' if r['top1'] else '[red]no[/red]'}, "
                          f"KL {r['kl']:.2e}, |dwin| {r['dwin']:.2e}, |dlead| {r['dlead']:.3f}: "
                          f"{r['gtp'] or '(empty board)'}", soft_wrap=True)
    for e in report["errors"][:5]:
        console.print(f"[red]katago refused position {e['index']}[/red] ({e['katago_rules']}): {e['error']}")
    t = report["timings"]
    by_size = ", ".join(f"{size} {rate:.2f}" for size, rate in t["katago_pos_per_s_by_size"].items())
    console.print(f"corpus {t['corpus_s']:.1f} s; KataGo {t['katago_s']:.1f} s ({t['katago_pos_per_s']:.2f} pos/s: "
                  f"{by_size}; replays {t['katago_replay_s']:.1f} s, kata-raw-nn {t['katago_nn_s']:.1f} s); ours "
                  f"{t['ours_s']:.2f} s ({t['ours_pos_per_s']:.1f} pos/s); total {t['total_s']:.1f} s")
    for name, target in report["targets"].items():
        mark = "[green]pass[/green]" if target["passed"] else "[red]FAIL[/red]"
        value = target["value"]
        console.print(f"  {mark}  {name}: {value:.2%}" if isinstance(value, float) else f"  {mark}  {name}: {value}")


@engines_app.command("check-katanet")
def engines_check_katanet(
    positions: int = typer.Option(500, "--positions", help="Positions in the corpus (80% 9x9 with two sizes)."),
    sizes: str = typer.Option("9,19", "--sizes", help="Board sizes, comma-separated."),
    seed: int = typer.Option(0, "--seed", help="Seeds the corpus: games, rules, sampling."),
    model: Path = typer.Option(None, "--model", help="A KataGo model file (default: the installed b10c384 net)."),
    json_path: Path = typer.Option(None, "--json", help="Write the full report (every worst position) here."),
    threads: int = typer.Option(1, "--threads", min=0, help="Torch CPU threads for our net (0: torch's default, "
                                                             "every core; see advgo.nets.threads)."),
    dtype: str = typer.Option("fp32", "--dtype", help="Our net's precision: fp32 (exact) or bf16 (faster)."),
    moves: int = typer.Option(0, "--moves", min=0, help="Also play katanet@1 against KataGo's 1-visit genmove on "
                                                        "this many of the positions."),
) -> None:
    """Compare our in-process KataGo net (KataGoNet) with KataGo's own kata-raw-nn 0, position by position."""
    from advgo.agents.katago import KataGoInstall
    from advgo.eval.katanet_check import run_check, to_json

    try:
        size_list = tuple(int(s) for s in sizes.split(",") if s.strip())
    except ValueError:
        size_list = ()
    if not size_list or positions < 1 or any(not 7 <= s <= 19 for s in size_list):
        console.print(f"[red]--sizes must list board sizes 7..19 and --positions be positive[/red] (got {sizes!r}, "
                      f"{positions})")
        raise typer.Exit(2)
    if dtype not in ("fp32", "bf16"):
        console.print(f"[red]--dtype must be fp32 or bf16[/red] (got {dtype!r})")
        raise typer.Exit(2)
    install = KataGoInstall.at()
    if not install.installed:
        console.print(f"[red]KataGo is not installed[/red] in {install.root}: run `advgo engines install katago`")
        raise typer.Exit(2)
    report = run_check(positions, size_list, seed, None if model is None else str(model), threads, install=install,
                       dtype=dtype, moves=moves)
    _print_katanet_report(report)
    if "moves" in report:
        m = report["moves"]
        console.print("katanet@1 plays KataGo's 1-visit move: " + ", ".join(
            f"{key.replace('_', ' ')} {m[key]['agree']}/{m[key]['positions']}" for key in ("all", "after_pass", "other")))
    if json_path is not None:
        to_json(report, json_path)
        console.print(f"wrote {json_path}")
    if not report["passed"]:
        raise typer.Exit(1)
