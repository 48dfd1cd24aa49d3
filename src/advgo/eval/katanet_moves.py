"""``katanet`` at 1 visit against KataGo's own move at 1 visit: how often advgo's victim plays what KataGo plays.

KataGo's GTP engine is asked ``genmove`` with ``maxVisits 1``, its net's symmetry fixed (``nnRandomize false``) and
temperature 0 (``chosenMoveTemperature(Early) 0``), the match's rules as ``kata-set-rules`` and
``friendlyPassOk false``; advgo's ``katanet`` agent (:class:`advgo.nets.katago.root.KataGoRootEvaluator` over a
``KataGoNet`` with KataGo's root settings) plays the same position. The positions are those of
:mod:`advgo.eval.katanet_check`'s corpus, so they include positions right after a pass, where KataGo's root
settings (conservative pass, passing hacks, cleanup before pass, root-move pruning) change its move.

| figure | what |
|---|---|
| ``agree`` | positions where both play the same move, overall and split by ``after_pass`` |
| ``disagreements`` | the positions (moves, rules) where they differ, with both moves |
"""

from __future__ import annotations

import logging
import time

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..agents.base import select_move
from ..agents.gtp_client import EngineDied, GTPEngine
from ..agents.katago import KataGoInstall
from ..coords import action_to_gtp, gtp_to_action

log = logging.getLogger(__name__)

ONE_VISIT = {"maxVisits": 1, "nnRandomize": "false", "chosenMoveTemperatureEarly": 0, "chosenMoveTemperature": 0}


def _genmove(gtp: GTPEngine, p, size_now: int) -> int:
    if p.size != size_now:
        gtp.send(f"boardsize {p.size}")
    for cmd in ("clear_board", f"kata-set-rules {p.rules.katago()}", "kata-set-rule friendlyPassOk false",
                f"komi {p.rules.komi:g}"):
        gtp.send(cmd)
    for k, a in enumerate(p.moves):
        gtp.send(f"play {'BW'[k % 2]} {action_to_gtp(a, p.size)}")
    return gtp_to_action(gtp.send(f"genmove {'BW'[len(p.moves) % 2]}"), p.size)


def compare_moves(positions, model: str | None = None, install: KataGoInstall | None = None,
                  progress: bool = True) -> dict:
    """Both moves on every position (see the module docstring); the summary."""
    from ..agent_registry import make_agent

    install = install or KataGoInstall.at()
    install.check_installed()
    gtp = GTPEngine(install.gtp_argv(ONE_VISIT, model=model), name="katago-1-visit", timeout=300,
                    startup_timeout=300)
    spec = "katanet" if model is None else f"katanet:model={model}"
    agents: dict = {}
    rows, size = [], 0
    start = time.monotonic()
    columns = (TextColumn("katanet@1 vs genmove"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, disable=not progress, transient=True) as bar:
            task = bar.add_task("moves", total=len(positions))
            for p in positions:
                try:
                    theirs = _genmove(gtp, p, size)
                except EngineDied as exc:
                    log.warning("%s; restarting katago", exc)
                    gtp.restart()
                    theirs = _genmove(gtp, p, 0)
                size = p.size
                agent = agents.get(p.ruleset) or agents.setdefault(p.ruleset, make_agent(spec, rules=p.rules))
                mine = select_move(agent, p.state())
                rows.append({"size": p.size, "rules": p.rules.katago(), "komi": p.rules.komi, "moves": list(p.moves),
                             "after_pass": bool(p.moves) and p.moves[-1] == p.size * p.size, "katago": theirs,
                             "katanet": mine})
                bar.advance(task)
    finally:
        gtp.close()
    def share(subset):
        return {"positions": len(subset), "agree": sum(r["katago"] == r["katanet"] for r in subset)}

    return {"all": share(rows), "after_pass": share([r for r in rows if r["after_pass"]]),
            "other": share([r for r in rows if not r["after_pass"]]),
            "disagreements": [r for r in rows if r["katago"] != r["katanet"]],
            "seconds": time.monotonic() - start}
