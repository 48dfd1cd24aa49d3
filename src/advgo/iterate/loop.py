"""``advgo train iterate``: iterated adversarial training, rounds of attack and defence, then a fresh attack.

Round r: an adversary is trained against the current victim until it beats it (:mod:`advgo.training.attack`: win
rate over the curriculum window above ``attack.threshold``) or its budget ends; then the victim is fine-tuned on
the positions it lost to that adversary (or to every adversary so far) (:mod:`advgo.training.defence`), and the
fine-tuned victim is the next round's. After the last round a fresh adversary, started where round 1's was, attacks
the final victim (``fresh``), and the cross table plays every adversary against every victim (:mod:`.cross`).

Run folder::

    runs/<name>/
        config.yaml             the resolved IterateConfig
        iterate.json            the state: the plan of phases, each phase's status and result
        events.out.tfevents.*, scalars.jsonl   iterate/* per round, cross/* (the table)
        round-01/adversary/     an advgo train adversary run folder (checkpoints, sgf/, its config.yaml, events)
        round-01/victim/        an advgo train victim run folder (defence.init = the victim before, adversarial = …)
        round-02/…
        fresh/adversary/        the fresh adversary against the final victim
        table/                  the cross table: table.md, table.json, cross.json, cross.png, cells/rI-cJ/

Victim 0 is ``victim`` as configured; victim r is round r's final checkpoint (the one before when round r's
adversary won no game: there is nothing to train on, and the round's result says so). Adversary r is round r's
newest checkpoint. A KataGo victim (``katanet``) is fine-tuned by :class:`advgo.training.katago_defence.
KataGoDefenceTrainer`, and victim r is then round r's KataGo model file (``round-0r/victim/victim-0r.bin.gz``,
played as ``katanet:model=PATH`` with victim 0's other parameters).

**Resume.** ``iterate.json`` records each phase as ``running`` when it starts and ``done`` with its result when it
ends; ``--resume`` skips done phases, continues a running phase through its trainer's own ``--resume`` (from its
newest checkpoint; a phase killed before its first checkpoint starts over) and the table through ``advgo table``'s
(finished cells are read back). A changed config may add phases after the done ones (more rounds), not reorder them.

**Time.** ``--max-minutes`` is one budget for the run. Each phase gets the time left times its weight
(``shares``) over the weights of the phases still to run, at most its own cap (``attack.max_minutes`` …), and its
trainer keeps to it (:mod:`advgo.training.budget`); time a phase leaves unused goes to the rest. When the budget
is spent the run stops before the next phase (``--resume`` with more minutes continues). The table stops
between cells, before one it does not expect to finish in time, or inside a cell that overruns the time
(:class:`CellClock`).

TensorBoard tags (root folder; each phase's own tags are in its folder):

| tag | step | meaning |
|---|---|---|
| ``iterate/attack_win_rate``, ``iterate/attack_games``, ``iterate/attack_steps``, ``iterate/attack_beaten`` | round (fresh: rounds + 1) | the attack when it ended: rolling win rate (when beaten: the one that passed the threshold), games against the victim, learner steps, 1 if beaten |
| ``iterate/defence_lost_games``, ``iterate/defence_steps``, ``iterate/defence_victim_win_rate`` | round | the defence: lost games it trained on, learner steps, share of the games from positions that the victim's side won (its last play phase) |
| ``cross/<adversary>/<victim>/win_rate`` (+ ``_low``, ``_high``) | rounds | the cross table; image ``cross/table`` |
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ..agentspec import AgentSpec, is_katanet, parse_agent_spec
from ..config import write_resolved
from ..curriculum import CurriculumConfig, CurriculumEntry
from ..eval.table import Player, TableConfig, run_table
from ..fileio import atomic_write
from ..nets import latest_checkpoint
from ..rules import Rules
from ..runlog import RunLogger, progress, read_scalars
from ..training.adversary_config import AdversaryRunConfig
from ..training.attack import AttackTrainer
from ..training.budget import Budget, clock_text
from ..training.katago_defence import MODEL_FILE, KataGoDefenceTrainer
from ..training.positions import load_lost_games
from ..training.trainer import CHECKPOINTS, resolve_device
from ..training.victim_config import VictimRunConfig
from ..training.victim_trainers import make_victim_trainer
from ..victims import KataNetVictim, Victim, resolve_victim, victim_label
from .config import IterateConfig
from .cross import write_cross

log = logging.getLogger(__name__)

STATE_FILE = "iterate.json"
TABLE_DIR = "table"
MIN_PHASE_S = 5.0
"""A phase is not started with less than this left of the budget: the run stops there instead."""


@dataclass(frozen=True)
class Phase:
    name: str
    """``round-01/attack``, ``round-01/defence``, ``fresh/attack``, ``table``: the key in ``iterate.json``."""
    kind: str
    """attack, defence or table."""
    round: int
    """1..rounds; rounds + 1 for the fresh attack; 0 for the table."""
    folder: str
    """Its folder under the run folder."""


def plan(cfg: IterateConfig) -> list[Phase]:
    """The phases of a run, in order."""
    phases = []
    for r in range(1, cfg.rounds + 1):
        phases += [Phase(f"round-{r:02d}/attack", "attack", r, f"round-{r:02d}/adversary"),
                   Phase(f"round-{r:02d}/defence", "defence", r, f"round-{r:02d}/victim")]
    if cfg.fresh.enabled:
        phases.append(Phase("fresh/attack", "attack", cfg.rounds + 1, "fresh/adversary"))
    if cfg.table.enabled:
        phases.append(Phase("table", "table", 0, TABLE_DIR))
    return phases


def agent_spec(victim: str, visits: int) -> str:
    """An agent spec for a victim as a curriculum names it: ``zoo:NAME:visits=V``, ``net:PATH:visits=V`` or
    ``katanet:…:visits=V``."""
    head, _, rest = victim.partition(":")
    if is_katanet(victim) or (head in ("zoo", "net") and rest):
        return f"{victim}:visits={visits}"
    is_path = "/" in victim or victim.endswith(".pt") or Path(victim).is_file()
    return f"{'net' if is_path else 'zoo'}:{victim}:visits={visits}"


def katanet_with_model(victim: str, model: Path | None) -> str:
    """``victim`` (a ``katanet`` spec) playing the model file ``model`` (None: only the model it names), its other
    parameters (``dtype``, ``temperature``) kept: a defended KataGo net plays as the victim it came from."""
    params = parse_agent_spec(victim).params
    if model is None:
        kept = tuple((k, v) for k, v in params if k == "model")
    else:
        kept = (("model", str(model)),) + tuple((k, v) for k, v in params if k != "model")
    return AgentSpec("katanet", "", kept).text


class IterateState:
    """``iterate.json``: the plan and each phase's status (``running`` / ``done``) and result, written atomically."""

    def __init__(self, path: Path):
        self.path = path
        self.data = json.loads(path.read_text()) if path.exists() else {"plan": [], "phases": {}}

    def status(self, name: str) -> str | None:
        return self.data["phases"].get(name, {}).get("status")

    def result(self, name: str) -> dict:
        return self.data["phases"].get(name, {}).get("result") or {}

    def check_plan(self, names: list[str]) -> None:
        """Done phases must stay a prefix of the plan: a changed config may add phases after them, not before."""
        done = [n for n in names if self.status(n) == "done"]
        stale = [n for n in self.data["phases"] if self.status(n) == "done" and n not in names]
        if stale or done != names[: len(done)]:
            raise ValueError(f"{self.path}: phases {', '.join(stale or done)} are done, but this config's plan "
                             f"({', '.join(names)}) would put them elsewhere; resume with the run's own config")
        self.data["plan"] = names

    def mark(self, name: str, status: str, result: dict | None = None) -> None:
        entry = self.data["phases"].setdefault(name, {})
        entry["status"] = status
        entry["result"] = result
        entry["at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        atomic_write(self.path, json.dumps(self.data, indent=2).encode(), fsync=False)


class Interrupted(Exception):
    """Ctrl-C inside a phase: its trainer saved a checkpoint; ``--resume`` continues it."""


class IteratedTraining:
    """One ``advgo train iterate`` run in ``run_dir`` (module docstring)."""

    def __init__(self, cfg: IterateConfig, run_dir: Path, resume: bool = False, max_minutes: float | None = None):
        self.budget = Budget(max_minutes)
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.state = IterateState(self.run_dir / STATE_FILE)
        if self.state.data["phases"] and not resume:
            raise ValueError(f"{self.run_dir} holds an iterated run already: resume it (--resume)")
        if resume and not self.state.path.exists():
            raise FileNotFoundError(f"nothing to resume: no {STATE_FILE} in {self.run_dir}")
        self.phases = plan(cfg)
        self.state.check_plan([p.name for p in self.phases])
        self.device = str(resolve_device(cfg.device))
        self.resumed = resume
        try:  # a victim that cannot play is an error before any phase runs
            first = resolve_victim(cfg.victim, cfg.visits, device="cpu", board_size=cfg.adversary.game.board_size)
        except (ValueError, KeyError) as err:
            raise ValueError(f"victim: {err}") from None
        if not isinstance(first, (Victim, KataNetVictim)):
            raise ValueError(f"victim: {first.label} cannot be fine-tuned: iterated training runs on our nets (a zoo "
                             f"victim or a checkpoint of advgo train victim) and on KataGo's (katanet[:model=PATH])")
        if isinstance(first, KataNetVictim) and first.spec.get("visits") is not None:
            raise ValueError(f"victim {cfg.victim!r}: give the victims' visits as the run's visits, not in the spec")

    # ------------------------------------------------------------------ victims and adversaries
    def victim(self, r: int) -> str:
        """Victim r as a curriculum names it: the configured victim (r = 0), else round r's final checkpoint (a
        KataGo net: ``katanet:model=`` round r's model file, with victim 0's other parameters)."""
        if r == 0:
            return self.cfg.victim
        result = self.state.result(f"round-{r:02d}/defence")
        if result.get("skipped"):
            return self.victim(r - 1)
        if result.get("model"):
            return katanet_with_model(self.cfg.victim, (self.run_dir / result["model"]).absolute())
        return str((self.run_dir / result["checkpoint"]).absolute())

    def _adversary_checkpoint(self, folder: str) -> Path:
        return latest_checkpoint(self.run_dir / folder / CHECKPOINTS)

    # ------------------------------------------------------------------ the run
    def run(self, max_phases: int | None = None) -> str:
        """Run the phases not done yet; returns ``done``, ``budget`` (stopped for time), ``stopped`` (after
        ``max_phases`` phases: a test's kill) or ``interrupted`` (Ctrl-C)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_resolved(self.cfg, self.run_dir)
        logger = RunLogger(self.run_dir)
        ran = 0
        try:
            if not self.resumed:
                logger.hparams_table(self.cfg)
            for i, phase in enumerate(self.phases):
                if self.state.status(phase.name) == "done":
                    log.info("iterate: phase %d of %d, %s: done already", i + 1, len(self.phases), phase.name)
                    continue
                if max_phases is not None and ran >= max_phases:
                    return "stopped"
                if self.budget.limited and self.budget.left() < MIN_PHASE_S:
                    log.info("time budget: the run stops before %s (%s used); --resume with --max-minutes continues",
                             phase.name, self.budget.status())
                    return "budget"
                minutes = self._phase_minutes(phase)
                note = "" if minutes is None else f"; its time {clock_text(60 * minutes)}"
                log.info("iterate: phase %d of %d, %s%s%s (run: %s)", i + 1, len(self.phases), phase.name,
                         self._describe(phase), note, self.budget.status())
                self.state.mark(phase.name, "running")
                started = time.monotonic()
                try:
                    result = getattr(self, f"_{phase.kind}")(phase, minutes, logger)
                except (Interrupted, KeyboardInterrupt):  # a trainer saved its checkpoint; elsewhere nothing is lost
                    log.warning("iterate: interrupted in %s; --resume continues it", phase.name)
                    return "interrupted"
                if result is None:  # the table, cut by the budget
                    return "budget"
                result["seconds"] = round(time.monotonic() - started, 1)
                self.state.mark(phase.name, "done", result)
                ran += 1
                left = len([p for p in self.phases if self.state.status(p.name) != "done"])
                log.info("iterate: %s done in %s: %s; %d phase(s) to go, run %s%s", phase.name,
                         clock_text(result["seconds"]), _summary(result), left, self.budget.status(),
                         f", at most {clock_text(self.budget.left())} to go" if self.budget.limited and left else "")
            return "done"
        finally:
            logger.close()

    def _describe(self, phase: Phase) -> str:
        if phase.kind == "table":
            return " (every adversary against every victim)"
        if phase.kind == "attack":
            who = "a fresh adversary" if phase.name.startswith("fresh") else f"adversary {phase.round}"
            return f" ({who} against victim {phase.round - 1})"
        return f" (victim {phase.round - 1} on the games it lost, into victim {phase.round})"

    def _phase_minutes(self, phase: Phase) -> float | None:
        """The phase's time: its share of what is left of the budget, at most its own cap (None: no limit)."""
        cfg = self.cfg
        caps = {"attack": cfg.fresh.max_minutes if phase.name.startswith("fresh") else cfg.attack.max_minutes,
                "defence": cfg.defence.max_minutes, "table": 0.0}
        weight = {"attack": cfg.shares.attack, "defence": cfg.shares.defence, "table": cfg.shares.table}
        cap = caps[phase.kind] or math.inf
        if self.budget.limited:
            pending = [p for p in self.phases if self.state.status(p.name) != "done"]
            share = self.budget.left() * weight[phase.kind] / sum(weight[p.kind] for p in pending) / 60
            cap = min(cap, share)
        return None if math.isinf(cap) else cap

    def _resumable(self, phase: Phase) -> bool:
        """Whether the phase's trainer resumes (its folder has a checkpoint); a folder without one is cleared."""
        folder = self.run_dir / phase.folder
        if latest_checkpoint(folder / CHECKPOINTS) is not None:
            log.info("iterate: %s resumes from %s", phase.name, latest_checkpoint(folder / CHECKPOINTS))
            return True
        if folder.exists():
            log.info("iterate: %s has no checkpoint in %s: it starts over", phase.name, folder)
            shutil.rmtree(folder)
        return False

    # ------------------------------------------------------------------ phases
    def attack_config(self, phase: Phase) -> AdversaryRunConfig:
        """The adversary run of an attack phase: the current victim as its one curriculum entry, its warm start."""
        cfg = self.cfg
        r = phase.round
        victim = self.victim(min(r - 1, cfg.rounds))
        init = cfg.adversary.init
        if phase.name.startswith("round") and r > 1 and cfg.attack.init == "previous":
            init = str(self._adversary_checkpoint(f"round-{r - 1:02d}/adversary").absolute())
        curriculum = CurriculumConfig(entries=[CurriculumEntry(victim, cfg.visits, cfg.attack.threshold)],
                                      window=cfg.adversary.curriculum.window,
                                      min_games=cfg.adversary.curriculum.min_games)
        return dataclasses.replace(cfg.adversary, curriculum=curriculum, init=init, seed=cfg.seed + 1000 * r + 1,
                                   device=cfg.device, threads=cfg.threads)

    def _attack(self, phase: Phase, minutes: float | None, logger: RunLogger) -> dict:
        r = phase.round
        run_cfg = self.attack_config(phase)
        victim, init = run_cfg.curriculum.entries[0].victim, run_cfg.init
        resume = self._resumable(phase)
        trainer = AttackTrainer(run_cfg, self.run_dir / phase.folder, resume=resume, max_minutes=minutes)
        trainer.run()
        if trainer.interrupted:
            raise Interrupted
        outcome = trainer.outcome()
        result = {"checkpoint": str(self._adversary_checkpoint(phase.folder).relative_to(self.run_dir)),
                  "victim": victim, "init": init, **outcome}
        logger.scalars({"iterate/attack_win_rate": outcome["win_rate"], "iterate/attack_games": outcome["games"],
                        "iterate/attack_steps": outcome["steps"], "iterate/attack_beaten": float(outcome["beaten"])}, r)
        return result

    def defence_config(self, phase: Phase) -> VictimRunConfig:
        """The victim run of a defence phase: the current victim as ``init``, the adversaries whose games it uses."""
        cfg = self.cfg
        r = phase.round
        rounds = range(1, r + 1) if cfg.defence.games_from == "all" else [r]
        adversaries = tuple(str((self.run_dir / f"round-{k:02d}/adversary").absolute()) for k in rounds)
        init, first = self.victim(r - 1), self.victim(0)
        if is_katanet(init):  # the net to fine-tune is its model file; how the victim plays is not the defence's
            init, first = katanet_with_model(init, None), katanet_with_model(first, None)
        anchor_to = first if cfg.defence.anchor_to == "first" and cfg.defender.defence.anchor else ""
        defence = dataclasses.replace(cfg.defender.defence, init=init, adversarial=adversaries, anchor_to=anchor_to)
        return dataclasses.replace(cfg.defender, defence=defence, seed=cfg.seed + 1000 * r + 2, device=cfg.device,
                                   threads=cfg.threads)

    def _defence(self, phase: Phase, minutes: float | None, logger: RunLogger) -> dict:
        r = phase.round
        run_cfg = self.defence_config(phase)
        d = run_cfg.defence
        victim = d.init
        # the round's own adversary must have beaten the victim: games lost by earlier victims (games_from: all)
        # are trained on again only beside new ones
        latest = str((self.run_dir / f"round-{r:02d}/adversary").absolute())
        games, report = load_lost_games([latest], run_cfg.game.board_size, _rules(self.cfg), d.newest_games,
                                        d.victims)
        if not games:
            log.info("iterate: round %d: adversary %d: %s: victim %d lost no game to it, nothing new to train on; "
                     "victim %d is victim %d", r, r, report.text(), r - 1, r, r - 1)
            if (self.run_dir / phase.folder).exists():
                shutil.rmtree(self.run_dir / phase.folder)  # a defence this rule would not have started
            logger.scalars({"iterate/defence_lost_games": 0}, r)
            return {"skipped": f"no game lost to adversary {r} ({report.text()})", "victim": victim,
                    "lost_games": 0}
        resume = self._resumable(phase)
        folder = self.run_dir / phase.folder
        trainer = make_victim_trainer(run_cfg, folder, resume=resume, max_minutes=minutes)
        trainer.run()
        if trainer.interrupted:
            raise Interrupted
        ckpt = latest_checkpoint(folder / CHECKPOINTS)
        model = None
        if isinstance(trainer, KataGoDefenceTrainer):  # victim r is its model file, under a name of its own
            model = folder / f"victim-{r:02d}.bin.gz"
            atomic_write(model, (folder / MODEL_FILE).read_bytes())
        won = [s["value"] for s in read_scalars(self.run_dir / phase.folder) if s["tag"] == "defence/victim_win_rate"]
        report = trainer.report  # every adversary's games (defence.games_from), as the trainer read them
        scalars = {"iterate/defence_lost_games": report.lost, "iterate/defence_steps": trainer.step}
        if won:
            scalars["iterate/defence_victim_win_rate"] = won[-1]
        logger.scalars(scalars, r)
        result = {"checkpoint": str(ckpt.relative_to(self.run_dir)), "init": victim, "lost_games": report.lost,
                  "games_read": report.files, "fraction": d.fraction, "steps": trainer.step}
        if model is not None:
            result["model"] = str(model.relative_to(self.run_dir))
        return result

    def table_config(self) -> TableConfig:
        """Every finished adversary (rows) against every distinct victim (columns)."""
        cfg = self.cfg
        visits = cfg.table.adversary_visits or cfg.adversary.victimplay.full_visits
        rows = []
        for p in self.phases:
            if p.kind == "attack" and self.state.status(p.name) == "done":
                label = "fresh adversary" if p.name.startswith("fresh") else f"adversary {p.round}"
                rows.append(Player(run=str((self.run_dir / p.folder).absolute()), params=f"visits={visits}",
                                   label=label))
        columns = [Player(spec=agent_spec(self.victim(0), cfg.visits), label=f"victim 0 ({_short(cfg.victim)})")]
        for r in range(1, cfg.rounds + 1):
            if self.state.status(f"round-{r:02d}/defence") == "done" and \
                    not self.state.result(f"round-{r:02d}/defence").get("skipped"):
                columns.append(Player(spec=agent_spec(self.victim(r), cfg.visits), label=f"victim {r}"))
        game = cfg.adversary.game
        return TableConfig(rows=tuple(rows), columns=tuple(columns), board_size=game.board_size, komi=game.komi,
                           rules=game.rules, games=cfg.table.games, max_moves=cfg.adversary.victimplay.max_moves,
                           workers=cfg.table.workers, seed=cfg.seed, device=self.device, threads=cfg.threads)

    def _table(self, phase: Phase, minutes: float | None, logger: RunLogger) -> dict | None:
        table = self.table_config()
        out = self.run_dir / phase.folder
        total = len(table.rows) * len(table.columns) * table.games
        check_time = CellClock(None if minutes is None else 60 * minutes, len(table.rows) * len(table.columns))

        with progress(total, "cross table", "games") as bar:
            try:
                cells = run_table(table, out, on_game=lambda: (bar.advance(1), check_time.game()),
                                  on_cell=check_time)
            except _TableCut as cut:
                log.info("time budget: the cross table stops %s (%s used); --resume plays the rest", cut,
                         self.budget.status())
                return None
        m = write_cross(table, cells, out, f"{self.run_dir.name}: adversary win rate", logger, self.cfg.rounds)
        return {"folder": phase.folder, "rows": m["rows"], "columns": m["columns"], "win_rate": m["win_rate"]}


class _TableCut(Exception):
    """The table's time is spent (raised between cells, or inside a cell that overran it); the message says
    where."""


class CellClock:
    """``run_table``'s ``on_cell`` and ``on_game`` under a time limit: after each cell, stop the table (raise
    ``_TableCut``) when the time left is less than the mean time of the cells it played so far, so that a cell is
    only started when it is expected to end in time (cells read back from a resumed table take no time and do not
    count); and after each game, stop it when the time is spent, so that a cell slower than the mean cannot
    overrun the budget (the cut cell has no ``match.json``: ``--resume`` plays it again from its first game)."""

    def __init__(self, seconds: float | None, cells: int, clock=time.monotonic):
        self.clock = clock
        self.deadline = None if seconds is None else clock() + seconds
        self.cells_left = cells
        self.played: list[float] = []
        self.last = clock()

    def __call__(self, cell) -> None:
        now = self.clock()
        if not getattr(cell, "replayed", False):
            self.played.append(now - self.last)
        self.last = now
        self.cells_left -= 1
        if self.deadline is None or self.cells_left <= 0:
            return
        expected = sum(self.played) / len(self.played) if self.played else 0.0
        if now + expected > self.deadline:
            raise _TableCut("between cells")

    def game(self) -> None:
        """After each game: the time is spent, stop inside the cell."""
        if self.deadline is not None and self.clock() > self.deadline:
            raise _TableCut("inside a cell, its games to be played again")


def _rules(cfg: IterateConfig) -> Rules:
    return Rules.from_name(cfg.defender.game.rules, cfg.defender.game.komi)


def _short(victim: str) -> str:
    return victim_label(victim, 1).rpartition("@")[0]


def _summary(result: dict) -> str:
    if "beaten" in result:
        return (f"{'beaten' if result['beaten'] else 'not beaten'}: {100 * result['win_rate']:.0f}% over its last "
                f"{result['window_games']} games, {result['games']} games, {result['steps']} learner steps")
    if "skipped" in result:
        return f"skipped: {result['skipped']}"
    if "lost_games" in result:
        return (f"{result['lost_games']} lost games, {100 * result.get('fraction', 0):.0f}% of the self-play games "
                f"started from their positions, {result['steps']} learner steps")
    return f"{len(result['rows'])} adversaries x {len(result['columns'])} victims"
