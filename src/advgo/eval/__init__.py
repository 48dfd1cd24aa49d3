"""Matches between agents and the statistics that judge them (win rates with intervals, Elo)."""

from .arena import MatchResult, play_match
from .stats import wilson_interval

__all__ = ["MatchResult", "play_match", "wilson_interval"]
