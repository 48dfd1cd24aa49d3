"""``PolicyValueNet``: a residual policy-value net over the ``advgo-v1`` features, and its ``NetConfig``.

Shapes (B batch, C feature planes, G globals, N board size, F channels):

| stage | shape | what |
|---|---|---|
| input | planes [B, C, N, N], globals [B, G] | :mod:`advgo.features` |
| stem | [B, F, N, N] | 3x3 conv of the planes + a linear map of the globals as a per-channel bias, BN, ReLU |
| trunk | [B, F, N, N] | ``blocks`` residual blocks: conv3x3-BN-ReLU-conv3x3-BN + skip, ReLU |
| global pooling bias | | with ``global_pool``: in blocks 1, 4, 7, … (block 0 of a 1-block net), KataGo-style: a
  third of the channels after the first conv are pooled (mean and max over the board), and a linear map of the
  pool is added as a bias to the other channels |
| policy head | logits [B, N*N + 1] | 1x1 convs; board logits get a pooled bias, the pass logit comes from the pool |
| value head | value [B] | 1x1 conv, pooled, MLP, ``tanh``: expected outcome for the player to move |
| score head | score [B] or None | from the value MLP's hidden layer: the final score for the mover / N |
| ownership head | logits [B, N*N] or None | a 1x1 conv of the value head's features (as KataGo's): ``tanh`` of it is
  the expected final Tromp-Taylor owner of each point, +1 the mover's; only ``forward_aux`` computes it |

``forward`` gives what a search needs (policy, value, score); ``forward_aux`` also the ownership, for the learner.

BatchNorm is in eval mode at inference (``net.eval()``). Nets are per board size (the pools average over
all N*N points: every point is on the board).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from advgo.features import FEATURES


@dataclass(frozen=True)
class NetConfig:
    """Architecture of a ``PolicyValueNet``; checkpoints store it so a net can be rebuilt from the file alone."""

    board_size: int = 9
    """N: the net's board is N x N (a net is for one size)."""
    blocks: int = 6
    """Residual blocks in the trunk."""
    channels: int = 64
    """Channels F of the trunk."""
    global_pool: bool = True
    """KataGo-style global pooling bias in blocks 1, 4, 7, … (lets the trunk see whole-board context)."""
    score_head: bool = False
    """Also predict the final score margin (an auxiliary training target: the learner's ``score_weight``)."""
    ownership_head: bool = False
    """Also predict each point's final owner (an auxiliary training target: the learner's ``ownership_weight``)."""
    feature_set: str = FEATURES.name
    """Name of the input feature set (its planes and globals decide the input shapes)."""

    def __post_init__(self):
        for name in ("board_size", "blocks", "channels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"NetConfig.{name} must be an int, got {value!r}")
        if not 2 <= self.board_size <= 19:
            raise ValueError(f"NetConfig.board_size must be in 2..19, got {self.board_size}")
        if self.blocks < 1 or self.channels < 4:
            raise ValueError(f"NetConfig needs blocks >= 1 and channels >= 4, got {self.blocks}x{self.channels}")
        if self.feature_set != FEATURES.name:
            raise ValueError(f"NetConfig.feature_set {self.feature_set!r} is unknown: this advgo has {FEATURES.name!r}")

    @property
    def num_actions(self) -> int:
        return self.board_size * self.board_size + 1

    @property
    def name(self) -> str:
        return f"{self.blocks}x{self.channels}"

    def to_dict(self) -> dict:
        return asdict(self)

    def gpool_blocks(self) -> tuple[int, ...]:
        if not self.global_pool:
            return ()
        return (0,) if self.blocks == 1 else tuple(range(1, self.blocks, 3))


def pool(x: torch.Tensor) -> torch.Tensor:
    """[B, c, N, N] -> [B, 2c]: mean and max over the board."""
    return torch.cat((x.mean(dim=(2, 3)), x.amax(dim=(2, 3))), dim=1)


def conv_bn(c_in: int, c_out: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(c_out))


class ResBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN + skip, ReLU; with ``gpool``, a pooled bias after the first conv."""

    def __init__(self, channels: int, gpool: bool):
        super().__init__()
        self.gpool_channels = max(channels // 3, 2) if gpool else 0
        regular = channels - self.gpool_channels
        self.conv1 = conv_bn(channels, channels, 3)
        self.conv2 = conv_bn(regular, channels, 3)
        if gpool:
            self.gpool_bias = nn.Linear(2 * self.gpool_channels, regular)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        if self.gpool_channels:
            regular, pooled = y.split((y.shape[1] - self.gpool_channels, self.gpool_channels), dim=1)
            y = F.relu(regular + self.gpool_bias(pool(pooled))[:, :, None, None])
        return F.relu(x + self.conv2(y))


class PolicyHead(nn.Module):
    def __init__(self, channels: int, head: int):
        super().__init__()
        self.board = nn.Conv2d(channels, head, 1, bias=False)
        self.context = conv_bn(channels, head, 1)
        self.context_bias = nn.Linear(2 * head, head)
        self.norm = nn.BatchNorm2d(head)
        self.logits = nn.Conv2d(head, 1, 1)
        self.pass_logit = nn.Linear(2 * head, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = pool(F.relu(self.context(x)))
        p = self.board(x) + self.context_bias(pooled)[:, :, None, None]
        board = self.logits(F.relu(self.norm(p))).flatten(1)
        return torch.cat((board, self.pass_logit(pooled)), dim=1)


class ValueHead(nn.Module):
    def __init__(self, channels: int, head: int, hidden: int, score: bool, ownership: bool = False):
        super().__init__()
        self.conv = conv_bn(channels, head, 1)
        self.hidden = nn.Linear(2 * head, hidden)
        self.value = nn.Linear(hidden, 1)
        self.score = nn.Linear(hidden, 1) if score else None
        self.ownership = nn.Conv2d(head, 1, 1) if ownership else None

    def forward(self, x: torch.Tensor, ownership: bool = False):
        """(value, score or None), and with ``ownership`` the ownership logits (or None) third."""
        v = F.relu(self.conv(x))
        h = F.relu(self.hidden(pool(v)))
        value = torch.tanh(self.value(h)).squeeze(1)
        score = self.score(h).squeeze(1) if self.score is not None else None
        if not ownership:
            return value, score
        return value, score, self.ownership(v).flatten(1) if self.ownership is not None else None


class PolicyValueNet(nn.Module):
    """forward(planes [B, C, N, N], globals [B, G]) -> (policy logits [B, N*N + 1], value [B], score [B] or None)."""

    def __init__(self, config: NetConfig):
        super().__init__()
        if not isinstance(config, NetConfig):
            raise ValueError(f"PolicyValueNet needs a NetConfig, got {type(config).__name__}")
        self.config = config
        f = config.channels
        head = max(f // 2, 8)
        self.stem = nn.Conv2d(FEATURES.planes, f, 3, padding=1, bias=False)
        self.stem_globals = nn.Linear(FEATURES.globals, f, bias=False)
        self.stem_norm = nn.BatchNorm2d(f)
        gpool = set(config.gpool_blocks())
        self.blocks = nn.Sequential(*(ResBlock(f, i in gpool) for i in range(config.blocks)))
        self.policy_head = PolicyHead(f, head)
        self.value_head = ValueHead(f, head, max(f, 32), config.score_head, config.ownership_head)

    def trunk(self, planes: torch.Tensor, globals_: torch.Tensor) -> torch.Tensor:
        x = self.stem(planes) + self.stem_globals(globals_)[:, :, None, None]
        return self.blocks(F.relu(self.stem_norm(x)))

    def forward(self, planes: torch.Tensor, globals_: torch.Tensor):
        x = self.trunk(planes, globals_)
        value, score = self.value_head(x)
        return self.policy_head(x), value, score

    def forward_aux(self, planes: torch.Tensor, globals_: torch.Tensor):
        """(policy logits, value, score or None, ownership logits [B, N*N] or None): ``forward`` and the
        ownership head, for training."""
        x = self.trunk(planes, globals_)
        value, score, ownership = self.value_head(x, ownership=True)
        return self.policy_head(x), value, score, ownership

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
