"""An adversary run that ends once its victim is beaten: the attack phase of ``advgo train iterate``.

:class:`AttackTrainer` is the adversary trainer whose last curriculum entry is not trained against forever: once
the win rate over the curriculum window, after at least ``curriculum.min_games`` games at that entry, is strictly
above the entry's threshold (the rule by which the curriculum moves on), the run stops, saves its checkpoint and
sets ``beaten``. Stopped there it plays no closing evaluation (the cross table evaluates the adversaries). It also
stops at ``schedule.total_steps`` or its time budget, with ``beaten`` False. ``interrupted`` tells a Ctrl-C apart.
"""

from __future__ import annotations

import logging

from ..runlog import RunLogger
from .adversary import AdversaryTrainer
from .victimplay import VictimGame

log = logging.getLogger(__name__)


class AttackTrainer(AdversaryTrainer):
    description = "training adversary (attack)"

    def __init__(self, *args, **kwargs):
        self.beaten = False
        self.interrupted = False
        super().__init__(*args, **kwargs)

    def _beaten_now(self) -> bool:
        c = self.curriculum
        return c.is_last and c.games_at_stage >= self.cfg.curriculum.min_games and c.win_rate > c.entry.threshold

    def _mark_beaten(self) -> None:
        c = self.curriculum
        log.info("attack: %s beaten: %.0f%% over the last %d games (threshold %.2f) at step %d; the run stops",
                 c.entry.label, 100 * c.win_rate, len(c.recent), c.entry.threshold, self.step)
        self.beaten = True
        self._stop = True

    def _on_start(self, logger: RunLogger) -> None:
        super()._on_start(logger)
        if self._beaten_now():  # resumed after the victim was beaten (killed before the next phase began)
            self._mark_beaten()

    def _record(self, game: VictimGame, logger: RunLogger) -> bool:
        advanced = super()._record(game, logger)
        if not self.beaten and self._beaten_now():
            self._mark_beaten()
        return advanced

    def _interrupt(self, signum, frame) -> None:
        self.interrupted = True
        super()._interrupt(signum, frame)
