"""A slow, obvious, plain-Python port of KataGo's input features, version 7 (``NNInputs::fillRowV7``).

It is a test oracle for advgo's fast encoder and shares no code with ``advgo``: it reads from an
``advgo.GameState`` only its public attributes (size, rules, initial setup, moves, to_play; board only to
assert the replay) and recomputes everything else by replaying the moves, as KataGo's
``BoardHistory::makeBoardMoveAssumeLegal`` would, on its own board whose chains and liberties come from
flood fills. Each helper below is a line-by-line port of the KataGo function of the same name
(``board.cpp``, ``boardhistory.cpp``, ``nninputs.cpp``); readability matters, speed does not.

Known limits and KataGo subtleties kept on purpose:

* KataGo walks a chain along its own linked list, so its liberty order differs from the flood-fill order
  here. The ladder result can differ only if the 25000-node budget runs out, or when the defender's lone
  liberty is itself one of two or more capturing moves (KataGo then bounds the liberties of whichever
  capture comes last in its list).
* Under ``ko="simple"`` KataGo also ends the game on a "spight-like" pass: a pass by a player who already
  passed with the same board and player to move. So global 14 can be 1 without a pass just played, and
  such a pass counts as a finished game (one turn of history) even though advgo plays on.

KataGo settings modelled: area scoring, no tax, encore phase 0, no button, white handicap bonus 0,
ko rule / multi-stone suicide / komi from ``state.rules``, ``MiscNNInputParams`` defaults
(drawEquivalentWinsForWhite 0.5, no conservative pass, no passing hacks, playoutDoublingAdvantage 0,
maxHistory 1000). ``pla`` is the player to move, ``opp`` the other one.

Coordinates: point (action id) ``p = row * N + col``, row 0 the top row (KataGo's y), col KataGo's x.

Spatial planes ``[22, N, N]``:

====  ===========================================================================================
0     on board (all ones)
1, 2  pla stones, opp stones
3-5   stones whose chain has exactly 1, 2, 3 liberties
6     simple-ko point (board.ko_loc) plus superko-banned points for pla (positional/situational)
7, 8  encore only: always 0
9-13  location of the move 1..5 turns ago (9 = last move, by opp), when it was not a pass
14    stones of 1- or 2-liberty chains that are ladder-captured (current board)
15    same as 14 on the board 1 move ago (or the current board if no history is shown)
16    same as 14 on the board 2 moves ago (or the board of plane 15 if <2 turns of history are shown)
17    for laddered 2-liberty opp chains: the attacker's first moves that work
18    pla area, 19 opp area: calculateArea (pass-alive stones and territory, big territories, and
      remaining stones as they stand)
20,21 encore only: always 0
====  ===========================================================================================

Globals ``[19]``:

====  ===========================================================================================
0-4   the move 1..5 turns ago was a pass
5     selfKomi / 20 (komi from pla's view, clipped to +-(N*N + 20))
6, 7  ko rule: simple (0, 0), positional (1, 0.5), situational (1, -0.5)
8     multi-stone suicide legal
9-13  territory scoring / tax / encore: always 0
14    a pass now would end the game (unless suppressed by friendlyPassOk)
15-17 playout doubling advantage / button: always 0
18    komi parity triangle wave (area scoring)
====  ===========================================================================================
"""

from __future__ import annotations

from typing import Callable

import numpy as np

EMPTY, BLACK, WHITE = 0, 1, -1
MAX_LADDER_SEARCH_NODE_BUDGET = 25000
KOMI_CLIP_RADIUS = 20.0
NUM_SPATIAL, NUM_GLOBAL = 22, 19

_KO_NAMES = {"simple": "SIMPLE", "positional": "POSITIONAL", "situational": "SITUATIONAL"}


def katago_rule_string(rules, friendly_pass_ok: bool = False) -> str:
    """The KataGo rules string for ``kata-set-rules``, e.g. ``koPOSITIONALscoreAREAtaxNONEsui1whb0``."""
    text = f"ko{_KO_NAMES[rules.ko]}scoreAREAtaxNONEsui{int(bool(rules.suicide))}whb0"
    return text + ("fpok1" if friendly_pass_ok else "")


