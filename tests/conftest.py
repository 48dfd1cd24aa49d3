"""Shared test setup: hypothesis profiles, the ``engine`` marker and an ASCII-board parser.

Hypothesis profiles, picked with the environment variable ``HYPOTHESIS_PROFILE``:

===========  ==========================================================================
default      80 examples per property, no deadline (Numba compiles on first use)
nojit        5 examples, small boards only: for the ``NUMBA_DISABLE_JIT=1`` coverage run
thorough     1000 examples, all board sizes: run by hand or nightly
===========  ==========================================================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# The tests import their helpers (reference_go, conftest) as top-level modules whatever the import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# default and nojit are derandomized: CI sees the same examples every run, so assertions that rare
# situations (ko, superko, suicide) arose cannot flake; "thorough" explores fresh examples each time.
settings.register_profile("default", max_examples=80, derandomize=True, **_COMMON)
settings.register_profile("nojit", max_examples=5, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

# The test nets are tiny: one torch thread is as fast, and with two threads on a 2-core machine whose other
# core is busy, OpenMP's threads wait on each other and forward passes get ~50x slower.
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is a dependency
    pass
settings.load_profile(PROFILE)

#: True when the run is too slow for big boards (pure-Python kernels under NUMBA_DISABLE_JIT=1).
SMALL_BOARDS_ONLY = PROFILE == "nojit"


_STONES = {"X": 1, "O": -1, ".": 0}


def parse_board(text: str) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Parse an ASCII board into ``(size, black action ids, white action ids)``.

    One line per row, top row first, points separated by whitespace: ``X`` black, ``O`` white,
    ``.`` empty. Blank lines and surrounding indentation are ignored. Action id = row * size + col.

    >>> parse_board('''
    ...     . X
    ...     O .
    ... ''')
    (2, (1,), (2,))
    """
    rows = [line.split() for line in text.strip().splitlines() if line.strip()]
    size = len(rows)
    black, white = [], []
    for row, points in enumerate(rows):
        if len(points) != size:
            raise ValueError(f"row {row} has {len(points)} points, expected {size}: {points}")
        for col, point in enumerate(points):
            if point not in _STONES:
                raise ValueError(f"unknown point {point!r} at row {row}, col {col}")
            if _STONES[point] == 1:
                black.append(row * size + col)
            elif _STONES[point] == -1:
                white.append(row * size + col)
    return size, tuple(black), tuple(white)
