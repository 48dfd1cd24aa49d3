"""Checkpoints: a net with everything needed to rebuild it, resume training and refuse a wrong use.

A checkpoint is one ``torch.save`` file holding a dict; it is written atomically (a temporary file in the
same folder, fsync, ``os.replace``), so a reader sees the old file or the new one, never a partial one.
It loads with ``torch.load(weights_only=True)``: nothing in it can run code, so ``config``, ``rng_state``
and ``extra`` must be plain Python values (dict, list, tuple, str, int, float, bool, None) and tensors;
``save_checkpoint`` checks that before it replaces anything.

| key | what |
|---|---|
| ``format`` / ``format_version`` | ``"advgo-checkpoint"`` / 1 |
| ``feature_set`` | ``{"name", "version"}`` of the net's inputs (:data:`advgo.features.FEATURES`) |
| ``board_size`` | N |
| ``net_config`` | :class:`NetConfig` as a dict: the net is rebuilt from it |
| ``model`` / ``optimizer`` | state dicts (``optimizer`` may be None) |
| ``config`` | the run's resolved config as a plain dict, or None |
| ``step`` / ``rng_state`` / ``extra`` | training step, RNG state, anything else (curriculum, ...) |
| ``torch_version`` / ``advgo_version`` | what wrote it |

In a run folder checkpoints are ``ckpt-<step, 9 digits>.pt`` (:func:`checkpoint_path`), so
:func:`latest_checkpoint` and :func:`prune_checkpoints` order them by step.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from advgo import __version__ as ADVGO_VERSION
from advgo.features import FEATURES, FeatureSet
from advgo.fileio import atomic_write

from .model import NetConfig, PolicyValueNet

FORMAT = "advgo-checkpoint"
FORMAT_VERSION = 1
_NAME = re.compile(r"ckpt-(\d+)\.pt")
_ZIP_MAGIC = b"PK\x03\x04"  # every torch.save file since torch 1.6 is a zip archive


class CheckpointError(ValueError):
    """A checkpoint that cannot be used here; the message names the file and the problem."""


class CheckpointUnreadable(CheckpointError):
    """The file is not a readable checkpoint at all (missing, truncated, corrupt, not ours): damage, not a mismatch.
    Resuming a run skips such a file for the newest readable one (:meth:`advgo.training.trainer.Trainer._restore`)."""


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` returns: the net rebuilt (in eval mode, on the asked device) and the rest."""

    net: PolicyValueNet
    net_config: NetConfig
    optimizer_state: dict | None
    config: dict | None
    step: int
    rng_state: Any
    extra: Any
    feature_set: FeatureSet
    torch_version: str
    path: Path


def checkpoint_path(run_dir, step: int) -> Path:
    """``run_dir/ckpt-<step>.pt`` with the step zero-padded to 9 digits."""
    return Path(run_dir) / f"ckpt-{int(step):09d}.pt"


def _payload(net, net_config, optimizer, config, step, rng_state, extra) -> dict:
    if not isinstance(net_config, NetConfig):
        raise CheckpointError(f"net_config must be a NetConfig, got {type(net_config).__name__}")
    if dataclasses.is_dataclass(config) and not isinstance(config, type):
        config = dataclasses.asdict(config)
    if config is not None and not isinstance(config, dict):
        raise CheckpointError(f"config must be a plain dict (or a dataclass), got {type(config).__name__}")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_set": {"name": FEATURES.name, "version": FEATURES.version},
        "board_size": net_config.board_size,
        "net_config": net_config.to_dict(),
        "model": net.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "config": config,
        "step": int(step),
        "rng_state": rng_state,
        "extra": extra,
        "torch_version": str(torch.__version__),
        "advgo_version": ADVGO_VERSION,
    }


def save_checkpoint(path, *, net: PolicyValueNet, net_config: NetConfig, optimizer=None, config=None,
                    step: int = 0, rng_state=None, extra=None) -> Path:
    """Write a checkpoint to ``path`` atomically; returns the path. An existing file is replaced only on success."""
    return write_payload(path, _payload(net, net_config, optimizer, config, step, rng_state, extra))


