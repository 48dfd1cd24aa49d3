"""How the engine's kernels are compiled: one decorator, so every kernel gets the same settings.

Kernels are cached on disk and compiled without Numba's reference counting (NRT). They allocate
nothing: they read and write the arrays of a ``Boards`` bundle they are handed. With NRT on, every
inlined call that binds the bundle increfs and decrefs each of its ~20 arrays (atomic operations):
measured on 9×9, a legal mask took 7.6 µs with NRT and 0.6 µs without. ``inline=True`` inlines at
Numba IR level (small helpers called per point or per neighbour). Kernels release the GIL, so
Python threads run them on all cores; no kernel is compiled with ``parallel=True``, whose compile
cost (~50 s on 2 cores, measured) would fall on every cold start.
"""

from numba import njit


def kernel(fn=None, *, inline: bool = False):
    """``@kernel`` / ``@kernel(inline=True)``."""
    options = {"cache": True, "_nrt": False, "nogil": True}
    if inline:
        options["inline"] = "always"
    decorate = njit(**options)
    return decorate if fn is None else decorate(fn)
