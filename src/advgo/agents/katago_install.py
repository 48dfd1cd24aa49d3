"""Installing KataGo for advgo: the katrain wheel, the config files KataGo needs, the OpenCL check, a smoke test.

``advgo engines install katago`` runs :func:`install_steps`, then :func:`check_opencl`, then :func:`smoke_test`,
into one install folder (:class:`advgo.agents.katago.KataGoInstall`; :mod:`advgo.agents.katago` lists its files).
Nothing on PyPI but the wheel ``katrain==1.20.0`` ships a KataGo net, so the binary and the net are unpacked from
it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..fileio import atomic_write
from .gtp_client import GTPEngine
from .katago import WHEEL_MODEL, KataGoInstall

__all__ = [
    "KATRAIN_REQUIREMENT", "InstallStep", "OpenCLCheck", "SmokeResult", "analysis_config_text", "check_opencl",
    "gtp_config_text", "install_steps", "smoke_test", "tuning_text", "write_files",
]

KATRAIN_REQUIREMENT = "katrain==1.20.0"
WHEEL_BINARY = "katrain/KataGo/katago"
OPENCL_VENDORS = Path("/etc/OpenCL/vendors")
SYSTEM_LIB_DIRS = ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                   "/usr/lib64", "/lib64", "/usr/lib", "/usr/local/lib")
CPU_OPENCL_PACKAGES = ("ocl-icd-libopencl1", "pocl-opencl-icd")
NVIDIA_OPENCL_LIB = "libnvidia-opencl.so.1"


# ------------------------------------------------------------------------------------------------ files
def _tuning_lines(tuning_file: Path | None) -> list[str]:
    if tuning_file is None:
        return ["# No openclTunerFile: KataGo tunes OpenCL at its first start (~90 s on a GPU) and caches the result."]
    return ["# The OpenCL auto-tuner crashes on pocl; a tuning file with default parameters skips it.",
            f"openclTunerFile = {tuning_file}"]


def gtp_config_text(log_dir: Path, tuning_file: Path | None, rules: str = "tromp-taylor") -> str:
    """A complete ``katago gtp`` config: every key the GTP engine insists on; resignation off, 1 visit.
    ``tuning_file`` None leaves OpenCL to KataGo's auto-tuner (GPUs); else that file is loaded, nothing tuned."""
    return "\n".join([
        "# Written by `advgo engines install katago`. Any key can be overridden with -override-config KEY=VALUE.",
        f"logDir = {log_dir}",
        "logAllGTPCommunication = false", "logSearchInfo = false", "logSearchInfoForChosenMove = false",
        "logToStderr = false",
        f"rules = {rules}",
        "allowResignation = false", "resignThreshold = -0.90", "resignConsecTurns = 3",
        "maxVisits = 1",
        "ponderingEnabled = false", "maxTimePondering = 60.0", "lagBuffer = 1.0",
        "numSearchThreads = 1",
        "searchFactorAfterOnePass = 0.50", "searchFactorAfterTwoPass = 0.25",
        "searchFactorWhenWinning = 0.40", "searchFactorWhenWinningThreshold = 0.95",
        *_tuning_lines(tuning_file),
        "openclUseFP16 = false", "openclDeviceToUse = 0",
        "nnMaxBatchSize = 1",
        "",
    ])


def analysis_config_text(log_dir: Path, tuning_file: Path | None, threads: int = 8, batch: int = 16) -> str:
    """A ``katago analysis`` config: ``threads`` positions in flight, NN batches of up to ``batch``."""
    return "\n".join([
        "# Written by `advgo engines install katago`.",
        f"logDir = {log_dir}", "logToStderr = false",
        "reportAnalysisWinratesAs = BLACK",
        "maxVisits = 1",
        f"numAnalysisThreads = {threads}", "numSearchThreadsPerAnalysisThread = 1",
        f"nnMaxBatchSize = {batch}", "nnCacheSizePowerOfTwo = 16", "nnMutexPoolSizePowerOfTwo = 12",
        *_tuning_lines(tuning_file), "openclUseFP16 = false",
        "",
    ])