# ============================================================================== the board
class Board:
    """Colours per point plus KataGo's simple ko point. Chains are found by flood fill and cached until the
    next change. ``ko_loc`` is ``None`` for KataGo's NULL_LOC."""

    def __init__(self, n: int):
        self.n = n
        self.colors = [EMPTY] * (n * n)
        self.ko_loc: int | None = None
        # On-board neighbours in KataGo's adj_offsets order: up (y-1), left (x-1), right (x+1), down (y+1).
        self.adj = []
        for p in range(n * n):
            r, c = divmod(p, n)
            self.adj.append([q for q, ok in ((p - n, r > 0), (p - 1, c > 0), (p + 1, c < n - 1), (p + n, r < n - 1))
                             if ok])
        self._chains: dict[int, tuple[list[int], list[int]]] = {}

    def copy(self) -> "Board":
        other = Board.__new__(Board)
        other.n, other.colors, other.ko_loc, other.adj = self.n, list(self.colors), self.ko_loc, self.adj
        other._chains = {}
        return other

    # ---- chains
    def _chain_info(self, p: int) -> tuple[list[int], list[int]]:
        """(stones in flood-fill order from p, liberties in the order met walking those stones)."""
        if p not in self._chains:
            colour = self.colors[p]
            assert colour != EMPTY
            stones, seen = [p], {p}
            for s in stones:  # grows while we walk it: breadth-first
                for q in self.adj[s]:
                    if self.colors[q] == colour and q not in seen:
                        seen.add(q)
                        stones.append(q)
            libs: list[int] = []
            for s in stones:
                for q in self.adj[s]:
                    if self.colors[q] == EMPTY and q not in libs:
                        libs.append(q)
            # Both lists sorted: KataGo walks a chain in its linked-list order, which neither advgo nor this
            # reference reproduces; advgo's encoder uses this same canonical order, so the two agree exactly.
            stones, libs = sorted(stones), sorted(libs)
            for s in stones:
                self._chains[s] = (stones, libs)
        return self._chains[p]

    def chain(self, p: int) -> list[int]:
        return self._chain_info(p)[0]

    def liberties(self, p: int) -> list[int]:
        return self._chain_info(p)[1]

    def num_libs(self, p: int) -> int:
        return len(self.liberties(p))

    def head(self, p: int) -> int:
        """A name for the chain through p (KataGo's chain_head): its smallest point."""
        return min(self.chain(p))

    # ---- moves (Board::playMoveAssumeLegal)
    def play(self, p: int | None, pla: int) -> None:
        """Play at p (None = pass) assuming legality: capture opp chains left without liberties, set the
        simple ko point, then remove the mover's chain if it has no liberties (suicide)."""
        if p is None:
            self.ko_loc = None
            return
        self.colors[p] = pla
        self._chains = {}
        captured: list[int] = []
        for q in self.adj[p]:
            if self.colors[q] == -pla and self.num_libs(q) == 0:
                stones = self.chain(q)
                captured += stones
                for s in stones:
                    self.colors[s] = EMPTY
                self._chains = {}
        if len(captured) == 1 and len(self.chain(p)) == 1 and self.num_libs(p) == 1:
            self.ko_loc = captured[0]
        else:
            self.ko_loc = None
        if self.num_libs(p) == 0:
            for s in self.chain(p):
                self.colors[s] = EMPTY
            self._chains = {}

    def play_recorded(self, p: int, pla: int) -> tuple[list[int], int | None]:
        """Board::playMoveRecorded; the record is simply a snapshot for :meth:`undo`."""
        record = (list(self.colors), self.ko_loc)
        self.play(p, pla)
        return record

    def undo(self, record: tuple[list[int], int | None]) -> None:
        self.colors, self.ko_loc = list(record[0]), record[1]
        self._chains = {}


# ============================================================================== board.cpp helpers
def is_illegal_suicide(b: Board, loc: int, pla: int, multi_stone_suicide_legal: bool) -> bool:
    for adj in b.adj[loc]:
        if b.colors[adj] == EMPTY:
            return False
        if b.colors[adj] == pla and (multi_stone_suicide_legal or b.num_libs(adj) > 1):
            return False
        if b.colors[adj] == -pla and b.num_libs(adj) == 1:
            return False
    return True


