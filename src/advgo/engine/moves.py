"""Move kernels: check a move's legality without touching the state, and play it.

Legality is exact: occupied points, simple ko, suicide (single-stone never legal; multi-stone per
rules) and positional or situational superko, found by hashing the position the move would create
(``board_hash`` ^ new stone ^ captured chains' hashes) and scanning the game's history.
"""

import numpy as np

from .chains import key_index, place_stone, remove_chain
from .constants import (
    EMPTY,
    END_MOVE_CAP,
    END_NONE,
    END_TWO_PASSES,
    HISTORY_FULL,
    ILLEGAL_GAME_OVER,
    ILLEGAL_KO,
    ILLEGAL_OCCUPIED,
    ILLEGAL_OUT_OF_RANGE,
    ILLEGAL_SUICIDE,
    ILLEGAL_SUPERKO,
    KO_SIMPLE,
    KO_SITUATIONAL,
    NO_CAP,
    NO_POINT,
    OK,
)
from .jit import kernel
from .state import FILTER_BITS

_FILTER_MASK = np.uint64(FILTER_BITS - 1)
_SIX = np.uint64(6)
_LOW6 = np.uint64(63)
_ONE = np.uint64(1)


@kernel(inline=True)
def action_to_point(action, size):
    """Action id (row-major from the top-left, no padding) -> padded point."""
    return (action // size + 1) * (size + 2) + action % size + 1


@kernel(inline=True)
def remember_hash(b, i, h):
    """Set ``h``'s bit in the superko filter."""
    bit = h & _FILTER_MASK
    b.seen[i, bit >> _SIX] |= _ONE << (bit & _LOW6)


@kernel(inline=True)
def _repeats(b, i, new_hash, mover, ko_rule):
    """Whether ``new_hash`` (with ``-mover`` to play next) is an earlier position under superko."""
    bit = new_hash & _FILTER_MASK
    if (b.seen[i, bit >> _SIX] >> (bit & _LOW6)) & _ONE == 0:
        return False  # never seen: the filter has no false negatives
    n = b.move_count[i]
    if ko_rule == KO_SITUATIONAL:
        # the player to move at history index k is first_player * (-1)^k (passes alternate too)
        start = 0 if b.first_player[i] == -mover else 1
        for k in range(start, n + 1, 2):
            if b.history[i, k] == new_hash:
                return True
        return False
    for k in range(n + 1):
        if b.history[i, k] == new_hash:
            return True
    return False


@kernel(inline=True)
def check_point(b, i, p, rules):
    """Status of the current player putting a stone on padded point ``p`` (the state is untouched)."""
    if b.stones[i, p] != EMPTY:
        return ILLEGAL_OCCUPIED
    if p == b.ko_point[i]:
        return ILLEGAL_KO
    w = b.width
    color = b.to_play[i]
    liberty = False  # an empty neighbour, a capture, or a friendly chain with another liberty
    own_heads = 0
    captured_hash = b.zobrist[key_index(color), p]
    own_hash = np.uint64(0)
    seen0 = -1
    seen1 = -1
    seen2 = -1
    for q in (p - w, p - 1, p + 1, p + w):
        v = b.stones[i, q]
        if v == EMPTY:
            liberty = True
            continue
        if v != color and v != -color:
            continue  # wall
        h = b.chain_head[i, q]
        if h == seen0 or h == seen1 or h == seen2:
            continue
        if seen0 == -1:
            seen0 = h
        elif seen1 == -1:
            seen1 = h
        else:
            seen2 = h
        if v == color:
            own_heads += 1
            own_hash ^= b.chain_hash[i, h]
            if b.chain_libs[i, h] > 1:
                liberty = True
        elif b.chain_libs[i, h] == 1:
            liberty = True
            captured_hash ^= b.chain_hash[i, h]
    if liberty:
        new_hash = b.board_hash[i] ^ captured_hash
    else:
        if own_heads == 0 or not rules.allow_suicide:
            return ILLEGAL_SUICIDE
        new_hash = b.board_hash[i] ^ own_hash  # the suicided chain (and the new stone) leave
    if rules.ko_rule != KO_SIMPLE and _repeats(b, i, new_hash, color, rules.ko_rule):
        return ILLEGAL_SUPERKO
    return OK


@kernel
def check_action(b, i, action, rules):
    """Status of the current player playing ``action`` (pass = N*N)."""
    n2 = b.size * b.size
    if action < 0 or action > n2:
        return ILLEGAL_OUT_OF_RANGE
    if b.end_reason[i] != END_NONE:
        return ILLEGAL_GAME_OVER
    if action == n2:
        return OK
    return check_point(b, i, action_to_point(action, b.size), rules)


@kernel(inline=True)
def _record_move(b, i, action, rules):
    """Append the move to the history, switch player, and end the game on two passes or the cap."""
    n = b.move_count[i] + 1
    b.move_count[i] = n
    b.history[i, n] = b.board_hash[i]
    remember_hash(b, i, b.board_hash[i])
    b.moves[i, n - 1] = action
    b.to_play[i] = -b.to_play[i]
    if b.passes[i] >= 2:
        b.end_reason[i] = END_TWO_PASSES
    elif rules.max_moves != NO_CAP and n >= rules.max_moves:
        b.end_reason[i] = END_MOVE_CAP


@kernel(inline=True)
def apply_point(b, i, p, action, rules):
    """Play a stone already known to be legal on padded point ``p``."""
    color = b.to_play[i]
    captured, head, ko_candidate = place_stone(b, i, p, color, True)
    side = key_index(color)
    b.ko_point[i] = NO_POINT
    if b.chain_libs[i, head] == 0:
        # multi-stone suicide (legal under these rules): the chain goes, the opponent gets the stones
        b.captures[i, 1 - side] += remove_chain(b, i, head)
    else:
        b.captures[i, side] += captured
        if captured == 1 and b.chain_size[i, head] == 1 and b.chain_libs[i, head] == 1:
            b.ko_point[i] = ko_candidate
    b.passes[i] = 0
    _record_move(b, i, action, rules)


@kernel
def play_action(b, i, action, rules):
    """Check and play ``action`` in game ``i``; returns a status code (the state is untouched unless OK)."""
    status = check_action(b, i, action, rules)
    if status != OK:
        return status
    if b.move_count[i] + 1 >= b.history.shape[1]:
        return HISTORY_FULL
    if action == b.size * b.size:
        b.ko_point[i] = NO_POINT
        b.passes[i] += 1
        _record_move(b, i, action, rules)
    else:
        apply_point(b, i, action_to_point(action, b.size), action, rules)
    return OK


@kernel
def legal_mask_into(b, i, rules, out):
    """Write game ``i``'s exact legal mask (bool [N*N + 1], pass last) into ``out``."""
    n = b.size
    over = b.end_reason[i] != END_NONE
    for a in range(n * n):
        out[a] = (not over) and check_point(b, i, action_to_point(a, n), rules) == OK
    out[n * n] = not over
