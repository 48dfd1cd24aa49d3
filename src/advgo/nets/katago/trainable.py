"""KataGo's net as advgo's learner trains it, and the samples self-play stores for it.

:class:`KataGoTrainable` wraps a :class:`.model.KataGoModel` built from a model file, with its weights trainable,
and answers what :class:`advgo.training.learner.Learner` asks of a net: ``forward(planes, globals)`` gives

| output | what |
|---|---|
| logits [B, N*N + 1] (pass last) | the policy KataGo plays: ``p + (p_optimistic - p) * policy_optimism`` (model version >= 12), |
| | the same blend :class:`.net.KataGoNet` plays; both policy channels learn through it |
| value [B] | ``P(win) - P(loss)`` of the 3 outcome logits, as ``KataGoNet`` computes it (under a superko rule the |
| | no-result outcome is impossible and gets probability 0) |

so the learner's losses (cross-entropy to the search's visit distribution, squared error to the game's outcome)
train the policy and the win/loss head; the score and ownership heads get no loss and move only with the trunk.
Batch norms are folded into scale and bias (:mod:`.model`): they have no batch statistics, in training as in play.
Learned rotary frequencies stay fixed. ``export`` writes the weights as a KataGo model file (:mod:`.export`):
``katanet:model=PATH`` and the real engine (``katago:model=PATH``) play it.

:class:`KataGoSamples` encodes self-play's training positions with KataGo's features (22 planes, 19 globals), under
the same settings as the evaluator that searched them.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from advgo.engine import Boards
from advgo.features.katago import GLOBALS, SPATIAL

from .encoder import KataGoEncoder
from .export import export_model
from .layers import ModelDesc
from .model import KataGoModel, played_logits

__all__ = ["KataGoSamples", "KataGoTrainable"]


class KataGoTrainable(nn.Module):
    """A trainable copy of the net of ``desc`` (see the module docstring); ``desc`` is kept for :meth:`export`."""

    def __init__(self, desc: ModelDesc, policy_optimism: float = 0.2, simple_ko: bool = False):
        super().__init__()
        if not 0.0 <= policy_optimism <= 1.0:
            raise ValueError(f"policy_optimism must be in [0, 1], got {policy_optimism}")
        self.desc = desc
        self.model = KataGoModel(desc)
        for name, param in self.model.named_parameters():
            param.data = param.data.clone()  # never share memory with the file's arrays
            param.requires_grad_(not name.endswith("freqs"))
        self.policy_optimism = float(policy_optimism)
        self.simple_ko = bool(simple_ko)

    @property
    def name(self) -> str:
        return self.desc.name

    def forward(self, planes: torch.Tensor, globals_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, None]:
        policy, pass_logit, value, _, _ = self.model(planes[:, :SPATIAL], globals_)
        logits = played_logits(policy, pass_logit, self.policy_optimism)
        if not self.simple_ko:
            value = torch.cat((value[:, :2], torch.full_like(value[:, 2:], float("-inf"))), dim=1)
        probs = torch.softmax(value.float(), dim=1)
        return logits, probs[:, 0] - probs[:, 1], None

    def forward_aux(self, planes: torch.Tensor, globals_: torch.Tensor):
        """``forward`` and no ownership (the learner trains no auxiliary head of a KataGo net)."""
        return (*self.forward(planes, globals_), None)

    def inference_copy(self) -> KataGoModel:
        """A frozen copy of the net for play (an evaluator's), weights as now."""
        copy = KataGoModel(self.desc)
        copy.load_state_dict(self.model.state_dict())
        return copy.eval()

    def export(self, path: str | os.PathLike, name: str | None = None) -> Path:
        """Write the net as it is now as a KataGo model file (``.bin.gz``)."""
        return export_model(self.model, self.desc, path, name)


class KataGoSamples:
    """Self-play's sample encoder for KataGo nets: ``(planes [count, 22, N, N], globals [count, 19])`` of a batch."""

    globals = GLOBALS

    def __init__(self, encoder: KataGoEncoder):
        self.encoder = KataGoEncoder(encoder.rules, passing_hacks=encoder.passing_hacks,
                                     conservative_pass=encoder.conservative_pass,
                                     friendly_pass_ok=encoder.friendly_pass_ok,
                                     pass_alive_suicide=encoder.pass_alive_suicide)

    def planes(self, size: int) -> tuple[int, int, int]:
        return (SPATIAL, size, size)

    def __call__(self, boards: Boards, count: int, komi: float) -> tuple[np.ndarray, np.ndarray]:
        planes, globals_ = self.encoder.encode(boards, count, komi)
        return planes[:, :SPATIAL], globals_
