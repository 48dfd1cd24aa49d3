"""Every benchmark's rich tables, built from its records (the CLI prints them; nothing here prints).

| function | ``advgo bench …`` |
|---|---|
| ``engine_table`` | ``engine``: one row per mode, ``× OS`` beside OpenSpiel |
| ``startup_table`` | ``startup``: cold vs warm Numba cache |
| ``net_table`` | ``net``: positions/s per net, variant and batch size |
| ``katanet_table`` | ``katanet``: KataGo's net in process vs over GTP |
| ``mcts_table`` | ``mcts``: simulations/s per mode, board and thread count |
| ``selfplay_table``, ``SELFPLAY_NOTE`` | ``selfplay``: rates and the split of wall time per thread and group count |
| ``victimplay_table``, ``VICTIMPLAY_NOTE`` | ``victimplay``: per A-MCTS mode against self-play |
| ``match_tables`` | ``match``: seconds per genmove of external victims; match throughput by workers |
| ``env_table``, ``env_skipped``, ``ENV_NOTE`` | ``env``: steps/s per env and opponent |
| ``actors_table``, ``actors_notes`` | ``actors``: game generation per actor count |
"""

from __future__ import annotations

from rich import box
from rich.table import Table

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


def net_table(records: list[dict]) -> Table:
    """One row per net and variant, positions/s per batch size; ``× eager``: the ratio to the eager fp32 row
    of the same net and device at the smallest and the largest batch."""
    batches = sorted({r["batch"] for r in records})
    rows: dict[tuple, dict[int, float]] = {}
    for r in records:
        rows.setdefault((r["net"], r["device"], r["dtype"], r["path"]), {})[r["batch"]] = r["positions_per_s"]
    board = records[0]["board"] if records else "?"
    table = Table(title=f"net inference, positions/s, {board}x{board}", box=box.SIMPLE_HEAD, pad_edge=False,
                  caption_justify="left")
    for name in ("net", "device", "dtype", "path", *(f"b{b}" for b in batches), "× eager"):
        table.add_column(name, justify="left" if name in ("net", "device", "dtype", "path") else "right",
                         no_wrap=True)
    for (net, device, dtype, path), rates in rows.items():
        eager = rows.get((net, device, "fp32", "eager"), {})
        ends = (batches[0], batches[-1])
        ratio = "/".join(f"{rates[b] / eager[b]:.2f}" if eager.get(b) else "-" for b in ends)
        table.add_row(net, device, dtype, path, *(f"{rates.get(b, 0):,.0f}" for b in batches), ratio)
    if records:
        m = records[0]
        table.caption = (f"best of interleaved rounds; inputs already on the device; torch {m['torch']}, "
                         f"{m['torch_threads']} threads, {m['cores']} cores ({m['cpu']})")
    return table


def katanet_table(records: list[dict]) -> Table:
    board = records[0]["board"] if records else "?"
    table = Table(title=f"KataGo's net: in process vs over GTP, {board}x{board}, positions/s", box=box.SIMPLE_HEAD,
                  pad_edge=False, caption_justify="left")
    for name in ("row", "positions/s", "× KataGoPolicy"):
        table.add_column(name, justify="left" if name == "row" else "right", no_wrap=True)
    for r in records:
        ratio = r.get("vs_katago_policy")
        table.add_row(r["row"], f"{r['positions_per_s']:,.1f}", "" if ratio is None else f"{ratio:.1f}")
    if records:
        m = records[0]
        table.caption = (f"best of interleaved rounds, same positions for every row; torch {m['torch']}, "
                         f"{m['torch_threads']} threads, {m['cores']} cores ({m['cpu']})")
    return table


def mcts_table(records: list[dict], batch: int, visits: int, groups: int) -> Table:
    table = Table(title=f"MCTS without a network: batch {batch}, {visits} visits, {groups} group(s)")
    for col in ("mode", "board", "threads", "sims/s", "x 1 thread", "cores had", "x mctx", "compile s"):
        table.add_column(col)
    for r in records:
        ratio = f"{r['vs_mctx']:.2f}" if "vs_mctx" in r else ""
        scaling = f"{r['vs_1_thread']:.2f}" if "vs_1_thread" in r else ""
        table.add_row(r["mode"], f"{r['board']}x{r['board']}", str(r.get("threads", "")), f"{r['sims_per_s']:,.0f}",
                      scaling, f"{r['cpu_per_wall']:.2f}" if "cpu_per_wall" in r else "", ratio,
                      f"{r['compile_s']:.2f}")
    return table


SELFPLAY_NOTE = ("thr, grp: search threads and groups; ÷raw: evaluations/s over the bare forward at the batch one "
                 "group hands the net; ×1: moves/s over 1 thread, 1 group; search .. other: shares of wall time "
                 "(enc, fwd: the net's encoding and forward, overlapping the search with groups)")


