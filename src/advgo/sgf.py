"""Reading and writing game records as SGF (FF[4], GM[1]) with ``sgfmill``.

Owns the mapping between a :class:`~advgo.game.GameState` and an SGF file:

==========  ==========================================================================================
property    meaning here
==========  ==========================================================================================
SZ          board size, 2..19 (missing: 19, the SGF default)
KM          komi (missing: 0, the SGF convention)
RU          ``Tromp-Taylor`` | ``Chinese`` | ``custom(ko=<ko>,suicide=<true|false>)`` for other rules;
            read case-insensitively (``TT`` too); anything else is read as Tromp-Taylor, with a warning
AB AW AE    setup stones on the root node (``GameState.setup``); AE on the root is honoured
HA PL       handicap (informational: the stones are in AB); who plays first (``PL[W]``)
B W         the main line of moves; pass is written ``B[]`` and read from ``[]`` or ``[tt]``
C           comments, keyed by position: 0 = the root node, k = the node of the k-th move
RE          ``B+3.5`` / ``W+0.5`` / ``0`` from ``state.score()`` once the game is over
PB PW DT AP player names, date (today by default), ``advgo:<version>``
==========  ==========================================================================================

Out-of-turn moves (the same colour twice) are legal SGF but not representable as a ``GameState``, so
they are refused. Every problem in a file raises :class:`SgfError` (a ``ValueError``) whose message
names the move number (1-based), the colour and the vertex where that applies.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sgfmill import sgf

from advgo import coords
from advgo.errors import IllegalMoveError
from advgo.fileio import atomic_write
from advgo.game import GameState
from advgo.rules import Rules

log = logging.getLogger(__name__)

BLACK, WHITE = 1, -1
_COLOUR_LETTER = {BLACK: "B", WHITE: "W"}
_COLOUR_NAME = {BLACK: "black", WHITE: "white"}
_RU_NAMES = {"tromp-taylor": "Tromp-Taylor", "chinese": "Chinese"}
_RU_ALIASES = {"tromp-taylor": "tromp-taylor", "tromptaylor": "tromp-taylor", "tt": "tromp-taylor",
               "chinese": "chinese"}
_CUSTOM_RE = re.compile(r"custom\(ko=(simple|positional|situational),suicide=(true|false)\)")

Comments = Mapping[int, str] | Sequence[str | None]


class SgfError(ValueError):
    """A malformed SGF file, or one advgo cannot represent (illegal or out-of-turn move, bad size)."""


@dataclass(frozen=True)
class SgfRecord:
    """The main line of an SGF file, parsed and checked for turn order but not yet replayed."""

    size: int
    """Board size N (2..19)."""
    rules: Rules
    """From RU and KM, or the ``rules`` argument of :func:`read_sgf`."""
    black: tuple[int, ...] = ()
    """Setup black stones (AB minus AE on the root), action ids."""
    white: tuple[int, ...] = ()
    """Setup white stones (AW minus AE on the root), action ids."""
    to_play: int = BLACK
    """Who plays the first move: PL, else the colour of the first move, else white iff HA >= 2."""
    moves: tuple[int, ...] = ()
    """Action ids of the main line, passes included; colours alternate starting with ``to_play``."""
    comments: dict[int, str] = field(default_factory=dict)
    """C values by position: 0 = root (and move-less nodes before move 1), k = k-th move's node."""
    handicap: int = 0
    """HA, 0 when absent."""
    player_black: str | None = None
    """PB."""
    player_white: str | None = None
    """PW."""
    result: str | None = None
    """RE as written in the file (not checked against the final position)."""


# --- writing -----------------------------------------------------------------------------------


