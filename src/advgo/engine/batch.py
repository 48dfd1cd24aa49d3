"""Batched kernels for search and envs: play a batch of actions, legal masks and scores for a batch."""


from .constants import OK
from .jit import kernel
from .moves import legal_mask_into, play_action
from .scoring import area_map, score

NO_ACTION = -1  # in ``play_batch``: leave this game as it is


@kernel
def play_batch(b, rules, actions, status):
    """Play ``actions[i]`` in game ``i`` (skip NO_ACTION); ``status[i]`` gets each move's status code."""
    for i in range(actions.shape[0]):
        if actions[i] == NO_ACTION:
            status[i] = OK
        else:
            status[i] = play_action(b, i, actions[i], rules)


@kernel
def legal_masks(b, rules, out):
    """``out[i]`` = exact legal mask of game ``i`` (bool [B, N*N + 1])."""
    for i in range(out.shape[0]):
        legal_mask_into(b, i, rules, out[i])


@kernel
def scores(b, komi, out):
    """``out[i]`` = Tromp-Taylor score of game ``i`` (black minus white minus komi)."""
    for i in range(out.shape[0]):
        out[i] = score(b, i, komi)


@kernel
def area_maps(b, out):
    """``out[i]`` = Tromp-Taylor area map of game ``i`` (int8 [B, N*N]: 1 black, -1 white, 0 neither)."""
    for i in range(out.shape[0]):
        area_map(b, i, out[i])


@kernel
def copy_game(src, i, dst, j):
    """Copy game ``i`` of ``src`` into slot ``j`` of ``dst`` (same size; ``dst`` history at least as long).

    Explicit loops: a slice assignment between arrays that may overlap would need a temporary copy,
    which kernels compiled without NRT cannot allocate.
    """
    for p in range(src.stones.shape[1]):
        dst.stones[j, p] = src.stones[i, p]
        dst.chain_head[j, p] = src.chain_head[i, p]
        dst.chain_next[j, p] = src.chain_next[i, p]
        dst.chain_size[j, p] = src.chain_size[i, p]
        dst.chain_libs[j, p] = src.chain_libs[i, p]
        dst.chain_hash[j, p] = src.chain_hash[i, p]
    dst.to_play[j] = src.to_play[i]
    dst.first_player[j] = src.first_player[i]
    dst.ko_point[j] = src.ko_point[i]
    dst.passes[j] = src.passes[i]
    n = src.move_count[i]
    dst.move_count[j] = n
    dst.board_hash[j] = src.board_hash[i]
    dst.captures[j, 0] = src.captures[i, 0]
    dst.captures[j, 1] = src.captures[i, 1]
    dst.end_reason[j] = src.end_reason[i]
    for m in range(n + 1):
        dst.history[j, m] = src.history[i, m]
    for m in range(n):
        dst.moves[j, m] = src.moves[i, m]
    for w in range(src.seen.shape[1]):
        dst.seen[j, w] = src.seen[i, w]
