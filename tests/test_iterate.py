"""Iterated adversarial training: the plan, the state file and resume, the budget split, the cross table, the CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

from advgo.config import ConfigError, load_config
from advgo.iterate.config import IterateConfig
from advgo.iterate.loop import (
    STATE_FILE,
    CellClock,
    Interrupted,
    IteratedTraining,
    _TableCut,
    agent_spec,
    katanet_with_model,
    plan,
)
from advgo.nets import latest_checkpoint, load_checkpoint
from advgo.nets.katago import read_model
from advgo.runlog import read_scalars
from advgo.training.attack import AttackTrainer
from advgo.training.budget import Budget

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "configs" / "iterate-tiny.yaml"


def stub_config(*overrides):
    """The tiny config on 9x9 against the zoo's cp1: for the bookkeeping tests, whose phases are stubs."""
    return load_config(IterateConfig, TINY, ["victim=cp1", "adversary.game.board_size=9",
                                             "defender.game.board_size=9", *overrides])


class Stubs:
    """Fake phases: record which ran, return results shaped like the real ones, optionally fail or spend time."""

    def __init__(self, run: IteratedTraining, fail: str | None = None, on_phase=None):
        self.calls: list[str] = []
        self.fail = fail
        self.on_phase = on_phase
        for kind in ("attack", "defence", "table"):
            setattr(run, f"_{kind}", self._phase)

    def _phase(self, phase, minutes, logger):
        self.calls.append(phase.name)
        if self.on_phase is not None:
            self.on_phase(phase)
        if phase.name == self.fail:
            raise Interrupted
        if phase.kind == "attack":
            return {"checkpoint": f"{phase.folder}/checkpoints/ckpt-000000001.pt", "beaten": True, "win_rate": 1.0,
                    "window_games": 1, "games": 1, "steps": 1}
        if phase.kind == "defence":
            return {"checkpoint": f"{phase.folder}/checkpoints/ckpt-000000001.pt", "lost_games": 1, "steps": 1}
        return {"rows": [], "columns": [], "win_rate": []}


ALL = ["round-01/attack", "round-01/defence", "round-02/attack", "round-02/defence", "fresh/attack", "table"]


# ---------------------------------------------------------------------------------------------- bookkeeping
def test_plan_and_folders():
    phases = plan(stub_config())
    assert [p.name for p in phases] == ALL
    assert [p.folder for p in phases] == ["round-01/adversary", "round-01/victim", "round-02/adversary",
                                          "round-02/victim", "fresh/adversary", "table"]
    assert [p.round for p in phases] == [1, 1, 2, 2, 3, 0]
    assert [p.name for p in plan(stub_config("rounds=1", "fresh.enabled=false", "table.enabled=false"))] == \
        ["round-01/attack", "round-01/defence"]


def test_stopping_after_a_phase_then_resume_continues_with_the_next(tmp_path):
    run = IteratedTraining(stub_config(), tmp_path)
    stubs = Stubs(run)
    assert run.run(max_phases=1) == "stopped"
    assert stubs.calls == ["round-01/attack"]
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["plan"] == ALL and state["phases"]["round-01/attack"]["status"] == "done"
    assert "round-01/defence" not in state["phases"]
    again = IteratedTraining(stub_config(), tmp_path, resume=True)
    stubs = Stubs(again)
    assert again.run() == "done"
    assert stubs.calls == ALL[1:]  # the finished phase is not redone
    assert all(again.state.status(name) == "done" for name in ALL)
    stubs = Stubs(IteratedTraining(stub_config(), tmp_path, resume=True))
    assert stubs.calls == [] and (tmp_path / "config.yaml").exists()


def test_an_interrupted_phase_runs_again_on_resume(tmp_path):
    run = IteratedTraining(stub_config(), tmp_path)
    stubs = Stubs(run, fail="round-01/defence")
    assert run.run() == "interrupted"
    assert stubs.calls == ["round-01/attack", "round-01/defence"]
    assert run.state.status("round-01/defence") == "running"
    again = IteratedTraining(stub_config(), tmp_path, resume=True)
    stubs = Stubs(again)
    assert again.run() == "done" and stubs.calls == ALL[1:]


