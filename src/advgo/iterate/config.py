"""The run config of ``advgo train iterate``: rounds of attack and defence, a fresh attack, the cross table.

The two trainers' own configs are nested whole (``adversary:``, ``defender:``), so every setting of a round's
adversary or victim run is a dotted key here (``--set adversary.victimplay.full_visits=16``). What each round sets
in them is listed in the fields' docs; the run writes each phase's resolved config into the phase's folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..training.adversary_config import AdversaryRunConfig
from ..training.victim_config import VictimRunConfig


@dataclass(frozen=True)
class AttackSection:
    threshold: float = 0.75
    """A round's attack ends once the adversary's win rate over its last ``adversary.curriculum.window`` games (after
    at least ``adversary.curriculum.min_games``) is strictly above this (the curriculum's rule) ..."""
    max_minutes: float = 0.0
    """... or after this many minutes (0: no cap of its own), at ``adversary.schedule.total_steps``, or when its share
    of ``--max-minutes`` is spent."""
    init: Literal["previous", "config"] = "previous"
    """Where the adversaries of rounds 2 and later start: the previous round's adversary (``previous``), or
    ``adversary.init`` each round (``config``). Round 1 and the fresh adversary start from ``adversary.init``."""

    def __post_init__(self):
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"attack.threshold must be in [0, 1], got {self.threshold}")
        if self.max_minutes < 0:
            raise ValueError(f"attack.max_minutes must be >= 0, got {self.max_minutes}")


@dataclass(frozen=True)
class DefencePhaseSection:
    max_minutes: float = 0.0
    """A round's defence stops after this many minutes (0: no cap of its own), at ``defender.schedule.total_steps``,
    or when its share of ``--max-minutes`` is spent."""
    games_from: Literal["latest", "all"] = "all"
    """Whose games a round's victim trains on: that round's adversary (``latest``), or every adversary so far
    (``all``, so that a defence does not forget the earlier attacks). Either way a round whose own adversary won no
    game against the current victim has nothing new to train on, and keeps its victim."""
    anchor_to: Literal["previous", "first"] = "previous"
    """With ``defender.defence.anchor`` > 0, whom each round's anchor holds the victim near: the victim that round
    starts from (``previous``), or victim 0 in every round (``first``: the rounds cannot drift away from the
    original net one small step at a time)."""

    def __post_init__(self):
        if self.max_minutes < 0:
            raise ValueError(f"defence.max_minutes must be >= 0, got {self.max_minutes}")


@dataclass(frozen=True)
class FreshSection:
    enabled: bool = True
    """After the last round, train a fresh adversary (from ``adversary.init``, not from the rounds' adversaries)
    against the final victim, until the threshold or its budget: the test of a defence in [T24]."""
    max_minutes: float = 0.0
    """Its cap of its own (0: none)."""

    def __post_init__(self):
        if self.max_minutes < 0:
            raise ValueError(f"fresh.max_minutes must be >= 0, got {self.max_minutes}")


@dataclass(frozen=True)
class CrossTableSection:
    enabled: bool = True
    """Play the cross table at the end: every adversary (rows) against every victim (columns)."""
    games: int = 20
    """Games per cell, colours alternating."""
    adversary_visits: int = 0
    """The adversaries' visits in the table (they play A-MCTS against our net victims); 0: ``adversary.victimplay.
    full_visits``."""
    workers: int = 1
    """Worker processes per cell's match."""

    def __post_init__(self):
        if self.games < 1 or self.workers < 1 or self.adversary_visits < 0:
            raise ValueError("table.games and table.workers must be at least 1, table.adversary_visits at least 0")


@dataclass(frozen=True)
class ShareSection:
    attack: float = 3.0
    """Weight of each attack (the rounds' and the fresh one) in ``--max-minutes``: a phase gets the time left times
    its weight over the weights of the phases still to run (so time a phase leaves unused goes to the rest) ..."""
    defence: float = 2.0
    """... each defence's weight ..."""
    table: float = 1.0
    """... the cross table's."""

    def __post_init__(self):
        if min(self.attack, self.defence, self.table) <= 0:
            raise ValueError("shares.attack, shares.defence and shares.table must be positive")


@dataclass(frozen=True)
class IterateConfig:
    seed: int = 0
    """Seed of the run: round r's attack is seeded seed + 1000·r + 1, its defence + 2; the table with seed."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where every phase's nets run (replaces ``adversary.device`` and ``defender.device``)."""
    threads: int = 1
    """Torch CPU threads of every phase (replaces theirs; see ``adversary.threads``)."""
    victim: str = "cp1"
    """The victim of round 1: a zoo name (``cp2``, ``zoo:cp2``), a checkpoint of ours (``net:PATH``, a path) or
    KataGo's net (``katanet``, ``katanet:model=PATH``; ``dtype=bf16`` plays it in bf16 in the attacks and the table,
    and every defended net plays as it does). KataGo's net is fine-tuned by ``advgo train victim``'s KataGo
    defence (``defender.defence.katago_dtype`` for its games; ``defender.net`` is not used), and victim r is round
    r's model file, ``round-0r/victim/victim-0r.bin.gz``."""
    visits: int = 1
    """The victims' visits in every attack and in the table."""
    rounds: int = 2
    """Rounds of attack then defence."""
    attack: AttackSection = field(default_factory=AttackSection)
    """When a round's attack ends, and where its adversary starts."""
    defence: DefencePhaseSection = field(default_factory=DefencePhaseSection)
    """A round's defence: its cap, and whose games it trains on."""
    fresh: FreshSection = field(default_factory=FreshSection)
    """The fresh adversary against the final victim."""
    table: CrossTableSection = field(default_factory=CrossTableSection)
    """The cross table at the end."""
    shares: ShareSection = field(default_factory=ShareSection)
    """How ``--max-minutes`` is split over the phases."""
    adversary: AdversaryRunConfig = field(default_factory=AdversaryRunConfig)
    """Every attack's adversary run (``advgo train adversary``). Each round replaces ``curriculum.entries`` with
    the one current victim at ``visits`` and ``attack.threshold`` (``curriculum.window`` and ``min_games`` are
    used as they are), ``init`` (``attack.init``), ``seed``, ``device`` and ``threads``."""
    defender: VictimRunConfig = field(default_factory=VictimRunConfig)
    """Every defence's victim run (``advgo train victim`` with ``defence``). Each round sets ``defence.init`` (the
    current victim; the net's architecture comes from it), ``defence.adversarial`` (``defence.games_from``),
    ``seed``, ``device`` and ``threads``; ``defence.fraction``, ``sampling`` and the rest are used as they are."""

    def __post_init__(self):
        if self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {self.rounds}")
        if self.visits < 1:
            raise ValueError(f"visits must be at least 1, got {self.visits}")
        if self.defender.defence.init or self.defender.defence.adversarial or self.defender.defence.anchor_to:
            raise ValueError("defender.defence.init, adversarial and anchor_to are set by each round (the anchor's "
                             "victim by defence.anchor_to: previous or first): leave them empty")
        if self.defender.game != self.adversary.game:
            raise ValueError(f"defender.game ({self.defender.game}) and adversary.game ({self.adversary.game}) must "
                             f"be the same: positions keep their meaning only under the same board, rules and komi")
