"""Self-play throughput at a run config: games/hour, net evaluations/s and the share of time in the net.

The net is freshly initialised with the config's architecture (throughput does not depend on its
weights, only game lengths do); self-play runs with the config's search and self-play settings for a
wall-clock budget after a warm-up move. The share of wall time spent in the evaluator tells whether the
search is the bottleneck (target on CPU: at least 85% in the net). ``games_per_hour`` is moves/s over the
mean length of the games that finished in the window: a short window finishes the short games first, so
it overestimates; the training run's own ``selfplay/*`` logs give the steady-state figure.

``threads`` and ``groups`` (lists): one record per pair (``search.threads``, ``search.groups``), each with its
own self-play from the same seed, timed in interleaved rounds (best round's moves/s) so that a busy machine
slows every row alike. Each record splits the wall time of its rounds: ``split_search`` (search kernels and
their thread hand-offs), ``split_encode`` and ``split_forward`` (inside the net's evaluator: feature encoding;
host/device copies and the forward), ``split_wait`` (the search thread blocked on an evaluation it could not
overlap) and ``split_other`` (the rest: choosing and playing moves, samples, Python). With several groups the
encode and forward run beside the search, so the parts can add up to more than 1. ``raw_forward_per_s`` is the
bare forward of the same net at the batch one group hands it (games / groups), measured in the same run, and
``of_raw`` the share of it that self-play's evaluations reach end to end.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from advgo.config import load_config
from advgo.features import FEATURES
from advgo.nets import InferenceNet, PolicyValueNet, TorchEvaluator
from advgo.nets.threads import set_torch_threads
from advgo.rules import Rules
from advgo.training.selfplay import SelfPlay
from advgo.training.trainer import TimedEvaluator, hardware, resolve_device
from advgo.training.victim_config import VictimRunConfig


def raw_forward_rate(net: PolicyValueNet, device, batch: int, path: str = "auto", seconds: float = 1.0) -> float:
    """Positions/s of the bare forward at ``batch`` on inputs already on the device (no encoding, no copies)."""
    runner = InferenceNet(net, device, path=path, max_batch=batch)
    n = net.config.board_size
    planes = (torch.rand((batch, FEATURES.planes, n, n), device=device) < 0.3).float()
    globals_ = torch.rand((batch, FEATURES.globals), device=device)
    for _ in range(3):  # warm-up: tracing, CUDA graphs, kernel selection
        runner(planes, globals_)
    calls = 0
    _sync(device)
    start = time.perf_counter()
    while calls < 3 or time.perf_counter() - start < seconds:
        runner(planes, globals_)
        calls += 1
    _sync(device)
    return calls * batch / (time.perf_counter() - start)


def _sync(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def run(config: Path, seconds: float = 30.0, overrides=(), threads=(None,), groups=(None,),
        rounds: int = 3, path: str = "auto") -> list[dict]:
    cfg = load_config(VictimRunConfig, config, overrides)
    device = resolve_device(cfg.device)
    set_torch_threads(cfg.threads)
    n = cfg.game.board_size
    torch.manual_seed(cfg.seed)
    net = PolicyValueNet(cfg.net_config()).to(device).eval()
    rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
    pairs = [(t or cfg.search.threads, g or cfg.search.groups) for t in threads for g in groups]
    players = {}
    for t, g in pairs:
        search = dataclasses.replace(cfg.search, threads=t, groups=g)
        net_evaluator = TorchEvaluator(net, device=device, rules=rules, max_batch=cfg.selfplay.games, path=path)
        evaluator = TimedEvaluator(net_evaluator)
        selfplay = SelfPlay(evaluator, n, rules, search, cfg.selfplay, np.random.default_rng(cfg.seed))
        selfplay.step()  # warm-up: compilation and tracing
        players[t, g] = (selfplay, evaluator, net_evaluator)
    best = dict.fromkeys(pairs, 0.0)
    totals = {pair: {"wall": 0.0, "moves": 0, "evals": 0, "lengths": []} for pair in pairs}
    before = {pair: _clocks(*players[pair]) for pair in pairs}
    per_round = seconds / rounds if len(pairs) > 1 else seconds
    for _ in range(rounds if len(pairs) > 1 else 1):
        for pair in pairs:
            selfplay = players[pair][0]
            moves0, evals0 = selfplay.moves_played, selfplay.evaluations
            start = time.perf_counter()
            while time.perf_counter() - start < per_round:
                totals[pair]["lengths"] += [g.length for g in selfplay.step()]
            wall = time.perf_counter() - start
            best[pair] = max(best[pair], (selfplay.moves_played - moves0) / wall)
            totals[pair]["wall"] += wall
            totals[pair]["moves"] += selfplay.moves_played - moves0
            totals[pair]["evals"] += selfplay.evaluations - evals0
    raw = {g: raw_forward_rate(net, device, -(-cfg.selfplay.games // g), path) for g in {g for _, g in pairs}}
    records = []
    for pair in pairs:
        t, g = pair
        tot = totals[pair]
        wall, lengths = tot["wall"], tot["lengths"]
        mean_length = float(np.mean(lengths)) if lengths else float("nan")
        spent = {k: v - before[pair][k] for k, v in _clocks(*players[pair]).items()}
        record = {
            "config": str(config), "board": n, "net": f"{cfg.net.blocks}x{cfg.net.channels}", "device": str(device),
            "hardware": hardware(device), "parallel_games": cfg.selfplay.games, "threads": t, "groups": g,
            "seconds": wall, "moves_per_s": best[pair], "games_finished": len(lengths), "mean_length": mean_length,
            "games_per_hour": 3600 * best[pair] / mean_length if lengths else float("nan"),
            "evals_per_s": tot["evals"] / wall, "net_share": spent["net"] / wall, "inference_path": path,
            "raw_forward_per_s": raw[g], "of_raw": tot["evals"] / wall / raw[g],
            **{f"split_{k}": spent[k] / wall for k in ("search", "encode", "forward", "wait")},
        }
        record["split_other"] = max(0.0, 1.0 - record["split_search"] - record["split_wait"]
                                    - (record["split_encode"] + record["split_forward"] if g == 1 else 0.0))
        if (pairs[0] != pair) and pairs[0] == (1, 1):
            record["vs_serial"] = best[pair] / best[pairs[0]]
        records.append(record)
    return records


def _clocks(selfplay: SelfPlay, evaluator: TimedEvaluator, net_evaluator: TorchEvaluator) -> dict:
    timings = selfplay.mcts.timings
    return {"search": timings["search"], "wait": timings["wait"], "net": evaluator.seconds,
            **net_evaluator.timings}
