"""The zoo: exporting a victim from a training checkpoint, the registry round trip, victims as agents, the user
zoo over the bundled one."""

import dataclasses

import pytest
from test_train_victim import TINY

import advgo.zoo.registry as registry
from advgo.agent_registry import make_agent
from advgo.agents import RandomAgent
from advgo.config import load_config
from advgo.eval import play_match
from advgo.nets import checkpoint_path
from advgo.training.trainer import MILESTONES
from advgo.training.victim import VictimTrainer
from advgo.training.victim_config import VictimRunConfig


@pytest.fixture(autouse=True)
def user_data(tmp_path, monkeypatch):
    """A fresh user data folder: the user zoo (where zoo build writes) is empty and never the real one."""
    monkeypatch.setenv("ADVGO_HOME", str(tmp_path / "advgo-home"))
    return tmp_path / "advgo-home"


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
    victim = make_agent(f"zoo:tiny-a:visits={visits}")
    assert victim.name == f"tiny-a@{visits}"
    result = play_match(victim, RandomAgent(seed=1), 5, 4)
    assert result.games == 4


def test_the_bundled_ladder():
    """The shipped zoo: at least 4 small 9x9 victims, weakest first, loadable, with their measured strengths;
    victims of other board sizes load at theirs."""
    rows = registry.entries()
    ladder = [r for r in rows if r.board_size == 9]
    assert len(ladder) >= 4
    for row in rows:
        assert row.path.stat().st_size < 5_000_000
        assert row.training["hardware"] and row.training["wall_hours"] > 0
        assert registry.load_net(row.name).config.board_size == row.board_size
    steps = [r.training["step"] for r in ladder]
    assert steps == sorted(steps)
    if all(r.strength for r in ladder):
        # every rung beats random; cp5 and cp6 at 1 visit give 2-3% away by passing right after an opening pass
        # (README, "The victim zoo")
        assert all(r.strength["vs_random"]["win_rate"] >= 0.95 for r in ladder)
        elo = [r.strength["elo"] for r in ladder]
        assert elo == sorted(elo) and elo[0] > 0  # each rung stronger than the one before


def test_build_appends_and_measure_takes_only_the_named(zoo_dir):
    """``zoo build --append`` keeps the other victims (same name: replaced in place); ``zoo measure --only``
    measures the named victims and only re-fits the Elo of the rest of their board size."""
    from typer.testing import CliRunner

    from advgo.cli import app

    runner = CliRunner()
    build = ["zoo", "build", "--run", str(zoo_dir / "run"), "--steps", "20", "--append"]
    assert runner.invoke(app, build + ["--names", "tiny-b"]).exit_code == 0
    assert [r.name for r in registry.entries()] == ["tiny-a", "tiny-b"]
    assert runner.invoke(app, build + ["--names", "tiny-a"]).exit_code == 0
    assert [r.name for r in registry.entries()] == ["tiny-a", "tiny-b"]
    result = runner.invoke(app, ["zoo", "measure", "--only", "tiny-b", "--games", "2", "--random-games", "2",
                                 "--gnugo-games", "0"])
    assert result.exit_code == 0, result.output
    a, b = registry.entries()
    assert b.strength["vs_random"]["games"] == 2 and "elo" in b.strength
    assert "vs_random" not in a.strength and "elo" in a.strength
    assert "2 5x5 victim(s)" in a.strength["elo_note"]
    bad = runner.invoke(app, ["zoo", "measure", "--only", "nope", "--gnugo-games", "0"])
    assert bad.exit_code == 2 and "nope" in bad.output



def test_build_takes_a_runs_newest_checkpoint_between_milestones(zoo_dir):
    """A run stopped by its time between milestones: its newest checkpoint is a step ``zoo build`` takes; an older
    checkpoint that is no milestone is not."""
    from typer.testing import CliRunner

    from advgo.cli import app
    from advgo.nets import list_checkpoints

    run = zoo_dir / "run"
    checkpoint_path(run / MILESTONES, 20).unlink()
    runner = CliRunner()
    built = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", "20", "--names", "newest", "--append"])
    assert built.exit_code == 0, built.output
    assert registry.get("newest").training["step"] == 20 and registry.get("newest").path.exists()
    older = [p for p in list_checkpoints(run / "checkpoints")][:-1]
    if older:
        step = int(older[-1].stem.split("-")[1])
        bad = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", str(step), "--names", "old"])
        assert bad.exit_code == 2 and "newest checkpoint" in bad.output
    missing = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", "999", "--names", "x"])
    assert missing.exit_code == 2 and "no net of" in missing.output


