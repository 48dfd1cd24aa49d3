"""Victim-play throughput against self-play at the same visits and nets, for each A-MCTS mode.

Both sides of the comparison use the adversary config's board, search, visits, playout-cap randomization
and number of parallel games. Self-play plays the adversary's net against itself; victim-play plays it
against a victim of the same architecture (freshly initialised unless ``victim`` names one) at the
victim's visits. A-MCTS adds victim evaluations inside the adversary's search (S, S++: one per new victim
node; R: a whole victim search per new victim node), while the victim's own moves cost one evaluation at
1 visit. Games/s is moves/s over the mean length of the games that finished in the window (as in ``bench
selfplay``); ``vs_selfplay`` compares moves/s, which does not depend on which games happened to finish.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from advgo.config import load_config
from advgo.nets import PolicyValueNet, TorchEvaluator
from advgo.nets.threads import set_torch_threads
from advgo.rules import Rules
from advgo.training.adversary_config import AdversaryRunConfig
from advgo.training.selfplay import SelfPlay, SelfPlayConfig
from advgo.training.trainer import TimedEvaluator, hardware, resolve_device
from advgo.training.victimplay import VictimPlay
from advgo.victims import Victim, resolve_victim


def _measure(player, evaluator: TimedEvaluator, seconds: float) -> dict:
    player.step()  # warm-up: compilation and tracing
    evaluator.seconds = 0.0
    moves0, evals0 = player.moves_played, player.evaluations
    victim0 = getattr(player, "victim_evaluations", 0)
    search0 = player.mcts.timings["search"]
    lengths = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        lengths += [g.length for g in player.step()]
    wall = time.perf_counter() - start
    moves = player.moves_played - moves0
    mean_length = float(np.mean(lengths)) if lengths else float("nan")
    return {"seconds": wall, "moves_per_s": moves / wall, "games_finished": len(lengths), "mean_length": mean_length,
            "games_per_s": moves / wall / mean_length if lengths else float("nan"),
            "evals_per_s": (player.evaluations - evals0) / wall,
            "victim_evals_per_s": (getattr(player, "victim_evaluations", 0) - victim0) / wall,
            "net_share": evaluator.seconds / wall, "search_share": (player.mcts.timings["search"] - search0) / wall}


def run(config: Path, seconds: float = 20.0, modes=("S", "S++", "R", "plain"), victim: str | None = None,
        victim_visits: int = 1, overrides=()) -> list[dict]:
    cfg = load_config(AdversaryRunConfig, config, overrides)
    device = resolve_device(cfg.device)
    set_torch_threads(cfg.threads)
    n = cfg.game.board_size
    torch.manual_seed(cfg.seed)
    net_config = cfg.net_config()
    net = PolicyValueNet(net_config).to(device).eval()
    if victim:
        target = resolve_victim(victim, victim_visits, device=device, board_size=n)
    else:
        target = Victim(spec="same-architecture", visits=victim_visits,
                        net=PolicyValueNet(net_config).to(device).eval(), device=device)
    rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
    vp = cfg.victimplay
    common = {"config": str(config), "board": n, "net": f"{cfg.net.blocks}x{cfg.net.channels}",
              "device": str(device), "hardware": hardware(device), "parallel_games": vp.games,
              "full_visits": vp.full_visits, "fast_visits": vp.fast_visits, "victim": target.label,
              "threads": cfg.search.threads, "groups": cfg.search.groups}

    def evaluator():
        return TimedEvaluator(TorchEvaluator(net, device=device, rules=rules, max_batch=vp.games))

    sp_config = SelfPlayConfig(**{f: getattr(vp, f) for f in SelfPlayConfig.__dataclass_fields__})
    ev = evaluator()
    selfplay = SelfPlay(ev, n, rules, cfg.search, sp_config, np.random.default_rng(cfg.seed))
    base = {**common, "mode": "selfplay", **_measure(selfplay, ev, seconds)}
    records = [base]
    for mode in modes:
        ev = evaluator()
        config_mode = dataclasses.replace(vp, amcts=mode)
        play = VictimPlay(ev, target, n, rules, cfg.search, config_mode, np.random.default_rng(cfg.seed))
        record = {**common, "mode": f"vp {mode}", **_measure(play, ev, seconds)}
        record["vs_selfplay"] = record["moves_per_s"] / base["moves_per_s"]
        records.append(record)
    return records
