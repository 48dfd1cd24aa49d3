"""KataGo's input features (version 7: 22 planes, 19 globals), encoded in Numba from the engine's boards.

What KataGo's ``NNInputs::fillRowV7`` computes for a position in the main phase of an area-scoring game (tax
none, no button, white handicap bonus 0, encore 0) under the game's ko and suicide rules, from the point of view
of the player to move ("pla"; "opp" the other), with KataGo's defaults for a raw evaluation (no conservative
pass, no passing hacks, no playout-doubling advantage). Planes are [22, N, N], row 0 the top row.

| plane | 1 where |
|---|---|
| 0 | on the board (all ones: advgo evaluates every board at its own size) |
| 1 / 2 | a stone of pla / opp |
| 3 / 4 / 5 | a stone whose chain has exactly 1 / 2 / 3 liberties |
| 6 | a point the player to move may not play for ko: the simple-ko point, or a superko repeat (not suicide) |
| 7, 8 | (encore only: zero) |
| 9 … 13 | where the last, 2nd-last, … 5th-last move was played (a pass sets the global instead) |
| 14 | a stone of a chain that is laddered (1 liberty, or 2 with the attacker to move first) |
| 15 / 16 | the same on the board 1 / 2 moves ago |
| 17 | a move that starts a working ladder against an opp chain with 2 liberties |
| 18 / 19 | pla's / opp's area: pass-alive chains and territory, big territories, other stones as they stand |
| 20, 21 | (encore only: zero) |

| global | value |
|---|---|
| 0 … 4 | 1 if the last, 2nd-last, … 5th-last move was a pass |
| 5 | komi from pla's side / 20, clipped to ±(N*N + 20) |
| 6 / 7 | ko rule: simple 0 / 0, positional 1 / 0.5, situational 1 / -0.5 |
| 8 | 1 if multi-stone suicide is legal |
| 9 … 13, 15 … 17 | 0 (territory scoring, tax, encore, playout doubling, button) |
| 14 | 1 if a pass now would end the game (the last move was a pass; under simple ko also a repeated pass position) |
| 18 | komi parity wave: where komi sits between the komis that allow a draw on this board |

History: up to 5 moves; 1 once two passes ended the game; none (and global 14 = 0) when a pass would end the game
and either ``conservative_pass`` (KataGo's ``conservativePass`` at the root of a search), or ``friendly_pass_ok``
(and the last move was a pass), or ``passing_hacks`` (``enablePassingHacks``) and the game scored now would not be a
win for pla. KataGo's GTP engine searches with all but ``friendly_pass_ok``; ``kata-raw-nn`` uses none. Boards 1 and
2 moves ago are rebuilt from the current stones by undoing moves (:func:`advgo.features.katago_board.undo_move`);
their simple-ko points, which the ladder search respects, come from undoing one more move. ``pass_alive_suicide``:
compute the area as if multi-stone suicide were legal (a model file's flag).
"""

from __future__ import annotations

import numpy as np

from advgo.engine import Boards, RuleCodes
from advgo.engine.constants import (
    ILLEGAL_KO,
    ILLEGAL_SUPERKO,
    KO_POSITIONAL,
    KO_SIMPLE,
    NO_POINT,
    OK,
    WHITE,
)
from advgo.engine.moves import check_point

from .katago_area import area_map
from .katago_board import chain_info, jit, new_work, undo_move
from .katago_ladder import mark_ladders

SPATIAL = 22
GLOBALS = 19
HISTORY = 5
KOMI_CLIP = 20.0

__all__ = ["SPATIAL", "GLOBALS", "encode_katago", "encode_katago_state", "komi_wave"]


@jit
def komi_wave(self_komi, size):
    """KataGo's global 18: a triangle wave of the komi from pla's side, period 2, about the drawable komis."""
    self_komi = np.float32(self_komi)
    if (size * size) % 2 == 0:
        floor = np.float32(np.floor(self_komi / np.float32(2.0)) * np.float32(2.0))
    else:
        floor = np.float32(np.floor((self_komi - np.float32(1.0)) / np.float32(2.0)) * np.float32(2.0) + np.float32(1.0))
    delta = min(max(self_komi - floor, np.float32(0.0)), np.float32(2.0))
    if delta < 0.5:
        return delta
    if delta < 1.5:
        return np.float32(1.0) - delta
    return delta - np.float32(2.0)