def game_to_sgf(
    state: GameState,
    *,
    black: str = "Black",
    white: str = "White",
    result: str | None = None,
    comments: Comments | None = None,
    date: datetime.date | str | None = None,
    extra_props: Mapping[str, object] | None = None,
) -> bytes:
    """Serialise the game that led to ``state`` (setup stones and every move) as SGF bytes (UTF-8).

    ``result`` overrides RE, which is otherwise derived from ``state.score()`` when the game is over
    (and omitted when it is not). ``comments`` maps a position (0 = root, k = after the k-th move) to
    text, or is a list indexed the same way. ``extra_props`` sets further root properties last, so it
    can override any of the above (e.g. ``{"RU": "Japanese"}``).
    """
    size = state.size
    game = sgf.Sgf_game(size=size, encoding="UTF-8")
    root = game.get_root()
    root.set("KM", float(state.rules.komi))
    root.set("RU", rules_to_ru(state.rules))
    root.set("PB", black)
    root.set("PW", white)
    root.set_raw("AP", f"advgo:{_version()}".encode())
    if isinstance(date, datetime.date):
        date = date.isoformat()
    root.set("DT", date if date is not None else datetime.date.today().isoformat())
    if result is None and state.is_over:
        result = result_string(state.score())
    if result is not None:
        root.set("RE", result)

    setup_b = tuple(getattr(state, "initial_black", ()) or ())
    setup_w = tuple(getattr(state, "initial_white", ()) or ())
    first = getattr(state, "initial_to_play", BLACK)
    if setup_b or setup_w:
        root.set_setup_stones(
            [_sgfmill_point(a, size) for a in setup_b], [_sgfmill_point(a, size) for a in setup_w]
        )
    if first == WHITE:
        root.set("PL", "w")

    notes = _comment_dict(comments)
    if state.end_reason == "move_cap":
        cap = (f"Game stopped at the move cap ({state.max_moves} moves); RE is the position as it stood, which "
               f"advgo counts as a win for neither side.")
        notes[0] = f"{notes[0]}\n\n{cap}" if notes.get(0) else cap
    if notes.get(0):
        root.set("C", notes[0])

    colour = first
    for k, action in enumerate(state.moves, start=1):
        node = game.extend_main_sequence()
        node.set_raw(_COLOUR_LETTER[colour], coords.action_to_sgf(action, size).encode("ascii"))
        if notes.get(k):
            node.set("C", notes[k])
        colour = -colour

    for key, value in (extra_props or {}).items():
        root.set(key, value)
    return game.serialise()


def save_sgf(path: str | os.PathLike, state: GameState, **kwargs) -> Path:
    """Write :func:`game_to_sgf` to ``path`` atomically (a temporary file, then ``os.replace``)."""
    path = Path(path)
    return atomic_write(path, game_to_sgf(state, **kwargs), fsync=False, parents=False)


def rules_to_ru(rules: Rules) -> str:
    """The RU value for ``rules``: ``Tromp-Taylor``, ``Chinese``, or ``custom(ko=..,suicide=..)``."""
    for name, pretty in _RU_NAMES.items():
        if rules == Rules.from_name(name, komi=rules.komi):
            return pretty
    return f"custom(ko={rules.ko},suicide={str(bool(rules.suicide)).lower()})"


def result_string(score: float) -> str:
    """SGF RE for a Black-minus-White score: ``B+3.5``, ``W+0.5``, or ``0`` for a draw."""
    if score == 0:
        return "0"
    return f"{'B' if score > 0 else 'W'}+{abs(score):g}"


def result_score(result: str | None) -> float | None:
    """The Black-minus-White score an SGF RE gives (the inverse of :func:`result_string`; ``Draw`` and ``0`` are 0);
    None where it gives none: no result, ``B+R``/``W+T`` (a resignation or time), ``Void``, ``?``."""
    text = (result or "").strip()
    if text in ("0", "Draw"):
        return 0.0
    if len(text) < 3 or text[0] not in "BW" or text[1] != "+":
        return None
    try:
        margin = float(text[2:])
    except ValueError:
        return None
    return margin if text[0] == "B" else -margin


# --- reading -----------------------------------------------------------------------------------