def test_user_zoo_over_the_bundled_one(tmp_path, monkeypatch, user_data):
    """Writes go to the user zoo, which keeps only what differs from the bundled zoo; reads see both, the user's
    victim in place of a bundled one of the same name; ``ADVGO_HOME`` at the package makes them one zoo."""
    package = tmp_path / "package" / "zoo"
    monkeypatch.setattr(registry, "REGISTRY_PATH", package / "registry.yaml")
    monkeypatch.setattr(registry, "NETS_DIR", package / "nets")
    a, b = (registry.ZooEntry(n, f"{n}.pt", 9, 1, 8, training={"step": 1}) for n in "ab")
    registry.save_entries([a, b], registry.REGISTRY_PATH)
    (package / "nets").mkdir()
    for entry in (a, b):
        (package / "nets" / entry.file).write_bytes(b"")
    assert registry.entries() == [a, b] and a.path == package / "nets" / "a.pt"
    registry.save_entries(registry.entries())  # nothing differs from the bundled zoo
    assert registry.entries(registry.user_registry_path()) == []

    measured, c = dataclasses.replace(a, strength={"elo": 1}), dataclasses.replace(b, name="c", file="c.pt")
    registry.save_entries([measured, b, c])
    assert registry.entries(registry.user_registry_path()) == [measured, c]
    assert registry.entries() == [measured, b, c]
    assert registry.entries(registry.REGISTRY_PATH) == [a, b]  # the bundled registry is never written
    (user_data / "zoo" / "nets").mkdir()
    (user_data / "zoo" / "nets" / "a.pt").write_bytes(b"")
    assert measured.path == user_data / "zoo" / "nets" / "a.pt" and b.path == package / "nets" / "b.pt"

    monkeypatch.setenv("ADVGO_HOME", str(package.parent))  # rebuilding the bundled zoo in a checkout
    assert registry.entries() == [a, b]
    registry.save_entries([measured, b])
    assert registry.entries(registry.REGISTRY_PATH) == [measured, b]


@pytest.mark.parametrize("text, message", [
    ("victims:\n- {name: x, fil: x.pt, board_size: 9, blocks: 1, channels: 8}\n", "victims\\[0\\]: fil: unknown key"),
    ("victims:\n- {name: x, file: x.pt, board_size: nine, blocks: 1, channels: 8}\n", "board_size: expected an integer"),
    ("victims:\n- {name: x, file: x.pt, board_size: 9, blocks: 1, channels: 8, kind: onnx}\n", "kind must be one of"),
    ("victims: [1, 2\n", "zoo registry"),
    ("victims: 3\n", "a list of victims"),
])
def test_a_broken_user_registry_is_a_clear_error(user_data, text, message):
    """A hand-edited user registry that does not parse: every command that reads the zoo names the file and the
    row, as one line and exit status 2, and nothing is written."""
    from typer.testing import CliRunner

    from advgo.cli import app

    path = user_data / "zoo" / "registry.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        registry.entries()
    for args in (["zoo", "list"], ["match", "zoo:cp1", "random", "--games", "2"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and str(path) in result.output.replace("\n", "") and "Traceback" not in result.output
    assert path.read_text() == text


def test_zoo_list_is_readable_piped_at_80_columns_and_loads_no_net():
    """``advgo zoo list | cat`` at 80 columns: one line per victim, names whole, the table within 80 columns (the
    notes under it are text, printed whole); and it reads only the registry (no torch import, no net loaded), so
    it answers at once."""
    import os
    import subprocess
    import sys

    code = ("import sys\nfrom advgo.cli import app\n"
            "try:\n    app(['zoo', 'list'], prog_name='advgo')\nexcept SystemExit:\n    pass\n"
            "print('TORCH' if 'torch' in sys.modules else 'NO TORCH')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "COLUMNS": "80"})
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[-1] == "NO TORCH"
    names = [row.name for row in registry.entries()]
    table = [line for line in lines if line.split()[:1] and line.split()[0] in ["name", *names]]
    assert len(table) == len(names) + 1 and all(len(line) <= 80 for line in table), "\n".join(lines)
    for row in registry.entries():
        assert sum(line.split()[:1] == [row.name] for line in lines) == 1, (row.name, "\n".join(lines))
    assert "…" not in out.stdout
