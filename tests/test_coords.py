"""Tests for advgo.coords: the docstring table, hand-checked corners, round trips and bad input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo import coords
from advgo.coords import (
    action_to_gtp,
    action_to_rc,
    action_to_sgf,
    gtp_to_action,
    gtp_to_rc,
    rc_to_action,
    rc_to_gtp,
    rc_to_sgf,
    sgf_to_action,
    sgf_to_rc,
)

SIZES = range(coords.MIN_SIZE, coords.MAX_SIZE + 1)


def _docstring_rows() -> list[dict[str, str]]:
    """Parse the markdown table in the module docstring into dicts keyed by its header."""
    lines = [ln.strip() for ln in coords.__doc__.splitlines() if ln.strip().startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = []
    for line in lines[2:]:  # skip header and separator
        rows.append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)))
    return rows


DOC_ROWS = _docstring_rows()


def _parse_rc(text: str) -> tuple[int, int] | None:
    if text == "None":
        return None
    m = re.fullmatch(r"\((\d+), (\d+)\)", text)
    assert m is not None, text
    return int(m.group(1)), int(m.group(2))


def _parse_sgf(text: str) -> str:
    return "" if text == '""' else text


def test_docstring_table_is_complete():
    # four corners, an asymmetric point and pass, for both sizes
    assert len(DOC_ROWS) == 12
    assert {r["size"] for r in DOC_ROWS} == {"9", "19"}


@pytest.mark.parametrize("row", DOC_ROWS, ids=lambda r: f"{r['size']}-{r['point']}")
def test_docstring_table_is_true(row):
    size, action = int(row["size"]), int(row["action"])
    rc, gtp, sgf = _parse_rc(row["(row, col)"]), row["GTP"], _parse_sgf(row["SGF"])
    assert action_to_rc(action, size) == rc
    assert rc_to_action(rc, size) == action
    assert action_to_gtp(action, size) == gtp
    assert gtp_to_action(gtp, size) == action
    assert action_to_sgf(action, size) == sgf
    assert sgf_to_action(sgf, size) == action
    assert rc_to_gtp(rc, size) == gtp
    assert gtp_to_rc(gtp, size) == rc
    assert rc_to_sgf(rc, size) == sgf
    assert sgf_to_rc(sgf, size) == rc


# GNU Go's convention, checked by hand: A9 is the top-left corner of a 9x9 board (printed first),
# J1 the bottom-right; SGF 'aa' is the top-left.
@pytest.mark.parametrize(
    ("size", "action", "gtp", "sgf"),
    [
        (9, 0, "A9", "aa"),
        (9, 8, "J9", "ia"),
        (9, 72, "A1", "ai"),
        (9, 80, "J1", "ii"),
        (9, 40, "E5", "ee"),  # tengen
        (9, 9 * 6 + 3, "D3", "dg"),
        (19, 0, "A19", "aa"),
        (19, 18, "T19", "sa"),
        (19, 342, "A1", "as"),
        (19, 360, "T1", "ss"),
        (19, 180, "K10", "jj"),  # tengen; column K because I is skipped
        (19, 15 * 19 + 3, "D4", "dp"),  # the D4 star point
        (2, 0, "A2", "aa"),
        (2, 3, "B1", "bb"),
    ],
)
def test_hand_checked_points(size, action, gtp, sgf):
    assert action_to_gtp(action, size) == gtp
    assert gtp_to_action(gtp, size) == action
    assert action_to_sgf(action, size) == sgf
    assert sgf_to_action(sgf, size) == action


@pytest.mark.parametrize("size", SIZES)
def test_pass(size):
    p = size * size
    assert coords.pass_action(size) == p
    assert action_to_rc(p, size) is None
    assert rc_to_action(None, size) == p
    assert action_to_gtp(p, size) == "pass"
    assert action_to_sgf(p, size) == ""
    for text in ("pass", "PASS", "Pass"):
        assert gtp_to_action(text, size) == p
    for text in ("", "tt", b"", b"tt"):
        assert sgf_to_action(text, size) == p


@st.composite
def size_and_action(draw):
    size = draw(st.sampled_from(SIZES))
    return size, draw(st.integers(0, size * size))


@given(size_and_action())
def test_action_round_trips(sa):
    size, a = sa
    assert rc_to_action(action_to_rc(a, size), size) == a
    gtp = action_to_gtp(a, size)
    assert gtp_to_action(gtp, size) == a
    assert gtp_to_action(gtp.lower(), size) == a
    sgf = action_to_sgf(a, size)
    assert sgf_to_action(sgf, size) == a
    assert sgf_to_action(sgf.encode(), size) == a
    rc = action_to_rc(a, size)
    assert gtp_to_rc(rc_to_gtp(rc, size), size) == rc
    assert sgf_to_rc(rc_to_sgf(rc, size), size) == rc


@pytest.mark.parametrize("size", SIZES)
def test_exhaustive_bijection(size):
    # every action maps to a distinct vertex in each system, and the GTP row/col follow the formula
    n2 = size * size
    gtps = {action_to_gtp(a, size) for a in range(n2 + 1)}
    sgfs = {action_to_sgf(a, size) for a in range(n2 + 1)}
    assert len(gtps) == len(sgfs) == n2 + 1
    for a in range(n2):
        row, col = action_to_rc(a, size)
        gtp = action_to_gtp(a, size)
        assert "I" not in gtp
        assert int(gtp[1:]) == size - row
        assert coords.GTP_COLUMNS.index(gtp[0]) == col
        assert action_to_sgf(a, size) == chr(97 + col) + chr(97 + row)


@pytest.mark.parametrize("size", [0, 1, 20, 25, -9, 9.0, "9", None, True])
def test_bad_size(size):
    with pytest.raises(ValueError, match="size"):
        action_to_gtp(0, size)
    with pytest.raises(ValueError, match="size"):
        sgf_to_action("aa", size)


@pytest.mark.parametrize("action", [-1, 82, 1000, 1.0, "3", None, True])
def test_bad_action(action):
    with pytest.raises(ValueError, match="action"):
        action_to_rc(action, 9)


@pytest.mark.parametrize("rc", [(-1, 0), (0, 9), (9, 0), (1,), (1, 2, 3), "ab", 5, (1.0, 2)])
def test_bad_rc(rc):
    with pytest.raises(ValueError, match="row, col"):
        rc_to_action(rc, 9)


@pytest.mark.parametrize(
    ("vertex", "problem"),
    [
        ("I5", "skip the letter I"),
        ("i5", "skip the letter I"),
        ("K5", "column K is off"),
        ("A10", "row 10 is off"),
        ("A0", "row 0 is off"),
        ("A05", "leading zero"),
        ("", "malformed"),
        ("5A", "malformed"),
        ("AA5", "malformed"),
        ("A", "malformed"),
        (" A5", "malformed"),
        ("A-1", "malformed"),
        ("passs", "malformed"),
        (5, "must be a str"),
    ],
)
def test_bad_gtp(vertex, problem):
    with pytest.raises(ValueError, match=problem) as info:
        gtp_to_action(vertex, 9)
    assert "expected" in str(info.value)  # names the accepted form


def test_gtp_19_edges():
    assert gtp_to_action("T19", 19) == 18
    with pytest.raises(ValueError, match="column U is off"):
        gtp_to_action("U1", 19)
    with pytest.raises(ValueError, match="row 20 is off"):
        gtp_to_action("A20", 19)


@pytest.mark.parametrize(
    ("point", "problem"),
    [
        ("ja", "off a 9x9"),
        ("aj", "off a 9x9"),
        ("zz", "off a 9x9"),
        ("a", "malformed"),
        ("abc", "malformed"),
        ("AA", "malformed"),
        ("a1", "malformed"),
        (b"\xff\xff", "malformed"),
        (None, "must be a str or bytes"),
    ],
)
def test_bad_sgf(point, problem):
    with pytest.raises(ValueError, match=problem) as info:
        sgf_to_action(point, 9)
    assert "expected" in str(info.value)


def test_sizes_coexist():
    # no module-level size: the same vertex means different actions on different boards
    assert gtp_to_action("A1", 9) == 72
    assert gtp_to_action("A1", 19) == 342
    assert gtp_to_action("A1", 9) == 72
