"""A ``GameState``'s private slots stay in ``advgo.game``: every other module reads its public accessors
(``engine_boards``, ``engine_codes``, ``rules``, ``size`` …). The scan is static (``ast``), like the import check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from advgo.game import GameState

SRC = Path(__file__).resolve().parents[1] / "src" / "advgo"
PRIVATE = {name for name in GameState.__slots__ if name.startswith("_")}
SOURCES = [p for p in sorted(SRC.rglob("*.py")) if p != SRC / "game.py"]


def private_reads(text: str, names: set[str] = PRIVATE) -> list[str]:
    """``line: expression`` for every ``x._name`` with ``_name`` in ``names`` and ``x`` not ``self``."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_what_it_should():
    assert PRIVATE >= {"_b", "_codes"}
    text = "def f(state):\n    return state._b, self._b, state.engine_boards, g.state._codes\n"
    assert private_reads(text) == ["2: state._b", "2: g.state._codes"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC.parent)))
def test_no_module_reads_a_game_states_private_slots(path: Path):
    bad = private_reads(path.read_text())
    assert not bad, f"{path.relative_to(SRC.parent)} reads GameState's private slots (use its public properties):" \
                    "\n  " + "\n  ".join(bad)
