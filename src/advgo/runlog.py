"""Run folders, TensorBoard logging with a JSONL mirror of the scalars, and progress bars with rate and ETA.

A run folder (:func:`make_run_dir`) holds everything one training run leaves behind::

    runs/<kind>-<YYYYmmdd-HHMMSS>/     kind: victim, adversary, ...; or runs/<name>/ when a name is given
        config.yaml                    the resolved config (advgo.config.write_resolved)
        events.out.tfevents.*          TensorBoard events (one file per RunLogger, so per resume)
        scalars.jsonl                  every scalar again, one JSON object per line (see below)
        checkpoints/                   advgo.nets.checkpoint

Tags are namespaced, ``<namespace>/<name>``; a tag without a ``/`` is refused:

=======================  ==================================================================================
namespace                what
=======================  ==================================================================================
``losses/``              learner losses: ``policy``, ``value``, ``score``, ``total``, ``l2``
``selfplay/``            games, moves per game, resignations, pass rate
``eval/``                win rates of evaluation matches (``eval/vs_previous``, ``eval/vs_random``)
``perf/``                throughput: ``games_per_s``, ``evals_per_s``, ``net_share``
``victim/<name>/``       per-victim statistics of adversary training (``victim/<name>/win_rate``)
``curriculum/``          curriculum state (``curriculum/stage``)
``hparams/config``       the resolved config as a markdown table (text, written once at step 0)
=======================  ==================================================================================

``scalars.jsonl`` lines are ``{"tag": str, "value": float, "step": int, "wall_time": float}`` with the same
wall time as the TensorBoard event; non-finite values are written as the strings ``"nan"``, ``"inf"``,
``"-inf"`` so that every line is strict JSON (:func:`read_scalars` turns them back into floats). TensorBoard
stores scalars as float32; the JSONL keeps full precision. Events are written with torch's public
``torch.utils.tensorboard.SummaryWriter`` (no TensorFlow), text as the summary of TensorBoard's text plugin
(``text_pb``, which keeps the tag as given); they are imported when the first :class:`RunLogger` is made.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from advgo.config import describe, format_value
from advgo.fileio import atomic_write

log = logging.getLogger(__name__)

SCALARS_FILENAME = "scalars.jsonl"
HPARAMS_TAG = "hparams/config"


# ---------------------------------------------------------------------------------------------- run folders
def make_run_dir(root: str | os.PathLike = "runs", name: str | None = None, kind: str = "victim", *,
                 exist_ok: bool = False) -> Path:
    """Create and return a fresh run folder: ``root/<name>`` if a name is given, else
    ``root/<kind>-<YYYYmmdd-HHMMSS>`` (``-2``, ``-3``... appended when that exists already)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if name is not None:
        if not name or name in (".", "..") or Path(name).name != name:
            raise ValueError(f"a run name must be a single folder name, got {name!r}")
        path = root / name
        try:
            path.mkdir(exist_ok=exist_ok)
        except FileExistsError:
            raise FileExistsError(f"run folder {path} exists already: pick another name, or resume it") from None
        return path
    base = f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in itertools.count(1):
        path = root / (base if n == 1 else f"{base}-{n}")
        try:
            path.mkdir()
            return path
        except FileExistsError:  # another run started in the same second
            continue
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------- logging
def _json_number(value: float) -> float | str:
    return value if math.isfinite(value) else ("nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))


def read_scalars(path: str | os.PathLike) -> list[dict[str, Any]]:
    """The records of a ``scalars.jsonl`` (a run folder or the file itself), values as floats."""
    path = Path(path)
    if path.is_dir():
        path = path / SCALARS_FILENAME
    records = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                record = json.loads(line)
                record["value"] = float(record["value"])
                records.append(record)
    return records


def _purge_jsonl(path: Path, step: int) -> None:
    """Drop the records at ``step`` and later (they are being redone after a resume), atomically."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as f:
        kept = [line for line in f if line.strip() and json.loads(line)["step"] < step]
    atomic_write(path, "".join(kept), fsync=False, parents=False)


def config_markdown(cfg: Any) -> str:
    """The resolved config as a markdown table: key, value, description."""
    def cell(text: str) -> str:
        return " ".join(str(text).split()).replace("|", "\\|")

    def is_entries(value: Any) -> bool:  # a list of dataclasses: its entries have rows of their own
        return isinstance(value, (list, tuple)) and bool(value) and all(map(dataclasses.is_dataclass, value))

    rows = [f"| `{row.key}` | `{cell(format_value(row.default))}` | {cell(row.doc)} |"
            for row in describe(cfg) if not is_entries(row.default)]
    return "\n".join([f"**{type(cfg).__qualname__}**", "", "| key | value | description |", "|---|---|---|", *rows])


class RunLogger:
    """Scalars, text and figures of one run into TensorBoard event files under ``run_dir``, every scalar also
    appended (and flushed) to ``run_dir/scalars.jsonl``. ``purge_step`` (when resuming from a checkpoint at that
    step) discards what an earlier run logged at that step and later, in TensorBoard and in the JSONL."""

    def __init__(self, run_dir: str | os.PathLike, *, flush_secs: float = 10.0, purge_step: int | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.scalars_path = self.run_dir / SCALARS_FILENAME
        if purge_step is not None:
            _purge_jsonl(self.scalars_path, purge_step)
        # With purge_step the writer logs a restart there: TensorBoard drops the earlier events at >= that step.
        self._writer = SummaryWriter(str(self.run_dir), purge_step=purge_step, flush_secs=flush_secs)
        self._jsonl = open(self.scalars_path, "a", encoding="utf-8")
        self._hparams_written = False
        self.closed = False

    def _check(self, tag: str) -> None:
        if self.closed:
            raise ValueError(f"RunLogger for {self.run_dir} is closed")
        if not isinstance(tag, str) or "/" not in tag.strip("/"):
            raise ValueError(f"TensorBoard tag {tag!r} needs a namespace, e.g. 'losses/policy' or 'perf/games_per_s'")

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Log one scalar (anything ``float()`` takes: numbers, numpy scalars, 0-d tensors)."""
        self.scalars({tag: value}, step)

    def scalars(self, values: Mapping[str, float], step: int, *, prefix: str = "") -> None:
        """Log several scalars at one step and wall time; ``prefix`` is prepended to each tag (``"losses/"``).
        All are checked before any is written."""
        wall_time, lines, checked = time.time(), [], []
        for name, value in values.items():
            tag = prefix + name
            self._check(tag)
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise TypeError(f"{tag}: a scalar must be a number, got {value!r}") from None
            checked.append((tag, value))
            record = {"tag": tag, "value": _json_number(value), "step": int(step), "wall_time": wall_time}
            lines.append(json.dumps(record) + "\n")
        for tag, value in checked:
            self._writer.add_scalar(tag, value, int(step), walltime=wall_time)
        if lines:
            self._jsonl.write("".join(lines))
            self._jsonl.flush()

    def text(self, tag: str, markdown: str, step: int = 0) -> None:
        """Log markdown text (TensorBoard's Text tab)."""
        from tensorboard.plugins.text.summary_v2 import text_pb

        self._check(tag)
        # The text plugin's own summary keeps the tag as given (SummaryWriter.add_text appends "/text_summary").
        self._writer.file_writer.add_summary(text_pb(tag, markdown), int(step), time.time())

    def hparams_table(self, cfg: Any) -> None:
        """Write the resolved config as a markdown table under ``hparams/config`` (once per logger)."""
        if self._hparams_written:
            log.warning("hparams table for %s written already; ignoring the second one", self.run_dir)
            return
        self.text(HPARAMS_TAG, config_markdown(cfg), 0)
        self._hparams_written = True

    def figure(self, tag: str, fig: Any, step: int, *, close: bool = True) -> None:
        """Log a matplotlib figure as a PNG image (TensorBoard's Images tab); closes it unless ``close=False``."""
        self._check(tag)
        self._writer.add_figure(tag, fig, int(step), close=close)

    def flush(self) -> None:
        """Write everything pending to disk now (the event writer also flushes every ``flush_secs``)."""
        if not self.closed:
            self._writer.flush()
            self._jsonl.flush()

    def close(self) -> None:
        """Flush and close the files; closing twice is harmless."""
        if not self.closed:
            self.closed = True
            self._writer.close()
            self._jsonl.close()

    def __enter__(self) -> RunLogger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------ progress
def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _rate(speed: float | None, unit: str) -> str:
    if speed is None:
        return f"? {unit}/s"
    return f"{speed:,.{0 if speed >= 100 else 1 if speed >= 10 else 2}f} {unit}/s"


def _budget_eta(total: float | None, completed: float, speed: float | None, limit: float,
                elapsed: float) -> tuple[float, bool]:
    """Time left to a run under a time budget, and whether its step total (at the current rate) ends it before the
    budget does: ``(seconds, True)`` for the steps, ``(seconds, False)`` for the budget."""
    left = max(0.0, limit - elapsed)
    if total and speed and speed > 0:
        by_steps = max(total - completed, 0) / speed
        if by_steps < left:
            return by_steps, True
    return left, False


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Any) -> Text:
        return Text(_rate(task.finished_speed or task.speed, self.unit), style="progress.data.speed")