def test_resume_may_add_phases_after_the_done_ones_only(tmp_path):
    run = IteratedTraining(stub_config(), tmp_path)
    Stubs(run)
    run.run(max_phases=2)  # round 1 done
    more = IteratedTraining(stub_config("rounds=3"), tmp_path, resume=True)
    assert [p.name for p in more.phases][4:6] == ["round-03/attack", "round-03/defence"]
    Stubs(more)
    assert more.run() == "done"
    with pytest.raises(ValueError, match="would put them elsewhere"):
        IteratedTraining(stub_config("rounds=4"), tmp_path, resume=True)  # fresh/attack and table are done
    with pytest.raises(ValueError, match="--resume"):
        IteratedTraining(stub_config(), tmp_path)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        IteratedTraining(stub_config(), tmp_path / "other", resume=True)


def test_the_budget_is_shared_by_weight_and_capped():
    class Clock:
        now = 0.0

        def __call__(self):
            return self.now

    clock = Clock()
    run = IteratedTraining.__new__(IteratedTraining)  # no folder needed: only the arithmetic
    run.cfg = stub_config()
    run.phases = plan(run.cfg)
    run.budget = Budget(14, clock=clock)

    class State:
        done: set = set()

        def status(self, name):
            return "done" if name in self.done else None

    run.state = State()
    # weights: attack 3, defence 2 for each of 2 rounds, fresh attack 3, table 1: 14 in all
    assert run._phase_minutes(run.phases[0]) == pytest.approx(3.0)
    assert run._phase_minutes(run.phases[1]) == pytest.approx(2.0)
    run.state.done = {"round-01/attack", "round-01/defence"}
    clock.now = 60 * 5  # 9 minutes left for weights 3 + 2 + 3 + 1
    assert run._phase_minutes(run.phases[2]) == pytest.approx(3.0)
    assert run._phase_minutes(run.phases[5]) == pytest.approx(1.0)
    run.cfg = dataclasses.replace(run.cfg, attack=dataclasses.replace(run.cfg.attack, max_minutes=0.5))
    assert run._phase_minutes(run.phases[2]) == pytest.approx(0.5)  # its own cap
    assert run._phase_minutes(run.phases[4]) == pytest.approx(3.0)  # the fresh attack has its own (none)
    run.budget = Budget(None)
    assert run._phase_minutes(run.phases[2]) == pytest.approx(0.5) and run._phase_minutes(run.phases[3]) is None


def test_a_spent_budget_stops_the_run_before_the_next_phase(tmp_path):
    run = IteratedTraining(stub_config(), tmp_path, max_minutes=1)
    start = run.budget.start

    def spend(phase):
        run.budget._clock = lambda: start + 61  # the first phase used the whole minute

    stubs = Stubs(run, on_phase=spend)
    assert run.run() == "budget"
    assert stubs.calls == ["round-01/attack"] and run.state.status("round-01/defence") is None


def test_the_table_starts_a_cell_only_when_it_expects_it_to_end_in_time():
    now = [0.0]
    played = dataclasses.make_dataclass("Cell", [("replayed", bool, False)])
    replayed = played(replayed=True)
    clock = CellClock(100.0, cells=6, clock=lambda: now[0])
    now[0] = 0.0
    clock(replayed)  # read back from a resumed table: takes no time, no estimate yet
    now[0] = 30.0
    clock(played())  # 30 s; 70 s left: the next one is expected to end at 60
    now[0] = 70.0
    with pytest.raises(_TableCut):  # cells took 35 s on average, 30 s left
        clock(played())
    last = CellClock(10.0, cells=1, clock=lambda: now[0])
    now[0] = 500.0
    last(played())  # the last cell: nothing to stop
    assert CellClock(None, cells=3)(played()) is None


