"""``advgo bench …``: the benchmarks' commands; each runs one :mod:`advgo.bench` module, prints its tables
(:mod:`advgo.bench.tables`) and writes its records as JSON (default ``runs/bench/<name>.json``).

| command | measures |
|---|---|
| ``advgo bench engine`` | random-game throughput of our engine, optionally beside PettingZoo and OpenSpiel |
| ``advgo bench startup`` | cold vs warm Numba cache: time to the first game in a fresh process |
| ``advgo bench net`` | policy-value net inference: positions/s by batch size, CPU (and CUDA), eager vs traced |
| ``advgo bench katanet`` | KataGo's net in process (KataGoNet) beside KataGo over GTP (KataGoPolicy) |
| ``advgo bench mcts`` | batched MCTS simulations/s with a uniform fake evaluator, optionally beside mctx |
| ``advgo bench selfplay`` | self-play moves/s, net evaluations/s and where the time goes |
| ``advgo bench victimplay`` | victim-play per A-MCTS mode against self-play at the same visits and nets |
| ``advgo bench match`` | per-move cost of external victims; match games/hour with 1 and 2 workers |
| ``advgo bench env`` | env steps/s: AEC beside PettingZoo go_v5, Gymnasium and vector envs |
| ``advgo bench actors`` | game generation with 1, 2, … Ray actors beside the single-process loop |
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from advgo.bench import tables
from advgo.cli_app import App, make_console

bench_app = App(help="Benchmarks.", no_args_is_help=True)
console = make_console()


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
    from advgo.bench.report import mode_progress, write_json
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
    console.print(tables.engine_table(records))
    path = json_path or Path("runs") / "bench" / f"engine-{board}x{board}.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("startup")
def bench_startup(board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N.")) -> None:
    """Time `bench engine --games 1` in a fresh process, with a cold then a warm Numba cache."""
    from advgo.bench.startup import startup_runs

    with console.status("running cold, then warm ..."):
        runs = startup_runs(board)
    console.print(tables.startup_table(runs))


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected comma-separated integers, got {text!r}", param_hint=option) from None
    if not values or min(values) < 1:
        raise typer.BadParameter(f"expected positive integers, got {text!r}", param_hint=option)
    return values


@bench_app.command("net")
def bench_net(
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    blocks: str = typer.Option("4,4,6", "--blocks", help="Residual blocks of each net, comma-separated."),
    channels: str = typer.Option("32,64,64", "--channels", help="Channels of each net, paired with --blocks."),
    batches: str = typer.Option("1,8,64,256,1024", "--batches", help="Batch sizes, comma-separated."),
    device: str = typer.Option("all", "--device", help="cpu, cuda, or all (cpu and, when present, cuda)."),
    paths: str = typer.Option("eager,trace", "--paths", help="Inference paths: some of eager, trace, compile."),
    seconds: float = typer.Option(1.0, "--seconds", min=0.0, help="Timed seconds per variant and batch size."),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Interleaved rounds (the best is kept)."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="torch CPU threads (default: torch's)."),
    json_path: Path | None = typer.Option(
        None, "--json", help="Where to write the records (default: runs/bench/net-NxN.json)."
    ),
) -> None:
    """Positions/s of random-init policy-value nets by batch size: eager vs the evaluator's path, fp32 (bf16 on CUDA)."""
    from advgo.bench import net as bench
    from advgo.bench.report import write_json
    from advgo.nets.threads import set_torch_threads

    try:
        nets = bench.pair_nets(_int_list(blocks, "--blocks"), _int_list(channels, "--channels"))
        batch_sizes = _int_list(batches, "--batches")
        path_list = [p.strip() for p in paths.split(",") if p.strip()]
        bench.variants(bench.available_devices(device), path_list)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    if threads is not None:
        set_torch_threads(threads)
    with console.status("measuring ...") as status:
        def progress(label: str, batch: int, rate: float) -> None:
            status.update(f"{label}, batch {batch}: {rate:,.0f} positions/s")

        records = bench.run(nets, board, batch_sizes, device, path_list, seconds, rounds, progress)
    console.print(tables.net_table(records))
    path = json_path or Path("runs") / "bench" / f"net-{board}x{board}.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("katanet")
