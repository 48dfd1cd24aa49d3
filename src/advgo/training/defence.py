"""``advgo train victim --init VICTIM --adversarial RUN…``: fine-tune a victim on the positions it lost.

A victim run whose ``defence`` section (:mod:`advgo.training.defence_config`) is on. ``init`` loads the victim
to continue (a checkpoint of ours or a zoo victim): the run takes its net architecture from it, starts its own
step count at 0 with a fresh optimizer, and its first ``vs_previous`` evaluation plays the victim it started
from. ``adversarial`` names adversary runs: a share ``fraction`` of the self-play games start from positions of
their games that the victim lost, with the victim to move (:mod:`advgo.training.positions`), so its own search
learns what to play there. Everything else is the victim trainer's: checkpoints, milestones, evaluation,
``--resume`` (which reads the games again and restores the run's own weights, not ``init``'s), the time budget.
The result is an ordinary victim checkpoint (``net:PATH``, ``advgo zoo build``, curricula, ``advgo match``).

With ``scale.workers >= 2`` Ray actors play the games (:class:`PositionalSelfPlayGames`: each actor samples from the
lost games on its own); the games carry where they started, so the tags below count them wherever they were played.

TensorBoard tags on top of the victim trainer's:

| tag | meaning |
|---|---|
| ``defence/games_from_positions`` | self-play games finished so far that started from an adversarial position |
| ``defence/victim_win_rate`` | of those finished in the phase: share won by the side that had lost the position |
| ``defence/start_move`` | mean number of moves before those games' start |

With ``defence.anchor`` > 0 each learner step also holds the net near the victim it started from (or
``defence.anchor_to``): a frozen copy of that victim gives its policy on a batch of positions from the games that
started on the empty board (their own ring of ``replay.capacity`` rows, ``anchor.npz`` beside ``replay.npz``), and
``anchor · KL(p_init || p_net)`` on them joins the loss (``losses/anchor_kl``); the positions of games from adversarial positions stay free to change.
``defence.anchor_pass: false`` leaves the pass probability out of the KL (both policies renormalised over the
board's points).

Checkpoints carry ``extra["defence"]``: the init checkpoint, its step and counters, the adversary runs and how
many of their games the victim lost.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .. import zoo
from ..nets import load_checkpoint
from ..nets.checkpoint import Checkpoint
from ..rules import Rules
from ..runlog import RunLogger
from .learner import Anchor
from .positions import (
    LostGame,
    PositionalSelfPlay,
    PositionSampler,
    ScanReport,
    from_positions,
    load_lost_games,
    start_side_won,
)
from .replay import ReplayBuffer
from .victim import SelfPlayGames, VictimTrainer
from .victim_config import NetSection, VictimRunConfig

log = logging.getLogger(__name__)

ANCHOR_FILE = "anchor.npz"  # the anchor's positions, saved with the replay buffer


def resolve_init(spec: str) -> Path:
    """The checkpoint file of ``net:PATH``, ``zoo:NAME``, a bare path or a bare zoo name."""
    head, _, rest = spec.partition(":")
    kind, target = (head, rest) if head in ("net", "zoo") and rest else (None, spec)
    if kind != "zoo":
        path = Path(target).expanduser()
        if path.is_file():
            return path
        if kind == "net" or target.endswith(".pt") or "/" in target:
            raise ValueError(f"defence.init {spec!r}: no checkpoint file {path}")
    try:
        return zoo.get(target).path
    except KeyError as err:
        raise ValueError(f"defence.init {spec!r}: not a checkpoint file, and {err.args[0]}") from None


def with_init_net(cfg: VictimRunConfig, ckpt: Checkpoint) -> VictimRunConfig:
    """``cfg`` with the init checkpoint's architecture in ``net`` (its board size must be the run's)."""
    nc = ckpt.net_config
    if nc.board_size != cfg.game.board_size:
        raise ValueError(f"defence.init {ckpt.path} is a {nc.board_size}x{nc.board_size} net; this run plays "
                         f"{cfg.game.board_size}x{cfg.game.board_size} (set game.board_size)")
    net = NetSection(blocks=nc.blocks, channels=nc.channels, global_pool=nc.global_pool, score_head=nc.score_head,
                     ownership_head=nc.ownership_head)
    if net != cfg.net:
        log.info("defence: the net is %d blocks x %d channels as in %s (the config's net section is replaced)",
                 nc.blocks, nc.channels, ckpt.path)
    return dataclasses.replace(cfg, net=net)


@dataclass(frozen=True)
class PositionalSelfPlayGames(SelfPlayGames):
    """What a defence run plays, in its own process or on Ray actors (:class:`advgo.training.actors.Games`):
    self-play of which a share ``defence.fraction`` starts from the ``lost`` games' positions."""

    lost: tuple[LostGame, ...] = ()

    def start(self, evaluator, rules, rng, server) -> PositionalSelfPlay:
        cfg, d = self.cfg, self.cfg.defence
        sampler = PositionSampler(self.lost, d.sampling, d.last_moves) if self.lost else None
        return PositionalSelfPlay(evaluator, cfg.game.board_size, rules, cfg.search, cfg.selfplay, rng, sampler,
                                  d.fraction if sampler else 0.0, self.samples(evaluator))


