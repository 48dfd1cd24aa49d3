"""Rulesets: ko rule, suicide and komi. Scoring is always Tromp-Taylor area scoring.

| preset | ko | multi-stone suicide | what plays it |
|---|---|---|---|
| ``Rules.tromp_taylor()`` (default) | positional superko | legal | the paper, KataGo's ``tromp-taylor`` |
| ``Rules.chinese()`` | positional superko | illegal | GNU Go ``--chinese-rules --positional-superko`` |

Single-stone suicide is never legal.
"""

import math
from dataclasses import dataclass

from .engine import KO_RULES, RuleCodes, rule_codes

RULESET_NAMES = ("tromp-taylor", "chinese", "custom")


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
        if isinstance(self.komi, bool) or not isinstance(self.komi, (int, float)) or not math.isfinite(self.komi):
            raise ValueError(f"komi must be a finite number, got {self.komi!r}")
        if self.name not in RULESET_NAMES:
            raise ValueError(f"unknown ruleset name {self.name!r}: expected one of {RULESET_NAMES}")
        object.__setattr__(self, "komi", float(self.komi))

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
