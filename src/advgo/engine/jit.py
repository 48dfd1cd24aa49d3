"""How the engine's kernels are compiled: one decorator, so every kernel gets the same settings.

Kernels are cached on disk and compiled without Numba's reference counting (NRT). They allocate
nothing: they read and write the arrays of a ``Boards`` bundle they are handed. With NRT on, every
inlined call that binds the bundle increfs and decrefs each of its ~20 arrays (atomic operations):
measured on 9×9, a legal mask took 7.6 µs with NRT and 0.6 µs without. ``inline=True`` inlines at
Numba IR level (small helpers called per point or per neighbour). Kernels release the GIL, so
Python threads run them on all cores; no kernel is compiled with ``parallel=True``, whose compile
cost (~50 s on 2 cores, measured) would fall on every cold start.

NRT is turned off with Numba's private ``_nrt`` option (pyproject.toml bounds numba to the versions it was
tested with). A Numba without that option would only reject it when a kernel first compiles, so it is looked
up once here; when it is missing the kernels compile with Numba's defaults (correct, slower) and a warning says so.
"""

import logging

import numba
from numba import njit

log = logging.getLogger(__name__)


def _nrt_option_known() -> bool:
    """Whether this Numba's CPU target takes the private ``_nrt`` option (looked up, never compiled)."""
    try:
        from numba.core.cpu import CPUTargetOptions
    except ImportError:
        return False
    return isinstance(getattr(CPUTargetOptions, "_nrt", None), getattr(CPUTargetOptions, "Mapping", ()))


OPTIONS = {"cache": True, "_nrt": False, "nogil": True}
"""The options of every kernel (``inline`` is added per kernel)."""
if not _nrt_option_known():
    del OPTIONS["_nrt"]
    log.warning("numba %s has no _nrt option: the engine's kernels compile with reference counting on "
                "(correct, but several times slower); install a numba that pyproject.toml allows",
                numba.__version__)


def kernel(fn=None, *, inline: bool = False):
    """``@kernel`` / ``@kernel(inline=True)``."""
    options = dict(OPTIONS)
    if inline:
        options["inline"] = "always"
    decorate = njit(**options)
    return decorate if fn is None else decorate(fn)
