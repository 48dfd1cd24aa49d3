"""A :class:`KataGoModel`'s weights back into a :class:`ModelDesc`, so that a net trained in advgo is a KataGo model file.

The inverse of :mod:`.model`'s construction, layer by layer, on the model file it was built from (``template``:
names, shapes, activations, version and the output multipliers come from it, the weights from the module):

| module holds | written as |
|---|---|
| a convolution ``[out, in, ky, kx]`` (``[out, in]`` for 1x1) | ``Conv`` ``[ky, kx, in, out]`` |
| a batch norm folded into ``scale``, ``bias`` | ``BatchNorm`` with mean 0, variance ``1 - eps``, that scale and bias |
| a linear map ``[out, in]`` | ``MatMul`` ``[in, out]`` |
| ``qkv`` (rotary queries and keys in the halves layout) | ``q``, ``k`` (back to interleaved pairs), ``v`` |
| ``up`` of a feed-forward block | ``linear1`` and ``gate`` |

A folded batch norm reads back as ``scale / sqrt(variance + eps)`` = ``scale`` up to float32 rounding (a relative
1e-7), so KataGo (and :func:`.format.read_model`) compute the same net. Learned rotary frequencies are constants
here (never trained) and are copied from the template.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import torch

from .layers import (
    AttentionBlock,
    BatchNorm,
    Conv,
    FFNBlock,
    GlobalPoolBlock,
    MatBias,
    MatMul,
    ModelDesc,
    NestedBottleneckBlock,
    ResidualBlock,
    RMSNorm,
)
from .model import (
    _FFN,
    KataGoModel,
    _Attention,
    _Conv,
    _GlobalPool,
    _Nested,
    _NormAct,
    _Residual,
    _TipNorm,
    halves_index,
)
from .writer import write_model

__all__ = ["export_desc", "export_model"]

_replace = dataclasses.replace


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().to("cpu", torch.float32).numpy().copy()


def _conv(module: _Conv, layer: Conv) -> Conv:
    w = module.weight.detach()
    if module.pointwise:
        w = w[:, :, None, None]
    return _replace(layer, weight=_np(w.permute(2, 3, 1, 0)))


def _bn(module: _NormAct, layer: BatchNorm) -> BatchNorm:
    channels = layer.channels
    eps = np.float32(layer.epsilon)
    return _replace(layer, mean=np.zeros(channels, np.float32),
                    variance=np.full(channels, np.float32(1.0) - eps, np.float32),
                    scale=_np(module.scale), bias=_np(module.bias))


def _matmul(weight: torch.Tensor, layer: MatMul) -> MatMul:
    return _replace(layer, weight=_np(weight.t()))


def _matbias(bias: torch.Tensor, layer: MatBias) -> MatBias:
    return _replace(layer, weight=_np(bias))


def _halves_to_pairs(weight: torch.Tensor, heads: int, dim: int) -> torch.Tensor:
    """The inverse of :func:`.model._pairs_to_halves`."""
    out = torch.empty_like(weight)
    out[halves_index(heads, dim)] = weight
    return out


def _attention(module: _Attention, block: AttentionBlock) -> AttentionBlock:
    q, k, v = module.qkv.detach().split(module.split, dim=0)
    if block.rope != "none":
        q, k = _halves_to_pairs(q, block.heads, block.q_dim), _halves_to_pairs(k, block.kv_heads, block.q_dim)
    return _replace(block, norm=_replace(block.norm, weight=_np(module.norm.weight)), q=_matmul(q, block.q),
                    k=_matmul(k, block.k), v=_matmul(v, block.v), out=_matmul(module.out, block.out))


def _ffn(module: _FFN, block: FFNBlock) -> FFNBlock:
    linear1, gate = module.up.detach().chunk(2, dim=0)
    return _replace(block, norm=_replace(block.norm, weight=_np(module.norm.weight)),
                    linear1=_matmul(linear1, block.linear1), gate=_matmul(gate, block.gate),
                    linear2=_matmul(module.linear2, block.linear2))


def _block(module, block):
    if isinstance(module, _Residual):
        assert isinstance(block, ResidualBlock)
        return _replace(block, pre_bn=_bn(module.pre, block.pre_bn), conv1=_conv(module.conv1, block.conv1),
                        mid_bn=_bn(module.mid, block.mid_bn), conv2=_conv(module.conv2, block.conv2))
    if isinstance(module, _GlobalPool):
        assert isinstance(block, GlobalPoolBlock)
        return _replace(block, pre_bn=_bn(module.pre, block.pre_bn), conv1=_conv(module.conv1, block.conv1),
                        gpool_conv=_conv(module.gconv, block.gpool_conv), gpool_bn=_bn(module.gnorm, block.gpool_bn),
                        gpool_to_bias=_matmul(module.to_bias, block.gpool_to_bias),
                        mid_bn=_bn(module.mid, block.mid_bn), conv2=_conv(module.conv2, block.conv2))
    if isinstance(module, _Nested):
        assert isinstance(block, NestedBottleneckBlock)
        return _replace(block, pre_bn=_bn(module.pre, block.pre_bn), pre_conv=_conv(module.pre_conv, block.pre_conv),
                        blocks=[_block(m, b) for m, b in zip(module.blocks, block.blocks, strict=True)],
                        post_bn=_bn(module.post, block.post_bn), post_conv=_conv(module.post_conv, block.post_conv))
    if isinstance(module, _Attention):
        return _attention(module, block)
    if isinstance(module, _FFN):
        return _ffn(module, block)
    raise TypeError(f"cannot export a {type(module).__name__}")


def _tip(module: _TipNorm, norm):
    if module.rms:
        assert isinstance(norm, RMSNorm)
        return _replace(norm, gamma=_np(module.gamma), beta=_np(module.beta))
    return _bn(module.bn, norm)


def export_desc(model: KataGoModel, template: ModelDesc, name: str | None = None) -> ModelDesc:
    """``template`` with ``model``'s weights (``model`` built from ``template``, then trained); ``name``: the net's
    new name (default: the template's)."""
    if (model.version, len(model.blocks)) != (template.version, len(template.trunk.blocks)):
        raise ValueError(f"the module (version {model.version}, {len(model.blocks)} blocks) was not built from "
                         f"{template.name} (version {template.version}, {len(template.trunk.blocks)} blocks)")
    t, p, v = template.trunk, template.policy, template.value
    trunk = _replace(t, initial_conv=_conv(model.initial_conv, t.initial_conv),
                     initial_matmul=_matmul(model.initial_global, t.initial_matmul),
                     blocks=[_block(m, b) for m, b in zip(model.blocks, t.blocks, strict=True)],
                     tip_norm=_tip(model.tip, t.tip_norm))
    policy = _replace(p, p1_conv=_conv(model.p1, p.p1_conv), g1_conv=_conv(model.g1, p.g1_conv),
                      g1_bn=_bn(model.g1_norm, p.g1_bn), gpool_to_bias=_matmul(model.g1_to_bias, p.gpool_to_bias),
                      p1_bn=_bn(model.p1_norm, p.p1_bn), p2_conv=_conv(model.p2, p.p2_conv),
                      gpool_to_pass=_matmul(model.to_pass, p.gpool_to_pass))
    if model.pass_hidden:
        policy = _replace(policy, pass_bias=_matbias(model.pass_bias, p.pass_bias),
                          gpool_to_pass2=_matmul(model.to_pass2, p.gpool_to_pass2))
    value = _replace(v, v1_conv=_conv(model.v1, v.v1_conv), v1_bn=_bn(model.v1_norm, v.v1_bn),
                     v2_mul=_matmul(model.v2, v.v2_mul), v2_bias=_matbias(model.v2_bias, v.v2_bias),
                     v3_mul=_matmul(model.v3, v.v3_mul), v3_bias=_matbias(model.v3_bias, v.v3_bias),
                     sv3_mul=_matmul(model.sv3, v.sv3_mul), sv3_bias=_matbias(model.sv3_bias, v.sv3_bias),
                     ownership_conv=_conv(model.ownership, v.ownership_conv))
    return _replace(template, name=name or template.name, trunk=trunk, policy=policy, value=value)


def export_model(model: KataGoModel, template: ModelDesc, path: str | os.PathLike, name: str | None = None) -> Path:
    """Write ``model`` as a KataGo model file at ``path`` (``.bin.gz``: what KataGo and ``katanet:model=`` read)."""
    return write_model(export_desc(model, template, name), path)