def selfplay_table(records: list[dict]) -> Table:
    r0 = records[0]
    table = Table(title=f"self-play: {r0['board']}x{r0['board']}, net {r0['net']} on {r0['device']}, "
                        f"{r0['parallel_games']} games")
    for col in ("thr", "grp", "moves/s", "evals/s", "÷raw", "×1", "search", "enc", "fwd", "wait", "other"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in records:
        table.add_row(str(r["threads"]), str(r["groups"]), f"{r['moves_per_s']:,.0f}", f"{r['evals_per_s']:,.0f}",
                      f"{r['of_raw']:.0%}", f"{r['vs_serial']:.2f}" if "vs_serial" in r else "",
                      *(f"{r['split_' + k]:.0%}" for k in ("search", "encode", "forward", "wait", "other")))
    return table


VICTIMPLAY_NOTE = "net: share of wall time in the adversary's net; × sp: moves/s relative to self-play"


def victimplay_table(records: list[dict]) -> Table:
    r0 = records[0]
    table = Table(title=f"victim-play vs self-play: {r0['board']}x{r0['board']}, net {r0['net']}, "
                        f"{r0['parallel_games']} games, {r0['full_visits']}/{r0['fast_visits']} visits, "
                        f"victim {r0['victim']}")
    for col in ("mode", "moves/s", "games/s", "len", "evals/s", "victim ev/s", "net", "× sp"):
        table.add_column(col, justify="left" if col == "mode" else "right", no_wrap=True)
    for r in records:
        table.add_row(r["mode"], f"{r['moves_per_s']:,.0f}", f"{r['games_per_s']:.2f}", f"{r['mean_length']:.0f}",
                      f"{r['evals_per_s']:,.0f}", f"{r['victim_evals_per_s']:,.0f}", f"{r['net_share']:.0%}",
                      f"{r['vs_selfplay']:.2f}" if "vs_selfplay" in r else "1")
    return table


def match_tables(records: list[dict], board: int, a: str, b: str) -> tuple[Table, Table]:
    """The per-move cost of each external victim, and the throughput of ``a`` vs ``b`` by workers."""
    victims = Table(title=f"external victims, {board}x{board}: seconds per genmove (one game in flight)")
    for col in ("victim", "vs", "moves", "s/move", "anchor s/move", "voided"):
        victims.add_column(col, justify="left" if col in ("victim", "vs") else "right")
    for r in (r for r in records if r["part"] == "victim"):
        anchor = r["anchor_seconds_per_move"]
        victims.add_row(r["victim"], r["opponent"], str(r["moves"]), f"{r['seconds_per_move']:.4f}",
                        "–" if anchor is None else f"{anchor:.3f}", str(r["voided"]))
    throughput = Table(title=f"match throughput: {a} vs {b}, {board}x{board}")
    for col in ("workers", "games", "seconds", "games/hour", "speed-up", "mean len"):
        throughput.add_column(col, justify="right")
    for r in (r for r in records if r["part"] == "throughput"):
        throughput.add_row(str(r["workers"]), str(r["games"]), f"{r['seconds']:.1f}", f"{r['games_per_hour']:,.0f}",
                           f"{r['speedup']:.2f}", f"{r['mean_length']:.0f}")
    return victims, throughput


ENV_NOTE = "a gym/vector step is one learner move plus the opponent's reply; vector steps/s count every sub-env"


def env_skipped(records: list[dict]) -> list[str]:
    """``part: why`` for every part that was skipped."""
    return [f"{r['part']}: {r['skipped']}" for r in records if "skipped" in r]


def env_table(records: list[dict], board: int) -> Table:
    table = Table(title=f"env steps/s, {board}x{board}, random masked actions")
    for col in ("env", "opponent", "envs", "steps", "steps/s", "× go_v5"):
        table.add_column(col, justify="left" if col in ("env", "opponent") else "right", no_wrap=True)
    for r in records:
        if "skipped" in r:
            table.add_row(r["part"], "", "", "", "skipped", "")
            continue
        table.add_row(r["part"], r.get("opponent", "(two learners)"), str(r.get("num_envs", 1)), f"{r['steps']:,}",
                      f"{r['steps_per_s']:,.0f}", f"{r['vs_go_v5']:.2f}" if "vs_go_v5" in r else "")
    return table


def actors_table(records: list[dict], config, seconds: float) -> Table:
    table = Table(title=f"game generation, {config} ({records[0]['role']} games), {seconds:g} s per row")
    for col in ("mode", "games", "games/s", "moves/s", "evals/s", "×1", "×sp", "÷raw"):
        table.add_column(col, justify="left" if col == "mode" else "right", no_wrap=True)
    for r in records:
        games_per_s = "-" if r["games_per_s"] is None else f"{r['games_per_s']:.2f}"
        table.add_row(r["mode"], str(r["games"]), games_per_s, f"{r['moves_per_s']:,.0f}",
                      f"{r['evals_per_s']:,.0f}", f"{r['speedup']:.2f}" if "speedup" in r else "",
                      f"{r['vs_single_process']:.2f}", f"{r['evals_vs_raw_net']:.2f}")
    return table


def actors_notes(records: list[dict]) -> list[str]:
    """What the columns of ``actors_table`` mean, with the run's mean game length and raw net throughput."""
    r0 = records[0]
    precision = "bf16" if r0["raw_net_bf16"] else "fp32"
    length = r0["mean_game_length"]
    return [f"games: finished in the row; games/s: moves/s over the mean length of every finished game "
            f"({'-' if length is None else f'{length:.0f}'} moves; a row's own count is noisy with many "
            f"games in flight)",
            f"×1: moves/s over 1 actor; ×sp: over the single process; ÷raw: evaluations/s over the net's own "
            f"throughput, {r0['raw_net_positions_per_s']:,.0f} positions/s at batch {r0['raw_net_batch']} on "
            f"{r0['raw_net_device']} ({precision}, forward alone; "
            f"{r0['raw_net_host_positions_per_s']:,.0f} with the host round trip); inference "
            f"{records[-1]['inference']}"]