class _BudgetColumn(ProgressColumn):
    """``elapsed 2:30 of 10:00  ETA 7:30``: a run under a time budget, live (the task's ``limit_s``, ``started``)."""

    def render(self, task: Any) -> Text:
        limit, started = task.fields["limit_s"], task.fields["started"]
        elapsed = time.monotonic() - started
        eta, by_steps = _budget_eta(task.total, task.completed, task.speed, limit, elapsed)
        done = f"{task.completed:g}/{task.total:g}  " if by_steps else ""
        return Text(f"{done}elapsed {_duration(elapsed)} of {_duration(limit)}  ETA {_duration(eta)}",
                    style="progress.remaining")


class _BudgetBarColumn(BarColumn):
    """The bar of a run under a time budget: the share of the budget used, not of the step total."""

    def render(self, task: Any):
        from rich.progress_bar import ProgressBar as Bar

        limit, started = task.fields["limit_s"], task.fields["started"]
        return Bar(total=limit, completed=min(limit, time.monotonic() - started), width=self.bar_width,
                   pulse=False, animation_time=task.get_time(), style=self.style, complete_style=self.complete_style,
                   finished_style=self.finished_style, pulse_style=self.pulse_style)


class _CountColumn(ProgressColumn):
    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Any) -> Text:
        return Text(f"{task.completed:g} {self.unit}", style="progress.download")


