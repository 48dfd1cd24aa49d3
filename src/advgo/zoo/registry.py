"""Reading and writing the zoo's registry, loading its nets, and adding a victim from a training run.

Two zoos are read as one: the user zoo (``zoo/`` in the user data folder, :func:`advgo.paths.data_home`) over the
bundled one (this package's ``registry.yaml`` and ``nets/``, read-only once installed). :func:`entries` lists the
bundled victims in their order, a user victim of the same name in place of the bundled one, then the user's other
victims in the user registry's order; a victim's net is looked up in the user ``nets/`` first. Writes
(:func:`save_entries`, :func:`export_victim`) go to the user zoo, which keeps only what differs from the bundled
zoo. To rebuild the bundled zoo in a checkout, point the user data folder at the package:
``ADVGO_HOME=src/advgo advgo zoo build …``.

A victim is one of advgo's nets (``kind: advgo``, a ``.pt`` file, any ``advgo train victim`` milestone) or a KataGo
network (``kind: katago``, a KataGo model file ``.bin.gz``, e.g. a milestone of a KataGo defence run), which plays as
``katanet`` does (:mod:`advgo.victims`). KataGo's nets are never bundled: they enter the user zoo only.

Reading the registry (``entries``, ``get``) needs only the YAML files: torch and the nets are imported by the
functions that load a net, so that ``advgo zoo list`` answers at once.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..config import config_from_dict
from ..fileio import atomic_write
from ..paths import data_home

ZOO_DIR = Path(__file__).resolve().parent
REGISTRY_PATH = ZOO_DIR / "registry.yaml"
"""The bundled registry."""
NETS_DIR = ZOO_DIR / "nets"
"""The bundled nets."""
BUNDLED_HEADER = "# The bundled victim ladder, weakest first. Written by `advgo zoo build` / `advgo zoo measure`.\n"
USER_HEADER = ("# The user zoo, read over advgo's bundled one (a victim of the same name replaces the bundled one).\n"
               "# Written by `advgo zoo build` / `advgo zoo measure`.\n")


KINDS = ("advgo", "katago")
"""What a victim's net file is: one of advgo's checkpoints, or a KataGo model file."""
KATAGO_SUFFIX = ".bin.gz"


@dataclass(frozen=True)
class ZooEntry:
    name: str
    """Victim name, e.g. ``cp1`` (weakest first in the registry)."""
    file: str
    """Net file, relative to the zoo's ``nets/`` folder."""
    board_size: int
    blocks: int
    channels: int
    training: dict = field(default_factory=dict)
    """run, step, games, samples, evaluations, wall_hours, hardware."""
    strength: dict = field(default_factory=dict)
    """elo, vs_random (per visits), vs_gnugo (per level and visits): win rates with intervals."""
    kind: str = "advgo"
    """``advgo`` (a checkpoint of ours) or ``katago`` (a KataGo model file, played as ``katanet``; ``board_size`` is
    the size it was trained and measured on, and it plays any size from 7x7 to 19x19)."""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"zoo victim {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    @property
    def path(self) -> Path:
        """The net file: in the user zoo's ``nets/`` if there, else in the bundled one."""
        user = user_zoo_dir() / "nets" / self.file
        return user if user.is_file() else _nets_dir() / self.file

    @property
    def net_size(self) -> str:
        """``4x32`` (blocks x channels) for our nets, KataGo's ``b10c384`` for its nets."""
        return f"b{self.blocks}c{self.channels}" if self.kind == "katago" else f"{self.blocks}x{self.channels}"


def _nets_dir() -> Path:
    return NETS_DIR  # looked up at call time, so tests can point the zoo elsewhere


def user_zoo_dir() -> Path:
    """The user zoo: ``zoo/`` in the user data folder (``$ADVGO_HOME``, by default ``~/.local/share/advgo``)."""
    return data_home() / "zoo"


def user_registry_path() -> Path:
    return user_zoo_dir() / "registry.yaml"


def _read(path: Path) -> list[ZooEntry]:
    """The victims of one registry file; ``ValueError`` naming the file and the row when it is broken."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text()) or {}
        rows = (data.get("victims") or []) if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise ValueError("expected a mapping with a list of victims")
    except (OSError, yaml.YAMLError, ValueError) as err:
        raise ValueError(f"zoo registry {path}: {err}") from None
    return [config_from_dict(ZooEntry, row, source=f"zoo registry {path}, victims[{i}]") for i, row in enumerate(rows)]


def _user_is_bundled() -> bool:
    """True when the user zoo is the package's own (``ADVGO_HOME=src/advgo`` in a checkout)."""
    return user_registry_path().resolve() == REGISTRY_PATH.resolve()


def entries(path: Path | None = None) -> list[ZooEntry]:
    """The registry at ``path``; by default the zoo as one list: the bundled victims (a user victim of the same
    name in place of a bundled one), then the user zoo's other victims."""
    if path is not None:
        return _read(path)
    bundled = _read(REGISTRY_PATH)
    if _user_is_bundled():
        return bundled
    user = {r.name: r for r in _read(user_registry_path())}
    merged = [user.pop(r.name, r) for r in bundled]
    return merged + list(user.values())