def is_legal(b: Board, loc: int, pla: int, multi_stone_suicide_legal: bool) -> bool:
    """Board::isLegal for a point move: empty, not the simple ko point, not illegal suicide."""
    return (b.colors[loc] == EMPTY and loc != b.ko_loc
            and not is_illegal_suicide(b, loc, pla, multi_stone_suicide_legal))


def num_immediate_liberties(b: Board, loc: int) -> int:
    return sum(1 for adj in b.adj[loc] if b.colors[adj] == EMPTY)


def is_adjacent(p: int, q: int, n: int) -> bool:
    (pr, pc), (qr, qc) = divmod(p, n), divmod(q, n)
    return abs(pr - qr) + abs(pc - qc) == 1


def count_heuristic_connection_liberties_x2(b: Board, loc: int, pla: int) -> int:
    total = 0
    for adj in b.adj[loc]:  # per direction: a chain touching loc twice counts twice, as in KataGo
        if b.colors[adj] == pla:
            libs = b.num_libs(adj)
            if libs > 1:
                total += libs * 2 - 3
    return total


def bound_num_liberties_after_play(b: Board, loc: int, pla: int) -> tuple[int, int]:
    """Board::getBoundNumLibertiesAfterPlay: (lowerBound, upperBound)."""
    num_immediate = num_caps = potential_from_caps = num_connection = max_connection = 0
    for adj in b.adj[loc]:
        if b.colors[adj] == EMPTY:
            num_immediate += 1
        elif b.colors[adj] == -pla:
            if b.num_libs(adj) == 1:
                num_caps += 1
                potential_from_caps += len(b.chain(adj))
        else:
            conn = b.num_libs(adj) - 1
            num_connection += conn
            max_connection = max(max_connection, conn)
    lower = num_caps + max(max_connection, num_immediate)
    upper = num_immediate + potential_from_caps + num_connection
    return lower, upper


def num_liberties_after_play(b: Board, loc: int, pla: int, max_libs: int) -> int:
    """Board::getNumLibertiesAfterPlay: liberties a stone at loc would have, or max_libs if >= max_libs."""
    libs: list[int] = []
    captured_heads: list[int] = []
    for adj in b.adj[loc]:
        if b.colors[adj] == EMPTY or (b.colors[adj] == -pla and b.num_libs(adj) == 1):
            libs.append(adj)
            if len(libs) >= max_libs:
                return max_libs
            if b.colors[adj] == -pla and b.head(adj) not in captured_heads:
                captured_heads.append(b.head(adj))

    def would_be_empty(q: int) -> bool:
        return b.colors[q] == EMPTY or (b.colors[q] == -pla and b.head(q) in captured_heads)

    connecting_heads: list[int] = []
    for adj in b.adj[loc]:
        if b.colors[adj] == pla and b.head(adj) not in connecting_heads:
            connecting_heads.append(b.head(adj))
            for stone in b.chain(adj):
                for q in b.adj[stone]:
                    if q != loc and would_be_empty(q) and q not in libs:
                        libs.append(q)
                        if len(libs) >= max_libs:
                            return max_libs
    return len(libs)


def would_be_ko_capture(b: Board, loc: int, pla: int) -> bool:
    """All on-board neighbours are opp stones and exactly one of them, a single stone, is in atari."""
    if b.colors[loc] != EMPTY:
        return False
    capturable = None
    for adj in b.adj[loc]:
        if b.colors[adj] != -pla:
            return False
        if b.num_libs(adj) == 1:
            if capturable is not None:
                return False
            capturable = adj
    return capturable is not None and len(b.chain(capturable)) == 1


def find_liberties(b: Board, loc: int, buf: dict[int, int], buf_start: int, buf_idx: int) -> int:
    """Write the chain's liberties to buf[buf_idx:], skipping any already in buf[buf_start:]."""
    found = 0
    for lib in b.liberties(loc):
        if all(buf[j] != lib for j in range(buf_start, buf_idx + found)):
            buf[buf_idx + found] = lib
            found += 1
    return found


def find_liberty_gaining_captures(b: Board, loc: int, buf: dict[int, int], buf_start: int, buf_idx: int) -> int:
    """Write the capturing points of opp chains in atari next to loc's chain (deduplicated)."""
    opp = -b.colors[loc]
    checked: list[int] = []
    found = 0
    for stone in b.chain(loc):
        for adj in b.adj[stone]:
            if b.colors[adj] == opp and b.num_libs(adj) == 1 and b.head(adj) not in checked:
                found += find_liberties(b, adj, buf, buf_start, buf_idx + found)
                checked.append(b.head(adj))
    return found


