"""KataGo as a GTP agent's engine: the install folder it runs from and the engine spec that runs it.

KataGo 1.18.1 (OpenCL backend, an AppImage) and the ``b10c384h6nbttflrs`` net come from the PyPI wheel
``katrain==1.20.0``, installed by ``advgo engines install katago`` (:mod:`advgo.agents.katago_install`: the
download, the config files, the OpenCL check, a smoke test). Everything lives in one folder (``KataGoInstall.root``,
``~/.cache/advgo/katago`` by default; the folder is always an argument):

| file | what it is |
|---|---|
| ``downloads/katrain-1.20.0-*.whl`` | the wheel, kept so that a second install reuses it |
| ``katago.AppImage`` | the binary as shipped, unpacked from the wheel |
| ``squashfs-root/usr/bin/katago`` | the binary extracted with ``--appimage-extract``; its libs in ``usr/lib`` |
| ``katago`` | a wrapper script: sets ``LD_LIBRARY_PATH`` to the bundled libs (libzip) and ``exec``s the binary |
| ``b10c384h6nbttflrs.bin.gz`` | the net |
| ``gtp.cfg`` / ``analysis.cfg`` | configs for ``katago gtp`` and ``katago analysis`` |
| ``opencl_tuning.txt`` | OpenCL tuning with default parameters: the auto-tuner crashes on pocl (CPU OpenCL). With an |
| | NVIDIA GPU the configs leave it out and KataGo tunes itself at its first start (``autotune``) |
| ``logs/`` | KataGo's own log files (``logDir``) |

The bundled spec ``katago.yaml`` points at the default folder, and ``GTPAgent`` plays KataGo by it; :func:`katago_spec`
gives the spec for any other folder. The gray-box victim model (KataGo's raw policy and value as an ``Evaluator``)
is :mod:`advgo.agents.katago_policy`.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .gtp import EngineSpec, load_engine_spec

__all__ = ["DEFAULT_DIR", "WHEEL_MODEL", "KataGoInstall", "katago_spec"]

DEFAULT_DIR = Path("~/.cache/advgo/katago")
WHEEL_MODEL = "katrain/models/b10c384h6nbttflrs.bin.gz"
"""The net's path inside the katrain wheel; the install folder keeps its file name."""


# ------------------------------------------------------------------------------------------------ paths
@dataclasses.dataclass(frozen=True)
class KataGoInstall:
    """The files of one KataGo install folder (see the module table). Nothing is checked at construction."""

    root: Path
    """The install folder, ``~`` expanded."""

    @classmethod
    def at(cls, root: str | os.PathLike | None = None) -> "KataGoInstall":
        return cls(Path(os.path.expanduser(str(DEFAULT_DIR if root is None else root))).absolute())

    downloads = property(lambda self: self.root / "downloads")
    appimage = property(lambda self: self.root / "katago.AppImage")
    extracted = property(lambda self: self.root / "squashfs-root")
    binary = property(lambda self: self.extracted / "usr" / "bin" / "katago")
    libs = property(lambda self: self.extracted / "usr" / "lib")
    wrapper = property(lambda self: self.root / "katago")
    model = property(lambda self: self.root / Path(WHEEL_MODEL).name)
    gtp_config = property(lambda self: self.root / "gtp.cfg")
    analysis_config = property(lambda self: self.root / "analysis.cfg")
    tuning_file = property(lambda self: self.root / "opencl_tuning.txt")
    log_dir = property(lambda self: self.root / "logs")

    def missing(self) -> list[Path]:
        """The files a working install needs that are absent (empty when installed)."""
        need = [self.wrapper, self.binary, self.model, self.gtp_config, self.analysis_config, self.tuning_file]
        return [p for p in need if not p.is_file()]

    @property
    def installed(self) -> bool:
        return not self.missing()

    def check_installed(self) -> None:
        missing = self.missing()
        if missing:
            raise FileNotFoundError(f"KataGo is not installed in {self.root} (missing {', '.join(map(str, missing))}): "
                                    f"run `advgo engines install katago --dir {self.root}`")

    def gtp_argv(self, overrides: dict[str, object] | None = None, config: str | os.PathLike | None = None,
                 model: str | os.PathLike | None = None) -> list[str]:
        """``katago gtp`` through the wrapper (this folder's config and net unless given), ``overrides`` as
        ``-override-config KEY=VALUE,...``."""
        argv = [str(self.wrapper), "gtp", "-config", str(config or self.gtp_config), "-model", str(model or self.model)]
        if overrides:
            argv += ["-override-config", ",".join(f"{k}={v}" for k, v in overrides.items())]
        return argv


def katago_spec(install: KataGoInstall) -> EngineSpec:
    """The spec ``katago.yaml`` rewritten for the install folder ``install.root`` (for ``GTPAgent``)."""
    spec = load_engine_spec("katago", require_binary=False)
    words = spec.command.split(maxsplit=1)
    return dataclasses.replace(
        spec, command=f"{install.wrapper} {words[1] if len(words) > 1 else ''}".strip(),
        defaults={**spec.defaults, "config": str(install.gtp_config), "model": str(install.model)})
