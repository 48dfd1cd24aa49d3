"""``TorchEvaluator``: the search's ``Evaluator`` protocol over a ``PolicyValueNet``.

One ``evaluate`` call encodes the leaves with :func:`advgo.features.encode_batch` into preallocated
(grown when needed) feature buffers, runs one batched forward, and writes softmax priors over all N*N + 1
actions (illegal ones included: the search masks and renormalises) and values for the player to move.

Symmetries: ``"none"``; ``"random"`` (one of the 8 per position, drawn from the evaluator's own seeded
generator; the policy is mapped back); ``"average"`` (all 8 in one forward of 8 x count positions, priors
and values averaged).

CPU inference path, measured with ``advgo bench net`` and a twin script on the project's 2-core machine
(AMD EPYC, torch 2.13 CPU, 9x9, random-init nets with global pooling, positions/s, best of 3 interleaved
rounds; another training job shared the machine, so compare rows within a net, not with other tables):

| net, torch threads | path | b1 | b8 | b64 | b256 | b1024 |
|---|---|---|---|---|---|---|
| 4x32, 1 | eager | 1,287 | 3,739 | 6,348 | 6,809 | 4,600 |
| 4x32, 1 | trace + freeze | 2,206 | 4,728 | 7,311 | 7,653 | 3,811 |
| 4x32, 1 | trace + optimize_for_inference | 1,072 | 4,409 | 7,444 | 7,618 | 4,063 |
| 4x32, 1 | compile (inductor, dynamic) | 2,120 | 4,997 | 7,089 | 8,091 | 6,644 |
| 4x32, 2 | eager | 599 | 3,566 | 7,436 | 8,237 | 6,606 |
| 4x32, 2 | trace + freeze | 788 | 4,498 | 10,859 | 13,180 | 5,780 |
| 4x32, 2 | compile | 1,384 | 4,697 | 12,498 | 15,129 | 9,479 |
| 4x64, 1 | eager / trace / compile | 680 / 918 / 1,016 | 1,703 / 1,974 / 1,959 | 2,107 / 2,335 / 2,391 | 1,754 / 1,954 / 2,441 | 1,465 / 1,364 / 2,126 |
| 6x64, 1 | eager / trace / compile | 476 / 623 / 679 | 1,110 / 1,269 / 1,218 | 1,391 / 1,506 / 1,616 | 1,408 / 1,493 / 1,656 | 1,010 / 1,035 / 1,422 |

``torch.jit.trace`` + ``freeze`` (BatchNorm folded into the convs, no Python per layer) is the default CPU
path (``path="auto"``): 1.3-1.7x eager at batch 1-8, 1.05-1.5x at 64-256, builds in 0.1-0.2 s and takes any
batch size. ``torch.compile`` is about as fast up to batch 256 and faster at 1024, but it compiles for 10-50 s
on 2 cores (a C++ compiler is needed), and with several nets in one process it hit dynamo's recompile limit
and fell back to eager without an error; so it is opt-in (``path="compile"``). ``optimize_for_inference``
(MKL-DNN) gained nothing. Threads: with another busy process on the 2 cores, 2 torch threads collapse (6x64
fell to 2-640 positions/s: OpenMP spin-waiting) while 1 thread keeps its rate; on idle cores 2 threads give
about 1.5x at batch >= 64. ``threads=None`` leaves torch's setting; pass ``threads=1`` on a shared machine.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from advgo.engine import NO_CAP, Boards, RuleCodes
from advgo.features import FEATURES, NUM_SYMMETRIES, board_permutations, default_rules, encode_batch

from .inference import InferenceNet
from .model import PolicyValueNet
from .threads import set_torch_threads

SYMMETRY_MODES = ("none", "random", "average")


def rule_codes_of(rules) -> RuleCodes:
    if rules is None:
        return default_rules()
    if isinstance(rules, RuleCodes):
        return rules
    if hasattr(rules, "codes"):  # an advgo.Rules
        return rules.codes(NO_CAP)
    raise ValueError(f"rules must be an advgo.Rules, engine RuleCodes or None, got {type(rules).__name__}")


class TorchEvaluator:
    """Priors and values for a batch of engine positions, from a net (see the module docstring)."""

    def __init__(self, net: PolicyValueNet, device="cpu", symmetry: str = "random", seed: int = 0,
                 max_batch: int = 256, rules=None, path: str = "auto", bf16: bool | None = None,
                 threads: int | None = None):
        if symmetry not in SYMMETRY_MODES:
            raise ValueError(f"unknown symmetry mode {symmetry!r}: expected one of {SYMMETRY_MODES}")
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        if threads is not None:
            set_torch_threads(threads)
        self.runner = InferenceNet(net, device, path=path, bf16=bf16)
        self.device = self.runner.device
        self.size = net.config.board_size
        self.symmetry = symmetry
        self.rules = rule_codes_of(rules)
        self._rng = np.random.default_rng(seed)
        # forward[k][j] = source point of point j after symmetry k; back[k] undoes it (board points only)
        forward, back = board_permutations(self.size)
        self._forward = torch.tensor(forward, device=self.device)  # a copy: the shared tables are read-only
        self._back = torch.tensor(back, device=self.device)
        self._capacity = 0
        self._grow(max_batch)
        self.timings = {"encode": 0.0, "forward": 0.0}
        """Seconds of ``evaluate``: encoding features (Numba), and the forward with its host/device copies."""
        self.net_evaluations = 0
        """Positions through the net: eight per position asked about with ``symmetry="average"`` (S++), else one."""

    def reseed(self, seed: int) -> None:
        """Restart the random symmetry choices from ``seed``."""
        self._rng = np.random.default_rng(seed)

    def set_rules(self, rules) -> None:
        """Encode positions under ``rules`` from now on (agents call this when a match starts)."""
        self.rules = rule_codes_of(rules)

    @property
    def capacity(self) -> int:
        """Positions the feature buffers hold now (they grow on demand)."""
        return self._capacity

    def _grow(self, count: int) -> None:
        n = self.size
        pin = self.device.type == "cuda"
        self._planes_t = torch.zeros((count, FEATURES.planes, n, n), dtype=torch.float32, pin_memory=pin)
        self._globals_t = torch.zeros((count, FEATURES.globals), dtype=torch.float32, pin_memory=pin)
        self._planes = self._planes_t.numpy()  # [B, C, N, N] numpy view of the same memory
        self._globals = self._globals_t.numpy()  # [B, G]
        self._capacity = count

    def load_weights(self, source) -> None:
        """New weights (a ``PolicyValueNet`` or its state dict), e.g. after learner steps."""
        self.runner.load_weights(source)

    def _check(self, leaves: Boards, count: int, priors_out: np.ndarray, values_out: np.ndarray) -> None:
        if leaves.size != self.size:
            raise ValueError(f"leaves are {leaves.size}x{leaves.size} but the net is for {self.size}x{self.size}")
        if not 0 <= count <= leaves.stones.shape[0]:
            raise ValueError(f"count must be in 0..{leaves.stones.shape[0]}, got {count}")
        a = self.size * self.size + 1
        if priors_out.dtype != np.float32 or priors_out.ndim != 2 or priors_out.shape[1] != a \
                or priors_out.shape[0] < count or not priors_out.flags.c_contiguous:
            raise ValueError(f"priors_out must be C-contiguous float32 [>= {count}, {a}], got "
                             f"{priors_out.dtype} {priors_out.shape}")
        if values_out.dtype != np.float32 or values_out.ndim != 1 or values_out.shape[0] < count:
            raise ValueError(f"values_out must be float32 [>= {count}], got {values_out.dtype} {values_out.shape}")

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None:
        """Priors (softmax over all N*N + 1 actions) into ``priors_out[:count]``, values into ``values_out[:count]``."""
        self._check(leaves, count, priors_out, values_out)
        if count == 0:
            return
        if count > self._capacity:
            self._grow(max(count, 2 * self._capacity))
        start = time.perf_counter()
        encode_batch(leaves, count, komi, self._planes, self._globals, self.rules)
        encoded = time.perf_counter()
        self._forward_into(self._planes_t[:count], self._globals_t[:count], priors_out, values_out)
        self.timings["encode"] += encoded - start
        self.timings["forward"] += time.perf_counter() - encoded

    def encode(self, leaves: Boards, count: int, komi: float) -> tuple[np.ndarray, np.ndarray]:
        """The leaves' features as this evaluator would feed them: ``(planes [count, C, N, N], globals [count, G])``,
        views of its buffers (copy them to keep them past the next call)."""
        if count > self._capacity:
            self._grow(max(count, 2 * self._capacity))
        encode_batch(leaves, count, komi, self._planes, self._globals, self.rules)
        return self._planes[:count], self._globals[:count]

    def evaluate_planes(self, planes: np.ndarray, globals_: np.ndarray, priors_out: np.ndarray,
                        values_out: np.ndarray) -> None:
        """``evaluate`` for features encoded elsewhere (an inference server's path): planes [B, C, N, N] (numpy
        float32, or uint8 since they are 0/1: converted on the device; or a torch tensor, e.g. already on the
        device) and float32 globals [B, G] in, priors and values out, with this evaluator's symmetry mode."""
        count = planes.shape[0]
        if planes.shape[1:] != (FEATURES.planes, self.size, self.size) or globals_.shape != (count, FEATURES.globals):
            raise ValueError(f"planes must be [B, {FEATURES.planes}, {self.size}, {self.size}] and globals "
                             f"[B, {FEATURES.globals}], got {planes.shape} and {globals_.shape}")
        if count:
            if not isinstance(planes, torch.Tensor):
                planes = torch.from_numpy(np.ascontiguousarray(planes, np.uint8 if planes.dtype == np.uint8
                                                               else np.float32))
            self._forward_into(planes,
                               torch.from_numpy(np.ascontiguousarray(globals_, np.float32)), priors_out, values_out)

    def _forward_into(self, planes_cpu: torch.Tensor, globals_cpu: torch.Tensor, priors_out: np.ndarray,
                      values_out: np.ndarray) -> None:
        count = planes_cpu.shape[0]
        self.net_evaluations += count * (NUM_SYMMETRIES if self.symmetry == "average" else 1)
        planes = planes_cpu.to(self.device, non_blocking=True).float()  # no-op for float32
        globals_ = globals_cpu.to(self.device, non_blocking=True)
        if self.symmetry == "average":
            probs, values = self._average(planes, globals_)
        else:
            ks = None
            if self.symmetry == "random":
                ks = torch.as_tensor(self._rng.integers(0, NUM_SYMMETRIES, count), device=self.device)
                planes = self._permute_planes(planes, ks)
            logits, values = self.runner(planes, globals_)
            if ks is not None:
                logits = self._unpermute_logits(logits, ks)
            probs = torch.softmax(logits, dim=1)
        torch.from_numpy(priors_out[:count]).copy_(probs)
        torch.from_numpy(values_out[:count]).copy_(values)

    def _permute_planes(self, planes: torch.Tensor, ks: torch.Tensor) -> torch.Tensor:
        b, c, n, _ = planes.shape
        index = self._forward[ks][:, None, :].expand(b, c, n * n)  # [B, C, N*N]
        return planes.reshape(b, c, n * n).gather(2, index).reshape(b, c, n, n)

    def _unpermute_logits(self, logits: torch.Tensor, ks: torch.Tensor) -> torch.Tensor:
        n2 = self.size * self.size
        board = logits[:, :n2].gather(1, self._back[ks])
        return torch.cat((board, logits[:, n2:]), dim=1)

    def _average(self, planes: torch.Tensor, globals_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        count = planes.shape[0]
        ks = torch.arange(NUM_SYMMETRIES, device=self.device).repeat_interleave(count)  # [8 * count]
        all_planes = self._permute_planes(planes.repeat(NUM_SYMMETRIES, 1, 1, 1), ks)
        logits, values = self.runner(all_planes, globals_.repeat(NUM_SYMMETRIES, 1))
        probs = torch.softmax(self._unpermute_logits(logits, ks), dim=1)
        return probs.view(NUM_SYMMETRIES, count, -1).mean(0), values.view(NUM_SYMMETRIES, count).mean(0)
