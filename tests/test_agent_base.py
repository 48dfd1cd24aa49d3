"""The ``Agent`` base (``advgo.agents.base``): what every player has, and a new one written by filling it in."""

from __future__ import annotations

import numpy as np
import pytest

from advgo import GameState, Rules, engine
from advgo.agent_registry import make_agent, misfit
from advgo.agents import Agent, MCTSAgent, PolicyAgent, RandomAgent, select_move
from advgo.agents.amcts import AMCTSAgent
from advgo.agents.baselines import BaselineAgent
from advgo.agents.human import HumanAgent
from advgo.search import Reseedable, SearchEvaluator, UniformEvaluator
from advgo.victims import HardenedAgent


class FirstPoint(Agent):
    """A whole new agent: ``start`` and ``select`` filled in, everything else the base's."""

    name = "first-point"

    def start(self, size, rules, batch):
        self.size = size

    def select(self, boards, games):
        return np.zeros(len(games), np.int64)


class Symmetries(UniformEvaluator):
    """A fake evaluator with random choices of its own (as ``TorchEvaluator``'s symmetries)."""

    def __init__(self):
        super().__init__()
        self.seeds = []

    def reseed(self, seed):
        self.seeds.append(seed)


def test_a_new_agent_is_its_start_and_select():
    agent = FirstPoint()
    assert (agent.agent_spec, agent.board_size, agent.rules_supported) == (None, None, None)
    assert agent.reseed(3) is False  # no random choices of its own
    agent.close()  # nothing to end
    assert select_move(agent, GameState.new(5, Rules.tromp_taylor())) == 0
    assert misfit(agent, 5, Rules.chinese()) is None


def test_an_agent_must_fill_in_start_and_select():
    class Half(Agent):
        def start(self, size, rules, batch):
            pass

    with pytest.raises(TypeError, match="select"):
        Half()


def test_every_player_is_an_agent():
    evaluator = UniformEvaluator()
    players = [RandomAgent(), PolicyAgent(evaluator), MCTSAgent(evaluator, 2), AMCTSAgent(evaluator, 2, evaluator),
               BaselineAgent("edge"), HumanAgent(), HardenedAgent(RandomAgent(), evaluator)]
    assert all(isinstance(p, Agent) for p in players)
    for p in players:
        p.close()


def test_reseed_restarts_the_agent_and_its_evaluators():
    own, victim = Symmetries(), Symmetries()
    agent = AMCTSAgent(own, 2, SearchEvaluator(victim, 4, Rules.tromp_taylor().codes(engine.NO_CAP)))
    assert isinstance(own, Reseedable) and not isinstance(UniformEvaluator(), Reseedable)
    assert agent.reseed(7)
    first = agent.rng.random()
    agent.reseed(7)
    assert agent.rng.random() == first
    assert own.seeds == [8, 8] and victim.seeds == [9, 9]  # its net from seed + 1, the victim's searched net + 2
    hardened = HardenedAgent(PolicyAgent(own), victim)
    assert hardened.reseed(10) and own.seeds[-1] == 12 and victim.seeds[-1] == 11
    assert not HardenedAgent(FirstPoint(), UniformEvaluator()).reseed(1)


def test_registry_agents_say_what_they_play():
    edge = make_agent("baseline:edge")
    assert edge.agent_spec == "baseline:edge" and edge.board_size is None and edge.rules_supported is None
    cp1 = make_agent("zoo:cp1")
    assert cp1.agent_spec == "zoo:cp1" and cp1.board_size == 9
    assert misfit(cp1, 5, Rules.tromp_taylor()) == ("zoo:cp1 plays 9x9 only", "board_size", 9)