class DefenceTrainer(VictimTrainer):
    description = "training victim (defence)"

    def __init__(self, cfg: VictimRunConfig, run_dir: Path, resume: bool = False,
                 max_minutes: float | None = None):
        if cfg.defence.anchor and not cfg.defence.init:
            raise ValueError("defence.anchor holds the net near the victim it started from: it needs defence.init")
        cfg, init = self._load_init(cfg, resume)
        self.interrupted = False
        self._init_record = None  # set before the base class restores a resumed run's extra state
        self._from_positions = 0
        # the lost games before the base class starts the self-play (from them) and touches the run folder
        self.lost, self.report = self._read_lost_games(cfg)
        super().__init__(cfg, run_dir, resume, max_minutes)
        if not resume:
            self._init_record = self._begin(init)
        self.reference = self.anchor_rows = None
        if cfg.defence.anchor:
            self._start_anchor(resume)

    @staticmethod
    def _read_lost_games(cfg: VictimRunConfig) -> tuple[tuple[LostGame, ...], ScanReport | None]:
        """The games the victim lost in ``defence.adversarial`` and the scan's report (none without runs)."""
        d = cfg.defence
        if not d.adversarial:
            return (), None
        rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
        games, report = load_lost_games(d.adversarial, cfg.game.board_size, rules, d.newest_games, d.victims)
        log.info("defence: %s: %s", ", ".join(d.adversarial), report.text())
        sampler = PositionSampler(games, d.sampling, d.last_moves)
        if d.fraction > 0 and not sampler:
            raise ValueError(f"defence: no game the victim lost in {', '.join(d.adversarial)} "
                             f"({report.text()}): no position to train on")
        log.info("defence: %d lost games, %d positions with the victim to move (sampling %s); %.0f%% of the "
                 "games start from one", len(sampler), sampler.positions, d.sampling, 100 * d.fraction)
        return tuple(games), report

    def _load_init(self, cfg: VictimRunConfig, resume: bool) -> tuple[VictimRunConfig, Checkpoint | None]:
        """``cfg`` with the init victim's architecture, and its checkpoint (None when resuming or without init)."""
        d = cfg.defence
        if not d.init:
            return cfg, None
        try:  # resumed, the run's own weights are restored, but in init's architecture all the same
            ckpt = load_checkpoint(resolve_init(d.init))
        except ValueError as err:  # CheckpointError is one
            if not resume:
                raise
            log.warning("defence.init %s cannot be read (%s): resuming with the config's net section", d.init, err)
            return cfg, None
        return with_init_net(cfg, ckpt), None if resume else ckpt

    def _begin(self, init: Checkpoint | None) -> dict | None:
        """A new run starts from ``init``'s weights; returns what the checkpoints record of it."""
        if init is None:
            return None
        self.net.load_state_dict(init.net.state_dict())
        self.net.eval()
        self._after_training()
        self.previous = copy.deepcopy(self.net).eval()  # the first vs_previous plays the victim it started from
        log.info("defence: continuing %s (step %d)", init.path, init.step)
        return {"checkpoint": str(init.path), "step": init.step,
                "counters": dict((init.extra or {}).get("counters") or {})}

    # ------------------------------------------------------------------ the anchor
    def _reference_net(self) -> torch.nn.Module:
        """A fresh copy of the anchor's victim (``anchor_to``, else the victim the run started from), as the learner
        sees a net (``forward_aux``)."""
        d = self.cfg.defence
        net = self._build_net()
        reference = load_checkpoint(resolve_init(d.anchor_to or d.init)).net
        try:
            net.load_state_dict(reference.state_dict())
        except RuntimeError as err:
            raise ValueError(f"defence.anchor_to {d.anchor_to!r} is not a net of defence.init's architecture "
                             f"({d.init!r}): {str(err).splitlines()[0]}") from None
        return net

    def _start_anchor(self, resume: bool) -> None:
        self.reference = self._reference_net().to(self.device).eval().requires_grad_(False)
        planes, num_globals = self._sample_shape()
        self.anchor_rows = ReplayBuffer(self.cfg.replay.capacity, planes, num_globals, self.buffer.num_actions,
                                        seed=self.cfg.seed)
        saved = self.run_dir / ANCHOR_FILE
        if resume and saved.exists():
            self.anchor_rows.load(saved)
        d = self.cfg.defence
        log.info("defence: anchored to %s (weight %g, over positions of the games from the empty board%s)",
                 d.anchor_to or "the victim it started from", d.anchor, "" if d.anchor_pass else "; pass left free")

    def _add_games(self, games) -> int:
        samples = super()._add_games(games)
        if self.anchor_rows is not None:
            for g in games:
                if not g.start_color and len(g.value):
                    self.anchor_rows.add(g.planes, g.globals, g.policy, g.value)
        return samples

    def _anchor(self) -> Anchor | None:
        size = self.cfg.learner.batch_size
        if self.anchor_rows is None or len(self.anchor_rows) < size:
            return None
        rows = self.anchor_rows.sample(size, self.rng)
        with torch.no_grad():
            planes, globals_ = (torch.from_numpy(x).to(self.device) for x in (rows.planes, rows.globals))
            probs = torch.softmax(self.reference.forward_aux(planes, globals_)[0].float(), dim=1)
        return Anchor(planes, globals_, probs, self.cfg.defence.anchor, not self.cfg.defence.anchor_pass)

    def save(self) -> Path:
        path = super().save()
        if self.anchor_rows is not None:
            self.anchor_rows.save(self.run_dir / ANCHOR_FILE)
        return path

    def _interrupt(self, signum, frame) -> None:
        self.interrupted = True
        super()._interrupt(signum, frame)

    def _extra_state(self) -> dict:
        d = self.cfg.defence
        record = {"init": d.init, "adversarial": list(d.adversarial), "fraction": d.fraction, "sampling": d.sampling,
                  "games_from_positions": self._from_positions}
        if self._init_record is not None:
            record["init_checkpoint"] = self._init_record
        if self.report is not None:
            record["lost_games"] = self.report.lost
            record["games_read"] = self.report.files
        return {"role": "victim", "defence": record}

    def _restore_extra(self, ckpt: Checkpoint) -> None:
        saved = (ckpt.extra or {}).get("defence") or {}
        self._init_record = saved.get("init_checkpoint")
        self._from_positions = int(saved.get("games_from_positions", 0))

    def _actor_games(self) -> PositionalSelfPlayGames:
        return PositionalSelfPlayGames(self.cfg, self.lost)

    def _games_played(self, games: list, logger: RunLogger) -> None:
        done = from_positions(games)
        if not done:
            return
        self._from_positions += len(done)
        logger.scalars({"defence/games_from_positions": self._from_positions,
                        "defence/victim_win_rate": float(np.mean([start_side_won(g) for g in done])),
                        "defence/start_move": float(np.mean([g.start_move for g in done]))}, self.step)
