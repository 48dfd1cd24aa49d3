"""KataGo's network as a PyTorch module, built from a :class:`ModelDesc` (what :mod:`.format` reads).

Computes what KataGo's own CPU backend (Eigen) computes, layer by layer, for a batch of positions of one board
size evaluated at exactly that size (KataGo pads a small board into its fixed NN buffer and masks the padding;
with the mask all ones both give the same numbers: convolutions see zeros past the edge either way, the pooled
means divide by the board's area, attention only attends to board points).

Layout: the residual stream is ``[B, L, C]`` (L = N*N board points, row-major from the top-left, the same flat
index as advgo's action ids), so 1x1 convolutions and every transformer layer are plain matrix products; larger
convolutions run on a channels-last view of the same memory.

| output | shape | meaning (from the player to move's side, before post-processing) |
|---|---|---|
| ``policy`` | [B, P, L] | move logits; channel 0 the policy, 1 the optimistic policy (model version >= 12) |
| ``pass_logit`` | [B, P] | the pass logit of each policy channel |
| ``value`` | [B, 3] | win / loss / no-result logits |
| ``score`` | [B, 6] | score mean, score mean square, lead, variance of time left, short-term errors (pre-scaling) |
| ``ownership`` | [B, L] | ownership logit (tanh gives +1 = the player to move owns the point) |

Pooling as KataGo: global pooling gives ``[mean, mean * (sqrt(area) - 14) / 10, max(max, -1)]`` per channel; the value
head's pooling ``[mean, mean * (sqrt(area) - 14) / 10, mean * ((sqrt(area) - 14)^2 / 100 - 0.1)]``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .layers import (
    Activation,
    AttentionBlock,
    BatchNorm,
    Conv,
    FFNBlock,
    GlobalPoolBlock,
    MatMul,
    ModelDesc,
    NestedBottleneckBlock,
    ResidualBlock,
    RMSNorm,
)

__all__ = ["KataGoModel"]


def _t(array: np.ndarray) -> torch.Tensor:
    array = np.ascontiguousarray(array, np.float32)
    return torch.from_numpy(array if array.flags.writeable else array.copy())  # read-only: a desc sent through Ray


def _act(layer: Activation | None):
    kind = "ACTIVATION_IDENTITY" if layer is None else layer.kind
    return {"ACTIVATION_IDENTITY": nn.Identity, "ACTIVATION_RELU": nn.ReLU, "ACTIVATION_MISH": nn.Mish,
            "ACTIVATION_SILU": nn.SiLU}[kind]()


class _Conv(nn.Module):
    """A convolution on the ``[B, L, C]`` stream: a matrix product for 1x1, else conv2d on a channels-last view."""

    def __init__(self, layer: Conv):
        super().__init__()
        ky, kx, cin, cout = layer.weight.shape
        self.pointwise = ky == 1 and kx == 1
        weight = _t(layer.weight).permute(3, 2, 0, 1).contiguous()  # [out, in, ky, kx]
        self.weight = nn.Parameter(weight[:, :, 0, 0].contiguous() if self.pointwise else weight,
                                   requires_grad=False)
        self.padding = ((ky - 1) // 2 * layer.dilation[0], (kx - 1) // 2 * layer.dilation[1])
        self.dilation = layer.dilation

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        if self.pointwise:
            return F.linear(x, self.weight)
        b, _, c = x.shape
        image = x.view(b, size, size, c).permute(0, 3, 1, 2)  # [B, C, N, N], channels-last strides
        out = F.conv2d(image, self.weight, padding=self.padding, dilation=self.dilation)
        return out.permute(0, 2, 3, 1).reshape(b, size * size, -1)


class _NormAct(nn.Module):
    """Batch norm (folded into a scale and a bias) and an activation, per channel."""

    def __init__(self, bn: BatchNorm, act: Activation | None):
        super().__init__()
        scale, bias = bn.merged()
        self.scale = nn.Parameter(_t(scale), requires_grad=False)
        self.bias = nn.Parameter(_t(bias), requires_grad=False)
        self.act = _act(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(torch.addcmul(self.bias, x, self.scale))


def _linear(layer: MatMul) -> nn.Parameter:
    return nn.Parameter(_t(layer.weight).t().contiguous(), requires_grad=False)  # [out, in]


def _gpool(x: torch.Tensor, size: int) -> torch.Tensor:
    """[B, L, C] -> [B, 3C]: mean, mean scaled by the board's width, max (never below -1: KataGo's backends start
    the max at -1 to skip the padding, which only shows after an identity activation)."""
    mean = x.mean(dim=1)
    return torch.cat((mean, mean * ((size - 14.0) * 0.1), x.amax(dim=1).clamp_min(-1.0)), dim=1)


def _value_pool(x: torch.Tensor, size: int) -> torch.Tensor:
    mean = x.mean(dim=1)
    s = size - 14.0
    return torch.cat((mean, mean * (s * 0.1), mean * (s * s * 0.01 - 0.1)), dim=1)


class _Residual(nn.Module):
    def __init__(self, block: ResidualBlock):
        super().__init__()
        self.pre = _NormAct(block.pre_bn, block.pre_act)
        self.conv1 = _Conv(block.conv1)
        self.mid = _NormAct(block.mid_bn, block.mid_act)
        self.conv2 = _Conv(block.conv2)

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        return x + self.conv2(self.mid(self.conv1(self.pre(x), size)), size)


class _GlobalPool(nn.Module):
    def __init__(self, block: GlobalPoolBlock):
        super().__init__()
        self.pre = _NormAct(block.pre_bn, block.pre_act)
        self.conv1 = _Conv(block.conv1)
        self.gconv = _Conv(block.gpool_conv)
        self.gnorm = _NormAct(block.gpool_bn, block.gpool_act)
        self.to_bias = _linear(block.gpool_to_bias)
        self.mid = _NormAct(block.mid_bn, block.mid_act)
        self.conv2 = _Conv(block.conv2)

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        h = self.pre(x)
        regular = self.conv1(h, size)
        pooled = _gpool(self.gnorm(self.gconv(h, size)), size)
        regular = regular + F.linear(pooled, self.to_bias)[:, None, :]
        return x + self.conv2(self.mid(regular), size)


class _RMSNorm(nn.Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over channels, per point (transformer blocks)."""

    def __init__(self, weight: np.ndarray, epsilon: float):
        super().__init__()
        self.weight = nn.Parameter(_t(weight), requires_grad=False)
        self.epsilon = float(epsilon)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.rms_norm(x, (x.shape[-1],), self.weight, self.epsilon)


