"""Reading and writing the zoo's registry, loading its nets, and adding a victim from a training run.

Reading the registry (``entries``, ``get``) needs only the YAML file: torch, the nets and the search are imported
by the functions that load a net, so that ``advgo zoo list`` answers at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from ..fileio import atomic_write
from ..rules import Rules

ZOO_DIR = Path(__file__).resolve().parent
REGISTRY_PATH = ZOO_DIR / "registry.yaml"
NETS_DIR = ZOO_DIR / "nets"


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

    @property
    def path(self) -> Path:
        return _nets_dir() / self.file

    @property
    def net_size(self) -> str:
        return f"{self.blocks}x{self.channels}"


def _nets_dir() -> Path:
    return NETS_DIR  # looked up at call time, so tests can point the zoo elsewhere


def entries(path: Path | None = None) -> list[ZooEntry]:
    path = REGISTRY_PATH if path is None else path
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return [ZooEntry(**row) for row in data.get("victims", [])]


def save_entries(rows: list[ZooEntry], path: Path | None = None) -> None:
    """Write the registry atomically."""
    path = REGISTRY_PATH if path is None else path
    text = "# The bundled victim ladder, weakest first. Written by `advgo zoo build` / `advgo zoo measure`.\n"
    text += yaml.safe_dump({"victims": [asdict(r) for r in rows]}, sort_keys=False)
    atomic_write(path, text, fsync=False, parents=False)


def get(name: str) -> ZooEntry:
    for entry in entries():
        if entry.name == name:
            return entry
    names = ", ".join(e.name for e in entries()) or "(the zoo is empty)"
    raise KeyError(f"no zoo victim named {name!r}; the zoo has: {names}")


def load_net(name: str, device="cpu"):
    from ..nets import load_checkpoint  # torch: only when a net is loaded

    entry = get(name)
    return load_checkpoint(entry.path, device=device, expect_board_size=entry.board_size).net


def make_agent(name: str, visits: int = 1, device="cpu", temperature: float = 0.0, seed: int = 0,
               rules: Rules | None = None, symmetry: str = "none"):
    """The victim as an ``Agent``: its raw policy at 1 visit, ``MCTSAgent`` with ``visits`` above."""
    from ..agents import MCTSAgent, PolicyAgent
    from ..nets import TorchEvaluator
    from ..search import SearchConfig

    if visits < 1:
        raise ValueError(f"visits must be at least 1, got {visits}")
    evaluator = TorchEvaluator(load_net(name, device), device=device, symmetry=symmetry, seed=seed, rules=rules)
    label = f"{name}@{visits}"
    if visits == 1:
        return PolicyAgent(evaluator, temperature=temperature, seed=seed, name=label)
    return MCTSAgent(evaluator, visits, SearchConfig(visits=visits), temperature=temperature, seed=seed, name=label)


def export_victim(checkpoint, name: str, training: dict | None = None, nets_dir: Path | None = None) -> ZooEntry:
    """Copy a training checkpoint's net (weights and architecture only) into the zoo as ``<name>.pt``."""
    from ..nets import load_checkpoint, save_checkpoint

    nets_dir = NETS_DIR if nets_dir is None else nets_dir
    ckpt = load_checkpoint(checkpoint)
    nets_dir.mkdir(parents=True, exist_ok=True)
    file = f"{name}.pt"
    record = dict(training or {})
    record.setdefault("step", ckpt.step)
    counters = (ckpt.extra or {}).get("counters", {})
    record.setdefault("games", counters.get("games"))
    record.setdefault("samples", counters.get("samples"))
    record.setdefault("evaluations", counters.get("evaluations"))
    record.setdefault("wall_hours", round(counters.get("wall_seconds", 0.0) / 3600, 3))
    record.setdefault("hardware", (ckpt.extra or {}).get("hardware"))
    save_checkpoint(nets_dir / file, net=ckpt.net, net_config=ckpt.net_config, step=ckpt.step,
                    extra={"zoo_name": name, "training": record})
    cfg = ckpt.net_config
    return ZooEntry(name=name, file=file, board_size=cfg.board_size, blocks=cfg.blocks, channels=cfg.channels,
                    training=record)
