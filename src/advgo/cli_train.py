"""``advgo train …``: launching training runs (argument parsing and console output only)."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from advgo.cli_app import App, make_console

train_app = App(help="Training runs.", no_args_is_help=True)
console = make_console()


def _overrides(sets: list[str], seed: int | None, device: str | None, workers: int | None = None,
               ray_address: str | None = None) -> list[str]:
    out = list(sets)
    if seed is not None:
        out.append(f"seed={seed}")
    if device is not None:
        out.append(f"device={device}")
    if workers is not None:
        out.append(f"scale.workers={workers}")
    if ray_address is not None:
        out.append(f"scale.ray_address={ray_address}")
    return out


def _prepare(kind: str, config_cls, make, config: Path | None, overrides: list[str], resume: Path | None,
             name: str | None, runs: Path):
    """Load and validate the config and build the run with ``make(cfg, run_dir, resumed)``: ``(run, run_dir)``.

    A new run gets a fresh folder, a resumed one reads its own ``config.yaml``. An error exits 2 and leaves nothing
    behind (a new run folder that stayed empty is removed)."""
    from advgo.config import ConfigError, load_config
    from advgo.nets import CheckpointError
    from advgo.runlog import make_run_dir

    logging.getLogger("advgo").setLevel(logging.INFO)
    run_dir = None
    try:
        if resume is not None:
            source = config or resume / "config.yaml"
            if not Path(source).exists():
                raise ConfigError(f"no config at {source}: is {resume} a run folder?")
            cfg = load_config(config_cls, source, overrides)
            run_dir = resume
        else:
            cfg = load_config(config_cls, config, overrides)
            run_dir = make_run_dir(runs, name, kind=kind)
        return make(cfg, run_dir, resume is not None), run_dir
    except (ConfigError, CheckpointError, FileNotFoundError, ValueError) as err:
        if resume is None and run_dir is not None and run_dir.exists() and not any(run_dir.iterdir()):
            run_dir.rmdir()  # the new run folder stays empty: leave nothing behind
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(2) from None


def _launch(kind: str, trainer_cls, config_cls, config: Path | None, sets: list[str], max_minutes: float | None,
            resume: Path | None, seed: int | None, device: str | None, name: str | None, runs: Path,
            workers: int | None = None, ray_address: str | None = None, **kwargs) -> None:
    """Load and validate the config (an error exits 2 and writes nothing), then run the trainer."""
    overrides = _overrides(sets, seed, device, workers, ray_address)
    trainer, run_dir = _prepare(kind, config_cls, lambda cfg, run_dir, resumed: trainer_cls(
        cfg, run_dir, resume=resumed, max_minutes=max_minutes, **kwargs), config, overrides, resume, name, runs)
    console.print(f"run folder: {run_dir}  (tensorboard --logdir {runs})")
    trainer.run()
    console.print(f"stopped at step {trainer.step}; last checkpoint in {run_dir / 'checkpoints'}")


CONFIG_HELP = "Dotted override, e.g. --set learner.lr=0.001 (repeatable)."
WORKERS_HELP = ("Game-playing actor processes on Ray (shorthand for --set scale.workers=N; 1 = the single-process "
                "loop; needs pip install -e '.[ray]').")
RAY_HELP = ("With --workers >= 2: join this Ray cluster (auto, or HOST:PORT of `ray start --head`); default: a "
            "private Ray on this machine.")


@train_app.command("victim")
def train_victim(
    config: Path = typer.Option(None, "--config", "-c", help="Run config (YAML); see configs/victim-9x9.yaml."),
    sets: list[str] = typer.Option([], "--set", help=CONFIG_HELP),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Stop (and checkpoint) after this many minutes."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run in this folder from its last checkpoint."),
    seed: int = typer.Option(None, "--seed", help="Shorthand for --set seed=S."),
    device: str = typer.Option(None, "--device", help="auto, cpu or cuda (shorthand for --set device=…)."),
    name: str = typer.Option(None, "--name", help="Run folder name under --runs (default victim-<timestamp>)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder holding run folders."),
    workers: int = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    ray_address: str = typer.Option(None, "--ray-address", help=RAY_HELP),
    init: str = typer.Option(None, "--init", help="Continue this victim: net:PATH, zoo:NAME, a checkpoint or a zoo "
                                                  "name, or KataGo's net (katanet, katanet:model=PATH, PATH.bin.gz) "
                                                  "(shorthand for --set defence.init=…)."),
    adversarial: list[str] = typer.Option([], "--adversarial", help="An adversary run folder whose games the victim "
                                          "lost give starting positions (repeatable; sets defence.adversarial)."),
) -> None:
    """Self-play training of a victim net (AlphaZero-style), with TensorBoard logs under the run folder; with --init
    and --adversarial, fine-tuning of a victim on positions it lost to adversaries (a defence)."""
    import json

    from advgo.training.victim_config import VictimRunConfig
    from advgo.training.victim_trainers import make_victim_trainer

    sets = list(sets)
    if init is not None:
        sets.append(f"defence.init={json.dumps(init)}")
    if adversarial:
        sets.append(f"defence.adversarial={json.dumps(adversarial)}")
    _launch("victim", make_victim_trainer, VictimRunConfig, config, sets, max_minutes, resume, seed, device, name,
            runs, workers, ray_address)


@train_app.command("adversary")
def train_adversary(
    config: Path = typer.Option(None, "--config", "-c", help="Run config (YAML); see configs/attack-9x9.yaml."),
    sets: list[str] = typer.Option([], "--set", help=CONFIG_HELP),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Stop (and checkpoint) after this many minutes."),
    resume: Path = typer.Option(None, "--resume", help="Continue the run in this folder from its last checkpoint."),
    init: Path = typer.Option(None, "--init", help="Warm-start the adversary from this checkpoint (default: scratch)."),
    seed: int = typer.Option(None, "--seed", help="Shorthand for --set seed=S."),
    device: str = typer.Option(None, "--device", help="auto, cpu or cuda (shorthand for --set device=…)."),
    name: str = typer.Option(None, "--name", help="Run folder name under --runs (default adversary-<timestamp>)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder holding run folders."),
    workers: int = typer.Option(None, "--workers", min=1, help=WORKERS_HELP),
    ray_address: str = typer.Option(None, "--ray-address", help=RAY_HELP),
) -> None:
    """Victim-play training of an adversary (A-MCTS) up a curriculum of frozen victims; TensorBoard in the run folder."""
    from advgo.training.adversary import AdversaryTrainer
    from advgo.training.adversary_config import AdversaryRunConfig

    _launch("adversary", AdversaryTrainer, AdversaryRunConfig, config, sets, max_minutes, resume, seed, device, name,
            runs, workers, ray_address, init=str(init) if init else None)


@train_app.command("iterate")
def train_iterate(
    config: Path = typer.Option(None, "--config", "-c", help="Run config (YAML); see configs/iterate-9x9.yaml."),
    sets: list[str] = typer.Option([], "--set", help=CONFIG_HELP),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Time budget of the whole run, split over its "
                                      "phases (the run stops before a phase when it is spent; --resume continues)."),
    resume: Path = typer.Option(None, "--resume", help="Continue the iterated run in this folder (its finished "
                                                       "phases are kept, the one in progress resumes)."),
    seed: int = typer.Option(None, "--seed", help="Shorthand for --set seed=S."),
    device: str = typer.Option(None, "--device", help="auto, cpu or cuda (shorthand for --set device=…)."),
    name: str = typer.Option(None, "--name", help="Run folder name under --runs (default iterate-<timestamp>)."),
    runs: Path = typer.Option(Path("runs"), "--runs", help="Folder holding run folders."),
) -> None:
    """Iterated adversarial training: rounds of attack (an adversary against the current victim) and defence (the
    victim fine-tuned on the games it lost), a fresh adversary against the final victim, and the cross table."""
    from advgo.iterate.config import IterateConfig
    from advgo.iterate.loop import IteratedTraining

    overrides = _overrides(sets, seed, device)
    run, run_dir = _prepare("iterate", IterateConfig, lambda cfg, run_dir, resumed: IteratedTraining(
        cfg, run_dir, resume=resumed, max_minutes=max_minutes), config, overrides, resume, name, runs)
    console.print(f"run folder: {run_dir}  (tensorboard --logdir {run_dir})")
    outcome = run.run()
    if outcome == "done":
        table = run_dir / "table" / "table.md"
        console.print(f"done: every phase finished; the cross table is in {table}" if table.exists() else
                      "done: every phase finished")
    else:
        console.print(f"stopped ({'time budget spent' if outcome == 'budget' else outcome}); "
                      f"advgo train iterate --resume {run_dir} continues")
