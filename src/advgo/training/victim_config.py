"""The run config of ``advgo train victim``: one frozen dataclass per concern, loaded from YAML."""

from dataclasses import dataclass, field
from typing import Literal

from ..search import SearchConfig
from .defence_config import DefenceSection
from .learner import LearnerConfig
from .selfplay import SelfPlayConfig


@dataclass(frozen=True)
class GameSection:
    board_size: int = 9
    """N of the N×N board (2..19)."""
    rules: Literal["tromp-taylor", "chinese"] = "tromp-taylor"
    """Ruleset preset."""
    komi: float = 7.5
    """Komi given to white."""

    def __post_init__(self):
        if not 2 <= self.board_size <= 19:
            raise ValueError(f"game.board_size must be in 2..19, got {self.board_size}")


@dataclass(frozen=True)
class NetSection:
    blocks: int = 4
    """Residual blocks."""
    channels: int = 32
    """Trunk channels."""
    global_pool: bool = True
    """KataGo-style global pooling bias blocks."""
    score_head: bool = False
    """Also predict the final score margin (auxiliary head, trained with learner.score_weight)."""
    ownership_head: bool = False
    """Also predict each point's final owner (auxiliary head, trained with learner.ownership_weight)."""


@dataclass(frozen=True)
class ReplaySection:
    capacity: int = 100_000
    """Samples the replay buffer holds (oldest dropped first)."""
    min_samples: int = 2_000
    """Samples to collect before the first training step."""

    def __post_init__(self):
        if self.capacity < 1 or not 0 <= self.min_samples <= self.capacity:
            raise ValueError(f"replay needs capacity >= 1 and 0 <= min_samples <= capacity, got "
                             f"{self.capacity}, {self.min_samples}")


@dataclass(frozen=True)
class ScheduleSection:
    total_steps: int = 20_000
    """Learner steps of the whole run (``--max-minutes`` may stop it earlier)."""
    games_per_iteration: int = 32
    """Self-play games finished between two training phases."""
    steps_per_iteration: int = 100
    """Learner steps of one training phase (once the buffer holds ``replay.min_samples``)."""
    checkpoint_every: int = 500
    """Learner steps between checkpoints."""
    keep_checkpoints: int = 3
    """Newest checkpoints kept (milestones are kept as well)."""
    milestone_every: int = 0
    """Learner steps between milestone checkpoints that are never pruned (0: none) — a victim ladder. The checkpoint
    each session stops at is kept there as well."""
    eval_every: int = 1_000
    """Learner steps between evaluations (new net vs the previous evaluation's net and vs uniform random)."""
    eval_games: int = 64
    """Games per evaluation match, colours alternating (raw policy, 1 visit)."""
    eval_temperature: float = 0.5
    """Move temperature of both sides in evaluation (so that games differ)."""

    def __post_init__(self):
        for name in ("total_steps", "games_per_iteration", "steps_per_iteration", "checkpoint_every",
                     "keep_checkpoints", "eval_every", "eval_games"):
            if getattr(self, name) < 1:
                raise ValueError(f"schedule.{name} must be at least 1, got {getattr(self, name)}")
        if self.milestone_every < 0 or self.milestone_every % self.checkpoint_every:
            raise ValueError(f"schedule.milestone_every must be 0 or a multiple of checkpoint_every "
                             f"({self.checkpoint_every}), got {self.milestone_every}")