def bench_katanet(
    board: int = typer.Option(9, "--board", min=7, max=19, help="Board size N."),
    batches: str = typer.Option("1,64,256", "--batches", help="KataGoNet batch sizes, comma-separated."),
    device: str = typer.Option("all", "--device", help="cpu, cuda, or all (cpu and, when present, cuda)."),
    dtypes: str = typer.Option("fp32,bf16", "--dtypes", help="KataGoNet precisions: some of fp32, bf16."),
    processes: str = typer.Option("1,2", "--processes", help="KataGoPolicy GTP processes per row ('' for none)."),
    seconds: float = typer.Option(10.0, "--seconds", min=0.0, help="Timed seconds per row (over all rounds)."),
    rounds: int = typer.Option(2, "--rounds", min=1, help="Interleaved rounds (the best is kept)."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="torch CPU threads (default: torch's)."),
    model: Path | None = typer.Option(None, "--model", help="KataGo model file (default: the installed one)."),
    compile: bool = typer.Option(False, "--compile", help="Also rows through torch.compile (minutes to compile)."),
    json_path: Path | None = typer.Option(None, "--json", help="Where to write the records "
                                          "(default: runs/bench/katanet-NxN.json)."),
) -> None:
    """KataGo's net in process (KataGoNet) beside KataGo over GTP (KataGoPolicy): positions/s on the same positions."""
    from advgo.bench import katanet as bench
    from advgo.bench.net import available_devices
    from advgo.bench.report import write_json
    from advgo.nets.threads import set_torch_threads

    try:
        batch_list = _int_list(batches, "--batches")
        devices = available_devices(device)
        dtype_list = [d.strip() for d in dtypes.split(",") if d.strip()]
        if not dtype_list or set(dtype_list) - {"fp32", "bf16"}:
            raise ValueError(f"--dtypes must be some of fp32, bf16, got {dtypes!r}")
        process_list = _int_list(processes, "--processes") if processes.strip() else []
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    if threads is not None:
        set_torch_threads(threads)
    with console.status("measuring ...") as status:
        def progress(label: str, rate: float) -> None:
            status.update(f"{label}: {rate:,.1f} positions/s")

        try:
            records = bench.run(board, batch_list, devices, dtype_list, process_list, seconds, rounds,
                                model=model, compile=compile, progress=progress)
        except FileNotFoundError as err:
            raise typer.BadParameter(str(err)) from None
    console.print(tables.katanet_table(records))
    path = json_path or Path("runs") / "bench" / f"katanet-{board}x{board}.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("mcts")
def bench_mcts(
    boards: str = typer.Option("9,19", "--boards", help="Comma-separated board sizes."),
    batch: int = typer.Option(64, "--batch", help="Games searched together."),
    visits: int = typer.Option(64, "--visits", help="Visits per search."),
    seconds: float = typer.Option(3.0, "--seconds", help="Timed seconds per mode."),
    compare: bool = typer.Option(False, "--compare", help="Also run mctx's gumbel_muzero_policy (zero network)."),
    threads: str = typer.Option("1", "--threads", help="Comma-separated search thread counts, one row each "
                                "(e.g. 1,2; timed in interleaved rounds)."),
    groups: int = typer.Option(1, "--groups", min=1, help="Game groups taking turns (search.groups)."),
    json_path: Path = typer.Option(None, "--json", help="Where to write the records (default runs/bench/mcts.json)."),
) -> None:
    """Search throughput without a network: simulations/s of BatchedMCTS (and mctx with --compare)."""
    from advgo.bench.mcts import run
    from advgo.bench.report import write_json

    thread_counts = tuple(int(t) for t in threads.split(","))
    if min(thread_counts) < 1:
        raise typer.BadParameter("--threads must be positive integers, e.g. 1,2")
    records = run(tuple(int(b) for b in boards.split(",")), batch, visits, seconds, compare, thread_counts, groups)
    console.print(tables.mcts_table(records, batch, visits, groups))
    path = json_path or Path("runs") / "bench" / "mcts.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("selfplay")
