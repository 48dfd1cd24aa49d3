"""The 8 symmetries of the square board (the dihedral group D4) on planes, policies and action ids.

Symmetry ``k`` in 0..7 rotates a board by ``k % 4`` quarter turns (``np.rot90``: counter-clockwise as
printed, row 0 on top), then, when ``k >= 4``, mirrors it left-right. ``k = 0`` is the identity; 1..3 are
rotations; 4..7 are the four reflections (each its own inverse).

| function | input | output |
|---|---|---|
| ``transform_planes(x, k)`` | ``[..., N, N]`` numpy array or torch tensor | the same shape, transformed |
| ``transform_policy(p, k, size)`` | ``[..., N*N + 1]`` (pass last) | board part transformed, pass in place |
| ``transform_action(a, k, size)`` | an action id | where that point goes (pass stays pass) |
| ``policy_permutation(k, size)`` | | int64 [N*N + 1] ``perm``: ``transform_policy(p, k) == p[..., perm]`` |
| ``board_permutations(size)`` | | int64 [8, N*N] each symmetry's board points and its inverse's (for gathers) |
| ``inverse(k)`` | | the symmetry that undoes ``k`` |

Torch tensors work too (``Tensor.rot90`` / ``flip`` have numpy's semantics); this module does not import torch.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

NUM_SYMMETRIES = 8
SYMMETRIES = tuple(range(NUM_SYMMETRIES))


def _check(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < NUM_SYMMETRIES:
        raise ValueError(f"symmetry must be an int in 0..{NUM_SYMMETRIES - 1}, got {k!r}")
    return int(k)


def inverse(k: int) -> int:
    """The symmetry ``j`` with ``transform(transform(x, k), j) == x``."""
    k = _check(k)
    return (4 - k) % 4 if k < 4 else k


def transform_planes(x, k: int):
    """Apply symmetry ``k`` to the last two (square) axes of ``x``; returns a new array or tensor."""
    k = _check(k)
    if isinstance(x, np.ndarray):
        out = np.rot90(x, k % 4, axes=(-2, -1))
        if k >= 4:
            out = np.flip(out, axis=-1)
        return np.ascontiguousarray(out)
    dims = (x.dim() - 2, x.dim() - 1)  # a torch tensor
    out = x.rot90(k % 4, dims) if k % 4 else x
    return out.flip(dims[1]) if k >= 4 else (out.clone() if out is x else out)


@lru_cache(maxsize=None)
def _permutation(k: int, size: int) -> np.ndarray:
    board = transform_planes(np.arange(size * size, dtype=np.int64).reshape(size, size), k)
    perm = np.append(board.reshape(-1), size * size)
    perm.setflags(write=False)
    return perm


def policy_permutation(k: int, size: int) -> np.ndarray:
    """Read-only int64 [N*N + 1] ``perm`` with ``transform_policy(p, k, size) == p[..., perm]`` (pass last)."""
    return _permutation(_check(k), int(size))


@lru_cache(maxsize=None)
def board_permutations(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Read-only ``(forward, back)`` int64 [8, N*N]: row ``k`` of ``forward`` is ``policy_permutation(k)``'s board
    part (gather a position's points to transform it), row ``k`` of ``back`` undoes it (gather the answer back)."""
    n2 = int(size) * int(size)
    forward = np.stack([policy_permutation(k, size)[:n2] for k in SYMMETRIES])
    back = np.stack([policy_permutation(inverse(k), size)[:n2] for k in SYMMETRIES])
    forward.setflags(write=False)
    back.setflags(write=False)
    return forward, back


def transform_policy(p, k: int, size: int):
    """Apply symmetry ``k`` to policies ``[..., N*N + 1]`` (the board part; pass stays last)."""
    perm = policy_permutation(k, size)
    if p.shape[-1] != perm.shape[0]:
        raise ValueError(f"policy must end in N*N + 1 = {perm.shape[0]} entries for size {size}, got {p.shape}")
    if isinstance(p, np.ndarray):
        return p[..., perm]
    import torch  # only reached with a torch tensor, so torch is already imported

    return p.index_select(-1, torch.tensor(perm, device=p.device))


def transform_action(action: int, k: int, size: int) -> int:
    """Where symmetry ``k`` moves action ``action`` (pass maps to pass)."""
    perm = policy_permutation(k, size)
    if not 0 <= action < perm.shape[0]:
        raise ValueError(f"action {action} is out of range 0..{perm.shape[0] - 1} for size {size}")
    return int(policy_permutation(inverse(k), size)[action])
