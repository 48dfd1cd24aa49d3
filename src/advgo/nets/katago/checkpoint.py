"""Checkpoints of a KataGo net in training: its weights, the model file it started from, and the run's state.

The same file conventions as :mod:`advgo.nets.checkpoint` (one ``torch.save`` dict, written atomically, read with
``weights_only``; ``ckpt-<step>.pt`` in a run folder), with format ``"advgo-katago-checkpoint"``:

| key | what |
|---|---|
| ``model_file`` | the KataGo model file the net was built from (architecture, names, output multipliers) |
| ``model_name`` / ``model_version`` | that file's net name and model version (checked on load) |
| ``board_size`` | the run's N (KataGo's nets play any N from 7 to 19; the run trained on this one) |
| ``model`` / ``optimizer`` | state dicts (:class:`.trainable.KataGoTrainable`'s module) |
| ``config`` / ``step`` / ``rng_state`` / ``extra`` | as in advgo's own checkpoints |

What plays the trained net elsewhere is the model file a run exports beside it (``katanet:model=PATH``), not this.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from advgo import __version__ as ADVGO_VERSION

from ..checkpoint import CheckpointError, read_payload, write_payload
from .format import ModelFormatError, read_model
from .trainable import KataGoTrainable

__all__ = ["KataGoCheckpoint", "load_katago_checkpoint", "save_katago_checkpoint"]

FORMAT = "advgo-katago-checkpoint"
FORMAT_VERSION = 1


@dataclass
class KataGoCheckpoint:
    net: KataGoTrainable
    model_file: Path
    optimizer_state: dict | None
    config: dict | None
    step: int
    rng_state: Any
    extra: Any
    board_size: int
    path: Path


def save_katago_checkpoint(path, *, net: KataGoTrainable, model_file: str | os.PathLike, board_size: int,
                           optimizer=None, config: dict | None = None, step: int = 0, rng_state=None,
                           extra=None) -> Path:
    """Write the checkpoint atomically; returns the path."""
    return write_payload(path, {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "model_file": str(model_file), "model_name": net.desc.name, "model_version": int(net.desc.version),
        "board_size": int(board_size), "model": net.model.state_dict(),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "config": config, "step": int(step), "rng_state": rng_state, "extra": extra,
        "policy_optimism": net.policy_optimism, "simple_ko": net.simple_ko,
        "torch_version": str(torch.__version__), "advgo_version": ADVGO_VERSION,
    })


def load_katago_checkpoint(path, *, device="cpu", expect_board_size: int | None = None) -> KataGoCheckpoint:
    """Read a checkpoint and rebuild its net from the model file it names; ``CheckpointError`` names the problem."""
    path = Path(path)
    data = read_payload(path, FORMAT, FORMAT_VERSION)
    size = int(data.get("board_size", 0))
    if expect_board_size is not None and size != expect_board_size:
        raise CheckpointError(f"checkpoint {path} is for {size}x{size} boards, but "
                              f"{expect_board_size}x{expect_board_size} is expected")
    model_file = Path(str(data.get("model_file")))
    try:
        desc = read_model(model_file)
    except (OSError, ModelFormatError) as err:
        raise CheckpointError(f"checkpoint {path}: its base model file {model_file} cannot be read ({err})") from None
    if (desc.name, desc.version) != (data.get("model_name"), data.get("model_version")):
        raise CheckpointError(f"checkpoint {path} was trained from {data.get('model_name')} (version "
                              f"{data.get('model_version')}); {model_file} now holds {desc.name} (version {desc.version})")
    net = KataGoTrainable(desc, float(data.get("policy_optimism", 0.2)), bool(data.get("simple_ko", False)))
    try:
        net.model.load_state_dict(data["model"])
    except (KeyError, RuntimeError) as err:
        raise CheckpointError(f"checkpoint {path}: the weights do not fit {model_file} ({err})") from None
    return KataGoCheckpoint(net.to(device), model_file, data.get("optimizer"), data.get("config"),
                            int(data.get("step", 0)), data.get("rng_state"), data.get("extra"), size, path)
