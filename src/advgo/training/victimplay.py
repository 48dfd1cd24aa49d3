"""Victim-play: an adversary against a frozen victim, many games at once; only the adversary's moves are learned.

Every game slot alternates the adversary's colour from one game to the next, keeps the configured colour, or
(``balance``) draws it for each game, favouring the colour the adversary has been winning less. On the adversary's
turns the games are searched together by A-MCTS (``BatchedMCTS`` with the victim's policy at victim nodes;
``plain`` MCTS for the ablation) with playout-cap randomization as in self-play: only full searches become
samples, with the visit distribution as the policy target and the game's outcome from the adversary's side as the
value target (with ``score_value``, partly its final margin). A game stopped at the move cap (default 5·N²) keeps
the score of the position where it stopped as its value target, but it counts by the one rule of
:mod:`advgo.eval.counting`: a non-win for both sides, for the curriculum and evaluation alike
(``VictimGame.adversary_won``). On the victim's turns the victim plays as it is (its raw policy or
its own search, at its play temperature). Victim moves are never samples.

Optional hardening (``config.hardening``): the victim may not pass while it has a legal move outside its own
pass-alive territory (:class:`advgo.victims.HardenedAgent`). Training sets it from ``victimplay.hardening``, the
run's evaluation from ``evaluation.hardened`` (default off: the paper evaluated with standard passing).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from .. import engine
from ..agents import Agent
from ..agents.gtp_client import EngineDied, GTPError
from ..eval.counting import is_win, move_cap
from ..features import FEATURES, encode_batch
from ..rules import Rules
from ..search import BatchedMCTS, Evaluator, SearchConfig, choose_moves
from ..victims import AMCTS_MODES, HardenedAgent, Victim
from .selfplay import SelfPlayConfig, aux_targets, stack_samples

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VictimPlayConfig(SelfPlayConfig):
    """Self-play's search settings (games, visits, playout cap, temperatures), a longer move cap, plus:"""

    SECTION = "victimplay"  # self-play's checks name this section in their errors

    max_moves: int = 0
    """Move cap; 0 means 5·N², the default of :mod:`advgo.eval.counting` (the paper capped 19×19 games at 1600
    ≈ 4.4·N²). Capped games are never wins, and a losing victim has no reason to pass, so a short cap
    (self-play's 2·N²) turns most games into non-wins before the adversary can finish them."""
    amcts: Literal["S", "S++", "R", "plain"] = "S"
    """How the adversary's search models the victim: S (raw policy), S++ (symmetry-averaged policy),
    R (the victim's own search), plain (ordinary MCTS: the victim is assumed to play like the adversary)."""
    adversary_color: Literal["alternate", "black", "white", "balance"] = "alternate"
    """The adversary's colour; ``alternate`` switches it every game in each slot; ``balance`` draws it for each
    game, black with probability ``(1 - b) / ((1 - b) + (1 - w))``, where ``b`` and ``w`` are its win rates as black
    and as white over its last ``balance_window`` games of each colour against this victim (each counted as
    ``(wins + 1) / (games + 2)``), kept within ``[balance_floor, 1 - balance_floor]``. An attack that wins one colour
    and not the other then plays mostly the colour it loses, and still enough of the other not to forget it
    (an adversary trained on one colour alone loses the other's exploit). A resumed run starts from the games of
    the curriculum's window in its checkpoint; each actor (``scale.workers >= 2``) keeps its own rates."""
    balance_window: int = 64
    """``balance``: the games of each colour its rates are taken over."""
    balance_floor: float = 0.2
    """``balance``: the smallest share of games either colour is given, in [0, 0.5]."""
    victim_temperature: float = 0.0
    """The victim's move temperature (0: its best move); A-MCTS samples victim moves the same way. A curriculum
    entry's own ``temperature`` replaces it at that stage."""
    hardening: bool = False
    """In training, the victim may not pass while it has legal moves outside its pass-alive territory (the run's
    evaluation: ``evaluation.hardened``)."""
    score_value: float = 0.0
    """Share ``w`` of the value target given to the final margin: ``(1 - w)·outcome + w·tanh(margin / (s·N²))``
    (``s``: ``score_scale``) from the adversary's side (0: the outcome alone, the paper's way). With ``w > 0`` an
    adversary that loses every game still learns which moves lose by less, a way out of a policy collapsed onto
    moves that lose at once. The search still values a game-ending pass by its outcome alone (``advgo.search``)."""
    score_scale: float = 0.25
    """The margin's scale ``s`` in ``score_value``'s target, as a share of the board's N² points: at 0.25 a
    margin of N²/4 gives tanh(1) = 0.76, and losses by 40 and by 60 points on 9×9 differ by 0.03; at 1 by 0.2."""

    def __post_init__(self):
        super().__post_init__()
        if not 0.0 <= self.score_value < 1.0:
            raise ValueError(f"victimplay.score_value must be in [0, 1), got {self.score_value}")
        if not 0.0 < self.score_scale <= 100.0:
            raise ValueError(f"victimplay.score_scale must be in (0, 100], got {self.score_scale}")
        if self.amcts not in AMCTS_MODES:
            raise ValueError(f"victimplay.amcts must be one of {', '.join(AMCTS_MODES)}, got {self.amcts!r}")
        if self.victim_temperature < 0:
            raise ValueError(f"victimplay.victim_temperature must be >= 0, got {self.victim_temperature}")
        if self.balance_window < 1:
            raise ValueError(f"victimplay.balance_window must be at least 1, got {self.balance_window}")
        if not 0.0 <= self.balance_floor <= 0.5:
            raise ValueError(f"victimplay.balance_floor must be in [0, 0.5], got {self.balance_floor}")


