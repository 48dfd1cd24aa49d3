"""Engine processes as whole process groups: ``launch`` one in a session of its own, ``stop`` all of it.

An engine is often a tree of processes: KataGo runs behind a wrapper script and an AppImage's runtime, and an
engine spec may be ``sh -c '...'``. Killing only the process we started leaves the rest running (issue 17: a
timed-out ``sh -c '...; sleep 1000'`` left its ``sleep`` behind). So every external engine is started here as the
leader of a new session (``start_new_session=True``), which puts it and its descendants in one process group,
and ``stop`` signals that group:

| step | what |
|---|---|
| 1 | SIGTERM to the group: a chance to exit cleanly |
| 2 | wait up to ``grace`` seconds for the leader (the process we started) |
| 3 | SIGKILL to the group: whatever is left, children included, even when the leader went on SIGTERM |
| 4 | reap the leader |

A descendant that starts a session of its own (a daemon) leaves the group and is out of reach; engines do not.
The group's id is the leader's pid, which the kernel does not hand out again while any process of the group is
left, so signalling it after the leader has exited still reaches the engine's own processes (once the group is
empty the number is free again, and only a new group leader given that very pid in the meantime could be hit).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess

log = logging.getLogger(__name__)

KILL_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL."""


def launch(argv: list[str], **popen_kwargs) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen_kwargs)`` as the leader of a new session (and process group)."""
    return subprocess.Popen(argv, start_new_session=True, **popen_kwargs)


def stop(proc: subprocess.Popen, grace: float = KILL_GRACE) -> None:
    """Stop every process of ``proc``'s group (the table above) and reap ``proc``; fine to call again."""
    _signal_group(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log.warning("process %d did not exit after SIGKILL", proc.pid)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:  # nothing of the group is left
        pass
    except PermissionError:  # not ours: never signal a group we did not start
        log.warning("process group %d is not ours to signal", pgid)
