"""Batched Numba MCTS (PUCT) over the engine, seeing networks only through the ``Evaluator`` protocol."""

from .evaluator import Evaluator, FunctionEvaluator, UniformEvaluator
from .mcts import BatchedMCTS, SearchConfig, SearchResult, choose_moves

__all__ = ["BatchedMCTS", "Evaluator", "FunctionEvaluator", "SearchConfig", "SearchResult", "UniformEvaluator",
           "choose_moves"]
