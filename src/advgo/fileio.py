"""Atomic file writes: every file advgo writes whole (checkpoints, configs, SGFs, replay buffers, reports).

:func:`atomic_write` writes the bytes to a temporary file in the target's folder, then ``os.replace``s it onto
the target, so a reader (or a crash) sees the old file or the new one, never a partial one. The rename is atomic
because both names are in one folder (one filesystem). With ``fsync`` the bytes reach the disk before the
rename, so a power loss cannot leave a renamed but empty file; writes that are cheap to redo skip it.

| caller | fsync | creates the folder |
|---|---|---|
| ``nets.checkpoint.save_checkpoint`` | yes | yes |
| ``training.replay.ReplayBuffer.save`` | yes | no |
| ``config.write_resolved`` | yes | yes |
| ``sgf.save_sgf`` | no | no |
| ``bench.report.write_json`` | no | yes |
| ``zoo.registry.save_entries`` | no | yes |
| ``runlog`` (purging the scalars of a resumed run) | no | no |
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def atomic_write(path: str | os.PathLike, data: bytes | bytearray | memoryview | str, *, fsync: bool = True,
                 parents: bool = True) -> Path:
    """Write ``data`` (``str`` as UTF-8) to ``path`` atomically; returns ``path`` as a ``Path``.

    ``fsync``: flush the bytes to disk before the rename. ``parents``: create the missing folders of ``path``
    (else a missing folder raises ``FileNotFoundError``). On any failure, ``KeyboardInterrupt`` included, the
    temporary file is removed and an existing ``path`` is left as it was.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open rather than tempfile.mkstemp: mkstemp creates the file 0600 and the rename keeps that mode, while
    # 0666 less the umask is what open() gives, so other accounts (TensorBoard, a server) can read the file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
