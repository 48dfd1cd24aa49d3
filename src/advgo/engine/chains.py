"""Chain bookkeeping kernels: place a stone, merge chains, remove a chain, count liberties.

These kernels trust their caller (``moves.py``) to have checked legality; they keep the invariants of
``state.Boards``: every stone's ``chain_head`` is its chain's head, and the head holds the exact size,
liberty count and XOR hash of its chain; ``board_hash`` is the XOR of all stones' keys.
"""


from .constants import EMPTY, WHITE
from .jit import kernel


@kernel(inline=True)
def key_index(color):
    """Row of the Zobrist table for a colour: 0 black, 1 white."""
    return 1 if color == WHITE else 0


@kernel(inline=True)
def next_stamp(b, i):
    """A fresh stamp for ``b.mark[i]``; clears the marks when the counter would overflow."""
    s = b.stamp[i] + 1
    if s >= 2_000_000_000:
        b.mark[i, :] = 0
        s = 1
    b.stamp[i] = s
    return s


@kernel(inline=True)
def count_liberties(b, i, head):
    """Exact liberties of the chain at ``head`` (each empty neighbour counted once)."""
    w = b.width
    s = next_stamp(b, i)
    libs = 0
    p = head
    while True:
        for q in (p - w, p - 1, p + 1, p + w):
            if b.stones[i, q] == EMPTY and b.mark[i, q] != s:
                b.mark[i, q] = s
                libs += 1
        p = b.chain_next[i, p]
        if p == head:
            break
    return libs


@kernel(inline=True)
def merge_chains(b, i, head_a, head_b):
    """Merge two chains of one colour; returns the surviving head (the larger chain's)."""
    if b.chain_size[i, head_a] < b.chain_size[i, head_b]:
        head_a, head_b = head_b, head_a
    p = head_b
    while True:
        b.chain_head[i, p] = head_a
        p = b.chain_next[i, p]
        if p == head_b:
            break
    # splice the two circular lists
    na = b.chain_next[i, head_a]
    b.chain_next[i, head_a] = b.chain_next[i, head_b]
    b.chain_next[i, head_b] = na
    b.chain_size[i, head_a] += b.chain_size[i, head_b]
    b.chain_hash[i, head_a] ^= b.chain_hash[i, head_b]
    return head_a


@kernel(inline=True)
def remove_chain(b, i, head):
    """Remove the chain at ``head``; chains touching it gain the freed liberties. Returns its size."""
    w = b.width
    other = -b.stones[i, head]
    removed = b.chain_size[i, head]
    b.board_hash[i] ^= b.chain_hash[i, head]
    p = head
    while True:
        nxt = b.chain_next[i, p]
        b.stones[i, p] = EMPTY
        h0 = -1
        h1 = -1
        h2 = -1
        for q in (p - w, p - 1, p + 1, p + w):
            if b.stones[i, q] == other:
                h = b.chain_head[i, q]
                if h != h0 and h != h1 and h != h2:
                    b.chain_libs[i, h] += 1
                    if h0 == -1:
                        h0 = h
                    elif h1 == -1:
                        h1 = h
                    else:
                        h2 = h
        p = nxt
        if p == head:
            break
    return removed


@kernel(inline=True)
def place_stone(b, i, p, color, capture):
    """Put a ``color`` stone on empty point ``p``: merge, take liberties, capture (if ``capture``).

    Returns ``(captured, head, ko_candidate)``: stones removed from the opponent, the head of the new
    stone's chain, and the single captured point when exactly one stone was captured (else -1).
    A chain left without liberties (suicide) is the caller's to remove.
    """
    w = b.width
    b.stones[i, p] = color
    b.chain_head[i, p] = p
    b.chain_next[i, p] = p
    b.chain_size[i, p] = 1
    key = b.zobrist[key_index(color), p]
    b.chain_hash[i, p] = key
    b.board_hash[i] ^= key
    head = p
    captured = 0
    ko_candidate = -1
    for q in (p - w, p - 1, p + 1, p + w):
        v = b.stones[i, q]
        if v == color:
            hq = b.chain_head[i, q]
            if hq != b.chain_head[i, head]:
                head = merge_chains(b, i, b.chain_head[i, head], hq)
        elif v == -color:
            hq = b.chain_head[i, q]
            # a chain touching p through several stones loses p once: only the first sighting counts
            seen = False
            for r in (p - w, p - 1, p + 1, p + w):
                if r == q:
                    break
                if b.stones[i, r] == -color and b.chain_head[i, r] == hq:
                    seen = True
                    break
            if not seen:
                b.chain_libs[i, hq] -= 1
                if capture and b.chain_libs[i, hq] == 0:
                    n = remove_chain(b, i, hq)
                    if n == 1 and captured == 0:
                        ko_candidate = hq
                    else:
                        ko_candidate = -1
                    captured += n
    head = b.chain_head[i, p]
    b.chain_libs[i, head] = count_liberties(b, i, head)
    return captured, head, ko_candidate
