"""Batched matches between two agents: all games at once, colours alternated, Tromp-Taylor results."""

from dataclasses import dataclass, field

import numpy as np

from .. import engine
from ..agents import Agent
from ..rules import Rules
from .stats import wilson_interval


@dataclass
class MatchResult:
    """Results from agent A's side. A game stopped at the move cap is scored as it stands (so it can be a win
    here) and counted in ``capped``; the curriculum and adversary evaluation are stricter: no capped wins."""

    a: str
    b: str
    wins: int = 0
    losses: int = 0
    draws: int = 0
    capped: int = 0
    lengths: list = field(default_factory=list)
    margins: list = field(default_factory=list)  # A's score margin per game
    a_black: list = field(default_factory=list)

    @property
    def games(self) -> int:
        return self.wins + self.losses + self.draws

    @property
    def win_rate(self) -> float:
        return self.wins / self.games if self.games else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.wins, self.games)


def play_match(agent_a: Agent, agent_b: Agent, size: int, games: int, rules: Rules | None = None,
               max_moves: int | None = None, alternate: bool = True) -> MatchResult:
    """Play ``games`` games of A against B at once; A is black in even-numbered games when alternating."""
    rules = Rules.tromp_taylor() if rules is None else rules
    cap = max_moves or 2 * size * size
    codes = rules.codes(cap)
    boards = engine.new_boards(games, size, cap + 1)
    a_black = np.array([(g % 2 == 0) or not alternate for g in range(games)])
    for agent in (agent_a, agent_b):
        agent.start(size, rules, games)
    actions = np.full(games, engine.NO_ACTION, np.int64)
    while True:
        live = boards.end_reason == engine.END_NONE
        if not live.any():
            break
        black_to_move = boards.to_play == engine.BLACK
        actions[:] = engine.NO_ACTION
        for agent, mine in ((agent_a, black_to_move == a_black), (agent_b, black_to_move != a_black)):
            idx = np.flatnonzero(live & mine)
            if len(idx):
                actions[idx] = agent.select(boards, idx)
        status = engine.play_batch(boards, codes, actions)
        bad = np.flatnonzero(status != engine.OK)
        if len(bad):
            g = int(bad[0])
            who = agent_a.name if (boards.to_play[g] == engine.BLACK) == a_black[g] else agent_b.name
            raise RuntimeError(f"{who} chose an illegal move {int(actions[g])} in game {g}: "
                               f"{engine.STATUS_NAMES[int(status[g])]}")
    scores = engine.scores(boards, codes)
    result = MatchResult(agent_a.name, agent_b.name)
    for g in range(games):
        margin = float(scores[g]) * (1 if a_black[g] else -1)
        result.margins.append(margin)
        result.lengths.append(int(boards.move_count[g]))
        result.a_black.append(bool(a_black[g]))
        result.capped += int(boards.end_reason[g] == engine.END_MOVE_CAP)
        if margin > 0:
            result.wins += 1
        elif margin < 0:
            result.losses += 1
        else:
            result.draws += 1
    return result