def test_the_table_stops_inside_a_cell_that_overruns_the_time():
    now = [0.0]
    clock = CellClock(100.0, cells=4, clock=lambda: now[0])
    now[0] = 99.0
    clock.game()  # in time
    now[0] = 100.5
    with pytest.raises(_TableCut, match="inside a cell"):
        clock.game()
    now[0] = 1e9
    CellClock(None, cells=4, clock=lambda: now[0]).game()  # no budget: never cut


def test_victims_chain_and_table_columns(tmp_path):
    run = IteratedTraining(stub_config(), tmp_path)
    Stubs(run)
    run.run(max_phases=3)
    run.state.mark("round-02/defence", "done", {"skipped": "no lost game", "victim": "x", "lost_games": 0})
    assert run.victim(0) == "cp1"
    assert run.victim(1) == str((tmp_path / "round-01/victim/checkpoints/ckpt-000000001.pt").absolute())
    assert run.victim(2) == run.victim(1)  # round 2 had nothing to train on
    table = run.table_config()
    assert [r.name for r in table.rows] == ["adversary 1", "adversary 2"]
    assert [c.name for c in table.columns] == ["victim 0 (cp1)", "victim 1"]  # no duplicate column for victim 2
    assert table.columns[0].spec == "zoo:cp1:visits=1" and table.columns[1].spec.startswith("net:/")
    assert table.rows[0].params == "visits=8" and table.board_size == 9


def test_agent_spec():
    assert agent_spec("cp2", 4) == "zoo:cp2:visits=4"
    assert agent_spec("zoo:cp2", 1) == "zoo:cp2:visits=1"
    assert agent_spec("runs/v/checkpoints/ckpt-000000010.pt", 2) == "net:runs/v/checkpoints/ckpt-000000010.pt:visits=2"
    assert agent_spec("net:/a/b.pt", 1) == "net:/a/b.pt:visits=1"


def test_katanet_specs():
    assert agent_spec("katanet", 1) == "katanet:visits=1"
    assert agent_spec("katanet:dtype=bf16", 4) == "katanet:dtype=bf16:visits=4"
    assert katanet_with_model("katanet:dtype=bf16", Path("/r/v.bin.gz")) == "katanet:model=/r/v.bin.gz:dtype=bf16"
    assert katanet_with_model("katanet:dtype=bf16:model=/a.bin.gz", Path("/b.bin.gz")) == \
        "katanet:model=/b.bin.gz:dtype=bf16"
    assert katanet_with_model("katanet:dtype=bf16:model=/a.bin.gz", None) == "katanet:model=/a.bin.gz"
    assert katanet_with_model("katanet:dtype=bf16", None) == "katanet"


def test_a_katago_victim_chains_through_its_model_files(tiny_katago, tmp_path):
    cfg = stub_config(f"victim=katanet:model={tiny_katago}:dtype=bf16", "attack.init=config")
    run = IteratedTraining(cfg, tmp_path)
    Stubs(run)
    run.run(max_phases=1)
    defence = run.defence_config(run.phases[1])
    assert defence.defence.init == f"katanet:model={tiny_katago}"  # the net to fine-tune, not how it plays
    run.state.mark("round-01/defence", "done", {"checkpoint": "round-01/victim/checkpoints/ckpt-000000001.pt",
                                                "model": "round-01/victim/victim-01.bin.gz", "lost_games": 1,
                                                "steps": 1})
    model = (tmp_path / "round-01/victim/victim-01.bin.gz").absolute()
    assert run.victim(1) == f"katanet:model={model}:dtype=bf16"
    assert run.attack_config(run.phases[2]).curriculum.entries[0].victim == run.victim(1)
    assert run.defence_config(run.phases[3]).defence.init == f"katanet:model={model}"
    table = run.table_config()
    assert [c.name for c in table.columns] == ["victim 0 (katanet[tiny-v15])", "victim 1"]
    assert table.columns[1].spec == f"katanet:model={model}:dtype=bf16:visits=1"


