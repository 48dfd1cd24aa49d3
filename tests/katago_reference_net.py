"""A slow, obvious NumPy forward pass of a KataGo model, written from KataGo's CPU backend (``eigenbackend.cpp``).

A test oracle for :class:`advgo.nets.katago.model.KataGoModel`; it shares nothing with advgo but the layer
dataclasses it reads (:mod:`advgo.nets.katago.layers`). Unlike advgo's model, which runs a board at its exact size,
it works as KataGo does: the board of size n sits in the top-left corner of an nn buffer of size m >= n, and the
on-board mask (= spatial input plane 0, 0 everywhere off the board) is threaded through every layer:

| KataGo (``eigenbackend.cpp``) | here |
|---|---|
| ``BatchNormLayer::apply``: scale, bias, activation, then 0 where the mask is not 1 | ``_bn_act`` |
| ``poolRowsGPool``: sum / mask sum, that mean times ``(sqrt(mask sum) - 14) / 10``, max of ``x + mask - 1`` | ``_gpool`` |
| starting from -1 (padding reads -1; the max is never below -1) | |
| ``poolRowsValueHead``: the mean, mean * ``(sqrt - 14) / 10``, mean * ``((sqrt - 14)^2 / 100 - 0.1)`` | ``_value_pool`` |
| residual blocks: the final conv accumulates into the trunk, unmasked (padding holds garbage no layer reads) | ``_block`` |
| transformer blocks: RMSNorm 0 off the board, keys off the board excluded from the softmax, the residual | ``_attention`` |
| add multiplied by the mask | ``_ffn`` |
| RoPE tables built for the nn buffer (x the column, y the row, from the top-left corner) | ``_rope_angles`` |
| trunk tip RMSNorm: per point, or over the masked points and all channels (``spatial``) | ``_tip`` |

Everything is computed in float64; arrays are channels-last ``[B, m, m, C]``. Outputs, cropped to the board and
flattened row-major like advgo's: ``policy [B, P, n*n]``, ``pass_logit [B, P]``, ``value [B, 3]``,
``score [B, S]``, ``ownership [B, n*n]``.
"""

from __future__ import annotations

import numpy as np

from advgo.nets.katago.layers import (
    AttentionBlock,
    FFNBlock,
    GlobalPoolBlock,
    ModelDesc,
    NestedBottleneckBlock,
    ResidualBlock,
    RMSNorm,
)


def _activation(kind: str, x: np.ndarray) -> np.ndarray:
    if kind == "ACTIVATION_IDENTITY":
        return x
    if kind == "ACTIVATION_RELU":
        return np.maximum(x, 0.0)
    if kind == "ACTIVATION_MISH":  # x * tanh(softplus(x))
        return x * np.tanh(np.logaddexp(0.0, x))
    if kind == "ACTIVATION_SILU":
        return x / (1.0 + np.exp(-x))
    raise ValueError(f"unknown activation {kind}")


