"""Tests for advgo.runlog: run folders, TensorBoard events read back with EventAccumulator, the JSONL mirror,
resume purging, and progress output on terminals and elsewhere."""

from __future__ import annotations

import io
import json
import logging
import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pytest
from rich.console import Console
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from advgo.runlog import HPARAMS_TAG, RunLogger, config_markdown, make_run_dir, progress, read_scalars


@dataclass(frozen=True)
class Stage:
    victim: str = "cp1"
    """Victim name."""


@dataclass(frozen=True)
class Learner:
    lr: float = 0.001
    """Learning rate | step size."""
    batch_size: int = 256
    """Positions per step."""


@dataclass(frozen=True)
class Cfg:
    learner: Learner = field(default_factory=Learner)
    """Learner."""
    stages: list[Stage] = field(default_factory=lambda: [Stage("cp1"), Stage("cp2")])
    """Curriculum stages."""


def accumulate(run_dir) -> EventAccumulator:
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "tensors": 0, "images": 0})
    acc.Reload()
    return acc


def tb_scalars(acc: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, e.value) for e in acc.Scalars(tag)]


# ---------------------------------------------------------------------------------------------- run folders
def test_make_run_dir_names(tmp_path):
    first = make_run_dir(tmp_path / "runs", kind="adversary")
    second = make_run_dir(tmp_path / "runs", kind="adversary")
    assert re.fullmatch(r"adversary-\d{8}-\d{6}", first.name) and first.is_dir()
    assert second != first and second.is_dir() and second.name.startswith("adversary-")
    named = make_run_dir(tmp_path / "runs", name="exp1", kind="ignored")
    assert named == tmp_path / "runs" / "exp1" and named.is_dir()
    with pytest.raises(FileExistsError, match="exp1 exists already"):
        make_run_dir(tmp_path / "runs", name="exp1")
    assert make_run_dir(tmp_path / "runs", name="exp1", exist_ok=True) == named
    for bad in ("", "..", "a/b"):
        with pytest.raises(ValueError, match="single folder name"):
            make_run_dir(tmp_path / "runs", name=bad)


# -------------------------------------------------------------------------------------------------- logging
def test_scalars_read_back_and_mirrored(tmp_path):
    with RunLogger(tmp_path) as logger:
        for step in range(0, 50, 10):
            logger.scalars({"policy": 1.0 / (step + 3), "value": np.float32(step)}, step, prefix="losses/")
            logger.scalar("perf/games_per_s", step * 1.5, step)
    acc = accumulate(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == ["losses/policy", "losses/value", "perf/games_per_s"]
    assert tb_scalars(acc, "losses/value") == [(s, float(s)) for s in range(0, 50, 10)]
    assert tb_scalars(acc, "losses/policy") == [(s, pytest.approx(1.0 / (s + 3), rel=1e-6)) for s in range(0, 50, 10)]

    records = read_scalars(tmp_path)
    assert len(records) == 15 and set(records[0]) == {"tag", "value", "step", "wall_time"}
    for tag in acc.Tags()["scalars"]:
        mine = [(r["step"], r["value"], r["wall_time"]) for r in records if r["tag"] == tag]
        theirs = [(e.step, e.value, e.wall_time) for e in acc.Scalars(tag)]
        assert [(s, float(np.float32(v)), w) for s, v, w in mine] == theirs  # TensorBoard keeps float32
    assert [r["value"] for r in records if r["tag"] == "losses/policy"][0] == 1.0 / 3  # JSONL keeps float64


def test_jsonl_is_flushed_per_call_and_strict_json(tmp_path):
    logger = RunLogger(tmp_path)
    logger.scalars({"losses/a": float("nan"), "losses/b": float("inf"), "losses/c": -math.inf}, 7)
    lines = (tmp_path / "scalars.jsonl").read_text().splitlines()  # before close: flushed already
    logger.close()

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    values = [json.loads(line, parse_constant=refuse)["value"] for line in lines]
    assert values == ["nan", "inf", "-inf"]
    restored = [r["value"] for r in read_scalars(tmp_path / "scalars.jsonl")]
    assert math.isnan(restored[0]) and restored[1:] == [math.inf, -math.inf]


def test_text_and_hparams_table(tmp_path, caplog):
    with RunLogger(tmp_path) as logger:
        logger.hparams_table(Cfg())
        with caplog.at_level(logging.WARNING):
            logger.hparams_table(Cfg())
        logger.text("notes/summary", "**bold** and `code`", 3)
    assert "written already" in caplog.text
    acc = accumulate(tmp_path)
    assert sorted(acc.Tags()["tensors"]) == [HPARAMS_TAG, "notes/summary"]
    (event,) = acc.Tensors(HPARAMS_TAG)  # once
    table = event.tensor_proto.string_val[0].decode()
    assert event.step == 0 and table == config_markdown(Cfg())
    assert "| `learner.lr` | `0.001` | Learning rate \\| step size. |" in table
    assert "| `stages[1].victim` | `cp2` | Victim name. |" in table and "`stages`" not in table
    (note,) = acc.Tensors("notes/summary")
    assert note.step == 3 and note.tensor_proto.string_val[0].decode() == "**bold** and `code`"
    assert acc.SummaryMetadata(HPARAMS_TAG).plugin_data.plugin_name == "text"


def test_figure(tmp_path):
    figure_module = pytest.importorskip("matplotlib.figure")
    fig = figure_module.Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1, 0])
    with RunLogger(tmp_path) as logger:
        logger.figure("charts/curve", fig, 5)
    (image,) = accumulate(tmp_path).Images("charts/curve")
    assert (image.step, image.width, image.height) == (5, 100, 50)
    assert image.encoded_image_string.startswith(b"\x89PNG")