_TUNING = [  # (header, the default parameters): KataGo's tuning file, version 13
    ("canUseFP16Storage", "0"), ("canUseFP16Compute", "0"), ("canUseFP16TensorCores", "0"),
    ("canUseFP16TensorCoresFor1x1", "0"), ("shouldUseFP16Storage", "0"), ("shouldUseFP16Compute", "0"),
    ("shouldUseFP16TensorCores", "0"), ("shouldUseFP16TensorCoresFor1x1", "0"),
    ("xGemmDirect", "WGD=8 MDIMCD=1 NDIMCD=1 MDIMAD=1 NDIMBD=1 KWID=1 VWMD=1 VWND=1 PADA=1 PADB=1"),
    ("xGemm", "MWG=8 NWG=8 KWG=8 MDIMC=1 NDIMC=1 MDIMA=1 NDIMB=1 KWI=1 VWM=1 VWN=1 STRM=0 STRN=0 SA=0 SB=0"),
    ("xGemm16", "MWG=8 NWG=8 KWG=8 MDIMC=1 NDIMC=1 MDIMA=1 NDIMB=1 KWI=1 VWM=1 VWN=1 STRM=0 STRN=0 SA=0 SB=0"),
    ("hGemmWmma", "MWG=16 NWG=16 KWG=16 MWAVE=16 NWAVE=16 MWARP=16 NWARP=16 VWM=2 VWN=2 SA=0 SB=0"),
    ("hGemmWmmaNCHW", "MWG=16 NWG=16 KWG=16 MWAVE=16 NWAVE=16 MWARP=16 NWARP=16 VWM=1 VWN=2 SB=0 "
                      "PAD_ELTS_PER_THREAD=1 PAD_ROWS_PER_THREAD=1"),
    ("conv3x3", "INTILE_XSIZE=4 INTILE_YSIZE=4 OUTTILE_XSIZE=2 OUTTILE_YSIZE=2 transLocalSize0=1 "
                "transLocalSize1=1 untransLocalSize0=1 untransLocalSize1=1 untransLocalSize2=1"),
    ("conv5x5", "INTILE_XSIZE=6 INTILE_YSIZE=6 OUTTILE_XSIZE=2 OUTTILE_YSIZE=2 transLocalSize0=1 "
                "transLocalSize1=1 untransLocalSize0=1 untransLocalSize1=1 untransLocalSize2=1"),
    ("gPool", "XYSTRIDE=1 CHANNELSTRIDE=1 BATCHSTRIDE=1"),
    ("transformer", "ATTN_BLOCK_Q=32 ATTN_BLOCK_KV=32 Q_PER_THREAD=1 USE_TILED_ATTN=1"),
    ("transformerRMSNorm", "WG_C_SIZE=64 WG_XY_SIZE=1 C_PER_THREAD=4"),
    ("pointWise", "ELTS_PER_THREAD=1 LOCAL_SIZE=32"),
    ("addChannelBiasesNCHW", "XY_ELTS_PER_THREAD=1 NC_ELTS_PER_THREAD=1"),
    ("spatialRMSNorm", "TILE_SIZE=32 APPLY_ELTS_PER_THREAD=1"),
]


def tuning_text() -> str:
    """An OpenCL tuning file with KataGo's default parameters (``openclTunerFile``: no auto-tuning)."""
    return "\n".join(["VERSION=13"] + [f"#{header}\n{values}" for header, values in _TUNING]) + "\n"


def write_files(install: KataGoInstall, autotune: bool = False) -> list[Path]:
    """The wrapper script, both configs and the tuning file (rewritten every time: cheap and idempotent).
    ``autotune``: the configs name no tuning file, so KataGo tunes OpenCL itself (right on a GPU; crashes on pocl)."""
    install.log_dir.mkdir(parents=True, exist_ok=True)
    wrapper = "\n".join([
        "#!/bin/sh",
        "# Written by `advgo engines install katago`: KataGo with its bundled libraries (libzip) on the path.",
        f'export LD_LIBRARY_PATH="{install.libs}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"',
        f'exec "{install.binary}" "$@"', ""])
    atomic_write(install.wrapper, wrapper, fsync=False)
    install.wrapper.chmod(0o755)
    tuning = None if autotune else install.tuning_file
    atomic_write(install.gtp_config, gtp_config_text(install.log_dir, tuning), fsync=False)
    atomic_write(install.analysis_config, analysis_config_text(install.log_dir, tuning), fsync=False)
    atomic_write(install.tuning_file, tuning_text(), fsync=False)
    return [install.wrapper, install.gtp_config, install.analysis_config, install.tuning_file]


# ------------------------------------------------------------------------------------------------ install
@dataclasses.dataclass(frozen=True)
class InstallStep:
    """One step of the install: ``run()`` does it (or sees it is done) and returns a one-line outcome."""

    title: str
    run: Callable[[], str]
    shows_output: bool = False
    """The step writes its own progress to the terminal (pip's download bar): no spinner over it."""


