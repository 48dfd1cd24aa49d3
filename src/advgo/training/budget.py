"""A run's time budget (``--max-minutes``): one clock for the whole run, closing evaluation included.

The clock starts when the trainer is made (loading victims counts). Every phase checks it where it can stop
cleanly: the play phase between moves, the training phase between learner steps, an evaluation between moves.
A phase that reaches the end of the budget is cut there, with one log line saying what was cut. The training
loop ends early enough to leave ``reserve`` seconds for the closing evaluation (its estimated length, from the
last evaluation's measured time or from the play phases' speed, at most ``MAX_RESERVE_SHARE`` of the budget, so
that a large evaluation does not leave no time to train); if that was short, the evaluation is cut at the end of
the budget too. So a run ends within its budget plus about one move of the slowest player.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

MAX_RESERVE_SHARE = 0.2
"""The most of a budget kept for the closing evaluation: training gets at least the rest. The estimate is a
worst case (measured 5 Dec 2026: the quickstart's estimate was over 6 minutes for an evaluation that took about
100 s on a busy machine); an evaluation longer than the reserve is cut at the budget, with a log line."""


def clock_text(seconds: float) -> str:
    """``m:ss`` (``h:mm:ss`` from an hour on)."""
    seconds = max(0, int(seconds))
    h, m, s = seconds // 3600, seconds // 60 % 60, seconds % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Budget:
    """``minutes`` of wall time from now (None: no limit); ``clock`` is ``time.monotonic`` unless a test fakes it."""

    def __init__(self, minutes: float | None, clock: Callable[[], float] = time.monotonic):
        if minutes is not None and minutes < 0:
            raise ValueError(f"the time budget must be >= 0 minutes, got {minutes}")
        self.limit_s = None if minutes is None else 60.0 * minutes
        self._clock = clock
        self.start = clock()

    @property
    def limited(self) -> bool:
        return self.limit_s is not None

    def elapsed(self) -> float:
        return self._clock() - self.start

    def left(self) -> float:
        """Seconds until the end of the budget (infinite without one; never negative)."""
        return math.inf if self.limit_s is None else max(0.0, self.limit_s - self.elapsed())

    def reserve(self, seconds: float) -> float:
        """``seconds`` to keep for the closing evaluation, at most ``MAX_RESERVE_SHARE`` of the budget."""
        return 0.0 if self.limit_s is None else min(seconds, MAX_RESERVE_SHARE * self.limit_s)

    def spent(self, reserve: float = 0.0) -> bool:
        """No more than ``reserve`` seconds are left."""
        return self.limit_s is not None and self.left() <= reserve

    def cut(self, what: str, done: str, reserve: float = 0.0) -> bool:
        """True (after logging one line) when ``what`` must stop now; ``done`` says how far it got."""
        if not self.spent(reserve):
            return False
        kept = f", keeping {clock_text(reserve)} for the closing evaluation" if reserve > 0 else ""
        log.info("time budget: %s cut at %s (%s of %s used%s)", what, done, clock_text(self.elapsed()),
                 clock_text(self.limit_s), kept)
        return True

    def status(self) -> str:
        """``3:00 of 12:00`` (or just the elapsed time without a limit)."""
        if self.limit_s is None:
            return clock_text(self.elapsed())
        return f"{clock_text(self.elapsed())} of {clock_text(self.limit_s)}"