class ColorBalance:
    """The adversary's recent results as each colour, and the colour of its next game under ``balance``."""

    def __init__(self, window: int, floor: float):
        self.floor = floor
        self.results = {1: deque(maxlen=window), -1: deque(maxlen=window)}  # colour -> 1 won, 0 not

    def record(self, color: int, won: bool) -> None:
        self.results[color].append(1 if won else 0)

    def clear(self) -> None:
        for results in self.results.values():
            results.clear()

    def rate(self, color: int) -> float:
        """Win rate as ``color``, ``(wins + 1) / (games + 2)``: 0.5 before any game."""
        results = self.results[color]
        return (sum(results) + 1) / (len(results) + 2)

    @property
    def black_share(self) -> float:
        """The probability that the next game is played as black."""
        lose_black, lose_white = 1.0 - self.rate(1), 1.0 - self.rate(-1)
        share = lose_black / (lose_black + lose_white)  # both rates are < 1, so the sum is > 0
        return min(max(share, self.floor), 1.0 - self.floor)

    def draw(self, rng: np.random.Generator) -> int:
        return 1 if rng.random() < self.black_share else -1


def value_target(outcome: int, margin: float, size: int, score_value: float,
                 score_scale: float = VictimPlayConfig.score_scale) -> float:
    """The adversary's value target: its ``outcome`` (+1, 0, -1), with a share ``score_value`` given to its final
    ``margin`` squashed by ``tanh(margin / (score_scale·size²))`` (both from its side); 0 gives the outcome
    exactly."""
    return float((1.0 - score_value) * outcome + score_value * np.tanh(margin / (score_scale * size * size)))


