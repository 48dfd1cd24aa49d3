"""The learner: one gradient step of a ``PolicyValueNet`` on a replay batch, and its optimizer state.

Losses (B rows; logits z, target distribution π, net value v = tanh(...), outcome y, both for the player to move):

| returned key | what |
|---|---|
| ``policy`` | cross-entropy ``-Σ_a π_a log softmax(z)_a``, averaged over the batch (rows with π = 0 add 0) |
| ``value`` | mean squared error ``(v - y)²`` |
| ``score`` | with a score head: Huber loss (δ = 1) of the head against the final score for the player to move
  divided by N, over the rows that have auxiliary targets (the batch's ``aux``) |
| ``ownership`` | with an ownership head: the binary cross-entropy of ``(1 + tanh z)/2`` against ``(1 + o)/2`` for each
  point's final owner o (1 the mover's, -1 the opponent's, 0 neither), averaged over the points and those rows
  (a point no one owns has a floor of log 2) |
| ``anchor_kl`` | with an :class:`Anchor`: ``KL(p_ref || softmax(z))`` on the anchor's own rows, averaged over them (the
  net held near a reference policy ``p_ref`` where the anchor says); ``board_only``: both renormalised over the
  board's points, so the pass probability is free |
| ``total`` | ``policy + value_weight · value + score_weight · score + ownership_weight · ownership`` (``+ weight ·
  anchor_kl`` with an anchor, ``- entropy_weight · policy_entropy`` with an entropy bonus): the loss that is
  minimised (weight decay is the optimizer's) |
| ``policy_entropy`` | mean entropy of the net's own policy ``softmax(z)`` over the batch's rows (collapse shows as a
  fall towards 0) |
| ``grad_norm`` | global L2 norm of the gradients before clipping |
| ``lr`` | the learning rate this step used (after warm-up) |

Weight decay (decoupled in AdamW, L2 in SGD) applies to the weights of convolutions and linear maps only,
not to biases and BatchNorm parameters (vectors), as is usual for residual nets.

An anchor's rows go through the net in the same forward as the batch's (one concatenated batch: a net with
BatchNorm normalises over both) and add nothing to the other losses.

The learner owns the optimizer, not the net's weights: a checkpoint stores ``net.state_dict()`` beside
``Learner.state_dict()`` (optimizer state and step count).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from .replay import Batch

OPTIMIZERS = ("adam", "sgd")


class Anchor(NamedTuple):
    """Rows on which a learner step holds the net near a reference policy: ``weight · KL(probs || softmax(net))``
    joins the loss (a KL-regularised fine-tune; the defence's ``defence.anchor``)."""

    planes: object  # float32 [R, C, N, N] (numpy or tensor; a tensor on the learner's device is used as it is)
    globals: object  # float32 [R, G]
    probs: object  # float32 [R, A]: the reference policy on those rows, each row summing to 1
    weight: float
    board_only: bool = False  # the KL of both policies renormalised over the board's points: pass is left free


@dataclass(frozen=True)
class LearnerConfig:
    """How the net is trained on replay batches."""

    batch_size: int = 256
    """Rows per gradient step (the trainer samples batches of this size)."""
    lr: float = 1e-3
    """Learning rate after warm-up."""
    optimizer: Literal["adam", "sgd"] = "adam"
    """"adam" (AdamW: decoupled weight decay) or "sgd" (with Nesterov momentum)."""
    momentum: float = 0.9
    """SGD momentum (Nesterov); must be > 0 for "sgd". Unused by "adam"."""
    weight_decay: float = 1e-4
    """Weight decay of conv and linear weights (not biases or BatchNorm)."""
    value_weight: float = 1.0
    """Weight of the value loss in the total loss."""
    score_weight: float = 0.1
    """Weight of the score head's loss (nets with ``net.score_head``)."""
    ownership_weight: float = 1.5
    """Weight of the ownership head's loss (nets with ``net.ownership_head``; KataGo's 1.5 per point, averaged)."""
    entropy_weight: float = 0.0
    """Weight ``β`` of an entropy bonus: ``β · policy_entropy`` is subtracted from the total loss (0: none, the
    paper's learner). Against a one-hot target the optimum then keeps mass off the target move (β = 1 leaves it
    about 0.29 on 9×9), so a policy trained on its own collapsed search keeps trying other moves. The entropy is over
    all N²+1 outputs; the search renormalises the priors over the legal moves."""
    grad_clip: float | None = None
    """Clip the global gradient norm to this value; None: no clipping."""
    lr_warmup_steps: int = 0
    """Raise the learning rate linearly from lr / lr_warmup_steps to lr over this many steps; 0: no warm-up."""
    bf16: bool = False
    """Run the forward pass under bf16 autocast on CUDA (ignored on CPU); losses stay float32."""

    def __post_init__(self):
        def fail(name: str, must: str):
            raise ValueError(f"learner.{name} must be {must}, got {getattr(self, name)!r}")

        def number(name: str) -> float:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                fail(name, "a finite number")
            return value

        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            fail("batch_size", "a positive int")
        if number("lr") <= 0:
            fail("lr", "> 0")
        if self.optimizer not in OPTIMIZERS:
            fail("optimizer", f"one of {', '.join(map(repr, OPTIMIZERS))}")
        if not 0 <= number("momentum") < 1 or (self.optimizer == "sgd" and self.momentum == 0):
            fail("momentum", "in (0, 1) for sgd (Nesterov) and in [0, 1) otherwise")
        if number("weight_decay") < 0:
            fail("weight_decay", ">= 0")
        for name in ("value_weight", "score_weight", "ownership_weight", "entropy_weight"):
            if number(name) < 0:
                fail(name, ">= 0")
        if self.grad_clip is not None and number("grad_clip") <= 0:
            fail("grad_clip", "None or > 0")
        if isinstance(self.lr_warmup_steps, bool) or not isinstance(self.lr_warmup_steps, int) \
                or self.lr_warmup_steps < 0:
            fail("lr_warmup_steps", "an int >= 0")
        if not isinstance(self.bf16, bool):
            fail("bf16", "true or false")


class Learner:
    """Trains ``net`` (moved to ``device``) with ``config``; ``step(batch)`` is one gradient step."""

    def __init__(self, net: nn.Module, config: LearnerConfig, device: str | torch.device = "cpu"):
        if not isinstance(config, LearnerConfig):
            raise ValueError(f"Learner needs a LearnerConfig, got {type(config).__name__}")
        self.config = config
        self.device = torch.device(device)
        self.net = net.to(self.device)
        self.optimizer = _optimizer(net, config)
        self.steps = 0
        self._autocast = config.bf16 and self.device.type == "cuda"

    def lr_at(self, step: int) -> float:
        """Learning rate of the step with 0-based index ``step``."""
        warmup = self.config.lr_warmup_steps
        return self.config.lr * min(1.0, (step + 1) / warmup) if warmup else self.config.lr

    def step(self, batch: Batch, anchor: Anchor | None = None) -> dict[str, float]:
        """One gradient step on ``batch`` (numpy arrays or tensors), with ``anchor``'s KL term when given; returns
        the losses and stats as floats.

        Raises ``FloatingPointError`` before updating anything if the loss or the gradients are not finite.
        """
        self.net.train()
        lr = self.lr_at(self.steps)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        losses = self._losses(batch, anchor)
        losses["total"].backward()
        clip = self.config.grad_clip if self.config.grad_clip is not None else math.inf
        grad_norm = nn.utils.clip_grad_norm_(self.net.parameters(), clip)
        stats = dict(zip((*losses, "grad_norm"),
                         torch.stack([v.detach().float() for v in (*losses.values(), grad_norm)]).tolist()))
        if not all(math.isfinite(v) for v in stats.values()):
            self.optimizer.zero_grad(set_to_none=True)
            raise FloatingPointError(f"learner step {self.steps}: non-finite loss or gradients {stats}")
        self.optimizer.step()
        self.steps += 1
        return {**stats, "lr": lr}

    @torch.no_grad()
    def evaluate(self, batch: Batch, anchor: Anchor | None = None) -> dict[str, float]:
        """The losses of ``batch`` (and ``anchor``) in eval mode (BatchNorm running statistics), without a step."""
        self.net.eval()
        losses = self._losses(batch, anchor)
        return dict(zip(losses, torch.stack([v.float() for v in losses.values()]).tolist()))

    def _losses(self, batch: Batch, anchor: Anchor | None = None) -> dict[str, torch.Tensor]:
        """The losses of the module docstring, ``total`` and ``policy_entropy`` last."""
        planes, globals_, target_policy, target_value = (self._tensor(x) for x in batch[:4])
        rows = planes.shape[0]
        if anchor is not None:  # one forward over the batch and the anchor's rows
            planes = torch.cat([planes, self._tensor(anchor.planes)])
            globals_ = torch.cat([globals_, self._tensor(anchor.globals)])
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self._autocast):
            logits, value, score, ownership = self.net.forward_aux(planes, globals_)
        log_p = F.log_softmax(logits.float(), dim=1)
        if anchor is not None:
            log_p, log_q = log_p[:rows], log_p[rows:]
            planes, value = planes[:rows], value[:rows]
            score, ownership = (None if t is None else t[:rows] for t in (score, ownership))
            ref = self._tensor(anchor.probs)
            if anchor.board_only:  # pass (last) out of both, each renormalised
                log_q = log_q[:, :-1] - torch.logsumexp(log_q[:, :-1], dim=1, keepdim=True)
                ref = ref[:, :-1] / ref[:, :-1].sum(dim=1, keepdim=True).clamp(min=1e-12)
            anchor_kl = torch.special.xlogy(ref, ref).sum(dim=1).mean() - (ref * log_q).sum(dim=1).mean()
        cfg = self.config
        losses = {"policy": -(target_policy * log_p).sum(dim=1).mean(),
                  "value": F.mse_loss(value.float(), target_value)}
        total = losses["policy"] + cfg.value_weight * losses["value"]
        if anchor is not None:
            losses["anchor_kl"] = anchor_kl
            total = total + float(anchor.weight) * anchor_kl
        if (score is not None or ownership is not None) and batch.aux is not None:
            aux = self._tensor(batch.aux)
            rows = aux.sum().clamp(min=1)  # rows without the targets add nothing
            if score is not None:
                target = self._tensor(batch.margin) / planes.shape[-1]
                huber = F.huber_loss(score.float(), target, reduction="none", delta=1.0)
                losses["score"] = (huber * aux).sum() / rows
                total = total + cfg.score_weight * losses["score"]
            if ownership is not None:
                target = (self._tensor(batch.ownership) + 1) / 2
                bce = F.binary_cross_entropy_with_logits(2 * ownership.float(), target, reduction="none").mean(1)
                losses["ownership"] = (bce * aux).sum() / rows
                total = total + cfg.ownership_weight * losses["ownership"]
        entropy = -(log_p.exp() * log_p).sum(dim=1).mean()
        if cfg.entropy_weight:
            total = total - cfg.entropy_weight * entropy
        losses["total"] = total
        losses["policy_entropy"] = entropy.detach()
        return losses

    def _tensor(self, x) -> torch.Tensor:
        t = x if isinstance(x, torch.Tensor) else torch.from_numpy(x)
        return t.to(self.device, dtype=torch.float32, non_blocking=True)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """Optimizer state, step count and the config (to check on load); the net's weights are not included."""
        return {"optimizer": self.optimizer.state_dict(), "steps": self.steps, "config": asdict(self.config)}

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``; the optimizer kind must match this learner's."""
        saved = state.get("config", {}).get("optimizer")
        if saved is not None and saved != self.config.optimizer:
            raise ValueError(f"learner state is for optimizer {saved!r}, this learner uses "
                             f"{self.config.optimizer!r}")
        if "optimizer" not in state or "steps" not in state:
            raise ValueError("learner state needs the fields 'optimizer' and 'steps'")
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps = int(state["steps"])


def _optimizer(net: nn.Module, config: LearnerConfig) -> torch.optim.Optimizer:
    params = [p for p in net.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.ndim > 1], "weight_decay": config.weight_decay},
              {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}]
    if config.optimizer == "adam":
        return torch.optim.AdamW(groups, lr=config.lr)
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, nesterov=True)
