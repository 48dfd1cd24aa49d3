"""Batched kernels for search and envs: play a batch of actions, legal masks and scores for a batch."""


from .jit import kernel
from .constants import OK
from .moves import legal_mask_into, play_action
from .scoring import score

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
