"""Batched Numba MCTS (PUCT) and A-MCTS over the engine, seeing networks only through the ``Evaluator`` protocol."""

from .evaluator import Evaluator, FunctionEvaluator, Reseedable, UniformEvaluator
from .mcts import BatchedMCTS, SearchConfig, SearchResult, choose_moves
from .own_search import SearchEvaluator

__all__ = ["BatchedMCTS", "Evaluator", "FunctionEvaluator", "Reseedable", "SearchConfig", "SearchEvaluator",
           "SearchResult", "UniformEvaluator", "choose_moves"]
