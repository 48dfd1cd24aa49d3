"""External engines as victims: GNU Go in victim-play (black box, plain search), a killed engine restarted,
and a tiny adversary run whose curriculum ends at GNU Go."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest
import torch

from advgo.config import load_config
from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator
from advgo.rules import Rules
from advgo.search import SearchConfig
from advgo.training.adversary import AdversaryTrainer
from advgo.training.adversary_config import AdversaryRunConfig
from advgo.training.victimplay import VictimPlay, VictimPlayConfig
from advgo.victims import resolve_victim

ROOT = Path(__file__).resolve().parents[1]
RULES = Rules.chinese(0.5)


def evaluator():
    torch.manual_seed(0)
    net = PolicyValueNet(NetConfig(board_size=5, blocks=1, channels=8, global_pool=False)).eval()
    return TorchEvaluator(net, symmetry="none", rules=RULES)


def test_gnugo_victim_play_survives_a_killed_engine(gnugo_installed):
    victim = resolve_victim("gnugo:level=0")
    config = VictimPlayConfig(games=2, full_visits=4, fast_visits=2, amcts="plain", hardening=False)
    play = VictimPlay(evaluator(), victim, 5, RULES, SearchConfig(visits=4), config, np.random.default_rng(0),
                      training=False, continuous=False)
    killed = False
    finished = []
    while not play.all_done:
        engine = play.victim_agent._slots[0].engine
        if not killed and engine is not None and play.roots.move_count[0] >= 4:
            os.kill(engine.pid, signal.SIGKILL)
            killed = True
        finished += play.step()
    assert killed and play.voided == 1  # game 0 was voided and played again, to the end
    assert len(finished) == 2 and {g.adversary_color for g in finished} == {1, -1}
    assert all(g.victim == "gnugo:level=0" for g in finished)
    play.victim_agent.close()


def test_black_box_victims_need_plain_search(gnugo_installed, tmp_path):
    sets = ["curriculum.entries=[{victim: 'gnugo:level=0', visits: 1, threshold: 0.5}]", "game.rules=chinese"]
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml", sets)
    with pytest.raises(ValueError, match="black box"):
        AdversaryTrainer(cfg, tmp_path / "a")
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml",
                      sets[:1] + ["victimplay.amcts=plain", "victimplay.hardening=false"])
    with pytest.raises(ValueError, match="set game.rules: chinese"):
        AdversaryTrainer(cfg, tmp_path / "b")


def test_a_curriculum_can_end_at_gnugo(gnugo_installed, tiny_victims, tmp_path):
    sets = [f"curriculum.entries=[{{victim: '{tiny_victims[0]}', visits: 1, threshold: 0.0}}, "
            "{victim: 'gnugo:level=0', visits: 1, threshold: 1.0}]",
            "game.rules=chinese", "victimplay.amcts=plain", "victimplay.hardening=false",
            "schedule.total_steps=20", "evaluation.games=2"]
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml", sets)
    trainer = AdversaryTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.curriculum.stage == 1 and trainer.current_victim.label == "gnugo:level=0"
    assert any((tmp_path / "run" / "sgf").glob("*.sgf"))


def test_the_gnugo_attack_config_loads_its_victims(gnugo_installed):
    from advgo.training.adversary_eval import curriculum_victims as load_victims

    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "attack-gnugo-9x9.yaml")
    victims = load_victims(cfg, "cpu")
    assert list(victims) == ["cp4@1", "gnugo:level=0", "gnugo:level=5", "gnugo:level=10"]
    assert [v.has_policy for v in victims.values()] == [True, False, False, False]
