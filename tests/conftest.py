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


# ------------------------------------------------------------------------------- shared tiny runs and engines
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GNUGO = Path("/usr/games/gnugo")


@pytest.fixture
def gnugo_installed():
    """Skips the test when GNU Go is missing (``scripts/setup.sh`` installs it)."""
    if not GNUGO.exists():
        pytest.skip("GNU Go is not installed (apt-get install gnugo; scripts/setup.sh does it)")


@pytest.fixture(scope="session")
def tiny_victims(tmp_path_factory):
    """Two 5x5 victim checkpoints (steps 20 and 40 of a tiny self-play run, ``configs/victim-tiny.yaml``)."""
    from advgo.config import load_config
    from advgo.training.trainer import MILESTONES
    from advgo.training.victim import VictimTrainer
    from advgo.training.victim_config import VictimRunConfig

    run = tmp_path_factory.mktemp("victim") / "run"
    VictimTrainer(load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml"), run).run()
    return [str(run / MILESTONES / f"ckpt-{s:09d}.pt") for s in (20, 40)]


@pytest.fixture(scope="session")
def tiny_adversary_run(tmp_path_factory, tiny_victims):
    """A finished tiny adversary run (``configs/adversary-tiny.yaml``) against ``tiny_victims``."""
    from advgo.config import load_config
    from advgo.training.adversary import AdversaryTrainer
    from advgo.training.adversary_config import AdversaryRunConfig

    sets = [f"curriculum.entries[{i}].victim={v}" for i, v in enumerate(tiny_victims)]
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml", [*sets, "evaluation.games=2"])
    run = tmp_path_factory.mktemp("adversary") / "run"
    AdversaryTrainer(cfg, run).run()
    return run


@pytest.fixture
def adversary_checkpoint(tiny_adversary_run):
    from advgo.nets import latest_checkpoint

    return latest_checkpoint(tiny_adversary_run / "checkpoints")


@pytest.fixture(scope="session")
def adversary_checkpoint_9x9(tmp_path_factory):
    """A 9x9 adversary checkpoint (untrained 1x8 net) with ``configs/attack-9x9.yaml``'s curriculum, saved at stage
    0 (training victim ``cp1@1``), at 2 visits: an adversary of the zoo's board size, for whom-it-models tests."""
    import torch

    from advgo.config import load_config, to_dict
    from advgo.nets import PolicyValueNet
    from advgo.nets.checkpoint import save_checkpoint
    from advgo.training.adversary_config import AdversaryRunConfig

    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "attack-9x9.yaml",
                      ["device=cpu", "net.blocks=1", "net.channels=8", "evaluation.visits=2"])
    torch.manual_seed(0)
    net = PolicyValueNet(cfg.net_config())
    path = tmp_path_factory.mktemp("adversary-9x9") / "ckpt-000000001.pt"
    curriculum = {"stage": 0, "recent": [], "games_at_stage": 0, "history": [],
                  "entries": [e.label for e in cfg.curriculum.entries]}
    return save_checkpoint(path, net=net, net_config=cfg.net_config(), config=to_dict(cfg), step=1,
                           extra={"role": "adversary", "amcts": "S", "curriculum": curriculum})