def find_wheel(install: KataGoInstall) -> Path | None:
    version = KATRAIN_REQUIREMENT.split("==")[1]
    found = sorted(install.downloads.glob(f"katrain-{version}-*.whl"))
    return found[-1] if found else None


def download_wheel(install: KataGoInstall, python: str = sys.executable, quiet: bool = True) -> str:
    """``python -m pip download katrain==1.20.0 --no-deps`` unless the wheel is there (``quiet=False``: pip's bar)."""
    if (wheel := find_wheel(install)) is not None:
        return f"reusing {wheel}"
    install.downloads.mkdir(parents=True, exist_ok=True)
    command = [python, "-m", "pip", "download", KATRAIN_REQUIREMENT, "--no-deps", "-d", str(install.downloads)]
    start = time.monotonic()
    out = subprocess.PIPE if quiet else None
    done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT if quiet else None, text=True)
    wheel = find_wheel(install)
    if done.returncode != 0 or wheel is None:
        said = f":\n{done.stdout[-2000:]}" if quiet else " (pip's output is above)"
        raise RuntimeError(f"`{' '.join(command)}` failed (exit code {done.returncode}){said}")
    return f"downloaded {wheel.name} ({wheel.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - start:.1f} s"


def unpack_wheel(install: KataGoInstall) -> str:
    wheel = find_wheel(install)
    if wheel is None:
        raise FileNotFoundError(f"no katrain wheel in {install.downloads}: download it first")
    done = []
    with zipfile.ZipFile(wheel) as archive:
        for member, target in ((WHEEL_BINARY, install.appimage), (WHEEL_MODEL, install.model)):
            info = archive.getinfo(member)
            if target.is_file() and target.stat().st_size == info.file_size:
                continue
            tmp = target.with_name(f".{target.name}.tmp")
            with archive.open(info) as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            os.replace(tmp, target)
            done.append(target.name)
    install.appimage.chmod(0o755)
    return f"unpacked {', '.join(done)}" if done else "binary and net already unpacked"


