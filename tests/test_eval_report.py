"""``advgo eval RUN``: the checkpoint × victim matrix of a tiny adversary run, its PNG and TensorBoard figure."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tensorboard.backend.event_processing.event_accumulator import IMAGES, EventAccumulator

from advgo.eval.counting import RULE
from advgo.eval.report import evaluate_run, run_checkpoints, write_report


def test_matrix_png_and_tensorboard_figure(tiny_adversary_run, gnugo_installed):
    checkpoints = run_checkpoints(tiny_adversary_run)
    assert len(checkpoints) >= 2 and checkpoints == sorted(checkpoints, key=lambda p: p.name)
    cells = evaluate_run(tiny_adversary_run, 2, extra=("gnugo:level=0",))
    victims = list(dict.fromkeys(c.victim for c in cells))
    assert victims[-1] == "gnugo:level=0" and len(victims) == 3  # two curriculum entries + the extra
    assert len(cells) == len(checkpoints) * 3 and all(c.games == 2 for c in cells)
    assert all(0 <= c.interval[0] <= c.win_rate <= c.interval[1] <= 1 for c in cells)
    paths = write_report(tiny_adversary_run, cells, 2)
    report = json.loads(paths["json"].read_text())
    assert [(c["step"], c["victim"]) for c in report["cells"]] == [(c.step, c.victim) for c in cells]
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    events = EventAccumulator(str(tiny_adversary_run), size_guidance={IMAGES: 0}).Reload()
    assert "eval/report" in events.Tags()[IMAGES]


def test_only_the_steps_asked_for_and_clear_errors(tiny_adversary_run, tmp_path):
    step = int(run_checkpoints(tiny_adversary_run)[0].stem.split("-")[-1])
    cells = evaluate_run(tiny_adversary_run, 1, steps=(step,))
    assert {c.step for c in cells} == {step}
    with pytest.raises(ValueError, match="no checkpoint at the steps"):
        evaluate_run(tiny_adversary_run, 1, steps=(123456,))
    with pytest.raises(ValueError, match="not a run folder"):
        evaluate_run(tmp_path, 1)


def test_report_states_the_rule_and_the_cap(tiny_adversary_run):
    """Cells count by the rule of advgo match (capped games in the games, never wins) at the 5·N² cap (125 on 5x5)."""
    step = int(run_checkpoints(tiny_adversary_run)[-1].stem.split("-")[-1])
    cells = evaluate_run(tiny_adversary_run, 2, steps=(step,))
    assert all(c.wins + c.losses + c.draws + c.capped == c.games == 2 and c.max_moves == 125 for c in cells)
    report = json.loads(write_report(tiny_adversary_run, cells, 2)["json"].read_text())
    assert report["counting"] == RULE and report["max_moves"] == 125
    assert all(c["max_moves"] == 125 and c["win_rate"] == c["wins"] / c["games"] for c in report["cells"])


def test_cli_eval(tiny_adversary_run, tmp_path):
    out = subprocess.run([sys.executable, "-m", "advgo", "eval", str(tiny_adversary_run), "--games", "1"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "adversary win rate" in out.stdout and "winrates.png" in out.stdout and f"Counting: {RULE}." in out.stdout
    bad = subprocess.run([sys.executable, "-m", "advgo", "eval", str(tmp_path)], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "not a run folder" in bad.stdout
