"""KataGo's raw network as an ``Evaluator``: the gray-box victim model for A-MCTS-S.

``KataGoPolicy`` asks a pool of ``katago gtp`` processes for ``kata-raw-nn 0`` (the net's output for the current
position under symmetry 0, no search) and turns it into priors over our action ids and a value for the player to
move. A batch of positions is sorted by move list and cut into one contiguous chunk per process, answered in
parallel (a thread per process). Each process remembers the moves on its board: to reach the next position it
sends ``undo`` back to the common prefix and ``play``s the rest, rather than ``clear_board`` and a full replay.

What ``kata-raw-nn 0`` prints, and how it maps:

| KataGo prints | here |
|---|---|
| ``policy``, then N lines of N numbers: the TOP row first, column A first | ``priors[row * N + col]`` as printed |
| ``NAN`` for an occupied point | prior 0 |
| ``policyPass p`` | ``priors[N * N]`` |
| ``whiteWin w``, ``whiteLoss l`` (``noResult``: draws) | value ``w - l``, white to move; ``l - w``, black |

Our row 0 is the top row too (:mod:`advgo.coords`), so the grid flattens onto action ids as it is printed.

KataGo's vertex for grid cell (x, y) is column letter ``x`` (no ``I``) and row number ``N - y``, the same point as
our ``action_to_gtp(y * N + x)``. Illegal moves (ko, suicide) may keep mass; the search masks them.

Rules: sent as KataGo's rules string (:meth:`advgo.Rules.katago`, e.g. ``koPOSITIONALscoreAREAtaxNONEsui0whb0``
for advgo's Chinese preset: KataGo's own ``chinese`` has simple ko) with ``kata-set-rules``, then ``kata-set-rule
friendlyPassOk false``, exactly as the black-box victim ``GTPAgent("katago")`` does (its spec ``katago.yaml``: our
games score the final position as it stands, so KataGo must not pass before capturing dead stones). ``komi``
comes with every ``evaluate`` call. The same net runs in process, batched and far faster, as
:class:`advgo.nets.katago.KataGoNet`.

Limits: positions from setup stones, or white to move on an empty board, cannot be sent over GTP (``ValueError``).
A move KataGo refuses (a ruleset mismatch) gives that leaf uniform priors and value 0, with a warning. A process
that dies is restarted and the position asked again once; a second failure raises ``EngineDied``.

Speed (9x9, 2-core CPU, pocl): ~7.5 positions/s with one process and hardly more with two (pocl already runs one
evaluation on both cores); startup ~1.5 s per process, plus ~1.4 s for the first ``boardsize``. The analysis
engine (``katago analysis``, ``includePolicy``, 1 visit) managed only ~1.9 positions/s here, batched or not.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..coords import action_to_gtp
from ..engine import BLACK, Boards
from ..rules import Rules
from .gtp_client import EngineDied, GTPEngine, GTPError
from .katago import KataGoInstall

__all__ = ["KataGoPolicy", "ParseError", "RawNN", "katago_rules", "parse_raw_nn"]

log = logging.getLogger(__name__)

class ParseError(ValueError):
    """A ``kata-raw-nn`` answer that is not what KataGo prints."""


class RawNN(NamedTuple):
    """One ``kata-raw-nn`` answer."""

    policy: np.ndarray  # float32 [N*N + 1]: priors by action id, pass last; NAN (occupied) -> 0
    white_win: float
    white_loss: float
    no_result: float
    symmetry: int

    def value(self, to_play: int) -> float:
        """Expected outcome in [-1, 1] for ``to_play`` (BLACK or WHITE)."""
        white = self.white_win - self.white_loss
        return -white if to_play == BLACK else white


def parse_raw_nn(text: str, size: int) -> RawNN:
    """Parse the reply to ``kata-raw-nn <symmetry>`` (one symmetry) for an ``size`` x ``size`` board."""
    lines = [line.strip() for line in text.strip().splitlines()]
    scalars: dict[str, float] = {}
    policy = None
    k = 0
    while k < len(lines):
        words = lines[k].split()
        if words and words[0] == "policy":
            rows = [row.split() for row in lines[k + 1:k + 1 + size]]
            if len(rows) != size or any(len(r) != size for r in rows):
                raise ParseError(f"kata-raw-nn: the policy block is not {size} lines of {size} numbers: {rows!r}")
            try:
                policy = np.array([[float(v) for v in row] for row in rows], np.float64).ravel()  # 'NAN' parses
            except ValueError:
                raise ParseError(f"kata-raw-nn: a policy line is not numbers: {rows!r}") from None
            k += 1 + size
            continue
        if len(words) == 2 and words[0][0].isalpha():  # "whiteWin 0.94"; grid lines of a 2x2 board are not
            try:
                scalars[words[0]] = float(words[1])
            except ValueError:
                pass
        k += 1
    missing = [key for key in ("policyPass", "whiteWin", "whiteLoss", "symmetry") if key not in scalars]
    if policy is None or missing:
        what = "policy block" if policy is None else ", ".join(missing)
        raise ParseError(f"kata-raw-nn: no {what} in {text[:200]!r}")
    priors = np.nan_to_num(np.append(policy, scalars["policyPass"]), nan=0.0)
    total = priors.sum()
    if not total > 0:
        raise ParseError(f"kata-raw-nn: the policy sums to {total}")
    return RawNN((priors / total).astype(np.float32), scalars["whiteWin"], scalars["whiteLoss"],
                 scalars.get("noResult", 0.0), int(scalars["symmetry"]))


def katago_rules(rules: Rules) -> str:
    """The argument of ``kata-set-rules`` for ``rules`` (komi is set apart): :meth:`advgo.Rules.katago`."""
    return rules.katago()


@dataclasses.dataclass
class _Process:
    """One ``katago gtp`` process and what its board holds."""

    engine: GTPEngine
    size: int = 0  # board size last sent; 0: none yet
    setting: tuple[str, float] | None = None  # (kata-set-rules argument, komi) last sent
    first: int | None = None  # the colour that moved first on the board; None: unknown, clear_board needed
    moves: list[int] = dataclasses.field(default_factory=list)
    plays: int = 0
    undos: int = 0
    clears: int = 0
    rejected: int = 0

    def forget(self, restarted: bool = False) -> None:
        """The board is unknown (a refused command), or the process is new (``restarted``)."""
        self.first, self.setting, self.moves = None, None, []
        if restarted:
            self.size = 0

    def common(self, first: int, moves: list[int]) -> int:
        """How many of ``moves`` (played from ``first``) the board already holds."""
        if self.first != first:
            return 0
        limit, k = min(len(self.moves), len(moves)), 0
        while k < limit and self.moves[k] == moves[k]:
            k += 1
        return k

    def sync(self, size: int, rules: str, komi: float, first: int, moves: list[int]) -> None:
        """Bring the board to ``moves`` (played alternately from ``first``); ``GTPError`` if a play is refused."""
        send = self.engine.send
        common = self.common(first, moves) if self.size == size else 0
        if self.size != size:
            send(f"boardsize {size}")
            self.size, self.first, self.moves = size, None, []
        if self.first != first or len(self.moves) - common > common:  # a replay of the prefix is cheaper
            send("clear_board")
            self.first, self.moves, common = first, [], 0
            self.clears += 1
        while len(self.moves) > common:
            send("undo")
            self.moves.pop()
            self.undos += 1
        if self.setting != (rules, komi):
            send(f"kata-set-rules {rules}")
            send("kata-set-rule friendlyPassOk false")  # as the spec katago.yaml: the final position is scored as is
            send(f"komi {komi:g}")
            self.setting = (rules, komi)
        for k in range(len(self.moves), len(moves)):
            colour = "B" if (first == BLACK) == (k % 2 == 0) else "W"
            send(f"play {colour} {action_to_gtp(moves[k], size)}")
            self.moves.append(moves[k])
            self.plays += 1


class KataGoPolicy:
    """``Evaluator``: KataGo's raw policy and value (``kata-raw-nn``) from ``processes`` GTP processes.

    ``install``: a ``KataGoInstall`` or its folder (default ``~/.cache/advgo/katago``); ``config`` / ``model``
    override its files. ``symmetry``: 0..7, the board symmetry KataGo evaluates under. ``log_dir``: where each
    process's stderr goes (discarded when None). ``positions`` / ``calls`` count the work done.
    """

    def __init__(self, processes: int = 1, rules: Rules | None = None,
                 install: KataGoInstall | str | os.PathLike | None = None, *, config: str | os.PathLike | None = None,
                 model: str | os.PathLike | None = None, symmetry: int = 0, timeout: float = 60.0,
                 startup_timeout: float = 600.0, log_dir: str | os.PathLike | None = None):
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        if not 0 <= symmetry <= 7:
            raise ValueError(f"symmetry must be 0..7, got {symmetry}")
        self.install = install if isinstance(install, KataGoInstall) else KataGoInstall.at(install)
        self.install.check_installed()
        for path in (config, model):
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"KataGoPolicy: no file {path}")
        self.argv = self.install.gtp_argv(config=config, model=model)
        self.symmetry, self.timeout, self.startup_timeout = symmetry, timeout, startup_timeout
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.set_rules(Rules.tromp_taylor() if rules is None else rules)
        self.positions = self.calls = 0
        self._pool = ThreadPoolExecutor(processes, thread_name_prefix="katago-policy")
        self._procs: list[_Process] = []
        try:
            self._procs = list(self._pool.map(self._launch, range(processes)))
        except BaseException:
            self.close()
            raise

    def set_rules(self, rules: Rules) -> None:
        """Follow a match's rules (``PolicyAgent.start`` calls this); komi still comes with ``evaluate``."""
        self.rules, self._rules_arg = rules, katago_rules(rules)

    @property
    def processes(self) -> int:
        return len(self._procs)

    def _launch(self, index: int) -> _Process:
        stderr = None if self.log_dir is None else self.log_dir / f"katago-policy-{index}.stderr.log"
        if stderr is not None:
            stderr.parent.mkdir(parents=True, exist_ok=True)
        return _Process(GTPEngine(self.argv, name=f"katago-policy[{index}]", timeout=self.timeout,
                                  startup_timeout=self.startup_timeout, stderr=stderr))

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None:
        n = leaves.size
        if priors_out.shape[0] < count or priors_out.shape[1] != n * n + 1 or values_out.shape[0] < count:
            raise ValueError(f"priors_out must be [>= {count}, {n * n + 1}] and values_out [>= {count}], "
                             f"got {priors_out.shape} and {values_out.shape}")
        if not self._procs:
            raise RuntimeError("KataGoPolicy is closed")
        jobs = [self._job(leaves, g) for g in range(count)]
        chunks = self._assign(jobs)
        komi = float(komi)
        if not math.isfinite(komi):
            raise ValueError(f"komi must be finite, got {komi}")

        def run(p: int) -> None:
            for g in chunks.get(p, []):
                raw = self._ask(p, n, komi, *jobs[g][:2])
                if raw is None:
                    priors_out[g] = 1.0 / (n * n + 1)
                    values_out[g] = 0.0
                else:
                    priors_out[g] = raw.policy
                    values_out[g] = raw.value(jobs[g][2])

        if len(chunks) == 1:
            run(next(iter(chunks)))
        elif chunks:
            futures = [self._pool.submit(run, p) for p in chunks]
            wait(futures)  # every thread is done with its process before an error is raised
            for future in futures:
                if future.exception() is not None:
                    raise future.exception()
        self.calls += 1
        self.positions += count

    def _assign(self, jobs: list[tuple[int, list[int], int]]) -> dict[int, list[int]]:
        """Leaves by process: sorted by move list, cut into equal contiguous chunks, each chunk given to the free
        process whose board shares the longest prefix with the chunk's first leaf (fewest undos and plays)."""
        order = sorted(range(len(jobs)), key=lambda g: (jobs[g][0], jobs[g][1]))
        bounds = np.linspace(0, len(jobs), min(len(jobs), len(self._procs)) + 1).astype(int)
        chunks = [order[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]
        shared = []  # (common prefix length, chunk, process)
        for c, chunk in enumerate(chunks):
            first, moves, _ = jobs[chunk[0]]
            for p, proc in enumerate(self._procs):
                shared.append((-proc.common(first, moves), c, p))
        out: dict[int, list[int]] = {}
        placed: set[int] = set()
        for _, c, p in sorted(shared):
            if c not in placed and p not in out:
                out[p] = chunks[c]
                placed.add(c)
        return out

    @staticmethod
    def _job(leaves: Boards, g: int) -> tuple[int, list[int], int]:
        if int(leaves.history[g, 0]) != 0:
            raise ValueError(f"KataGoPolicy: leaf {g} starts from setup stones, which cannot be sent over GTP")
        first, to_play = int(leaves.first_player[g]), int(leaves.to_play[g])
        moves = leaves.moves[g, :int(leaves.move_count[g])].tolist()
        if not moves and to_play != BLACK:
            raise ValueError(f"KataGoPolicy: leaf {g} is an empty board with white to move, which GTP cannot set up")
        return first, moves, to_play

    def _ask(self, p: int, size: int, komi: float, first: int, moves: list[int]) -> RawNN | None:
        proc = self._procs[p]
        for attempt in (1, 2):
            try:
                proc.sync(size, self._rules_arg, komi, first, moves)
                return parse_raw_nn(proc.engine.send(f"kata-raw-nn {self.symmetry}"), size)
            except GTPError as exc:  # the process is fine; its board is not what we think
                proc.rejected += 1
                log.warning("KataGo refused to set up a leaf (%s; rules %s): uniform priors and value 0 for it",
                            exc, self._rules_arg)
                proc.forget()
                return None
            except (EngineDied, ParseError) as exc:
                log.warning("%s failed (%s): restarting it%s", proc.engine.name, exc,
                            "" if attempt == 1 else ", and giving up on this position")
                proc.forget(restarted=True)
                proc.engine.restart()
                if attempt == 2:
                    raise EngineDied(f"{proc.engine.name} failed twice on one position: {exc}") from exc
        return None

    def reset(self) -> None:
        """Forget what every process's board holds: the next position is replayed from ``clear_board``."""
        for proc in self._procs:
            proc.forget()

    def stats(self) -> dict[str, int]:
        """Counters: positions, calls, refused leaves, and the GTP plays, undos and clear_boards sent."""
        out = {"positions": self.positions, "calls": self.calls}
        for key in ("rejected", "plays", "undos", "clears"):
            out[key] = sum(getattr(p, key) for p in self._procs)
        return out

    def close(self) -> None:
        for proc in self._procs:
            proc.engine.close()
        self._procs = []
        self._pool.shutdown()

    def __enter__(self) -> "KataGoPolicy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