@pytest.mark.parametrize("anchor_to", ["previous", "first"])
def test_each_rounds_anchor_holds_to_the_victim_the_config_names(tiny_katago, tmp_path, anchor_to):
    cfg = stub_config(f"victim=katanet:model={tiny_katago}:dtype=bf16", "attack.init=config",
                      "defender.defence.anchor=4", f"defence.anchor_to={anchor_to}")
    run = IteratedTraining(cfg, tmp_path)
    Stubs(run)
    run.run(max_phases=1)
    assert run.defence_config(run.phases[1]).defence.anchor_to == ("" if anchor_to == "previous"
                                                                   else f"katanet:model={tiny_katago}")
    run.state.mark("round-01/defence", "done", {"checkpoint": "round-01/victim/checkpoints/ckpt-000000001.pt",
                                                "model": "round-01/victim/victim-01.bin.gz", "lost_games": 1,
                                                "steps": 1})
    second = run.defence_config(run.phases[3]).defence
    assert second.init.endswith("victim-01.bin.gz")
    assert second.anchor_to == ("" if anchor_to == "previous" else f"katanet:model={tiny_katago}")
    unanchored = IteratedTraining(stub_config(f"victim=katanet:model={tiny_katago}", "defence.anchor_to=first"),
                                  tmp_path / "plain")
    assert unanchored.defence_config(unanchored.phases[1]).defence.anchor_to == ""  # no anchor, nothing to hold


def test_a_katago_victim_with_visits_in_its_spec_is_refused(tiny_katago, tmp_path):
    with pytest.raises(ValueError, match="the run's visits"):
        IteratedTraining(stub_config(f"victim=katanet:model={tiny_katago}:visits=2"), tmp_path)


@pytest.mark.parametrize("override, message", [
    ("defender.defence.init=cp1", "set by each round"),
    ("defender.game.komi=7.5", "must be the same"),
    ("rounds=0", "rounds"),
    (("defender.defence.anchor=1", "defender.defence.anchor_to=cp1"), "set by each round"),
    ("defence.anchor_to=last", "defence.anchor_to: expected one of 'previous', 'first'"),
    ("attack.threshold=2", "threshold"),
])
def test_config_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        stub_config(*((override,) if isinstance(override, str) else override))


def test_a_defence_may_play_on_actors():
    assert stub_config("defender.scale.workers=2").defender.scale.workers == 2  # positions travel to Ray actors


