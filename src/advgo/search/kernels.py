"""Numba kernels of the batched search: select a leaf in every tree, expand and back up, re-root.

One search step is ``select_leaves`` (descend by PUCT in each active game, replaying the path into a
leaf buffer) → one batched evaluation of the leaves (Python, the ``Evaluator``) →
``expand_and_backup``. Terminal leaves (game over) are scored by the rules and need no evaluation.
The per-game kernels take a range of games (``lo .. hi-1``) and touch nothing outside it, so the driver runs
disjoint ranges on several threads at once (they release the GIL) and packs the leaf rows afterwards
(``shift_rows``).

A-MCTS: in a game with a victim colour, nodes where the victim is to move are descended by sampling
the victim's move from the node's ``prior`` (``sample_victim_action``); a descent that reaches an
unexpanded victim node writes it to the victim-leaf buffer and stops without a playout, and
``expand_victims`` stores the victim's distribution there. See :mod:`advgo.search.tree`.
"""

import math
from typing import NamedTuple

import numpy as np

from ..engine.batch import copy_game
from ..engine.constants import END_NONE, OK
from ..engine.jit import kernel
from ..engine.moves import legal_mask_into, play_action
from ..engine.scoring import score
from .tree import (
    EXPANDED,
    ILLEGAL,
    NO_ACTION,
    NO_CHILD,
    NO_NODE,
    NO_PARENT,
    NO_SLOT,
    NO_VICTIM,
    ROOT,
    TERMINAL,
    UNEXPANDED,
)


class Puct(NamedTuple):
    """Selection constants as the kernels take them."""

    c_puct: float  # exploration weight
    fpu_reduction: float  # unvisited moves get the parent's value minus this · sqrt(visited prior mass)
    terminal_pass: bool = True  # value a game-ending pass by its known result (see ``add_terminal_pass``)
    pass_floor: bool = False  # a node whose game-ending pass wins is worth at least that (see ``floor_by_pass``)


@kernel(inline=True)
def _init_node(tree, b, node, parent, action, to_play):
    """Fresh, unexpanded node statistics with no children."""
    tree.parent[b, node] = parent
    tree.action[b, node] = action
    tree.to_play[b, node] = to_play
    tree.status[b, node] = UNEXPANDED
    tree.visits[b, node] = 0
    tree.value_sum[b, node] = 0.0
    tree.net_value[b, node] = 0.0
    tree.child[b, node, :] = NO_CHILD


@kernel
def reset_root(tree, b, to_play):
    """Make game ``b``'s tree a bare, unexpanded root."""
    tree.node_count[b] = 1
    tree.victim_leaf[b] = NO_NODE
    _init_node(tree, b, ROOT, NO_PARENT, NO_ACTION, to_play)


@kernel(inline=True)
def _new_node(tree, b, parent, action, to_play):
    """Append a child of ``parent`` reached by ``action``; returns its index."""
    c = tree.node_count[b]
    tree.node_count[b] = c + 1
    _init_node(tree, b, c, parent, action, to_play)
    tree.child[b, parent, action] = c
    return c


@kernel(inline=True)
def select_action(tree, b, node, puct):
    """The PUCT-maximising legal move at ``node`` (unvisited moves valued by first-play urgency)."""
    n = tree.visits[b, node]
    if n > 0:
        q_parent = -tree.value_sum[b, node] / n  # value_sum is from the view of the player who moved in
    else:
        q_parent = tree.net_value[b, node]
    visited_prior = 0.0
    num_actions = tree.prior.shape[2]
    for a in range(num_actions):
        c = tree.child[b, node, a]
        if c != NO_CHILD and tree.visits[b, c] > 0:
            visited_prior += tree.prior[b, node, a]
    fpu = q_parent - puct.fpu_reduction * math.sqrt(visited_prior)
    explore = puct.c_puct * math.sqrt(max(n, 1))
    best = -np.inf
    best_a = -1
    for a in range(num_actions):
        p = tree.prior[b, node, a]
        if p < 0.0:
            continue  # ILLEGAL
        c = tree.child[b, node, a]
        if c != NO_CHILD and tree.visits[b, c] > 0:
            nc = tree.visits[b, c]
            u = tree.value_sum[b, c] / nc + explore * p / (1.0 + nc)
        elif c != NO_CHILD and tree.status[b, c] == TERMINAL:
            u = -tree.net_value[b, c] + explore * p  # a known result needs no first-play guess
        else:
            u = fpu + explore * p
        if u > best:
            best = u
            best_a = a
    return best_a


