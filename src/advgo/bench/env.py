"""``advgo bench env``: steps/s of the envs with random masked actions, beside PettingZoo's ``go_v5``.

| part | what is timed | a step is |
|---|---|---|
| ``aec`` | ``go_v0.env`` (with PettingZoo's order-enforcing wrapper): ``last()``, pick, ``step()`` | one move |
| ``aec-go_v5`` | PettingZoo's ``classic/go_v5`` (pure Python, minigo), the same loop and the same sampler | one move |
| ``gym`` | ``gymnasium.make("advgo/GoVsAgent-v0")`` against each opponent | one learner move and the opponent's reply |
| ``vector`` | ``GoVectorEnv`` at each batch size against each opponent | one learner move (and reply) in one sub-env |

Both AEC loops pick uniformly among ``np.flatnonzero(obs["action_mask"])`` and stop a game at 2·N² moves (go_v5
has no cap). The ratio ``× go_v5`` is measured in the same run, as the anchors ask.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np

ProgressFn = Callable[[str, float, float], None]  # (part, seconds done, steps/s so far)


def _go_v5(size: int, komi: float):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from pettingzoo import make

            return make("aec", "classic/go-v5", board_size=size, komi=komi)
        except ImportError:
            from pettingzoo.classic import go_v5

            return go_v5.env(board_size=size, komi=komi)


def go_v5_available() -> str | None:
    """None when PettingZoo's go_v5 can be built here, else why not."""
    try:
        _go_v5(9, 7.5)
    except ImportError as err:
        return f"PettingZoo's go_v5 is not importable ({err}); pip install -e '.[bench]'"
    return None


def aec_rate(env, size: int, seconds: float, seed: int, part: str, progress: ProgressFn | None) -> dict:
    """Random masked AEC games for ``seconds``: moves/s, games, mean length."""
    rng = np.random.default_rng(seed)
    cap = 2 * size * size
    moves = games = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        env.reset(seed=seed + games)
        played = 0
        while played < cap:
            obs, _, terminated, truncated, _ = env.last()
            if terminated or truncated:
                break
            env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
            played += 1
        moves += played
        games += 1
        elapsed = time.perf_counter() - start
        if progress:
            progress(part, elapsed, moves / elapsed)
    return {"part": part, "board": size, "steps": moves, "games": games, "seconds": elapsed,
            "steps_per_s": moves / elapsed, "mean_length": moves / games}


def gym_rate(opponent: str, size: int, seconds: float, seed: int, progress: ProgressFn | None) -> dict:
    import gymnasium

    from ..env import ENV_ID

    env = gymnasium.make(ENV_ID, opponent=opponent, board_size=size, rules=_rules_for(opponent))
    rng = np.random.default_rng(seed)
    steps = episodes = 0
    _, info = env.reset(seed=seed)
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        _, _, terminated, truncated, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        steps += 1
        if terminated or truncated:
            episodes += 1
            _, info = env.reset()
        if steps % 64 == 0:
            elapsed = time.perf_counter() - start
            if progress:
                progress(f"gym {opponent}", elapsed, steps / elapsed)
    env.close()
    return {"part": "gym", "opponent": opponent, "board": size, "steps": steps, "episodes": episodes,
            "seconds": elapsed, "steps_per_s": steps / elapsed}


def vector_rate(num_envs: int, opponent: str, size: int, seconds: float, seed: int,
                progress: ProgressFn | None) -> dict:
    from ..env import GoVectorEnv

    envs = GoVectorEnv(num_envs, opponent=opponent, board_size=size, rules=_rules_for(opponent), copy=False)
    rng = np.random.default_rng(seed)
    _, infos = envs.reset(seed=seed)
    calls = episodes = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        masks = infos["action_mask"]
        actions = (rng.random(masks.shape) * masks).argmax(axis=1)  # uniform over each row's legal moves
        _, _, terminated, truncated, infos = envs.step(actions)
        episodes += int((terminated | truncated).sum())
        calls += 1
        elapsed = time.perf_counter() - start
        if progress:
            progress(f"vector {num_envs} {opponent}", elapsed, calls * num_envs / elapsed)
    envs.close()
    return {"part": "vector", "opponent": opponent, "board": size, "num_envs": num_envs, "step_calls": calls,
            "steps": calls * num_envs, "episodes": episodes, "seconds": elapsed,
            "steps_per_s": calls * num_envs / elapsed, "step_calls_per_s": calls / elapsed}


def _rules_for(opponent: str) -> str:
    """Tromp-Taylor, or the ruleset the opponent's engine plays (GNU Go: Chinese), as ``advgo match`` agrees it."""
    from ..eval.match import MatchConfig, agree_rules, engine_rules

    return agree_rules(MatchConfig("random", opponent), [None, engine_rules(opponent)])


def run(board: int, seconds: float, opponents: list[str], vector_sizes: list[int], compare: bool = True,
        seed: int = 0, progress: ProgressFn | None = None) -> list[dict]:
    from ..env import go_v0

    records = []
    warm = go_v0.env(board_size=board)  # compile the kernels outside the timed loops
    aec_rate(warm, board, 0.2, seed, "warm-up", None)
    records.append(aec_rate(go_v0.env(board_size=board, max_moves=2 * board * board), board, seconds, seed,
                            "aec", progress))
    if compare:
        why = go_v5_available()
        if why is None:
            records.append(aec_rate(_go_v5(board, 7.5), board, seconds, seed, "aec-go_v5", progress))
        else:
            records.append({"part": "aec-go_v5", "board": board, "skipped": why})
    for opponent in opponents:
        records.append(gym_rate(opponent, board, seconds, seed, progress))
        for n in vector_sizes:
            records.append(vector_rate(n, opponent, board, seconds, seed, progress))
    ref = next((r for r in records if r["part"] == "aec-go_v5" and "steps_per_s" in r), None)
    if ref is not None:
        for r in records:
            if "steps_per_s" in r:
                r["vs_go_v5"] = r["steps_per_s"] / ref["steps_per_s"]
    return records