def bench_selfplay(
    config: Path = typer.Option(Path("configs/victim-9x9.yaml"), "--config", help="Run config to measure."),
    seconds: float = typer.Option(30.0, "--seconds", help="Timed seconds of self-play (all rows together)."),
    threads: str = typer.Option(None, "--threads", help="Comma-separated search.threads values, a row each "
                                "(default: the config's)."),
    groups: str = typer.Option(None, "--groups", help="Comma-separated search.groups values, a row each "
                               "(default: the config's)."),
    path: str = typer.Option("auto", "--path", help="Inference path: auto, eager, trace, compile or graph "
                             "(CUDA graphs, fixed batch shapes)."),
    sets: list[str] = typer.Option([], "--set", help="Dotted config override (repeatable)."),
    json_path: Path = typer.Option(None, "--json", help="Where to write the records (default runs/bench/selfplay.json)."),
) -> None:
    """Self-play throughput at a run config: moves/s, evaluations/s, and where the time goes (search, encode,
    forward, wait), per search thread and group count."""
    from advgo.bench.report import write_json
    from advgo.bench.selfplay import run

    def counts(text):
        values = (None,) if text is None else tuple(int(x) for x in text.split(","))
        if any(v is not None and v < 1 for v in values):
            raise typer.BadParameter(f"expected positive integers, got {text}")
        return values

    try:
        records = run(config, seconds, sets, counts(threads), counts(groups), path=path)
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    console.print(tables.selfplay_table(records))
    console.print(tables.SELFPLAY_NOTE)
    path = json_path or Path("runs") / "bench" / "selfplay.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("victimplay")
def bench_victimplay(
    config: Path = typer.Option(Path("configs/quickstart.yaml"), "--config", help="Adversary run config to measure."),
    seconds: float = typer.Option(20.0, "--seconds", help="Timed seconds per mode."),
    modes: str = typer.Option("S,S++,R,plain", "--modes", help="Comma-separated A-MCTS modes."),
    victim: str = typer.Option(None, "--victim", help="Victim spec (default: a fresh net of the adversary's size)."),
    victim_visits: int = typer.Option(1, "--victim-visits", help="Victim visits."),
    threads: int = typer.Option(None, "--threads", min=1, help="search.threads for every row (default: the config's)."),
    groups: int = typer.Option(None, "--groups", min=1, help="search.groups for every row (default: the config's)."),
    sets: list[str] = typer.Option([], "--set", help="Dotted config override (repeatable)."),
    json_path: Path = typer.Option(None, "--json", help="Where to write the records (default runs/bench/victimplay.json)."),
) -> None:
    """Victim-play moves/s and games/s per A-MCTS mode against self-play at the same visits and nets."""
    from advgo.bench.report import write_json
    from advgo.bench.victimplay import run

    sets = [*sets, *([f"search.threads={threads}"] if threads else []), *([f"search.groups={groups}"] if groups else [])]
    records = run(config, seconds, tuple(m.strip() for m in modes.split(",")), victim, victim_visits, sets)
    console.print(tables.victimplay_table(records))
    console.print(tables.VICTIMPLAY_NOTE)
    path = json_path or Path("runs") / "bench" / "victimplay.json"
    write_json(path, records)
    console.print(f"wrote {path}")


