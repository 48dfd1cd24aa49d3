"""The only thing the search sees of a network: priors and values for a batch of leaf positions.

The torch implementation lives with the nets (``advgo.nets.evaluator``); the search imports no torch.
``UniformEvaluator`` and ``FunctionEvaluator`` are fakes for tests and benchmarks.
"""

from typing import Callable, Protocol, runtime_checkable

import numpy as np

from ..engine import Boards


class Evaluator(Protocol):
    """Evaluates games ``0 .. count-1`` of ``leaves``.

    ``priors_out``: float32 [>= count, N*N + 1], a probability for every action (illegal moves may get
    mass; the search masks and renormalises). ``values_out``: float32 [>= count], the expected outcome
    in [-1, 1] for the player to move in each leaf.
    """

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None: ...


@runtime_checkable
class Reseedable(Protocol):
    """An evaluator with random choices of its own (a random board symmetry per position) that can restart them;
    agents reseed their evaluators through it (``isinstance(evaluator, Reseedable)``)."""

    def reseed(self, seed: int) -> None: ...


@runtime_checkable
class CountsNetEvaluations(Protocol):
    """An evaluator whose net evaluates more positions than it is asked about, and counts them: a search per position
    (A-MCTS-R's model of the victim, ``SearchEvaluator``), eight symmetries per position (S++)."""

    net_evaluations: int


def net_evaluations(evaluator) -> int | None:
    """The evaluator's own count of its net's evaluations so far (``CountsNetEvaluations``), or None."""
    return evaluator.net_evaluations if isinstance(evaluator, CountsNetEvaluations) else None


def evaluate_counted(evaluator: Evaluator, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                     values_out: np.ndarray) -> int:
    """``evaluator.evaluate(...)``; returns the positions its net evaluated: its own count where it keeps one
    (``CountsNetEvaluations``), else ``count``."""
    before = net_evaluations(evaluator)
    evaluator.evaluate(leaves, count, komi, priors_out, values_out)
    return count if before is None else evaluator.net_evaluations - before


class UniformEvaluator:
    """Uniform priors and a constant value: search with no knowledge (tests, ``advgo bench mcts``)."""

    def __init__(self, value: float = 0.0):
        self.value = value
        self.calls = 0
        self.positions = 0

    def evaluate(self, leaves, count, komi, priors_out, values_out):
        priors_out[:count] = 1.0 / priors_out.shape[1]
        values_out[:count] = self.value
        self.calls += 1
        self.positions += count


class FunctionEvaluator:
    """Priors and value from a Python function of one leaf: ``fn(leaves, j) -> (priors [A], value)``."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.calls = 0
        self.positions = 0

    def evaluate(self, leaves, count, komi, priors_out, values_out):
        for j in range(count):
            priors, value = self.fn(leaves, j)
            priors_out[j] = priors
            values_out[j] = value
        self.calls += 1
        self.positions += count
