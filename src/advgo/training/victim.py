"""``advgo train victim``: AlphaZero-style self-play training of a victim net.

One iteration: self-play until ``games_per_iteration`` games finish (samples go to the replay buffer),
then ``steps_per_iteration`` learner steps. Every ``checkpoint_every`` steps a checkpoint (net,
optimizer, config, step, RNG states, counters) is written atomically with the replay buffer beside
it; every ``eval_every`` steps the net plays the previous evaluation's net and uniform random.

Resume (``--resume RUN``) restores the newest checkpoint, the optimizer, the RNG states and the replay
buffer exactly; self-play games that were in flight when the checkpoint was taken are not stored and
start afresh. Ctrl-C finishes the current step, saves a checkpoint and exits.

TensorBoard tags (JSONL mirror in ``scalars.jsonl``):

| tag | meaning |
|---|---|
| ``losses/policy``, ``losses/value``, ``losses/total``, ``losses/policy_entropy`` | learner, mean over the phase |
| ``selfplay/games``, ``selfplay/game_length``, ``selfplay/black_win_rate``, ``selfplay/capped_rate`` | finished games |
| ``selfplay/samples``, ``selfplay/buffer_size`` | samples written, buffer fill |
| ``eval/vs_previous/win_rate`` (+ ``_low``, ``_high``) | new net vs the previous evaluation's net, 95% Wilson interval |
| ``eval/vs_random/win_rate`` (+ ``_low``, ``_high``) | new net vs uniform random |
| ``perf/moves_per_s``, ``perf/evals_per_s``, ``perf/steps_per_s``, ``perf/net_share`` | throughput, share of self-play time in the net |
"""

from __future__ import annotations

import copy
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

from ..agents import PolicyAgent, RandomAgent
from ..config import to_dict, write_resolved
from ..eval import play_match
from ..features import FEATURES
from ..nets import NetConfig, PolicyValueNet, TorchEvaluator
from ..nets.checkpoint import checkpoint_path, latest_checkpoint, load_checkpoint, prune_checkpoints, save_checkpoint
from ..rules import Rules
from ..runlog import RunLogger, progress
from .learner import Learner
from .replay import ReplayBuffer
from .selfplay import SelfPlay
from .victim_config import VictimRunConfig

log = logging.getLogger(__name__)
REPLAY_FILE = "replay.npz"
CHECKPOINTS = "checkpoints"  # the newest few, pruned
MILESTONES = "milestones"  # every milestone_every steps, never pruned (rungs of a victim ladder)


@dataclass
class Counters:
    """Totals carried in checkpoints (compute used is part of a victim's record)."""

    games: int = 0
    samples: int = 0
    moves: int = 0
    evaluations: int = 0
    wall_seconds: float = 0.0


