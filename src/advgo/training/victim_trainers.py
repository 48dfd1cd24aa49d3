"""Which trainer ``advgo train victim`` runs for a config: plain self-play, a defence of one of our nets, or a
defence of a KataGo net."""

from __future__ import annotations

from pathlib import Path

from .defence import DefenceTrainer
from .katago_defence import KataGoDefenceTrainer, katago_model_of
from .victim import VictimTrainer
from .victim_config import VictimRunConfig


def make_victim_trainer(cfg: VictimRunConfig, run_dir: Path, resume: bool = False,
                        max_minutes: float | None = None) -> VictimTrainer:
    """:class:`KataGoDefenceTrainer` when ``defence.init`` names a KataGo net, :class:`DefenceTrainer` when the
    ``defence`` section is otherwise on, else :class:`VictimTrainer`."""
    if cfg.defence.init and katago_model_of(cfg.defence.init) is not None:
        trainer_cls = KataGoDefenceTrainer
    elif cfg.defence.active:
        trainer_cls = DefenceTrainer
    else:
        trainer_cls = VictimTrainer
    return trainer_cls(cfg, run_dir, resume=resume, max_minutes=max_minutes)
