"""Self-play throughput at a run config: games/hour, net evaluations/s and the share of time in the net.

The net is freshly initialised with the config's architecture (throughput does not depend on its
weights, only game lengths do); self-play runs with the config's search and self-play settings for a
wall-clock budget after a warm-up move. The share of wall time spent in the evaluator tells whether the
search is the bottleneck (target on CPU: at least 85% in the net). ``games_per_hour`` is moves/s over the
mean length of the games that finished in the window: a short window finishes the short games first, so
it overestimates; the training run's own ``selfplay/*`` logs give the steady-state figure.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from advgo.config import load_config
from advgo.nets import PolicyValueNet, TorchEvaluator
from advgo.nets.threads import set_torch_threads
from advgo.rules import Rules
from advgo.training.selfplay import SelfPlay
from advgo.training.victim import TimedEvaluator, hardware, resolve_device
from advgo.training.victim_config import VictimRunConfig


def run(config: Path, seconds: float = 30.0, overrides=()) -> dict:
    cfg = load_config(VictimRunConfig, config, overrides)
    device = resolve_device(cfg.device)
    set_torch_threads(cfg.threads)
    n = cfg.game.board_size
    net = PolicyValueNet(cfg.net_config()).to(device).eval()
    rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
    evaluator = TimedEvaluator(TorchEvaluator(net, device=device, rules=rules, max_batch=cfg.selfplay.games))
    selfplay = SelfPlay(evaluator, n, rules, cfg.search, cfg.selfplay, np.random.default_rng(cfg.seed))
    selfplay.step()  # warm-up: compilation and tracing
    evaluator.seconds = 0.0
    moves0, evals0 = selfplay.moves_played, selfplay.evaluations
    games, lengths = 0, []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for g in selfplay.step():
            games += 1
            lengths.append(g.length)
    wall = time.perf_counter() - start
    moves = selfplay.moves_played - moves0
    mean_length = float(np.mean(lengths)) if lengths else float("nan")
    return {
        "config": str(config), "board": n, "net": f"{cfg.net.blocks}x{cfg.net.channels}", "device": str(device),
        "hardware": hardware(device), "parallel_games": cfg.selfplay.games, "seconds": wall,
        "moves_per_s": moves / wall, "games_finished": games, "mean_length": mean_length,
        "games_per_hour": 3600 * moves / wall / mean_length if lengths else float("nan"),
        "evals_per_s": (selfplay.evaluations - evals0) / wall, "net_share": evaluator.seconds / wall,
    }