def _conv(x: np.ndarray, layer) -> np.ndarray:
    """Zero-padded 'same' cross-correlation: out[y, x] = sum w[dy, dx] * in[y + dy - ky // 2, x + dx - kx // 2]."""
    w = layer.weight.astype(np.float64)  # [ky, kx, in, out]
    ky, kx = w.shape[:2]
    assert tuple(layer.dilation) == (1, 1), "KataGo's CPU backend has no dilated convolutions"
    b, m, _, _ = x.shape
    padded = np.pad(x, ((0, 0), (ky // 2, ky // 2), (kx // 2, kx // 2), (0, 0)))
    out = np.zeros((b, m, m, w.shape[3]))
    for dy in range(ky):
        for dx in range(kx):
            out += padded[:, dy:dy + m, dx:dx + m, :] @ w[dy, dx]
    return out


def _bn_act(x: np.ndarray, bn, act, mask: np.ndarray) -> np.ndarray:
    scale = np.ones(bn.channels) if bn.scale is None else bn.scale.astype(np.float64)
    bias = np.zeros(bn.channels) if bn.bias is None else bn.bias.astype(np.float64)
    y = (x - bn.mean) / np.sqrt(bn.variance.astype(np.float64) + bn.epsilon) * scale + bias
    y = _activation(act.kind, y)
    return np.where(mask[..., None] == 1.0, y, 0.0)


def _gpool(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[B, m, m, C] -> [B, 3C]. KataGo's running max starts at -1 and padding reads as x + mask - 1 = -1."""
    area = mask.sum(axis=(1, 2))[:, None]
    mean = x.sum(axis=(1, 2)) / area
    biggest = np.maximum(-1.0, (x + (mask[..., None] - 1.0)).max(axis=(1, 2)))
    return np.concatenate([mean, mean * (np.sqrt(area) - 14.0) * 0.1, biggest], axis=1)


def _value_pool(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    area = mask.sum(axis=(1, 2))[:, None]
    mean = x.sum(axis=(1, 2)) / area
    s = np.sqrt(area) - 14.0
    return np.concatenate([mean, mean * s * 0.1, mean * (s * s * 0.01 - 0.1)], axis=1)


def _rms_norm(x: np.ndarray, weight: np.ndarray, epsilon: float, mask: np.ndarray) -> np.ndarray:
    """Per point over channels; 0 off the board (``TransformerRMSNormLayer``)."""
    y = x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + epsilon) * weight
    return y * (mask[..., None] != 0.0)


def _rope_angles(block: AttentionBlock, m: int) -> np.ndarray:
    """[heads of the table (kv heads if learned, else 1), pairs, m*m] angles, as ``computeRopeCosSin``."""
    pairs = block.q_dim // 2
    angles = np.zeros((block.kv_heads if block.rope == "learned" else 1, pairs, m * m))
    for y in range(m):
        for x in range(m):
            xy = y * m + x
            for p in range(pairs):
                if block.rope == "learned":
                    for h in range(block.kv_heads):
                        fx, fy = block.rope_freqs[h, p]
                        angles[h, p, xy] = x * float(fx) + y * float(fy)
                else:
                    per_dim, half = pairs // 2, block.q_dim // 2
                    if p < per_dim:
                        angles[0, p, xy] = y / block.rope_theta ** (2 * p / half)
                    else:
                        angles[0, p, xy] = x / block.rope_theta ** (2 * (p - per_dim) / half)
    return angles


def _apply_rope(t: np.ndarray, block: AttentionBlock, heads: int, angles: np.ndarray) -> np.ndarray:
    """Rotate channel pairs (h * q_dim + 2p, h * q_dim + 2p + 1) of ``t`` [B, L, heads * q_dim]."""
    out = t.copy()
    for h in range(heads):
        table = h * block.kv_heads // heads if block.rope == "learned" else 0
        for p in range(block.q_dim // 2):
            c0 = h * block.q_dim + 2 * p
            cos, sin = np.cos(angles[table, p]), np.sin(angles[table, p])
            x0, x1 = t[:, :, c0], t[:, :, c0 + 1]
            out[:, :, c0] = x0 * cos - x1 * sin
            out[:, :, c0 + 1] = x0 * sin + x1 * cos
    return out


def _attention(trunk: np.ndarray, block: AttentionBlock, mask: np.ndarray) -> None:
    b, m, _, c = trunk.shape
    flat_mask = mask.reshape(b, m * m)
    h = _rms_norm(trunk, block.norm.weight, block.norm.epsilon, mask).reshape(b, m * m, c)
    q, k, v = (h @ layer.weight.astype(np.float64) for layer in (block.q, block.k, block.v))
    if block.rope != "none":
        angles = _rope_angles(block, m)
        q = _apply_rope(q, block, block.heads, angles)
        k = _apply_rope(k, block, block.kv_heads, angles)
    group = block.heads // block.kv_heads
    out = np.zeros((b, m * m, block.heads * block.v_dim))
    for n in range(b):
        keys_on = flat_mask[n] != 0.0
        for head in range(block.heads):
            kvh = head // group
            qh = q[n, :, head * block.q_dim:(head + 1) * block.q_dim]
            kh = k[n, :, kvh * block.q_dim:(kvh + 1) * block.q_dim]
            vh = v[n, :, kvh * block.v_dim:(kvh + 1) * block.v_dim]
            scores = qh @ kh.T / np.sqrt(block.q_dim)  # [queries, keys]
            scores = np.where(keys_on[None, :], scores, -np.inf)
            weights = np.exp(scores - scores.max(axis=1, keepdims=True))
            weights /= weights.sum(axis=1, keepdims=True)
            weights[~keys_on, :] = 0.0  # KataGo zeroes the rows of queries off the board
            out[n, :, head * block.v_dim:(head + 1) * block.v_dim] = weights @ vh
    projected = (out @ block.out.weight.astype(np.float64)).reshape(b, m, m, c)
    trunk += projected * mask[..., None]


def _ffn(trunk: np.ndarray, block: FFNBlock, mask: np.ndarray) -> None:
    h = _rms_norm(trunk, block.norm.weight, block.norm.epsilon, mask)
    a = h @ block.linear1.weight.astype(np.float64)
    gate = h @ block.gate.weight.astype(np.float64)
    trunk += ((a / (1.0 + np.exp(-a))) * gate @ block.linear2.weight.astype(np.float64)) * mask[..., None]


def _block(trunk: np.ndarray, block, mask: np.ndarray) -> None:
    """Apply ``block`` to ``trunk`` in place, as KataGo's ``apply`` accumulates into its trunk buffer."""
    if isinstance(block, ResidualBlock):
        mid = _conv(_bn_act(trunk, block.pre_bn, block.pre_act, mask), block.conv1)
        trunk += _conv(_bn_act(mid, block.mid_bn, block.mid_act, mask), block.conv2)
    elif isinstance(block, GlobalPoolBlock):
        h = _bn_act(trunk, block.pre_bn, block.pre_act, mask)
        regular = _conv(h, block.conv1)
        pooled = _gpool(_bn_act(_conv(h, block.gpool_conv), block.gpool_bn, block.gpool_act, mask), mask)
        regular += (pooled @ block.gpool_to_bias.weight.astype(np.float64))[:, None, None, :]
        trunk += _conv(_bn_act(regular, block.mid_bn, block.mid_act, mask), block.conv2)
    elif isinstance(block, NestedBottleneckBlock):
        mid = _conv(_bn_act(trunk, block.pre_bn, block.pre_act, mask), block.pre_conv)
        for inner in block.blocks:
            _block(mid, inner, mask)
        trunk += _conv(_bn_act(mid, block.post_bn, block.post_act, mask), block.post_conv)
    elif isinstance(block, AttentionBlock):
        _attention(trunk, block, mask)
    elif isinstance(block, FFNBlock):
        _ffn(trunk, block, mask)
    else:
        raise TypeError(f"unknown block {type(block).__name__}")


def _tip(trunk: np.ndarray, norm, act, mask: np.ndarray) -> np.ndarray:
    if not isinstance(norm, RMSNorm):
        return _bn_act(trunk, norm, act, mask)
    on = mask[..., None] != 0.0
    if norm.spatial:  # one rms per position in the batch, over the board's points and every channel
        count = on.sum(axis=(1, 2, 3)) * trunk.shape[-1]
        mean_square = (trunk * trunk * on).sum(axis=(1, 2, 3)) / count
        y = trunk / np.sqrt(mean_square + norm.epsilon)[:, None, None, None]
    else:
        y = trunk / np.sqrt((trunk * trunk).mean(axis=-1, keepdims=True) + norm.epsilon)
    y = _activation(act.kind, y * norm.gamma + norm.beta)
    return np.where(on, y, 0.0)


def reference_forward(desc: ModelDesc, spatial: np.ndarray, global_: np.ndarray, nn_size: int | None = None):
    """KataGo's outputs for boards ``spatial`` [B, 22, n, n] (plane 0 all ones) and ``global_`` [B, 19], evaluated
    in an nn buffer of ``nn_size`` >= n (default n) with the board in its top-left corner. Returns ``(policy,
    pass_logit, value, score, ownership)`` as float64 arrays (shapes in the module docstring)."""
    b, channels, n, _ = spatial.shape
    m = n if nn_size is None else nn_size
    assert m >= n and channels == desc.spatial_inputs
    inputs = np.zeros((b, m, m, channels))
    inputs[:, :n, :n, :] = spatial.transpose(0, 2, 3, 1)
    mask = inputs[..., 0].copy()  # KataGo's mask is input plane 0: 1 on the board, 0 in the padding
    t, p, v = desc.trunk, desc.policy, desc.value

    trunk = _conv(inputs, t.initial_conv)
    trunk += (global_.astype(np.float64) @ t.initial_matmul.weight.astype(np.float64))[:, None, None, :]
    for block in t.blocks:
        _block(trunk, block, mask)
    trunk = _tip(trunk, t.tip_norm, t.tip_act, mask)

    p1 = _conv(trunk, p.p1_conv)
    g1 = _bn_act(_conv(trunk, p.g1_conv), p.g1_bn, p.g1_act, mask)
    pooled = _gpool(g1, mask)
    p1 += (pooled @ p.gpool_to_bias.weight.astype(np.float64))[:, None, None, :]
    policy = _conv(_bn_act(p1, p.p1_bn, p.p1_act, mask), p.p2_conv)
    if desc.version >= 15:
        hidden = _activation(p.pass_act.kind, pooled @ p.gpool_to_pass.weight.astype(np.float64) + p.pass_bias.weight)
        pass_logit = hidden @ p.gpool_to_pass2.weight.astype(np.float64)
    else:
        pass_logit = pooled @ p.gpool_to_pass.weight.astype(np.float64)

    v1 = _bn_act(_conv(trunk, v.v1_conv), v.v1_bn, v.v1_act, mask)
    hidden = _activation(v.v2_act.kind, _value_pool(v1, mask) @ v.v2_mul.weight.astype(np.float64) + v.v2_bias.weight)
    value = hidden @ v.v3_mul.weight.astype(np.float64) + v.v3_bias.weight
    score = hidden @ v.sv3_mul.weight.astype(np.float64) + v.sv3_bias.weight
    ownership = _conv(v1, v.ownership_conv)

    on_board = (slice(None), slice(0, n), slice(0, n))
    policy = policy[on_board].reshape(b, n * n, -1).transpose(0, 2, 1)
    return policy, pass_logit, value, score, ownership[on_board].reshape(b, n * n)