@dataclass(frozen=True)
class ScaleSection:
    workers: int = 1
    """Game-generating actor processes. 1: the single-process loop (the default; the same results for the same
    seed as ever). 2 or more: Ray actors play the games while the learner trains in the main process
    (``pip install -e '.[ray]'``)."""
    ray_address: str | None = None
    """With workers >= 2: None starts a private Ray on this machine; "auto" or "HOST:PORT" joins a running
    cluster (``ray start --head`` on one machine, ``ray start --address HOST:PORT`` on the others)."""
    chunk_games: int = 4
    """An actor returns its finished games (and picks up the newest weights) every this many games ..."""
    chunk_seconds: float = 5.0
    """... or after this many seconds of play, whichever comes first (many games in flight can take a long
    time to finish together)."""
    actor_threads: int = 1
    """Torch CPU threads per actor (1: one actor per core is the CPU-bound optimum)."""
    inference: Literal["auto", "local", "server", "actor"] = "auto"
    """Where actors evaluate the trained net: "local" (each its own CPU copy), "server" (an ``InferenceServer`` on
    every machine batching its actors' positions, on the machine's GPU when it has one), "auto" (a server on each
    machine with a GPU; actors elsewhere local), "actor" (each actor holds the net on its machine's GPU, a share
    of the cluster's GPUs each, or on its CPU where there is none: with one actor per machine whose search runs
    ``search.threads`` threads and ``search.groups`` groups, no Ray call per search step)."""
    inference_batch: int = 4096
    """The server runs a forward once every actor of its machine waits, or once this many positions are queued ..."""
    inference_wait_ms: float = 2.0
    """... or this long after the first one arrived."""
    max_restarts: int = 20
    """Actors that die (killed, out of memory, a crashed engine taking them down) are restarted, their
    unfinished games discarded; after this many restarts in one run the run stops with the error."""

    def __post_init__(self):
        for name in ("workers", "chunk_games", "actor_threads"):
            if getattr(self, name) < 1:
                raise ValueError(f"scale.{name} must be at least 1, got {getattr(self, name)}")
        if self.inference_batch < 1 or self.inference_wait_ms < 0:
            raise ValueError("scale.inference_batch must be >= 1 and scale.inference_wait_ms >= 0")
        if self.chunk_seconds <= 0:
            raise ValueError(f"scale.chunk_seconds must be positive, got {self.chunk_seconds}")
        if self.max_restarts < 0:
            raise ValueError(f"scale.max_restarts must be >= 0, got {self.max_restarts}")


@dataclass(frozen=True)
class RunConfig:
    """What every training run has: seeds, device, board, net, search constants, learner, replay, schedule."""

    seed: int = 0
    """Seeds numpy, torch and every search of the run."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the nets run; auto = CUDA when available."""
    threads: int = 1
    """Torch CPU threads (0: torch's default, all cores). 1 is the safe default: on a machine where another
    process holds a core, OpenMP's threads wait on each other (measured: a 4x32 forward of 64 positions
    took 730 ms with 2 threads against 14 ms with 1 while the other core was busy)."""
    game: GameSection = field(default_factory=GameSection)
    """Board, rules and komi."""
    net: NetSection = field(default_factory=NetSection)
    """Architecture of the trained net."""
    search: SearchConfig = field(default_factory=SearchConfig)
    """MCTS constants of the trained net's search (visits are set where its games are configured)."""
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    """Optimizer and losses."""
    replay: ReplaySection = field(default_factory=ReplaySection)
    """Replay buffer."""
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    """How long, how often to checkpoint (and keep milestones) and evaluate."""
    scale: ScaleSection = field(default_factory=ScaleSection)
    """Actors: how many game-generating processes, and where (Ray)."""

    def net_config(self):
        """The ``NetConfig`` of the trained net: the board from ``game``, the architecture from ``net``."""
        from ..nets import NetConfig

        n = self.net
        return NetConfig(board_size=self.game.board_size, blocks=n.blocks, channels=n.channels,
                         global_pool=n.global_pool, score_head=n.score_head, ownership_head=n.ownership_head)


@dataclass(frozen=True)
class VictimRunConfig(RunConfig):
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)
    """Self-play games, visits, temperatures."""
    defence: DefenceSection = field(default_factory=DefenceSection)
    """Continue a victim (``init``) and start a share of the games from positions the victim lost to adversaries
    (``adversarial``); off by default (:mod:`advgo.training.defence`)."""
