"""An adversary run that ends once its victim is beaten: the attack phase of ``advgo train iterate``.

:class:`AttackTrainer` is the adversary trainer whose last curriculum entry is not trained against forever: once
the win rate over the curriculum window, after at least ``curriculum.min_games`` games at that entry, is strictly
above the entry's threshold (the rule by which the curriculum moves on), the run stops, saves its checkpoint and
sets ``beaten``. Stopped there it plays no closing evaluation (the cross table evaluates the adversaries). It also
stops at ``schedule.total_steps`` or its time budget, with ``beaten`` False. ``interrupted`` tells a Ctrl-C apart.

:meth:`AttackTrainer.outcome` is what the attack reached: for a beaten victim, the win rate and window that beat it
(the games that finish in the same play phase after that moment still count in ``games`` but not in the rate, so
the report says the figure that passed the threshold, as the log line does).
"""

from __future__ import annotations

import logging

from ..nets.checkpoint import Checkpoint
from ..runlog import RunLogger
from .adversary import AdversaryTrainer
from .victimplay import VictimGame

log = logging.getLogger(__name__)


class AttackTrainer(AdversaryTrainer):
    description = "training adversary (attack)"

    def __init__(self, *args, **kwargs):
        self.interrupted = False
        self._beaten_at: tuple[float, int] | None = None  # (win rate, window games) when the threshold was passed
        super().__init__(*args, **kwargs)

    @property
    def beaten(self) -> bool:
        return self._beaten_at is not None

    def outcome(self) -> dict:
        """``beaten``, ``win_rate`` over ``window_games`` (when beaten: at that moment; else at the end), ``games``
        against the victim in all and learner ``steps``."""
        c = self.curriculum
        win_rate, window = self._beaten_at or (c.win_rate, len(c.recent))
        return {"beaten": self.beaten, "win_rate": win_rate, "window_games": window, "games": c.games_at_stage,
                "steps": self.step}

    def _beaten_now(self) -> bool:
        c = self.curriculum
        return c.is_last and c.games_at_stage >= self.cfg.curriculum.min_games and c.win_rate > c.entry.threshold

    def _mark_beaten(self) -> None:
        c = self.curriculum
        log.info("attack: %s beaten: %.0f%% over the last %d games (threshold %.2f) at step %d; the run stops",
                 c.entry.label, 100 * c.win_rate, len(c.recent), c.entry.threshold, self.step)
        self._beaten_at = (c.win_rate, len(c.recent))
        self._stop = True

    def _extra_state(self) -> dict:
        return {**super()._extra_state(), "beaten_at": self._beaten_at}

    def _restore_extra(self, ckpt: Checkpoint) -> None:
        super()._restore_extra(ckpt)
        beaten_at = (ckpt.extra or {}).get("beaten_at")
        self._beaten_at = tuple(beaten_at) if beaten_at is not None else None

    def _on_start(self, logger: RunLogger) -> None:
        super()._on_start(logger)
        # resumed after the victim was beaten (killed before the next phase began): the saved verdict stands, though
        # the games after it may have moved the window below the threshold
        if self.beaten:
            self._stop = True
        elif self._beaten_now():
            self._mark_beaten()

    def _record(self, game: VictimGame, logger: RunLogger) -> bool:
        advanced = super()._record(game, logger)
        if not self.beaten and self._beaten_now():
            self._mark_beaten()
        return advanced

    def _interrupt(self, signum, frame) -> None:
        self.interrupted = True
        super()._interrupt(signum, frame)
