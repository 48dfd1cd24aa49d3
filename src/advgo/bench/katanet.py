"""KataGo's net in process (``KataGoNet``) against KataGo's net over GTP (``KataGoPolicy``), in one run.

Both answer the same question for the same positions: priors and a value for each, as the search asks them. The
positions are mid-game positions of uniform-random games (seeded), the same for every row. Rows run back to back
``rounds`` times and the best rate of each is kept, so that on a shared machine the ratio is taken from rates
measured minutes apart, not hours.

| row | what is timed |
|---|---|
| ``KataGoPolicy, P processes`` | ``evaluate`` on chunks of ``batch`` positions: ``kata-raw-nn 0`` per position over GTP |
| | (undo to the common prefix, play the rest); KataGo's OpenCL backend (pocl on a CPU) |
| ``KataGoNet <device> <dtype>, batch B`` | ``evaluate`` end to end: KataGo's features (Numba), the forward pass, |
| | KataGo's post-processing; positions/s (``compiled``: through ``torch.compile``, warmed up untimed) |

``× KataGoPolicy`` is each rate over the best ``KataGoPolicy`` row. bf16 is not exact (KL to fp32 about 3e-4 on
9x9, see README); fp32 is what ``advgo engines check-katanet`` checks against KataGo.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import torch

from advgo import engine
from advgo.bench.engine import machine_info
from advgo.game import GameState
from advgo.rules import Rules

ProgressFn = Callable[[str, float], None]
MIN_CALLS = 2


def random_positions(board: int, count: int, seed: int = 0):
    """``count`` positions (an engine ``Boards``) from uniform-random games, each stopped after 0 to N*N/2 moves
    (no passes, so that nothing ends early)."""
    rng = np.random.default_rng(seed)
    boards = engine.new_boards(count, board, board * board + 2)
    rules = Rules.tromp_taylor()
    for j in range(count):
        state = GameState.new(board, rules)
        for _ in range(int(rng.integers(0, board * board // 2 + 1))):
            legal = state.legal_actions()[:-1]
            if len(legal) == 0:
                break
            state = state.play(int(rng.choice(legal)))
        engine.copy_game(state.engine_boards, 0, boards, j)
    return boards


def _rate(evaluate: Callable[[int], None], batch: int, seconds: float, sync: Callable[[], None] = lambda: None) -> float:
    calls, t0 = 0, time.perf_counter()
    while calls < MIN_CALLS or time.perf_counter() - t0 < seconds:
        evaluate(batch)
        sync()
        calls += 1
    return calls * batch / (time.perf_counter() - t0)


def run(board: int = 9, batches: Sequence[int] = (1, 64, 256), devices: Sequence[str] = ("cpu",),
        dtypes: Sequence[str] = ("fp32", "bf16"), processes: Sequence[int] = (1, 2), seconds: float = 10.0,
        rounds: int = 2, policy_batch: int = 16, seed: int = 0, model=None, compile: bool = False,
        progress: ProgressFn | None = None) -> list[dict]:
    """Records (one per row, see the module docstring) with positions/s and the ratio to ``KataGoPolicy``."""
    from advgo.agents.katago_policy import KataGoPolicy
    from advgo.nets.katago import KataGoNet

    count = max(max(batches), policy_batch * max(processes or (1,)))
    boards = random_positions(board, count, seed)
    priors = np.zeros((count, board * board + 1), np.float32)
    values = np.zeros(count, np.float32)
    rows: dict[str, tuple[Callable[[int], None], int, Callable[[], None], dict]] = {}
    for p in processes:
        policy = KataGoPolicy(processes=p)
        rows[f"KataGoPolicy, {p} process{'es' if p > 1 else ''}"] = (
            lambda b, policy=policy: policy.evaluate(boards, b, 7.5, priors, values), policy_batch, lambda: None,
            {"kind": "KataGoPolicy", "processes": p, "batch": policy_batch, "_close": policy.close})
    dtype_of = {"fp32": torch.float32, "bf16": torch.bfloat16}
    for device in devices:
        cuda = device == "cuda"
        sync = torch.cuda.synchronize if cuda else (lambda: None)
        for dtype in dtypes:
            for compiled in (False, True) if compile else (False,):
                net = KataGoNet(model, device=device, dtype=dtype_of[dtype], max_batch=max(batches), compile=compiled)
                for b in batches:
                    rows[f"KataGoNet {device} {dtype}{' compiled' if compiled else ''}, batch {b}"] = (
                        lambda b, net=net: net.evaluate(boards, b, 7.5, priors, values), b, sync,
                        {"kind": "KataGoNet", "device": device, "dtype": dtype, "compiled": compiled, "batch": b,
                         "gpu": torch.cuda.get_device_name() if cuda else None})
    best = {label: 0.0 for label in rows}
    try:
        for evaluate, batch, sync, _ in rows.values():  # warm-up: Numba, first forward, GTP board sizes
            evaluate(batch)
            sync()
        for _ in range(rounds):
            for label, (evaluate, batch, sync, _) in rows.items():
                rate = _rate(evaluate, batch, seconds / rounds, sync)
                best[label] = max(best[label], rate)
                if progress is not None:
                    progress(label, rate)
    finally:
        for _, _, _, info in rows.values():
            if "_close" in info:
                info["_close"]()
    reference = max((best[k] for k, v in rows.items() if v[3]["kind"] == "KataGoPolicy"), default=None)
    machine = machine_info()
    records = []
    for label, (_, _, _, info) in rows.items():
        record = {"row": label, "board": board, **{k: v for k, v in info.items() if not k.startswith("_")},
                  "positions_per_s": round(best[label], 2), "torch_threads": torch.get_num_threads(),
                  "torch": torch.__version__, **machine}
        if reference:
            record["vs_katago_policy"] = round(best[label] / reference, 2)
        records.append(record)
    return records
