"""Search throughput without a network: ``BatchedMCTS`` with a uniform fake evaluator, beside mctx.

Both searches run a batch of games from the empty board with a zero-knowledge evaluator (uniform
priors, value 0). Ours plays real Go inside the search (legality, captures, superko masks at every
leaf); mctx's ``gumbel_muzero_policy`` with a zero network has no game at all, so the comparison
favours mctx. Simulations/s = games × visits / wall seconds, the first (compiling) call timed apart.

``threads``: one row per thread count of the search kernels (``SearchConfig.threads``), timed in interleaved
rounds (the best round of each counts) so that a busy machine slows every row alike; ``vs_1_thread`` is the
rate over the one-thread row of the same board in the same run, and ``cpu_per_wall`` the process's CPU seconds per
wall second: about the cores the row really had (on a shared machine, fewer than its threads).
"""

from __future__ import annotations

import time

from advgo import engine
from advgo.search import BatchedMCTS, SearchConfig, UniformEvaluator


def _searches(size: int, batch: int, visits: int, threads: int, groups: int):
    roots = engine.new_boards(batch, size, 2 * size * size + 1)
    evaluator = UniformEvaluator()
    search = BatchedMCTS(evaluator, size, batch, engine.rule_codes(max_moves=2 * size * size),
                         SearchConfig(visits=visits, threads=threads, groups=groups))
    return roots, evaluator, search


def bench_ours(size: int, batch: int = 64, visits: int = 64, seconds: float = 3.0, threads=(1,),
               groups: int = 1, rounds: int = 3) -> list[dict]:
    """Repeated searches of ``batch`` empty boards with ``visits`` visits each, one record per thread count."""
    setups = {t: _searches(size, batch, visits, t, groups) for t in threads}
    compile_s = {}
    for t, (roots, _, search) in setups.items():
        start = time.perf_counter()
        search.search(roots)
        compile_s[t] = time.perf_counter() - start
    best = dict.fromkeys(threads, 0.0)
    totals = {t: [0, 0.0, 0.0, 0.0] for t in threads}  # playouts, seconds, seconds in the evaluator, CPU seconds
    per_round = seconds / rounds if len(threads) > 1 else seconds
    for _ in range(rounds if len(threads) > 1 else 1):
        for t, (roots, _, search) in setups.items():
            playouts = 0
            before = search.timings["evaluate"]
            cpu = time.process_time()
            start = time.perf_counter()
            while time.perf_counter() - start < per_round:
                search.reset()
                playouts += search.search(roots).playouts
            wall = time.perf_counter() - start
            best[t] = max(best[t], playouts / wall)
            totals[t][0] += playouts
            totals[t][1] += wall
            totals[t][2] += search.timings["evaluate"] - before
            totals[t][3] += time.process_time() - cpu
    records = []
    for t in threads:
        playouts, wall, in_evaluator, cpu = totals[t]
        record = {"mode": "advgo-batched-mcts", "board": size, "batch": batch, "visits": visits, "threads": t,
                  "groups": groups, "sims_per_s": best[t], "simulations": playouts, "seconds": wall,
                  "evaluator_share": in_evaluator / wall, "compile_s": compile_s[t], "cpu_per_wall": cpu / wall}
        if 1 in best and len(threads) > 1:
            record["vs_1_thread"] = best[t] / best[1]
        records.append(record)
    return records


def bench_mctx(size: int, batch: int = 64, visits: int = 64, seconds: float = 3.0) -> dict | None:
    """mctx ``gumbel_muzero_policy`` with a zero network (None when jax/mctx are not installed)."""
    try:
        import jax
        import jax.numpy as jnp
        import mctx
    except ImportError:
        return None
    actions = size * size + 1

    def recurrent_fn(params, rng_key, action, embedding):
        out = mctx.RecurrentFnOutput(reward=jnp.zeros(batch), discount=jnp.ones(batch),
                                     prior_logits=jnp.zeros((batch, actions)), value=jnp.zeros(batch))
        return out, embedding

    root = mctx.RootFnOutput(prior_logits=jnp.zeros((batch, actions)), value=jnp.zeros(batch),
                             embedding=jnp.zeros(batch))
    policy = jax.jit(lambda key: mctx.gumbel_muzero_policy(
        params=(), rng_key=key, root=root, recurrent_fn=recurrent_fn, num_simulations=visits))
    key = jax.random.PRNGKey(0)
    start = time.perf_counter()
    jax.block_until_ready(policy(key).action)
    compile_s = time.perf_counter() - start
    calls = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        key, sub = jax.random.split(key)
        jax.block_until_ready(policy(sub).action)
        calls += 1
    wall = time.perf_counter() - start
    return {"mode": "mctx-gumbel-zero-net", "board": size, "batch": batch, "visits": visits,
            "sims_per_s": calls * batch * visits / wall, "simulations": calls * batch * visits, "seconds": wall,
            "compile_s": compile_s}


def run(sizes=(9, 19), batch: int = 64, visits: int = 64, seconds: float = 3.0, compare: bool = False,
        threads=(1,), groups: int = 1) -> list[dict]:
    records = []
    for size in sizes:
        ours = bench_ours(size, batch, visits, seconds, tuple(threads), groups)
        records.extend(ours)
        if compare:
            theirs = bench_mctx(size, batch, visits, seconds)
            if theirs is not None:
                for record in ours:
                    record["vs_mctx"] = record["sims_per_s"] / theirs["sims_per_s"]
                records.append(theirs)
    return records