class VictimGame(NamedTuple):
    planes: np.ndarray  # uint8 [n, C, N, N]: the adversary's full-search positions
    globals: np.ndarray  # float32 [n, G]
    policy: np.ndarray  # float32 [n, A]: the adversary's visit distributions
    value: np.ndarray  # float32 [n]: the outcome for the adversary (+1 win, -1 loss, 0 draw), capped games as they
    # stand; with victimplay.score_value > 0 part of it is the final margin (value_target)
    victim: str  # victim label, name@visits
    adversary_color: int  # 1 black, -1 white
    moves: np.ndarray  # int16 [length]: every move of the game
    comments: dict  # move number -> text (the adversary's searches)
    length: int
    score: float  # black minus white, komi included
    end_reason: str  # "two_passes" or "move_cap"
    adversary_passes: int
    adversary_moves: int
    ownership: np.ndarray | None = None  # int8 [n, N*N]: final Tromp-Taylor area from the adversary's side
    margins: np.ndarray | None = None  # float32 [n]: final score from the adversary's side, komi included
    victim_temperature: float = 0.0  # the victim's move temperature in this game

    @property
    def margin(self) -> float:
        """Score from the adversary's side."""
        return self.score * self.adversary_color

    @property
    def capped(self) -> bool:
        """Stopped at the move cap: a non-win for both sides (:mod:`advgo.eval.counting`)."""
        return self.end_reason == "move_cap"

    @property
    def adversary_won(self) -> bool:
        """A win: the adversary leads at the end of a game that ended by two passes (capped games are not wins)."""
        return is_win(self.margin, self.capped)