@jit
def _ko_of(before, after, w, p, color, ws):
    """The simple-ko point created by ``color`` playing at ``p`` (``before`` -> ``after`` stones), or NO_POINT."""
    if after[p] != color:
        return NO_POINT
    captured = 0
    where = NO_POINT
    for d in (-w, -1, 1, w):
        q = p + d
        if before[q] == -color and after[q] == 0:
            where = q
    for q in range(before.shape[0]):
        if before[q] == -color and after[q] == 0:
            captured += 1
    if captured != 1:
        return NO_POINT
    size, libs = chain_info(after, w, p, ws)
    return where if size == 1 and libs == 1 else NO_POINT


@jit
def _history_window(b, i, simple_ko):
    """KataGo's ``BoardHistory`` facts for the position: (valid turns of history, game finished, consecutive passes
    at the end, a pass now would repeat an earlier pass position: simple ko's "spight" ending).

    Under a superko rule: the moves played, finished after two passes. Under simple ko KataGo also ends the game
    when a player passes in a position (with the same player to move) in which they passed before, or when a
    position repeats three times since the last pass; a move after such an end counts only itself as history.
    advgo's games go on there, so it is replayed here.
    """
    m = b.move_count[i]
    n2 = b.size * b.size
    passes = 0  # consecutive passes at the end (KataGo's consecutiveEndingPasses)
    valid = 0  # numApproxValidTurnsThisPhase
    finished = False
    since_pass = 0  # first move index of the ko-hash history (cleared by passes under simple ko)
    for k in range(m):
        if finished:
            valid = min(valid, 1)
        finished = False
        if b.moves[i, k] == n2:
            passes += 1
            if simple_ko:
                for j in range(k - 2, -1, -2):  # passes by the same player (the player alternates each move)
                    if b.moves[i, j] == n2 and b.history[i, j] == b.history[i, k]:
                        finished = True
                        break
                since_pass = k + 1
        else:
            passes = 0
        valid += 1
        if passes >= 2:
            finished = True
        if simple_ko and b.moves[i, k] != n2 and not finished:
            repeats = 0
            for j in range(since_pass, k + 2):  # the positions after moves start-1 .. k, same player to move
                if (k + 1 - j) % 2 == 0 and b.history[i, j] == b.history[i, k + 1]:
                    repeats += 1
            if repeats >= 3:
                finished = True
    spight = False
    if simple_ko:
        for j in range(m - 2, -1, -2):
            if b.moves[i, j] == n2 and b.history[i, j] == b.history[i, m]:
                spight = True
                break
    return valid, finished, passes, spight


