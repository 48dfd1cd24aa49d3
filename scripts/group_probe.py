"""Does a net still give away a group where one did? A probe of a blunder seen in games, without playing a game.

Reads SGF files (as ``scripts/endings.py`` does) and takes every position where ``--player`` made a move after
which the opponent took ``--stones`` or more of its stones at once (filling its own last eye, say). Each agent spec
then chooses its move in all of these positions; the probe prints how often that move lets the opponent take as
many stones at once (any reply of the opponent's checked), and how often it passes instead.

Usage: .venv/bin/python scripts/group_probe.py PATH [PATH ...] --player NAME --specs SPEC [SPEC ...] [--stones 10]
e.g.   .venv/bin/python scripts/group_probe.py runs/table-cp6v1/cells/r0-c0/games --player ckpt-000003000 \\
           --specs zoo:cp6 zoo:cp5 zoo:cp6:visits=8
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np

from advgo import GameState, engine
from advgo.agent_registry import make_agent
from advgo.nets.threads import set_torch_threads
from advgo.sgf import read_sgf

_spec = importlib.util.spec_from_file_location("endings", Path(__file__).with_name("endings.py"))
endings = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(endings)


def gives_away(state: GameState, move: int, stones: int) -> bool:
    """Whether after ``move`` by the player to move the opponent has a move that takes ``stones`` or more of its
    stones at once."""
    colour = state.to_play
    after = state.play(move)
    if after.is_over:
        return False
    return any(endings.stones_lost(after, int(a), colour)[0] >= stones
               for a in after.legal_actions() if a != after.pass_action)


def blunder_positions(paths: list[str], player: str, stones: int) -> list[GameState]:
    """Every position where ``player`` moved and the opponent's next move took ``stones`` or more of its stones."""
    found = []
    for path in endings.sgf_files(paths):
        record = read_sgf(path.read_bytes())
        colour = endings.colour_of(player, record.player_black, record.player_white, path)
        if colour == 0:
            continue
        state = endings.initial_state(record)
        moves = list(record.moves)
        for move, reply in zip(moves, moves[1:] + [None], strict=True):
            after = state.play(move)
            if (reply is not None and state.to_play == colour and move != state.pass_action and not after.is_over
                    and endings.stones_lost(after, reply, colour)[0] >= stones):
                found.append(state)
            state = after
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--player", required=True)
    parser.add_argument("--specs", nargs="+", required=True)
    parser.add_argument("--stones", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_torch_threads(args.threads)
    states = blunder_positions(args.paths, args.player, args.stones)
    print(f"{len(states)} positions where {args.player!r} moved and lost {args.stones}+ stones to the next move")
    for spec in args.specs:
        same = passes = 0
        agent = make_agent(spec, rules=states[0].rules) if states else None
        for state in states:  # one by one: the positions differ in length and history
            agent.start(state.size, state.rules, 1)
            boards = engine.new_boards(1, state.size, state.move_number + 2)
            engine.copy_game(state.engine_boards, 0, boards, 0)
            move = int(agent.select(boards, np.array([0]))[0])
            same += gives_away(state, move, args.stones)
            passes += move == state.pass_action
        if agent is not None:
            agent.close()
        print(f"{spec}: gives away {args.stones}+ stones in {same} of {len(states)}, passes in {passes}")


if __name__ == "__main__":
    main()
