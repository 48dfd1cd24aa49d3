"""Smoke runs of the ``advgo`` entry points in subprocesses, as a user would run them."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ENGINE_MODES = ["numba-1core", "numba-all-cores", "python-gamestate"]
RECORD_KEYS = {
    "board", "mode", "moves_per_s", "games_per_s", "mean_length", "end_reasons", "games", "moves",
    "seconds", "max_moves", "rules", "komi", "cores", "python", "numba",
}


def advgo(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``python -m advgo ARGS`` with this interpreter; fail with its output if it exits non-zero."""
    proc = subprocess.run(
        [sys.executable, "-m", "advgo", *args],
        capture_output=True, text=True, timeout=timeout, cwd=cwd, env=dict(os.environ, COLUMNS="160"),
    )
    assert proc.returncode == 0, f"advgo {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def check_records(records: list[dict], board: int, games: int, modes: list[str]) -> None:
    assert [r["mode"] for r in records] == modes
    for r in records:
        assert RECORD_KEYS <= r.keys(), f"{r['mode']} lacks {RECORD_KEYS - r.keys()}"
        assert r["board"] == board
        assert r["games"] == games
        assert sum(r["end_reasons"].values()) == games
        assert 0 < r["mean_length"] <= r["max_moves"]
        assert r["moves"] == pytest.approx(r["mean_length"] * games, abs=0.01 * games)
        assert r["moves_per_s"] > 0 and r["games_per_s"] > 0 and r["seconds"] > 0
        assert ("compile_s" in r) == r["mode"].startswith("numba-")


def test_version():
    assert advgo("version").stdout.startswith("advgo ")


def test_console_script():
    script = Path(sys.executable).with_name("advgo")
    if not script.exists():
        pytest.skip("advgo is not installed in this environment (run scripts/setup.sh)")
    proc = subprocess.run([str(script), "version"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("advgo "), proc.stderr


def test_help_lists_bench_commands():
    out = advgo("bench", "--help").stdout
    assert "engine" in out and "startup" in out


def test_bench_engine_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    proc = advgo("bench", "engine", "--board", "5", "--games", "4", "--json", str(path), "--seed", "3")
    records = json.loads(path.read_text())
    check_records(records, board=5, games=4, modes=ENGINE_MODES)
    assert "numba-1core" in proc.stdout  # the table went to the console
    for r in records:
        assert set(r["end_reasons"]) <= {"two_passes", "move_cap"}
        assert r["max_moves"] == 50


def test_bench_engine_default_path_and_rules(tmp_path):
    advgo("bench", "engine", "--board", "3", "--games", "2", "--rules", "chinese", "--komi", "0.5", cwd=tmp_path)
    records = json.loads((tmp_path / "runs" / "bench" / "engine-3x3.json").read_text())
    check_records(records, board=3, games=2, modes=ENGINE_MODES)
    assert {(r["rules"], r["komi"]) for r in records} == {("chinese", 0.5)}


def test_bench_engine_compare(tmp_path):
    pytest.importorskip("pyspiel")  # in the dev extra; PettingZoo only in the bench extra
    with_pettingzoo = all(importlib.util.find_spec(m) is not None for m in ("pettingzoo", "pygame"))
    path = tmp_path / "bench.json"
    proc = advgo("bench", "engine", "--board", "5", "--games", "3", "--compare", "--json", str(path))
    records = json.loads(path.read_text())
    others = ["pettingzoo-go_v5"] * with_pettingzoo + ["openspiel-go"]
    check_records(records, board=5, games=3, modes=ENGINE_MODES + others)
    assert "× OS" in proc.stdout and "relative to openspiel-go" in proc.stdout
    by_mode = {r["mode"]: r for r in records}
    assert set(by_mode["openspiel-go"]["end_reasons"]) <= {"two_passes", "move_cap", "superko"}


@pytest.mark.parametrize("bad", [["--board", "25"], ["--rules", "japanese"]])
def test_bench_engine_rejects_bad_options(tmp_path, bad):
    proc = subprocess.run(
        [sys.executable, "-m", "advgo", "bench", "engine", *bad, "--json", str(tmp_path / "x.json")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "x.json").exists()


@pytest.mark.slow
def test_bench_startup():
    out = advgo("bench", "startup", "--board", "5", timeout=900).stdout
    assert "cold" in out and "warm" in out


def _command_paths(command, prefix=()):
    yield list(prefix)
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _command_paths(sub, (*prefix, name))


def test_every_help_page_has_readable_placeholders():
    """No ``<bool>`` after a flag (``--help`` included); positional arguments by their metavar (``BLACK WHITE``),
    not ``{black} {white}``."""
    import typer.main
    from typer.testing import CliRunner

    from advgo.cli import app

    runner = CliRunner()
    pages = {}
    for path in _command_paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], prog_name="advgo", env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, " ".join(path)
        usage = re.search(r"Usage: .*", result.output).group(0)
        assert "{" not in usage, usage
        pages[" ".join(path)] = result.output
    assert len(pages) > 25
    assert "Usage: advgo match [OPTIONS] BLACK WHITE" in pages["match"]
    assert "Usage: advgo eval [OPTIONS] RUN" in pages["eval"]
    assert "Usage: advgo gtp [OPTIONS] AGENT" in pages["gtp"]
    assert "Usage: advgo show [OPTIONS] SGF_FILE" in pages["show"]