def has_liberty_gaining_captures(b: Board, loc: int) -> bool:
    opp = -b.colors[loc]
    return any(b.colors[adj] == opp and b.num_libs(adj) == 1 for stone in b.chain(loc) for adj in b.adj[stone])


# ============================================================================== ladders
def search_is_ladder_captured_attacker_first_2_libs(b: Board, loc: int, buf: dict[int, int],
                                                    working_moves: list[int]) -> bool:
    if b.colors[loc] == EMPTY or b.num_libs(loc) != 2:
        return False
    opp = -b.colors[loc]
    num = find_liberties(b, loc, buf, 0, 0)
    assert num == 2
    works = []
    for move in (buf[0], buf[1]):  # suicide never matters for ladders: suicide counts as illegal
        move_works = False
        if is_legal(b, move, opp, False):
            record = b.play_recorded(move, opp)
            move_works = search_is_ladder_captured(b, loc, True, buf)
            b.undo(record)
        if move_works:
            works.append(move)
    if works:
        working_moves[:] = works
        return True
    return False


def search_is_ladder_captured(b: Board, loc: int, defender_first: bool, buf: dict[int, int]) -> bool:
    """Board::searchIsLadderCaptured: the same explicit-stack state machine, budget and base cases."""
    if b.colors[loc] == EMPTY:
        return False
    if b.num_libs(loc) > 2 or (defender_first and b.num_libs(loc) > 1):
        return False
    pla = b.colors[loc]  # the defender
    opp = -pla
    # Clear the ko loc for the defender at the root node - assume all kos work for the defender.
    ko_loc_saved = b.ko_loc
    if defender_first:
        b.ko_loc = None

    stack_size = b.n * b.n * 3 // 2 + 1  # a bit bigger than the board, for recaptures
    # Per stack level: start of its move list in buf, the list's length, the move being searched (-1: list not
    # generated yet) and the record to undo that move.
    starts, lens, cur, records = [0] * stack_size, [0] * stack_size, [-1] * stack_size, [None] * stack_size
    idx = node_count = 0
    ret = from_deeper = False

    while True:
        if idx <= -1:  # returned from the root
            b.ko_loc = ko_loc_saved
            return ret
        if idx >= stack_size - 1:  # stack limit: count it as a failed escape
            ret, from_deeper, idx = True, True, idx - 1
            continue
        if node_count >= MAX_LADDER_SEARCH_NODE_BUDGET:
            # Undo everything and give up. Like KataGo, this does NOT restore ko_loc_saved.
            idx -= 1
            while idx >= 0:
                b.undo(records[idx])
                idx -= 1
            return False

        is_defender = (defender_first and idx % 2 == 0) or (not defender_first and idx % 2 == 1)

        if cur[idx] == -1:  # just entered this level
            libs = b.num_libs(loc)
            # Base cases: the attacker already won (1 lib) or lost (3 libs); the defender already won (2 libs,
            # or the attacker left a simple ko point: ladders that depend on kos count as escaped).
            if not is_defender and libs <= 1:
                ret, from_deeper, idx = True, True, idx - 1
                continue
            if (not is_defender and libs >= 3) or (is_defender and (libs >= 2 or b.ko_loc is not None)):
                ret, from_deeper, idx = False, True, idx - 1
                continue

            start = starts[idx]
            if is_defender:
                move_list_len = find_liberty_gaining_captures(b, loc, buf, start, start)
                move_list_len += find_liberties(b, loc, buf, start, start + move_list_len)
                lower, upper = bound_num_liberties_after_play(b, buf[start + move_list_len - 1], pla)
                if lower >= 3:
                    ret, from_deeper, idx = False, True, idx - 1
                    continue
                if move_list_len == 1 and upper <= 1:
                    ret, from_deeper, idx = True, True, idx - 1
                    continue
            else:
                move_list_len = find_liberties(b, loc, buf, start, start)
                assert move_list_len == 2
                libs0 = num_immediate_liberties(b, buf[start])
                libs1 = num_immediate_liberties(b, buf[start + 1])
                # Double-ko death: assume the attacker wins.
                if (libs0 == 0 and libs1 == 0 and would_be_ko_capture(b, buf[start], opp)
                        and would_be_ko_capture(b, buf[start + 1], opp)):
                    if (num_liberties_after_play(b, buf[start], pla, 3) <= 2
                            and num_liberties_after_play(b, buf[start + 1], pla, 3) <= 2):
                        if not has_liberty_gaining_captures(b, loc):
                            ret, from_deeper, idx = True, True, idx - 1
                            continue
                if not is_adjacent(buf[start], buf[start + 1], b.n):
                    if libs0 >= 3 and libs1 >= 3:
                        ret, from_deeper, idx = False, True, idx - 1
                        continue
                    elif libs0 >= 3:
                        move_list_len = 1
                    elif libs1 >= 3:
                        buf[start] = buf[start + 1]
                        move_list_len = 1
                if move_list_len > 1:
                    libs0 = libs0 * 2 + count_heuristic_connection_liberties_x2(b, buf[start], pla)
                    libs1 = libs1 * 2 + count_heuristic_connection_liberties_x2(b, buf[start + 1], pla)
                    if libs1 > libs0:
                        buf[start], buf[start + 1] = buf[start + 1], buf[start]
            lens[idx] = move_list_len
            cur[idx] = 0
        else:  # returned from a deeper level (or from the same level, via an illegal move)
            if from_deeper:
                b.undo(records[idx])
            if is_defender and not ret:  # the defender found an escape
                from_deeper, idx = True, idx - 1
                continue
            if not is_defender and ret:  # the attacker found a capture
                from_deeper, idx = True, idx - 1
                continue
            cur[idx] += 1

        if cur[idx] >= lens[idx]:  # no move left: the side to move loses
            ret, from_deeper, idx = is_defender, True, idx - 1
            continue

        move = buf[starts[idx] + cur[idx]]
        p = pla if is_defender else opp
        if not is_legal(b, move, p, False):  # illegal: like a failed move, try the next one
            ret, from_deeper = is_defender, False
            continue
        records[idx] = b.play_recorded(move, p)
        node_count += 1
        idx += 1
        cur[idx] = -1
        starts[idx] = starts[idx - 1] + lens[idx - 1]
        lens[idx] = 0


