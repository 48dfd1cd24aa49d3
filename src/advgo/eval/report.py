"""``advgo eval RUN``: every saved adversary checkpoint of a run against every victim of its curriculum.

For each checkpoint (``checkpoints/`` and ``milestones/``, by step) and each victim (the curriculum's
entries, then any extra victim specs), the adversary plays ``games`` games as in the run's periodic
evaluation (:func:`advgo.training.adversary_eval.evaluate_adversary`: colours alternating, its A-MCTS mode
against a victim with a policy, plain MCTS against a black box, no noise, the victim hardened where the run's
``evaluation.hardened`` says so and it has a policy). Games count by the
one rule of :mod:`advgo.eval.counting`, as ``advgo match`` counts them: a game stopped at the move cap (the
run's ``victimplay.max_moves``, default 5·N²) is a non-win for both sides, a draw a non-win. An external
victim that plays other rules than the run's (GNU Go: Chinese) is played under its own rules.

| output (in ``RUN/eval/``) | content |
|---|---|
| ``report.json`` | the counting rule and move cap; one cell per (checkpoint, victim): wins, losses, draws, capped, games, win rate, 95% Wilson interval, mean length, whether the victim played hardened |
| ``winrates.png`` | win rate against each victim by checkpoint step, with the interval as error bars |
| TensorBoard | the same figure as the image ``eval/report`` in the run's event files |
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..config import CONFIG_FILENAME, load_config
from ..fileio import atomic_write
from ..nets import TorchEvaluator, list_checkpoints, load_checkpoint
from ..nets.threads import DEFAULT_THREADS, set_torch_threads
from ..rules import Rules
from ..runlog import RunLogger
from ..training.adversary_config import AdversaryRunConfig
from ..training.adversary_eval import curriculum_victims, evaluate_adversary, hardened, tally_games
from ..training.trainer import CHECKPOINTS, MILESTONES
from ..victims import resolve_victim
from .counting import RULE, Tally, move_cap

log = logging.getLogger(__name__)
EVAL_DIR = "eval"


@dataclasses.dataclass(kw_only=True)
class Cell(Tally):
    """One (checkpoint, victim) cell: the adversary's games counted by the one rule (wins, losses, draws, capped
    and the win rate with its interval come from :class:`advgo.eval.counting.Tally`)."""

    step: int
    victim: str
    mean_length: float
    max_moves: int = 0
    """The move cap the games were played under."""
    hardened: bool = False
    """The victim played hardened (the run's ``evaluation.hardened``, where the victim has a policy)."""

    def as_dict(self) -> dict:
        low, high = self.interval
        return {"step": self.step, "victim": self.victim, "wins": self.wins, "losses": self.losses,
                "draws": self.draws, "capped": self.capped, "games": self.games, "win_rate": self.win_rate,
                "low": low, "high": high, "mean_length": self.mean_length, "max_moves": self.max_moves,
                "hardened": self.hardened}


def run_checkpoints(run_dir: Path) -> list[Path]:
    """The run's saved checkpoints (rolling and milestones), one per step, oldest first."""
    by_step = {}
    for folder in (MILESTONES, CHECKPOINTS):
        for path in list_checkpoints(run_dir / folder):
            by_step[int(path.stem.split("-")[-1])] = path
    return [by_step[s] for s in sorted(by_step)]


def load_run_config(run_dir: Path) -> AdversaryRunConfig:
    path = run_dir / CONFIG_FILENAME
    if not path.is_file():
        raise ValueError(f"{run_dir} is not a run folder: it has no {CONFIG_FILENAME}")
    return load_config(AdversaryRunConfig, path)


def evaluate_run(run_dir: str | Path, games: int, extra: tuple[str, ...] = (), steps: tuple[int, ...] = (),
                 device="cpu", seed: int = 0, on_cell: Callable[[Cell], None] | None = None,
                 threads: int | None = DEFAULT_THREADS) -> list[Cell]:
    """The matrix of cells (checkpoints × victims); ``steps`` keeps only those checkpoints when given. Torch runs on
    ``threads`` CPU threads (:mod:`advgo.nets.threads`; None: as it is)."""
    run_dir = Path(run_dir)
    if threads is not None:
        set_torch_threads(threads)
    cfg = load_run_config(run_dir)
    checkpoints = [p for p in run_checkpoints(run_dir) if not steps or int(p.stem.split("-")[-1]) in steps]
    if not checkpoints:
        raise ValueError(f"{run_dir} holds no checkpoint{' at the steps asked for' if steps else ''}")
    victims = dict(curriculum_victims(cfg, device))
    temperatures = {e.label: e.temperature for e in cfg.curriculum.entries}  # an entry's own, else the run's
    for spec in extra:
        victim = resolve_victim(spec, 1, device=device, board_size=cfg.game.board_size)
        victims[victim.label] = victim
    cells = []
    for path in checkpoints:
        ckpt = load_checkpoint(path, device=device, expect_board_size=cfg.game.board_size)
        for label, victim in victims.items():
            run_cfg = _config_for(cfg, victim)
            evaluator = TorchEvaluator(ckpt.net, device=device, symmetry="random", seed=seed,
                                       rules=Rules.from_name(run_cfg.game.rules, run_cfg.game.komi),
                                       max_batch=games)
            finished = evaluate_adversary(evaluator, victim, run_cfg, games, np.random.default_rng([seed, ckpt.step]),
                                          victim_temperature=temperatures.get(label))
            tally = tally_games(finished)
            cell = Cell(step=ckpt.step, victim=label, mean_length=float(np.mean([g.length for g in finished])),
                        wins=tally.wins, losses=tally.losses, draws=tally.draws, capped=tally.capped,
                        max_moves=move_cap(run_cfg.game.board_size, run_cfg.victimplay.max_moves),
                        hardened=hardened(run_cfg, victim))
            cells.append(cell)
            if on_cell is not None:
                on_cell(cell)
    return cells


def _config_for(cfg: AdversaryRunConfig, victim) -> AdversaryRunConfig:
    """The run's config, with plain MCTS against a black box and the engine's rules when it needs others."""
    supported = victim.rules_supported
    if victim.has_policy and supported is None:
        return cfg
    vp = cfg.victimplay if victim.has_policy else dataclasses.replace(cfg.victimplay, amcts="plain")
    game = cfg.game
    if supported is not None and cfg.game.rules not in supported:
        game = dataclasses.replace(cfg.game, rules=supported[0])
    return dataclasses.replace(cfg, victimplay=vp, game=game)


def plot(cells: list[Cell], title: str):
    """Win rate by checkpoint step, one line with 95% error bars per victim (a matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for victim in dict.fromkeys(c.victim for c in cells):
        mine = [c for c in cells if c.victim == victim]
        steps = [c.step for c in mine]
        rates = np.array([100 * c.win_rate for c in mine])
        low = rates - [100 * c.interval[0] for c in mine]
        high = np.array([100 * c.interval[1] for c in mine]) - rates
        ax.errorbar(steps, rates, yerr=[low, high], marker="o", capsize=3, label=victim)
    ax.set_xlabel("adversary training step")
    ax.set_ylabel("adversary win rate (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def write_report(run_dir: str | Path, cells: list[Cell], games: int) -> dict[str, Path]:
    """``report.json`` and ``winrates.png`` in ``RUN/eval/``, and the figure into the run's TensorBoard."""
    run_dir = Path(run_dir)
    out = run_dir / EVAL_DIR
    out.mkdir(parents=True, exist_ok=True)
    cap = max((c.max_moves for c in cells), default=None)  # one run, one cap
    report = {"run": str(run_dir), "games_per_cell": games, "counting": RULE, "max_moves": cap,
              "cells": [c.as_dict() for c in cells]}
    json_path = atomic_write(out / "report.json", json.dumps(report, indent=2).encode(), fsync=False)
    fig = plot(cells, f"{run_dir.name}: {games} games per point, 95% Wilson intervals; games capped at {cap} "
                      f"moves are non-wins")
    png = out / "winrates.png"
    fig.savefig(png)
    with RunLogger(run_dir) as logger:
        logger.figure("eval/report", fig, max(c.step for c in cells))
    return {"json": json_path, "png": png}