def read_sgf(data: bytes | str, rules: Rules | None = None) -> SgfRecord:
    """Parse the main line of an SGF game (the first game of a collection) into an :class:`SgfRecord`.

    ``rules``, when given, replaces RU and KM entirely. Raises :class:`SgfError`.
    """
    try:
        game = sgf.Sgf_game.from_string(data) if isinstance(data, str) else sgf.Sgf_game.from_bytes(data)
    except ValueError as e:
        if str(e).startswith("size out of range"):
            raise SgfError(f"unsupported board size ({e}): advgo supports "
                           f"{coords.MIN_SIZE}..{coords.MAX_SIZE}") from None
        raise SgfError(f"malformed SGF: {e or 'cannot parse'}") from None
    size = game.get_size()
    if not coords.MIN_SIZE <= size <= coords.MAX_SIZE:
        raise SgfError(f"unsupported board size SZ[{size}]: advgo supports {coords.MIN_SIZE}..{coords.MAX_SIZE}")
    root = game.get_root()
    gm = _get_opt(root, "GM")
    if gm is not None and gm != 1:
        raise SgfError(f"GM[{gm}] is not a game of Go (GM[1])")
    if rules is None:
        rules = _rules_from_root(root)
    handicap = _get_opt(root, "HA")
    black, white = _setup_stones(root, size)
    try:
        nodes = game.get_main_sequence()
    except ValueError as e:
        raise SgfError(f"malformed SGF: {e}") from None

    moves: list[int] = []
    colours: list[int] = []
    comments: dict[int, str] = {}
    for i, node in enumerate(nodes):
        if i > 0 and node.has_setup_stones():
            raise SgfError(f"setup stones (AB/AW/AE) after the root node, before move {len(moves) + 1}, "
                           "are not supported")
        colour, raw = node.get_raw_move()
        if colour is not None:
            moves.append(_move_action(raw, size, len(moves) + 1, colour))
            colours.append(BLACK if colour == "b" else WHITE)
        if node.has_property("C"):
            text = _get(node, "C", f"comment at position {len(moves)}")
            k = len(moves)
            comments[k] = f"{comments[k]}\n\n{text}" if k in comments else text

    to_play = _first_player(root, colours, handicap)
    expected = to_play
    for k, (colour, action) in enumerate(zip(colours, moves), start=1):
        if colour != expected:
            raise SgfError(
                f"move {k} ({_COLOUR_LETTER[colour]} {coords.action_to_gtp(action, size)}) is out of turn: "
                f"{_COLOUR_NAME[expected]} was to play; advgo does not support out-of-turn moves"
            )
        expected = -expected

    return SgfRecord(
        size=size, rules=rules, black=black, white=white, to_play=to_play, moves=tuple(moves),
        comments=comments, handicap=handicap or 0,
        player_black=_get_opt(root, "PB"), player_white=_get_opt(root, "PW"), result=_get_opt(root, "RE"),
    )


def record_to_game(record: SgfRecord, max_moves: int | None = None) -> GameState:
    """Replay an :class:`SgfRecord` from its setup position; an illegal move raises :class:`SgfError`."""
    if record.black or record.white or record.to_play != BLACK:
        try:
            state = GameState.setup(size=record.size, rules=record.rules, black=record.black,
                                    white=record.white, to_play=record.to_play, max_moves=max_moves)
        except ValueError as e:
            raise SgfError(f"bad setup position (AB/AW): {e}") from None
    else:
        state = GameState.new(size=record.size, rules=record.rules, max_moves=max_moves)
    for k, action in enumerate(record.moves, start=1):
        colour = state.to_play
        try:
            state = state.play(action)
        except IllegalMoveError as e:
            vertex = coords.action_to_gtp(action, record.size)
            point = coords.action_to_sgf(action, record.size)
            raise SgfError(
                f"move {k} ({_COLOUR_LETTER[colour]} {vertex}, SGF [{point}]) is illegal: {e.reason}"
            ) from None
    return state