@kernel(inline=True)
def outcome(leaves, j, komi, to_play):
    """Final result of a finished game for ``to_play``: 1 win, -1 loss, 0 draw."""
    s = score(leaves, j, komi)
    if s == 0.0:
        return 0.0
    return 1.0 if (s > 0.0) == (to_play > 0) else -1.0


@kernel(inline=True)
def _uniform(tree, b):
    """The next uniform in [0, 1) of game ``b``'s xorshift64 stream (no overflowing multiply: same under the JIT or not)."""
    x = tree.rng_state[b]
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    tree.rng_state[b] = x
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel(inline=True)
def sample_victim_action(tree, b, node):
    """A move drawn from the victim's distribution stored at ``node`` (its ``prior`` row)."""
    num_actions = tree.prior.shape[2]
    u = _uniform(tree, b)
    total = 0.0
    last = -1
    for a in range(num_actions):
        p = tree.prior[b, node, a]
        if p > 0.0:
            total += p
            last = a
    acc = 0.0
    for a in range(num_actions):
        p = tree.prior[b, node, a]
        if p > 0.0:
            acc += p
            if u * total < acc:
                return a
    return last


@kernel(inline=True)
def _replay_path(tree, b, node, leaves, j, rules):
    """Play the moves from the root down to ``node`` into ``leaves[j]``; False if one is illegal (stale tree)."""
    depth = 0
    while node != ROOT:
        tree.path[b, depth] = tree.action[b, node]
        depth += 1
        node = tree.parent[b, node]
    for d in range(depth - 1, -1, -1):
        if play_action(leaves, j, tree.path[b, d], rules) != OK:
            return False
    return True


@kernel
def select_leaves(tree, roots, leaves, victim_leaves, rules, puct, active, target, lo, hi, row0, counts):
    """Descend one playout in each game of ``lo .. hi-1`` that is active and has fewer than ``target`` root
    visits; returns 0, or -1 - b on error.

    Leaf positions go to rows ``row0, row0 + 1, ...`` of ``leaves`` in game order; ``tree.leaf_slot`` maps
    back. Descents that stop at an unexpanded victim node (A-MCTS) go to rows ``row0, ...`` of
    ``victim_leaves`` instead (``tree.victim_slot``). ``counts[0]`` and ``counts[1]`` get how many rows of
    each were written, ``counts[2]`` how many games descended (finished games need no row). Games outside the range are not touched, so disjoint ranges can run on several
    threads at once (the kernel releases the GIL) and be packed together afterwards (``shift_rows``).
    """
    count = 0
    n_victim = 0
    descents = 0
    for b in range(lo, hi):
        resume = tree.victim_leaf[b]  # the victim node the previous descent stopped at (now expanded)
        tree.leaf[b] = NO_NODE
        tree.leaf_slot[b] = NO_SLOT
        tree.victim_leaf[b] = NO_NODE
        tree.victim_slot[b] = NO_SLOT
        if not active[b] or tree.visits[b, ROOT] >= target[b]:
            continue
        descents += 1
        j = row0 + count
        copy_game(roots, b, leaves, j)
        victim = tree.victim_color[b]
        node = ROOT
        if resume != NO_NODE:
            if not _replay_path(tree, b, resume, leaves, j, rules):
                return -1 - b
            node = resume
        while True:
            status = tree.status[b, node]
            if status == TERMINAL:
                tree.leaf[b] = node
                break
            at_victim = victim != NO_VICTIM and tree.to_play[b, node] == victim
            if status == UNEXPANDED:
                if leaves.end_reason[j] != END_NONE:
                    tree.leaf[b] = node
                    tree.status[b, node] = TERMINAL
                    tree.net_value[b, node] = outcome(leaves, j, rules.komi, tree.to_play[b, node])
                elif at_victim:
                    tree.victim_leaf[b] = node
                    tree.victim_slot[b] = row0 + n_victim
                    copy_game(leaves, j, victim_leaves, row0 + n_victim)
                    n_victim += 1
                else:
                    tree.leaf[b] = node
                    tree.leaf_slot[b] = j
                    count += 1
                break
            if at_victim:
                a = sample_victim_action(tree, b, node)
            else:
                a = select_action(tree, b, node, puct)
            if a < 0 or play_action(leaves, j, a, rules) != OK:
                return -1 - b  # an expanded node without a legal move, or a stale tree
            c = tree.child[b, node, a]
            if c == NO_CHILD:
                if tree.node_count[b] >= tree.parent.shape[1]:
                    return -1 - b  # out of nodes: the driver sizes trees so this cannot happen
                c = _new_node(tree, b, node, a, leaves.to_play[j])
            node = c
    counts[0] = count
    counts[1] = n_victim
    counts[2] = descents
    return 0


