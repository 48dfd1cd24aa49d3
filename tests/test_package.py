"""advgo as an installed package, not a source checkout: a wheel built from this checkout and installed into a
folder of its own plays a match of a bundled zoo victim against GNU Go, run from a folder outside the checkout.
And what the package relies on in its dependencies: Numba's private ``_nrt`` option is guarded.

Everything it needs must come from the wheel: the engine spec ``gnugo.yaml`` and the zoo (registry and nets) are
package data. The interpreter is this one (it has the dependencies); ``PYTHONPATH`` puts the installed copy ahead
of an editable install of the checkout, and the run prints where ``advgo``, the spec and the net came from.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from advgo.engine import jit
from advgo.paths import gnugo_binary

ROOT = Path(__file__).resolve().parents[1]

# Runs the CLI like `python -m advgo`, after printing where the installed copy finds its package data.
DRIVER = """
import runpy
import advgo
from advgo.agents.gtp import engine_dirs
from advgo.zoo import get
spec = next(d / "gnugo.yaml" for d in engine_dirs() if (d / "gnugo.yaml").is_file())
print("advgo:", advgo.__file__)
print("gnugo spec:", spec)
print("cp1 net:", get("cp1").path, flush=True)
runpy.run_module("advgo", run_name="__main__")
"""


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{argv} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.skipif(gnugo_binary() is None, reason="GNU Go is not installed (apt-get install gnugo)")
def test_installed_wheel_plays_gnugo_outside_the_checkout(tmp_path):
    source = tmp_path / "source"  # a clean copy: the build leaves build/ and *.egg-info, not in the checkout
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.nbi", "*.nbc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir"]
    _run(pip + ["wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "wheels"),
                str(source)])
    (wheel,) = (tmp_path / "wheels").glob("advgo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("advgo/agents/engine_specs/gnugo.yaml", "advgo/agents/engine_specs/katago.yaml",
                 "advgo/zoo/registry.yaml", "advgo/zoo/nets/cp1.pt"):
        assert data in names, f"{data} is not in the wheel"
    target = tmp_path / "installed"
    _run(pip + ["install", "--no-deps", "--no-index", "--target", str(target), str(wheel)])

    work = tmp_path / "work"  # outside the checkout, with no engines/ folder
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ADVGO_ENGINES", "PYTHONPATH")}
    env.update(PYTHONPATH=str(target), ADVGO_HOME=str(tmp_path / "home"))
    result = _run([sys.executable, "-c", DRIVER, "match", "zoo:cp1", "gnugo:level=0", "--games", "2",
                   "--board", "9", "--out", "match"], cwd=work, env=env, timeout=600)
    where = dict(line.split(": ", 1) for line in result.stdout.splitlines()[:3])
    assert Path(where["advgo"]) == target / "advgo" / "__init__.py"
    assert Path(where["gnugo spec"]) == target / "advgo" / "agents" / "engine_specs" / "gnugo.yaml"
    assert Path(where["cp1 net"]) == target / "advgo" / "zoo" / "nets" / "cp1.pt"

    games = json.loads((work / "match" / "match.json").read_text())["games"]
    assert len(games) == 2 and not any(g["void"] for g in games)  # both games played to the end against GNU Go
    assert {g["black"] for g in games} == {"zoo:cp1", "gnugo:level=0"} and all(g["length"] > 0 for g in games)
    assert len(list((work / "match").rglob("*.sgf"))) == 2
    assert not (tmp_path / "home").exists()  # a match writes nothing into the user data folder


def test_numba_nrt_option_is_looked_up_not_assumed(monkeypatch):
    """The installed Numba (within pyproject.toml's bound) takes ``_nrt``; one without it is detected without
    compiling anything, and the kernels then get Numba's default options."""
    import numba.core.cpu

    assert jit._nrt_option_known() and jit.OPTIONS["_nrt"] is False

    class WithoutNrt(numba.core.cpu.CPUTargetOptions):
        _nrt = None

    monkeypatch.setattr(numba.core.cpu, "CPUTargetOptions", WithoutNrt)
    assert not jit._nrt_option_known()
