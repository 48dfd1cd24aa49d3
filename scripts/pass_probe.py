"""Does a victim still pass where it passed and lost? A probe of the pass attack's flaw, without playing a game.

Reads an adversary run's victim-play games (``sgf/``), keeps those the victim lost (advgo's one counting rule,
:func:`advgo.training.positions.load_lost_games`), and takes every position where the victim passed in them. Each
agent spec then chooses its move in all of these positions at once; the probe prints how often it passes.

Usage: .venv/bin/python scripts/pass_probe.py RUN SPEC [SPEC ...] [--newest N] [--size 9] [--komi 7.5]
e.g.   .venv/bin/python scripts/pass_probe.py runs/attack-katago-pass katanet katanet:model=runs/defence-katago/model.bin.gz
"""

from __future__ import annotations

import argparse

import numpy as np

from advgo import GameState, Rules, engine
from advgo.agent_registry import make_agent
from advgo.nets.threads import set_torch_threads
from advgo.training.positions import load_lost_games


def pass_positions(run: str, size: int, rules: Rules, newest: int) -> tuple[list[GameState], str]:
    games, report = load_lost_games([run], size, rules, newest)
    states = [GameState.from_moves(size, rules, g.moves[:t]) for g in games for t in g.victim_turns()
              if g.moves[t] == size * size]
    return states, report.text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("specs", nargs="+")
    parser.add_argument("--newest", type=int, default=0, help="read only the run's newest N games (0: all)")
    parser.add_argument("--size", type=int, default=9)
    parser.add_argument("--rules", default="tromp-taylor")
    parser.add_argument("--komi", type=float, default=7.5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_torch_threads(args.threads)
    rules = Rules.from_name(args.rules, args.komi)
    states, scanned = pass_positions(args.run, args.size, rules, args.newest)
    print(f"{args.run}: {scanned}; {len(states)} positions where the victim passed")
    if not states:
        return
    boards = engine.new_boards(len(states), args.size, max(s.move_number for s in states) + 2)
    for i, state in enumerate(states):
        engine.copy_game(state.engine_boards, 0, boards, i)
    for spec in args.specs:
        agent = make_agent(spec, rules=rules)
        agent.start(args.size, rules, len(states))
        moves = agent.select(boards, np.arange(len(states)))
        passes = int((moves == args.size * args.size).sum())
        print(f"{spec}: passes in {passes} of {len(states)} ({100 * passes / len(states):.1f}%)")
        agent.close()


if __name__ == "__main__":
    main()
