"""KataGo's ladder search and its ladder feature planes (14-17 of input features v7), in Numba.

A chain with one liberty (defender to move) or two (attacker to move first) is *laddered* when the attacker can
capture it by a sequence of ataris. The search is KataGo's (``Board::searchIsLadderCaptured`` and
``searchIsLadderCapturedAttackerFirst2Libs``), re-written on a plain padded board
(:mod:`advgo.features.katago_board`): an explicit stack of move lists, the same game tree and the same rules:

| rule | |
|---|---|
| attacker to move, defender has 1 liberty / 3 or more | attacker wins / loses |
| defender to move, 2 or more liberties, or a simple-ko point is set | defender wins (ladders that hinge on a ko |
| | are not counted); the ko point is cleared at the root |
| defender's moves | its liberty, and the liberties of adjacent attacker chains in atari (captures), then |
| | cut-offs on cheap liberty bounds of the last of them |
| attacker's moves | the defender's two liberties, ordered by a connection heuristic; a double-ko rule |
| | (both liberties are ko mouths, nothing in atari around) counts as a capture |
| illegal moves (ko point, any suicide) | a failed option; no pass |
| more than 25,000 moves searched | not laddered; more than N*N*3/2 plies deep: laddered |

Move order: KataGo lists a chain's stones and liberties in the order of its chain's linked list (which depends on
how the chain grew); advgo lists them by point index (so does the plain-Python reference in ``tests/``). The
search's value does not depend on that order, with two exceptions where the result can differ from KataGo's:
the node budget running out, and a defender whose last liberty is also a capturing move: the liberty bound that
cuts the search short is then taken on whichever capture comes last in the list, which need not touch the
defender's chain. Seen once in about 13,000 random-game positions.
"""

from __future__ import annotations

import numpy as np

from advgo.engine.constants import EMPTY, NO_POINT, WALL

from .katago_board import chain_info, jit, num_libs, play_stone

NODE_BUDGET = 25000


@jit
def _immediate_libs(stones, w, p):
    return (stones[p - w] == EMPTY) + (stones[p - 1] == EMPTY) + (stones[p + 1] == EMPTY) + (stones[p + w] == EMPTY)


@jit
def _is_legal(stones, w, p, color, ko, ws):
    """KataGo's ``isLegal`` with multi-stone suicide forbidden: empty, not the ko point, not suicide."""
    if stones[p] != EMPTY or p == ko:
        return False
    for d in (-w, -1, 1, w):
        q = p + d
        v = stones[q]
        if v == EMPTY:
            return True
        if v == color and num_libs(stones, w, q, ws) > 1:
            return True
        if v == -color and num_libs(stones, w, q, ws) == 1:
            return True
    return False


@jit
def _add_unique(buf, start, end, p):
    for k in range(start, end):
        if buf[k] == p:
            return end
    buf[end] = p
    return end + 1


@jit
def _add_liberties(stones, w, p, buf, start, end, ws):
    """Append the liberties of the chain at ``p`` not yet in ``buf[start:end]``; returns the new end."""
    libs = chain_info(stones, w, p, ws)[1]
    ordered = np.sort(ws.libs[:libs])
    for k in range(libs):
        end = _add_unique(buf, start, end, ordered[k])
    return end


@jit
def _capture_moves(stones, w, p, buf, start, end, ws):
    """Append the liberties of opponent chains in atari next to the chain at ``p`` (captures gain liberties)."""
    color = stones[p]
    size = chain_info(stones, w, p, ws)[0]
    members = np.sort(ws.chain[:size])
    for k in range(size):
        for d in (-w, -1, 1, w):
            q = members[k] + d
            if stones[q] == -color:
                libs = chain_info(stones, w, q, ws)[1]
                if libs == 1:
                    end = _add_unique(buf, start, end, ws.libs[0])
    return end


@jit
def _has_capture(stones, w, p, ws):
    color = stones[p]
    size = chain_info(stones, w, p, ws)[0]
    members = ws.chain[:size].copy()
    for k in range(size):
        for d in (-w, -1, 1, w):
            q = members[k] + d
            if stones[q] == -color and num_libs(stones, w, q, ws) == 1:
                return True
    return False


@jit
def _bound_libs_after_play(stones, w, p, color, ws):
    """KataGo's cheap (lower, upper) bounds on the liberties of a stone ``color`` plays at ``p``."""
    immediate = 0
    caps = 0
    cap_stones = 0
    conn_sum = 0
    conn_max = 0
    for d in (-w, -1, 1, w):
        q = p + d
        v = stones[q]
        if v == EMPTY:
            immediate += 1
        elif v == -color:
            size, libs = chain_info(stones, w, q, ws)
            if libs == 1:
                caps += 1
                cap_stones += size
        elif v == color:
            conn = num_libs(stones, w, q, ws) - 1
            conn_sum += conn
            conn_max = max(conn_max, conn)
    return caps + max(conn_max, immediate), immediate + cap_stones + conn_sum


