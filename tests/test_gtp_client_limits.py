"""The GTP client against engines that flood output or leave children behind (issue 17), with real processes.

``gtp:yes`` overran a 30 s timeout to minutes: the deadline was only checked when no line was waiting, and the
line queue had no bound. ``gtp:sh -c '...; sleep 1000'`` left its ``sleep`` running after a timeout: only the
process we started was killed, not its children (KataGo runs behind a wrapper and an AppImage, so it can leak
the same way). Bounds on time here are generous: they separate "stops within seconds" from "never stops".
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from advgo.agents.gtp import EngineDied, GTPEngine, GTPTimeout

YES_AFTER_STARTUP = ["sh", "-c", 'read line; printf "= 2\\n\\n"; read line; exec yes']
"""Answers ``protocol_version``, then floods stray ``y`` lines faster than the client reads them."""
ENDLESS = r'''
import sys
sys.stdin.readline()
sys.stdout.write("= 2\n\n"); sys.stdout.flush()
sys.stdin.readline()
chunk = "y" * 65536 if sys.argv[1] == "line" else "y\n" * 32768
sys.stdout.write("= "); sys.stdout.flush()
while True:
    sys.stdout.write(chunk); sys.stdout.flush()
'''
QUIET = r'''
import sys, time
for line in sys.stdin:
    words = line.split()
    if words == ["protocol_version"]:
        sys.stdout.write("= 2\n\n"); sys.stdout.flush()
    elif words == ["quit"]:
        sys.stdout.write("=\n\n"); sys.stdout.flush(); break
    elif words == ["die"]:
        sys.exit(3)
    else:
        time.sleep(60)
'''


def script(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return str(path)


def finished_within(seconds: float, fn) -> BaseException | None:
    """Run ``fn`` in a thread; the exception it raised (None if none); fails if it is still running after
    ``seconds`` (the unfixed client never returns, and the test must fail rather than hang)."""
    outcome: list = []

    def run():
        try:
            fn()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 -- handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return outcome[0]


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not: PID 1 of a container may never reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def all_gone(pids: list[int], within: float = 10.0) -> bool:
    end = time.monotonic() + within
    while any(alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def kill_leftovers(pids: list[int]) -> None:
    """Clean up after a failing (unfixed) run: only the pids this test started."""
    for pid in pids:
        if alive(pid):
            os.kill(pid, 9)


def _children_named(name: str) -> list[int]:
    """Our own child processes called ``name`` (the yes test cannot learn the pid from a failed launch)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm, rest = stat.split("(", 1)[1].rsplit(")", 1)
            if comm == name and int(rest.split()[1]) == me:
                found.append(int(entry.name))
    return found


# ------------------------------------------------------------------------------------------------- floods
@pytest.fixture
def debug_client_log():
    """The client's debug log on, to a handler that drops it: each line then costs the client more than it costs
    ``yes`` to write, so a line is always waiting (as when diagnosing an engine with ``-v``)."""
    logger = logging.getLogger("advgo.agents.gtp_client")
    handler, level, propagate = logging.NullHandler(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.propagate = propagate


def test_the_deadline_holds_while_lines_keep_coming(debug_client_log):
    gtp = GTPEngine(YES_AFTER_STARTUP, name="chatty")
    gtp.max_reply_lines = gtp.max_reply_chars = 10**15  # bounds out of the way: only the deadline can stop it
    proc = gtp._proc
    start = time.monotonic()
    try:
        error = finished_within(30, lambda: gtp.send("genmove b", timeout=1.0))
    finally:
        kill_leftovers([proc.pid])
    elapsed = time.monotonic() - start
    assert isinstance(error, GTPTimeout) and "chatty" in str(error), repr(error)
    assert elapsed < 10, f"a 1 s timeout took {elapsed:.1f} s"
    assert all_gone([proc.pid]) and not gtp.alive


def test_yes_as_an_engine_is_a_flood_error_naming_it():
    try:
        error = finished_within(30, lambda: GTPEngine(["yes"], name="yes-engine", startup_timeout=60))
        left = [p for p in _children_named("yes") if alive(p)]
    finally:
        kill_leftovers(_children_named("yes"))
    assert isinstance(error, EngineDied) and not isinstance(error, GTPTimeout), repr(error)
    assert "yes-engine" in str(error) and "flood" in str(error), str(error)[:300]
    assert not left, f"yes left running: {left}"


@pytest.mark.parametrize("shape", ["lines", "line"])
def test_an_endless_reply_is_a_flood_error_and_the_engine_is_stopped(tmp_path, shape):
    gtp = GTPEngine([sys.executable, script(tmp_path, "endless", ENDLESS), shape], name="endless")
    proc = gtp._proc
    try:
        error = finished_within(30, lambda: gtp.send("showboard", timeout=60))
    finally:
        kill_leftovers([proc.pid])
    assert isinstance(error, EngineDied) and not isinstance(error, GTPTimeout), repr(error)
    assert "endless" in str(error) and "flood" in str(error), str(error)[:300]
    assert all_gone([proc.pid]) and not gtp.alive


# ------------------------------------------------------------------------------------- process groups
def with_a_child(tmp_path: Path, argv: list[str]) -> tuple[list[str], Path]:
    """``argv`` behind a shell that first starts ``sleep 1000`` in the background and writes its pid (as a
    wrapper script or an AppImage starts the real engine as a child)."""
    pidfile = tmp_path / "child.pid"
    wrapper = f'sleep 1000 & echo $! > "{pidfile}"; exec "$0" "$@"'
    return ["sh", "-c", wrapper, *argv], pidfile


def child_pid(pidfile: Path) -> int:
    end = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < end:
        time.sleep(0.02)
    return int(pidfile.read_text())


@pytest.mark.parametrize("ending", ["timeout", "crash", "close"])
def test_the_engines_children_go_with_it(tmp_path, ending):
    argv, pidfile = with_a_child(tmp_path, [sys.executable, script(tmp_path, "quiet", QUIET)])
    gtp = GTPEngine(argv, name="wrapped")
    pids = [gtp.pid, child_pid(pidfile)]
    try:
        if ending == "timeout":
            with pytest.raises(GTPTimeout):
                gtp.send("genmove b", timeout=0.5)
        elif ending == "crash":  # its child holds the pipe open: no EOF, yet no waiting for the timeout
            with pytest.raises(EngineDied, match="exited") as err:
                gtp.send("die", timeout=60)
            assert not isinstance(err.value, GTPTimeout)
        else:
            gtp.close()
        assert all_gone(pids), f"left running: {[p for p in pids if alive(p)]}"
    finally:
        kill_leftovers(pids)
        gtp.close()


def test_a_startup_timeout_stops_every_process_of_the_engine(tmp_path):
    pidfile = tmp_path / "pids"
    shell = f'sleep 1000 & echo $! >> "{pidfile}"; sleep 1000 & echo $! >> "{pidfile}"; wait'
    pids: list[int] = []
    start = time.monotonic()
    try:
        with pytest.raises(GTPTimeout, match="protocol_version"):
            GTPEngine(["sh", "-c", shell], name="two-sleeps", startup_timeout=0.5)
        assert time.monotonic() - start < 10
        pids = [int(p) for p in pidfile.read_text().split()]
        assert len(pids) == 2 and all_gone(pids), f"left running: {[p for p in pids if alive(p)]}"
    finally:
        kill_leftovers(pids)
