"""What every training run shares: the net, learner and replay buffer, checkpoints, resume, Ctrl-C, the loop.

A ``Trainer`` alternates a play phase (games that fill the replay buffer; the subclass's ``_play_phase``)
and a training phase (``steps_per_iteration`` learner steps), writes a checkpoint every ``checkpoint_every``
steps (net, optimizer, config, step, RNG states, counters and the subclass's ``_extra_state``) with the
replay buffer beside it, and evaluates every ``eval_every`` steps (``_evaluate``). Every
``milestone_every`` steps the checkpoint is also copied to ``milestones/`` and never pruned, and so is the checkpoint
each session stops at (a resumed run would otherwise prune the net an earlier report used).

``max_minutes`` is a budget for the whole run (:mod:`advgo.training.budget`): set-up, play, training and the
closing evaluation. Phases stop where the budget ends (each cut is logged once); the loop ends early enough to
leave the closing evaluation its estimated time (``_closing_reserve``). The progress bar counts against the
budget, and its description says what the run is doing inside long phases.

Resume restores the newest checkpoint, the optimizer, the RNG states and the replay buffer exactly; games
in flight when the checkpoint was taken are not stored and start afresh. A newest checkpoint that cannot be read
(truncated, corrupt) is skipped with a warning for the newest one that can (the replay buffer is then the one
saved beside the unreadable checkpoint); only when none can is it an error. Ctrl-C finishes the current step,
saves a checkpoint and exits.
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..config import to_dict, write_resolved
from ..features import FEATURES
from ..nets import PolicyValueNet
from ..nets.checkpoint import (
    Checkpoint,
    CheckpointUnreadable,
    checkpoint_path,
    list_checkpoints,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from ..nets.threads import set_torch_threads
from ..rules import Rules
from ..runlog import RunLogger, progress
from .actors import ActorPool, Games
from .budget import Budget, clock_text
from .learner import Anchor, Learner
from .replay import ReplayBuffer

log = logging.getLogger(__name__)
REPLAY_FILE = "replay.npz"
CHECKPOINTS = "checkpoints"  # the newest few, pruned
MILESTONES = "milestones"  # every milestone_every steps, never pruned (rungs of a victim ladder)


@dataclass
class Counters:
    """Totals carried in checkpoints (compute used is part of a victim's and an adversary's record)."""

    games: int = 0
    samples: int = 0
    moves: int = 0
    evaluations: int = 0  # positions the trained net evaluated in play
    wall_seconds: float = 0.0
    victim_evaluations: int = 0  # adversaries: positions the victims' nets evaluated inside A-MCTS (R: its searches')


class TimedEvaluator:
    """Wraps an evaluator to measure the wall time spent in it (the net's share of self-play); its other
    attributes are the inner evaluator's."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (unpickling): no delegation
            raise AttributeError(name)
        return getattr(self.inner, name)  # the rest is the inner evaluator's (a KataGo net's encoder)

    def evaluate(self, leaves, count, komi, priors_out, values_out):
        start = time.perf_counter()
        self.inner.evaluate(leaves, count, komi, priors_out, values_out)
        self.seconds += time.perf_counter() - start


def resolve_device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but CUDA is not available (use --device auto or cpu)")
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(choice)


def cpu_model() -> str:
    """The CPU's model name (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware(device: torch.device) -> str:
    """Where a run computes, for the compute records of checkpoints and the zoo."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{cpu_model()} ({os.cpu_count()} cores), torch on {torch.get_num_threads()} thread(s)"


class Trainer:
    """The shared loop; ``cfg`` has seed, device, threads, game, net, learner, replay and schedule sections."""

    description = "training"
    milestone_checkpoints = True  # milestones keep a copy of the checkpoint (a net family may keep its own file)
    final_eval = False  # evaluate once more when the time budget stops the run between evaluations

    def __init__(self, cfg, run_dir: Path, resume: bool = False, max_minutes: float | None = None):
        self.budget = Budget(max_minutes)  # the run's clock starts now: set-up counts
        self._time_is_up = False
        self.bar = None  # the run's ProgressBar while run() runs
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.max_minutes = max_minutes
        self.device = resolve_device(cfg.device)
        set_torch_threads(cfg.threads)  # 0: torch's default
        self.rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
        self.rng = np.random.default_rng(cfg.seed)
        torch.manual_seed(cfg.seed)
        n = cfg.game.board_size
        self.net_config = cfg.net_config()
        self.net = self._build_net().to(self.device)
        self.learner = Learner(self.net, cfg.learner, self.device)
        planes, num_globals = self._sample_shape()
        self.buffer = ReplayBuffer(cfg.replay.capacity, planes, num_globals, n * n + 1, seed=cfg.seed)
        self.counters = Counters()
        self.step = 0
        if resume:
            self._restore()
        self._stop = False
        self.pool = None  # the ActorPool when scale.workers >= 2 (started by run())
        self._phase_start: float | None = None  # when the previous play phase began (actor-mode throughput)

    # ------------------------------------------------------------------ hooks
    def _build_net(self) -> torch.nn.Module:
        """The net the run trains, as the learner sees it: ``forward(planes, globals) -> (logits, value, ...)``."""
        return PolicyValueNet(self.net_config)

    def _sample_shape(self) -> tuple[tuple[int, int, int], int]:
        """``((C, N, N), G)``: the planes and globals of a replay row (the net's input features)."""
        n = self.cfg.game.board_size
        return (FEATURES.planes, n, n), FEATURES.globals

    def _write_checkpoint(self, path: Path, rng_state: dict, extra: dict) -> None:
        save_checkpoint(path, net=self.net, net_config=self.net_config, optimizer=self.learner,
                        config=to_dict(self.cfg), step=self.step, rng_state=rng_state, extra=extra)

    def _read_checkpoint(self, path: Path):
        """A checkpoint of this run (``net``, ``optimizer_state``, ``step``, ``rng_state``, ``extra``, ``path``);
        ``CheckpointUnreadable`` for a damaged file."""
        return load_checkpoint(path, device=self.device, expect_board_size=self.cfg.game.board_size)

    def _play_phase(self, logger: RunLogger) -> None:
        raise NotImplementedError

    def _evaluate(self, logger: RunLogger) -> None:
        raise NotImplementedError

    def _actor_games(self) -> Games:
        """What the actors play with ``scale.workers >= 2`` (handed to them instead of a role)."""
        raise NotImplementedError

    def _played_net(self):
        """The module whose weights the actors load (published after every training phase): the trained net."""
        return self.net

    def _anchor(self) -> Anchor | None:
        """Rows to hold the net near a reference policy in the next learner step (:class:`Anchor`); None: none."""
        return None

    def _closing_reserve(self) -> float:
        """Seconds to keep for the closing evaluation when the budget nears its end (0: none is run)."""
        return 0.0

    def _after_training(self) -> None:
        """The net's weights changed: refresh whatever plays with a frozen copy of them."""

    def _extra_state(self) -> dict:
        """More plain values for the checkpoint's ``extra`` (e.g. the curriculum)."""
        return {}

    def _restore_extra(self, ckpt: Checkpoint) -> None:
        """Restore what ``_extra_state`` saved."""

    # ------------------------------------------------------------------ checkpoints
    def _newest_good_checkpoint(self) -> Checkpoint:
        """The newest checkpoint that can be read; unreadable newer ones are skipped with a warning."""
        paths = list_checkpoints(self.run_dir / CHECKPOINTS)
        if not paths:
            raise FileNotFoundError(f"nothing to resume: no checkpoint in {self.run_dir}")
        bad: list[CheckpointUnreadable] = []
        for path in reversed(paths):
            try:
                ckpt = self._read_checkpoint(path)
            except CheckpointUnreadable as err:
                bad.append(err)
                continue
            if bad:
                log.warning("%s; resuming from the newest checkpoint that reads, %s (step %d): the steps after it "
                            "are trained again", "; ".join(str(e) for e in bad), path.name, ckpt.step)
            return ckpt
        raise CheckpointUnreadable(f"{bad[0]}; no older checkpoint in {self.run_dir / CHECKPOINTS} reads either")

    def _restore(self) -> None:
        ckpt = self._newest_good_checkpoint()
        path = ckpt.path
        self.net.load_state_dict(ckpt.net.state_dict())
        self.learner.load_state_dict(ckpt.optimizer_state)
        self.step = ckpt.step
        self.rng.bit_generator.state = ckpt.rng_state["numpy"]
        torch.set_rng_state(ckpt.rng_state["torch"])
        self.counters = Counters(**ckpt.extra["counters"])
        self._restore_extra(ckpt)
        replay = self.run_dir / REPLAY_FILE
        if replay.exists():
            self.buffer.load(replay)
        log.info("resumed %s at step %d (%d games so far)", path, self.step, self.counters.games)

    def _compute_record(self) -> dict:
        """``{"counters": {games, samples, evaluations, wall_seconds, …}, "hardware": …}``: what the run has cost so
        far, as checkpoints (and the zoo's training records) keep it."""
        counters = {k: (float(v) if isinstance(v, float) else int(v)) for k, v in vars(self.counters).items()}
        return {"counters": counters, "hardware": hardware(self.device)}

    def save(self) -> Path:
        """Checkpoint (and replay buffer) now; a milestone step is also copied to ``milestones/``."""
        cfg = self.cfg.schedule
        path = checkpoint_path(self.run_dir / CHECKPOINTS, self.step)
        extra = {**self._compute_record(), **self._extra_state()}
        rng_state = {"numpy": self.rng.bit_generator.state, "torch": torch.get_rng_state()}
        self._write_checkpoint(path, rng_state, extra)
        if self.milestone_checkpoints and cfg.milestone_every and self.step % cfg.milestone_every == 0:
            self._keep(path)
        self.buffer.save(self.run_dir / REPLAY_FILE)
        prune_checkpoints(self.run_dir / CHECKPOINTS, cfg.keep_checkpoints)
        return path

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        cfg = self.cfg.schedule
        write_resolved(self.cfg, self.run_dir)
        old_handler = signal.signal(signal.SIGINT, self._interrupt)
        logger = RunLogger(self.run_dir, purge_step=self.step or None)
        try:
            logger.hparams_table(self.cfg)
            self._on_start(logger)
            self._start_actors()
            if self.budget.limited:
                log.info("time budget %s for the whole run, closing evaluation included (set-up took %s)",
                         clock_text(self.budget.limit_s), clock_text(self.budget.elapsed()))
            with progress(cfg.total_steps, self.description, "step", time_limit_s=self.budget.limit_s,
                          started=self.budget.start) as bar:
                self.bar = bar
                bar.resume_at(self.step)
                self._loop(logger)
                if self.step % cfg.checkpoint_every != 0 or self.step == 0:
                    self.save()  # stopped between checkpoints (budget, Ctrl-C) or before any training
                self._keep_last()
                if self.final_eval and self.step % cfg.eval_every != 0 and self.step > 0 and not self._stop:
                    self._show("closing evaluation")
                    self._evaluate(logger)  # stopped by the budget between evaluations: evaluate the final net
                self._warn_if_starved()
                self._show(f"stopped at step {self.step}")
        finally:
            signal.signal(signal.SIGINT, old_handler)
            logger.close()
            if self.pool is not None:
                self.pool.close()
            self._on_stop()

    def _keep_last(self) -> None:
        """Copy the checkpoint this session stops at to ``milestones/``, never pruned: a later ``--resume`` prunes
        ``checkpoints/`` to its newest few, and a report (a match, a table row) may name the net a session ended on
        (a time-capped run's only result)."""
        last = checkpoint_path(self.run_dir / CHECKPOINTS, self.step)
        kept = checkpoint_path(self.run_dir / MILESTONES, self.step).exists()  # a scheduled milestone: copied by save
        if self.milestone_checkpoints and self.step > 0 and last.exists() and not kept:
            self._keep(last)

    def _keep(self, checkpoint: Path) -> None:
        """Copy a checkpoint of this run's step to ``milestones/``."""
        milestone = checkpoint_path(self.run_dir / MILESTONES, self.step)
        milestone.parent.mkdir(exist_ok=True)
        shutil.copyfile(checkpoint, milestone)

    def _warn_if_starved(self) -> None:
        """Say so when the run ends before its replay buffer (which only grows) reached ``replay.min_samples``:
        the learner never ran (the ``--katago`` quickstart on a slow CPU: 458 of 500 after its 10 minutes)."""
        have, need = len(self.buffer), self.cfg.replay.min_samples
        if have < need:
            log.warning("no learner step: the replay buffer holds %d of the %d samples the learner waits for "
                        "(replay.min_samples); a longer --max-minutes or a smaller replay.min_samples lets it train",
                        have, need)

    def _loop(self, logger: RunLogger) -> None:
        """Play and train until the step total, Ctrl-C or the budget (less the closing evaluation's reserve)."""
        cfg = self.cfg.schedule
        log.info("playing the first games (on a fresh clone Numba first compiles its kernels: a minute or two, "
                 "cached afterwards)")
        while self.step < cfg.total_steps and not self._stop:
            if self._time_up("training", f"step {self.step}"):
                break
            started = time.monotonic()
            self._play_phase(logger)
            steps = self._train_phase(logger, self.bar)
            self.counters.wall_seconds += time.monotonic() - started
            if steps == 0:
                continue
            if self.step % cfg.checkpoint_every == 0:
                self.save()
            if self.step % cfg.eval_every == 0:
                self._evaluate(logger)

    def _time_up(self, what: str, done: str) -> bool:
        """Whether training must stop for the budget (keeping the closing evaluation's reserve); the first time it
        must, one log line says what was cut and how far it got."""
        if not self._time_is_up and self.budget.cut(what, done, self._closing_reserve()):
            self._time_is_up = True
        return self._time_is_up

    def _show(self, doing: str) -> None:
        """Say in the progress bar what the run is doing now (a non-terminal gets it in its periodic log line)."""
        if self.bar is not None:
            self.bar.update(description=f"{self.description}: {doing}")

    def _play_seconds(self, start: float) -> float:
        """The seconds a play phase's games stand for (the ``perf/`` rates): the phase itself in the single-process
        loop, where play and training alternate; with actors, which play while the learner trains, the whole
        iteration since the previous phase began (the phase alone would only time chunks already waiting)."""
        now = time.perf_counter()
        since = start if self.pool is None or self._phase_start is None else self._phase_start
        self._phase_start = start
        return now - since

    def _start_actors(self) -> None:
        """With ``scale.workers >= 2``, Ray actors play the games from now on (:mod:`advgo.training.actors`)."""
        if self.cfg.scale.workers < 2:
            return
        # a resumed run's actors get fresh seeds: replaying the first run's games would add nothing
        self.pool = ActorPool(self._actor_games(), self.cfg.seed + 104_729 * self.step)
        self.pool.start(self._played_net())
        log.info("%d actors playing on Ray (weights version %d)", self.cfg.scale.workers, self.pool.version)

    def _on_start(self, logger: RunLogger) -> None:
        """Called once the logger is open, before the first phase."""

    def _on_stop(self) -> None:
        """Called when the run ends, however it ends: release external resources (engine processes)."""

    def _interrupt(self, signum, frame) -> None:
        log.warning("interrupted: finishing the current step and saving a checkpoint")
        self._stop = True

    def _add_games(self, games) -> int:
        """Put the samples of finished games into the replay buffer; returns how many."""
        samples = 0
        for g in games:
            if len(g.value):
                self.buffer.add(g.planes, g.globals, g.policy, g.value, g.ownership, g.margins)
                samples += len(g.value)
        return samples

    def _train_phase(self, logger: RunLogger, bar) -> int:
        cfg = self.cfg
        if len(self.buffer) < cfg.replay.min_samples:
            return 0
        sched = cfg.schedule
        # stop on the next checkpoint or evaluation step, so both happen exactly on their multiples
        steps = min(sched.steps_per_iteration, sched.total_steps - self.step,
                    sched.checkpoint_every - self.step % sched.checkpoint_every,
                    sched.eval_every - self.step % sched.eval_every)
        totals: dict[str, float] = {}
        start = time.perf_counter()
        done = 0
        for _ in range(steps):
            if self._stop or self._time_up("training phase", f"{done} of {steps} learner steps"):
                break
            losses = self.learner.step(self.buffer.sample(cfg.learner.batch_size, self.rng), self._anchor())
            for key, value in losses.items():
                totals[key] = totals.get(key, 0.0) + value
            self.step += 1
            done += 1
            bar.advance()
        self.net.eval()
        self._after_training()
        if self.pool is not None and done:
            self.pool.publish(self._played_net())
        if done:
            logger.scalars({f"losses/{k}": v / done for k, v in totals.items()}, self.step)
            logger.scalar("perf/steps_per_s", done / (time.perf_counter() - start), self.step)
        return done