@kernel
def shift_rows(tree, leaves, victim_leaves, lo, hi, leaf_shift, victim_shift):
    """Move the leaf rows of games ``lo .. hi-1`` down by ``leaf_shift`` rows (victim rows by ``victim_shift``).

    Packs the rows that ``select_leaves`` wrote for one range right after those of the ranges before it.
    Rows only move down and games are visited in row order, so a row is read before anything overwrites it.
    """
    for b in range(lo, hi):
        j = tree.leaf_slot[b]
        if j != NO_SLOT and leaf_shift > 0:
            copy_game(leaves, j, leaves, j - leaf_shift)
            tree.leaf_slot[b] = j - leaf_shift
        j = tree.victim_slot[b]
        if j != NO_SLOT and victim_shift > 0:
            copy_game(victim_leaves, j, victim_leaves, j - victim_shift)
            tree.victim_slot[b] = j - victim_shift


@kernel(inline=True)
def _set_priors(tree, b, node, leaves, j, rules, priors, mask, temperature):
    """Store ``priors[j]`` at ``node``, masked to the legal moves and renormalised (``ILLEGAL`` elsewhere).

    ``temperature`` < 0 keeps the priors as they are; 0 puts all mass on the most likely legal move;
    otherwise the priors are raised to ``1 / temperature`` first (a player's move distribution).
    """
    num_actions = tree.prior.shape[2]
    legal_mask_into(leaves, j, rules, mask)
    best = -1
    if temperature == 0.0:
        best_p = -1.0
        for a in range(num_actions):
            if mask[a] and priors[j, a] > best_p:
                best_p = priors[j, a]
                best = a
    total = 0.0
    legal = 0
    for a in range(num_actions):
        if mask[a]:
            p = max(priors[j, a], 0.0)
            if temperature == 0.0:
                p = 1.0 if a == best else 0.0
            elif temperature > 0.0 and p > 0.0:
                p = p ** (1.0 / temperature)
            tree.prior[b, node, a] = p
            total += p
            legal += 1
    for a in range(num_actions):
        if not mask[a]:
            tree.prior[b, node, a] = ILLEGAL
        elif total > 0.0:
            tree.prior[b, node, a] = tree.prior[b, node, a] / total
        else:
            tree.prior[b, node, a] = 1.0 / legal


@kernel(inline=True)
def add_terminal_pass(tree, b, node, leaves, j, rules):
    """If passing at ``node`` ends the game (the opponent just passed), add that child as a scored terminal.

    Its result is known without an evaluation: the position as it stands, scored by the rules. PUCT then
    values the pass by that result instead of by first-play urgency, so a winning game-ending pass is
    searched however small its prior, and a losing one is avoided (``select_action``).
    """
    pass_action = leaves.size * leaves.size
    if leaves.passes[j] != 1 or tree.prior[b, node, pass_action] < 0.0:
        return
    if tree.child[b, node, pass_action] != NO_CHILD or tree.node_count[b] >= tree.parent.shape[1]:
        return
    to_play = tree.to_play[b, node]
    c = _new_node(tree, b, node, pass_action, -to_play)
    tree.status[b, c] = TERMINAL
    tree.net_value[b, c] = outcome(leaves, j, rules.komi, -to_play)


@kernel(inline=True)
def floor_by_pass(tree, b, node, pass_action):
    """Value ``node`` at least as its game-ending pass child (``add_terminal_pass``): the player to move there can
    end the game with that result, so the position is worth no less. The floor reaches the playout's backup, so
    the move that led here (a move the opponent answers by passing) is valued by the known result at its first
    visit, not by the net's guess."""
    c = tree.child[b, node, pass_action]
    if c != NO_CHILD and tree.status[b, c] == TERMINAL:
        known = -tree.net_value[b, c]  # the child's value is for the player to move there, the opponent
        if known > tree.net_value[b, node]:
            tree.net_value[b, node] = known


