"""Search throughput without a network: ``BatchedMCTS`` with a uniform fake evaluator, beside mctx.

Both searches run a batch of games from the empty board with a zero-knowledge evaluator (uniform
priors, value 0). Ours plays real Go inside the search (legality, captures, superko masks at every
leaf); mctx's ``gumbel_muzero_policy`` with a zero network has no game at all, so the comparison
favours mctx. Simulations/s = games × visits / wall seconds, the first (compiling) call timed apart.
"""

from __future__ import annotations

import time


from advgo import engine
from advgo.search import BatchedMCTS, SearchConfig, UniformEvaluator


def bench_ours(size: int, batch: int = 64, visits: int = 64, seconds: float = 3.0) -> dict:
    """Repeated searches of ``batch`` empty boards with ``visits`` visits each."""
    roots = engine.new_boards(batch, size, 2 * size * size + 1)
    evaluator = UniformEvaluator()
    search = BatchedMCTS(evaluator, size, batch, engine.rule_codes(max_moves=2 * size * size),
                         SearchConfig(visits=visits))
    start = time.perf_counter()
    search.search(roots)
    compile_s = time.perf_counter() - start
    playouts = 0
    in_evaluator = 0.0
    evaluate = evaluator.evaluate

    def timed(*args):
        nonlocal in_evaluator
        t = time.perf_counter()
        evaluate(*args)
        in_evaluator += time.perf_counter() - t

    evaluator.evaluate = timed
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        search.reset()
        playouts += search.search(roots).playouts
    wall = time.perf_counter() - start
    return {"mode": "advgo-batched-mcts", "board": size, "batch": batch, "visits": visits,
            "sims_per_s": playouts / wall, "simulations": playouts, "seconds": wall,
            "evaluator_share": in_evaluator / wall, "compile_s": compile_s}


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


def run(sizes=(9, 19), batch: int = 64, visits: int = 64, seconds: float = 3.0, compare: bool = False) -> list[dict]:
    records = []
    for size in sizes:
        ours = bench_ours(size, batch, visits, seconds)
        records.append(ours)
        if compare:
            theirs = bench_mctx(size, batch, visits, seconds)
            if theirs is not None:
                ours["vs_mctx"] = ours["sims_per_s"] / theirs["sims_per_s"]
                records.append(theirs)
    return records
