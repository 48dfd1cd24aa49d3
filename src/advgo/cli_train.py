"""``advgo train …``: launching training runs (argument parsing and console output only)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console

train_app = typer.Typer(help="Training runs.", no_args_is_help=True)
console = Console()


def _overrides(sets: list[str], seed: int | None, device: str | None) -> list[str]:
    out = list(sets)
    if seed is not None:
        out.append(f"seed={seed}")
    if device is not None:
        out.append(f"device={device}")
    return out


@train_app.command("victim")
def train_victim(
    config: Path = typer.Option(None, "--config", "-c", help="Run config (YAML); see configs/victim-9x9.yaml."),
    sets: list[str] = typer.Option([], "--set", help="Dotted override, e.g. --set learner.lr=0.001 (repeatable)."),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Stop (and checkpoint) after this many minutes."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run in this folder from its last checkpoint."),
    seed: int = typer.Option(None, "--seed", help="Shorthand for --set seed=S."),
    device: str = typer.Option(None, "--device", help="auto, cpu or cuda (shorthand for --set device=…)."),
    name: str = typer.Option(None, "--name", help="Run folder name under --runs (default victim-<timestamp>)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder holding run folders."),
) -> None:
    """Self-play training of a victim net (AlphaZero-style), with TensorBoard logs under the run folder."""
    from advgo.config import ConfigError, load_config
    from advgo.nets import CheckpointError
    from advgo.runlog import make_run_dir
    from advgo.training.victim import VictimTrainer
    from advgo.training.victim_config import VictimRunConfig

    logging.getLogger("advgo").setLevel(logging.INFO)
    overrides = _overrides(sets, seed, device)
    try:
        if resume is not None:
            source = config or resume / "config.yaml"
            if not Path(source).exists():
                raise ConfigError(f"no config at {source}: is {resume} a run folder?")
            cfg = load_config(VictimRunConfig, source, overrides)
            run_dir = resume
        else:
            cfg = load_config(VictimRunConfig, config, overrides)
            run_dir = make_run_dir(runs, name, kind="victim")
        trainer = VictimTrainer(cfg, run_dir, resume=resume is not None, max_minutes=max_minutes)
    except (ConfigError, CheckpointError, FileNotFoundError, ValueError) as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from None
    console.print(f"run folder: {run_dir}  (tensorboard --logdir {runs})")
    trainer.run()
    console.print(f"stopped at step {trainer.step}; last checkpoint in {run_dir / 'checkpoints'}")
