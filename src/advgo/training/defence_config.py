"""The ``defence`` section of ``advgo train victim``: continue a victim's training on an adversary's games.

Off by default (no ``init``, no ``adversarial``): the run is ordinary self-play. With ``init`` the victim's
weights (and net architecture) come from a checkpoint of ours or a zoo victim; with ``adversarial`` a share of
the self-play games start from positions of those adversary runs' victim-play games that the victim lost, with
the victim to move (:mod:`advgo.training.positions`; KataGo's defence against the cyclic adversary). The trainer
is :class:`advgo.training.defence.DefenceTrainer`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

SAMPLINGS = ("uniform", "linear", "last")


@dataclass(frozen=True)
class DefenceSection:
    init: str | None = None
    """The victim to continue from: ``net:PATH`` (a checkpoint of ``advgo train victim|adversary``), ``zoo:NAME``,
    or a bare path or zoo name; or KataGo's net: ``katanet`` (the installed model), ``katanet:model=PATH`` or a
    bare ``PATH.bin.gz`` (:mod:`advgo.training.katago_defence`). The run takes its net architecture from it
    (``net`` is replaced) and trains on with a fresh optimizer. null: the net starts from scratch (the usual victim
    run)."""
    adversarial: tuple[str, ...] = ()
    """Adversary run folders (``runs/<name>``) whose victim-play games (``sgf/game-*.sgf``) give the positions;
    only games the victim lost (the adversary won by the one counting rule: a game stopped at the move cap is no
    loss) are used."""
    fraction: float = 0.5
    """Share of self-play games that start from an adversarial position (each new game draws it); the rest start
    from the empty board."""
    sampling: Literal["uniform", "linear", "last"] = "uniform"
    """Which of a lost game's positions with the victim to move a game starts from (the game is drawn uniformly
    first): ``uniform`` over all of them; ``linear``: weight proportional to the move number (later positions,
    where the attack closes, more often); ``last``: uniform over the victim's last ``last_moves`` turns."""
    last_moves: int = 10
    """With ``sampling: last``: how many of the victim's last turns of a game are used."""
    newest_games: int = 0
    """Per adversary run, read only its newest this many games (0: all): the adversary is strongest at the end."""
    victims: tuple[str, ...] = ()
    """Only games against these victims, by their SGF label (``cp2@1``, ``ckpt-000000040@1``); empty: any."""
    anchor: float = 0.0
    """Weight of a KL anchor to the victim it started from: each learner step adds ``anchor · KL(p_init ||
    p_net)`` over a batch of positions from the games that started on the empty board (ordinary play; positions
    of games from adversarial positions are left free to change), so the fine-tune moves the net's ordinary play
    less. Needs ``init`` (set by each round in ``advgo train iterate``). 0: off."""
    anchor_to: str = ""
    """The victim the anchor holds the net near (a zoo name, a checkpoint, or for a KataGo net ``katanet:model=``
    its model file); empty: ``init``, the victim the run started from. ``advgo train iterate`` sets it to victim 0
    in every round with its ``defence.anchor_to: first``, so that rounds of defence do not drift one from the
    next. It must have ``init``'s architecture."""
    anchor_pass: bool = True
    """Whether the anchor holds the pass probability too; false: the KL is over the board's points only (both
    policies renormalised without pass), so when to pass is left to the search's targets while the choice among
    moves is held."""
    katago_dtype: Literal["fp32", "bf16"] = "fp32"
    """With a KataGo net (``init: katanet``): the precision it plays self-play and evaluation games in (``bf16`` is
    about 2.5x faster on a CPU and not exact); training is float32 either way. Unused for advgo's own nets."""

    def __post_init__(self):
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"defence.fraction must be in [0, 1], got {self.fraction}")
        if self.sampling not in SAMPLINGS:
            raise ValueError(f"defence.sampling must be one of {', '.join(SAMPLINGS)}, got {self.sampling!r}")
        if self.last_moves < 1:
            raise ValueError(f"defence.last_moves must be at least 1, got {self.last_moves}")
        if self.newest_games < 0:
            raise ValueError(f"defence.newest_games must be >= 0, got {self.newest_games}")
        if self.katago_dtype not in ("fp32", "bf16"):
            raise ValueError(f"defence.katago_dtype must be fp32 or bf16, got {self.katago_dtype!r}")
        if isinstance(self.anchor, bool) or not isinstance(self.anchor, (int, float)) \
                or not math.isfinite(self.anchor) or self.anchor < 0:
            raise ValueError(f"defence.anchor must be a number >= 0, got {self.anchor!r}")
        if self.anchor_to and not self.anchor:
            raise ValueError(f"defence.anchor_to names the victim of a KL anchor: it needs defence.anchor > 0, got "
                             f"anchor_to {self.anchor_to!r} with anchor {self.anchor!r}")
        if not isinstance(self.anchor_pass, bool):
            raise ValueError(f"defence.anchor_pass must be true or false, got {self.anchor_pass!r}")
        if any(not str(a).strip() for a in self.adversarial):
            raise ValueError("defence.adversarial holds an empty run folder name")

    @property
    def active(self) -> bool:
        """Whether the run continues a victim, learns from adversarial positions or is anchored (else plain
        self-play)."""
        return bool(self.init) or bool(self.adversarial) or bool(self.anchor)