@jit
def _libs_after_play(stones, w, p, color, limit, ws):
    """The liberties a stone ``color`` at ``p`` would have (captures counted), or ``limit`` if at least that."""
    trial = stones.copy()
    play_stone(trial, w, p, color, ws)
    if trial[p] != color:
        return 0
    return min(num_libs(trial, w, p, ws), limit)


@jit
def _would_be_ko_capture(stones, w, p, color, ws):
    """Empty ``p`` surrounded by ``-color`` stones and walls, exactly one neighbour in atari, a single stone."""
    if stones[p] != EMPTY:
        return False
    target = NO_POINT
    for d in (-w, -1, 1, w):
        q = p + d
        v = stones[q]
        if v != WALL and v != -color:
            return False
        if v == -color and num_libs(stones, w, q, ws) == 1:
            if target != NO_POINT:
                return False
            target = q
    if target == NO_POINT:
        return False
    return chain_info(stones, w, target, ws)[0] == 1


@jit
def _connection_heuristic_x2(stones, w, p, color, ws):
    total = 0
    for d in (-w, -1, 1, w):
        q = p + d
        if stones[q] == color:
            libs = num_libs(stones, w, q, ws)
            if libs > 1:
                total += libs * 2 - 3
    return total


@jit
def _adjacent(a, b, w):
    d = abs(a - b)
    return d == 1 or d == w


@jit
def ladder_captured(stones, w, size, loc, defender_first, ko_box, buf, saved, saved_ko, ws):
    """Whether the chain at ``loc`` is captured in a ladder (KataGo's ``searchIsLadderCaptured``).

    ``stones`` is searched in place and restored; ``ko_box[0]`` is the board's simple-ko point (as KataGo, it is
    left cleared when the node budget runs out). ``buf`` int32 [>= 8 P] holds the move lists, ``saved`` int8
    [depth, P] / ``saved_ko`` the positions to undo to.
    """
    color = stones[loc]
    if color == EMPTY or color == WALL:
        return False
    libs = num_libs(stones, w, loc, ws)
    if libs > 2 or (defender_first and libs > 1):
        return False
    pla = color
    opp = -color
    ko_saved = ko_box[0]
    if defender_first:
        ko_box[0] = NO_POINT
    stack_size = size * size * 3 // 2 + 1
    starts = np.zeros(stack_size + 1, np.int64)
    lens = np.zeros(stack_size + 1, np.int64)
    cur = np.zeros(stack_size + 1, np.int64)
    idx = 0
    nodes = 0
    cur[0] = -1
    result = False
    from_deeper = False
    while True:
        if idx <= -1:
            ko_box[0] = ko_saved
            return result
        if idx >= stack_size - 1:
            result = True
            from_deeper = True
            idx -= 1
            continue
        if nodes >= NODE_BUDGET or starts[idx] + 4 * size * size >= buf.shape[0]:
            idx -= 1
            while idx >= 0:
                stones[:] = saved[idx]
                ko_box[0] = saved_ko[idx]
                idx -= 1
            return False
        defender = (defender_first and idx % 2 == 0) or (not defender_first and idx % 2 == 1)
        if cur[idx] == -1:
            libs = num_libs(stones, w, loc, ws)
            if not defender and libs <= 1:
                result, from_deeper = True, True
                idx -= 1
                continue
            if not defender and libs >= 3:
                result, from_deeper = False, True
                idx -= 1
                continue
            if defender and libs >= 2:
                result, from_deeper = False, True
                idx -= 1
                continue
            if defender and ko_box[0] != NO_POINT:
                result, from_deeper = False, True
                idx -= 1
                continue
            start = starts[idx]
            if defender:
                end = _capture_moves(stones, w, loc, buf, start, start, ws)
                end = _add_liberties(stones, w, loc, buf, start, end, ws)
                n = end - start
                lower, upper = _bound_libs_after_play(stones, w, buf[end - 1], pla, ws)
                if lower >= 3:
                    result, from_deeper = False, True
                    idx -= 1
                    continue
                if n == 1 and upper <= 1:
                    result, from_deeper = True, True
                    idx -= 1
                    continue
            else:
                end = _add_liberties(stones, w, loc, buf, start, start, ws)
                n = end - start
                a, b = buf[start], buf[start + 1]
                libs0 = _immediate_libs(stones, w, a)
                libs1 = _immediate_libs(stones, w, b)
                if libs0 == 0 and libs1 == 0 and _would_be_ko_capture(stones, w, a, opp, ws) \
                        and _would_be_ko_capture(stones, w, b, opp, ws):
                    if _libs_after_play(stones, w, a, pla, 3, ws) <= 2 and _libs_after_play(stones, w, b, pla, 3, ws) <= 2:
                        if not _has_capture(stones, w, loc, ws):
                            result, from_deeper = True, True
                            idx -= 1
                            continue
                if not _adjacent(a, b, w):
                    if libs0 >= 3 and libs1 >= 3:
                        result, from_deeper = False, True
                        idx -= 1
                        continue
                    elif libs0 >= 3:
                        n = 1
                    elif libs1 >= 3:
                        buf[start] = b
                        n = 1
                if n > 1:
                    h0 = libs0 * 2 + _connection_heuristic_x2(stones, w, a, pla, ws)
                    h1 = libs1 * 2 + _connection_heuristic_x2(stones, w, b, pla, ws)
                    if h1 > h0:
                        buf[start] = b
                        buf[start + 1] = a
            lens[idx] = n
            cur[idx] = 0
        else:
            if from_deeper:
                stones[:] = saved[idx]
                ko_box[0] = saved_ko[idx]
            if defender and not result:
                from_deeper = True
                idx -= 1
                continue
            if not defender and result:
                from_deeper = True
                idx -= 1
                continue
            cur[idx] += 1
        if cur[idx] >= lens[idx]:
            result = defender
            from_deeper = True
            idx -= 1
            continue
        move = buf[starts[idx] + cur[idx]]
        mover = pla if defender else opp
        if not _is_legal(stones, w, move, mover, ko_box[0], ws):
            result = defender
            from_deeper = False
            continue
        saved[idx, :] = stones
        saved_ko[idx] = ko_box[0]
        ko_box[0] = play_stone(stones, w, move, mover, ws)
        nodes += 1
        idx += 1
        cur[idx] = -1
        starts[idx] = starts[idx - 1] + lens[idx - 1]
        lens[idx] = 0


