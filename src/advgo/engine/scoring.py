"""Tromp-Taylor area scoring: a colour scores its stones plus the empty regions that reach only it."""


from .chains import next_stamp
from .constants import BLACK, EMPTY, WHITE
from .jit import kernel


@kernel
def _region(b, i, p, s):
    """Flood the empty region holding ``p`` (stamping it ``s``) into ``b.scratch[i][:count]``, breadth first.

    Returns (count, reaches black, reaches white)."""
    w = b.width
    queue = b.scratch[i]
    b.mark[i, p] = s
    queue[0] = p
    count = 1
    head = 0
    reaches_black = False
    reaches_white = False
    while head < count:
        x = queue[head]
        head += 1
        for q in (x - w, x - 1, x + 1, x + w):
            u = b.stones[i, q]
            if u == EMPTY:
                if b.mark[i, q] != s:
                    b.mark[i, q] = s
                    queue[count] = q
                    count += 1
            elif u == BLACK:
                reaches_black = True
            elif u == WHITE:
                reaches_white = True
    return count, reaches_black, reaches_white


@kernel
def area_counts(b, i):
    """(black area, white area) of game ``i``: stones plus empty regions bordered by one colour only."""
    w = b.width
    n = b.size
    s = next_stamp(b, i)
    black = 0
    white = 0
    for r in range(1, n + 1):
        for c in range(1, n + 1):
            p = r * w + c
            v = b.stones[i, p]
            if v == BLACK:
                black += 1
            elif v == WHITE:
                white += 1
            elif b.mark[i, p] != s:
                region, reaches_black, reaches_white = _region(b, i, p, s)
                if reaches_black and not reaches_white:
                    black += region
                elif reaches_white and not reaches_black:
                    white += region
    return black, white


@kernel
def area_map(b, i, out):
    """``out[k]`` (k = row * N + col) = 1 where point k is black's area, -1 white's, 0 neither (Tromp-Taylor)."""
    w = b.width
    n = b.size
    s = next_stamp(b, i)
    queue = b.scratch[i]
    for r in range(1, n + 1):
        for c in range(1, n + 1):
            p = r * w + c
            v = b.stones[i, p]
            if v == BLACK:
                out[(r - 1) * n + c - 1] = 1
            elif v == WHITE:
                out[(r - 1) * n + c - 1] = -1
            elif b.mark[i, p] != s:
                region, reaches_black, reaches_white = _region(b, i, p, s)
                owner = 0
                if reaches_black and not reaches_white:
                    owner = 1
                elif reaches_white and not reaches_black:
                    owner = -1
                for k in range(region):
                    q = queue[k]
                    out[(q // w - 1) * n + q % w - 1] = owner


@kernel
def score(b, i, komi):
    """Black's area minus white's area minus komi."""
    black, white = area_counts(b, i)
    return black - white - komi