def save_entries(rows: list[ZooEntry], path: Path | None = None) -> None:
    """Write a registry atomically: ``rows`` to ``path``; by default the user zoo's registry, with the rows equal to
    a bundled victim left out (the bundled registry has them)."""
    if path is not None:
        header = BUNDLED_HEADER if Path(path).resolve() == REGISTRY_PATH.resolve() else USER_HEADER
    elif _user_is_bundled():
        path, header = REGISTRY_PATH, BUNDLED_HEADER
    else:
        bundled = {r.name: r for r in _read(REGISTRY_PATH)}
        rows = [r for r in rows if bundled.get(r.name) != r]
        path, header = user_registry_path(), USER_HEADER
    text = header + yaml.safe_dump({"victims": [asdict(r) for r in rows]}, sort_keys=False)
    atomic_write(path, text, fsync=False, parents=True)


def get(name: str) -> ZooEntry:
    for entry in entries():
        if entry.name == name:
            return entry
    names = ", ".join(e.name for e in entries()) or "(the zoo is empty)"
    raise KeyError(f"no zoo victim named {name!r}; the zoo has: {names}")


def find(spec: str) -> ZooEntry | None:
    """The zoo victim ``zoo:NAME`` or a bare ``NAME`` names; None when the zoo has none of that name."""
    head, _, rest = spec.partition(":")
    name = rest if head == "zoo" and rest else spec
    return next((entry for entry in entries() if entry.name == name), None)


def load_net(name: str, device="cpu"):
    """The ``PolicyValueNet`` of one of our victims (a KataGo victim is played through :mod:`advgo.victims`)."""
    from ..nets import load_checkpoint  # torch: only when a net is loaded

    entry = get(name)
    if entry.kind != "advgo":
        raise ValueError(f"zoo victim {name!r} is a KataGo net ({entry.file}), not one of advgo's: play it as "
                         f"zoo:{name} (advgo.victims.resolve_victim)")
    return load_checkpoint(entry.path, device=device, expect_board_size=entry.board_size).net


def export_victim(checkpoint, name: str, training: dict | None = None, nets_dir: Path | None = None) -> ZooEntry:
    """Copy a training checkpoint's net (weights and architecture only) into the user zoo (or ``nets_dir``) as
    ``<name>.pt``."""
    from ..nets import load_checkpoint, save_checkpoint

    nets_dir = user_zoo_dir() / "nets" if nets_dir is None else nets_dir
    ckpt = load_checkpoint(checkpoint)
    nets_dir.mkdir(parents=True, exist_ok=True)
    file = f"{name}.pt"
    record = training_record(training, ckpt.step, ckpt.extra or {})
    save_checkpoint(nets_dir / file, net=ckpt.net, net_config=ckpt.net_config, step=ckpt.step,
                    extra={"zoo_name": name, "training": record})
    cfg = ckpt.net_config
    return ZooEntry(name=name, file=file, board_size=cfg.board_size, blocks=cfg.blocks, channels=cfg.channels,
                    training=record)


def export_katago_victim(model, name: str, board_size: int, step: int, training: dict | None = None,
                         cost: dict | None = None, nets_dir: Path | None = None) -> ZooEntry:
    """Copy a KataGo model file (a KataGo defence's ``model.bin.gz`` or milestone) into the user zoo (or
    ``nets_dir``) as ``<name>.bin.gz``, recorded with ``training`` and what its training cost (``cost``:
    ``{"counters": …, "hardware": …}`` as a run's checkpoints and milestone sidecars keep it)."""
    from ..nets.katago import read_model  # the file's architecture, checked by reading it whole

    desc = read_model(model)
    record = training_record(training, step, cost or {})
    record.setdefault("model_name", desc.name)
    nets_dir = user_zoo_dir() / "nets" if nets_dir is None else nets_dir
    nets_dir.mkdir(parents=True, exist_ok=True)
    file = f"{name}{KATAGO_SUFFIX}"
    shutil.copyfile(model, nets_dir / file)
    return ZooEntry(name=name, file=file, board_size=board_size, blocks=len(desc.trunk.blocks),
                    channels=desc.trunk.channels, training=record, kind="katago")


def training_record(training: dict | None, step: int, cost: dict) -> dict:
    """A zoo victim's training record: ``training`` (e.g. the run's name) over the step and what the run had cost
    by then (``cost``: ``{"counters": {games, samples, evaluations, wall_seconds}, "hardware": …}``)."""
    counters = cost.get("counters") or {}
    record = dict(training or {})
    record.setdefault("step", step)
    for key in ("games", "samples", "evaluations"):
        record.setdefault(key, counters.get(key))
    seconds = counters.get("wall_seconds")
    record.setdefault("wall_hours", None if seconds is None else round(seconds / 3600, 3))
    record.setdefault("hardware", cost.get("hardware"))
    return record
