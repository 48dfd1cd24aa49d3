"""The time budget of a run (``advgo.training.budget``) and the closing evaluation's estimate
(``advgo.training.adversary_eval.PlaySpeed``), on a fake clock and made-up play."""

from __future__ import annotations

import logging
import math
from types import SimpleNamespace

import pytest

from advgo.training.adversary_eval import SAFETY, PlaySpeed
from advgo.training.budget import MAX_RESERVE_SHARE, Budget, clock_text


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_budget_counts_from_its_start_and_cuts_once_spent(caplog):
    clock = Clock()
    budget = Budget(2.0, clock=clock)  # 120 s
    clock.now += 90
    assert budget.left() == 30 and not budget.spent() and budget.spent(reserve=30)
    assert budget.status() == "1:30 of 2:00"
    with caplog.at_level(logging.INFO, logger="advgo.training.budget"):
        assert not budget.cut("play phase", "3 of 32 games", reserve=10)
        assert budget.cut("play phase", "3 of 32 games", reserve=40)
    assert caplog.records[-1].getMessage() == ("time budget: play phase cut at 3 of 32 games (1:30 of 2:00 used, "
                                                "keeping 0:40 for the closing evaluation)")
    clock.now += 60
    assert budget.left() == 0 and budget.spent()


def test_no_budget_never_runs_out():
    budget = Budget(None)
    assert budget.left() == math.inf and not budget.spent(reserve=1e9) and not budget.limited
    assert budget.reserve(500) == 0.0


def test_the_closing_evaluation_keeps_at_most_half_the_budget():
    budget = Budget(10.0)
    assert budget.reserve(60) == 60 and budget.reserve(1000) == MAX_RESERVE_SHARE * 600
    with pytest.raises(ValueError):
        Budget(-1)
    assert clock_text(59.9) == "0:59" and clock_text(3725) == "1:02:05"


def games(*lengths):
    return [SimpleNamespace(length=n) for n in lengths]


def test_the_estimate_scales_with_the_evaluations_work():
    speed = PlaySpeed()
    assert speed.evaluation_seconds(16, 32, [1, 4]) == 0.0  # nothing finished: nothing to go by
    # 10 s for 1000 moves: 500 adversary moves at 10 visits (5000 positions), 2500 victim positions in A-MCTS,
    # 500 victim moves at 1 visit: 8000 positions, 1.25 ms each; games of 100 moves
    speed.add(10.0, 5000, 2500, 1000, 1, games(100, 100))
    per_game = 50 * (32 * 1.5 + 1)
    assert speed.evaluation_seconds(16, 32, [1]) == pytest.approx(SAFETY * 10 / 8000 * 16 * per_game)
    one, two = speed.evaluation_seconds(16, 32, [1]), speed.evaluation_seconds(32, 32, [1])
    assert two == pytest.approx(2 * one)
    assert speed.evaluation_seconds(16, 32, [16]) > speed.evaluation_seconds(16, 32, [1])  # a searching victim


def test_the_estimate_counts_a_mean_games_moves_when_moves_cost_more_than_positions():
    """Tiny nets: the per-move overhead dominates; the estimate is a mean game's moves (70 here: 35 per side) at
    the measured seconds per move (a longer evaluation is cut at the budget, not reserved for)."""
    speed = PlaySpeed()
    # 0.1 s a move of all games, 100 visits a move (cheap positions: 2 ms), games of 20 and 120 moves
    speed.add(10.0, 5000, 0, 100, 1, games(20, 120), steps=100)
    assert speed.evaluation_seconds(4, 1, [1]) == pytest.approx(SAFETY * 35 * 0.1)
    assert speed.evaluation_seconds(4, 1, [1, 1]) == pytest.approx(SAFETY * 2 * 35 * 0.1)
