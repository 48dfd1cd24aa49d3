"""Torch CPU threads: the one rule for every process that runs a net.

| who | threads |
|---|---|
| a process that runs nets (``advgo match`` and each of its workers, ``eval``, ``table``, ``play``, ``gtp``, ``zoo measure``, the envs, a training run, each Ray actor) | ``DEFAULT_THREADS`` = 1 unless told otherwise |
| told otherwise (``--threads N``, a config's ``threads`` / ``scale.actor_threads``, an env's ``threads=``) | ``N``; 0 leaves torch's own default (every core) |

Why one thread: the nets here are small, and on a shared machine torch's default (an OpenMP thread per core)
collapses. Measured on this project's 2-core CPU with another process busy: a forward of 64 positions of a 4x32
net took 730 ms with 2 threads against 14 ms with 1; a one-worker ``advgo match`` against cp1 had finished 3 of 24
games after 18.5 minutes on torch's default, and 16 games took 44 s on one thread; two match workers on torch's
default took 875 s for 48 games against 77 s with one thread each. On idle cores two threads give about 1.5x at
batch 64 and above, which ``--threads 2`` still reaches. Benchmarks that measure thread counts
(``advgo bench net|katanet --threads``) set their own.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEFAULT_THREADS = 1
"""Torch CPU threads of a process that runs nets, unless told otherwise."""


def set_torch_threads(threads: int | None = None) -> int:
    """Apply the rule: ``threads`` (None: ``DEFAULT_THREADS``; 0: torch's default, left as it is) torch CPU threads
    for this process; returns the number torch now uses."""
    import torch  # here, so that importing advgo.nets.threads stays cheap

    n = DEFAULT_THREADS if threads is None else int(threads)
    if n < 0:
        raise ValueError(f"threads must be >= 0 (0: torch's default), got {threads}")
    if n and torch.get_num_threads() != n:
        torch.set_num_threads(n)
    log.info("torch on %d CPU thread(s)", torch.get_num_threads())
    return torch.get_num_threads()
