"""``advgo train adversary``: victim-play training of an adversary up a curriculum of frozen victims.

One iteration: victim-play against the current curriculum entry until ``games_per_iteration`` games
finish (only the adversary's moves become samples), each game recorded by the curriculum (which may move
the run to the next victim: every game in flight is then restarted against the new one) and written as
SGF; then ``steps_per_iteration`` learner steps. Checkpoints carry the curriculum state, so ``--resume``
continues at the same stage with the same window of recent results. Every ``eval_every`` steps the
adversary plays ``evaluation.games`` games against every curriculum entry (no noise; the victim hardened
when ``evaluation.hardened``), and once more at the end when the time budget stops the run between two
evaluations (:mod:`.adversary_eval`). Under a time budget the run stops training early enough for that
closing evaluation (its measured or estimated length), and cuts it, with a log line, if it would still overrun.
Logs and the progress bar number the curriculum's stages from 1 (``stage 2 of 5``); the TensorBoard scalar
``curriculum/stage`` is the entry's index (0 = first).

TensorBoard tags (JSONL mirror in ``scalars.jsonl``):

| tag | meaning |
|---|---|
| ``curriculum/stage`` | index of the current entry (0 = first) |
| ``victim/<name>@<visits>/win_rate`` | rolling win rate over the curriculum window against that entry (after each
  play phase, and the final one when the run moves on) |
| ``victim/<name>@<visits>/games`` | games played against it at this stage |
| ``game/length``, ``game/adversary_pass_rate``, ``game/score_margin``, ``game/capped_rate`` | finished games of the phase (margin from the adversary's side) |
| ``game/victim_pass_overrides`` | hardening: victim passes replaced by a move, per game |
| ``losses/*`` | learner, mean over the phase |
| ``eval/<name>@<visits>/win_rate`` (+ ``_low``, ``_high``), ``…/capped_rate`` | periodic evaluation, 95% Wilson interval; games
  stopped at the move cap (non-wins for both sides, :mod:`advgo.eval.counting`) |
| ``perf/games_per_s``, ``perf/evals_per_s``, ``perf/victim_evals_per_s``, ``perf/steps_per_s``, ``perf/net_share`` | throughput (``net_share``: single process only) |
| ``actors/restarts``, ``actors/weights_version``, ``actors/stale_games`` | with ``scale.workers >= 2``: actors restarted, newest weights, games finished against an earlier stage |

Text entries: ``curriculum/victim`` each time the victim changes, ``hparams/config`` once, ``eval/counting`` (the
counting rule and the move cap every win rate above follows) at the start.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from pathlib import Path

import numpy as np

from .. import zoo
from ..curriculum import Curriculum
from ..eval.counting import RULE, move_cap
from ..game import GameState
from ..nets import TorchEvaluator, load_checkpoint
from ..nets.checkpoint import Checkpoint
from ..runlog import RunLogger
from ..sgf import save_sgf
from ..victims import Victim
from .actors import net_evaluator
from .adversary_config import AdversaryRunConfig
from .adversary_eval import (
    PlaySpeed,
    curriculum_victims,
    evaluate_adversary,
    evaluation_visits,
    passing_note,
    tally_games,
)
from .budget import clock_text
from .inference_server import serve_victims
from .trainer import TimedEvaluator, Trainer
from .victimplay import VictimGame, VictimPlay

log = logging.getLogger(__name__)
SGF_DIR = "sgf"


class VictimPlayGames:
    """What an adversary run's actors play (:class:`advgo.training.actors.Games`): victim-play up the run's
    curriculum, each actor with its own victims (their nets on its machine's inference server when it has one)."""

    def __init__(self, cfg: AdversaryRunConfig):
        self.cfg = cfg
        self.victims: dict[str, Victim] = {}  # loaded by start(), in the actor's process

    servable = True

    @property
    def batch(self) -> int:
        return self.cfg.victimplay.games

    def evaluator(self, rules, seed: int, device: str):
        return net_evaluator(self.cfg, rules, seed, device, self.batch)

    def start(self, evaluator, rules, rng, server) -> VictimPlay:
        cfg = self.cfg
        n = cfg.game.board_size
        self.victims = curriculum_victims(cfg, "cpu")
        if server is not None:
            serve_victims(self.victims, server, n)
        first = cfg.curriculum.entries[0]
        return VictimPlay(evaluator, self.victims[first.label], n, rules, cfg.search, cfg.victimplay, rng,
                          victim_temperature=first.victim_temperature(cfg.victimplay.victim_temperature))

    def set_stage(self, play: VictimPlay, stage: int) -> None:
        entry = self.cfg.curriculum.entries[stage]
        play.set_victim(self.victims[entry.label], entry.victim_temperature(self.cfg.victimplay.victim_temperature))


class AdversaryTrainer(Trainer):
    description = "training adversary"
    final_eval = True

    def __init__(self, cfg: AdversaryRunConfig, run_dir: Path, resume: bool = False,
                 max_minutes: float | None = None, init: str | None = None):
        if init:
            cfg = dataclasses.replace(cfg, init=str(init))
        self.curriculum = Curriculum(cfg.curriculum)
        super().__init__(cfg, run_dir, resume, max_minutes)
        log.info("loading %d victim(s): %s", len(cfg.curriculum.entries),
                 ", ".join(e.label for e in cfg.curriculum.entries))
        self.victims = curriculum_victims(cfg, self.device)
        if cfg.init and not resume:
            self._warm_start(cfg.init)
        self.net.eval()
        self.torch_evaluator = TorchEvaluator(self.net, device=self.device, symmetry="random", seed=cfg.seed,
                                              rules=self.rules, max_batch=cfg.victimplay.games)
        self.evaluator = TimedEvaluator(self.torch_evaluator)
        # with actors (scale.workers >= 2) the games are played there, each actor with its own victim engines
        self.play = None if cfg.scale.workers >= 2 else VictimPlay(
            self.evaluator, self.current_victim, cfg.game.board_size, self.rules, cfg.search, cfg.victimplay, self.rng,
            victim_temperature=self.current_temperature)
        if self.play is not None:  # a resumed run's colour balance starts from the games its checkpoint remembers
            for won, color in zip(self.curriculum.recent, self.curriculum.colors):
                if color:
                    self.play.balance.record(color, bool(won))
        self.games_written = self._last_sgf_number()
        self.speed = PlaySpeed()  # victim-play's cost so far: the closing evaluation's estimate
        self._eval_seconds: float | None = None  # the last complete evaluation's wall time

    @property
    def current_victim(self) -> Victim:
        return self.victims[self.curriculum.entry.label]

    @property
    def current_temperature(self) -> float:
        """The current entry's victim temperature (its own, else ``victimplay.victim_temperature``)."""
        return self.curriculum.entry.victim_temperature(self.cfg.victimplay.victim_temperature)

    # ------------------------------------------------------------------ checkpoints
    def _warm_start(self, path: str) -> None:
        if not Path(path).is_file() and not path.endswith(".pt"):
            try:
                entry = zoo.get(path)  # a zoo victim's name
            except KeyError as err:
                raise ValueError(f"--init {path!r}: not a checkpoint file, and {err.args[0]}") from None
            if entry.kind != "advgo":
                raise ValueError(f"--init {path!r} is a KataGo net: an adversary is one of advgo's nets (init: a "
                                 f"zoo victim of ours such as cp1, a checkpoint, or null for a fresh net)")
            path = str(entry.path)
        ckpt = load_checkpoint(path, device=self.device, expect_board_size=self.cfg.game.board_size)
        if ckpt.net_config != self.net_config:
            raise ValueError(f"--init {path}: its net is {ckpt.net_config}, but this run's net is {self.net_config} "
                             f"(set net.blocks / net.channels / net.global_pool / net.score_head / net.ownership_head to match)")
        self.net.load_state_dict(ckpt.net.state_dict())
        log.info("adversary warm-started from %s (step %d)", path, ckpt.step)

    def _extra_state(self) -> dict:
        return {"curriculum": self.curriculum.state_dict(), "role": "adversary",
                "amcts": self.cfg.victimplay.amcts}

    def _restore_extra(self, ckpt: Checkpoint) -> None:
        state = (ckpt.extra or {}).get("curriculum")
        if state is None:
            raise ValueError("the checkpoint to resume holds no curriculum state: is it an adversary run?")
        self.curriculum.load_state_dict(state)

    def _after_training(self) -> None:
        self.torch_evaluator.load_weights(self.net)

    def _actor_games(self) -> VictimPlayGames:
        return VictimPlayGames(self.cfg)

    # ------------------------------------------------------------------ playing
    def _on_start(self, logger: RunLogger) -> None:
        logger.scalar("curriculum/stage", self.curriculum.stage, self.step)
        logger.text("curriculum/victim", self._victim_note("starts against"), self.step)
        logger.text("eval/counting", f"{RULE}; move cap {self._move_cap} moves", self.step)
        log.info("curriculum %s", self._stage_text())

    def _on_stop(self) -> None:
        if self.play is not None:
            self.play.close()

    @property
    def _move_cap(self) -> int:
        return move_cap(self.cfg.game.board_size, self.cfg.victimplay.max_moves)

    def _stage_text(self) -> str:
        """``stage 2 of 5: cp3@1`` (stages count from 1 in every log line and in the progress bar)."""
        return (f"stage {self.curriculum.stage + 1} of {len(self.cfg.curriculum.entries)}: "
                f"{self.curriculum.entry.label}")

    def _victim_note(self, verb: str) -> str:
        entry = self.curriculum.entry
        return (f"step {self.step}: the adversary {verb} **{entry.label}** (stage {self.curriculum.stage + 1} of "
                f"{len(self.cfg.curriculum.entries)}; threshold {entry.threshold:.2f} on the {self.cfg.curriculum.rate}"
                f" rate over {self.cfg.curriculum.window} games, at least {self.cfg.curriculum.min_games})")

    def _play_phase(self, logger: RunLogger) -> None:
        goal = self.cfg.schedule.games_per_iteration
        start = time.perf_counter()
        if self.play is not None:
            games, stats = self._play_here(goal, logger)
        else:
            games, stats = self._play_on_actors(goal, logger)
        wall = self._play_seconds(start)
        samples = self._add_games(games)
        self.counters.games += len(games)
        self.counters.samples += samples
        self.counters.moves += stats["moves"]
        self.counters.evaluations += stats["evaluations"]
        self.counters.victim_evaluations += stats["victim_evaluations"]
        if not games:
            return
        scalars = {
            "game/length": float(np.mean([g.length for g in games])),
            "game/adversary_pass_rate": sum(g.adversary_passes for g in games) / max(
                sum(g.adversary_moves for g in games), 1),
            "game/score_margin": float(np.mean([g.margin for g in games])),
            "game/capped_rate": float(np.mean([g.end_reason == "move_cap" for g in games])),
            "game/adversary_black_share": float(np.mean([g.adversary_color == 1 for g in games])),
            "game/samples": self.counters.samples,
            "game/buffer_size": len(self.buffer),
            "perf/games_per_s": len(games) / wall,
            "perf/evals_per_s": stats["evaluations"] / wall,
            "perf/victim_evals_per_s": stats["victim_evaluations"] / wall,
        }
        if "net_seconds" in stats:  # single process: the adversary's net's share of the phase
            scalars["perf/net_share"] = stats["net_seconds"] / wall
        if "victim_pass_overrides" in stats:
            scalars["game/victim_pass_overrides"] = stats["victim_pass_overrides"] / len(games)
        if self.pool is not None:
            scalars.update({"actors/restarts": self.pool.restarts, "actors/weights_version": self.pool.version,
                            "actors/stale_games": stats["stale"]})
        entry = self.curriculum.entry
        if self.curriculum.games_at_stage:
            scalars[f"victim/{entry.label}/win_rate"] = self.curriculum.win_rate
            scalars[f"victim/{entry.label}/games"] = self.curriculum.games_at_stage
            scalars.update(self._color_rates(f"victim/{entry.label}/"))
        logger.scalars(scalars, self.step)
        self._show(f"{self._stage_text()}, win {self.curriculum.win_rate:.0%} of {len(self.curriculum.recent)}"
                   f"{self._color_text()}, {len(games) / wall:.2f} games/s while playing")

    def _color_rates(self, prefix: str, rates: dict | None = None) -> dict[str, float]:
        """The curriculum's ``color_rates`` (or a finished stage's, ``rates``) as scalars under ``prefix``, for the
        colours the window holds."""
        rates = self.curriculum.color_rates() if rates is None else rates
        return {prefix + key: rates[key] for key in ("win_rate_as_black", "win_rate_as_white")
                if rates.get(key) is not None}

    def _color_text(self) -> str:
        """`` (B 100%, W 48%)``: the window's win rate as each colour (empty before a game of each)."""
        black, white = self.curriculum.win_rate_as(1), self.curriculum.win_rate_as(-1)
        if black is None or white is None:
            return ""
        return f" (B {black:.0%}, W {white:.0%})"

    def _play_here(self, goal: int, logger: RunLogger) -> tuple[list, dict]:
        games: list[VictimGame] = []
        play = self.play
        moves0, evals0, vevals0 = play.moves_played, play.evaluations, play.victim_evaluations
        self.evaluator.seconds = 0.0
        overrides0 = play.victim_pass_overrides
        while len(games) < goal and not self._stop:
            if self._time_up("play phase", f"{len(games)} of {goal} games"):
                break
            t0, counts = time.perf_counter(), (play.moves_played, play.evaluations, play.victim_evaluations)
            done = []
            for game in play.step():
                done.append(game)
                if self._record(game, logger):
                    break  # the victim changed: the games in flight were restarted
            games += done
            self.speed.add(time.perf_counter() - t0, play.evaluations - counts[1], play.victim_evaluations - counts[2],
                           play.moves_played - counts[0], self.curriculum.entry.visits, done, steps=1)
            self._show(f"{self._stage_text()}, playing {len(games)}/{goal} games")
        stats = {"moves": play.moves_played - moves0, "evaluations": play.evaluations - evals0,
                 "victim_evaluations": play.victim_evaluations - vevals0, "net_seconds": self.evaluator.seconds}
        if self.cfg.victimplay.hardening:
            stats["victim_pass_overrides"] = play.victim_pass_overrides - overrides0
        return games, stats

    def _play_on_actors(self, goal: int, logger: RunLogger) -> tuple[list, dict]:
        """Games from the actors, in the order they arrive; each game of the current stage is recorded in the
        curriculum once. Games an actor finished against an earlier stage's victim (in flight when the run moved
        on) are still learned from and written as SGF, but not counted against the new victim."""
        games: list[VictimGame] = []
        stats = {"moves": 0, "evaluations": 0, "victim_evaluations": 0, "stale": 0}
        while len(games) < goal and not self._stop:
            if self._time_up("play phase", f"{len(games)} of {goal} games"):
                break
            for chunk in self.pool.collect():  # an actor's own seconds: what the same play costs one process
                self.speed.add(chunk.seconds, chunk.evaluations, chunk.victim_evaluations, chunk.moves,
                               self.curriculum.entry.visits, chunk.games)
                for key in ("moves", "evaluations", "victim_evaluations"):
                    stats[key] += getattr(chunk, key)
                for game in chunk.games:
                    games.append(game)
                    if chunk.stage != self.curriculum.stage:
                        stats["stale"] += 1
                        self._save_game(game)
                        continue
                    self._record(game, logger)
            self._show(f"{self._stage_text()}, playing {len(games)}/{goal} games")
        return games, stats

    def _record(self, game: VictimGame, logger: RunLogger) -> bool:
        """Log one finished game, write its SGF and count it in the curriculum; True if the victim changed."""
        self._save_game(game)
        entry = self.curriculum.entry
        advanced = self.curriculum.record(game.adversary_won, int(game.adversary_color))
        tag = f"victim/{entry.label}"
        if advanced:
            done = self.curriculum.history[-1]
            logger.scalars({f"{tag}/win_rate": done["win_rate"], f"{tag}/games": done["games"],
                            **self._color_rates(f"{tag}/", done)}, self.step)
            logger.scalar("curriculum/stage", self.curriculum.stage, self.step)
            logger.text("curriculum/victim", self._victim_note("moves on to"), self.step)
            log.info("curriculum: %s beaten (%.0f%% over the last %d games) -> %s", entry.label,
                     100 * done["win_rate"], min(done["games"], self.cfg.curriculum.window), self._stage_text())
            if self.play is not None:
                self.play.set_victim(self.current_victim, self.current_temperature)
            else:
                self.pool.set_stage(self.curriculum.stage)
        return advanced

    def _last_sgf_number(self) -> int:
        """The number of the newest game written so far: the checkpoint's game count, or beyond it when a run killed
        after its checkpoint left SGFs of later games; those are kept, and new games are numbered after them."""
        numbers = [int(m.group(1)) for p in (self.run_dir / SGF_DIR).glob("game-*.sgf")
                   if (m := re.fullmatch(r"game-(\d+)\.sgf", p.name))]
        last = max(numbers, default=0)
        if last > self.counters.games:
            log.info("resume: %s holds games %d to %d of the run that was stopped after its checkpoint; they are kept "
                     "and the new games are numbered from %d", self.run_dir / SGF_DIR, self.counters.games + 1, last,
                     last + 1)
        return max(last, self.counters.games)

    def _save_game(self, game: VictimGame) -> None:
        """Number the finished game and write its SGF (when ``sgf`` is on)."""
        self.games_written += 1
        if self.cfg.sgf:
            self._write_sgf(game, self.games_written)

    def _write_sgf(self, game: VictimGame, number: int) -> None:
        size = self.cfg.game.board_size
        state = GameState.from_moves(size, self.rules, game.moves, max_moves=self._move_cap)
        vp = self.cfg.victimplay
        adversary = f"adversary step {self.step} (A-MCTS-{vp.amcts}, {vp.full_visits} visits)" \
            if vp.amcts != "plain" else f"adversary step {self.step} (plain MCTS, {vp.full_visits} visits)"
        black, white = (adversary, game.victim) if game.adversary_color == 1 else (game.victim, adversary)
        comments = dict(game.comments)
        comments[0] = (f"advgo victim-play, game {number}: adversary ({'black' if game.adversary_color == 1 else 'white'})"
                       f" vs victim {game.victim} at temperature {game.victim_temperature:g}; A-MCTS mode {vp.amcts};"
                       f" hardening {'on' if vp.hardening else 'off'}; seed {self.cfg.seed}")
        path = self.run_dir / SGF_DIR / f"game-{number:07d}.sgf"
        path.parent.mkdir(parents=True, exist_ok=True)
        save_sgf(path, state, black=black, white=white, comments=comments)

    # ------------------------------------------------------------------ evaluation
    def _closing_reserve(self) -> float:
        """The closing evaluation's expected wall time: the last evaluation's, else estimated from victim-play; none
        before the first learner step (an untrained run has no closing evaluation)."""
        n = self.cfg.evaluation.games
        if not self.budget.limited or n == 0 or self.step == 0:
            return 0.0
        if self._eval_seconds is not None:
            return self.budget.reserve(1.2 * self._eval_seconds)
        visits = [e.visits for e in self.cfg.curriculum.entries]
        return self.budget.reserve(self.speed.evaluation_seconds(n, evaluation_visits(self.cfg), visits))

    def _evaluate(self, logger: RunLogger) -> None:
        """``evaluation.games`` games against every curriculum entry; stopped where the time budget ends."""
        n = self.cfg.evaluation.games
        if n == 0:
            return
        started = time.monotonic()
        labels = list(self.victims)
        temperatures = {e.label: e.temperature for e in self.cfg.curriculum.entries}  # None: the run's
        for i, (label, victim) in enumerate(self.victims.items()):
            if self.budget.cut("evaluation", f"{i} of {len(labels)} victims ({', '.join(labels[i:])} not played)"):
                return

            def show(finished: int, i=i, label=label) -> None:
                self._show(f"evaluating step {self.step} vs {label} ({i + 1} of {len(labels)}): {finished}/{n} games")

            show(0)
            games = evaluate_adversary(self.torch_evaluator, victim, self.cfg, n,
                                       np.random.default_rng([self.cfg.seed, self.step]),
                                       should_stop=self.budget.spent, on_step=show,
                                       victim_temperature=temperatures[label])
            tally = tally_games(games)
            if len(games) < n:
                log.info("time budget: evaluation vs %s cut at %d of %d games (%s used); its win rate over them, "
                         "%.0f%%, is not logged", label, len(games), n, self.budget.status(), 100 * tally.win_rate)
                return
            low, high = tally.interval
            logger.scalars({f"eval/{label}/win_rate": tally.win_rate, f"eval/{label}/win_rate_low": low,
                            f"eval/{label}/win_rate_high": high,
                            f"eval/{label}/capped_rate": tally.capped / max(tally.games, 1)}, self.step)
            log.info("step %d eval vs %s%s: %.1f%% [%.1f, %.1f] over %d games (%d capped at %d moves: non-wins)",
                     self.step, label, passing_note(self.cfg, victim), 100 * tally.win_rate, 100 * low, 100 * high,
                     tally.games, tally.capped, self._move_cap)
        self._eval_seconds = time.monotonic() - started
        log.debug("evaluation at step %d took %s", self.step, clock_text(self._eval_seconds))