def _pairs_to_halves(weight: torch.Tensor, heads: int, dim: int) -> torch.Tensor:
    """Reorder each head's output rows from interleaved pairs (2p, 2p+1) to halves (all 2p, then all 2p+1).

    Attention only uses dot products of queries with keys, which a permutation applied to both leaves unchanged;
    with the halves layout the rotation is two contiguous slices instead of a strided gather (10x faster here)."""
    return weight[halves_index(heads, dim)]


def halves_index(heads: int, dim: int) -> torch.Tensor:
    """Row ``i`` of the halves layout is row ``index[i]`` of the interleaved one (per head of ``dim`` rows)."""
    order = torch.cat([torch.arange(0, dim, 2), torch.arange(1, dim, 2)])
    return (torch.arange(heads)[:, None] * dim + order[None, :]).reshape(-1)


class _Attention(nn.Module):
    def __init__(self, block: AttentionBlock):
        super().__init__()
        self.heads, self.kv_heads, self.q_dim, self.v_dim = block.heads, block.kv_heads, block.q_dim, block.v_dim
        self.norm = _RMSNorm(block.norm.weight, block.norm.epsilon)
        self.rope = block.rope
        q, k, v = (_linear(x).data for x in (block.q, block.k, block.v))
        if block.rope != "none":
            q, k = _pairs_to_halves(q, block.heads, block.q_dim), _pairs_to_halves(k, block.kv_heads, block.q_dim)
        # one matrix product for the three projections: [q; k; v] stacked on the output side
        self.qkv = nn.Parameter(torch.cat([q, k, v]), requires_grad=False)
        self.split = (block.heads * block.q_dim, block.kv_heads * block.q_dim, block.kv_heads * block.v_dim)
        self.out = _linear(block.out)
        if block.rope == "learned":
            self.freqs = nn.Parameter(_t(block.rope_freqs), requires_grad=False)  # [kv heads, pairs, 2]
        self.theta = float(block.rope_theta)
        self._tables: dict[tuple, tuple[torch.Tensor, ...]] = {}

    def _angles(self, size: int, device) -> torch.Tensor:
        """[kv heads or 1, pairs, L] rotation angles; x is the column, y the row, both from 0."""
        ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float32, device=device),
                                torch.arange(size, dtype=torch.float32, device=device), indexing="ij")
        xs, ys = xs.reshape(-1), ys.reshape(-1)
        if self.rope == "learned":
            freqs = self.freqs.float()
            return xs * freqs[:, :, 0:1] + ys * freqs[:, :, 1:2]
        pairs = self.q_dim // 2
        per_dim, half = pairs // 2, self.q_dim // 2
        p = torch.arange(pairs, dtype=torch.float32, device=device)
        index = torch.where(p < per_dim, p, p - per_dim)
        freq = 1.0 / torch.pow(torch.tensor(self.theta, device=device), 2 * index / half)
        coord = torch.where((p < per_dim)[:, None], ys[None, :], xs[None, :])
        return (coord * freq[:, None])[None]

    def _table(self, size: int, device, dtype) -> tuple[torch.Tensor, ...]:
        """cos and sin for the queries, then for the keys: [1, heads (or 1), L, pairs] each, cached per size."""
        key = (size, device, dtype)
        if key not in self._tables:
            with torch.no_grad():  # a constant of the net (learned frequencies are never trained here)
                angles = self._angles(size, device)  # [K, pairs, L], K = kv heads (learned) or 1 (fixed)
                keys = angles.permute(0, 2, 1)[None]  # [1, K, L, pairs]
                queries = keys.repeat_interleave(self.heads // self.kv_heads, dim=1) if keys.shape[1] > 1 else keys
                self._tables[key] = tuple(f(a).to(dtype) for a in (queries, keys) for f in (torch.cos, torch.sin))
        return self._tables[key]

    @staticmethod
    def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """Rotate the channel pairs (p, pairs + p) of ``x`` [B, H, L, D] (halves layout) by the table's angles."""
        half = x.shape[-1] // 2
        x0, x1 = x[..., :half], x[..., half:]
        return torch.cat((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        b, length, _ = x.shape
        q, k, v = F.linear(self.norm(x), self.qkv).split(self.split, dim=-1)
        q = q.reshape(b, length, self.heads, self.q_dim).transpose(1, 2)
        k = k.reshape(b, length, self.kv_heads, self.q_dim).transpose(1, 2)
        v = v.reshape(b, length, self.kv_heads, self.v_dim).transpose(1, 2)
        if self.rope != "none":
            q_cos, q_sin, k_cos, k_sin = self._table(size, x.device, x.dtype)
            q = self._rotate(q, q_cos, q_sin)
            k = self._rotate(k, k_cos, k_sin)
        if self.kv_heads != self.heads:
            group = self.heads // self.kv_heads
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        if x.device.type == "cpu" and x.dtype != torch.float32:
            # torch's CPU attention kernel is slow in bf16 at these sizes (measured 7.5 vs 4.7 ms for 64 9x9 boards)
            weights = torch.softmax((q @ k.transpose(-1, -2)) * self.q_dim ** -0.5, dim=-1)
            attended = weights @ v
        else:
            attended = F.scaled_dot_product_attention(q, k, v)  # [B, H, L, v_dim], scale 1/sqrt(q_dim)
        return x + F.linear(attended.transpose(1, 2).reshape(b, length, self.heads * self.v_dim), self.out)


class _FFN(nn.Module):
    def __init__(self, block: FFNBlock):
        super().__init__()
        self.norm = _RMSNorm(block.norm.weight, block.norm.epsilon)
        # [linear1; gate] in one matrix product
        self.up = nn.Parameter(torch.cat([_linear(block.linear1).data, _linear(block.gate).data]), requires_grad=False)
        self.linear2 = _linear(block.linear2)

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        hidden, gate = F.linear(self.norm(x), self.up).chunk(2, dim=-1)
        return x + F.linear(F.silu(hidden) * gate, self.linear2)


class _Nested(nn.Module):
    def __init__(self, block: NestedBottleneckBlock):
        super().__init__()
        self.pre = _NormAct(block.pre_bn, block.pre_act)
        self.pre_conv = _Conv(block.pre_conv)
        self.blocks = nn.ModuleList(_block(b) for b in block.blocks)
        self.post = _NormAct(block.post_bn, block.post_act)
        self.post_conv = _Conv(block.post_conv)

    def forward(self, x: torch.Tensor, size: int) -> torch.Tensor:
        h = self.pre_conv(self.pre(x), size)
        for block in self.blocks:
            h = block(h, size)
        return x + self.post_conv(self.post(h), size)


def _block(block) -> nn.Module:
    return {ResidualBlock: _Residual, GlobalPoolBlock: _GlobalPool, NestedBottleneckBlock: _Nested,
            AttentionBlock: _Attention, FFNBlock: _FFN}[type(block)](block)


class _TipNorm(nn.Module):
    """The trunk's final normalisation: batch norm, or RMSNorm per point or over the whole board; then the activation."""

    def __init__(self, norm, act: Activation):
        super().__init__()
        self.rms = isinstance(norm, RMSNorm)
        if self.rms:
            self.gamma = nn.Parameter(_t(norm.gamma), requires_grad=False)
            self.beta = nn.Parameter(_t(norm.beta), requires_grad=False)
            self.epsilon, self.spatial = float(norm.epsilon), bool(norm.spatial)
            self.act = _act(act)
        else:
            self.bn = _NormAct(norm, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.rms:
            return self.bn(x)
        dims = (1, 2) if self.spatial else (2,)
        x = x * torch.rsqrt(x.pow(2).mean(dim=dims, keepdim=True) + self.epsilon)
        return self.act(torch.addcmul(self.beta, x, self.gamma))


def played_logits(policy: torch.Tensor, pass_logit: torch.Tensor, optimism: float) -> torch.Tensor:
    """[B, N*N + 1] logits of the policy KataGo plays (pass last) from the model's policy [B, P, L] and pass [B, P]
    outputs: ``p + (p_optimistic - p) * optimism`` for model version >= 12 (two or more channels), else channel 0."""
    if policy.shape[1] >= 2:
        board = policy[:, 0] + (policy[:, 1] - policy[:, 0]) * optimism
        passes = pass_logit[:, 0] + (pass_logit[:, 1] - pass_logit[:, 0]) * optimism
    else:
        board, passes = policy[:, 0], pass_logit[:, 0]
    return torch.cat((board, passes[:, None]), dim=1)


class KataGoModel(nn.Module):
    """The network of one KataGo model file; ``forward(spatial [B, 22, N, N], global [B, 19])`` (see the module
    docstring for the outputs)."""

    def __init__(self, desc: ModelDesc):
        super().__init__()
        self.name, self.version = desc.name, desc.version
        self.post = desc.post
        self.pass_alive_under_suicide = desc.pass_alive_under_suicide
        t, p, v = desc.trunk, desc.policy, desc.value
        self.initial_conv = _Conv(t.initial_conv)
        self.initial_global = _linear(t.initial_matmul)
        self.blocks = nn.ModuleList(_block(b) for b in t.blocks)
        self.tip = _TipNorm(t.tip_norm, t.tip_act)
        self.p1 = _Conv(p.p1_conv)
        self.g1 = _Conv(p.g1_conv)
        self.g1_norm = _NormAct(p.g1_bn, p.g1_act)
        self.g1_to_bias = _linear(p.gpool_to_bias)
        self.p1_norm = _NormAct(p.p1_bn, p.p1_act)
        self.p2 = _Conv(p.p2_conv)
        self.to_pass = _linear(p.gpool_to_pass)
        self.pass_hidden = p.gpool_to_pass2 is not None
        if self.pass_hidden:
            self.pass_bias = nn.Parameter(_t(p.pass_bias.weight), requires_grad=False)
            self.pass_act = _act(p.pass_act)
            self.to_pass2 = _linear(p.gpool_to_pass2)
        self.v1 = _Conv(v.v1_conv)
        self.v1_norm = _NormAct(v.v1_bn, v.v1_act)
        self.v2 = _linear(v.v2_mul)
        self.v2_bias = nn.Parameter(_t(v.v2_bias.weight), requires_grad=False)
        self.v2_act = _act(v.v2_act)
        self.v3 = _linear(v.v3_mul)
        self.v3_bias = nn.Parameter(_t(v.v3_bias.weight), requires_grad=False)
        self.sv3 = _linear(v.sv3_mul)
        self.sv3_bias = nn.Parameter(_t(v.sv3_bias.weight), requires_grad=False)
        self.ownership = _Conv(v.ownership_conv)
        self.eval()

    def forward(self, spatial: torch.Tensor, global_: torch.Tensor) -> tuple[torch.Tensor, ...]:
        b, c, n, _ = spatial.shape
        tokens = spatial.permute(0, 2, 3, 1).reshape(b, n * n, c)
        x = self.initial_conv(tokens, n) + F.linear(global_, self.initial_global)[:, None, :]
        for block in self.blocks:
            x = block(x, n)
        x = self.tip(x)
        # policy head
        g = self.g1_norm(self.g1(x, n))
        pooled = _gpool(g, n)
        p = self.p1(x, n) + F.linear(pooled, self.g1_to_bias)[:, None, :]
        policy = self.p2(self.p1_norm(p), n).transpose(1, 2)  # [B, P, L]
        if self.pass_hidden:
            pass_logit = F.linear(self.pass_act(F.linear(pooled, self.to_pass) + self.pass_bias), self.to_pass2)
        else:
            pass_logit = F.linear(pooled, self.to_pass)
        # value head
        h = self.v1_norm(self.v1(x, n))
        hidden = self.v2_act(F.linear(_value_pool(h, n), self.v2) + self.v2_bias)
        value = F.linear(hidden, self.v3) + self.v3_bias
        score = F.linear(hidden, self.sv3) + self.sv3_bias
        ownership = self.ownership(h, n)[..., 0]
        return policy, pass_logit, value, score, ownership

