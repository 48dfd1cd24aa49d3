"""Elo ratings from a round robin: Bradley-Terry maximum likelihood, one player anchored at 0.

Draws count half a win for each side. Ratings are on the usual scale (400·log10 odds), so a 100-point gap
means the stronger player is expected to score 64%.
"""

import numpy as np


def fit_elo(wins: np.ndarray, games: np.ndarray, anchor: int = 0, iterations: int = 2000) -> np.ndarray:
    """Ratings from ``wins[i, j]`` (games i won against j, draws as halves) and ``games[i, j]``.

    A player who won or lost everything has no finite maximum-likelihood rating; a weak prior (one draw
    against each opponent it met) keeps ratings finite, as BayesElo does.
    """
    wins = np.asarray(wins, np.float64)
    games = np.asarray(games, np.float64)
    n = wins.shape[0]
    if wins.shape != (n, n) or games.shape != (n, n):
        raise ValueError("wins and games must be square matrices of the same shape")
    met = games > 0
    w = wins + 0.5 * met  # prior: one drawn game per pairing that was played
    g = games + 1.0 * met
    strength = np.ones(n)
    for _ in range(iterations):  # minorization-maximization (Hunter 2004)
        total_wins = w.sum(axis=1)
        denom = (g / (strength[:, None] + strength[None, :])).sum(axis=1)
        new = np.where(denom > 0, total_wins / np.maximum(denom, 1e-300), strength)
        new /= new[anchor]
        if np.allclose(new, strength, rtol=1e-10, atol=0):
            strength = new
            break
        strength = new
    return 400.0 * np.log10(strength)
