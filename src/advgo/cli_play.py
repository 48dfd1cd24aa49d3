"""``advgo match``, ``advgo eval``, ``advgo play`` and ``advgo show``: argument parsing and console output only
(the work is in ``advgo.eval`` and ``advgo.ui``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from advgo.cli_app import make_console

console = make_console()
AGENT_HELP = ("An agent spec: random, zoo:NAME[:visits=N], net:PATH[:visits=N][:amcts=MODE][:victim=SPEC], "
              "katanet[:visits=N], baseline:pass|edge|random|spiral|mirror, gnugo[:level=N], katago[:visits=N], "
              "'gtp:COMMAND LINE', engine:NAME, human.")
THREADS_HELP = "Torch CPU threads (0: torch's default, every core; see advgo.nets.threads)."


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def match_table(summary: dict, title: str) -> Table:
    """The match from both sides, one column per agent: wins, losses, win rate with its 95% Wilson interval, by
    colour, mean margin and seconds per move; then the games' shared numbers (draws and capped games are non-wins
    for both sides, :mod:`advgo.eval.counting`)."""
    s = summary
    table = Table(title=title)
    table.add_column("")
    table.add_column(f"A: {s['a']}", justify="right")
    table.add_column(f"B: {s['b']}", justify="right")

    def rate_ci(key: str) -> str:
        return "–" if not s["scored"] else f"{_pct(s[key])} [{_pct(s[key + '_low'])}–{_pct(s[key + '_high'])}]"

    margin = s["mean_margin"]
    for row in (
        ("wins", str(s["wins"]), str(s["losses"])),
        ("losses", str(s["losses"]), str(s["wins"])),
        ("win rate [95% CI]", rate_ci("win_rate"), rate_ci("b_win_rate")),
        ("win rate as black", _pct(s["win_rate_as_black"]), _pct(s["b_win_rate_as_black"])),
        ("win rate as white", _pct(s["win_rate_as_white"]), _pct(s["b_win_rate_as_white"])),
        ("mean margin", "–" if margin is None else f"{margin:+.1f}", "–" if margin is None else f"{-margin:+.1f}"),
        ("seconds per move", f"{s['a_seconds_per_move']:.4f}", f"{s['b_seconds_per_move']:.4f}"),
    ):
        table.add_row(*row)
    length = "–" if s["mean_length"] is None else f"{s['mean_length']:.0f}"
    table.caption = (f"{s['games']} games: {s['scored']} scored, {s['draws']} drawn, {s['capped']} capped at "
                     f"{s['max_moves']} moves (non-wins for both), {s['voided']} voided; mean length {length} moves")
    return table


def _remove_if_no_games(folder: Path) -> None:
    """A new match folder that holds no game yet (the match failed to start) is removed."""
    import shutil

    if not any((folder / "games").glob("*.sgf")):
        shutil.rmtree(folder, ignore_errors=True)


def match(
    black: str = typer.Argument(..., metavar="BLACK", help=f"Agent A (black in even-numbered games). {AGENT_HELP}"),
    white: str = typer.Argument(..., metavar="WHITE", help="Agent B (white in even-numbered games)."),
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    games: int = typer.Option(10, "--games", min=1, help="Games to play."),
    alternate: bool = typer.Option(True, "--alternate/--no-alternate", help="Swap colours every game."),
    rules: str | None = typer.Option(None, "--rules", help="tromp-taylor or chinese (default: agreed with the "
                                                           "engines; Tromp-Taylor when both play it)."),
    komi: float = typer.Option(7.5, "--komi", help="Komi."),
    max_moves: int = typer.Option(0, "--max-moves", min=0, help="Move cap (0: 5·N²); a capped game is a non-win "
                                                                 "for both sides."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    slots: int = typer.Option(0, "--slots", min=0, help="Games in flight per worker (0: automatic)."),
    seed: int = typer.Option(0, "--seed", help="Seed of both agents."),
    device: str = typer.Option("cpu", "--device", help="Torch device of net agents (cpu, cuda)."),
    threads: int = typer.Option(1, "--threads", min=0, help="Torch CPU threads per worker (0: torch's default, every "
                                                             "core; see advgo.nets.threads)."),
    out: Path | None = typer.Option(None, "--out", help="Match folder (default: runs/match-<time>)."),
    json_path: Path | None = typer.Option(None, "--json", help="Also write the match JSON here."),
) -> None:
    """Play two agents against each other: games in parallel, every game as SGF, a table and JSON."""
    from advgo.agents.gtp_client import EngineDied
    from advgo.eval.counting import NoScoredGames, require_scored
    from advgo.eval.match import MatchConfig, match_json, run_match, summarize
    from advgo.runlog import make_run_dir, progress

    try:
        cfg = MatchConfig(black, white, board_size=board, games=games, alternate=alternate, rules=rules, komi=komi,
                          max_moves=max_moves, workers=workers, slots=slots, seed=seed, device=device,
                          threads=threads)
        out_dir = make_run_dir("runs", kind="match") if out is None else out
        with progress(games, f"{black} vs {white}", "games", console=console) as bar:
            run = run_match(cfg, out_dir, on_game=lambda record: bar.advance(1))
    except (ValueError, FileNotFoundError, EngineDied) as err:
        if out is None and "out_dir" in locals():
            _remove_if_no_games(out_dir)
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
    summary = summarize(run)
    console.print(match_table(summary, f"{board}x{board}, {run.rules.name} rules, komi {run.rules.komi:g}, "
                                       f"{games} games, {workers} worker(s)"))
    console.print(f"{summary['distinct_games']} distinct games; {summary['games_per_hour']:,.0f} games/hour "
                  f"({summary['seconds']:.1f} s)")
    console.print(f"Counting: {summary['counting']}.", soft_wrap=True)
    for reason in summary["void_reasons"]:
        console.print(f"[yellow]voided:[/yellow] {reason}")
    console.print(f"SGF and match.json in {out_dir}")
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(match_json(run), indent=2))
        console.print(f"wrote {json_path}")
    try:
        require_scored(run.result, f"{black} vs {white}")
    except NoScoredGames as err:  # every game voided: the table's 0% would be no result at all
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(1) from None


def table(
    config: Path = typer.Option(..., "--config", "-c", help="Table config (YAML); see configs/table-katago-9x9.yaml."),
    overrides: list[str] = typer.Option([], "--set", help="Dotted override, e.g. --set games=50 (repeatable)."),
    out: Path | None = typer.Option(None, "--out", help="Table folder; an existing one resumes (default: "
                                                        "runs/table-<time>)."),
    threads: int | None = typer.Option(None, "--threads", min=0, help="Torch CPU threads per match worker "
                                       "(shorthand for --set threads=N; default 1; 0: torch's default)."),
) -> None:
    """A cross table: every row player against every column, one match per cell, win rates with 95% intervals."""
    from advgo.config import load_config
    from advgo.eval.table import TableConfig, cell_text, run_table
    from advgo.runlog import make_run_dir, progress

    try:
        cfg = load_config(TableConfig, config, [*overrides, *([f"threads={threads}"] if threads is not None else [])])
        total = sum((col.games or cfg.games) for col in cfg.columns) * len(cfg.rows)
        out_dir = make_run_dir("runs", kind="table") if out is None else out
        with progress(total, f"table {config.stem}", "games", console=console) as bar:
            cells = run_table(cfg, out_dir, on_game=lambda: bar.advance(1), on_replayed=bar.skip)
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
    grid = Table(title=f"{config.stem}: win rate of the row player [95% CI]")
    grid.add_column("")
    for col in cfg.columns:
        grid.add_column(col.name, justify="right")
    by = {(c.row, c.column): c for c in cells}
    for i, row in enumerate(cfg.rows):
        grid.add_row(row.name, *(cell_text(by[i, j].summary, cfg.by_color) for j in range(len(cfg.columns))))
    console.print(grid)
    console.print(f"table.md, table.json and every game in {out_dir}")


def eval_run(
    run: Path = typer.Argument(..., metavar="RUN", help="An adversary run folder (runs/<name>)."),
    games: int = typer.Option(32, "--games", min=1, help="Games per checkpoint and victim."),
    extra: list[str] = typer.Option([], "--extra", help="A further victim spec (repeatable): zoo:cp4, "
                                                        "gnugo:level=0, katago, net:PATH …"),
    steps: str = typer.Option("", "--steps", help="Only these checkpoint steps (comma-separated)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the evaluation games."),
    device: str = typer.Option("cpu", "--device", help="Torch device."),
    threads: int = typer.Option(1, "--threads", min=0, help=THREADS_HELP),
) -> None:
    """Every saved adversary checkpoint of RUN against every victim of its curriculum: table, PNG, TensorBoard."""
    from advgo.eval.counting import RULE
    from advgo.eval.report import evaluate_run, run_checkpoints, write_report
    from advgo.runlog import progress

    try:
        wanted = tuple(int(s) for s in steps.split(",") if s.strip())
    except ValueError:
        console.print(f"[red]error:[/red] --steps takes comma-separated integers, got {steps!r}")
        raise typer.Exit(2) from None
    try:
        n_ckpts = len([p for p in run_checkpoints(run) if not wanted or int(p.stem.split("-")[-1]) in wanted])
        from advgo.eval.report import load_run_config

        n_victims = len(load_run_config(run).curriculum.entries) + len(extra)
        with progress(n_ckpts * n_victims * games, f"evaluating {run.name}", "games", console=console) as bar:
            cells = evaluate_run(run, games, tuple(extra), wanted, device=device, seed=seed, threads=threads,
                                 on_cell=lambda cell: bar.advance(cell.games))
    except (ValueError, FileNotFoundError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
    victims = list(dict.fromkeys(c.victim for c in cells))
    table = Table(title=f"{run.name}: adversary win rate [95% CI], {games} games per cell")
    table.add_column("step", justify="right")
    for v in victims:
        table.add_column(v, justify="right")
    for step in dict.fromkeys(c.step for c in cells):
        row = {c.victim: c for c in cells if c.step == step}
        table.add_row(str(step), *(f"{_pct(row[v].win_rate)} [{_pct(row[v].interval[0])}–{_pct(row[v].interval[1])}]"
                                   for v in victims))
    table.caption = (f"{sum(c.capped for c in cells)} of {sum(c.games for c in cells)} games capped at "
                     f"{max(c.max_moves for c in cells)} moves (non-wins)")
    console.print(table)
    console.print(f"Counting: {RULE}.", soft_wrap=True)
    paths = write_report(run, cells, games)
    console.print(f"wrote {paths['json']} and {paths['png']} (TensorBoard image eval/report)")


def play(
    opponent: str = typer.Option(..., "--opponent", help=f"Who you play. {AGENT_HELP}"),
    board: int = typer.Option(9, "--board", min=2, max=19, help="Board size N."),
    color: str = typer.Option("black", "--color", help="Your colour: black or white."),
    komi: float = typer.Option(7.5, "--komi", help="Komi."),
    rules: str | None = typer.Option(None, "--rules", help="tromp-taylor or chinese (default: Tromp-Taylor, or the "
                                                           "rules the engine plays, e.g. Chinese for GNU Go)."),
    max_moves: int = typer.Option(0, "--max-moves", min=0, help="Move cap, scored as it stands (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the opponent's random choices."),
    device: str = typer.Option("cpu", "--device", help="Torch device of a net opponent."),
    threads: int = typer.Option(1, "--threads", min=0, help=THREADS_HELP),
    out: Path | None = typer.Option(None, "--out", help="SGF of the game (default: runs/play/play-<time>.sgf)."),
) -> None:
    """Play Go against any agent on the terminal board (moves like D4; help lists the commands)."""
    import time

    from advgo.agent_registry import make_agent
    from advgo.eval.match import MatchConfig, agree_rules, engine_rules
    from advgo.nets.threads import set_torch_threads
    from advgo.rules import Rules
    from advgo.ui import PlaySession, run_play

    if color not in ("black", "white"):
        console.print(f"[red]error:[/red] --color must be black or white, got {color!r}")
        raise typer.Exit(2)
    path = out or Path("runs") / "play" / f"play-{time.strftime('%Y%m%d-%H%M%S')}.sgf"
    agent = None
    try:
        agreed = agree_rules(MatchConfig("human", opponent, board_size=board, rules=rules),
                             [None, engine_rules(opponent)])
        the_rules = Rules.from_name(agreed, komi)
        set_torch_threads(threads)
        agent = make_agent(opponent, seed=seed, device=device, rules=the_rules)
        session = PlaySession(agent, board, the_rules, 1 if color == "black" else -1, max_moves or None)
        run_play(session, console, lambda prompt: console.input(prompt), path)
    except (ValueError, FileNotFoundError, RuntimeError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
    finally:
        if agent is not None:
            agent.close()


def show(
    sgf_file: Path = typer.Argument(..., metavar="SGF_FILE", help="An SGF file (a match, training or play game)."),
) -> None:
    """Step through a game: next, back, jump to move N, first, last; shows each move's comment."""
    from advgo.sgf import SgfError, read_sgf
    from advgo.ui import run_show

    try:
        record = read_sgf(sgf_file.read_bytes())
        run_show(record, console, lambda prompt: console.input(prompt), title=f"{sgf_file}: ")
    except (OSError, SgfError, ValueError) as err:
        console.print(f"[red]error:[/red] {err}", soft_wrap=True)
        raise typer.Exit(2) from None