class ProgressBar:
    """What :func:`progress` yields: call :meth:`advance` as work completes."""

    def __init__(self, total: float | None, description: str, unit: str, bar: Progress | None,
                 log_every_s: float, logger: logging.Logger, time_limit_s: float | None = None,
                 started: float | None = None):
        self.total, self.description, self.unit, self.completed = total, description, unit, 0.0
        self._bar, self._every, self._log = bar, log_every_s, logger
        self._start = time.monotonic() if started is None else started
        self.last_line = time.monotonic()
        """When the last line was logged (``time.monotonic()``)."""
        self.time_limit_s = time_limit_s
        fields = {} if time_limit_s is None else {"limit_s": time_limit_s, "started": self._start}
        self._task = bar.add_task(description, total=total, **fields) if bar is not None else None
        self._initial = 0.0  # units done before this bar started (a resumed run's steps): not in its rate

    def resume_at(self, completed: float) -> None:
        """Start from ``completed`` units done earlier (a resumed run), which do not count in the rate."""
        self.skip(completed - self.completed)

    def skip(self, n: float) -> None:
        """Record ``n`` more units that were done earlier (a resumed table's finished cells): counted as done, not in
        the rate or the ETA. On a terminal, skips before any work restart the bar's own rate estimate."""
        fresh = self.completed == self._initial
        self._initial += n
        if self._bar is not None and fresh:
            self.completed += n
            self._bar.reset(self._task, completed=self.completed, total=self.total, description=self.description)
            return
        self.update(completed=self.completed + n)

    def advance(self, n: float = 1) -> None:
        """Record ``n`` more units done."""
        self.update(completed=self.completed + n)

    def update(self, *, completed: float | None = None, total: float | None = None,
               description: str | None = None) -> None:
        """Set the units done, the total or the description."""
        self.completed = self.completed if completed is None else completed
        self.total = self.total if total is None else total
        self.description = self.description if description is None else description
        if self._bar is not None:
            self._bar.update(self._task, completed=self.completed, total=self.total, description=self.description)
        elif time.monotonic() - self.last_line >= self._every:
            self.log_line()

    def log_line(self, final: bool = False) -> None:
        """Log the state as one line (what a non-terminal gets every ``log_every_s`` seconds)."""
        now = time.monotonic()
        self.last_line, elapsed = now, now - self._start
        speed = (self.completed - self._initial) / elapsed if elapsed > 0 else None
        if self.time_limit_s is not None:
            # The step total is shown only while the rate says it ends the run before the budget does: a total far
            # beyond the budget (a run sized by minutes) would read ``0/100000 step ... ETA 165:23:12``.
            limit = self.time_limit_s
            left, by_steps = _budget_eta(self.total, self.completed, speed, limit, elapsed)
            done = f"{self.completed:g}/{self.total:g}" if by_steps else f"{self.completed:g}"
            eta = "" if final else f", ETA {_duration(left)} ({'steps' if by_steps else 'time budget'})"
            self._log.info("%s: %s %s, %s, elapsed %s of %s (%.0f%%)%s%s", self.description, done,
                           self.unit, _rate(speed, self.unit), _duration(elapsed), _duration(limit),
                           100 * min(elapsed / limit, 1.0) if limit > 0 else 100, eta, " (done)" if final else "")
            return
        done = f"{self.completed:g}" + (f"/{self.total:g}" if self.total else "")
        pct = f" ({self.completed / self.total:.0%})" if self.total else ""
        eta = ""
        if self.total and speed and not final:
            eta = f", ETA {_duration(max(self.total - self.completed, 0) / speed)}"
        self._log.info("%s: %s %s%s, %s, elapsed %s%s%s", self.description, done, self.unit, pct,
                       _rate(speed, self.unit), _duration(elapsed), eta, " (done)" if final else "")


