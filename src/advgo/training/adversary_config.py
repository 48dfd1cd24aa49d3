"""The run config of ``advgo train adversary``: one frozen dataclass per concern, loaded from YAML."""

from dataclasses import dataclass, field

from ..curriculum import CurriculumConfig, CurriculumEntry
from .victim_config import RunConfig
from .victimplay import VictimPlayConfig


def _default_curriculum() -> CurriculumConfig:
    return CurriculumConfig(entries=[CurriculumEntry("cp1", 1, 0.5)])


@dataclass(frozen=True)
class EvalSection:
    games: int = 32
    """Games per curriculum entry in each periodic evaluation (colours alternating, no noise)."""
    visits: int = 0
    """Adversary visits in evaluation; 0: ``victimplay.full_visits``."""
    hardened: bool = False
    """The victim plays hardened in evaluation (no pass while it has a legal move outside its own pass-alive
    territory). Off: standard passing, as the paper evaluated, whatever ``victimplay.hardening`` trained against;
    logs then say so, since a hardened run's adversary may win there by the pass attack it never trained on."""

    def __post_init__(self):
        if self.games < 0:
            raise ValueError(f"evaluation.games must be >= 0, got {self.games}")
        if self.visits < 0:
            raise ValueError(f"evaluation.visits must be >= 0, got {self.visits}")


@dataclass(frozen=True)
class AdversaryRunConfig(RunConfig):
    init: str | None = None
    """Checkpoint path or zoo victim name to warm-start the adversary's weights from (``--init``); null or empty:
    from scratch (the paper's way; ``--set init=`` clears a config's warm start)."""
    victimplay: VictimPlayConfig = field(default_factory=VictimPlayConfig)
    """Games against the victim: visits, temperatures, A-MCTS mode, colours, hardening."""
    curriculum: CurriculumConfig = field(default_factory=_default_curriculum)
    """Victims to climb, weakest first, with their visits and win-rate thresholds."""
    evaluation: EvalSection = field(default_factory=EvalSection)
    """Periodic evaluation of the adversary against every curriculum entry."""
    sgf: bool = True
    """Write every victim-play game as SGF under ``runs/<run>/sgf/``."""
