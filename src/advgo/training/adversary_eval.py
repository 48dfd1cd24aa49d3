"""Evaluating an adversary: its victims, its games against one, their tally, and how long an evaluation will take.

``curriculum_victims`` loads a run's victims (every curriculum entry's, checked against the run's board, rules and
A-MCTS mode: :func:`advgo.victims.load_victims`).

``evaluate_adversary`` plays ``games`` games at once against one victim (colours alternating, best moves, no
noise; the victim hardened when ``evaluation.hardened``, :func:`hardened`) and can stop early (``should_stop``:
the run's time budget), returning the games that finished. ``tally_games`` counts them by the one rule of
:mod:`advgo.eval.counting`.

``PlaySpeed`` estimates an evaluation's wall time from what victim-play has cost so far in the process, so that
a run under a time budget can stop training early enough for its closing evaluation. It takes the larger of two
estimates, times a margin (``SAFETY``):

| estimate | what it counts | right when |
|---|---|---|
| by positions | seconds per net position (the adversary's, the victim's inside A-MCTS and the victim's own moves, one position per visit) times the positions the evaluation needs: every adversary move at the evaluation's visits with the measured share of victim positions, every victim move at that entry's visits, over games of the mean length | the nets' work dominates (real configs) |
| by moves | seconds per move of all games at once (one ``VictimPlay.step``) times the moves of a mean game, scaled by the evaluation's visits over victim-play's mean visits | the per-move overhead dominates (tiny configs) |

Both count a mean game, not the longest: an evaluation that runs longer is cut at the budget (with a log line),
while a reserve sized for the longest game seen (a capped one: 5·N² moves) kept the quickstart from training for
half of its 12 minutes when its evaluation took 69 s (measured 5 Dec 2026).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..eval.counting import Tally
from ..rules import Rules
from ..victims import Victim, load_victims
from .adversary_config import AdversaryRunConfig
from .victimplay import VictimGame, VictimPlay

SAFETY = 1.5
"""The estimate's margin: evaluation searches fewer games at once than victim-play, so each position costs more."""


def curriculum_victims(cfg: AdversaryRunConfig, device) -> dict[str, Victim]:
    """Every curriculum entry's victim, by label; any unusable entry is an error before a game is played."""
    vp = cfg.victimplay
    return load_victims(cfg.curriculum.entries, cfg.game.board_size, cfg.game.rules,
                        need_policy=vp.amcts != "plain" or vp.hardening or cfg.evaluation.hardened, device=device)


def tally_games(games: list[VictimGame]) -> Tally:
    """The adversary's results over ``games`` by the one counting rule (:mod:`advgo.eval.counting`)."""
    tally = Tally()
    for game in games:
        tally.count(game.margin, game.capped)
    return tally


def evaluate_adversary(evaluator, victim: Victim, cfg: AdversaryRunConfig, games: int, rng: np.random.Generator,
                       *, should_stop: Callable[[], bool] | None = None,
                       on_step: Callable[[int], None] | None = None,
                       victim_temperature: float | None = None) -> list[VictimGame]:
    """``games`` games of the adversary against ``victim``, colours alternating, no noise, hardened when
    ``evaluation.hardened`` (:func:`hardened`); fewer when
    ``should_stop()`` turns true between moves (the games finished by then). ``on_step(finished)`` after each move.
    The victim plays at ``victim_temperature`` (None: ``victimplay.victim_temperature``, as in training).

    The adversary plays its most visited move; its net sees each position under a random symmetry (as in
    training), so games against a deterministic victim still differ.
    """
    vp = cfg.victimplay
    config = dataclasses.replace(vp, games=games, full_visits=evaluation_visits(cfg),
                                 fast_visits=min(vp.fast_visits, evaluation_visits(cfg)), adversary_color="alternate",
                                 hardening=hardened(cfg, victim))
    rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
    play = VictimPlay(evaluator, victim, cfg.game.board_size, rules, cfg.search, config, rng, training=False,
                      continuous=False, victim_temperature=victim_temperature)
    finished: list[VictimGame] = []
    try:
        while not play.all_done:
            if should_stop is not None and should_stop():
                break
            finished += play.step()
            if on_step is not None:
                on_step(len(finished))
    finally:
        play.close()
    return finished


def hardened(cfg: AdversaryRunConfig, victim: Victim) -> bool:
    """Whether ``victim`` plays hardened in the run's evaluation: ``evaluation.hardened``, where it has a policy
    to choose its moves instead of a pass (a black box, such as an extra victim of ``advgo eval`` over GTP, plays
    as it is)."""
    return cfg.evaluation.hardened and victim.has_policy


def passing_note(cfg: AdversaryRunConfig, victim: Victim) -> str:
    """How the victim passed in evaluation, for the log where it could be misread: `` (hardened)``, or, in a run
    trained against the hardened victim, `` (standard passing; trained hardened)``; else nothing."""
    if hardened(cfg, victim):
        return " (hardened)"
    return " (standard passing; trained hardened)" if cfg.victimplay.hardening else ""


def evaluation_visits(cfg: AdversaryRunConfig) -> int:
    """The adversary's visits per move in evaluation."""
    return cfg.evaluation.visits or cfg.victimplay.full_visits


@dataclass
class PlaySpeed:
    """What victim-play has cost in this process so far, to estimate an evaluation's wall time by."""

    seconds: float = 0.0
    """Wall time of the play measured."""
    adversary_positions: float = 0.0
    """Positions the adversary's net evaluated in its searches."""
    victim_node_positions: float = 0.0
    """Positions the victim evaluated inside the adversary's A-MCTS."""
    victim_move_positions: float = 0.0
    """Positions the victim evaluated choosing its own moves (its visits per move)."""
    games: int = 0
    """Finished games."""
    game_moves: int = 0
    """Their moves."""
    steps: int = 0
    """``VictimPlay.step`` calls measured (0 with actors, whose moves are not timed one by one)."""
    adversary_moves: float = 0.0
    """Moves of the adversary (half of all moves)."""

    def add(self, seconds: float, evaluations: int, victim_evaluations: int, moves: int, victim_visits: int,
            finished: list[VictimGame] = (), steps: int = 0) -> None:
        """Count ``seconds`` of play (``steps`` moves of every game) with these positions and ``moves`` (half of them
        the victim's), and the games that finished."""
        self.seconds += seconds
        self.adversary_positions += evaluations
        self.victim_node_positions += victim_evaluations
        self.victim_move_positions += moves / 2 * victim_visits
        self.adversary_moves += moves / 2
        self.steps += steps
        self.games += len(finished)
        self.game_moves += sum(g.length for g in finished)

    def evaluation_seconds(self, games: int, visits: int, victim_visits: list[int]) -> float:
        """Estimated wall time of ``games`` games against each of the victims with ``victim_visits``, the adversary
        at ``visits``; 0 before a game has finished (nothing to go by)."""
        positions = self.adversary_positions + self.victim_node_positions + self.victim_move_positions
        if not self.games or positions <= 0:
            return 0.0
        per_position = self.seconds / positions
        victim_share = self.victim_node_positions / max(self.adversary_positions, 1.0)
        half = self.game_moves / self.games / 2  # moves per side in a mean game
        needed = sum(games * half * (visits * (1 + victim_share) + v) for v in victim_visits)
        by_positions = per_position * needed
        by_moves = 0.0
        if self.steps:
            mean_visits = self.adversary_positions / max(self.adversary_moves, 1.0)
            per_step = self.seconds / self.steps * max(1.0, visits / max(mean_visits, 1.0))
            by_moves = len(victim_visits) * half * per_step
        return SAFETY * max(by_positions, by_moves)
