"""Tromp-Taylor area scoring: a colour scores its stones plus the empty regions that reach only it."""


from .chains import next_stamp
from .constants import BLACK, EMPTY, WHITE
from .jit import kernel


@kernel
def area_counts(b, i):
    """(black area, white area) of game ``i``: stones plus empty regions bordered by one colour only."""
    w = b.width
    n = b.size
    stack = b.scratch[i]
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
                # flood the empty region from p, noting which colours it reaches
                b.mark[i, p] = s
                top = 0
                stack[top] = p
                top += 1
                region = 0
                reaches_black = False
                reaches_white = False
                while top > 0:
                    top -= 1
                    x = stack[top]
                    region += 1
                    for q in (x - w, x - 1, x + 1, x + w):
                        u = b.stones[i, q]
                        if u == EMPTY:
                            if b.mark[i, q] != s:
                                b.mark[i, q] = s
                                stack[top] = q
                                top += 1
                        elif u == BLACK:
                            reaches_black = True
                        elif u == WHITE:
                            reaches_white = True
                if reaches_black and not reaches_white:
                    black += region
                elif reaches_white and not reaches_black:
                    white += region
    return black, white


@kernel
def score(b, i, komi):
    """Black's area minus white's area minus komi."""
    black, white = area_counts(b, i)
    return black - white - komi
