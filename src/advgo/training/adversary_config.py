"""The run config of ``advgo train adversary``: one frozen dataclass per concern, loaded from YAML."""

from dataclasses import dataclass, field
from typing import Literal

from ..curriculum import CurriculumConfig, CurriculumEntry
from ..search import SearchConfig
from .learner import LearnerConfig
from .victim_config import GameSection, NetSection, ReplaySection, ScheduleSection
from .victimplay import VictimPlayConfig


def _default_curriculum() -> CurriculumConfig:
    return CurriculumConfig(entries=[CurriculumEntry("cp1", 1, 0.5)])


@dataclass(frozen=True)
class EvalSection:
    games: int = 32
    """Games per curriculum entry in each periodic evaluation (colours alternating, no hardening, no noise)."""
    visits: int = 0
    """Adversary visits in evaluation; 0: ``victimplay.full_visits``."""

    def __post_init__(self):
        if self.games < 0:
            raise ValueError(f"evaluation.games must be >= 0, got {self.games}")
        if self.visits < 0:
            raise ValueError(f"evaluation.visits must be >= 0, got {self.visits}")


@dataclass(frozen=True)
class AdversaryRunConfig:
    seed: int = 0
    """Seeds numpy, torch and every search of the run."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the nets run (adversary and victims); auto = CUDA when available."""
    threads: int = 1
    """Torch CPU threads (0: torch's default). 1 is the safe default on a shared machine (see the victim config)."""
    init: str | None = None
    """Checkpoint path or zoo victim name to warm-start the adversary's weights from (``--init``); null or empty:
    from scratch (the paper's way; ``--set init=`` clears a config's warm start)."""
    game: GameSection = field(default_factory=GameSection)
    """Board, rules and komi (the victims must play this board size)."""
    net: NetSection = field(default_factory=NetSection)
    """Architecture of the adversary's net."""
    search: SearchConfig = field(default_factory=SearchConfig)
    """MCTS constants of the adversary's search (visits are set in ``victimplay``)."""
    victimplay: VictimPlayConfig = field(default_factory=VictimPlayConfig)
    """Games against the victim: visits, temperatures, A-MCTS mode, colours, hardening."""
    curriculum: CurriculumConfig = field(default_factory=_default_curriculum)
    """Victims to climb, weakest first, with their visits and win-rate thresholds."""
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    """Optimizer and losses."""
    replay: ReplaySection = field(default_factory=ReplaySection)
    """Replay buffer."""
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    """How long, how often to checkpoint (and keep milestones) and evaluate."""
    evaluation: EvalSection = field(default_factory=EvalSection)
    """Periodic evaluation of the adversary against every curriculum entry."""
    sgf: bool = True
    """Write every victim-play game as SGF under ``runs/<run>/sgf/``."""
