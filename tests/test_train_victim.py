"""Self-play training of victims, end to end on a tiny 5x5 config: logs, checkpoints, resume, bad input."""

from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from advgo.config import ConfigError, load_config
from advgo.nets import CheckpointError, latest_checkpoint, load_checkpoint
from advgo.runlog import read_scalars
from advgo.training.trainer import CHECKPOINTS, MILESTONES
from advgo.training.victim import VictimTrainer
from advgo.training.victim_config import VictimRunConfig

TINY = Path(__file__).resolve().parents[1] / "configs" / "victim-tiny.yaml"


def tiny(*overrides):
    return load_config(VictimRunConfig, TINY, overrides)


def test_tiny_run_logs_checkpoints_and_evaluations(tmp_path):
    run = tmp_path / "run"
    VictimTrainer(tiny(), run).run()
    assert (run / "config.yaml").exists()
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    for tag in ("losses/policy", "losses/value", "losses/total", "selfplay/game_length",
                "selfplay/black_win_rate", "eval/vs_random/win_rate", "eval/vs_previous/win_rate_low",
                "perf/evals_per_s", "perf/net_share", "perf/steps_per_s"):
        assert tag in tags, tag
    assert [e.step for e in acc.Scalars("eval/vs_random/win_rate")] == [20, 40]
    assert "hparams/config" in acc.Tags()["tensors"]
    mirrored = {(r["tag"], r["step"]) for r in read_scalars(run / "scalars.jsonl")}
    assert ("losses/total", 40) in mirrored
    assert sorted(p.name for p in (run / MILESTONES).iterdir()) == ["ckpt-000000020.pt", "ckpt-000000040.pt"]
    ckpt = load_checkpoint(latest_checkpoint(run / CHECKPOINTS))
    assert ckpt.step == 40 and ckpt.config["game"]["board_size"] == 5
    assert ckpt.extra["counters"]["games"] > 0 and ckpt.extra["counters"]["evaluations"] > 0


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    run = tmp_path / "run"
    VictimTrainer(tiny(), run).run()
    first = load_checkpoint(latest_checkpoint(run / CHECKPOINTS))
    trainer = VictimTrainer(tiny("schedule.total_steps=60"), run, resume=True)
    assert trainer.step == 40
    assert trainer.learner.steps == first.optimizer_state["steps"]
    for name, tensor in first.net.state_dict().items():
        assert torch.equal(trainer.net.state_dict()[name].cpu(), tensor.cpu()), name
    assert len(trainer.buffer) > 0
    trainer.run()
    last = load_checkpoint(latest_checkpoint(run / CHECKPOINTS))
    assert last.step == 60
    assert last.extra["counters"]["games"] > first.extra["counters"]["games"]
    steps = [r["step"] for r in read_scalars(run / "scalars.jsonl") if r["tag"] == "losses/total"]
    assert steps == sorted(steps) and steps[-1] == 60  # no duplicated steps after the resume


def test_the_checkpoint_a_session_stops_at_outlives_a_resume(tmp_path):
    """A session stopped between milestones (here by its step total; a time budget alike) keeps its last net in
    ``milestones/``: the resumed run prunes ``checkpoints/`` to its newest one, and that net is still there."""
    run = tmp_path / "run"
    VictimTrainer(tiny("schedule.total_steps=30", "schedule.checkpoint_every=10", "schedule.keep_checkpoints=1"),
                  run).run()
    stopped = load_checkpoint(run / MILESTONES / "ckpt-000000030.pt")
    assert stopped.step == 30
    VictimTrainer(tiny("schedule.total_steps=60", "schedule.checkpoint_every=10", "schedule.keep_checkpoints=1"),
                  run, resume=True).run()
    assert [p.name for p in (run / CHECKPOINTS).iterdir()] == ["ckpt-000000060.pt"]
    assert sorted(p.name for p in (run / MILESTONES).iterdir()) == [
        "ckpt-000000020.pt", "ckpt-000000030.pt", "ckpt-000000040.pt", "ckpt-000000060.pt"]
    kept = load_checkpoint(run / MILESTONES / "ckpt-000000030.pt")
    for name, tensor in stopped.net.state_dict().items():
        assert torch.equal(kept.net.state_dict()[name], tensor), name


