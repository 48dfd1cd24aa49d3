"""Fixed batch shapes for the forward: inputs padded to a few bucket sizes, one CUDA graph per bucket.

A search step hands the net however many leaves it has (a group's games minus finished ones), so batch
sizes vary from step to step. On a GPU each distinct shape costs kernel selection and, per call, a launch of
every kernel from Python. ``BucketedRunner`` pads a batch up to the next bucket (powers of two up to
``max_batch``; larger batches run in ``max_batch`` slices) and, on CUDA, replays a CUDA graph captured for
that bucket on first use: one launch per forward, static input and output buffers. Rows are independent in
an eval-mode net (BatchNorm uses running statistics), so padding rows change nothing in the real ones.

``capture=False`` runs the module eagerly into the same static buffers: the bucketing without a GPU (tests).
Weights are read from the module's own parameters at every replay, so ``load_state_dict`` in place keeps
captured graphs valid.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

WARMUP_ITERS = 3  # eager runs on a side stream before capture, as torch.cuda.graphs asks


def buckets_up_to(max_batch: int) -> list[int]:
    """Powers of two from 1, then ``max_batch`` itself: ``[1, 2, 4, ..., max_batch]``."""
    if max_batch < 1:
        raise ValueError(f"max_batch must be at least 1, got {max_batch}")
    sizes = []
    b = 1
    while b < max_batch:
        sizes.append(b)
        b *= 2
    return sizes + [max_batch]


class BucketedRunner:
    """Callable ``(planes [B, C, N, N], globals [B, G]) -> (logits, values)`` over fixed bucket shapes."""

    def __init__(self, module: nn.Module, planes_shape: tuple, globals_size: int, device: torch.device,
                 max_batch: int = 1024, autocast=contextlib.nullcontext, channels_last: bool = False,
                 capture: bool | None = None):
        self.module = module
        self.device = device
        self.capture = device.type == "cuda" if capture is None else capture
        if self.capture and device.type != "cuda":
            raise ValueError("CUDA graphs need a CUDA device (use capture=False for the bucketing alone)")
        self.buckets = buckets_up_to(max_batch)
        self._planes_shape = tuple(planes_shape)
        self._globals_size = globals_size
        self._autocast = autocast
        self._channels_last = channels_last
        self._static: dict[int, tuple] = {}  # bucket -> (planes, globals, logits, values, graph or None)

    def __call__(self, planes: torch.Tensor, globals_: torch.Tensor):
        count = planes.shape[0]
        top = self.buckets[-1]
        if count > top:  # slices of the largest bucket
            parts = [self(planes[i:i + top], globals_[i:i + top]) for i in range(0, count, top)]
            return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])
        bucket = next(b for b in self.buckets if b >= count)
        static = self._static.get(bucket) or self._prepare(bucket)
        in_planes, in_globals, logits, values, graph = static
        in_planes[:count].copy_(planes, non_blocking=True)
        in_globals[:count].copy_(globals_, non_blocking=True)
        if graph is not None:
            graph.replay()
        else:
            out = self._forward(in_planes, in_globals)
            logits.copy_(out[0])
            values.copy_(out[1])
        # copies: the static buffers are overwritten by the next call
        return logits[:count].to(torch.float32, copy=True), values[:count].to(torch.float32, copy=True)

    @property
    def captured(self) -> list[int]:
        """Buckets prepared so far."""
        return sorted(self._static)

    def _forward(self, planes, globals_):
        with torch.inference_mode(), self._autocast():
            return self.module(planes, globals_)

    def _prepare(self, bucket: int) -> tuple:
        planes = torch.zeros((bucket, *self._planes_shape), device=self.device)
        if self._channels_last:
            planes = planes.contiguous(memory_format=torch.channels_last)
        globals_ = torch.zeros((bucket, self._globals_size), device=self.device)
        graph = None
        if self.capture:
            stream = torch.cuda.Stream(self.device)
            stream.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(stream):
                for _ in range(WARMUP_ITERS):
                    self._forward(planes, globals_)
            torch.cuda.current_stream(self.device).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                logits, values = self._forward(planes, globals_)
        else:
            logits, values = (t.clone() for t in self._forward(planes, globals_))
        self._static[bucket] = (planes, globals_, logits, values, graph)
        return self._static[bucket]
