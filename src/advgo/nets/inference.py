"""``InferenceNet``: a frozen copy of a ``PolicyValueNet`` prepared for fast inference on one device.

| path | what it runs | when |
|---|---|---|
| ``"eager"`` | the module as written, under ``torch.inference_mode`` | always works; the baseline |
| ``"trace"`` | ``torch.jit.trace`` + ``torch.jit.freeze`` (BatchNorm folded into the convs, weights as constants) | CPU default: see :mod:`advgo.nets.evaluator` for what was measured |
| ``"compile"`` | ``torch.compile`` (inductor), ``dynamic=True`` so that batch sizes do not recompile | offered for measurement; tens of seconds of compile on 2 cores |
| ``"graph"`` | fixed batch shapes: inputs padded to power-of-two buckets, a CUDA graph per bucket (:mod:`advgo.nets.graphs`) | CUDA only; opt-in (not yet measured on a GPU) |
| ``"auto"`` | ``"trace"`` on CPU, ``"eager"`` on CUDA | |

On CUDA, ``bf16`` (autocast to bfloat16) and ``channels_last`` default on. Outputs are always float32.
The copy holds its own weights: call ``load_weights`` after training steps.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import warnings

import torch
from torch import nn

from .model import PolicyValueNet

log = logging.getLogger(__name__)

PATHS = ("eager", "trace", "compile", "graph")
TRACE_EXAMPLE_BATCH = 8


class _PolicyValue(nn.Module):
    """Drops the score head's output: traced functions may return only tensors."""

    def __init__(self, net: PolicyValueNet):
        super().__init__()
        self.net = net

    def forward(self, planes: torch.Tensor, globals_: torch.Tensor):
        logits, value, _ = self.net(planes, globals_)
        return logits, value


def resolve_device(device) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else as ``torch.device`` reads it."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but torch sees no CUDA device (use 'cpu' or 'auto')")
    return device


class InferenceNet:
    """Callable ``(planes [B, C, N, N], globals [B, G]) -> (logits float32 [B, N*N + 1], values float32 [B])``.

    Inputs may live on any device; outputs are on ``self.device``. It owns a copy of the net in eval mode.
    """

    def __init__(self, net: PolicyValueNet, device="cpu", path: str = "auto", bf16: bool | None = None,
                 channels_last: bool | None = None, max_batch: int = 1024):
        if not isinstance(net, PolicyValueNet):
            raise ValueError(f"InferenceNet needs a PolicyValueNet, got {type(net).__name__}")
        self.device = resolve_device(device)
        cuda = self.device.type == "cuda"
        if path == "auto":
            path = "eager" if cuda else "trace"
        if path not in PATHS:
            raise ValueError(f"unknown inference path {path!r}: expected one of {PATHS} or 'auto'")
        if path == "graph" and not cuda:
            raise ValueError("inference path 'graph' (CUDA graphs) needs a CUDA device")
        self.path = path
        self.max_batch = max_batch
        self.bf16 = cuda if bf16 is None else bool(bf16)
        if self.bf16 and not cuda:
            raise ValueError("bf16 autocast is for CUDA only (CPU bf16 is slower here)")
        self.channels_last = cuda if channels_last is None else bool(channels_last)
        self.config = net.config
        self.net = copy.deepcopy(net).to(self.device).eval().requires_grad_(False)
        if self.channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)
        self._run = None
        self._build()

    def _build(self) -> None:
        module = _PolicyValue(self.net).eval()
        if self.path == "eager":
            self._run = module
        elif self.path == "compile":
            self._run = torch.compile(module, dynamic=True)
        elif self.path == "graph":
            from advgo.features import FEATURES

            from .graphs import BucketedRunner

            n = self.config.board_size
            self._run = BucketedRunner(module, (FEATURES.planes, n, n), FEATURES.globals, self.device,
                                       self.max_batch, self._autocast, self.channels_last)
        else:
            try:
                self._run = self._trace(module)
            except Exception as err:  # a torch without TorchScript: fall back, say so
                log.warning("torch.jit.trace failed (%s); using eager inference", err)
                self.path, self._run = "eager", module

    def _trace(self, module: nn.Module):
        n = self.config.board_size
        from advgo.features import FEATURES

        example = (torch.zeros(TRACE_EXAMPLE_BATCH, FEATURES.planes, n, n, device=self.device),
                   torch.zeros(TRACE_EXAMPLE_BATCH, FEATURES.globals, device=self.device))
        if self.channels_last:
            example = (example[0].contiguous(memory_format=torch.channels_last), example[1])
        with warnings.catch_warnings(), torch.no_grad(), self._autocast():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.x deprecates TorchScript, still ships it
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            return torch.jit.freeze(torch.jit.trace(module, example, check_trace=False))

    def _autocast(self):
        # No cast cache: a CUDA graph captured with autocast's weight cache would replay reading cached bf16
        # copies that are freed when the outermost autocast exits (and never see new weights). Weights that do
        # not require grad are never cached either; both guard it.
        if self.bf16:
            return torch.autocast(self.device.type, dtype=torch.bfloat16, cache_enabled=False)
        return contextlib.nullcontext()

    def load_weights(self, source) -> None:
        """Take new weights from a ``PolicyValueNet`` or a state dict (``trace`` re-traces: 0.07 s for 4x32,
        0.16 s for 10x128 on 2 cores)."""
        state = source.state_dict() if isinstance(source, nn.Module) else source
        self.net.load_state_dict(state)  # in place: eager and compiled graphs read these parameters
        if self.path == "trace":  # frozen weights are constants of the traced graph
            self._build()

    def __call__(self, planes: torch.Tensor, globals_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        planes = planes.to(self.device, non_blocking=True)
        globals_ = globals_.to(self.device, non_blocking=True)
        if self.channels_last:
            planes = planes.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), self._autocast():
            logits, values = self._run(planes, globals_)
        return logits.float(), values.float()
