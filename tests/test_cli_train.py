"""``advgo train victim`` and ``advgo zoo`` as a user runs them: subprocesses, exit codes, files on disk."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from advgo.nets import latest_checkpoint, load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "configs" / "victim-tiny.yaml"


def advgo(*args, **kw):
    return subprocess.run([sys.executable, "-m", "advgo", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, **kw)


def test_tiny_victim_run_and_resume_through_the_cli(tmp_path):
    out = advgo("train", "victim", "--config", str(TINY), "--runs", str(tmp_path), "--name", "tiny",
                "--seed", "3", "--set", "schedule.total_steps=20")
    assert out.returncode == 0, out.stderr[-2000:]
    run = tmp_path / "tiny"
    assert "seed: 3" in (run / "config.yaml").read_text()
    assert load_checkpoint(latest_checkpoint(run / "checkpoints")).step == 20
    out = advgo("train", "victim", "--resume", str(run), "--set", "schedule.total_steps=40")
    assert out.returncode == 0, out.stderr[-2000:]
    assert load_checkpoint(latest_checkpoint(run / "checkpoints")).step == 40


def test_bad_config_exits_2_and_writes_nothing(tmp_path):
    out = advgo("train", "victim", "--config", str(TINY), "--runs", str(tmp_path), "--set", "replay.capacity=-5")
    assert out.returncode == 2
    assert "replay" in out.stdout + out.stderr
    assert not any(tmp_path.iterdir())
    out = advgo("train", "victim", "--config", str(tmp_path / "missing.yaml"), "--runs", str(tmp_path))
    assert out.returncode == 2 and not any(tmp_path.iterdir())


def test_ctrl_c_finishes_the_step_and_saves(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "advgo", "train", "victim", "--config", str(TINY), "--runs", str(tmp_path),
         "--name", "int", "--set", "schedule.total_steps=100000", "--set", "schedule.checkpoint_every=100000",
         "--set", "schedule.milestone_every=0", "--set", "schedule.eval_every=100000"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = tmp_path / "int" / "scalars.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (events.exists() and "losses/total" in events.read_text()):
        time.sleep(0.5)
    assert events.exists(), "the run never started training"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    ckpt = latest_checkpoint(tmp_path / "int" / "checkpoints")
    assert ckpt is not None and load_checkpoint(ckpt).step > 0


def test_zoo_list_runs():
    out = advgo("zoo", "list", "--json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("[")


def test_piped_output_is_not_wrapped(tmp_path):
    """Piped (not a terminal), a long line stays one line: the error here, log lines and tables' text alike."""
    out = advgo("train", "adversary", "--config", str(ROOT / "configs" / "adversary-tiny.yaml"), "--runs",
                str(tmp_path), "--set", "victimplay.fast_visits=100")
    assert out.returncode == 2
    [line] = [line for line in out.stdout.splitlines() if "error" in line]
    assert len(line) > 80 and "fast_visits" in line and line.endswith("(after override 'victimplay.fast_visits=100')")

