"""The layers of a KataGo model file as plain data: what :mod:`.format` reads and writes, :mod:`.model` builds from.

Every layer keeps its weights exactly as the file stores them (float32 numpy arrays), in the file's order:

| layer | file fields, in order | weights as stored |
|---|---|---|
| ``Conv`` | name, ky, kx, in, out, dilation y, dilation x | [ky, kx, in, out] |
| ``BatchNorm`` | name, channels, epsilon, has scale, has bias | mean, variance, then scale, bias if present |
| ``Activation`` | name, kind (model version >= 11; ReLU before) | none |
| ``MatMul`` | name, in, out | [in, out] |
| ``MatBias`` | name, channels | [channels] |
| ``RMSNorm`` (trunk tip) | name, channels, epsilon, spatial, channel group size (0) | gamma, beta |
| ``TransformerNorm`` | name, channels, epsilon | weight |

Blocks (:data:`BLOCK_KINDS` gives each its keyword in the file) nest: a nested-bottleneck block holds a stack of
blocks of any kind on its narrower channel count. The model file says nothing about the order in which a backend
computes, only what: :mod:`.model` follows KataGo's CPU (Eigen) backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACTIVATIONS = ("ACTIVATION_IDENTITY", "ACTIVATION_RELU", "ACTIVATION_MISH", "ACTIVATION_SILU")


@dataclass
class Conv:
    name: str
    weight: np.ndarray  # float32 [ky, kx, in, out], as stored
    dilation: tuple[int, int] = (1, 1)

    @property
    def in_channels(self) -> int:
        return int(self.weight.shape[2])

    @property
    def out_channels(self) -> int:
        return int(self.weight.shape[3])


@dataclass
class BatchNorm:
    name: str
    mean: np.ndarray  # [C]
    variance: np.ndarray  # [C]
    scale: np.ndarray | None  # [C] or None (ones)
    bias: np.ndarray | None  # [C] or None (zeros)
    epsilon: float = 1e-5

    @property
    def channels(self) -> int:
        return int(self.mean.shape[0])

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """``(scale, bias)`` with ``y = x * scale + bias``, computed in float32 as KataGo does."""
        scale = np.ones_like(self.mean) if self.scale is None else self.scale
        bias = np.zeros_like(self.mean) if self.bias is None else self.bias
        merged = (scale / np.sqrt(self.variance + np.float32(self.epsilon))).astype(np.float32)
        return merged, (bias - merged * self.mean).astype(np.float32)


@dataclass
class Activation:
    name: str
    kind: str = "ACTIVATION_RELU"


@dataclass
class MatMul:
    name: str
    weight: np.ndarray  # float32 [in, out], as stored

    @property
    def in_channels(self) -> int:
        return int(self.weight.shape[0])

    @property
    def out_channels(self) -> int:
        return int(self.weight.shape[1])


@dataclass
class MatBias:
    name: str
    weight: np.ndarray  # [C]


@dataclass
class RMSNorm:
    """The trunk tip's RMSNorm (trunk norm kind 1): ``x / rms(x) * gamma + beta``, per point or over the board."""

    name: str
    gamma: np.ndarray
    beta: np.ndarray
    epsilon: float
    spatial: bool

    @property
    def channels(self) -> int:
        return int(self.gamma.shape[0])


@dataclass
class TransformerNorm:
    """RMSNorm inside transformer blocks: ``x / rms(x) * weight`` per point, no bias."""

    name: str
    weight: np.ndarray
    epsilon: float


@dataclass
class ResidualBlock:
    name: str
    pre_bn: BatchNorm
    pre_act: Activation
    conv1: Conv
    mid_bn: BatchNorm
    mid_act: Activation
    conv2: Conv


@dataclass
class GlobalPoolBlock:
    name: str
    pre_bn: BatchNorm
    pre_act: Activation
    conv1: Conv  # the regular path
    gpool_conv: Conv
    gpool_bn: BatchNorm
    gpool_act: Activation
    gpool_to_bias: MatMul
    mid_bn: BatchNorm
    mid_act: Activation
    conv2: Conv


@dataclass
class NestedBottleneckBlock:
    name: str
    pre_bn: BatchNorm
    pre_act: Activation
    pre_conv: Conv
    blocks: list
    post_bn: BatchNorm
    post_act: Activation
    post_conv: Conv


@dataclass
class AttentionBlock:
    name: str
    heads: int
    kv_heads: int
    q_dim: int  # per head, for queries and keys
    v_dim: int  # per head
    norm: TransformerNorm
    q: MatMul
    k: MatMul
    v: MatMul
    out: MatMul
    rope: str  # "none", "learned" or "fixed"
    rope_freqs: np.ndarray | None = None  # learned: float32 [kv_heads, q_dim // 2, 2] (x, y frequency per pair)
    rope_theta: float = 0.0  # fixed
    rope_freqs_name: str = "rope_freqs"
    rope_theta_name: str = "rope_theta"


@dataclass
class FFNBlock:
    name: str
    ffn_channels: int
    swiglu: bool
    norm: TransformerNorm
    linear1: MatMul
    gate: MatMul | None
    linear2: MatMul


BLOCK_KINDS = {
    ResidualBlock: "ordinary_block",
    GlobalPoolBlock: "gpool_block",
    NestedBottleneckBlock: "nested_bottleneck_block",
    AttentionBlock: "transformer_attention_block",
    FFNBlock: "transformer_ffn_block",
}


@dataclass
class Trunk:
    name: str
    channels: int
    mid_channels: int
    regular_channels: int
    dilated_channels: int
    gpool_channels: int
    initial_conv: Conv
    initial_matmul: MatMul
    blocks: list
    tip_norm: BatchNorm | RMSNorm
    tip_act: Activation


@dataclass
class PolicyHead:
    name: str
    p1_conv: Conv
    g1_conv: Conv
    g1_bn: BatchNorm
    g1_act: Activation
    gpool_to_bias: MatMul
    p1_bn: BatchNorm
    p1_act: Activation
    p2_conv: Conv
    gpool_to_pass: MatMul
    pass_bias: MatBias | None = None  # model version >= 15: a hidden layer for the pass logit
    pass_act: Activation | None = None
    gpool_to_pass2: MatMul | None = None


@dataclass
class ValueHead:
    name: str
    v1_conv: Conv
    v1_bn: BatchNorm
    v1_act: Activation
    v2_mul: MatMul
    v2_bias: MatBias
    v2_act: Activation
    v3_mul: MatMul
    v3_bias: MatBias
    sv3_mul: MatMul
    sv3_bias: MatBias
    ownership_conv: Conv


@dataclass
class PostProcess:
    """Output multipliers (model version >= 13; KataGo's defaults before)."""

    td_score: float = 20.0
    score_mean: float = 20.0
    score_stdev: float = 20.0
    lead: float = 20.0
    variance_time: float = 40.0
    shortterm_value_error: float = 0.25
    shortterm_score_error: float = 30.0


@dataclass
class ModelDesc:
    """One KataGo model file."""

    name: str
    version: int
    spatial_inputs: int
    global_inputs: int
    trunk: Trunk
    policy: PolicyHead
    value: ValueHead
    post: PostProcess = field(default_factory=PostProcess)
    meta_encoder_version: int = 0
    pass_alive_under_suicide: bool = False  # the net wants pass-alive areas computed as if suicide were legal

    @property
    def policy_channels(self) -> int:
        return self.policy.p2_conv.out_channels