def iter_ladders(board: Board, f: Callable[[int, list[int]], None]) -> None:
    """nninputs.cpp iterLadders: call f(stone, workingMoves) for each stone of a laddered 1- or 2-liberty chain."""
    solved: dict[int, bool] = {}
    copy = board.copy()  # searched on a single copy, like KataGo
    buf: dict[int, int] = {}  # KataGo's vector<Loc> buf: index -> point
    working_moves: list[int] = []
    for loc in range(board.n * board.n):
        if board.colors[loc] == EMPTY:
            continue
        libs = board.num_libs(loc)
        if libs not in (1, 2):
            continue
        head = board.head(loc)
        if head in solved:
            if solved[head]:
                working_moves.clear()
                f(loc, working_moves)
            continue
        if libs == 1:
            laddered = search_is_ladder_captured(copy, loc, True, buf)
        else:
            working_moves.clear()
            laddered = search_is_ladder_captured_attacker_first_2_libs(copy, loc, buf, working_moves)
        solved[head] = laddered
        if laddered:
            f(loc, working_moves)


# ============================================================================== pass-alive area
def calculate_area_for_pla(b: Board, pla: int, safe_big: bool, unsafe_big: bool, suicide_legal: bool,
                           result: list[int]) -> None:
    """Board::calculateAreaForPla (Benson): mark pla's pass-alive chains and territory into result."""
    opp = -pla
    n2 = b.n * b.n
    region_of = [-1] * n2
    regions: list[list[int]] = []  # points of each empty-or-opp region, in BFS order
    vital: list[list[int]] = []  # pla chain heads the region is vital for
    internal: list[int] = []  # number (capped at 2) of region points not next to any pla stone
    contains_opp: list[bool] = []
    at_least_one_pla = any(c == pla for c in b.colors)

    for loc in range(n2):
        if region_of[loc] != -1 or b.colors[loc] != EMPTY:
            continue
        idx = len(regions)
        heads: list[int] = []
        for adj in b.adj[loc]:
            if b.colors[adj] == pla and b.head(adj) not in heads:
                heads.append(b.head(adj))
        points, n_internal, has_opp = [loc], 0, False
        region_of[loc] = idx
        for p in points:  # breadth-first; the list grows as we walk it
            if heads and (suicide_legal or b.colors[p] == EMPTY):
                heads = [h for h in heads if any(b.colors[q] == pla and b.head(q) == h for q in b.adj[p])]
            if n_internal < 2 and not any(b.colors[q] == pla for q in b.adj[p]):
                n_internal += 1
            if b.colors[p] == opp:
                has_opp = True
            for q in b.adj[p]:
                if b.colors[q] in (EMPTY, opp) and region_of[q] == -1:
                    region_of[q] = idx
                    points.append(q)
        regions.append(points)
        vital.append(heads)
        internal.append(n_internal)
        contains_opp.append(has_opp)

    pla_heads = [p for p in range(n2) if b.colors[p] == pla and b.head(p) == p]
    vital_count = {h: 0 for h in pla_heads}
    for heads in vital:
        for h in heads:
            vital_count[h] += 1
    killed = {h: False for h in pla_heads}
    borders_non_pass_alive = [False] * len(regions)
    while True:
        killed_anything = False
        for h in pla_heads:
            if killed[h] or vital_count[h] >= 2:
                continue
            killed[h] = killed_anything = True
            for stone in b.chain(h):
                for adj in b.adj[stone]:
                    r = region_of[adj]
                    if r >= 0 and not borders_non_pass_alive[r]:
                        borders_non_pass_alive[r] = True
                        for h2 in vital[r]:
                            vital_count[h2] -= 1
        if not killed_anything:
            break

    for h in pla_heads:
        if not killed[h]:
            for stone in b.chain(h):
                result[stone] = pla
    for r, points in enumerate(regions):
        should_mark = internal[r] <= 1 and not borders_non_pass_alive[r] and at_least_one_pla
        should_mark = should_mark or (safe_big and not contains_opp[r] and not borders_non_pass_alive[r]
                                      and at_least_one_pla)
        if should_mark:
            for p in points:
                result[p] = pla
        elif unsafe_big and not contains_opp[r] and at_least_one_pla:
            for p in points:
                if result[p] == EMPTY:
                    result[p] = pla


