"""``advgo bench actors``: game generation with 1, 2, … Ray actors against the single-process loop, same config.

Only the play side is timed (no learner steps): each row runs ``ActorPool`` with that many actors for
``seconds`` after a warm-up (every actor's first chunk, which includes loading Numba's cache, is not counted),
beside the in-process ``SelfPlay`` / ``VictimPlay`` of the same config in the same run. The scaling figure the
issue asks of a 2-core machine is ``speedup`` at 2 actors (CPU-bound work: one torch thread per actor). Every row
also carries ``evals_vs_raw_net``: its net evaluations/s over the net's raw batched throughput on the inference
device (the GPU machine's goal with the server: >= 0.5).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

ProgressFn = Callable[[str, float, float], None]  # (row, seconds done, moves/s so far)
MIN_GAMES_FOR_LENGTH = 32


def _load(config: Path, sets: list[str]):
    """(role, config) of a run config: ``adversary`` when it has victim-play or a curriculum, else ``victim``."""
    import yaml

    from ..config import load_config
    from ..training.adversary_config import AdversaryRunConfig
    from ..training.victim_config import VictimRunConfig

    data = yaml.safe_load(Path(config).read_text()) or {}
    if "victimplay" in data or "curriculum" in data:
        return "adversary", load_config(AdversaryRunConfig, config, sets)
    return "victim", load_config(VictimRunConfig, config, sets)


def _games(role: str, cfg):
    """What the actors of a ``role`` run play (:class:`advgo.training.actors.Games`)."""
    if role == "adversary":
        from ..training.adversary import VictimPlayGames

        return VictimPlayGames(cfg)
    from ..training.victim import SelfPlayGames

    return SelfPlayGames(cfg)


def single_process(role: str, cfg, seconds: float, progress: ProgressFn | None) -> dict:
    """The in-process loop's play side (``scale.workers = 1``: the net on the run's device, CUDA when there is
    one) for ``seconds``, after a warm-up of one chunk."""
    from ..nets.inference import resolve_device
    from ..training.actors import GameActor, cpu_state_dict

    device = str(resolve_device(cfg.device))
    actor = GameActor(_games(role, cfg), 0, cfg.seed, cfg.scale.actor_threads, device=device)
    actor.play_chunk((1, cpu_state_dict(_fresh_net(cfg))), 0, 1, cfg.scale.chunk_seconds)  # warm-up (Numba, cuDNN)
    scale = cfg.scale
    totals = _tally(lambda left: [actor.play_chunk((1, None), 0, scale.chunk_games, scale.chunk_seconds)],
                    seconds, "single process", progress)
    actor.close()
    return _record(f"single process ({device})", 0, **totals)


def with_actors(role: str, cfg, workers: int, seconds: float, progress: ProgressFn | None) -> dict:
    from ..training.actors import ActorPool

    cfg = dataclasses.replace(cfg, scale=dataclasses.replace(cfg.scale, workers=workers))
    pool = ActorPool(_games(role, cfg), cfg.seed)
    try:
        pool.start(_fresh_net(cfg))
        warm = set()
        while len(warm) < workers:  # every actor's first chunk: compile/cache load, not counted
            warm |= {c.actor for c in pool.collect()}
        totals = _tally(lambda left: pool.collect(timeout=max(0.1, left)), seconds, f"{workers} actors", progress)
        return _record(f"{workers} actor{'s' if workers > 1 else ''}", workers, restarts=pool.restarts, **totals)
    finally:
        pool.close()


def _tally(next_chunks: Callable[[float], list], seconds: float, row: str, progress: ProgressFn | None) -> dict:
    """Chunks from ``next_chunks(seconds left)`` until ``seconds`` have passed: games, their summed length,
    moves, evaluations and the seconds taken."""
    totals = {"games": 0, "length": 0, "moves": 0, "evals": 0}
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for chunk in next_chunks(seconds - elapsed):
            totals["games"] += len(chunk.games)
            totals["length"] += sum(g.length for g in chunk.games)
            totals["moves"] += chunk.moves
            totals["evals"] += chunk.evaluations
        elapsed = time.perf_counter() - start
        if progress:
            progress(row, elapsed, totals["moves"] / max(elapsed, 1e-9))
    return {**totals, "seconds": elapsed}


def raw_net_rate(cfg, batch: int, seconds: float) -> dict:
    """The trained net's own throughput (positions/s) at ``batch``, on the device the server would use (CUDA when
    present, in the server's precision): the ceiling the actors' end-to-end evaluations/s are compared against.
    ``positions_per_s`` is the forward alone on inputs already on the device (what the issue's anchor measures);
    ``host_positions_per_s`` adds the host round trip the server pays (packed planes in, unpacked on the device;
    priors and values out)."""
    import numpy as np
    import torch

    from ..features import FEATURES
    from ..nets import TorchEvaluator
    from ..training.inference_server import pack_planes, unpack_planes

    device = "cuda" if torch.cuda.is_available() else "cpu"
    evaluator = TorchEvaluator(_fresh_net(cfg), device=device, symmetry="random", max_batch=batch)
    n = cfg.game.board_size
    rng = np.random.default_rng(0)
    planes = rng.integers(0, 2, (batch, FEATURES.planes, n, n)).astype(np.uint8)
    globals_ = rng.random((batch, FEATURES.globals)).astype(np.float32)
    planes_d = torch.as_tensor(planes, device=device).float()
    globals_d = torch.as_tensor(globals_, device=device)

    def forward():
        logits, _ = evaluator.runner(planes_d, globals_d)
        torch.softmax(logits, dim=1)
        if device == "cuda":
            torch.cuda.synchronize()

    priors = np.empty((batch, n * n + 1), np.float32)
    values = np.empty(batch, np.float32)
    packed = pack_planes(planes)

    def round_trip():
        evaluator.evaluate_planes(unpack_planes(packed, n, device), globals_, priors, values)

    rates = {}
    for name, step in (("positions_per_s", forward), ("host_positions_per_s", round_trip)):
        for _ in range(3):  # warm-up (cuDNN algorithm choice, lazy allocations)
            step()
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 2:
            step()
            done += batch
        rates[name] = done / (time.perf_counter() - start)
    return {"mode": f"raw net, batch {batch}", "device": device, "batch": batch,
            "bf16": bool(evaluator.runner.bf16), **rates}


def run(config: Path, sets: list[str], actors: list[int], seconds: float, progress: ProgressFn | None = None
        ) -> list[dict]:
    role, cfg = _load(config, sets)
    # chunks of at most 2 s: a chunk still in flight when the time is up is not counted
    cfg = dataclasses.replace(cfg, scale=dataclasses.replace(cfg.scale, chunk_seconds=min(cfg.scale.chunk_seconds,
                                                                                           2.0)))
    records = [single_process(role, cfg, seconds, progress)]
    for n in actors:
        records.append(with_actors(role, cfg, n, seconds, progress))
    server = cfg.scale.inference == "server" or (cfg.scale.inference == "auto" and _has_cuda())
    batch = cfg.scale.inference_batch if server else (cfg.selfplay.games if role == "victim" else cfg.victimplay.games)
    raw = raw_net_rate(cfg, batch, min(seconds, 5.0))
    # games/s from moves/s and the mean length of every game finished in the run: with many games in flight, few
    # finish inside a short row, so counting them is noisy (the count stays in "games" / "games_finished_per_s");
    # the first games to finish are the short ones, so under MIN_GAMES_FOR_LENGTH finished there is no estimate
    finished = sum(r["games"] for r in records)
    mean_length = sum(r["game_length_sum"] for r in records) / finished if finished >= MIN_GAMES_FOR_LENGTH else None
    base = records[0]["moves_per_s"]
    one = next((r["moves_per_s"] for r in records if r["actors"] == 1), None)
    for r in records:
        r["mean_game_length"] = mean_length
        r["games_per_s"] = r["moves_per_s"] / mean_length if mean_length else None
        r["vs_single_process"] = r["moves_per_s"] / base
        if one:
            r["speedup"] = r["moves_per_s"] / one
        r["config"], r["role"] = str(config), role
        r["raw_net_positions_per_s"], r["raw_net_device"], r["raw_net_batch"] = (raw["positions_per_s"],
                                                                                raw["device"], raw["batch"])
        r["raw_net_host_positions_per_s"], r["raw_net_bf16"] = raw["host_positions_per_s"], raw["bf16"]
        r["evals_vs_raw_net"] = r["evals_per_s"] / raw["positions_per_s"]
        r["inference"] = "server" if server and r["actors"] else "local"
    return records


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _record(name: str, actors: int, games: int, moves: int, evals: int, seconds: float, restarts: int = 0,
            length: int = 0) -> dict:
    return {"mode": name, "actors": actors, "games": games, "game_length_sum": length, "moves": moves,
            "evaluations": evals, "seconds": seconds, "games_finished_per_s": games / seconds,
            "moves_per_s": moves / seconds, "evals_per_s": evals / seconds, "restarts": restarts}


def _fresh_net(cfg):
    import torch

    from ..nets import PolicyValueNet

    torch.manual_seed(cfg.seed)
    return PolicyValueNet(cfg.net_config()).eval()


__all__ = ["run", "single_process", "with_actors"]
