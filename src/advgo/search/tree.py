"""Preallocated search trees for a batch of games (struct of arrays, one tree per game).

Nodes are numbered in creation order (a parent before its children); node ``ROOT`` is the root. A node
keeps its own visit count and value sum; its edges keep priors and child indices, so PUCT at a node
reads one row of ``prior`` and ``child`` and the children's ``visits`` / ``value_sum``. Positions are
not stored: a playout replays its path from the root position into a leaf buffer.

Values: ``net_value`` is from the view of the node's player to move; ``value_sum`` accumulates values
from the view of the player who moved *into* the node, so a parent reads its children's Q directly.

| field | dtype, shape | meaning |
|---|---|---|
| ``node_count`` | int32 [B] | nodes in use (``ROOT`` .. node_count - 1) |
| ``parent`` | int32 [B, M] | parent node, ``NO_PARENT`` for the root |
| ``action`` | int16 [B, M] | action leading from the parent, ``NO_ACTION`` for the root |
| ``to_play`` | int8 [B, M] | player to move at the node (1 black, -1 white) |
| ``status`` | int8 [B, M] | ``UNEXPANDED``, ``EXPANDED`` or ``TERMINAL`` |
| ``visits`` | int32 [B, M] | playouts through the node |
| ``value_sum`` | float64 [B, M] | sum of backed-up values, view of the player who moved into it |
| ``net_value`` | float32 [B, M] | evaluator value (or final outcome) for the player to move |
| ``prior`` | float32 [B, M, A] | policy prior of each move; ``ILLEGAL`` for illegal moves |
| ``child`` | int32 [B, M, A] | child node of each move, ``NO_CHILD`` until first visited |
| ``leaf`` | int32 [B] | node the current playout ended at (``NO_NODE`` when the game is idle) |
| ``leaf_slot`` | int32 [B] | slot of the leaf buffer holding its position, ``NO_SLOT`` if no evaluation is needed |
| ``victim_color`` | int8 [B] | colour the frozen victim plays in game b (A-MCTS), ``NO_VICTIM`` for plain MCTS |
| ``victim_leaf`` | int32 [B] | unexpanded victim node the current descent stopped at, ``NO_NODE`` if none |
| ``victim_slot`` | int32 [B] | slot of the victim-leaf buffer holding that node's position, ``NO_SLOT`` if none |
| ``rng_state`` | uint64 [B] | xorshift64 state of each game's victim-move sampling (never 0) |
| ``path`` | int32 [B, M] | scratch: the actions from a node back up to the root, when a playout resumes there |

A-MCTS (Wang et al. 2023): at a node where the victim is to move the search does not choose by PUCT; it
samples the victim's move from the distribution stored in ``prior`` (the victim's policy or search at
its play temperature). Such nodes are expanded with the victim's distribution and are never playout
leaves: a descent that stops at an unexpanded victim node only expands it (no backup), and the next
descent of that game resumes the same playout there (``victim_leaf`` stays set until then), replaying
the path instead of sampling the victim's moves above it again, and continues to a node where the
adversary is to move. Each playout thus samples each victim node on its path exactly once. Values therefore come only from
adversary-to-move leaves (and finished games); victim nodes add no value of their own to any average.
"""

from typing import NamedTuple

import numpy as np

ROOT = 0
NO_PARENT = -1
NO_NODE = -1
NO_CHILD = -1
NO_SLOT = -1
NO_ACTION = -1
ILLEGAL = np.float32(-1.0)
NO_VICTIM = 0

UNEXPANDED = 0
EXPANDED = 1
TERMINAL = 2


class Tree(NamedTuple):
    node_count: np.ndarray
    parent: np.ndarray
    action: np.ndarray
    to_play: np.ndarray
    status: np.ndarray
    visits: np.ndarray
    value_sum: np.ndarray
    net_value: np.ndarray
    prior: np.ndarray
    child: np.ndarray
    leaf: np.ndarray
    leaf_slot: np.ndarray
    victim_color: np.ndarray
    victim_leaf: np.ndarray
    victim_slot: np.ndarray
    rng_state: np.ndarray
    path: np.ndarray


def new_tree(batch: int, capacity: int, num_actions: int) -> Tree:
    """Trees for ``batch`` games with room for ``capacity`` nodes each (all reset to a bare root)."""
    if capacity < 2:
        raise ValueError(f"tree capacity must be at least 2 nodes, got {capacity}")
    shape = (batch, capacity)
    tree = Tree(
        node_count=np.ones(batch, np.int32),
        parent=np.full(shape, NO_PARENT, np.int32),
        action=np.full(shape, NO_ACTION, np.int16),
        to_play=np.ones(shape, np.int8),
        status=np.zeros(shape, np.int8),
        visits=np.zeros(shape, np.int32),
        value_sum=np.zeros(shape, np.float64),
        net_value=np.zeros(shape, np.float32),
        prior=np.zeros((batch, capacity, num_actions), np.float32),
        child=np.full((batch, capacity, num_actions), NO_CHILD, np.int32),
        leaf=np.full(batch, NO_NODE, np.int32),
        leaf_slot=np.full(batch, NO_SLOT, np.int32),
        victim_color=np.full(batch, NO_VICTIM, np.int8),
        victim_leaf=np.full(batch, NO_NODE, np.int32),
        victim_slot=np.full(batch, NO_SLOT, np.int32),
        rng_state=np.arange(1, batch + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15 % 2**63),
        path=np.zeros(shape, np.int32),
    )
    return tree