def calculate_area(b: Board, suicide_legal: bool) -> list[int]:
    """Board::calculateArea with nonPassAliveStones, safeBigTerritories and unsafeBigTerritories all true."""
    result = [EMPTY] * (b.n * b.n)
    calculate_area_for_pla(b, BLACK, True, True, suicide_legal, result)
    calculate_area_for_pla(b, WHITE, True, True, suicide_legal, result)
    return [r if r != EMPTY else c for r, c in zip(result, b.colors)]


# ============================================================================== history (BoardHistory)
class History:
    """The parts of KataGo's BoardHistory that fillRowV7 reads, built by replaying ``state``'s moves
    (``makeBoardMoveAssumeLegal`` in the main phase, area scoring, no button)."""

    def __init__(self, state):
        n = state.size
        self.ko_rule: str = state.rules.ko
        self.suicide: bool = bool(state.rules.suicide)
        board = Board(n)
        for colour, actions in ((BLACK, state.initial_black), (WHITE, state.initial_white)):
            for a in actions:
                board.colors[int(a)] = colour
        pla = int(state.initial_to_play)
        # KataGo's ko hash history: every (board, player to move) since the initial position, initial included.
        self.positions: list[tuple[tuple[int, ...], int]] = [(tuple(board.colors), pla)]
        self.was_ever_occupied_or_played = {p for p in range(n * n) if board.colors[p] != EMPTY}
        self.boards: list[Board] = []  # boards[i]: the board (with its ko_loc) before move i
        self.move_history: list[tuple[int | None, int]] = []  # (point or None for pass, player)
        self.hashes_before_pass: dict[int, list] = {BLACK: [], WHITE: []}
        self.consecutive_ending_passes = 0
        self.is_game_finished = False
        self.num_approx_valid_turns = 0
        # Simple ko only: (board, player to move) since the last pass (the position after the pass first), for
        # KataGo's "a position occurring a third time ends the game with no result".
        since_pass: list = [(tuple(board.colors), pla)]
        for action in state.moves:
            action = int(action)
            loc = None if action == n * n else action
            if self.is_game_finished:
                self.num_approx_valid_turns = min(self.num_approx_valid_turns, 1)
            self.is_game_finished = False
            spightlike = False
            if loc is not None:
                self.consecutive_ending_passes = 0
                self.was_ever_occupied_or_played.add(loc)
            else:
                ko_hash_before = self._ko_hash(board, pla)
                self.consecutive_ending_passes += 1
                spightlike = self._would_be_spightlike_ending_pass(pla, ko_hash_before)
                self.hashes_before_pass[pla].append(ko_hash_before)
            self.boards.append(board.copy())
            board.play(loc, pla)
            self.move_history.append((loc, pla))
            self.num_approx_valid_turns += 1
            pla = -pla
            self.positions.append((tuple(board.colors), pla))
            if self.consecutive_ending_passes >= 2 or spightlike:
                self.is_game_finished = True
            if loc is None:
                since_pass = [(tuple(board.colors), pla)]
            else:
                since_pass.append((tuple(board.colors), pla))
                if self.ko_rule == "simple" and since_pass.count(since_pass[-1]) >= 3:
                    self.is_game_finished = True  # the long-cycle no-result
        self.board = board
        self.next_pla = pla
        self.super_ko_banned = [False] * (n * n)
        if self.move_history and self.ko_rule != "simple":
            self.super_ko_banned = [self._is_super_ko_banned(p) for p in range(n * n)]

    def _ko_hash(self, board: Board, pla: int):
        """getKoHash: the board, plus the player to move under situational and simple ko."""
        return tuple(board.colors) if self.ko_rule == "positional" else (tuple(board.colors), pla)

    def _would_be_spightlike_ending_pass(self, pla: int, ko_hash) -> bool:
        # phaseHasSpightlikeEndingAndPassHistoryClearing: only under simple ko in the main phase.
        return self.ko_rule == "simple" and ko_hash in self.hashes_before_pass[pla]

    def _is_super_ko_banned(self, loc: int) -> bool:
        board, pla = self.board, self.next_pla
        if board.colors[loc] != EMPTY:
            return False
        if loc not in self.was_ever_occupied_or_played and not is_illegal_suicide(board, loc, pla, False):  # isSuicide
            return False
        if is_illegal_suicide(board, loc, pla, self.suicide) or loc == board.ko_loc:
            return False
        after = board.copy()
        after.play(loc, pla)
        colors = tuple(after.colors)
        if self.ko_rule == "positional":
            return any(colors == seen for seen, _ in self.positions)
        return (colors, -pla) in self.positions

    def recent_board(self, moves_ago: int) -> Board:
        return self.board if moves_ago == 0 else self.boards[-moves_ago]

    def pass_would_end_phase(self) -> bool:
        spightlike = self._would_be_spightlike_ending_pass(self.next_pla, self._ko_hash(self.board, self.next_pla))
        return self.consecutive_ending_passes + 1 >= 2 or spightlike

    def should_suppress_end_game_from_friendly_pass(self, friendly_pass_ok: bool) -> bool:
        spightlike = self._would_be_spightlike_ending_pass(self.next_pla, self._ko_hash(self.board, self.next_pla))
        return friendly_pass_ok and self.consecutive_ending_passes + 1 == 2 and not spightlike


