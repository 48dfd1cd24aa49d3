"""Write a :class:`ModelDesc` in KataGo's model file format (the inverse of :mod:`.format`'s reader).

Text tokens one per line, weight arrays as ``@BIN@`` + little-endian float32 (``.bin``) or as text floats (``.txt``),
in the order and with the version-dependent fields :mod:`.format` documents; ``parse_model(model_bytes(desc))``
gives ``desc`` back bit for bit.
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path

import numpy as np

from ...fileio import atomic_write
from .format import MAX_VERSION, MIN_VERSION, UnsupportedModelError
from .layers import (
    BLOCK_KINDS,
    Activation,
    AttentionBlock,
    BatchNorm,
    Conv,
    FFNBlock,
    MatBias,
    MatMul,
    ModelDesc,
    NestedBottleneckBlock,
    RMSNorm,
    TransformerNorm,
)

__all__ = ["model_bytes", "write_model"]


class _Writer:
    def __init__(self, version: int, binary: bool):
        self.out, self.version, self.binary = io.BytesIO(), version, binary

    def words(self, *values) -> None:
        self.out.write(("\n".join(_text(v) for v in values) + "\n").encode("latin-1"))

    def floats(self, array: np.ndarray) -> None:
        flat = np.ascontiguousarray(array, dtype="<f4").ravel()
        if self.binary:
            self.out.write(b"@BIN@" + flat.tobytes() + b"\n")
        else:
            self.out.write((" ".join(repr(float(x)) for x in flat) + "\n").encode("latin-1"))


def _text(value) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_layer(w: _Writer, layer) -> None:
    if isinstance(layer, Conv):
        ky, kx, cin, cout = layer.weight.shape
        w.words(layer.name, ky, kx, cin, cout, *layer.dilation)
        w.floats(layer.weight)
    elif isinstance(layer, BatchNorm):
        w.words(layer.name, layer.channels, float(layer.epsilon), layer.scale is not None, layer.bias is not None)
        for array in (layer.mean, layer.variance, layer.scale, layer.bias):
            if array is not None:
                w.floats(array)
    elif isinstance(layer, Activation):
        w.words(layer.name, *((layer.kind,) if w.version >= 11 else ()))
    elif isinstance(layer, MatMul):
        w.words(layer.name, *layer.weight.shape)
        w.floats(layer.weight)
    elif isinstance(layer, MatBias):
        w.words(layer.name, layer.weight.shape[0])
        w.floats(layer.weight)
    elif isinstance(layer, RMSNorm):
        w.words(layer.name, layer.channels, float(layer.epsilon), layer.spatial, 0)
        w.floats(layer.gamma)
        w.floats(layer.beta)
    elif isinstance(layer, TransformerNorm):
        w.words(layer.name, layer.weight.shape[0], float(layer.epsilon))
        w.floats(layer.weight)
    else:
        _write_block(w, layer)


def _write_block(w: _Writer, block) -> None:
    w.words(BLOCK_KINDS[type(block)], block.name)
    if isinstance(block, NestedBottleneckBlock):
        w.words(len(block.blocks))
        for layer in (block.pre_bn, block.pre_act, block.pre_conv, *block.blocks, block.post_bn, block.post_act,
                      block.post_conv):
            _write_layer(w, layer)
    elif isinstance(block, AttentionBlock):
        w.words(block.heads, block.kv_heads, block.q_dim, block.v_dim, block.rope != "none", block.rope == "learned")
        for layer in (block.norm, block.q, block.k, block.v, block.out):
            _write_layer(w, layer)
        if block.rope == "learned":
            w.words(block.rope_freqs_name, *block.rope_freqs.shape)
            w.floats(block.rope_freqs)
        elif block.rope == "fixed":
            w.words(block.rope_theta_name, float(block.rope_theta))
    elif isinstance(block, FFNBlock):
        w.words(block.linear1.in_channels, block.ffn_channels, 1)
        for layer in (block.norm, block.linear1, block.gate, block.linear2):
            _write_layer(w, layer)
    else:
        for name in block.__dataclass_fields__:
            if name != "name":
                _write_layer(w, getattr(block, name))


def model_bytes(desc: ModelDesc, binary: bool = True) -> bytes:
    """The uncompressed file contents of ``desc`` (binary floats, or text floats for a ``.txt`` model)."""
    if not MIN_VERSION <= desc.version <= MAX_VERSION:
        raise UnsupportedModelError(f"cannot write model version {desc.version}")
    if desc.meta_encoder_version:
        raise UnsupportedModelError("cannot write a net with an SGF-metadata encoder")
    w = _Writer(desc.version, binary)
    w.words(desc.name, desc.version, desc.spatial_inputs, desc.global_inputs)
    if desc.version >= 13:
        post = desc.post
        w.words(*(float(v) for v in (post.td_score, post.score_mean, post.score_stdev, post.lead, post.variance_time,
                                     post.shortterm_value_error, post.shortterm_score_error)))
    if desc.version >= 15:
        w.words(0, desc.pass_alive_under_suicide, *([0] * 6))
    t = desc.trunk
    w.words(t.name, len(t.blocks), t.channels, t.mid_channels, t.regular_channels, t.dilated_channels, t.gpool_channels)
    rms = isinstance(t.tip_norm, RMSNorm)
    if desc.version >= 15:
        w.words(int(rms), *([0] * 5))
    elif rms:
        raise UnsupportedModelError("an RMSNorm trunk tip needs model version >= 15")
    for layer in (t.initial_conv, t.initial_matmul, *t.blocks, t.tip_norm, t.tip_act):
        _write_layer(w, layer)
    p = desc.policy
    w.words(p.name)
    if desc.version >= 17:
        w.words(p.p2_conv.out_channels, 0, 0, 0)
    for layer in (p.p1_conv, p.g1_conv, p.g1_bn, p.g1_act, p.gpool_to_bias, p.p1_bn, p.p1_act, p.p2_conv,
                  p.gpool_to_pass):
        _write_layer(w, layer)
    if desc.version >= 15:
        for layer in (p.pass_bias, p.pass_act, p.gpool_to_pass2):
            _write_layer(w, layer)
    v = desc.value
    w.words(v.name)
    if desc.version >= 17:
        w.words(0, 0, 0)
    for name in v.__dataclass_fields__:
        if name != "name":
            _write_layer(w, getattr(v, name))
    return w.out.getvalue()


def write_model(desc: ModelDesc, path: str | os.PathLike) -> Path:
    """Write ``desc`` to ``path`` atomically: gzip when the name ends in ``.gz``, text floats for ``.txt``/``.txt.gz``."""
    path = Path(path)
    binary = ".txt" not in path.suffixes
    data = model_bytes(desc, binary=binary)
    if path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write(path, data)
    return path