@jit
def ladder_captured_2libs(stones, w, size, loc, ko_box, buf, saved, saved_ko, working, ws):
    """KataGo's ``searchIsLadderCapturedAttackerFirst2Libs``: the attacker plays first at one of the two liberties.
    Returns the number of working first moves (0: not laddered), written to ``working[:count]``."""
    color = stones[loc]
    if color == EMPTY or color == WALL:
        return 0
    libs = chain_info(stones, w, loc, ws)[1]
    if libs != 2:
        return 0
    move0, move1 = min(ws.libs[0], ws.libs[1]), max(ws.libs[0], ws.libs[1])
    count = 0
    for move in (move0, move1):
        if _is_legal(stones, w, move, -color, ko_box[0], ws):
            before = stones.copy()
            ko_before = ko_box[0]
            ko_box[0] = play_stone(stones, w, move, -color, ws)
            works = ladder_captured(stones, w, size, loc, True, ko_box, buf, saved, saved_ko, ws)
            stones[:] = before
            ko_box[0] = ko_before
            if works:
                working[count] = move
                count += 1
    return count


@jit
def mark_ladders(stones, w, size, ko, spatial, plane, working_plane, working_color, buf, saved, saved_ko, ws):
    """KataGo's ``iterLadders``: set ``spatial[plane]`` on every stone of a laddered chain of 1 or 2 liberties;
    when ``working_plane >= 0``, also set it on the working first moves against laddered 2-liberty chains of
    ``working_color``. ``stones`` is searched on a copy."""
    copy = stones.copy()
    ko_box = np.full(1, ko, np.int64)
    points = stones.shape[0]
    solved = np.full(points, -1, np.int8)  # per chain (keyed by its lowest point): -1 unknown, 0 / 1
    working = np.zeros(2, np.int64)
    for r in range(size):
        for c in range(size):
            p = (r + 1) * w + c + 1
            v = stones[p]
            if v == EMPTY:
                continue
            n_stones, libs = chain_info(stones, w, p, ws)
            if libs != 1 and libs != 2:
                continue
            key = p
            for k in range(n_stones):
                key = min(key, ws.chain[k])
            if solved[key] >= 0:
                if solved[key] == 1:
                    spatial[plane, r, c] = 1.0
                continue
            count = 0
            if libs == 1:
                laddered = ladder_captured(copy, w, size, p, True, ko_box, buf, saved, saved_ko, ws)
            else:
                count = ladder_captured_2libs(copy, w, size, p, ko_box, buf, saved, saved_ko, working, ws)
                laddered = count > 0
            solved[key] = 1 if laddered else 0
            if laddered:
                spatial[plane, r, c] = 1.0
                if working_plane >= 0 and v == working_color and libs > 1:
                    for k in range(count):
                        m = working[k]
                        spatial[working_plane, m // w - 1, m % w - 1] = 1.0