def test_time_budget_stops_and_saves(tmp_path):
    run = tmp_path / "run"
    VictimTrainer(tiny("schedule.total_steps=100000"), run, max_minutes=0.05).run()
    assert latest_checkpoint(run / CHECKPOINTS) is not None


def test_the_time_budget_cuts_a_long_play_phase(tmp_path, caplog):
    """20,000 self-play games a phase would take minutes; a 5-second budget ends the run within a generous slack."""
    import time

    start = time.monotonic()
    with caplog.at_level("INFO", logger="advgo"):
        VictimTrainer(tiny("schedule.total_steps=100000", "schedule.games_per_iteration=20000"), tmp_path / "run",
                      max_minutes=5 / 60).run()
    assert time.monotonic() - start < 5 + 30
    assert any("play phase cut" in r.getMessage() for r in caplog.records)


def test_bad_config_is_a_clear_error_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match="selfplay.gamez"):
        tiny("selfplay.gamez=3")
    with pytest.raises(ConfigError, match="learner.batch_size"):
        tiny("learner.batch_size=many")
    with pytest.raises(ConfigError, match="milestone_every"):
        tiny("schedule.milestone_every=7")
    assert not any(tmp_path.iterdir())


def test_resume_without_checkpoint_or_with_another_board_size(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        VictimTrainer(tiny(), tmp_path / "empty", resume=True)
    run = tmp_path / "run"
    VictimTrainer(tiny("schedule.total_steps=20"), run).run()
    with pytest.raises(CheckpointError, match="board"):
        VictimTrainer(tiny("game.board_size=7"), run, resume=True)


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    run = tmp_path / "run"
    VictimTrainer(tiny("schedule.total_steps=20"), run).run()
    path = latest_checkpoint(run / CHECKPOINTS)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(CheckpointError):
        VictimTrainer(tiny(), run, resume=True)


def test_a_corrupt_newest_checkpoint_falls_back_to_the_newest_good_one(tmp_path, caplog):
    run = tmp_path / "run"
    VictimTrainer(tiny(), run).run()  # checkpoints at steps 20 and 40
    newest = latest_checkpoint(run / CHECKPOINTS)
    assert newest.name == "ckpt-000000040.pt"
    newest.write_bytes(newest.read_bytes()[:100])
    with caplog.at_level("WARNING", logger="advgo"):
        trainer = VictimTrainer(tiny("schedule.total_steps=60"), run, resume=True)
    assert trainer.step == 20
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "ckpt-000000040.pt" in warning and "ckpt-000000020.pt" in warning
    trainer.run()
    assert load_checkpoint(latest_checkpoint(run / CHECKPOINTS)).step == 60  # the bad file was replaced on the way


def test_an_actor_plays_what_it_is_handed_without_ray():
    """A ``GameActor`` knows no roles: it plays the ``Games`` its trainer hands it (here self-play, in process)."""
    from advgo.nets import PolicyValueNet
    from advgo.training.actors import GameActor, cpu_state_dict
    from advgo.training.victim import SelfPlayGames

    cfg = tiny()
    actor = GameActor(SelfPlayGames(cfg), 3, seed=0)
    chunk = actor.play_chunk((1, cpu_state_dict(PolicyValueNet(cfg.net_config()))), 0, min_games=1)
    actor.close()
    assert chunk.actor == 3 and chunk.version == 1 and chunk.stage == 0 and len(chunk.games) >= 1
    assert chunk.moves > 0 and chunk.evaluations > 0 and chunk.victim_evaluations == 0 and chunk.voided == 0


def test_a_run_that_never_reached_the_replay_minimum_says_so(tmp_path, caplog):
    """The --katago quickstart on a slow CPU ended its 10 minutes with 458 of the 500 samples and no learner step,
    and said only 'stopped at step 0'."""
    with caplog.at_level("INFO", logger="advgo"):
        VictimTrainer(tiny("schedule.total_steps=100000", "replay.min_samples=1000000", "replay.capacity=1000000"),
                      tmp_path / "run", max_minutes=0.05).run()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("no learner step: the replay buffer holds ") and "of the 1000000 samples" in m
               for m in warnings), warnings


def test_a_run_that_trained_does_not_warn_of_a_short_buffer(tmp_path, caplog):
    with caplog.at_level("INFO", logger="advgo"):
        VictimTrainer(tiny("schedule.total_steps=20"), tmp_path / "run").run()
    assert not any("no learner step" in r.getMessage() for r in caplog.records)
