"""Transitivity check of an adversary run (seeds/README.md): its final net as plain MCTS against every zoo victim
and GNU Go level 0. Games count by advgo's one rule (``advgo.eval.counting``: a game stopped at the move cap,
5·N² by default, is a non-win for both sides), as ``advgo match`` and ``advgo eval`` count them.
Usage: .venv/bin/python scripts/transitivity.py RUN (``advgo match`` replaces this once the agents issue lands)."""

import sys

import numpy as np

from advgo.agents import GnuGoAgent, MCTSAgent
from advgo.eval import play_match
from advgo.eval.counting import RULE
from advgo.nets import TorchEvaluator, latest_checkpoint, load_checkpoint
from advgo.rules import Rules
from advgo.zoo import entries, make_agent


def main(run: str, visits: int = 32) -> None:
    net = load_checkpoint(latest_checkpoint(f"{run}/checkpoints")).net
    matchups = [(make_agent(e.name, 1), Rules.tromp_taylor(), 40) for e in entries()]
    matchups.append((GnuGoAgent(level=0), Rules.chinese(), 20))
    for opponent, rules, games in matchups:
        adversary = MCTSAgent(TorchEvaluator(net, symmetry="random", rules=rules), visits, name=f"adversary@{visits}")
        r = play_match(adversary, opponent, net.config.board_size, games, rules)  # the default cap, 5·N²
        lo, hi = r.interval
        print(f"{r.a} vs {r.b}: {r.wins}/{r.games} = {100 * r.win_rate:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]; "
              f"{r.capped} capped at {r.max_moves} moves; mean margin {np.mean(r.margins):+.1f}")
    print(f"Counting: {RULE}.")


if __name__ == "__main__":
    main(sys.argv[1])
