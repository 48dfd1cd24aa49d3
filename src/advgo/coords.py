"""Coordinate systems for an N×N Go board (2 <= N <= 19), and conversions between them.

Owns every encoding of a board point that crosses a boundary of the package:

* **action id** — what the engine, search and networks use: ``row * N + col`` for a point, ``N * N``
  for pass. It is also the flat index into a ``(N, N)`` board array.
* **(row, col)** — indices into ``GameState.board``; row 0 is the TOP row, col 0 is column A. Pass is
  ``None``.
* **GTP vertex** — ``D4``: a column letter ``A``..``T`` that skips ``I``, then the row number counted
  from the BOTTOM (``gtp_row = N - row``). Pass is ``pass``. Input is case-insensitive (``d4``,
  ``PASS``); output is upper-case letters and lower-case ``pass``.
* **SGF point** — ``dd``: the column letter then the row letter, both lower-case from ``a``, rows
  counted from the TOP (``a`` = top row). Pass is written as the empty string; ``tt`` is also read as
  pass (legal on boards up to 19×19, where ``t`` is never a column).

The four corners, one asymmetric point and pass, at 9×9 and 19×19 (``tests/test_coords.py`` parses
this table and checks every row against the functions below):

| size | point        | action | (row, col) | GTP  | SGF  |
| ---- | ------------ | ------ | ---------- | ---- | ---- |
| 9    | top-left     | 0      | (0, 0)     | A9   | aa   |
| 9    | top-right    | 8      | (0, 8)     | J9   | ia   |
| 9    | bottom-left  | 72     | (8, 0)     | A1   | ai   |
| 9    | bottom-right | 80     | (8, 8)     | J1   | ii   |
| 9    | asymmetric   | 11     | (1, 2)     | C8   | cb   |
| 9    | pass         | 81     | None       | pass | ""   |
| 19   | top-left     | 0      | (0, 0)     | A19  | aa   |
| 19   | top-right    | 18     | (0, 18)    | T19  | sa   |
| 19   | bottom-left  | 342    | (18, 0)    | A1   | as   |
| 19   | bottom-right | 360    | (18, 18)   | T1   | ss   |
| 19   | asymmetric   | 21     | (1, 2)     | C18  | cb   |
| 19   | pass         | 361    | None       | pass | ""   |

Every function takes ``size`` explicitly (no module-level board size), so several sizes coexist.
Bad input raises ``ValueError`` naming the problem and the accepted form.
"""

from __future__ import annotations

import operator
import re

MIN_SIZE = 2
MAX_SIZE = 19  # GTP allows up to 25, SGF up to 52; the engine supports 2..19.

GTP_COLUMNS = "ABCDEFGHJKLMNOPQRST"  # no I, by GTP convention
SGF_LETTERS = "abcdefghijklmnopqrs"
GTP_PASS = "pass"
SGF_PASS = ""
SGF_PASS_LEGACY = "tt"  # FF[3] pass, accepted on input only

RC = tuple[int, int]

_GTP_RE = re.compile(r"([A-Za-z])([0-9]{1,2})")
_SGF_RE = re.compile(r"[a-z]{2}")


def check_size(size: int) -> int:
    """Return ``size`` as an int if it is a supported board size (2..19), else raise ``ValueError``."""
    if isinstance(size, bool):
        raise ValueError(f"board size must be an int in {MIN_SIZE}..{MAX_SIZE}, got {size!r}")
    try:
        n = operator.index(size)
    except TypeError:
        raise ValueError(
            f"board size must be an int in {MIN_SIZE}..{MAX_SIZE}, got {size!r}"
        ) from None
    if not MIN_SIZE <= n <= MAX_SIZE:
        raise ValueError(f"unsupported board size {n}: supported sizes are {MIN_SIZE}..{MAX_SIZE}")
    return n


def pass_action(size: int) -> int:
    """The action id of pass, ``size * size``."""
    n = check_size(size)
    return n * n


# --- action id <-> (row, col) ------------------------------------------------------------------


def action_to_rc(action: int, size: int) -> RC | None:
    """Action id -> ``(row, col)`` with row 0 at the top; pass -> ``None``."""
    n = check_size(size)
    a = _as_int(action, "action", f"an int in 0..{n * n} (pass = {n * n})")
    if not 0 <= a <= n * n:
        raise ValueError(f"action {a} out of range for {n}x{n}: expected 0..{n * n} (pass = {n * n})")
    if a == n * n:
        return None
    return divmod(a, n)


def rc_to_action(rc: RC | None, size: int) -> int:
    """``(row, col)`` with row 0 at the top -> action id; ``None`` -> pass."""
    n = check_size(size)
    if rc is None:
        return n * n
    row, col = _check_rc(rc, n)
    return row * n + col


# --- (row, col) <-> GTP vertex -----------------------------------------------------------------


