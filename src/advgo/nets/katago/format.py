"""KataGo's model file format: read a ``.bin.gz`` (or ``.txt.gz``, or uncompressed) file into a :class:`ModelDesc`
(:mod:`.writer` writes one back: tests write tiny models; a fine-tuned net is saved the same way).

The format, as KataGo's C++ loader reads it: whitespace-separated text tokens (names, sizes, flags), and for every
weight array either the text floats or ``@BIN@`` followed at once by the little-endian float32 values. In order:

| section | tokens |
|---|---|
| header | name, model version, spatial inputs, global inputs; version >= 13: 7 output multipliers; version >= 15: |
| | meta-encoder version, pass-alive-under-suicide flag, 6 reserved zeros |
| trunk | name, blocks, trunk / mid / regular / dilated / gpool channels; version >= 15: trunk norm kind (0 batch |
| | norm, 1 RMSNorm), 5 reserved zeros; initial conv, initial matmul (global inputs), blocks, tip norm, tip |
| | activation |
| policy head | name; version >= 17: output channels, 3 reserved zeros; p1 conv, g1 conv, g1 bn, g1 act, gpool-to-bias |
| | matmul, p1 bn, p1 act, p2 conv, gpool-to-pass matmul; version >= 15: pass bias, pass act, pass matmul 2 |
| value head | name; version >= 17: 3 reserved zeros; v1 conv, v1 bn, v1 act, v2 matmul + bias + act, v3 matmul + bias |
| | (3 outcome logits), sv3 matmul + bias (score values), ownership conv |

Supported: model versions 8 to 17 (input features v7: 22 spatial, 19 global), every block kind KataGo's loader
knows (plain, global-pooling and nested-bottleneck residual blocks, transformer attention with or without rotary
position encoding, transformer feed-forward with SwiGLU). Not supported, with an error that names it: other
versions, the SGF-metadata encoder of human-style nets, feed-forward blocks without SwiGLU (KataGo's own CPU
backend refuses them too).
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from .layers import (
    ACTIVATIONS,
    Activation,
    AttentionBlock,
    BatchNorm,
    Conv,
    FFNBlock,
    GlobalPoolBlock,
    MatBias,
    MatMul,
    ModelDesc,
    NestedBottleneckBlock,
    PolicyHead,
    PostProcess,
    ResidualBlock,
    RMSNorm,
    TransformerNorm,
    Trunk,
    ValueHead,
)

__all__ = ["MIN_VERSION", "MAX_VERSION", "ModelFormatError", "UnsupportedModelError", "read_model", "parse_model"]

MIN_VERSION = 8
MAX_VERSION = 17
SPATIAL_INPUTS = 22
GLOBAL_INPUTS = 19
_WHITESPACE = b" \t\n\r\x0b\x0c"


class ModelFormatError(ValueError):
    """A file that is not a well-formed KataGo model (truncated, corrupt, inconsistent sizes)."""


class UnsupportedModelError(ModelFormatError):
    """A well-formed model that uses a version or a layer advgo cannot run."""


class _Reader:
    def __init__(self, data: bytes, source: str):
        self.data, self.pos, self.source = data, 0, source
        self.version = 0
        self.where = "the header"

    def fail(self, message: str) -> ModelFormatError:
        return ModelFormatError(f"{self.source}: {message} (in {self.where})")

    def _skip_space(self) -> None:
        data, pos = self.data, self.pos
        while pos < len(data) and data[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos

    def token(self, what: str) -> str:
        self._skip_space()
        start = self.pos
        data = self.data
        while self.pos < len(data) and data[self.pos] not in _WHITESPACE:
            self.pos += 1
        if start == self.pos:
            raise self.fail(f"the file ends where {what} should be")
        return data[start:self.pos].decode("latin-1")

    def int(self, what: str) -> int:
        text = self.token(what)
        try:
            return int(text)
        except ValueError:
            raise self.fail(f"{what} should be an integer, found {text[:40]!r}") from None

    def float(self, what: str) -> float:
        text = self.token(what)
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"{what} should be a number, found {text[:40]!r}") from None
        if not np.isfinite(value):
            raise self.fail(f"{what} is {value}")
        return value

    def zeros(self, count: int, what: str) -> None:
        for k in range(count):
            value = self.int(f"reserved field {k + 1} of {what}")
            if value != 0:
                raise UnsupportedModelError(f"{self.source}: {what} has option {value} in reserved field {k + 1}, "
                                            f"which advgo does not know (model version {self.version})")

    def floats(self, count: int, name: str) -> np.ndarray:
        self._skip_space()
        if self.data[self.pos:self.pos + 5] == b"@BIN@":
            start = self.pos + 5
            end = start + 4 * count
            if end > len(self.data):
                raise self.fail(f"{name}: the file ends inside its {count} binary floats")
            values = np.frombuffer(self.data, dtype="<f4", count=count, offset=start).astype(np.float32)
            self.pos = end
        else:
            values = np.array([self.float(f"float {k} of {name}") for k in range(count)], np.float32)
        if not np.all(np.isfinite(values)):
            raise self.fail(f"{name}: NaN or infinite weights")
        return values


# ------------------------------------------------------------------------------------------------ layers
def _conv(r: _Reader) -> Conv:
    name = r.token("a conv layer's name")
    ky, kx, cin, cout, dy, dx = (r.int(f"{name}: {w}") for w in ("ky", "kx", "in", "out", "dilation y", "dilation x"))
    if min(ky, kx, cin, cout, dy, dx) <= 0 or ky % 2 == 0 or kx % 2 == 0:
        raise r.fail(f"{name}: bad conv shape {ky}x{kx}, {cin} -> {cout} channels, dilation {dy}x{dx}")
    return Conv(name, r.floats(ky * kx * cin * cout, name).reshape(ky, kx, cin, cout), (dy, dx))


def _batch_norm(r: _Reader) -> BatchNorm:
    name = r.token("a batch norm's name")
    channels = r.int(f"{name}: channels")
    epsilon = r.float(f"{name}: epsilon")
    has_scale, has_bias = r.int(f"{name}: has scale"), r.int(f"{name}: has bias")
    if channels < 1 or not epsilon > 0:
        raise r.fail(f"{name}: {channels} channels, epsilon {epsilon}")
    mean, variance = r.floats(channels, name), r.floats(channels, name)
    scale = r.floats(channels, name) if has_scale else None
    bias = r.floats(channels, name) if has_bias else None
    return BatchNorm(name, mean, variance, scale, bias, epsilon)


def _activation(r: _Reader) -> Activation:
    name = r.token("an activation's name")
    if r.version < 11:
        return Activation(name, "ACTIVATION_RELU")
    kind = r.token(f"{name}: kind")
    if kind not in ACTIVATIONS:
        raise UnsupportedModelError(f"{r.source}: activation {name} is {kind}; advgo knows {', '.join(ACTIVATIONS)}")
    return Activation(name, kind)


def _matmul(r: _Reader) -> MatMul:
    name = r.token("a matmul's name")
    cin, cout = r.int(f"{name}: in"), r.int(f"{name}: out")
    if cin <= 0 or cout <= 0:
        raise r.fail(f"{name}: {cin} -> {cout} channels")
    return MatMul(name, r.floats(cin * cout, name).reshape(cin, cout))


def _matbias(r: _Reader) -> MatBias:
    name = r.token("a bias's name")
    channels = r.int(f"{name}: channels")
    if channels <= 0:
        raise r.fail(f"{name}: {channels} channels")
    return MatBias(name, r.floats(channels, name))


def _transformer_norm(r: _Reader) -> TransformerNorm:
    name = r.token("a transformer norm's name")
    channels, epsilon = r.int(f"{name}: channels"), r.float(f"{name}: epsilon")
    if channels < 1 or not 0 < epsilon <= 1:
        raise r.fail(f"{name}: {channels} channels, epsilon {epsilon}")
    return TransformerNorm(name, r.floats(channels, name), epsilon)


def _rms_norm(r: _Reader) -> RMSNorm:
    name = r.token("an RMSNorm's name")
    channels, epsilon = r.int(f"{name}: channels"), r.float(f"{name}: epsilon")
    spatial, group = r.int(f"{name}: spatial"), r.int(f"{name}: channel group size")
    if channels < 1 or not 0 < epsilon <= 1:
        raise r.fail(f"{name}: {channels} channels, epsilon {epsilon}")
    if group != 0:
        raise UnsupportedModelError(f"{r.source}: {name} is a grouped RMSNorm (group size {group}), which neither "
                                    f"KataGo's backends nor advgo support")
    return RMSNorm(name, r.floats(channels, name), r.floats(channels, name), epsilon, bool(spatial))


def _check(r: _Reader, ok: bool, message: str) -> None:
    if not ok:
        raise r.fail(message)


def _residual(r: _Reader) -> ResidualBlock:
    b = ResidualBlock(r.token("a block's name"), _batch_norm(r), _activation(r), _conv(r), _batch_norm(r),
                      _activation(r), _conv(r))
    _check(r, b.pre_bn.channels == b.conv1.in_channels == b.conv2.out_channels and
           b.mid_bn.channels == b.conv1.out_channels == b.conv2.in_channels, f"{b.name}: channel counts disagree")
    return b


def _gpool(r: _Reader) -> GlobalPoolBlock:
    b = GlobalPoolBlock(r.token("a block's name"), _batch_norm(r), _activation(r), _conv(r), _conv(r), _batch_norm(r),
                        _activation(r), _matmul(r), _batch_norm(r), _activation(r), _conv(r))
    _check(r, b.gpool_bn.channels == b.gpool_conv.out_channels and
           b.gpool_to_bias.in_channels == 3 * b.gpool_bn.channels and
           b.mid_bn.channels == b.conv1.out_channels == b.gpool_to_bias.out_channels == b.conv2.in_channels and
           b.pre_bn.channels == b.conv1.in_channels == b.gpool_conv.in_channels, f"{b.name}: channel counts disagree")
    return b


def _nested(r: _Reader) -> NestedBottleneckBlock:
    name = r.token("a block's name")
    count = r.int(f"{name}: inner blocks")
    _check(r, count >= 1, f"{name}: {count} inner blocks")
    pre_bn, pre_act, pre_conv = _batch_norm(r), _activation(r), _conv(r)
    blocks = _blocks(r, count, pre_conv.out_channels, name)
    b = NestedBottleneckBlock(name, pre_bn, pre_act, pre_conv, blocks, _batch_norm(r), _activation(r), _conv(r))
    _check(r, b.pre_bn.channels == b.pre_conv.in_channels == b.post_conv.out_channels and
           b.post_bn.channels == b.pre_conv.out_channels == b.post_conv.in_channels, f"{name}: channel counts disagree")
    return b


def _attention(r: _Reader) -> AttentionBlock:
    name = r.token("a block's name")
    heads, kv_heads, q_dim, v_dim = (r.int(f"{name}: {w}") for w in ("heads", "kv heads", "q dim", "v dim"))
    use_rope, learned = r.int(f"{name}: rope"), r.int(f"{name}: learned rope")
    _check(r, heads >= 1 and kv_heads >= 1 and heads % kv_heads == 0 and q_dim >= 1 and v_dim >= 1
           and not (use_rope and q_dim % 2), f"{name}: {heads} heads, {kv_heads} kv heads, dims {q_dim}/{v_dim}")
    norm, q, k, v, out = _transformer_norm(r), _matmul(r), _matmul(r), _matmul(r), _matmul(r)
    _check(r, q.out_channels == heads * q_dim and k.out_channels == kv_heads * q_dim and
           v.out_channels == kv_heads * v_dim and out.in_channels == heads * v_dim and
           q.in_channels == k.in_channels == v.in_channels == out.out_channels == norm.weight.shape[0],
           f"{name}: projection sizes disagree with the head counts")
    block = AttentionBlock(name, heads, kv_heads, q_dim, v_dim, norm, q, k, v, out, "none")
    if use_rope and learned:
        block.rope = "learned"
        block.rope_freqs_name = r.token(f"{name}: rope frequencies' name")
        dims = (r.int(f"{name}: rope heads"), r.int(f"{name}: rope pairs"), r.int(f"{name}: rope dim"))
        _check(r, dims == (kv_heads, q_dim // 2, 2), f"{name}: rope frequencies are {dims}, expected "
               f"({kv_heads}, {q_dim // 2}, 2)")
        block.rope_freqs = r.floats(kv_heads * (q_dim // 2) * 2, name).reshape(dims)
    elif use_rope:
        block.rope = "fixed"
        block.rope_theta_name = r.token(f"{name}: rope theta's name")
        block.rope_theta = r.float(f"{name}: rope theta")
        _check(r, block.rope_theta > 0, f"{name}: rope theta {block.rope_theta}")
    return block


def _ffn(r: _Reader) -> FFNBlock:
    name = r.token("a block's name")
    channels, ffn_channels, swiglu = r.int(f"{name}: channels"), r.int(f"{name}: ffn channels"), r.int(f"{name}: swiglu")
    if not swiglu:
        raise UnsupportedModelError(f"{r.source}: {name} is a transformer feed-forward block without SwiGLU, which "
                                    f"advgo does not support (nor does KataGo's CPU backend)")
    norm, linear1, gate, linear2 = _transformer_norm(r), _matmul(r), _matmul(r), _matmul(r)
    _check(r, linear1.in_channels == gate.in_channels == linear2.out_channels == channels and
           linear1.out_channels == gate.out_channels == linear2.in_channels == ffn_channels,
           f"{name}: layer sizes disagree")
    return FFNBlock(name, ffn_channels, True, norm, linear1, gate, linear2)


_BLOCK_READERS = {"ordinary_block": _residual, "gpool_block": _gpool, "nested_bottleneck_block": _nested,
                  "transformer_attention_block": _attention, "transformer_ffn_block": _ffn}


def _block_channels(block) -> tuple[int, int]:
    """(channels in, channels out) of a block on the residual stream."""
    if isinstance(block, (ResidualBlock, GlobalPoolBlock, NestedBottleneckBlock)):
        return block.pre_bn.channels, (block.post_conv if isinstance(block, NestedBottleneckBlock)
                                       else block.conv2).out_channels
    if isinstance(block, AttentionBlock):
        return block.q.in_channels, block.out.out_channels
    return block.linear1.in_channels, block.linear2.out_channels


def _blocks(r: _Reader, count: int, channels: int, owner: str) -> list:
    blocks = []
    for _ in range(count):
        kind = r.token(f"a block kind in {owner}")
        if kind not in _BLOCK_READERS:
            raise UnsupportedModelError(f"{r.source}: {owner} has a block of kind {kind!r}; advgo knows "
                                        f"{', '.join(_BLOCK_READERS)} (model version {r.version})")
        outer, r.where = r.where, f"{kind} of {owner}"
        block = _BLOCK_READERS[kind](r)
        r.where = outer
        if _block_channels(block) != (channels, channels):
            raise r.fail(f"{block.name}: takes {_block_channels(block)} channels inside {owner}'s {channels}")
        blocks.append(block)
    return blocks


# ------------------------------------------------------------------------------------------------ model
def _trunk(r: _Reader, meta: int) -> Trunk:
    name = r.token("the trunk's name")
    r.where = f"trunk {name}"
    count, channels, mid, regular, dilated, gpool = (r.int(f"trunk {w}") for w in (
        "blocks", "channels", "mid channels", "regular channels", "dilated channels", "gpool channels"))
    _check(r, count >= 1 and min(channels, mid, regular, gpool) > 0, "bad trunk sizes")
    norm_kind = 0
    if r.version >= 15:
        norm_kind = r.int("trunk norm kind")
        r.zeros(5, "the trunk")
        if norm_kind not in (0, 1):
            raise UnsupportedModelError(f"{r.source}: trunk norm kind {norm_kind} is not known (0 batch norm, "
                                        f"1 RMSNorm; model version {r.version})")
    initial_conv, initial_matmul = _conv(r), _matmul(r)
    _check(r, initial_conv.out_channels == channels == initial_matmul.out_channels,
           "the initial layers do not give the trunk's channels")
    if meta > 0:
        raise UnsupportedModelError(f"{r.source}: this net has an SGF-metadata encoder (meta encoder version {meta}, "
                                    f"a human-style net), which advgo does not support")
    blocks = _blocks(r, count, channels, f"trunk {name}")
    tip_norm = _batch_norm(r) if norm_kind == 0 else _rms_norm(r)
    _check(r, tip_norm.channels == channels, "the trunk tip's channels")
    return Trunk(name, channels, mid, regular, dilated, gpool, initial_conv, initial_matmul, blocks, tip_norm,
                 _activation(r))


def _policy(r: _Reader, channels: int) -> PolicyHead:
    name = r.token("the policy head's name")
    r.where = f"policy head {name}"
    if r.version >= 17:
        out = r.int("policy output channels")
        _check(r, out in (2, 4), f"{out} policy output channels")
        r.zeros(3, "the policy head")
    else:
        out = 4 if r.version == 16 else 2 if r.version >= 12 else 1
    head = PolicyHead(name, _conv(r), _conv(r), _batch_norm(r), _activation(r), _matmul(r), _batch_norm(r),
                      _activation(r), _conv(r), _matmul(r))
    if r.version >= 15:
        head.pass_bias, head.pass_act, head.gpool_to_pass2 = _matbias(r), _activation(r), _matmul(r)
    g1 = head.g1_bn.channels
    _check(r, head.p1_conv.in_channels == head.g1_conv.in_channels == channels and
           head.g1_conv.out_channels == g1 and head.gpool_to_bias.in_channels == 3 * g1 == head.gpool_to_pass.in_channels
           and head.gpool_to_bias.out_channels == head.p1_bn.channels == head.p1_conv.out_channels ==
           head.p2_conv.in_channels and head.p2_conv.out_channels == out, "the policy head's sizes disagree")
    if head.gpool_to_pass2 is not None:
        _check(r, head.gpool_to_pass.out_channels == head.pass_bias.weight.shape[0] ==
               head.gpool_to_pass2.in_channels and head.gpool_to_pass2.out_channels == out, "the pass layers' sizes")
    else:
        _check(r, head.gpool_to_pass.out_channels == out, "the pass layer's size")
    return head


def _value(r: _Reader, channels: int) -> ValueHead:
    name = r.token("the value head's name")
    r.where = f"value head {name}"
    if r.version >= 17:
        r.zeros(3, "the value head")
    head = ValueHead(name, _conv(r), _batch_norm(r), _activation(r), _matmul(r), _matbias(r), _activation(r),
                     _matmul(r), _matbias(r), _matmul(r), _matbias(r), _conv(r))
    v1 = head.v1_conv.out_channels
    scores = 6 if r.version >= 9 else 4
    _check(r, head.v1_conv.in_channels == channels and head.v1_bn.channels == v1 and
           head.v2_mul.in_channels == 3 * v1 and head.v3_mul.out_channels == 3 and head.sv3_mul.out_channels == scores
           and head.v2_mul.out_channels == head.v3_mul.in_channels == head.sv3_mul.in_channels ==
           head.v2_bias.weight.shape[0] and head.v3_bias.weight.shape[0] == 3 and
           head.sv3_bias.weight.shape[0] == scores and
           head.ownership_conv.in_channels == v1 and head.ownership_conv.out_channels == 1,
           "the value head's sizes disagree")
    return head


def parse_model(data: bytes, source: str = "<model>") -> ModelDesc:
    """A :class:`ModelDesc` from the (decompressed) bytes of a model file."""
    r = _Reader(data, source)
    name = r.token("the model name")
    version = r.int("the model version")
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise UnsupportedModelError(f"{source}: model version {version} is not supported: advgo reads KataGo model "
                                    f"versions {MIN_VERSION} to {MAX_VERSION} (input features v7)")
    r.version = version
    spatial, global_ = r.int("spatial inputs"), r.int("global inputs")
    if (spatial, global_) != (SPATIAL_INPUTS, GLOBAL_INPUTS):
        raise UnsupportedModelError(f"{source}: {spatial} spatial and {global_} global inputs; model version {version} "
                                    f"should have {SPATIAL_INPUTS} and {GLOBAL_INPUTS}")
    post = PostProcess()
    if version >= 13:
        post = PostProcess(*(r.float(f"output multiplier {k}") for k in range(7)))
    meta, suicide_pass_alive = 0, False
    if version >= 15:
        meta = r.int("the meta encoder version")
        flag = r.int("the pass-alive-under-suicide flag")
        _check(r, flag in (0, 1) and meta >= 0, f"meta encoder {meta}, pass-alive flag {flag}")
        suicide_pass_alive = bool(flag)
        r.zeros(6, "the model header")
    trunk = _trunk(r, meta)
    policy = _policy(r, trunk.channels)
    value = _value(r, trunk.channels)
    if spatial != trunk.initial_conv.in_channels or global_ != trunk.initial_matmul.in_channels:
        raise r.fail("the initial layers do not take the declared inputs")
    return ModelDesc(name, version, spatial, global_, trunk, policy, value, post, meta, suicide_pass_alive)


def read_model(path: str | os.PathLike) -> ModelDesc:
    """Read a KataGo model file (gzip or not). ``FileNotFoundError``, ``ModelFormatError`` on a bad file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no KataGo model file at {path}")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError; bad deflate data a zlib.error
            raise ModelFormatError(f"{path}: corrupt gzip data ({err})") from None
    return parse_model(raw, str(path))