def test_a_victim_that_cannot_be_defended_is_an_error_before_anything_runs(tmp_path):
    with pytest.raises(ValueError, match="victim: unknown victim 'nobody'"):
        IteratedTraining(stub_config("victim=nobody"), tmp_path / "run")
    with pytest.raises(ValueError, match="plays 9x9"):
        IteratedTraining(load_config(IterateConfig, TINY, ["victim=cp1"]), tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.fixture(scope="module")
def tiny_katago(tmp_path_factory) -> Path:
    """A tiny KataGo net (model version 15) in KataGo's file format (``tests/katago_models.py``)."""
    from katago_models import build

    from advgo.nets.katago import write_model

    path = tmp_path_factory.mktemp("katago-iterate") / "tiny-v15.bin.gz"
    write_model(build("v15-transformer", seed=5, name="tiny-v15"), path)
    return path


# ---------------------------------------------------------------------------------------------- real runs
def tiny(victims, *overrides):
    return load_config(IterateConfig, TINY, [f"victim={victims[1]}", *overrides])


def test_resume_continues_a_phase_killed_in_the_middle(tiny_victims, tmp_path, caplog):
    """Killed at step 10 of its 20, round 1's attack resumes from its checkpoint at step 10; a phase killed before its
    first checkpoint starts over."""
    cfg = tiny(tiny_victims, "rounds=1", "fresh.enabled=false", "table.enabled=false", "attack.threshold=1.0")
    run = IteratedTraining(cfg, tmp_path)
    attack = run.phases[0]
    run.state.mark(attack.name, "running")
    first = run.attack_config(attack)
    schedule = dataclasses.replace(first.schedule, total_steps=10)
    AttackTrainer(dataclasses.replace(first, schedule=schedule), tmp_path / attack.folder).run()  # then "killed"
    (tmp_path / "round-01/victim").mkdir(parents=True)
    (tmp_path / "round-01/victim/stale.txt").write_text("a phase killed before its first checkpoint")
    with caplog.at_level("INFO", logger="advgo"):
        assert IteratedTraining(cfg, tmp_path, resume=True).run() == "done"
    lines = [r.getMessage() for r in caplog.records]
    assert any("round-01/attack resumes from" in line and "ckpt-000000010.pt" in line for line in lines), lines
    assert any("resumed" in line and "at step 10" in line for line in lines), lines
    assert load_checkpoint(latest_checkpoint(tmp_path / "round-01/adversary/checkpoints")).step == 20
    assert not (tmp_path / "round-01/victim/stale.txt").exists()
    state = json.loads((tmp_path / STATE_FILE).read_text())
    assert state["phases"]["round-01/attack"]["result"]["beaten"] is False  # a threshold of 1.0 is never passed
    assert state["phases"]["round-01/defence"]["status"] == "done"


def test_cli_tiny_iterated_run(tiny_victims, tmp_path):
    from test_cli_train import advgo

    out = advgo("train", "iterate", "--config", str(TINY), "--set", f"victim={tiny_victims[1]}", "--runs",
                str(tmp_path), "--name", "it", "--seed", "3", "--max-minutes", "5")
    assert out.returncode == 0, out.stderr[-3000:]
    assert "done: every phase finished" in out.stdout
    run = tmp_path / "it"
    assert "seed: 3" in (run / "config.yaml").read_text()
    state = json.loads((run / STATE_FILE).read_text())
    assert [state["phases"][name]["status"] for name in ALL] == ["done"] * len(ALL)
    for folder in ("round-01/adversary", "round-01/victim", "round-02/adversary", "round-02/victim",
                   "fresh/adversary"):
        assert latest_checkpoint(run / folder / "checkpoints") is not None, folder
        assert (run / folder / "config.yaml").exists(), folder
    assert "seed: 2005" in (run / "round-02/victim/config.yaml").read_text()
    r2 = state["phases"]["round-02/attack"]["result"]
    assert r2["init"].endswith(state["phases"]["round-01/attack"]["result"]["checkpoint"])  # warm-started
    assert r2["victim"].endswith(state["phases"]["round-01/defence"]["result"]["checkpoint"])
    assert state["phases"]["fresh/attack"]["result"]["init"] is None  # fresh: adversary.init, from scratch here
    defended = load_checkpoint(run / state["phases"]["round-01/defence"]["result"]["checkpoint"])
    assert defended.extra["defence"]["init"] == tiny_victims[1]
    cross = json.loads((run / "table" / "cross.json").read_text())
    assert cross["rows"] == ["adversary 1", "adversary 2", "fresh adversary"]
    assert cross["columns"][1:] == ["victim 1", "victim 2"] and cross["columns"][0].startswith("victim 0")
    assert all(len(row) == 3 and all(v is None or 0 <= v <= 1 for v in row) for row in cross["win_rate"])
    assert (run / "table" / "cross.png").stat().st_size > 1000
    assert "| adversary 1 |" in (run / "table" / "table.md").read_text()
    scalars = read_scalars(run)
    steps = {r["step"] for r in scalars if r["tag"] == "iterate/attack_win_rate"}
    assert steps == {1, 2, 3}
    assert any(r["tag"] == "cross/adversary_1/victim_1/win_rate" for r in scalars)
    assert list(run.glob("events.out.tfevents.*"))
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*.pt")}
    out = advgo("train", "iterate", "--resume", str(run))
    assert out.returncode == 0 and "done" in out.stdout, out.stderr[-2000:]
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*.pt")} == before  # nothing redone


def test_cli_errors_write_nothing(tmp_path):
    from test_cli_train import advgo

    out = advgo("train", "iterate", "--config", str(TINY), "--runs", str(tmp_path), "--set", "victim=nobody")
    assert out.returncode == 2 and "unknown victim 'nobody'" in out.stdout
    out = advgo("train", "iterate", "--config", str(TINY), "--runs", str(tmp_path), "--set", "rounds=zero")
    assert out.returncode == 2 and "rounds" in out.stdout
    assert not any(tmp_path.iterdir())


def test_every_config_field_is_documented():
    from advgo.config import missing_docs
    from advgo.training.victim_config import VictimRunConfig

    assert missing_docs(IterateConfig) == [] and missing_docs(VictimRunConfig) == []


def test_shipped_configs_load_and_name_bundled_victims(tmp_path):
    from advgo.training.victim_config import VictimRunConfig

    cfg = load_config(IterateConfig, ROOT / "configs" / "iterate-9x9.yaml")
    run = IteratedTraining(cfg, tmp_path / "run")  # resolves the victim; runs nothing
    assert run.victim(0) == "cp2" and [p.name for p in run.phases] == ALL and not (tmp_path / "run").exists()
    defence = load_config(VictimRunConfig, ROOT / "configs" / "defence-9x9.yaml").defence
    assert defence.active and defence.init == "cp2"
    katago = load_config(IterateConfig, ROOT / "configs" / "iterate-katago-9x9.yaml")
    assert katago.victim.startswith("katanet") and katago.defender.defence.katago_dtype == "bf16"
    assert katago.adversary.game == katago.defender.game and katago.defender.scale.workers == 1


def test_an_iterated_run_on_a_katago_net(tiny_katago, tmp_path):
    """One round on 7x7 against a tiny KataGo net: the defence fine-tunes the KataGo net, victim 1 is a KataGo model
    file the fresh adversary and the table play, and a resume redoes nothing."""
    cfg = load_config(IterateConfig, TINY, [f"victim=katanet:model={tiny_katago}", "adversary.game.board_size=7",
                                            "defender.game.board_size=7", "rounds=1", "attack.threshold=1.0",
                                            "table.games=2", "defender.defence.katago_dtype=fp32"])
    assert IteratedTraining(cfg, tmp_path).run() == "done"
    state = json.loads((tmp_path / STATE_FILE).read_text())["phases"]
    defence = state["round-01/defence"]["result"]
    assert defence["lost_games"] > 0 and defence["model"] == "round-01/victim/victim-01.bin.gz"
    model = tmp_path / defence["model"]
    assert read_model(model).name.startswith("tiny-v15-defence")
    assert model.read_bytes() == (tmp_path / "round-01/victim/model.bin.gz").read_bytes()
    assert state["fresh/attack"]["result"]["victim"] == f"katanet:model={model.absolute()}"
    cross = json.loads((tmp_path / "table" / "cross.json").read_text())
    assert cross["columns"] == ["victim 0 (katanet[tiny-v15])", "victim 1"]
    assert cross["rows"] == ["adversary 1", "fresh adversary"]
    assert all(v is not None for row in cross["win_rate"] for v in row)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.bin.gz")}
    assert IteratedTraining(cfg, tmp_path, resume=True).run() == "done"
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.bin.gz")} == before


def test_a_round_whose_adversary_won_nothing_keeps_its_victim(tiny_katago, tmp_path):
    """With ``games_from: all`` the games lost to earlier adversaries are there, but round 2's adversary beat victim 1
    in none of its games: nothing new to train on, so victim 2 is victim 1 (and a defence started is cleared)."""
    from test_katago_training import write_lost_games

    from advgo.rules import Rules
    from advgo.runlog import RunLogger

    cfg = load_config(IterateConfig, TINY, [f"victim=katanet:model={tiny_katago}", "adversary.game.board_size=7",
                                            "defender.game.board_size=7", "fresh.enabled=false",
                                            "table.enabled=false", "defence.games_from=all"])
    run = IteratedTraining(cfg, tmp_path)
    write_lost_games(tmp_path / "round-01/adversary", Rules.tromp_taylor(0.5))
    (tmp_path / "round-02/adversary/sgf").mkdir(parents=True)
    run.state.mark("round-01/defence", "done", {"checkpoint": "round-01/victim/checkpoints/ckpt-000000001.pt",
                                                "model": "round-01/victim/victim-01.bin.gz", "steps": 1})
    (tmp_path / "round-02/victim/checkpoints").mkdir(parents=True)  # a defence started, then killed
    logger = RunLogger(tmp_path)
    try:
        result = run._defence(run.phases[3], None, logger)
    finally:
        logger.close()
    assert "no game lost to adversary 2" in result["skipped"] and result["lost_games"] == 0
    assert not (tmp_path / "round-02/victim").exists()
    run.state.mark("round-02/defence", "done", result)
    assert run.victim(2) == run.victim(1) != run.victim(0)
    assert run.defence_config(run.phases[3]).defence.adversarial[0].endswith("round-01/adversary")


def _attack(tiny_victims, tmp_path, folder: str, resume: bool = False) -> AttackTrainer:
    """Round 1's attack of a one-round loop (threshold 0.5 over a window of 4 games), its SGFs not written."""
    cfg = tiny(tiny_victims, "rounds=1", "attack.threshold=0.5", "adversary.curriculum.window=4",
               "adversary.curriculum.min_games=4")
    run = IteratedTraining(cfg, tmp_path)
    trainer = AttackTrainer(run.attack_config(run.phases[0]), tmp_path / folder, resume=resume)
    trainer._save_game = lambda game: None
    return trainer


def test_a_beaten_attack_reports_the_rate_that_beat_it(tiny_victims, tmp_path):
    """Games that finish after the threshold is passed (in the same play phase) still count as games, but the reported
    win rate is the one that passed it, as logged: a run that read "beaten: 45%" once reported "beaten: 42%" at 0.45."""
    trainer = _attack(tiny_victims, tmp_path, "attack")
    logger = mock.MagicMock()
    for won in (False, True, True, True):  # 75% over 4 games: beaten
        trainer._record(SimpleNamespace(adversary_won=won, adversary_color=1), logger)
    assert trainer.beaten and trainer.outcome()["win_rate"] == 0.75
    for _ in range(3):  # the rest of the play phase: three losses
        trainer._record(SimpleNamespace(adversary_won=False, adversary_color=1), logger)
    assert trainer.curriculum.win_rate == 0.25
    assert trainer.outcome() == {"beaten": True, "win_rate": 0.75, "window_games": 4, "games": 7, "steps": 0}
    fresh = _attack(tiny_victims, tmp_path, "unbeaten")
    for won in (True, False, False):
        fresh._record(SimpleNamespace(adversary_won=won, adversary_color=1), logger)
    assert fresh.outcome() == {"beaten": False, "win_rate": pytest.approx(1 / 3), "window_games": 3, "games": 3,
                               "steps": 0}


def test_a_beaten_attack_resumed_stays_beaten(tiny_victims, tmp_path):
    """Killed after it stopped beaten but before the next phase began, the attack resumes as beaten with the rate that
    beat it, although the games after that moment left its window below the threshold."""
    trainer = _attack(tiny_victims, tmp_path, "attack")
    for won in (False, True, True, True, False, False, False):  # beaten at the 4th game (3 of 4), then 3 losses
        trainer._record(SimpleNamespace(adversary_won=won, adversary_color=1), mock.MagicMock())
    assert trainer.beaten and trainer.outcome()["win_rate"] == 0.75 and trainer.curriculum.win_rate == 0.25
    trainer.save()
    again = _attack(tiny_victims, tmp_path, "attack", resume=True)
    again.run()
    assert again.beaten and again.step == trainer.step
    assert again.outcome() == {"beaten": True, "win_rate": 0.75, "window_games": 4, "games": 7, "steps": trainer.step}