def rc_to_gtp(rc: RC | None, size: int) -> str:
    """``(row, col)`` -> GTP vertex such as ``"D4"``; ``None`` -> ``"pass"``."""
    n = check_size(size)
    if rc is None:
        return GTP_PASS
    row, col = _check_rc(rc, n)
    return f"{GTP_COLUMNS[col]}{n - row}"


def gtp_to_rc(vertex: str, size: int) -> RC | None:
    """GTP vertex (any case) -> ``(row, col)``; ``"pass"`` (any case) -> ``None``."""
    n = check_size(size)
    form = f"a column letter A..{GTP_COLUMNS[n - 1]} (no I) and a row 1..{n}, e.g. 'D4', or 'pass'"
    if not isinstance(vertex, str):
        raise ValueError(f"GTP vertex must be a str, got {type(vertex).__name__}: expected {form}")
    if vertex.lower() == GTP_PASS:
        return None
    m = _GTP_RE.fullmatch(vertex)
    if m is None:
        raise ValueError(f"malformed GTP vertex {vertex!r}: expected {form}")
    letter, digits = m.group(1).upper(), m.group(2)
    if letter == "I":
        raise ValueError(f"bad GTP vertex {vertex!r}: GTP columns skip the letter I; expected {form}")
    col = GTP_COLUMNS.find(letter)
    if not 0 <= col < n:
        raise ValueError(f"GTP vertex {vertex!r}: column {letter} is off a {n}x{n} board; expected {form}")
    if len(digits) > 1 and digits.startswith("0"):
        raise ValueError(f"malformed GTP vertex {vertex!r}: row has a leading zero; expected {form}")
    number = int(digits)
    if not 1 <= number <= n:
        raise ValueError(f"GTP vertex {vertex!r}: row {number} is off a {n}x{n} board; expected {form}")
    return n - number, col


# --- (row, col) <-> SGF point ------------------------------------------------------------------


def rc_to_sgf(rc: RC | None, size: int) -> str:
    """``(row, col)`` -> SGF point such as ``"dd"`` (row letter counted from the top); ``None`` -> ``""``."""
    n = check_size(size)
    if rc is None:
        return SGF_PASS
    row, col = _check_rc(rc, n)
    return SGF_LETTERS[col] + SGF_LETTERS[row]


def sgf_to_rc(point: str | bytes, size: int) -> RC | None:
    """SGF point (``str`` or ``bytes``) -> ``(row, col)``; ``""`` or ``"tt"`` -> ``None`` (pass)."""
    n = check_size(size)
    last = SGF_LETTERS[n - 1]
    form = f"two lower-case letters a..{last} (column, then row from the top), e.g. 'dd', or '' for pass"
    if isinstance(point, (bytes, bytearray)):
        try:
            point = bytes(point).decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(f"malformed SGF point {point!r}: expected {form}") from None
    if not isinstance(point, str):
        raise ValueError(f"SGF point must be a str or bytes, got {type(point).__name__}: expected {form}")
    if point == SGF_PASS or point == SGF_PASS_LEGACY:  # tt: n <= 19 always holds here
        return None
    if _SGF_RE.fullmatch(point) is None:
        raise ValueError(f"malformed SGF point {point!r}: expected {form}")
    col, row = ord(point[0]) - ord("a"), ord(point[1]) - ord("a")
    if not (0 <= col < n and 0 <= row < n):
        raise ValueError(f"SGF point {point!r} is off a {n}x{n} board: expected {form}")
    return row, col


# --- action id <-> GTP / SGF (compositions) ----------------------------------------------------


def action_to_gtp(action: int, size: int) -> str:
    """Action id -> GTP vertex (``"pass"`` for pass)."""
    return rc_to_gtp(action_to_rc(action, size), size)


def gtp_to_action(vertex: str, size: int) -> int:
    """GTP vertex (any case, or ``pass``) -> action id."""
    return rc_to_action(gtp_to_rc(vertex, size), size)


def action_to_sgf(action: int, size: int) -> str:
    """Action id -> SGF point (``""`` for pass)."""
    return rc_to_sgf(action_to_rc(action, size), size)


def sgf_to_action(point: str | bytes, size: int) -> int:
    """SGF point (``""`` or ``"tt"`` for pass) -> action id."""
    return rc_to_action(sgf_to_rc(point, size), size)


# --- helpers -----------------------------------------------------------------------------------


def _as_int(value: object, what: str, form: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an int, got {value!r}: expected {form}")
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"{what} must be an int, got {value!r}: expected {form}") from None


def _check_rc(rc: object, n: int) -> RC:
    form = f"a pair (row, col) with 0 <= row, col < {n} (row 0 = top), or None for pass"
    try:
        row, col = rc  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"malformed (row, col) {rc!r}: expected {form}") from None
    row = _as_int(row, "row", form)
    col = _as_int(col, "col", form)
    if not (0 <= row < n and 0 <= col < n):
        raise ValueError(f"(row, col) {(row, col)} is off a {n}x{n} board: expected {form}")
    return row, col