def test_bad_tags_values_and_closed_logger(tmp_path):
    logger = RunLogger(tmp_path)
    with pytest.raises(ValueError, match="needs a namespace"):
        logger.scalar("loss", 1.0, 0)
    with pytest.raises(TypeError, match="losses/policy: a scalar must be a number"):
        logger.scalar("losses/policy", "high", 0)
    logger.close()
    logger.close()  # twice is harmless
    with pytest.raises(ValueError, match="closed"):
        logger.scalar("losses/policy", 1.0, 0)
    assert read_scalars(tmp_path) == []


def test_resume_purges_later_steps(tmp_path):
    with RunLogger(tmp_path) as logger:
        for step in range(10):
            logger.scalar("losses/policy", step, step)
    # A resumed run is a new process, whose event file sorts after the old one by its time stamp (seconds).
    # In one process within one second, TensorBoard's per-process file counter decides, and ".10" sorts
    # before ".9" once the suite has opened ten writers: wait for the next second, as a real resume would.
    time.sleep(max(0.0, 1.0 - time.time() % 1.0) + 0.01)
    with RunLogger(tmp_path, purge_step=6) as logger:  # resumed from a checkpoint at step 6
        for step in range(6, 8):
            logger.scalar("losses/policy", 100 + step, step)
    expected = [(s, float(s)) for s in range(6)] + [(6, 106.0), (7, 107.0)]
    assert tb_scalars(accumulate(tmp_path), "losses/policy") == expected
    assert [(r["step"], r["value"]) for r in read_scalars(tmp_path)] == expected


# ------------------------------------------------------------------------------------------------ progress
def test_progress_without_a_terminal_logs_lines(caplog):
    console = Console(file=io.StringIO(), force_terminal=False)
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(8, "self-play", "games", console=console, log_every_s=0) as bar:
            for _ in range(4):
                bar.advance(2)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 5 and console.file.getvalue() == ""
    assert re.fullmatch(r"self-play: 4/8 games \(50%\), [\d,.]+ games/s, elapsed 0:00:00, ETA 0:00:00", lines[1])
    assert lines[-1].startswith("self-play: 8/8 games (100%)") and lines[-1].endswith("(done)")


def test_progress_leaves_skipped_units_out_of_the_rate(caplog, monkeypatch):
    """A resumed table reads 720 of its 900 games back in a second: they count as done, and the rate and the ETA
    are those of the games played since (was: 720/900 at 24 games/s, ETA 0:00:07, for 20 minutes of work)."""
    clock = iter([0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 10.0, 10.0])
    monkeypatch.setattr("advgo.runlog.time.monotonic", lambda: next(clock, 10.0))
    console = Console(file=io.StringIO(), force_terminal=False)
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(900, "table", "games", console=console, log_every_s=0) as bar:
            bar.skip(720)
            bar.advance(20)
    line = [r.getMessage() for r in caplog.records][-2]
    assert line.startswith("table: 740/900 games (82%), 2.00 games/s"), line
    assert line.endswith("ETA 0:01:20"), line


def test_progress_on_a_terminal_takes_a_skip_before_any_work():
    console = Console(file=io.StringIO(), force_terminal=True, width=150)
    with progress(10, "table", "games", console=console) as bar:
        bar.skip(6)
        bar.advance(2)
        bar.skip(1)
    assert bar.completed == 9 and "9/10" in console.file.getvalue()