def write_payload(path, payload: dict) -> Path:
    """``torch.save`` a checkpoint dict to ``path`` atomically, after checking that ``weights_only`` loading (what
    every reader here does) accepts it."""
    path = Path(path)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    try:  # refuse now what load_checkpoint would refuse later
        buffer.seek(0)
        torch.load(buffer, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointError(f"cannot save {path}: config, rng_state and extra must hold only plain Python "
                              f"values and tensors ({_first_line(err)})") from None
    return atomic_write(path, buffer.getbuffer())


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def read_payload(path: Path, marker: str = FORMAT, version: int = FORMAT_VERSION) -> dict:
    """The dict of a checkpoint file whose ``format`` is ``marker``: ``CheckpointUnreadable`` for a missing, damaged or
    foreign file, ``CheckpointError`` for another format version."""
    if not path.exists():
        raise CheckpointUnreadable(f"checkpoint {path} does not exist")
    if not path.is_file():
        raise CheckpointUnreadable(f"checkpoint {path} is not a file")
    with open(path, "rb") as f:
        magic = f.read(len(_ZIP_MAGIC))
    if len(magic) < len(_ZIP_MAGIC):
        raise CheckpointUnreadable(f"checkpoint {path} is corrupt or truncated ({len(magic)} bytes)")
    if magic != _ZIP_MAGIC:
        raise CheckpointUnreadable(f"{path} is not an advgo checkpoint (not a torch.save zip file)")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise CheckpointUnreadable(f"{path} is not an advgo checkpoint (it holds objects that are not weights: "
                                   f"{_first_line(err)})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as err:
        raise CheckpointUnreadable(f"checkpoint {path} is corrupt or truncated ({_first_line(err)})") from None
    if not isinstance(data, dict) or data.get("format") != marker:
        found = data.get("format") if isinstance(data, dict) else None
        raise CheckpointUnreadable(f"{path} is not an advgo checkpoint of this kind (format {found!r}, expected "
                                   f"'{marker}')")
    if data.get("format_version") != version:
        raise CheckpointError(f"checkpoint {path} has format version {data.get('format_version')!r}; "
                              f"this advgo reads version {version}")
    return data


def _check_features(path: Path, data: dict, expect: FeatureSet | str | None) -> FeatureSet:
    stored = data.get("feature_set") or {}
    name, version = stored.get("name"), stored.get("version")
    if expect is not None:
        want_name, want_version = (expect, version) if isinstance(expect, str) else (expect.name, expect.version)
        if (name, version) != (want_name, want_version):
            raise CheckpointError(f"checkpoint {path} was trained on feature set {name!r} version {version}, "
                                  f"but {want_name!r} version {want_version} is expected")
    if (name, version) != (FEATURES.name, FEATURES.version):
        raise CheckpointError(f"checkpoint {path} uses feature set {name!r} version {version}, which this advgo "
                              f"cannot encode (it has {FEATURES.tag})")
    return FEATURES


def _rebuild(path: Path, data: dict, device) -> tuple[PolicyValueNet, NetConfig]:
    try:
        net_config = NetConfig(**data["net_config"])
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint {path} has an unusable net config: {err}") from None
    net = PolicyValueNet(net_config)
    try:
        net.load_state_dict(data["model"])
    except (KeyError, RuntimeError) as err:
        raise CheckpointError(f"checkpoint {path}: the weights do not fit its net config "
                              f"{net_config.name} ({_first_line(err)})") from None
    return net.to(device).eval(), net_config


def load_checkpoint(path, *, device="cpu", expect_board_size: int | None = None,
                    expect_features: FeatureSet | str | None = None) -> Checkpoint:
    """Read and check a checkpoint; raises ``CheckpointError`` naming the problem."""
    path = Path(path)
    data = read_payload(path)
    features = _check_features(path, data, expect_features)
    size = data.get("board_size")
    if expect_board_size is not None and size != expect_board_size:
        raise CheckpointError(f"checkpoint {path} is for {size}x{size} boards, but "
                              f"{expect_board_size}x{expect_board_size} is expected")
    net, net_config = _rebuild(path, data, device)
    return Checkpoint(
        net=net, net_config=net_config, optimizer_state=data.get("optimizer"), config=data.get("config"),
        step=int(data.get("step", 0)), rng_state=data.get("rng_state"), extra=data.get("extra"),
        feature_set=features, torch_version=str(data.get("torch_version", "unknown")), path=path,
    )


def list_checkpoints(run_dir) -> list[Path]:
    """``ckpt-<step>.pt`` files in ``run_dir``, oldest step first (no folder: an empty list)."""
    folder = Path(run_dir)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.fullmatch(p.name)) and p.is_file()]
    return [p for _, p in sorted(found)]


def latest_checkpoint(run_dir) -> Path | None:
    """The checkpoint with the highest step in ``run_dir``, or None."""
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def prune_checkpoints(run_dir, keep: int) -> list[Path]:
    """Delete all but the ``keep`` highest-step checkpoints; returns the deleted paths."""
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    old = list_checkpoints(run_dir)[:-keep]
    for p in old:
        p.unlink(missing_ok=True)
    return old