@kernel
def expand_and_backup(tree, leaves, rules, priors, values, mask, puct, lo, hi):
    """Expand the evaluated leaves of games ``lo .. hi-1`` (masked, renormalised priors); back every playout's
    value up its path. Returns how many playouts ended (``mask``: bool scratch of N*N + 1, one per thread)."""
    playouts = 0
    for b in range(lo, hi):
        node = tree.leaf[b]
        if node == NO_NODE:
            continue
        j = tree.leaf_slot[b]
        if j != NO_SLOT:
            _set_priors(tree, b, node, leaves, j, rules, priors, mask, -1.0)
            tree.net_value[b, node] = values[j]
            tree.status[b, node] = EXPANDED
            if puct.terminal_pass:
                add_terminal_pass(tree, b, node, leaves, j, rules)
                if puct.pass_floor:
                    floor_by_pass(tree, b, node, leaves.size * leaves.size)
        backup(tree, b, node, tree.net_value[b, node])
        playouts += 1
    return playouts


@kernel
def expand_victims(tree, victim_leaves, rules, victim_priors, temperature, mask, lo, hi):
    """Expand the victim nodes of games ``lo .. hi-1`` with the victim's move distribution at ``temperature``;
    no backup."""
    for b in range(lo, hi):
        node = tree.victim_leaf[b]
        if node == NO_NODE:
            continue
        _set_priors(tree, b, node, victim_leaves, tree.victim_slot[b], rules, victim_priors, mask, temperature)
        tree.status[b, node] = EXPANDED


@kernel(inline=True)
def backup(tree, b, node, value):
    """Add ``value`` (for the player to move at ``node``) to every node from ``node`` up to the root."""
    value_black = value * tree.to_play[b, node]
    while node != NO_PARENT:
        tree.visits[b, node] += 1
        tree.value_sum[b, node] -= value_black * tree.to_play[b, node]
        node = tree.parent[b, node]


@kernel
def add_root_noise(tree, b, noise, fraction):
    """Mix ``noise`` (over all actions; only legal ones are read) into the root priors of game ``b``."""
    for a in range(tree.prior.shape[2]):
        p = tree.prior[b, ROOT, a]
        if p >= 0.0:
            tree.prior[b, ROOT, a] = (1.0 - fraction) * p + fraction * noise[a]


@kernel
def root_visit_counts(tree, out):
    """``out[b, a]`` = visits of the root's child for move ``a`` (0 if never visited)."""
    for b in range(out.shape[0]):
        for a in range(out.shape[1]):
            c = tree.child[b, ROOT, a]
            out[b, a] = 0 if c == NO_CHILD else tree.visits[b, c]


@kernel
def reroot(tree, b, action, remap):
    """Keep the subtree under the root's move ``action`` as the new tree; returns False if there is none.

    Nodes keep their creation order, so each moves to an index no larger than its own and the copy can
    run in place from low to high indices. ``remap`` is int32 scratch of at least the tree capacity.
    """
    tree.victim_leaf[b] = NO_NODE  # a playout left pending at a victim node is not resumed in a new tree
    top = tree.child[b, ROOT, action]
    if top == NO_CHILD or tree.status[b, top] == UNEXPANDED:
        return False
    n = tree.node_count[b]
    remap[:n] = NO_NODE
    remap[top] = ROOT
    kept = 1
    for old in range(top + 1, n):
        p = tree.parent[b, old]
        if p != NO_PARENT and remap[p] != NO_NODE:
            remap[old] = kept
            kept += 1
    num_actions = tree.prior.shape[2]
    for old in range(top, n):
        new = remap[old]
        if new == NO_NODE:
            continue
        tree.parent[b, new] = NO_PARENT if old == top else remap[tree.parent[b, old]]
        tree.action[b, new] = NO_ACTION if old == top else tree.action[b, old]
        tree.to_play[b, new] = tree.to_play[b, old]
        tree.status[b, new] = tree.status[b, old]
        tree.visits[b, new] = tree.visits[b, old]
        tree.value_sum[b, new] = tree.value_sum[b, old]
        tree.net_value[b, new] = tree.net_value[b, old]
        for a in range(num_actions):
            tree.prior[b, new, a] = tree.prior[b, old, a]
            c = tree.child[b, old, a]
            tree.child[b, new, a] = NO_CHILD if c == NO_CHILD else remap[c]
    tree.node_count[b] = kept
    return True