# ============================================================================== fillRowV7
def _komi_parity_wave(self_komi: np.float32, n: int) -> np.float32:
    """Global 18 for area scoring, in float32 like the C++."""
    f32 = np.float32
    if (n * n) % 2 == 0:  # drawable komis are even
        komi_floor = f32(np.floor(self_komi / f32(2.0)) * f32(2.0))
    else:
        komi_floor = f32(np.floor((self_komi - f32(1.0)) / f32(2.0)) * f32(2.0) + f32(1.0))
    delta = f32(self_komi - komi_floor)
    delta = min(max(delta, f32(0.0)), f32(2.0))
    if delta < f32(0.5):
        return f32(delta)
    if delta < f32(1.5):
        return f32(f32(1.0) - delta)
    return f32(delta - f32(2.0))


def katago_features(state, *, pass_alive_suicide: bool = False,
                    friendly_pass_ok: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """KataGo's version-7 input features for ``state``: (spatial float32 [22, N, N], globals float32 [19])."""
    n = state.size
    hist = History(state)
    board = hist.board
    pla = int(state.to_play)
    opp = -pla
    assert pla == hist.next_pla, "replayed player to move differs from state.to_play"
    assert list(np.asarray(state.board).reshape(-1)) == board.colors, "replayed board differs from state.board"

    spatial = np.zeros((NUM_SPATIAL, n, n), np.float32)
    glob = np.zeros(NUM_GLOBAL, np.float32)

    def mark(plane: int, p: int) -> None:
        spatial[plane, p // n, p % n] = 1.0

    area = calculate_area(board, bool(state.rules.suicide) or pass_alive_suicide)
    for p in range(n * n):
        mark(0, p)  # feature 0: on board
        if board.colors[p] != EMPTY:  # features 1, 2: stones; 3, 4, 5: chains with 1, 2, 3 liberties
            mark(1 if board.colors[p] == pla else 2, p)
            if board.num_libs(p) in (1, 2, 3):
                mark(2 + board.num_libs(p), p)
        if p == board.ko_loc or hist.super_ko_banned[p]:  # feature 6: ko and superko bans (encore phase 0)
            mark(6, p)
        if area[p] != EMPTY:  # features 18, 19: area (area scoring, no tax)
            mark(18 if area[p] == pla else 19, p)

    # How much history to show.
    max_turns = 5
    suppress_pass_would_end_phase = False
    # passWouldEndGame == passWouldEndPhase under area scoring. conservativePassAndIsRoot and
    # enablePassingHacks are false.
    if hist.pass_would_end_phase() and hist.should_suppress_end_game_from_friendly_pass(friendly_pass_ok):
        max_turns = 0
        suppress_pass_would_end_phase = True
    elif hist.is_game_finished:
        max_turns = 1
    max_turns = min(max_turns, 1000)

    # Features 9-13 and globals 0-4: the last moves.
    num_turns_included = 0
    amount = min(max_turns, hist.num_approx_valid_turns)
    moves = hist.move_history
    for k in range(1, 6):
        expected_player = opp if k % 2 == 1 else pla
        if amount < k or moves[-k][1] != expected_player:
            break
        num_turns_included = k
        loc = moves[-k][0]
        if loc is None:
            glob[k - 1] = 1.0
        else:
            mark(8 + k, loc)

    # Features 14-17: ladders.
    def add_ladder_feature(loc: int, working_moves: list[int]) -> None:
        mark(14, loc)
        if board.colors[loc] == opp and board.num_libs(loc) > 1:
            for w in working_moves:
                mark(17, w)

    iter_ladders(board, add_ladder_feature)
    prev_board = board if num_turns_included < 1 else hist.recent_board(1)
    iter_ladders(prev_board, lambda loc, _working: mark(15, loc))
    prev_prev_board = prev_board if num_turns_included < 2 else hist.recent_board(2)
    iter_ladders(prev_prev_board, lambda loc, _working: mark(16, loc))

    # Global 5: komi from pla's view. drawEquivalentWinsForWhite = 0.5, so the draw adjustment is 0.
    f32 = np.float32
    white_komi = f32(state.rules.komi)
    self_komi = white_komi if pla == WHITE else f32(-white_komi)
    clip = f32(f32(n * n) + f32(KOMI_CLIP_RADIUS))
    self_komi = min(max(self_komi, f32(-clip)), clip)
    glob[5] = self_komi / f32(20.0)

    # Globals 6-8: ko rule and suicide. 9-13 (scoring, tax, encore) stay 0.
    glob[6], glob[7] = {"simple": (0.0, 0.0), "positional": (1.0, 0.5), "situational": (1.0, -0.5)}[state.rules.ko]
    glob[8] = 1.0 if state.rules.suicide else 0.0

    # Global 14: would a pass end the game. 15-17 (playout doubling, button) stay 0.
    glob[14] = 0.0 if suppress_pass_would_end_phase else float(hist.pass_would_end_phase())

    # Global 18: komi parity wave.
    glob[18] = _komi_parity_wave(self_komi, n)
    return spatial, glob