def test_progress_without_a_terminal_is_quiet_between_intervals(caplog):
    console = Console(file=io.StringIO(), force_terminal=False)
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(None, "steps", console=console, log_every_s=3600) as bar:
            bar.advance(3)
    assert [r.getMessage() for r in caplog.records] == [caplog.records[0].getMessage()]
    assert caplog.records[0].getMessage().startswith("steps: 3 it, ")


def test_progress_without_a_terminal_beats_while_nothing_completes(caplog):
    """A table cell whose games all end together after minutes: lines keep coming while the count stands still."""
    console = Console(file=io.StringIO(), force_terminal=False)
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(8, "table", "games", console=console, log_every_s=0.05):
            time.sleep(0.5)
        time.sleep(0.2)  # the heartbeat has stopped: nothing more comes
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) >= 4, lines
    assert all(line.startswith("table: 0/8 games (0%)") for line in lines)
    assert lines[-1].endswith("(done)") and sum(line.endswith("(done)") for line in lines) == 1


def test_progress_lines_show_at_any_verbosity():
    """``advgo table | tee log`` runs at the CLI's default WARNING level: its progress lines must still come out,
    and the logger's own level is left as it was."""
    logger = logging.getLogger("advgo.test_progress_quiet")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        console = Console(file=io.StringIO(), force_terminal=False)
        with progress(2, "match", "games", console=console, log_every_s=0, logger=logger) as bar:
            bar.advance(2)
        assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
        assert records[-1].getMessage().startswith("match: 2/2 games (100%)")
        assert logger.level == logging.WARNING
        logger.info("after the bar")
        assert len(records) == 2
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def test_progress_on_a_terminal_draws_rich_columns():
    console = Console(file=io.StringIO(), force_terminal=True, width=150)
    with progress(10, "self-play", "games", console=console) as bar:
        for _ in range(10):
            bar.advance()
        bar.update(description="self-play done")
    out = console.file.getvalue()
    assert "self-play done" in out and "10/10" in out and "games/s" in out and "ETA" in out


def test_progress_under_a_time_budget_counts_against_the_budget(caplog):
    """A run stopped by a time budget long before its step total shows elapsed / limit and the time left to the
    budget, not ``0/100000 step (0%) ... ETA 165:23:12``."""
    console = Console(file=io.StringIO(), force_terminal=False)
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(100000, "training", "step", console=console, log_every_s=0, time_limit_s=600,
                      started=time.monotonic() - 150) as bar:
            bar.advance(30)
    line = caplog.records[0].getMessage()
    assert re.fullmatch(r"training: 30 step, [\d.]+ step/s, elapsed 0:02:3\d of 0:10:00 \(25%\), "
                        r"ETA 0:07:[23]\d \(time budget\)", line), line
    assert "100000" not in line


def test_progress_under_a_time_budget_on_a_terminal():
    console = Console(file=io.StringIO(), force_terminal=True, width=150)
    with progress(100000, "training", "step", console=console, time_limit_s=600,
                  started=time.monotonic() - 150) as bar:
        bar.advance(30)
    out = console.file.getvalue()
    assert "of 0:10:00" in out and "ETA 0:07:" in out and "100000" not in out and "step/s" in out


def test_progress_under_a_time_budget_shows_the_steps_when_they_end_first(caplog):
    """A run whose step total comes well inside its budget shows ``done/total`` and the steps' ETA, not the time
    left to a budget it will not reach (measured: ``990 step ... ETA 0:32:58 (time budget)`` for a run that ended
    14 minutes later at its 3,000th step)."""
    with caplog.at_level(logging.INFO, logger="advgo.runlog"):
        with progress(3000, "training", "step", console=Console(file=io.StringIO(), force_terminal=False),
                      log_every_s=0, time_limit_s=2400, started=time.monotonic() - 420) as bar:
            bar.advance(990)
    line = caplog.records[0].getMessage()
    eta = re.search(r"ETA 0:(\d\d):(\d\d) \(steps\)", line)
    assert "990/3000 step" in line and eta, line
    # 2,010 steps left at about 990/420 step/s: about 853 s, far inside the 33 minutes left to the budget
    assert 800 <= 60 * int(eta[1]) + int(eta[2]) <= 900, line


def test_progress_under_a_time_budget_on_a_terminal_shows_the_steps_when_they_end_first():
    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    with progress(3000, "training", "step", console=console, time_limit_s=2400,
                  started=time.monotonic() - 420) as bar:
        for _ in range(10):
            bar.advance(99)
            time.sleep(0.01)
    out = console.file.getvalue()
    assert "990/3000" in out and "of 0:40:00" in out, out
