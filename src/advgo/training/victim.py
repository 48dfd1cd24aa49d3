"""``advgo train victim``: AlphaZero-style self-play training of a victim net.

One iteration: self-play until ``games_per_iteration`` games finish (samples go to the replay buffer),
then ``steps_per_iteration`` learner steps; checkpoints, milestones, resume and Ctrl-C are the shared
:class:`advgo.training.trainer.Trainer`'s. Every ``eval_every`` steps the net plays the previous
evaluation's net and uniform random.

TensorBoard tags (JSONL mirror in ``scalars.jsonl``):

| tag | meaning |
|---|---|
| ``losses/policy``, ``losses/value``, ``losses/total``, ``losses/policy_entropy`` | learner, mean over the phase |
| ``selfplay/games``, ``selfplay/game_length``, ``selfplay/black_win_rate``, ``selfplay/capped_rate`` | finished games |
| ``selfplay/samples``, ``selfplay/buffer_size`` | samples written, buffer fill |
| ``eval/vs_previous/win_rate`` (+ ``_low``, ``_high``) | new net vs the previous evaluation's net, 95% Wilson interval |
| ``eval/vs_random/win_rate`` (+ ``_low``, ``_high``) | new net vs uniform random |
| ``perf/moves_per_s``, ``perf/evals_per_s``, ``perf/games_per_s``, ``perf/steps_per_s`` | throughput |
| ``perf/net_share`` | share of self-play time in the net (single process) |
| ``actors/restarts``, ``actors/weights_version`` | with ``scale.workers >= 2``: actors restarted so far, newest weights |
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..agents import PolicyAgent, RandomAgent
from ..eval.arena import play_match
from ..nets import TorchEvaluator
from ..runlog import RunLogger
from .actors import net_evaluator
from .selfplay import SelfPlay
from .trainer import TimedEvaluator, Trainer
from .victim_config import VictimRunConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SelfPlayGames:
    """What a victim run's actors play (:class:`advgo.training.actors.Games`): self-play by the run's config."""

    cfg: VictimRunConfig

    servable = True

    @property
    def batch(self) -> int:
        return self.cfg.selfplay.games

    def evaluator(self, rules, seed: int, device: str):
        return net_evaluator(self.cfg, rules, seed, device, self.batch)

    def start(self, evaluator, rules, rng, server) -> SelfPlay:
        cfg = self.cfg
        return SelfPlay(evaluator, cfg.game.board_size, rules, cfg.search, cfg.selfplay, rng, self.samples(evaluator))

    def samples(self, evaluator):
        """How self-play stores a searched position for the learner (None: advgo's features)."""
        return None

    def set_stage(self, play: SelfPlay, stage: int) -> None:
        """Self-play has one stage."""


class VictimTrainer(Trainer):
    description = "training victim"
    eval_symmetry = "none"  # how the evaluation games' nets orient the board (variety comes from eval_temperature)

    def __init__(self, cfg: VictimRunConfig, run_dir: Path, resume: bool = False,
                 max_minutes: float | None = None):
        super().__init__(cfg, run_dir, resume, max_minutes)
        self.previous = copy.deepcopy(self.net).eval()  # opponent of the next vs_previous evaluation
        self.net.eval()
        self.torch_evaluator = self._make_evaluator(self.net, "random", cfg.seed, cfg.selfplay.games)
        self.evaluator = TimedEvaluator(self.torch_evaluator)
        self.selfplay = self._actor_games().start(self.evaluator, self.rules, self.rng, None)

    def _make_evaluator(self, net, symmetry: str, seed: int, max_batch: int = 256):
        """An evaluator playing a frozen copy of ``net`` (``load_weights`` refreshes it)."""
        return TorchEvaluator(net, device=self.device, symmetry=symmetry, seed=seed, rules=self.rules,
                              max_batch=max_batch)

    def _after_training(self) -> None:
        self.torch_evaluator.load_weights(self.net)  # the evaluator runs a frozen copy

    def _actor_games(self) -> SelfPlayGames:
        return SelfPlayGames(self.cfg)

    def _play_phase(self, logger: RunLogger) -> None:
        goal = self.cfg.schedule.games_per_iteration
        start = time.perf_counter()
        if self.pool is None:
            games, moves, evals, net_seconds = self._play_here(goal)
        else:
            games, moves, evals, net_seconds = self._play_on_actors(goal)
        wall = self._play_seconds(start)
        samples = self._add_games(games)
        self.counters.games += len(games)
        self.counters.samples += samples
        self.counters.moves += moves
        self.counters.evaluations += evals
        if not games:
            return
        scalars = {
            "selfplay/games": self.counters.games,
            "selfplay/game_length": float(np.mean([g.length for g in games])),
            "selfplay/black_win_rate": float(np.mean([g.score > 0 for g in games])),
            "selfplay/capped_rate": float(np.mean([g.end_reason == "move_cap" for g in games])),
            "selfplay/samples": self.counters.samples,
            "selfplay/buffer_size": len(self.buffer),
            "perf/moves_per_s": moves / wall,
            "perf/evals_per_s": evals / wall,
            "perf/games_per_s": len(games) / wall,
        }
        if net_seconds is not None:
            scalars["perf/net_share"] = net_seconds / wall
        else:
            scalars["actors/restarts"] = self.pool.restarts
            scalars["actors/weights_version"] = self.pool.version
        logger.scalars(scalars, self.step)
        self._games_played(games, logger)

    def _games_played(self, games: list, logger: RunLogger) -> None:
        """The play phase's finished games, wherever they were played (a subclass logs more of them)."""

    def _play_here(self, goal: int) -> tuple[list, int, int, float]:
        games = []
        moves0, evals0 = self.selfplay.moves_played, self.selfplay.evaluations
        self.evaluator.seconds = 0.0
        while len(games) < goal and not self._stop:
            if self._time_up("play phase", f"{len(games)} of {goal} games"):
                break
            games += self.selfplay.step()
            self._show(f"self-play {len(games)}/{goal} games")
        return (games, self.selfplay.moves_played - moves0, self.selfplay.evaluations - evals0,
                self.evaluator.seconds)

    def _play_on_actors(self, goal: int) -> tuple[list, int, int, None]:
        games, moves, evals = [], 0, 0
        while len(games) < goal and not self._stop:
            if self._time_up("play phase", f"{len(games)} of {goal} games"):
                break
            for chunk in self.pool.collect():
                games += chunk.games
                moves += chunk.moves
                evals += chunk.evaluations
        return games, moves, evals, None

    def _evaluate(self, logger: RunLogger) -> None:
        if self.budget.cut("evaluation", f"step {self.step}, before its first game"):
            return
        self._show(f"evaluating step {self.step}")
        cfg = self.cfg.schedule
        n = self.cfg.game.board_size
        temp = cfg.eval_temperature
        me = PolicyAgent(self._make_evaluator(self.net, self.eval_symmetry, self.step), temperature=temp, seed=self.step,
                         name="current")
        opponents = {
            "vs_previous": PolicyAgent(self._make_evaluator(self.previous, self.eval_symmetry, self.step + 1),
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
