"""How far has a fine-tuned KataGo net's policy moved from another's, position by position, without playing a game?

Reads the positions of a KataGo-feature replay file (a KataGo defence's ``replay.npz``, or the ``anchor.npz`` of an
anchored one: positions of its games from the empty board) and prints, for each model file against the base, the
mean ``KL(p_base || p_net)`` of the policy KataGo plays (in nats, float32, no symmetry) and how often both nets'
top moves agree.

Usage: .venv/bin/python scripts/policy_drift.py ROWS.npz BASE NET [NET ...] [--rows 2000] [--seed 0]
e.g.   .venv/bin/python scripts/policy_drift.py runs/kata-anchor1-80/anchor.npz katanet runs/kata-defence-80/model.bin.gz
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from advgo.nets.katago import read_model
from advgo.nets.katago.trainable import KataGoTrainable
from advgo.nets.threads import set_torch_threads
from advgo.training.katago_defence import katago_model_of
from advgo.training.replay import ReplayBuffer


def policy(model: str, planes: np.ndarray, globals_: np.ndarray, batch: int = 256) -> torch.Tensor:
    """log p [R, A] of the policy KataGo's net ``model`` plays (``katanet``, ``katanet:model=PATH``, a model file, a
    KataGo net of the zoo), in float64."""
    path = katago_model_of(model)
    if path is None:
        raise SystemExit(f"{model!r} names no KataGo net")
    net = KataGoTrainable(read_model(path)).eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(planes), batch):
            logits = net(torch.from_numpy(planes[i:i + batch]), torch.from_numpy(globals_[i:i + batch]))[0]
            out.append(torch.log_softmax(logits.double(), dim=1))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", help="a replay file of KataGo features (replay.npz, anchor.npz)")
    parser.add_argument("base", help="the KataGo net the others are compared with (katanet: the installed one)")
    parser.add_argument("nets", nargs="+", help="KataGo nets: model files (.bin.gz), katanet:model=PATH, zoo names")
    parser.add_argument("--rows", dest="count", type=int, default=2000, help="positions drawn (without symmetries)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_torch_threads(args.threads)
    buffer = ReplayBuffer.from_file(args.rows)
    rng = np.random.default_rng(args.seed)
    take = rng.choice(len(buffer), size=min(args.count, len(buffer)), replace=False)
    planes, globals_ = buffer.planes[take].astype(np.float32), buffer.globals[take]
    base = policy(args.base, planes, globals_)
    print(f"{len(take)} positions of {args.rows}; base {args.base}")
    print(f"{'net':60s} {'KL(base||net)':>14s} {'top move agrees':>16s}")
    for net in args.nets:
        other = policy(net, planes, globals_)
        kl = (base.exp() * (base - other)).sum(dim=1)
        agree = (base.argmax(dim=1) == other.argmax(dim=1)).double().mean()
        print(f"{net:60s} {kl.mean().item():14.4f} {100 * agree.item():15.1f}%")


if __name__ == "__main__":
    main()
