"""Uniform-random games played entirely inside Numba, on one core or on all of them.

Each move is uniform over the legal moves, pass included: candidates are drawn without replacement
until one is legal, which picks every legal move with equal probability without building the mask.
Every game has its own xorshift64 generator seeded from (seed, game index), so the results do not
depend on how games are spread over threads (the kernels release the GIL; ``play_random_games``
runs chunks of games on a thread pool).
"""

import numpy as np

from .constants import EMPTY, END_NONE, OK
from .jit import kernel
from .moves import action_to_point, apply_point, check_point, play_action
from .scoring import score
from .setup import reset_game

_SHIFT_A = np.uint64(13)
_SHIFT_B = np.uint64(7)
_SHIFT_C = np.uint64(17)
_SHIFT_OUT = np.uint64(11)


@kernel
def rand_below(rng, g, n):
    """Next xorshift64 draw of generator ``g`` reduced to ``[0, n)``."""
    x = rng[g]
    x ^= x << _SHIFT_A
    x ^= x >> _SHIFT_B
    x ^= x << _SHIFT_C
    rng[g] = x
    return np.int64((x >> _SHIFT_OUT) % np.uint64(n))


@kernel(inline=True)
def random_legal(b, i, rules, rng, g, cand):
    """A uniform-random legal action of game ``i`` (pass included) by generator ``g``; nothing is played.

    Empty points and pass are candidates, drawn without replacement until one is legal (pass always is), so
    every legal move has the same chance without building the mask. ``cand`` holds >= N*N int16.
    """
    n = b.size
    n2 = n * n
    m = 0
    for a in range(n2):
        if b.stones[i, action_to_point(a, n)] == EMPTY:
            cand[m] = a
            m += 1
    while True:
        j = rand_below(rng, g, m + 1)
        if j == m:
            return n2
        a = cand[j]
        if check_point(b, i, action_to_point(a, n), rules) == OK:
            return a
        m -= 1
        cand[j] = cand[m]


@kernel
def random_game(b, k, rules, rng, g, cand):
    """Play one uniform-random game in slot ``k`` with generator ``g``; ``cand`` holds >= N*N int16."""
    reset_game(b, k)
    n = b.size
    n2 = n * n
    while b.end_reason[k] == END_NONE:
        a = random_legal(b, k, rules, rng, g, cand)
        if a == n2:
            play_action(b, k, n2, rules)
        else:
            apply_point(b, k, action_to_point(a, n), a, rules)


@kernel
def random_moves(b, games, rules, rng, cand, out):
    """``out[k]`` = a uniform-random legal move (pass included) of game ``games[k]`` by generator ``rng[0]``
    (pass for a finished game); nothing is played."""
    for k in range(games.shape[0]):
        i = games[k]
        out[k] = b.size * b.size if b.end_reason[i] != END_NONE else random_legal(b, i, rules, rng, 0, cand)


@kernel
def random_games(b, rules, rng, lengths, reasons, scores):
    """Play game g with generator ``rng[g]`` for every g, one after another in board slot 0."""
    for g in range(rng.shape[0]):
        random_game(b, 0, rules, rng, g, b.scratch[0])
        lengths[g] = b.move_count[0]
        reasons[g] = b.end_reason[0]
        scores[g] = score(b, 0, rules.komi)


def seed_generators(seed: int, n_games: int) -> np.ndarray:
    """uint64 [n_games] nonzero xorshift states from (seed, game index), by splitmix64 in numpy."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) + np.arange(1, n_games + 1, dtype=np.uint64) * np.uint64(
            0x9E3779B97F4A7C15
        )
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    z[z == 0] = np.uint64(0x2545F4914F6CDD1D)
    return z
