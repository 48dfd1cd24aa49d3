"""The adversary's curriculum: an ordered list of ever stronger victims, climbed by recent win rate.

Each entry is a victim (zoo name or checkpoint path), the visits it plays with, and a win-rate threshold.
The run trains against the current entry and moves to the next one when, after at least ``min_games``
finished games against it, the adversary's win rate over the last ``window`` of them is strictly above
the entry's threshold (Wang et al.). Which rate the threshold reads is ``rate``: by default (``mean``), where the
window holds both colours, the mean of its rates as black and as white, so an uneven split of colours does not move
it; ``pooled`` is the rate over all its games (the paper's); ``best`` and ``worst`` the better or the worse colour's
rate, to go on with one colour's exploit or to wait for both. Draws and games stopped at the move cap count as
non-wins. The last entry is never left: training goes on against it.

The window also remembers the adversary's colour in each game (``record(won, color)``), so a run shows its win
rate as black and as white: komi makes the colours unequal, and an attack often finds one colour's exploit long
before the other's.

The state (stage, recent results and colours, games per stage) is a plain dict that checkpoints carry, so a resumed
run continues at the same stage with the same window of results.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .victims import victim_label


@dataclass(frozen=True)
class CurriculumEntry:
    victim: str
    """Zoo name or checkpoint path of the victim."""
    visits: int = 1
    """Victim visits (1 = raw policy)."""
    threshold: float = 0.5
    """Move on when the recent win rate is strictly above this (in [0, 1])."""
    temperature: float | None = None
    """The victim's move temperature at this stage, in training and in the run's evaluations (None:
    ``victimplay.victim_temperature``): a curriculum over temperature (1.0, 0.5, then 0) plays a victim that
    blunders first, so an adversary that loses every game by the whole board sees some closer ones."""

    def __post_init__(self):
        if not self.victim:
            raise ValueError("curriculum entry needs a victim (zoo name or checkpoint path)")
        if self.visits < 1:
            raise ValueError(f"curriculum entry {self.victim!r}: visits must be at least 1, got {self.visits}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"curriculum entry {self.victim!r}: threshold must be in [0, 1], got {self.threshold}")
        if self.temperature is not None and self.temperature < 0:
            raise ValueError(f"curriculum entry {self.victim!r}: temperature must be >= 0 (or left out), "
                             f"got {self.temperature}")

    @property
    def label(self) -> str:
        """``name@visits``, and ``:t=T`` where the entry sets its own temperature (``cp6@1:t=0.5``)."""
        base = victim_label(self.victim, self.visits)
        return base if self.temperature is None else f"{base}:t={self.temperature:g}"

    def victim_temperature(self, default: float) -> float:
        """The victim's temperature at this stage: the entry's own, else ``default`` (the run's)."""
        return default if self.temperature is None else float(self.temperature)


RATES = ("mean", "pooled", "best", "worst")
"""How ``Curriculum.win_rate`` combines the window's games (``CurriculumConfig.rate``)."""


@dataclass(frozen=True)
class CurriculumConfig:
    entries: list[CurriculumEntry] = field(default_factory=list)
    """Victims, weakest first: {victim, visits, threshold} each."""
    window: int = 100
    """Finished games against the current entry over which the win rate is taken."""
    min_games: int = 100
    """Games against the current entry before it may be left (at least ``window`` are used when available)."""
    rate: str = "mean"
    """The window's rate the threshold reads: ``mean`` of the colours' rates, ``pooled`` over all its games,
    ``best`` or ``worst`` colour's rate (each falls back to the pooled rate where the window lacks a colour or
    holds a game of unknown colour)."""

    def __post_init__(self):
        if self.rate not in RATES:
            raise ValueError(f"curriculum.rate must be one of {', '.join(RATES)}, got {self.rate!r}")
        if not self.entries:
            raise ValueError("curriculum.entries is empty: list at least one victim")
        if self.window < 1:
            raise ValueError(f"curriculum.window must be at least 1, got {self.window}")
        if self.min_games < 1:
            raise ValueError(f"curriculum.min_games must be at least 1, got {self.min_games}")
        seen: dict[str, tuple[int, str]] = {}
        for i, entry in enumerate(self.entries):  # logs, TensorBoard, SGFs and the victims are keyed by label
            j, victim = seen.setdefault(entry.label, (i, entry.victim))
            if victim != entry.victim:
                raise ValueError(f"curriculum.entries[{j}] ({victim}) and [{i}] ({entry.victim}) are both labelled "
                                 f"{entry.label}: victims are told apart by their labels, so give the files "
                                 f"distinct names")


class Curriculum:
    """Where the run stands in its curriculum; ``record`` each finished game, ``advance`` tells of a change."""

    def __init__(self, config: CurriculumConfig, state: dict | None = None):
        self.config = config
        self.stage = 0
        self.recent: deque[int] = deque(maxlen=config.window)  # 1 win, 0 otherwise
        self.colors: deque[int] = deque(maxlen=config.window)  # the adversary's colour: 1 black, -1 white, 0 unknown
        self.games_at_stage = 0
        self.history: list[dict] = []  # one record per stage left: entry label, games played, win rate
        if state is not None:
            self.load_state_dict(state)

    @property
    def entry(self) -> CurriculumEntry:
        return self.config.entries[self.stage]

    @property
    def is_last(self) -> bool:
        return self.stage == len(self.config.entries) - 1

    @property
    def win_rate(self) -> float:
        """Win rate over the recent window against the current entry (0 before any game), as ``config.rate`` reads
        it. With ``mean`` (the default), where the window holds games of both colours and none of unknown colour, the
        mean of its rates as black and as white: a window whose games are not split evenly between the colours
        (``victimplay.adversary_color: balance`` plays mostly the colour the adversary loses) so reads what an even
        split of the same play would, as the evaluation's alternating colours do. ``best`` and ``worst`` take the
        better or the worse of the two colours' rates under the same condition. Otherwise, and always with
        ``pooled``, the rate over all its games."""
        if not self.recent:
            return 0.0
        black, white = self.win_rate_as(1), self.win_rate_as(-1)
        if self.config.rate != "pooled" and black is not None and white is not None and 0 not in self.colors:
            return {"mean": (black + white) / 2, "best": max(black, white), "worst": min(black, white)}[
                self.config.rate]
        return sum(self.recent) / len(self.recent)

    def win_rate_as(self, color: int) -> float | None:
        """Win rate over the recent window in the games the adversary played as ``color`` (1 black, -1 white);
        None when the window holds none."""
        games = [won for won, c in zip(self.recent, self.colors) if c == color]
        return sum(games) / len(games) if games else None

    def color_rates(self) -> dict[str, float | None]:
        """``win_rate_as_black`` and ``win_rate_as_white`` over the recent window (None for a colour it holds
        none of)."""
        return {"win_rate_as_black": self.win_rate_as(1), "win_rate_as_white": self.win_rate_as(-1)}

    def record(self, won: bool, color: int = 0) -> bool:
        """Count one finished game against the current entry, the adversary playing ``color`` (1 black, -1 white,
        0 not told); True when this moved the run to the next entry."""
        if color not in (1, -1, 0):
            raise ValueError(f"color must be 1 (black), -1 (white) or 0 (not told), got {color}")
        self.recent.append(1 if won else 0)
        self.colors.append(color)
        self.games_at_stage += 1
        if self.is_last or self.games_at_stage < self.config.min_games:
            return False
        if self.win_rate > self.entry.threshold:
            self.history.append({"entry": self.entry.label, "games": self.games_at_stage,
                                 "win_rate": self.win_rate, **self.color_rates()})
            self.stage += 1
            self.recent.clear()
            self.colors.clear()
            self.games_at_stage = 0
            return True
        return False

    def state_dict(self) -> dict:
        return {"stage": self.stage, "recent": list(self.recent), "colors": list(self.colors),
                "games_at_stage": self.games_at_stage,
                "history": [dict(h) for h in self.history],
                "entries": [e.label for e in self.config.entries]}

    def load_state_dict(self, state: dict) -> None:
        labels = [e.label for e in self.config.entries]
        if state.get("entries") and state["entries"][: state["stage"] + 1] != labels[: state["stage"] + 1]:
            raise ValueError(f"the checkpoint's curriculum ({state['entries']}) does not match this config's "
                             f"({labels}) up to its stage {state['stage']}")
        if not 0 <= state["stage"] < len(labels):
            raise ValueError(f"curriculum stage {state['stage']} is outside this config's {len(labels)} entries")
        self.stage = int(state["stage"])
        self.recent = deque((int(x) for x in state["recent"]), maxlen=self.config.window)
        colors = [int(c) for c in state.get("colors", [])]  # checkpoints written before colours were kept: unknown
        if len(colors) != len(state["recent"]):
            colors = [0] * len(state["recent"])
        self.colors = deque(colors, maxlen=self.config.window)
        self.games_at_stage = int(state["games_at_stage"])
        self.history = [dict(h) for h in state.get("history", [])]