@bench_app.command("match")
def bench_match(
    victims: str = typer.Option("gnugo:level=0,gnugo:level=5,gnugo:level=10", "--victims",
                                help="External victim specs to time per move (comma-separated; add katago when "
                                     "installed)."),
    opponent: str = typer.Option("zoo:cp4", "--opponent", help="Who plays the victims for the per-move timing."),
    pair: str = typer.Option("zoo:cp2,gnugo:level=0", "--pair", help="A,B: the match timed with 1 and 2 workers."),
    games: int = typer.Option(4, "--games", min=1, help="Games per victim for the per-move timing."),
    throughput_games: int = typer.Option(16, "--throughput-games", min=2, help="Games per throughput run."),
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    json_path: Path | None = typer.Option(None, "--json", help="Default: runs/bench/match.json."),
) -> None:
    """Per-move cost of external victims and match games/hour with 1 and 2 worker processes."""
    from advgo.bench.engine import machine_info
    from advgo.bench.match import run
    from advgo.bench.report import write_json

    a, _, b = pair.partition(",")
    try:
        records = run([v.strip() for v in victims.split(",") if v.strip()], opponent, (a, b), games,
                      throughput_games, board, on_record=lambda r: logging.getLogger("advgo.bench").info("%s", r))
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
    for table in tables.match_tables(records, board, a, b):
        console.print(table)
    path = json_path or Path("runs") / "bench" / "match.json"
    write_json(path, {"machine": machine_info(), "records": records})
    console.print(f"wrote {path}")


@bench_app.command("env")
def bench_env(
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    seconds: float = typer.Option(5.0, "--seconds", min=0.1, help="Timed seconds per part."),
    opponents: str = typer.Option("random,zoo:cp2", "--opponents",
                                  help="Opponent specs for the Gymnasium and vector envs (comma-separated)."),
    vector_sizes: str = typer.Option("64,1024", "--vector-sizes", help="Vector env batch sizes (comma-separated)."),
    compare: bool = typer.Option(True, "--compare/--no-compare", help="Time PettingZoo's go_v5 beside ours."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random actions."),
    json_path: Path | None = typer.Option(None, "--json", help="Default: runs/bench/env.json."),
) -> None:
    """Env steps/s with random masked actions: AEC (beside PettingZoo's go_v5), Gymnasium and vector envs."""
    from advgo.bench.engine import machine_info
    from advgo.bench.env import run
    from advgo.bench.report import timed_parts_progress, write_json

    opponent_list = [o.strip() for o in opponents.split(",") if o.strip()]
    sizes = [int(s) for s in vector_sizes.split(",") if s.strip()]
    with timed_parts_progress(console, seconds, "steps/s") as progress:
        try:
            records = run(board, seconds, opponent_list, sizes, compare, seed, progress)
        except ValueError as err:
            console.print(f"[red]error:[/red] {err}", soft_wrap=True)
            raise typer.Exit(2) from None
    for line in tables.env_skipped(records):
        console.print(line)
    console.print(tables.env_table(records, board))
    console.print(tables.ENV_NOTE)
    path = json_path or Path("runs") / "bench" / "env.json"
    write_json(path, {"machine": machine_info(), "records": records})
    console.print(f"wrote {path}")


@bench_app.command("actors")
def bench_actors(
    config: Path = typer.Option(Path("configs/victim-9x9.yaml"), "--config", help="Run config (victim or adversary)."),
    actors: str = typer.Option("1,2", "--actors", help="Actor counts to time (comma-separated)."),
    seconds: float = typer.Option(20.0, "--seconds", min=1.0, help="Timed seconds per row (after a warm-up)."),
    sets: list[str] = typer.Option([], "--set", help="Dotted config override (repeatable)."),
    json_path: Path | None = typer.Option(None, "--json", help="Default: runs/bench/actors.json."),
) -> None:
    """Game generation with N Ray actors beside the single-process loop: games/s, moves/s, speed-up."""
    from advgo.bench.actors import run
    from advgo.bench.engine import machine_info
    from advgo.bench.report import timed_parts_progress, write_json

    counts = [int(a) for a in actors.split(",") if a.strip()]
    with timed_parts_progress(console, seconds, "moves/s") as progress:
        try:
            records = run(config, sets, counts, seconds, progress)
        except ValueError as err:
            console.print(f"[red]error:[/red] {err}", soft_wrap=True)
            raise typer.Exit(2) from None
    console.print(tables.actors_table(records, config, seconds))
    for note in tables.actors_notes(records):
        console.print(note, soft_wrap=True)
    path = json_path or Path("runs") / "bench" / "actors.json"
    write_json(path, {"machine": machine_info(), "records": records})
    console.print(f"wrote {path}")