@jit
def _encode_one(b, i, komi, pass_alive_suicide, friendly_pass_ok, passing_hacks, conservative_pass, spatial, glob,
                legal, rules, ws, buf, saved, saved_ko, boards, area):
    n = b.size
    w = b.width
    ko_rule, suicide = rules.ko_rule, rules.allow_suicide
    pla = b.to_play[i]
    opp = -pla
    m = b.move_count[i]
    spatial[:] = 0.0
    glob[:] = 0.0
    legal[:] = False
    legal[n * n] = True
    for r in range(n):
        for c in range(n):
            p = (r + 1) * w + c + 1
            spatial[0, r, c] = 1.0
            v = b.stones[i, p]
            if v != 0:
                spatial[1 if v == pla else 2, r, c] = 1.0
                libs = b.chain_libs[i, b.chain_head[i, p]]
                if libs <= 3:
                    spatial[2 + libs, r, c] = 1.0
            else:
                status = check_point(b, i, p, rules)
                legal[r * n + c] = status == OK
                if status == ILLEGAL_KO or status == ILLEGAL_SUPERKO:
                    spatial[6, r, c] = 1.0
    # area (18, 19), needed first: passing hacks hide the history when ending the game now would not be a win
    area_map(b.stones[i], w, suicide or pass_alive_suicide, area)
    score = 0
    for r in range(n):
        for c in range(n):
            v = area[(r + 1) * w + c + 1]
            if v == pla:
                spatial[18, r, c] = 1.0
                score += 1
            elif v == opp:
                spatial[19, r, c] = 1.0
                score -= 1
    self_komi = np.float32(komi if pla == WHITE else -komi)
    # history (9..13, globals 0..4) and whether a pass ends the game (global 14)
    pass_action = n * n
    valid, finished, passes, spight = _history_window(b, i, ko_rule == KO_SIMPLE)
    pass_ends = passes + 1 >= 2 or spight
    turns = HISTORY
    if pass_ends and (conservative_pass or (friendly_pass_ok and passes + 1 == 2 and not spight)
                      or (passing_hacks and np.float32(score) + self_komi <= 0.0)):
        turns = 0
        pass_ends = False
    elif finished:
        turns = 1
    turns = min(turns, valid)
    for k in range(turns):
        a = b.moves[i, m - 1 - k]
        if a == pass_action:
            glob[k] = 1.0
        else:
            spatial[9 + k, a // n, a % n] = 1.0
    # boards 0..3 moves ago (as far as the game goes) and their simple-ko points
    back = min(3, m)
    boards[0, :] = b.stones[i]
    kos = np.full(4, NO_POINT, np.int64)
    kos[0] = b.ko_point[i]
    for j in range(1, back + 1):
        boards[j, :] = boards[j - 1]
        a = b.moves[i, m - j]
        color = opp if j % 2 == 1 else pla
        if a != pass_action:
            p = (a // n + 1) * w + a % n + 1
            target = b.history[i, m - j] ^ b.history[i, m - j + 1]
            undo_move(boards[j], w, p, color, target, b.zobrist, ws)
    for j in range(1, back):  # the ko point of board j came from the move that led to it (board j + 1 -> j)
        a = b.moves[i, m - j - 1]
        if a != pass_action:
            p = (a // n + 1) * w + a % n + 1
            kos[j] = _ko_of(boards[j + 1], boards[j], w, p, pla if j % 2 == 1 else opp, ws)
    mark_ladders(boards[0], w, n, kos[0], spatial, 14, 17, opp, buf, saved, saved_ko, ws)
    prev = 1 if turns >= 1 else 0
    mark_ladders(boards[prev], w, n, kos[prev], spatial, 15, -1, opp, buf, saved, saved_ko, ws)
    prev2 = 2 if turns >= 2 else prev
    mark_ladders(boards[prev2], w, n, kos[prev2], spatial, 16, -1, opp, buf, saved, saved_ko, ws)
    # globals
    bound = np.float32(n * n + KOMI_CLIP)
    self_komi = min(max(self_komi, -bound), bound)
    glob[5] = self_komi / np.float32(20.0)
    if ko_rule == KO_POSITIONAL:
        glob[6] = 1.0
        glob[7] = 0.5
    elif ko_rule != KO_SIMPLE:
        glob[6] = 1.0
        glob[7] = -0.5
    if suicide:
        glob[8] = 1.0
    if pass_ends:
        glob[14] = 1.0
    glob[18] = komi_wave(self_komi, n)


@jit
def _encode_batch(b, count, komi, rules, pass_alive_suicide, friendly_pass_ok, passing_hacks, conservative_pass,
                  spatial, glob, legal):
    points = b.stones.shape[1]
    n = b.size
    ws = new_work(points)
    depth = n * n * 3 // 2 + 1
    buf = np.zeros(16 * points + 64, np.int64)
    saved = np.zeros((depth, points), np.int8)
    saved_ko = np.zeros(depth, np.int64)
    boards = np.zeros((4, points), np.int8)
    area = np.zeros(points, np.int8)
    for i in range(count):
        _encode_one(b, i, komi, pass_alive_suicide, friendly_pass_ok, passing_hacks, conservative_pass, spatial[i],
                    glob[i], legal[i], rules, ws, buf, saved, saved_ko, boards, area)


def encode_katago(boards: Boards, count: int, komi: float, rules: RuleCodes, spatial: np.ndarray,
                  globals_: np.ndarray, legal: np.ndarray | None = None, *, pass_alive_suicide: bool = False,
                  friendly_pass_ok: bool = False, passing_hacks: bool = False, conservative_pass: bool = False) -> None:
    """KataGo's features of games ``0 .. count - 1`` into ``spatial`` (float32 [>= count, 22, N, N], any strides:
    e.g. the first 22 planes of a bigger buffer) and ``globals_`` (float32 [>= count, 19]); see the module
    docstring. ``legal`` (bool [>= count, N*N + 1]), when given, gets the moves KataGo counts as legal (ko, superko
    and suicide per the rules; pass always, even once the game is over): the policy is a softmax over those."""
    n = boards.size
    if not 0 <= count <= boards.stones.shape[0]:
        raise ValueError(f"count must be in 0..{boards.stones.shape[0]}, got {count}")
    for name, buf, shape in (("spatial", spatial, (SPATIAL, n, n)), ("globals", globals_, (GLOBALS,))):
        if not isinstance(buf, np.ndarray) or buf.dtype != np.float32 or buf.shape[1:] != shape \
                or buf.shape[0] < count or not buf.flags.writeable:
            raise ValueError(f"{name} must be writable float32 [>= {count}, {', '.join(map(str, shape))}], got "
                             f"{getattr(buf, 'dtype', type(buf).__name__)} {getattr(buf, 'shape', '')}")
    if legal is None:
        legal = np.zeros((count, n * n + 1), np.bool_)
    elif legal.dtype != np.bool_ or legal.ndim != 2 or legal.shape[1] != n * n + 1 or legal.shape[0] < count:
        raise ValueError(f"legal must be bool [>= {count}, {n * n + 1}], got {legal.dtype} {legal.shape}")
    if count:
        _encode_batch(boards, int(count), float(komi), rules, bool(pass_alive_suicide), bool(friendly_pass_ok),
                      bool(passing_hacks), bool(conservative_pass), spatial, globals_, legal)


def encode_katago_state(state, *, pass_alive_suicide: bool = False, friendly_pass_ok: bool = False,
                        passing_hacks: bool = False, conservative_pass: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(spatial [22, N, N], globals [19])`` of a ``GameState`` under its own rules and komi."""
    n = state.size
    spatial = np.zeros((1, SPATIAL, n, n), np.float32)
    globals_ = np.zeros((1, GLOBALS), np.float32)
    encode_katago(state.engine_boards, 1, state.rules.komi, state.engine_codes, spatial, globals_, None,
                  pass_alive_suicide=pass_alive_suicide, friendly_pass_ok=friendly_pass_ok, passing_hacks=passing_hacks,
                  conservative_pass=conservative_pass)
    return spatial[0], globals_[0]


@jit
def _root_facts(b, i, rules, suicide_legal, safe):
    """(a ko or superko ban exists for the player to move, the safe area into ``safe`` int8 [P])."""
    n = b.size
    w = b.width
    banned = b.ko_point[i] != NO_POINT
    for r in range(n):
        for c in range(n):
            p = (r + 1) * w + c + 1
            if b.stones[i, p] == 0:
                status = check_point(b, i, p, rules)
                if status == ILLEGAL_KO or status == ILLEGAL_SUPERKO:
                    banned = True
    area_map(b.stones[i], w, suicide_legal, safe, False, False, False)
    return banned


def root_facts(boards: Boards, i: int, rules: RuleCodes, pass_alive_suicide: bool = False) -> tuple[bool, np.ndarray]:
    """What KataGo's search looks at before choosing a root move in game ``i``: whether any move is banned by ko or
    superko, and the *safe area* (int8 [N, N]: 1 / -1 where a pass-alive chain or its territory is black's /
    white's, 0 elsewhere; ``calculateArea`` with every option off)."""
    safe = np.zeros(boards.stones.shape[1], np.int8)
    banned = _root_facts(boards, int(i), rules, bool(rules.allow_suicide or pass_alive_suicide), safe)
    w = boards.width
    return bool(banned), safe.reshape(w, w)[1:-1, 1:-1].copy()
