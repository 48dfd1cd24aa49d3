"""Where advgo keeps files outside its package, and where it finds programs outside Python.

The package itself is read-only data (an installed wheel may sit in a system folder): what advgo writes for a
user, and the specs a user adds, live in the user data folder instead.

| function | gives |
|---|---|
| ``data_home()`` | the user data folder: ``$ADVGO_HOME``, else ``$XDG_DATA_HOME/advgo``, else ``~/.local/share/advgo`` |
| ``find_program(name, fallback_dirs)`` | ``name`` on ``PATH``, else in the first of ``fallback_dirs`` holding it, else None |
| ``gnugo_binary()`` | GNU Go: ``gnugo`` on ``PATH``, else ``/usr/games/gnugo`` (Debian's, not on root's ``PATH``) |

What the data folder holds (nothing is created until something is written):

| path | what | written by |
|---|---|---|
| ``zoo/registry.yaml``, ``zoo/nets/`` | the user zoo, read over the bundled one (:mod:`advgo.zoo`) | ``advgo zoo build``, ``advgo zoo measure`` |
| ``engines/<name>.yaml`` | engine specs, read before the bundled ones (:mod:`advgo.agents.gtp`) | the user |
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = ["GNUGO_FALLBACK_DIRS", "data_home", "find_program", "gnugo_binary"]

GNUGO_FALLBACK_DIRS = ("/usr/games",)
"""Where Debian's ``gnugo`` package puts the binary: not on root's ``PATH``."""


def data_home() -> Path:
    """The user data folder, read from the environment at each call (not created here)."""
    if os.environ.get("ADVGO_HOME"):
        return Path(os.environ["ADVGO_HOME"]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share") / "advgo"


def find_program(name: str, fallback_dirs: Iterable[str | os.PathLike] = ()) -> str | None:
    """The path of the executable ``name``: on ``PATH``, else in ``fallback_dirs`` (in order); None if neither."""
    found = shutil.which(name)
    dirs = [os.path.expanduser(d) for d in fallback_dirs]
    if found is None and dirs:
        found = shutil.which(name, path=os.pathsep.join(dirs))
    return found


def gnugo_binary() -> str | None:
    """GNU Go's binary, or None when it is not installed (``apt-get install gnugo``)."""
    return find_program("gnugo", GNUGO_FALLBACK_DIRS)
