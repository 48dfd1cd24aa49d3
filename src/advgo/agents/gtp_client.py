"""The GTP client: one external Go engine process, spoken to over the Go Text Protocol.

``GTPEngine`` launches the process, checks it answers ``protocol_version``, sends one command at a time
(thread-safe) and parses the ``=``/``?`` replies; a reader thread queues the engine's output lines, so every
command has a deadline, which holds however fast lines arrive. It knows nothing of boards or games:
:mod:`advgo.agents.gtp` builds the engine specs and the ``GTPAgent`` on top of it.

The engine runs in a process group of its own (:mod:`advgo.agents.processes`): a kill stops the whole group
(SIGTERM, then SIGKILL), so a wrapper's children (KataGo's AppImage, ``sh -c`` specs) go with it on a timeout,
a crash and ``close``. What one command may read is bounded (``max_reply_lines``, ``max_reply_chars``, lines of
at most ``MAX_LINE_BYTES``, a queue of ``MAX_QUEUED_LINES``): ``gtp:yes`` once overran a 30 s timeout by minutes.

| error | raised when | the process |
|---|---|---|
| ``GTPError`` | the engine answered ``?`` (``.command``, ``.message``) | keeps running |
| ``MoveRejected`` (a ``GTPError``) | the engine refused a move of the game (raised by ``GTPAgent``) | keeps running |
| ``EngineDied`` | EOF, its exit, a broken pipe, a failed launch or a protocol violation | is killed (its group) |
| ``GTPTimeout`` (an ``EngineDied``) | no complete reply within the timeout | is killed (its group) |
| ``EngineFlooded`` (an ``EngineDied``) | more output for one command than the bounds allow | is killed (its group) |

``.game`` is the game's index when a ``GTPAgent`` raised the error, else None.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import subprocess
import threading
import time
import weakref
from pathlib import Path

from . import processes

log = logging.getLogger(__name__)

_REPLY = re.compile(r"([=?])(\d*)(?:\s+(.*))?$")
MAX_REPLY_LINES = 10_000
"""Default bound on the lines read while waiting for one reply, stray lines included (KataGo's longest, kata-raw-nn
on 19x19, is under 100)."""
MAX_REPLY_CHARS = 4_000_000
"""Default bound on the characters read while waiting for one reply."""
MAX_LINE_BYTES = 1 << 20
"""The longest line the reader takes; a longer one is a flood."""
MAX_QUEUED_LINES = 64
"""Lines read ahead of the client: a flooding engine then waits on its pipe instead of filling our memory."""
EXIT_GRACE = 1.0
"""Seconds without output after the engine's process exited before the reply counts as lost: its children
(a wrapper's) may hold the pipe open, so no EOF need come."""
_POLL = 0.25
"""Seconds between checks that the engine's process still runs while waiting for a line."""
_OVERLONG = object()
"""Queued instead of a line longer than ``MAX_LINE_BYTES`` (the reader stops there)."""


class GTPError(RuntimeError):
    """The engine answered ``?``: ``command``, the engine's ``message``; ``game`` when raised by an agent."""

    def __init__(self, message: str, command: str = "", game: int | None = None):
        self.message, self.command, self.game = message, command, game
        super().__init__(f"{command!r} failed: {message}" if command else message)


class MoveRejected(GTPError):
    """The engine refused a move of the game (``play``): usually a ruleset mismatch, e.g. a suicide."""


class EngineDied(RuntimeError):
    """The engine process exited, closed its output or broke the protocol; the process has been killed."""

    def __init__(self, message: str, game: int | None = None):
        self.game = game
        super().__init__(message)


class GTPTimeout(EngineDied):
    """No complete reply within the timeout; the process has been killed."""


class EngineFlooded(EngineDied):
    """More output while answering one command than the client's bounds allow; the process has been killed."""


# ------------------------------------------------------------------------------------------------- client
def _read_lines(stream, lines: queue.Queue, stop: threading.Event) -> None:
    """Reader thread: each line of the engine's stdout into ``lines`` (bounded), then ``None`` at EOF.

    A line over ``MAX_LINE_BYTES`` queues ``_OVERLONG`` and ends the thread. ``stop`` ends it when nobody reads
    the queue any more (the engine was killed while the queue was full)."""
    try:
        while True:
            raw = stream.readline(MAX_LINE_BYTES)
            if not raw:
                break
            if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                _put(lines, _OVERLONG, stop)
                return
            if not _put(lines, raw.decode("utf-8", "replace").rstrip("\r\n"), stop):
                return
    except (OSError, ValueError):  # the pipe was closed under us
        pass
    _put(lines, None, stop)


def _put(lines: queue.Queue, item, stop: threading.Event) -> bool:
    """``lines.put(item)`` unless ``stop`` is set first; whether it was put."""
    while not stop.is_set():
        try:
            lines.put(item, timeout=0.1)
            return True
        except queue.Full:
            pass
    return False


def _kill(proc: subprocess.Popen, reader: threading.Thread, stop: threading.Event) -> None:
    stop.set()  # a reader waiting on the full queue lets go
    processes.stop(proc)  # the whole process group: a wrapper's children too
    reader.join(timeout=1)  # it ends at EOF; closing stdout under a blocked read could hang
    for pipe in (proc.stdin, proc.stdout) if not reader.is_alive() else (proc.stdin,):
        try:
            pipe.close()
        except OSError:
            pass


class GTPEngine:
    """A GTP engine in a subprocess. Launches at construction and checks it answers ``protocol_version``.

    ``send`` is thread-safe (one command at a time). Replies are read by a thread into a queue, so every
    command has a deadline; on timeout, EOF, a broken pipe or a flood the process group is stopped and
    ``EngineDied`` (``GTPTimeout``, ``EngineFlooded``) raised. ``restart()`` launches a fresh process.
    ``max_reply_lines`` and ``max_reply_chars`` bound what one command may read (defaults: the module's).
    """

    def __init__(self, argv: list[str], name: str | None = None, timeout: float = 10.0,
                 startup_timeout: float = 30.0, stderr: str | os.PathLike | None = None):
        if not argv:
            raise ValueError("an engine command line is needed")
        self.argv = [str(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        self.timeout, self.startup_timeout = timeout, startup_timeout
        self.stderr_path = stderr
        self.max_reply_lines, self.max_reply_chars = MAX_REPLY_LINES, MAX_REPLY_CHARS
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        err = subprocess.DEVNULL if self.stderr_path is None else open(self.stderr_path, "ab")
        try:
            self._proc = processes.launch(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        except OSError as exc:
            raise EngineDied(f"{self.name}: cannot launch {self.argv[0]!r}: {exc}") from exc
        finally:
            if err is not subprocess.DEVNULL:
                err.close()  # the child holds its own descriptor
        self._lines: queue.Queue = queue.Queue(MAX_QUEUED_LINES)
        stop = threading.Event()
        reader = threading.Thread(target=_read_lines, args=(self._proc.stdout, self._lines, stop), daemon=True,
                                  name=f"gtp-{self.name}-{self._proc.pid}")
        reader.start()
        self._finalizer = weakref.finalize(self, _kill, self._proc, reader, stop)
        self.send("protocol_version", timeout=self.startup_timeout)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def send(self, command: str, timeout: float | None = None, id: int | None = None) -> str:
        """The reply text of one command (``=`` stripped, lines joined by ``\\n``); ``GTPError`` on ``?``."""
        command = command.strip()
        if not command or any(c in command for c in "\r\n#"):
            raise ValueError(f"a GTP command is one non-empty line without '#', got {command!r}")
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            if not self.alive:
                raise EngineDied(f"{self.name}: the engine is not running (command {command!r})")
            line = command if id is None else f"{id} {command}"
            log.debug("%s << %s", self.name, line)
            try:
                self._proc.stdin.write(line.encode() + b"\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:
                self._die(EngineDied, f"cannot write {command!r}: {exc}")
            ok, reply_id, text = self._read_reply(command, time.monotonic() + timeout, timeout)
        if id is not None and reply_id != str(id):
            self.kill()
            raise EngineDied(f"{self.name}: reply id {reply_id!r} to {command!r} sent with id {id}")
        if not ok:
            raise GTPError(text, command)
        return text

    def _read_reply(self, command: str, deadline: float, timeout: float) -> tuple[bool, str, str]:
        first, rest = None, []
        lines = chars = 0
        exited = None  # when the engine's process was first seen gone
        while True:
            now = time.monotonic()  # before every line: a waiting line must not skip the deadline
            if now >= deadline:
                self._die(GTPTimeout, f"no reply to {command!r} within {timeout:g} s")
            try:
                line = self._lines.get(timeout=min(deadline - now, _POLL))
            except queue.Empty:
                if self._proc.poll() is not None:
                    exited = exited or now
                    if now - exited >= EXIT_GRACE:
                        self._die(EngineDied, f"the engine exited (exit code {self._proc.returncode}) while "
                                              f"answering {command!r}")
                continue
            if line is None:
                self._die(EngineDied, f"the engine closed its output (exit code {self._proc.poll()}) "
                                      f"while answering {command!r}")
            if line is _OVERLONG:
                self._die(EngineFlooded, f"flooded its output: a line over {MAX_LINE_BYTES} bytes while "
                                         f"answering {command!r}")
            lines, chars = lines + 1, chars + len(line)
            if lines > self.max_reply_lines or chars > self.max_reply_chars:
                self._die(EngineFlooded, f"flooded its output: over {self.max_reply_lines} lines or "
                                         f"{self.max_reply_chars} characters while answering {command!r}")
            log.debug("%s >> %s", self.name, line[:200])
            if first is None:
                if not line.strip():
                    continue  # blank lines between replies
                first = _REPLY.match(line)
                if first is None:
                    log.debug("%s: skipping a line that is not a reply: %r", self.name, line[:200])
                continue
            if not line.strip():
                head = (first.group(3) or "").rstrip()
                text = "\n".join(([head] if head or not rest else []) + rest).rstrip()
                return first.group(1) == "=", first.group(2), text
            rest.append(line)

    def _die(self, cls: type[EngineDied], message: str):
        self.kill()
        raise cls(f"{self.name}: {message}")

    def kill(self) -> None:
        if self._proc is not None:
            self._finalizer()  # runs _kill once; later calls do nothing

    def close(self, timeout: float = 5.0) -> None:
        """Send ``quit``, wait up to ``timeout`` s for the process to exit, then kill it."""
        if self._proc is None:
            return
        if self.alive:
            try:
                self.send("quit", timeout=timeout)
                self._proc.wait(timeout=timeout)
            except (GTPError, EngineDied, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._proc = None

    def restart(self) -> None:
        self.close(timeout=1.0)
        self.start()

    def __enter__(self) -> "GTPEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