class VictimPlay:
    """``config.games`` games of the adversary (``evaluator``) against ``victim``; ``step()`` plays one move in each."""

    def __init__(self, evaluator: Evaluator, victim: Victim, size: int, rules: Rules, search: SearchConfig,
                 config: VictimPlayConfig, rng: np.random.Generator, *, training: bool = True,
                 continuous: bool = True, victim_temperature: float | None = None):
        """``training``: playout-cap randomization, noise, temperatures and samples (else none of them: full
        searches, best moves); hardening is ``config.hardening`` either way. ``continuous``: a finished game's
        slot starts a new game at once;
        otherwise it stays finished (``all_done`` tells when every slot has played one game).
        ``victim_temperature``: the victim's move temperature (None: ``config.victim_temperature``)."""
        if victim.board_size not in (None, size):  # None: an external engine plays any size
            raise ValueError(f"victim {victim.label} plays {victim.board_size}x{victim.board_size}, "
                             f"not {size}x{size}")
        self.size = size
        self.rules = rules
        self.search_config = search
        self.config = config
        self.rng = rng
        self.training = training
        self.continuous = continuous
        self.evaluator = evaluator
        self.max_moves = move_cap(size, config.max_moves)
        self.codes = rules.codes(self.max_moves)
        batch = config.games
        self.roots = engine.new_boards(batch, size, self.max_moves + 1)
        self._planes = np.zeros((batch, FEATURES.planes, size, size), np.float32)
        self._globals = np.zeros((batch, FEATURES.globals), np.float32)
        self._started = np.zeros(batch, np.int64)  # games started per slot (alternates colours)
        self.adversary_color = np.ones(batch, np.int8)
        self.balance = ColorBalance(config.balance_window, config.balance_floor)
        self._pending: list[list] = [[] for _ in range(batch)]  # per game: (planes, globals, policy)
        self._comments: list[dict] = [{} for _ in range(batch)]  # per game: move number -> search summary
        self._passes = np.zeros(batch, np.int64)  # adversary passes per game
        self._adv_moves = np.zeros(batch, np.int64)  # adversary moves per game
        self.moves_played = 0
        self.evaluations = 0
        self.victim_evaluations = 0
        self.voided = 0  # games restarted because an external victim's engine failed
        self.victim_agent: Agent | None = None
        self.mcts: BatchedMCTS | None = None
        self.set_victim(victim, victim_temperature)

    # ------------------------------------------------------------------ victims
    def set_victim(self, victim: Victim, temperature: float | None = None) -> None:
        """Play ``victim`` from now on, at move ``temperature`` (None: ``config.victim_temperature``; A-MCTS
        samples the modelled replies the same way): every game in flight is dropped and starts afresh."""
        cfg = self.config
        self.close()
        self.victim = victim
        self.victim_temperature = cfg.victim_temperature if temperature is None else float(temperature)
        self.balance.clear()  # the rates are against one victim
        policy = victim.policy(cfg.amcts, self.rules, max_batch=cfg.games)
        self.mcts = BatchedMCTS(self.evaluator, self.size, cfg.games, self.codes, self.search_config,
                                max_visits=cfg.full_visits, victim=policy, victim_temperature=self.victim_temperature)
        agent = victim.agent(self.rules, temperature=self.victim_temperature, seed=int(self.rng.integers(2**31)))
        if cfg.hardening:
            agent = HardenedAgent(agent, victim.policy("S", self.rules))
        self.victim_agent = agent
        self.victim_agent.start(self.size, self.rules, cfg.games)
        for b in range(cfg.games):
            self._new_game(b)  # sets each game's victim colour in the tree
        self.mcts.set_victim_colors(self.mcts.tree.victim_color.copy(), self.rng)  # checks them, seeds sampling

    def _new_game(self, b: int) -> None:
        engine.reset(self.roots, b)
        self.mcts.reset(b)
        choice = self.config.adversary_color
        if choice == "alternate":
            color = 1 if (self._started[b] + b) % 2 == 0 else -1
        elif choice == "balance":
            color = self.balance.draw(self.rng)
        else:
            color = 1 if choice == "black" else -1
        self._started[b] += 1
        self.adversary_color[b] = color
        self.mcts.tree.victim_color[b] = 0 if self.config.amcts == "plain" else -color
        self._pending[b] = []
        self._comments[b] = {}
        self._passes[b] = 0
        self._adv_moves[b] = 0

    @property
    def victim_pass_overrides(self) -> int:
        """Victim passes hardening replaced by a move so far, with the current victim (0 without hardening)."""
        return self.victim_agent.overrides if isinstance(self.victim_agent, HardenedAgent) else 0

    def close(self) -> None:
        """End the current victim's engine processes (its agent's, its policy's), if it has any."""
        if self.victim_agent is not None:
            self.victim_agent.close()
        close_policy = getattr(self.mcts.victim, "close", None) if self.mcts is not None else None
        if close_policy is not None:  # an evaluator over engine processes (KataGo's raw net over GTP)
            close_policy()

    # ------------------------------------------------------------------ playing
    def step(self) -> list[VictimGame]:
        """The victim's move where it is to move, then the adversary's move in every game; the finished games.

        Playing the victim first keeps every live game at an adversary turn when the search runs, so each
        search step evaluates all games' leaves in one batch instead of half of them.
        """
        live = self.roots.end_reason == engine.END_NONE
        victim_turn = live & (self.roots.to_play != self.adversary_color)
        finished = []
        if victim_turn.any():
            moves = np.full(self.config.games, engine.NO_ACTION, np.int64)
            victim_turn &= ~self._victim_moves(np.flatnonzero(victim_turn), moves)
            finished += self._play(moves, victim_turn, f"victim {self.victim.label}")
        adv_turn = (self.roots.end_reason == engine.END_NONE) & (self.roots.to_play == self.adversary_color)
        if adv_turn.any():
            moves = np.full(self.config.games, engine.NO_ACTION, np.int64)
            self._adversary_moves(adv_turn, moves)
            finished += self._play(moves, adv_turn, "adversary")
        return finished

    def _victim_moves(self, idx: np.ndarray, moves: np.ndarray) -> np.ndarray:
        """The victim's moves for games ``idx``; returns the mask of games restarted instead because an
        external victim's engine died, timed out or refused a move (the engine itself was restarted)."""
        restarted = np.zeros(self.config.games, np.bool_)
        while len(idx):
            try:
                moves[idx] = self.victim_agent.select(self.roots, idx)
                break
            except (EngineDied, GTPError) as exc:
                failed = [exc.game] if exc.game is not None and exc.game in idx else list(idx)
                log.warning("victim %s failed in game(s) %s: %s; the game is voided and started again",
                            self.victim.label, failed, exc)
                for b in failed:
                    self._started[b] -= 1  # the replacement game keeps the voided game's colours
                    self._new_game(int(b))
                    restarted[b] = True
                self.voided += len(failed)
                idx = np.array([b for b in idx if b not in failed], np.int64)
        return restarted

    def _play(self, moves: np.ndarray, playing: np.ndarray, who: str) -> list[VictimGame]:
        status = engine.play_batch(self.roots, self.codes, moves)
        if (status != engine.OK).any():
            bad = int(np.flatnonzero(status != engine.OK)[0])
            raise RuntimeError(f"victim-play: the {who} chose an illegal move {int(moves[bad])} in game {bad}: "
                               f"{engine.STATUS_NAMES[int(status[bad])]}")
        self.moves_played += int(playing.sum())
        finished = []
        scores = engine.scores(self.roots, self.codes)
        for b in np.flatnonzero(playing):
            if self.roots.end_reason[b] == engine.END_NONE:
                self.mcts.advance(b, int(moves[b]))
                continue
            game = self._finish(b, float(scores[b]))
            self.balance.record(game.adversary_color, game.adversary_won)
            finished.append(game)
            if self.continuous:
                self._new_game(b)
        return finished

    @property
    def all_done(self) -> bool:
        """No game is in progress (only when not ``continuous``)."""
        return bool((self.roots.end_reason != engine.END_NONE).all())

    def _adversary_moves(self, adv_turn: np.ndarray, moves: np.ndarray) -> None:
        cfg = self.config
        batch = cfg.games
        if self.training:
            full = adv_turn & (self.rng.random(batch) < cfg.full_search_prob)
        else:
            full = adv_turn.copy()
        visits = np.where(full, cfg.full_visits, cfg.fast_visits)
        victim_before = self.mcts.victim_evaluations
        result = self.mcts.search(self.roots, active=adv_turn, visits=visits, rng=self.rng,
                                  noise=full & self.training)
        self.evaluations += result.evaluations
        self.victim_evaluations += self.mcts.victim_evaluations - victim_before
        idx = np.flatnonzero(adv_turn)
        if self.training:
            early = self.roots.move_count < cfg.temperature_moves
            temps = np.where(early, cfg.temperature_early, cfg.temperature_late)[idx]
        else:
            temps = 0.0
        moves[idx] = choose_moves(result.visit_counts[idx], temps, self.rng)
        if self.training and full.any():
            encode_batch(self.roots, batch, self.codes.komi, self._planes, self._globals, self.codes)
        pass_action = self.size * self.size
        for b in idx:
            counts = result.visit_counts[b]
            if full[b] and self.training:
                dist = counts.astype(np.float32) / counts.sum()
                self._pending[b].append((self._planes[b].astype(np.uint8), self._globals[b].copy(), dist))
            move_number = int(self.roots.move_count[b]) + 1
            self._comments[b][move_number] = (f"adversary: {int(counts.sum())} visits, value "
                                              f"{float(result.root_value[b]):+.2f}")
            self._adv_moves[b] += 1
            self._passes[b] += int(moves[b] == pass_action)

    def _finish(self, b: int, score: float) -> VictimGame:
        color = int(self.adversary_color[b])
        winner = (score > 0) - (score < 0)
        rows = self._pending[b]
        planes, globals_, policy = stack_samples(rows, self.size)
        value = np.full(len(rows), value_target(winner * color, score * color, self.size,
                                                self.config.score_value, self.config.score_scale),
                        np.float32)
        ownership, margins = aux_targets(engine.area_map(self.roots, b), score, [color] * len(rows))
        length = int(self.roots.move_count[b])
        return VictimGame(planes, globals_, policy, value, self.victim.label, color,
                          self.roots.moves[b, :length].copy(), dict(self._comments[b]), length, score,
                          engine.END_REASONS[int(self.roots.end_reason[b])], int(self._passes[b]),
                          int(self._adv_moves[b]), ownership, margins, self.victim_temperature)
