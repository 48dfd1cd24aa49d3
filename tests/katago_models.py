"""Tiny random KataGo model descriptions (:class:`advgo.nets.katago.layers.ModelDesc`) for tests.

Every model version advgo reads and every layer kind a model file can hold, in nets small enough (4 to 16
channels) that a forward pass takes milliseconds. ``build(spec, seed)`` draws the weights from a seeded numpy
generator, so a ``(spec, seed)`` pair always gives the same net.

A trunk is a tuple of block specs:

| spec | block | notes |
|---|---|---|
| ``Res(mid, kernel)`` | ``ordinary_block`` | BN, act, conv to ``mid``, BN, act, conv back |
| ``GPool(regular, pooled, kernel)`` | ``gpool_block`` | ``pooled`` channels pooled into a bias on ``regular`` |
| ``Nested(mid, blocks, kernel)`` | ``nested_bottleneck_block`` | ``blocks`` run on ``mid`` channels |
| ``Attn(heads, kv_heads, q_dim, v_dim, rope, theta)`` | ``transformer_attention_block`` | rope ``"none"``, |
| | | ``"fixed"`` (``theta``) or ``"learned"``; grouped-query when ``kv_heads < heads`` |
| ``FFN(hidden)`` | ``transformer_ffn_block`` | SwiGLU |

What the model version fixes (:data:`CONFIGS` covers each):

| version | activations stored | policy channels | pass logit | score channels | header extras |
|---|---|---|---|---|---|
| 8 | no (all ReLU) | 1 | matmul | 4 | |
| 10 | no (all ReLU) | 1 | matmul | 6 | |
| 11 | yes | 1 | matmul | 6 | |
| 12, 14 | yes | 2 | matmul | 6 | 13+: output multipliers |
| 15 | yes | 2 | matmul, bias, act, matmul | 6 | trunk tip BN or RMSNorm, pass-alive flag |
| 16 | yes | 4 | as 15 | 6 | |
| 17 | yes | 2 or 4 (stored) | as 15 | 6 | reserved policy / value fields |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from advgo.nets.katago.layers import (
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

RELU, MISH, SILU, IDENTITY = "ACTIVATION_RELU", "ACTIVATION_MISH", "ACTIVATION_SILU", "ACTIVATION_IDENTITY"
SPATIAL_INPUTS, GLOBAL_INPUTS = 22, 19


@dataclass(frozen=True)
class Res:
    mid: int = 6
    kernel: int = 3


@dataclass(frozen=True)
class GPool:
    regular: int = 6
    pooled: int = 3
    kernel: int = 3


@dataclass(frozen=True)
class Nested:
    mid: int
    blocks: tuple
    kernel: int = 1


@dataclass(frozen=True)
class Attn:
    heads: int
    kv_heads: int
    q_dim: int
    v_dim: int
    rope: str = "none"
    theta: float = 100.0


@dataclass(frozen=True)
class FFN:
    hidden: int


@dataclass(frozen=True)
class Spec:
    """One tiny net: its model version, trunk and options (see the module docstring)."""

    version: int
    blocks: tuple
    channels: int = 8
    acts: tuple = (RELU,)  # activations drawn from (version >= 11; ReLU before, as the file cannot say otherwise)
    tip: str = "bn"  # "bn", "rms" (per point) or "rms_spatial" (over the board); RMSNorm needs version >= 15
    initial_kernel: int = 3
    policy_channels: int | None = None  # version 17 only: 2 or 4
    pass_alive_under_suicide: bool = False  # version >= 15


CONFIGS = {
    "v8-res": Spec(8, (Res(6), GPool(4, 3), Res(6, kernel=1)), initial_kernel=5),
    "v10-gpool": Spec(10, (GPool(6, 4), Res(8), GPool(4, 4, kernel=1)), channels=6),
    "v11-acts": Spec(11, (Res(6), Nested(6, (Res(4), GPool(4, 2))), GPool(6, 3)),
                     acts=(RELU, MISH, SILU, IDENTITY)),
    "v12-nested": Spec(12, (Nested(6, (GPool(4, 3), Res(4)), kernel=1), Nested(4, (Res(4), Res(4, kernel=1)), kernel=3)),
                       acts=(MISH,)),
    "v14-mixed": Spec(14, (Res(8), GPool(6, 4), Nested(6, (Res(6),))), channels=12, acts=(SILU, MISH)),
    "v15-transformer": Spec(15, (Nested(8, (Attn(2, 2, 4, 4, "learned"), FFN(12), Attn(2, 2, 4, 4, "learned"), FFN(12))),
                                 Nested(8, (Attn(2, 2, 4, 4, "learned"), FFN(12), Attn(2, 2, 4, 4, "learned"), FFN(12)))),
                            channels=12, acts=(SILU,), tip="rms_spatial"),
    "v15-rms-point": Spec(15, (Res(8), Attn(4, 2, 4, 3, "fixed", 100.0), FFN(10),
                               Nested(6, (Attn(2, 1, 4, 4, "none"), GPool(4, 3)))),
                          acts=(RELU, SILU, IDENTITY), tip="rms", pass_alive_under_suicide=True),
    "v16-gqa": Spec(16, (Nested(8, (Attn(4, 2, 6, 2, "fixed", 10000.0), FFN(8))), GPool(6, 4)), acts=(MISH, SILU)),
    "v17-p2": Spec(17, (Res(8), Nested(8, (Attn(2, 1, 4, 4, "learned"), FFN(16), Res(8)))), tip="rms_spatial",
                   policy_channels=2, acts=(SILU, RELU)),
    "v17-p4": Spec(17, (Attn(4, 4, 2, 2, "learned"), FFN(8), GPool(6, 4), Attn(2, 2, 8, 4, "fixed", 50.0)),
                   channels=16, tip="rms", policy_channels=4, acts=(IDENTITY, RELU, SILU)),
}
"""Named tiny nets: together every model version (8, 10, 11, 12, 14, 15, 16, 17), block kind, rope kind and trunk tip."""


def policy_channels(spec: Spec) -> int:
    if spec.version >= 17:
        return spec.policy_channels or 2
    return 4 if spec.version == 16 else 2 if spec.version >= 12 else 1


class _Builder:
    def __init__(self, spec: Spec, seed: int):
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self.acts = spec.acts if spec.version >= 11 else (RELU,)

    def normal(self, shape, scale: float, mean: float = 0.0) -> np.ndarray:
        return (mean + scale * self.rng.standard_normal(shape)).astype(np.float32)

    # ------------------------------------------------------------------------------------------------ layers
    def conv(self, name: str, cin: int, cout: int, kernel: int) -> Conv:
        return Conv(name, self.normal((kernel, kernel, cin, cout), 1.0 / np.sqrt(kernel * kernel * cin)))

    def bn(self, name: str, channels: int) -> BatchNorm:
        variance = self.rng.uniform(0.5, 2.0, channels).astype(np.float32)
        has_scale, has_bias = self.rng.random() < 0.8, self.rng.random() < 0.8
        return BatchNorm(name, self.normal(channels, 0.2), variance,
                         self.normal(channels, 0.2, 1.0) if has_scale else None,
                         self.normal(channels, 0.2) if has_bias else None,
                         float(self.rng.choice([1e-5, 1e-4, 1e-3])))

    def act(self, name: str) -> Activation:
        return Activation(name, str(self.rng.choice(self.acts)))

    def matmul(self, name: str, cin: int, cout: int) -> MatMul:
        return MatMul(name, self.normal((cin, cout), 1.0 / np.sqrt(cin)))

    def bias(self, name: str, channels: int) -> MatBias:
        return MatBias(name, self.normal(channels, 0.3))

    def tnorm(self, name: str, channels: int) -> TransformerNorm:
        return TransformerNorm(name, self.normal(channels, 0.1, 1.0), 1e-6)

    # ------------------------------------------------------------------------------------------------ blocks
    def block(self, name: str, spec, c: int):
        if isinstance(spec, Res):
            return ResidualBlock(name, self.bn(f"{name}/norm1", c), self.act(f"{name}/act1"),
                                 self.conv(f"{name}/w1", c, spec.mid, spec.kernel), self.bn(f"{name}/norm2", spec.mid),
                                 self.act(f"{name}/act2"), self.conv(f"{name}/w2", spec.mid, c, spec.kernel))
        if isinstance(spec, GPool):
            return GlobalPoolBlock(
                name, self.bn(f"{name}/norm1", c), self.act(f"{name}/act1"),
                self.conv(f"{name}/w1a", c, spec.regular, spec.kernel),
                self.conv(f"{name}/w1b", c, spec.pooled, spec.kernel), self.bn(f"{name}/norm1b", spec.pooled),
                self.act(f"{name}/act1b"), self.matmul(f"{name}/w1r", 3 * spec.pooled, spec.regular),
                self.bn(f"{name}/norm2", spec.regular), self.act(f"{name}/act2"),
                self.conv(f"{name}/w2", spec.regular, c, spec.kernel))
        if isinstance(spec, Nested):
            inner = [self.block(f"{name}/b{k}", b, spec.mid) for k, b in enumerate(spec.blocks)]
            return NestedBottleneckBlock(name, self.bn(f"{name}/norm1", c), self.act(f"{name}/act1"),
                                         self.conv(f"{name}/w1", c, spec.mid, spec.kernel), inner,
                                         self.bn(f"{name}/norm2", spec.mid), self.act(f"{name}/act2"),
                                         self.conv(f"{name}/w2", spec.mid, c, spec.kernel))
        if isinstance(spec, Attn):
            h, kv, qd, vd = spec.heads, spec.kv_heads, spec.q_dim, spec.v_dim
            block = AttentionBlock(name, h, kv, qd, vd, self.tnorm(f"{name}/norm", c),
                                   self.matmul(f"{name}/q", c, h * qd), self.matmul(f"{name}/k", c, kv * qd),
                                   self.matmul(f"{name}/v", c, kv * vd), self.matmul(f"{name}/out", h * vd, c), spec.rope)
            if spec.rope == "learned":  # (the file stores only the name of the rope kind in use)
                block.rope_freqs, block.rope_freqs_name = self.normal((kv, qd // 2, 2), 0.5), f"{name}/rope_freqs"
            elif spec.rope == "fixed":
                block.rope_theta, block.rope_theta_name = float(spec.theta), f"{name}/rope_theta"
            return block
        if isinstance(spec, FFN):
            return FFNBlock(name, spec.hidden, True, self.tnorm(f"{name}/norm", c),
                            self.matmul(f"{name}/w1", c, spec.hidden), self.matmul(f"{name}/wgate", c, spec.hidden),
                            self.matmul(f"{name}/w2", spec.hidden, c))
        raise TypeError(f"unknown block spec {spec!r}")

    # ------------------------------------------------------------------------------------------------ model
    def trunk(self) -> Trunk:
        s, c = self.spec, self.spec.channels
        if s.tip == "bn":
            tip = self.bn("trunk/tip_norm", c)
        else:
            tip = RMSNorm("trunk/tip_norm", self.normal(c, 0.1, 1.0), self.normal(c, 0.1), 1e-5, s.tip == "rms_spatial")
        return Trunk("trunk", c, c, c, 0, 3, self.conv("conv1", SPATIAL_INPUTS, c, s.initial_kernel),
                     self.matmul("ginputw", GLOBAL_INPUTS, c),
                     [self.block(f"rconv{k}", b, c) for k, b in enumerate(s.blocks)], tip, self.act("trunk/tip_act"))

    def policy(self) -> PolicyHead:
        c, p1, g1, out = self.spec.channels, 6, 4, policy_channels(self.spec)
        head = PolicyHead("policyhead", self.conv("p1/intermediate_conv/w", c, p1, 1),
                          self.conv("g1/w", c, g1, 1), self.bn("g1/norm", g1), self.act("g1/act"),
                          self.matmul("matmulg2w", 3 * g1, p1), self.bn("p1/norm", p1), self.act("p1/act"),
                          self.conv("p2/w", p1, out, 1), None, None, None, None)
        if self.spec.version >= 15:
            head.gpool_to_pass = self.matmul("matmulpass", 3 * g1, p1)
            head.pass_bias, head.pass_act = self.bias("matmulpass/b", p1), self.act("matmulpass/act")
            head.gpool_to_pass2 = self.matmul("matmulpass2", p1, out)
        else:
            head.gpool_to_pass = self.matmul("matmulpass", 3 * g1, out)
        return head

    def value(self) -> ValueHead:
        c, v1, v2 = self.spec.channels, 4, 8
        scores = 6 if self.spec.version >= 9 else 4
        return ValueHead("valuehead", self.conv("v1/w", c, v1, 1), self.bn("v1/norm", v1), self.act("v1/act"),
                         self.matmul("v2/w", 3 * v1, v2), self.bias("v2/b", v2), self.act("v2/act"),
                         self.matmul("v3/w", v2, 3), self.bias("v3/b", 3), self.matmul("sv3/w", v2, scores),
                         self.bias("sv3/b", scores), self.conv("vownership/w", v1, 1, 1))


def build(spec: Spec | str, seed: int = 0, name: str | None = None) -> ModelDesc:
    """A tiny random net of ``spec`` (or the name of one of :data:`CONFIGS`), weights drawn from ``seed``."""
    if isinstance(spec, str):
        name = name or f"tiny-{spec}"
        spec = CONFIGS[spec]
    if spec.tip != "bn" and spec.version < 15:
        raise ValueError(f"an RMSNorm trunk tip needs model version >= 15, not {spec.version}")
    b = _Builder(spec, seed)
    post = PostProcess()
    if spec.version >= 13:  # stored in the file from version 13: make them differ from the defaults
        post = PostProcess(*(float(v) for v in np.round(b.rng.uniform(0.2, 40.0, 7), 3)))
    trunk, policy, value = b.trunk(), b.policy(), b.value()
    return ModelDesc(name or f"tiny-v{spec.version}", spec.version, SPATIAL_INPUTS, GLOBAL_INPUTS, trunk, policy,
                     value, post, 0, bool(spec.pass_alive_under_suicide and spec.version >= 15))


def random_inputs(rng: np.random.Generator, batch: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(spatial float32 [B, 22, N, N], global float32 [B, 19])``: binary planes with plane 0 (on board) all
    ones, as KataGo's features are, and globals in [-1, 1]."""
    spatial = (rng.random((batch, SPATIAL_INPUTS, size, size)) < 0.3).astype(np.float32)
    spatial[:, 0] = 1.0
    global_ = rng.uniform(-1.0, 1.0, (batch, GLOBAL_INPUTS)).astype(np.float32)
    return spatial, global_
