"""Cold vs warm start: what a fresh process pays before its first random game.

Runs ``python -m advgo bench engine --board N --games 1`` twice in subprocesses with ``NUMBA_CACHE_DIR``
pointed at one fresh temporary directory: the first run compiles every kernel and fills the cache (cold),
the second loads them from it (warm). Reports each run's wall time and the ``compile_s`` its Numba modes saw.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)


def startup_runs(size: int = 9, timeout_s: float = 600.0) -> list[dict]:
    """Time a cold then a warm ``bench engine --games 1`` run; one dict per run."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="advgo-numba-cache-") as tmp:
        env = dict(os.environ, NUMBA_CACHE_DIR=str(Path(tmp) / "numba"))
        for name in ("cold", "warm"):
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, "-m", "advgo", "bench", "engine", "--board", str(size), "--games", "1"]
            cmd += ["--json", str(out)]
            log.info("startup %s: %s", name, " ".join(cmd))
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s)
            wall = time.perf_counter() - t0
            if proc.returncode != 0:
                raise RuntimeError(f"{name} run failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
            records = json.loads(out.read_text())
            compile_s = {r["mode"]: r["compile_s"] for r in records if "compile_s" in r}
            runs.append({"run": name, "board": size, "wall_s": round(wall, 3), "compile_s": compile_s})
    return runs
