"""Reset kernels and setup stones (SGF AB/AW, handicap): stones placed without captures."""


from .chains import place_stone
from .constants import BLACK, EMPTY, END_NONE, ILLEGAL_OCCUPIED, ILLEGAL_SUICIDE, NO_POINT, OK, WALL
from .jit import kernel
from .moves import action_to_point, remember_hash


@kernel
def reset_game(b, i):
    """Empty board, black to play, no history beyond the initial position."""
    w = b.width
    for p in range(w * w):
        r = p // w
        c = p % w
        if r == 0 or c == 0 or r == w - 1 or c == w - 1:
            b.stones[i, p] = WALL
        else:
            b.stones[i, p] = EMPTY
    b.to_play[i] = BLACK
    b.first_player[i] = BLACK
    b.ko_point[i] = NO_POINT
    b.passes[i] = 0
    b.move_count[i] = 0
    b.captures[i, 0] = 0
    b.captures[i, 1] = 0
    b.end_reason[i] = END_NONE
    b.board_hash[i] = 0
    b.history[i, 0] = 0
    b.seen[i, :] = 0
    remember_hash(b, i, b.board_hash[i])


@kernel
def setup_stone(b, i, action, color):
    """Place a setup stone (no captures); OK or ILLEGAL_OCCUPIED. Call ``finish_setup`` after the last."""
    p = action_to_point(action, b.size)
    if b.stones[i, p] != EMPTY:
        return ILLEGAL_OCCUPIED
    place_stone(b, i, p, color, False)
    return OK


@kernel
def finish_setup(b, i, to_play):
    """Make the setup position the initial one; ILLEGAL_SUICIDE if a chain has no liberty."""
    w = b.width
    for p in range(w * w):
        v = b.stones[i, p]
        if (v == BLACK or v == -BLACK) and b.chain_libs[i, b.chain_head[i, p]] == 0:
            return ILLEGAL_SUICIDE
    b.to_play[i] = to_play
    b.first_player[i] = to_play
    b.history[i, 0] = b.board_hash[i]
    b.seen[i, :] = 0
    remember_hash(b, i, b.board_hash[i])
    return OK