class TimedEvaluator:
    """Wraps an evaluator to measure the wall time spent in it (the net's share of self-play)."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

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


class VictimTrainer:
    def __init__(self, cfg: VictimRunConfig, run_dir: Path, resume: bool = False,
                 max_minutes: float | None = None):
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.max_minutes = max_minutes
        self.device = resolve_device(cfg.device)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
        self.rng = np.random.default_rng(cfg.seed)
        torch.manual_seed(cfg.seed)
        n = cfg.game.board_size
        self.net_config = NetConfig(board_size=n, blocks=cfg.net.blocks, channels=cfg.net.channels,
                                    global_pool=cfg.net.global_pool, score_head=cfg.net.score_head)
        self.net = PolicyValueNet(self.net_config).to(self.device)
        self.learner = Learner(self.net, cfg.learner, self.device)
        self.buffer = ReplayBuffer(cfg.replay.capacity, (FEATURES.planes, n, n), FEATURES.globals, n * n + 1,
                                   seed=cfg.seed)
        self.counters = Counters()
        self.step = 0
        if resume:
            self._restore()
        self.previous = copy.deepcopy(self.net).eval()  # opponent of the next vs_previous evaluation
        self.net.eval()
        self.torch_evaluator = TorchEvaluator(self.net, device=self.device, symmetry="random", seed=cfg.seed,
                                              rules=self.rules, max_batch=cfg.selfplay.games)
        self.evaluator = TimedEvaluator(self.torch_evaluator)
        self.selfplay = SelfPlay(self.evaluator, n, self.rules, cfg.search, cfg.selfplay, self.rng)
        self._stop = False

    # ------------------------------------------------------------------ checkpoints
    def _restore(self) -> None:
        path = latest_checkpoint(self.run_dir / CHECKPOINTS)
        if path is None:
            raise FileNotFoundError(f"nothing to resume: no checkpoint in {self.run_dir}")
        ckpt = load_checkpoint(path, device=self.device, expect_board_size=self.cfg.game.board_size)
        self.net.load_state_dict(ckpt.net.state_dict())
        self.learner.load_state_dict(ckpt.optimizer_state)
        self.step = ckpt.step
        self.rng.bit_generator.state = ckpt.rng_state["numpy"]
        torch.set_rng_state(ckpt.rng_state["torch"])
        self.counters = Counters(**ckpt.extra["counters"])
        replay = self.run_dir / REPLAY_FILE
        if replay.exists():
            self.buffer.load(replay)
        log.info("resumed %s at step %d (%d games so far)", path, self.step, self.counters.games)

    def save(self) -> Path:
        """Checkpoint (and replay buffer) now; a milestone step is also copied to ``milestones/``."""
        cfg = self.cfg.schedule
        path = checkpoint_path(self.run_dir / CHECKPOINTS, self.step)
        counters = {k: (float(v) if isinstance(v, float) else int(v)) for k, v in vars(self.counters).items()}
        extra = {"counters": counters, "hardware": hardware(self.device)}
        rng_state = {"numpy": self.rng.bit_generator.state, "torch": torch.get_rng_state()}
        save_checkpoint(path, net=self.net, net_config=self.net_config, optimizer=self.learner,
                        config=to_dict(self.cfg), step=self.step, rng_state=rng_state, extra=extra)
        if cfg.milestone_every and self.step % cfg.milestone_every == 0:
            milestone = checkpoint_path(self.run_dir / MILESTONES, self.step)
            milestone.parent.mkdir(exist_ok=True)
            shutil.copyfile(path, milestone)
        self.buffer.save(self.run_dir / REPLAY_FILE)
        prune_checkpoints(self.run_dir / CHECKPOINTS, cfg.keep_checkpoints)
        return path

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        cfg = self.cfg.schedule
        write_resolved(self.cfg, self.run_dir)
        deadline = None if self.max_minutes is None else time.monotonic() + 60 * self.max_minutes
        old_handler = signal.signal(signal.SIGINT, self._interrupt)
        logger = RunLogger(self.run_dir, purge_step=self.step or None)
        try:
            logger.hparams_table(self.cfg)
            with progress(cfg.total_steps, "training victim", "step") as bar:
                bar.update(completed=self.step)
                while self.step < cfg.total_steps and not self._stop:
                    if deadline is not None and time.monotonic() > deadline:
                        log.info("time budget of %.1f minutes reached", self.max_minutes)
                        break
                    started = time.monotonic()
                    self._selfplay_phase(logger)
                    steps = self._train_phase(logger, bar)
                    self.counters.wall_seconds += time.monotonic() - started
                    if steps == 0:
                        continue
                    if self.step % cfg.checkpoint_every == 0:
                        self.save()
                    if self.step % cfg.eval_every == 0:
                        self._evaluate(logger)
            if self.step % cfg.checkpoint_every != 0 or self.step == 0:
                self.save()  # stopped between checkpoints (budget, Ctrl-C) or before any training
        finally:
            signal.signal(signal.SIGINT, old_handler)
            logger.close()

    def _interrupt(self, signum, frame) -> None:
        log.warning("interrupted: finishing the current step and saving a checkpoint")
        self._stop = True

    def _selfplay_phase(self, logger: RunLogger) -> None:
        goal = self.cfg.schedule.games_per_iteration
        games = []
        start = time.perf_counter()
        moves0, evals0 = self.selfplay.moves_played, self.selfplay.evaluations
        self.evaluator.seconds = 0.0
        while len(games) < goal and not self._stop:
            games += self.selfplay.step()
        wall = time.perf_counter() - start
        for g in games:
            if len(g.value):
                self.buffer.add(g.planes, g.globals, g.policy, g.value)
        moves = self.selfplay.moves_played - moves0
        evals = self.selfplay.evaluations - evals0
        samples = sum(len(g.value) for g in games)
        self.counters.games += len(games)
        self.counters.samples += samples
        self.counters.moves += moves
        self.counters.evaluations += evals
        if not games:
            return
        logger.scalars({
            "selfplay/games": self.counters.games,
            "selfplay/game_length": float(np.mean([g.length for g in games])),
            "selfplay/black_win_rate": float(np.mean([g.score > 0 for g in games])),
            "selfplay/capped_rate": float(np.mean([g.end_reason == "move_cap" for g in games])),
            "selfplay/samples": self.counters.samples,
            "selfplay/buffer_size": len(self.buffer),
            "perf/moves_per_s": moves / wall,
            "perf/evals_per_s": evals / wall,
            "perf/net_share": self.evaluator.seconds / wall,
        }, self.step)

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
            if self._stop:
                break
            losses = self.learner.step(self.buffer.sample(cfg.learner.batch_size, self.rng))
            for key, value in losses.items():
                totals[key] = totals.get(key, 0.0) + value
            self.step += 1
            done += 1
            bar.advance()
        self.net.eval()
        self.torch_evaluator.load_weights(self.net)  # the evaluator runs a frozen copy
        if done:
            logger.scalars({f"losses/{k}": v / done for k, v in totals.items()}, self.step)
            logger.scalar("perf/steps_per_s", done / (time.perf_counter() - start), self.step)
        return done

    def _evaluate(self, logger: RunLogger) -> None:
        cfg = self.cfg.schedule
        n = self.cfg.game.board_size
        temp = cfg.eval_temperature
        me = PolicyAgent(TorchEvaluator(self.net, device=self.device, symmetry="none", seed=self.step,
                                        rules=self.rules), temperature=temp, seed=self.step, name="current")
        opponents = {
            "vs_previous": PolicyAgent(TorchEvaluator(self.previous, device=self.device, symmetry="none",
                                                      seed=self.step, rules=self.rules),
                                       temperature=temp, seed=self.step + 1, name="previous"),
            "vs_random": RandomAgent(seed=self.step, name="random"),
        }
        for tag, opponent in opponents.items():
            result = play_match(me, opponent, n, cfg.eval_games, self.rules)
            low, high = result.interval
            logger.scalars({f"eval/{tag}/win_rate": result.win_rate, f"eval/{tag}/win_rate_low": low,
                            f"eval/{tag}/win_rate_high": high}, self.step)
            log.info("step %d %s: %.1f%% [%.1f, %.1f] over %d games", self.step, tag, 100 * result.win_rate,
                     100 * low, 100 * high, result.games)
        self.previous = copy.deepcopy(self.net).eval()
