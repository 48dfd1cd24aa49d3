"""Rulesets: ko rule, suicide and komi. Scoring is always Tromp-Taylor area scoring.

| preset | ko | multi-stone suicide | what plays it |
|---|---|---|---|
| ``Rules.tromp_taylor()`` (default) | positional superko | legal | the paper, KataGo's ``tromp-taylor`` |
| ``Rules.chinese()`` | positional superko | illegal | GNU Go ``--chinese-rules --positional-superko`` |

Single-stone suicide is never legal. Komi is a finite number in ``-MAX_KOMI..MAX_KOMI`` (:func:`check_komi`):
every ``Rules`` checks it, so configs, the CLI, SGF files and GTP's ``komi`` share the one bound.
"""

import math
from dataclasses import dataclass

from .engine import KO_RULES, RuleCodes, rule_codes

RULESET_NAMES = ("tromp-taylor", "chinese", "custom")
MAX_KOMI = 150.0
"""The largest komi either way: KataGo's (``Rules::MAX_USER_KOMI``), so any komi we accept can be sent to a
KataGo victim; it is far past any board's margin that matters (a fuzzer's ``komi -1e9`` scored ``B+1e+09``)."""


def check_komi(komi) -> float:
    """``komi`` as a float; ``ValueError`` unless it is a finite number in ``-MAX_KOMI..MAX_KOMI``."""
    if isinstance(komi, bool) or not isinstance(komi, (int, float)) or not math.isfinite(komi):
        raise ValueError(f"komi must be a finite number, got {komi!r}")
    if abs(komi) > MAX_KOMI:
        raise ValueError(f"komi must be in {-MAX_KOMI:g}..{MAX_KOMI:g}, got {komi:g}")
    return float(komi)


@dataclass(frozen=True)
class Rules:
    komi: float = 7.5
    """Points added to white's score."""
    ko: str = "positional"
    """"simple" (immediate recapture only), "positional" or "situational" superko."""
    suicide: bool = True
    """Whether multi-stone suicide is legal."""
    name: str = "tromp-taylor"
    """Ruleset name written to SGF and sent to engines: "tromp-taylor", "chinese" or "custom"."""

    def __post_init__(self):
        if self.ko not in KO_RULES:
            raise ValueError(f"unknown ko rule {self.ko!r}: expected one of {sorted(KO_RULES)}")
        komi = check_komi(self.komi)
        if self.name not in RULESET_NAMES:
            raise ValueError(f"unknown ruleset name {self.name!r}: expected one of {RULESET_NAMES}")
        object.__setattr__(self, "komi", komi)

    @classmethod
    def tromp_taylor(cls, komi: float = 7.5) -> "Rules":
        return cls(komi=komi, ko="positional", suicide=True, name="tromp-taylor")

    @classmethod
    def chinese(cls, komi: float = 7.5) -> "Rules":
        return cls(komi=komi, ko="positional", suicide=False, name="chinese")

    @classmethod
    def from_name(cls, name: str, komi: float = 7.5) -> "Rules":
        key = name.strip().lower().replace("_", "-")
        if key in ("tromp-taylor", "tt"):
            return cls.tromp_taylor(komi)
        if key == "chinese":
            return cls.chinese(komi)
        raise ValueError(f"unknown ruleset {name!r}: expected 'tromp-taylor' or 'chinese'")

    def katago(self) -> str:
        """These rules as KataGo's rules string (``kata-set-rules``): area scoring, no tax, no button, no handicap
        bonus, this ko rule and suicide, e.g. ``koPOSITIONALscoreAREAtaxNONEsui1whb0`` for Tromp-Taylor (KataGo's
        own ``chinese`` has simple ko and a handicap bonus, so the name alone would not do). Komi is set apart."""
        return f"ko{self.ko.upper()}scoreAREAtaxNONEsui{int(self.suicide)}whb0"

    def codes(self, max_moves: int) -> RuleCodes:
        """The rules as the engine's kernels take them."""
        return rule_codes(KO_RULES[self.ko], self.suicide, self.komi, max_moves)
