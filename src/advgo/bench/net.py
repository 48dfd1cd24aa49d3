"""Net inference benchmark: positions/s of ``PolicyValueNet`` by batch size, device, precision and inference path.

Each net (random init, BatchNorm statistics perturbed so folding is not trivial) runs through
:class:`advgo.nets.InferenceNet` on inputs already on the device (the raw net, not the encoder or the copies
of :class:`~advgo.nets.TorchEvaluator`). For every batch size the variants run back to back, ``rounds``
times, and the best rate is kept: on a shared machine the interleaving keeps ratios honest.

| device | variants |
|---|---|
| cpu | fp32, each of ``paths`` (default ``eager`` and ``trace``, the evaluator's CPU default) |
| cuda | fp32 and bf16 autocast, channels-last, ``eager`` (and the other ``paths`` in fp32) |
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from advgo.bench.engine import machine_info
from advgo.features import FEATURES
from advgo.nets import InferenceNet, NetConfig, PolicyValueNet
from advgo.nets.inference import PATHS

log = logging.getLogger(__name__)

DEFAULT_BATCHES = (1, 8, 64, 256, 1024)
MIN_CALLS = 3

#: Called after every measurement with (variant label, batch, positions/s).
ProgressFn = Callable[[str, int, float], None]


@dataclass(frozen=True)
class Variant:
    """One way of running a net: where, in what precision, by which path."""

    device: str
    dtype: str  # "fp32" or "bf16"
    path: str

    @property
    def label(self) -> str:
        return f"{self.device} {self.dtype} {self.path}"


def variants(devices: Sequence[str], paths: Sequence[str]) -> list[Variant]:
    """The variants to run on ``devices`` ("cpu", "cuda"): every path in fp32, plus bf16 eager on CUDA."""
    for p in paths:
        if p not in PATHS:
            raise ValueError(f"unknown inference path {p!r}: expected some of {PATHS}")
    out = []
    for device in devices:
        out += [Variant(device, "fp32", p) for p in paths]
        if device == "cuda":
            out.append(Variant(device, "bf16", "eager"))
    return out


def available_devices(want: str) -> list[str]:
    """``"all"`` -> cpu and, when torch sees one, cuda; else exactly the one asked for."""
    if want == "all":
        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    if want not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {want!r}: expected cpu, cuda or all")
    if want == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for but torch sees no CUDA device")
    return [want]


def random_net(config: NetConfig, seed: int = 0) -> PolicyValueNet:
    """A random-init net in eval mode whose BatchNorm statistics are not the identity."""
    torch.manual_seed(seed)
    net = PolicyValueNet(config).eval()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return net


def _rate(run: InferenceNet, planes: torch.Tensor, globals_: torch.Tensor, seconds: float) -> float:
    cuda = run.device.type == "cuda"
    calls, t0 = 0, time.perf_counter()
    while calls < MIN_CALLS or time.perf_counter() - t0 < seconds:
        run(planes, globals_)
        calls += 1
        if cuda:
            torch.cuda.synchronize()
    return calls * planes.shape[0] / (time.perf_counter() - t0)


def _prepare(net: PolicyValueNet, variant: Variant) -> tuple[InferenceNet, float]:
    t0 = time.perf_counter()
    run = InferenceNet(net, variant.device, path=variant.path, bf16=variant.dtype == "bf16")
    return run, time.perf_counter() - t0


def bench_net(config: NetConfig, variant_list: Sequence[Variant], batches: Sequence[int], seconds: float = 1.0,
              rounds: int = 2, progress: ProgressFn | None = None) -> list[dict]:
    """Records (one per variant and batch) of positions/s for one net; see the module docstring."""
    n = config.board_size
    net = random_net(config)
    runs = {v: _prepare(net, v) for v in variant_list}
    best = {(v, b): 0.0 for v in variant_list for b in batches}
    warm_s = {}
    for b in batches:
        cpu_in = (torch.randn(b, FEATURES.planes, n, n), torch.randn(b, FEATURES.globals).clamp_(0, 1))
        for v in variant_list:  # first call at this shape (tracing specialises nothing; compile may) untimed
            t0 = time.perf_counter()
            runs[v][0](*(x.to(v.device) for x in cpu_in))
            warm_s[(v, b)] = time.perf_counter() - t0
        for _ in range(rounds):
            for v in variant_list:
                rate = _rate(runs[v][0], *(x.to(v.device) for x in cpu_in), seconds / rounds)
                best[(v, b)] = max(best[(v, b)], rate)
                if progress is not None:
                    progress(v.label, b, rate)
    threads = torch.get_num_threads()
    return [
        {
            "board": n, "blocks": config.blocks, "channels": config.channels, "net": config.name,
            "global_pool": config.global_pool, "params": net.num_parameters(),
            "device": v.device, "dtype": v.dtype, "path": runs[v][0].path, "batch": b,
            "positions_per_s": round(best[(v, b)], 1), "build_s": round(runs[v][1], 3),
            "first_call_s": round(warm_s[(v, b)], 3), "torch": torch.__version__, "torch_threads": threads,
            "gpu": torch.cuda.get_device_name() if v.device == "cuda" else None,
        }
        for v in variant_list for b in batches
    ]


def run(nets: Sequence[tuple[int, int]], board: int = 9, batches: Sequence[int] = DEFAULT_BATCHES,
        device: str = "all", paths: Sequence[str] = ("eager", "trace"), seconds: float = 1.0, rounds: int = 2,
        progress: ProgressFn | None = None) -> list[dict]:
    """Benchmark every (blocks, channels) net of ``nets`` on ``board``; returns the records with machine info."""
    if any(b < 1 for b in batches):
        raise ValueError(f"batch sizes must be positive, got {list(batches)}")
    variant_list = variants(available_devices(device), paths)
    machine = machine_info()
    records = []
    for blocks, channels in nets:
        config = NetConfig(board_size=board, blocks=blocks, channels=channels)
        log.info("bench net %s on %dx%d", config.name, board, board)
        for rec in bench_net(config, variant_list, batches, seconds, rounds, progress):
            rec.update(machine)
            records.append(rec)
    return records


def pair_nets(blocks: Sequence[int], channels: Sequence[int]) -> list[tuple[int, int]]:
    """Zip ``--blocks`` and ``--channels`` lists; a list of one value is repeated to the other's length."""
    if len(blocks) == 1:
        blocks = list(blocks) * len(channels)
    if len(channels) == 1:
        channels = list(channels) * len(blocks)
    if len(blocks) != len(channels):
        raise ValueError(f"--blocks has {len(blocks)} values and --channels {len(channels)}: give as many "
                         f"of each (or one of either)")
    return list(zip(blocks, channels, strict=True))
