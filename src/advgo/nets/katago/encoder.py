"""``KataGoEncoder``: KataGo's input features of a batch of positions into reusable buffers, with no net attached.

:class:`~advgo.nets.katago.KataGoNet` encodes through one; so does a game actor that sends its positions to an
inference server (the server holds the net, the actor only encodes). The features are
:mod:`advgo.features.katago`'s; the encoder adds the legal moves as a 23rd plane so that one packed array carries
all a server needs:

| array | shape | what |
|---|---|---|
| ``planes`` | float32 [B, 23, N, N] | KataGo's 22 feature planes, then 1 where a board move is legal (pass always is) |
| ``globals`` | float32 [B, 19] | KataGo's global inputs |

The settings are KataGo's ``MiscNNInputParams`` and search parameters that change its inputs:
``passing_hacks`` (``enablePassingHacks``), ``conservative_pass`` (``conservativePass`` at a search's root),
``friendly_pass_ok`` (the rule), ``pass_alive_suicide`` (the model file's pass-alive flag).
"""

from __future__ import annotations

import numpy as np
import torch

from advgo.engine import Boards
from advgo.features.katago import GLOBALS, SPATIAL, encode_katago

from ..evaluator import rule_codes_of

__all__ = ["KataGoEncoder", "PLANES"]

PLANES = SPATIAL + 1  # the features and the legal-move plane
MIN_SIZE, MAX_SIZE = 7, 19


class KataGoEncoder:
    """KataGo's features of engine positions (see the module docstring); ``pin`` allocates pinned buffers (CUDA)."""

    planes = PLANES

    def __init__(self, rules=None, *, passing_hacks: bool = False, conservative_pass: bool = False,
                 friendly_pass_ok: bool = False, pass_alive_suicide: bool = False, capacity: int = 256,
                 pin: bool = False):
        self.rules = rule_codes_of(rules)
        self.passing_hacks, self.conservative_pass = bool(passing_hacks), bool(conservative_pass)
        self.friendly_pass_ok, self.pass_alive_suicide = bool(friendly_pass_ok), bool(pass_alive_suicide)
        self.pin = pin
        self._min_capacity = max(1, int(capacity))
        self._size = self._capacity = 0

    def set_rules(self, rules) -> None:
        self.rules = rule_codes_of(rules)

    def _grow(self, n: int, count: int) -> None:
        if n == self._size and count <= self._capacity:
            return
        capacity = max(count, self._min_capacity, 2 * self._capacity if n == self._size else 0)
        self.planes_t = torch.zeros((capacity, PLANES, n, n), dtype=torch.float32, pin_memory=self.pin)
        self.globals_t = torch.zeros((capacity, GLOBALS), dtype=torch.float32, pin_memory=self.pin)
        self._planes, self._globals = self.planes_t.numpy(), self.globals_t.numpy()
        self._spatial = self._planes[:, :SPATIAL]  # a view: the encoder writes the features in place
        self._legal = np.zeros((capacity, n * n + 1), np.bool_)
        self._size, self._capacity = n, capacity

    def encode(self, leaves: Boards, count: int, komi: float) -> tuple[np.ndarray, np.ndarray]:
        """``(planes [count, 23, N, N], globals [count, 19])`` of games ``0 .. count - 1``: views of the encoder's
        buffers (valid until the next call)."""
        n = leaves.size
        if not MIN_SIZE <= n <= MAX_SIZE:
            raise ValueError(f"KataGo's nets take boards {MIN_SIZE}x{MIN_SIZE} to {MAX_SIZE}x{MAX_SIZE}, not {n}x{n}")
        if not 0 <= count <= leaves.stones.shape[0]:
            raise ValueError(f"count must be in 0..{leaves.stones.shape[0]}, got {count}")
        if not np.isfinite(komi):
            raise ValueError(f"komi must be finite, got {komi}")
        self._grow(n, count)
        encode_katago(leaves, count, float(komi), self.rules, self._spatial, self._globals, self._legal,
                      pass_alive_suicide=self.pass_alive_suicide, friendly_pass_ok=self.friendly_pass_ok,
                      passing_hacks=self.passing_hacks, conservative_pass=self.conservative_pass)
        self._planes[:count, SPATIAL] = self._legal[:count, :n * n].reshape(count, n, n)
        return self._planes[:count], self._globals[:count]

    def legal(self, count: int) -> np.ndarray:
        """bool [count, N*N + 1]: the legal moves of the last ``encode`` (pass included)."""
        return self._legal[:count]


def split_planes(planes) -> tuple:
    """``planes`` [B, 23, N, N] (numpy or torch) -> (features [B, 22, N, N] as a torch tensor, legal bool
    [B, N*N + 1] numpy, pass legal)."""
    planes_t = planes if isinstance(planes, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(planes))
    count, n = planes_t.shape[0], planes_t.shape[-1]
    legal = np.ones((count, n * n + 1), np.bool_)
    legal[:, :n * n] = planes_t[:, SPATIAL].reshape(count, n * n).cpu().numpy() > 0.5
    return planes_t[:, :SPATIAL].float(), legal
