"""The GTP client: one external Go engine process, spoken to over the Go Text Protocol.

``GTPEngine`` launches the process, checks it answers ``protocol_version``, sends one command at a time
(thread-safe) and parses the ``=``/``?`` replies; a reader thread queues the engine's output lines, so every
command has a deadline. It knows nothing of boards or games: :mod:`advgo.agents.gtp` builds the engine specs
and the ``GTPAgent`` on top of it.

| error | raised when | the process |
|---|---|---|
| ``GTPError`` | the engine answered ``?`` (``.command``, ``.message``) | keeps running |
| ``MoveRejected`` (a ``GTPError``) | the engine refused a move of the game (raised by ``GTPAgent``) | keeps running |
| ``EngineDied`` | EOF, a broken pipe, a failed launch or a protocol violation | is killed |
| ``GTPTimeout`` (an ``EngineDied``) | no complete reply within the timeout | is killed |

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

log = logging.getLogger(__name__)

_REPLY = re.compile(r"([=?])(\d*)(?:\s+(.*))?$")


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


# ------------------------------------------------------------------------------------------------- client
def _read_lines(stream, lines: queue.Queue) -> None:
    """Reader thread: every line of the engine's stdout into ``lines``, then ``None`` at EOF."""
    try:
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    except (OSError, ValueError):  # the pipe was closed under us
        pass
    lines.put(None)


def _kill(proc: subprocess.Popen, reader: threading.Thread) -> None:
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        log.warning("engine process %d did not exit after SIGKILL", proc.pid)
    reader.join(timeout=1)  # it ends at EOF; closing stdout under a blocked read could hang
    for pipe in (proc.stdin, proc.stdout) if not reader.is_alive() else (proc.stdin,):
        try:
            pipe.close()
        except OSError:
            pass


class GTPEngine:
    """A GTP engine in a subprocess. Launches at construction and checks it answers ``protocol_version``.

    ``send`` is thread-safe (one command at a time). Replies are read by a thread into a queue, so every
    command has a deadline; on timeout, EOF or a broken pipe the process is killed and ``EngineDied``
    (``GTPTimeout``) raised. ``restart()`` launches a fresh process.
    """

    def __init__(self, argv: list[str], name: str | None = None, timeout: float = 10.0,
                 startup_timeout: float = 30.0, stderr: str | os.PathLike | None = None):
        if not argv:
            raise ValueError("an engine command line is needed")
        self.argv = [str(a) for a in argv]
        self.name = name or Path(self.argv[0]).name
        self.timeout, self.startup_timeout = timeout, startup_timeout
        self.stderr_path = stderr
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        err = subprocess.DEVNULL if self.stderr_path is None else open(self.stderr_path, "ab")
        try:
            self._proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        except OSError as exc:
            raise EngineDied(f"{self.name}: cannot launch {self.argv[0]!r}: {exc}") from exc
        finally:
            if err is not subprocess.DEVNULL:
                err.close()  # the child holds its own descriptor
        self._lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(self._proc.stdout, self._lines), daemon=True,
                                  name=f"gtp-{self.name}-{self._proc.pid}")
        reader.start()
        self._finalizer = weakref.finalize(self, _kill, self._proc, reader)
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
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                self._die(GTPTimeout, f"no reply to {command!r} within {timeout:g} s")
            if line is None:
                self._die(EngineDied, f"the engine closed its output (exit code {self._proc.poll()}) "
                                      f"while answering {command!r}")
            log.debug("%s >> %s", self.name, line)
            if first is None:
                if not line.strip():
                    continue  # blank lines between replies
                first = _REPLY.match(line)
                if first is None:
                    log.debug("%s: skipping a line that is not a reply: %r", self.name, line)
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