@contextlib.contextmanager
def _lines_shown(logger: logging.Logger) -> Iterator[None]:
    """Progress lines are the one sign of life a piped long job gives: show them (INFO) whatever the command's
    verbosity, and put the logger's level back afterwards."""
    level = logger.level
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextlib.contextmanager
def _heartbeat(bar: ProgressBar, every_s: float) -> Iterator[None]:
    """A line every ``every_s`` seconds even while nothing completes (a table cell whose games all end together
    after minutes), so that silence never hides a running job; lines that :meth:`ProgressBar.update` logged
    count, so the two do not double up."""
    if every_s <= 0:
        yield
        return
    stop = threading.Event()

    def beat():
        while not stop.wait(every_s):
            if time.monotonic() - bar.last_line >= every_s:
                bar.log_line()

    thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def progress(total: float | None, description: str = "working", unit: str = "it", *,
             console: Console | None = None, log_every_s: float = 30.0,
             logger: logging.Logger | None = None, time_limit_s: float | None = None,
             started: float | None = None) -> Iterator[ProgressBar]:
    """A progress bar with count, rate and ETA on a terminal (rich); elsewhere (CI, ``nohup``, pipes) a log
    line every ``log_every_s`` seconds, whether or not work completed in between, and one at the end (shown at
    any verbosity). ``total=None``: unknown, so no ETA. ``time_limit_s``:
    the work stops at a time budget of that many seconds from ``started`` (a ``time.monotonic()``; default now),
    so the bar and the ETA count against the budget, and the count is shown without its (unreached) total::

        with progress(n_games, "self-play", "games") as bar:
            ...
            bar.advance(batch)
    """
    console = console or Console()
    logger = logger or log
    if not (console.is_terminal or console.is_jupyter):
        bar = ProgressBar(total, description, unit, None, log_every_s, logger, time_limit_s, started)
        with _lines_shown(logger), _heartbeat(bar, log_every_s):
            try:
                yield bar
            finally:
                bar.log_line(final=True)
        return
    if time_limit_s is None:
        columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TaskProgressColumn(), _RateColumn(unit), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn())
    else:
        columns = (TextColumn("[progress.description]{task.description}"), _BudgetBarColumn(), _CountColumn(unit),
                   _RateColumn(unit), _BudgetColumn())
    with Progress(*columns, console=console) as rich_progress:
        yield ProgressBar(total, description, unit, rich_progress, log_every_s, logger, time_limit_s, started)
