"""One rule for torch's CPU threads (``advgo.nets.threads``): every path that runs a net sets them, one thread by
default, ``--threads`` / ``threads=`` where it has a CLI or a constructor, and only that module calls torch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from advgo.nets.threads import DEFAULT_THREADS, set_torch_threads

SRC = Path(__file__).resolve().parents[1] / "src" / "advgo"


@pytest.fixture
def two_threads():
    """torch at 2 threads (what torch's default gives on this 2-core machine) while the test runs; 1 after."""
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(1)  # conftest's setting for the rest of the session


def test_the_rule():
    assert DEFAULT_THREADS == 1
    torch.set_num_threads(2)
    try:
        assert set_torch_threads() == 1
        assert set_torch_threads(2) == 2
        assert set_torch_threads(0) == 2  # 0: torch's setting is left as it is
        with pytest.raises(ValueError, match="threads"):
            set_torch_threads(-1)
    finally:
        torch.set_num_threads(1)


def test_only_the_rule_sets_torch_threads():
    """Nothing but ``advgo.nets.threads`` calls torch.set_num_threads (benchmarks go through it too)."""
    callers = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
               if "set_num_threads(" in p.read_text() and p.name != "threads.py"]
    assert callers == []


def test_a_one_worker_match_runs_on_one_thread_unless_told(two_threads):
    from advgo.eval.match import MatchConfig, run_match

    run_match(MatchConfig("zoo:cp1", "random", games=1, max_moves=4))
    assert torch.get_num_threads() == 1
    run_match(MatchConfig("zoo:cp1", "random", games=1, max_moves=4, threads=2))
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("vector", [False, True])
def test_envs_with_a_net_opponent_run_on_one_thread_unless_told(two_threads, vector):
    from advgo.env import GoVectorEnv, GoVsAgentEnv

    make = (lambda **kw: GoVectorEnv(2, **kw)) if vector else (lambda **kw: GoVsAgentEnv(**kw))
    make(opponent="zoo:cp1", board_size=9).close()
    assert torch.get_num_threads() == 1
    make(opponent="zoo:cp1", board_size=9, threads=2).close()
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("command", [["match"], ["eval"], ["table"], ["play"], ["gtp"], ["zoo", "measure"],
                                     ["engines", "check-katanet"]])
def test_every_command_that_runs_a_net_has_a_threads_option(command):
    from typer.testing import CliRunner

    from advgo.cli import app

    out = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).output
    assert "--threads" in out, command
