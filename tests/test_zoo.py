"""The zoo: exporting a victim from a training checkpoint, the registry round trip, victims as agents."""

import pytest

import advgo.zoo.registry as registry
from advgo.config import load_config
from advgo.eval import play_match
from advgo.agents import RandomAgent
from advgo.nets import checkpoint_path
from advgo.training.victim import MILESTONES, VictimTrainer
from advgo.training.victim_config import VictimRunConfig
from test_train_victim import TINY


@pytest.fixture()
def zoo_dir(tmp_path, monkeypatch):
    run = tmp_path / "run"
    VictimTrainer(load_config(VictimRunConfig, TINY, ["schedule.total_steps=20"]), run).run()
    monkeypatch.setattr(registry, "NETS_DIR", tmp_path / "nets")
    monkeypatch.setattr(registry, "REGISTRY_PATH", tmp_path / "registry.yaml")
    entry = registry.export_victim(checkpoint_path(run / MILESTONES, 20), "tiny-a", training={"run": "run"})
    registry.save_entries([entry])
    return tmp_path


def test_export_and_registry_round_trip(zoo_dir):
    [entry] = registry.entries()
    assert entry.name == "tiny-a" and entry.board_size == 5 and entry.net_size == "1x8"
    assert entry.training["step"] == 20 and entry.training["games"] > 0 and entry.training["hardware"]
    assert entry.path.exists() and entry.path.stat().st_size < 1_000_000
    assert registry.get("tiny-a") == entry
    with pytest.raises(KeyError, match="tiny-a"):
        registry.get("nope")


@pytest.mark.parametrize("visits", [1, 8])
def test_victim_plays_as_an_agent(zoo_dir, visits):
    victim = registry.make_agent("tiny-a", visits=visits)
    assert victim.name == f"tiny-a@{visits}"
    result = play_match(victim, RandomAgent(seed=1), 5, 4)
    assert result.games == 4


def test_the_bundled_ladder():
    """The shipped zoo: at least 4 small 9x9 victims, weakest first, loadable, with their measured strengths."""
    rows = registry.entries()
    assert len(rows) >= 4
    for row in rows:
        assert row.board_size == 9 and row.path.stat().st_size < 5_000_000
        assert row.training["hardware"] and row.training["wall_hours"] > 0
        assert registry.load_net(row.name).config.board_size == 9
    steps = [r.training["step"] for r in rows]
    assert steps == sorted(steps)
    if all(r.strength for r in rows):
        assert rows[0].strength["vs_random"]["win_rate"] >= 0.9
        assert rows[-1].strength["vs_random"]["win_rate"] >= 0.99
        elo = [r.strength["elo"] for r in rows]
        assert elo[-1] > elo[0] > 0