def sgf_to_game(data: bytes | str, rules: Rules | None = None, max_moves: int | None = None) -> GameState:
    """Parse SGF and replay its main line; returns the final :class:`GameState`."""
    return record_to_game(read_sgf(data, rules=rules), max_moves=max_moves)


def load_sgf(path: str | os.PathLike, rules: Rules | None = None, max_moves: int | None = None) -> GameState:
    """:func:`sgf_to_game` on the contents of ``path``."""
    return sgf_to_game(Path(path).read_bytes(), rules=rules, max_moves=max_moves)


def sgf_to_moves(data: bytes | str) -> list[int]:
    """The main line's action ids (passes included), without replaying them."""
    return list(read_sgf(data).moves)


def sgf_comments(data: bytes | str) -> dict[int, str]:
    """Comments by position: 0 = root, k = the k-th move's node (see :attr:`SgfRecord.comments`)."""
    return dict(read_sgf(data).comments)


# --- helpers -----------------------------------------------------------------------------------


def _version() -> str:
    pkg = sys.modules.get("advgo")
    version = getattr(pkg, "__version__", None)
    if version:
        return str(version)
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        return dist_version("advgo")
    except (ImportError, PackageNotFoundError):
        return "dev"


def _sgfmill_point(action: int, size: int) -> tuple[int, int]:
    """Action id -> sgfmill's (row, col), whose row 0 is the BOTTOM row."""
    rc = coords.action_to_rc(action, size)
    if rc is None:
        raise ValueError(f"pass ({action}) cannot be a setup stone")
    return size - 1 - rc[0], rc[1]


def _comment_dict(comments: Comments | None) -> dict[int, str]:
    if comments is None:
        return {}
    if isinstance(comments, Mapping):
        return {int(k): v for k, v in comments.items() if v}
    return {k: v for k, v in enumerate(comments) if v}


def _get(node, ident: str, what: str):
    try:
        return node.get(ident)
    except ValueError as e:
        raise SgfError(f"malformed {ident} ({what}): {e or 'bad value'}") from None


def _get_opt(node, ident: str):
    return _get(node, ident, "root") if node.has_property(ident) else None


def _rules_from_root(root) -> Rules:
    komi = _get_opt(root, "KM")
    komi = 0.0 if komi is None else float(komi)
    ru = _get_opt(root, "RU")
    if ru is None:
        return Rules.tromp_taylor(komi)
    key = ru.strip().lower().replace(" ", "").replace("_", "-")
    if key in _RU_ALIASES:
        return Rules.from_name(_RU_ALIASES[key], komi=komi)
    m = _CUSTOM_RE.fullmatch(key)
    if m:
        return Rules(komi=komi, ko=m.group(1), suicide=m.group(2) == "true", name="custom")
    log.warning("unsupported SGF rules RU[%s]: playing it under Tromp-Taylor rules", ru)
    return Rules.tromp_taylor(komi)


def _setup_stones(root, size: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    lists = []
    for ident in ("AB", "AW", "AE"):
        points = _get_opt(root, ident) or set()
        # sgfmill's row 0 is the bottom row
        lists.append({coords.rc_to_action((size - 1 - row, col), size) for row, col in points})
    black, white, empty = lists
    if black & white:
        both = ", ".join(coords.action_to_gtp(a, size) for a in sorted(black & white))
        raise SgfError(f"setup stones on both AB and AW: {both}")
    return tuple(sorted(black - empty)), tuple(sorted(white - empty))


def _move_action(raw: bytes, size: int, number: int, colour: str) -> int:
    try:
        return coords.sgf_to_action(raw, size)
    except ValueError as e:
        raise SgfError(f"move {number} ({colour.upper()}[{raw.decode('latin-1')}]): {e}") from None


def _first_player(root, colours: list[int], handicap: int | None) -> int:
    pl = _get_opt(root, "PL")
    if pl is not None:
        return BLACK if pl == "b" else WHITE
    if colours:
        return colours[0]
    return WHITE if handicap and handicap >= 2 else BLACK