def extract_appimage(install: KataGoInstall) -> str:
    if install.binary.is_file():
        return f"reusing {install.extracted}"
    shutil.rmtree(install.extracted, ignore_errors=True)  # a partial extraction
    done = subprocess.run([str(install.appimage), "--appimage-extract"], cwd=install.root,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or not install.binary.is_file():
        raise RuntimeError(f"`{install.appimage} --appimage-extract` failed (exit code {done.returncode}): "
                           f"{done.stderr.strip()[-1000:]}")
    return f"extracted {install.binary}"


def nvidia_gpu_present() -> bool:
    return Path("/proc/driver/nvidia").exists()


def install_steps(install: KataGoInstall, python: str = sys.executable, quiet: bool = False,
                  autotune: bool | None = None) -> list[InstallStep]:
    """Download the wheel (``python -m pip download``), unpack, extract, write the files; each is idempotent.
    ``autotune`` (see :func:`write_files`) defaults to whether an NVIDIA GPU is present."""
    autotune = nvidia_gpu_present() if autotune is None else autotune

    def write() -> str:
        tuning = "OpenCL auto-tuned at the first start" if autotune else "default OpenCL tuning"
        return "wrote " + ", ".join(p.name for p in write_files(install, autotune)) + f" ({tuning})"

    return [
        InstallStep(f"download {KATRAIN_REQUIREMENT} (106 MB) into {install.downloads}",
                    lambda: download_wheel(install, python, quiet),
                    shows_output=not quiet and find_wheel(install) is None),
        InstallStep("unpack KataGo and its net from the wheel", lambda: unpack_wheel(install)),
        InstallStep("extract the AppImage", lambda: extract_appimage(install)),
        InstallStep("write the wrapper, configs and OpenCL tuning file", write),
    ]


# ------------------------------------------------------------------------------------------------ OpenCL
@dataclasses.dataclass(frozen=True)
class OpenCLCheck:
    """What KataGo's OpenCL backend will find. ``ok``: a loader and at least one usable driver (ICD)."""

    ok: bool
    drivers: dict[str, str]
    """Usable ICD files: name -> the library each names."""
    problems: tuple[str, ...]
    """What is missing, one sentence each."""
    apt_packages: tuple[str, ...]
    """Debian packages that fix it (``apt-get install -y ...``)."""
    commands: tuple[str, ...]
    """Shell commands that fix it, the apt-get one included."""


def _system_lib_dirs() -> list[str]:
    dirs = list(SYSTEM_LIB_DIRS)
    conf = Path("/etc/ld.so.conf.d")
    for file in sorted(conf.glob("*.conf")) if conf.is_dir() else []:
        dirs += [line.strip() for line in file.read_text(errors="replace").splitlines() if line.startswith("/")]
    return dirs


def check_opencl(vendors_dir: str | os.PathLike = OPENCL_VENDORS, lib_dirs: Sequence[str | os.PathLike] | None = None,
                 nvidia_gpu: bool | None = None) -> OpenCLCheck:
    """Check the OpenCL loader (``libOpenCL.so.1``) and drivers (``vendors_dir/*.icd``) KataGo needs.

    ``lib_dirs``: where libraries are looked up (default: the system's). ``nvidia_gpu``: whether an NVIDIA GPU is
    present (default: ``/proc/driver/nvidia`` exists); then NVIDIA's OpenCL driver is wanted rather than pocl.
    """
    vendors = Path(vendors_dir)
    dirs = [Path(d) for d in (_system_lib_dirs() if lib_dirs is None else lib_dirs)]
    nvidia_gpu = nvidia_gpu_present() if nvidia_gpu is None else nvidia_gpu

    def found(lib: str) -> bool:
        return Path(lib).is_file() if os.sep in lib else any((d / lib).exists() for d in dirs)

    problems, packages, commands = [], [], []
    if not found("libOpenCL.so.1"):
        problems.append("the OpenCL loader libOpenCL.so.1 is not installed")
        packages.append(CPU_OPENCL_PACKAGES[0])
    drivers, broken = {}, []
    for icd in sorted(vendors.glob("*.icd")) if vendors.is_dir() else []:
        lib = icd.read_text(errors="replace").strip()
        if lib and found(lib):
            drivers[icd.name] = lib
        else:
            broken.append(f"{icd} names {lib!r}")
    if broken:
        problems.append(f"OpenCL driver files name libraries that are not installed: {'; '.join(broken)}")
    if nvidia_gpu and "nvidia.icd" not in drivers:
        if found(NVIDIA_OPENCL_LIB):
            problems.append(f"an NVIDIA GPU is present but {vendors / 'nvidia.icd'} does not name {NVIDIA_OPENCL_LIB}")
            commands.append(f"mkdir -p {vendors} && echo {NVIDIA_OPENCL_LIB} > {vendors / 'nvidia.icd'}")
        else:
            problems.append(f"an NVIDIA GPU is present but the driver's OpenCL library {NVIDIA_OPENCL_LIB} is not "
                            "installed (a container needs NVIDIA_DRIVER_CAPABILITIES to include compute); "
                            "pocl runs KataGo on the CPU meanwhile")
            if not drivers:
                packages.append(CPU_OPENCL_PACKAGES[1])
    elif not drivers:
        problems.append(f"no usable OpenCL driver in {vendors}: install pocl, OpenCL on the CPU")
        packages.append(CPU_OPENCL_PACKAGES[1])
    if packages:
        commands.insert(0, "apt-get install -y " + " ".join(packages))
    ok = found("libOpenCL.so.1") and bool(drivers)
    return OpenCLCheck(ok, drivers, tuple(problems), tuple(packages), tuple(commands))


# ------------------------------------------------------------------------------------------------ smoke test
@dataclasses.dataclass(frozen=True)
class SmokeResult:
    version: str
    move: str
    startup_s: float
    """Launch to the first answer (loading the net; the first run on a machine also compiles OpenCL kernels)."""
    boardsize_s: float
    genmove_s: float


def smoke_test(install: KataGoInstall, size: int = 9, timeout: float = 600.0) -> SmokeResult:
    """Start ``katago gtp``, set ``boardsize``, ``genmove b`` once; the seconds each took."""
    install.check_installed()
    start = time.monotonic()
    engine = GTPEngine(install.gtp_argv(), name="katago-smoke", timeout=timeout, startup_timeout=timeout,
                       stderr=install.log_dir / "smoke.stderr.log")
    try:
        startup = time.monotonic() - start
        version = engine.send("version")
        t = time.monotonic()
        engine.send(f"boardsize {size}")
        engine.send("clear_board")
        boardsize = time.monotonic() - t
        t = time.monotonic()
        move = engine.send("genmove b")
        return SmokeResult(version, move, startup, boardsize, time.monotonic() - t)
    finally:
        engine.close()
