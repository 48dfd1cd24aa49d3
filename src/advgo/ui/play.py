"""``advgo play``: a person against any agent on the terminal board; ``advgo show``: step through a game's SGF.

Both loops take the console and the line reader as arguments (``ask``), so tests can drive them in-process as
well as through a pseudo-terminal. Neither loses a game: quitting ``play`` (``quit``, end of input, Ctrl-C)
saves the game so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ..coords import action_to_gtp
from ..errors import IllegalMoveError
from ..game import GameState
from ..sgf import SgfRecord, result_string
from .board import board_renderable, status_text
from .commands import PLAY_HELP, SHOW_HELP, parse_play, parse_show
from .session import PlaySession, colour_name

Ask = Callable[[str], str]


@dataclass
class PlayOutcome:
    result: str
    """SGF result (``B+3.5``, ``W+R``, ``0``), or ``?`` when the person quit."""
    sgf: Path
    """Where the game was saved."""
    quit: bool


def _show_board(console: Console, session: PlaySession) -> None:
    console.print()
    console.print(board_renderable(session.state))
    console.print(status_text(session.state, session.result() if session.over else None))


def run_play(session: PlaySession, console: Console, ask: Ask, out: Path) -> PlayOutcome:
    """Play to the end (or until the person quits); the game is saved to ``out`` either way."""
    name = session.opponent.name
    console.print(f"You play {colour_name(session.human)} ({'X' if session.human == 1 else 'O'}) against {name}, "
                  f"{session.size}x{session.size}, {session.rules.name} rules, komi {session.rules.komi:g}. "
                  f"Type help for the commands.")
    _show_board(console, session)
    try:
        while not session.over:
            if not session.humans_turn:
                with console.status(f"{name} is thinking…"):
                    action = session.opponent_move()
                console.print(f"{name} plays {action_to_gtp(action, session.size)}")
                _show_board(console, session)
                continue
            try:
                line = ask(f"{colour_name(session.human)} move> ")
            except EOFError:
                return _quit(session, console, out)
            if not _handle(session, console, line):
                return _quit(session, console, out)
    except KeyboardInterrupt:
        return _quit(session, console, out)
    return _finish(session, console, out)


def _handle(session: PlaySession, console: Console, line: str) -> bool:
    """Carry out one typed line; False when the person quits."""
    try:
        command = parse_play(line, session.size)
    except ValueError as err:
        console.print(f"[yellow]{err}[/yellow]", soft_wrap=True)
        return True
    kind = command.kind
    if kind in ("move", "pass"):
        action = session.size * session.size if kind == "pass" else command.arg
        try:
            session.play(action)
        except IllegalMoveError as err:
            console.print(f"[yellow]{_why_illegal(err)}[/yellow]", soft_wrap=True)
            return True
        _show_board(console, session)
    elif kind == "undo":
        took = session.undo()
        console.print("nothing to take back" if took == 0 else f"took back {took} move{'s' if took > 1 else ''}")
        if took:
            _show_board(console, session)
    elif kind == "resign":
        session.resign()
    elif kind == "hint":
        with console.status(f"{session.opponent.name} is looking for a move for you…"):
            action = session.hint()
        console.print(f"hint: {session.opponent.name} would play {action_to_gtp(action, session.size)}")
    elif kind == "score":
        score = session.state.score()
        console.print(f"score now (Tromp-Taylor, area + komi {session.rules.komi:g}): {result_string(score)} "
                      f"(black minus white {score:+g})")
    elif kind == "save":
        try:
            path = session.save(command.arg)
        except (ValueError, OSError) as err:
            console.print(f"[yellow]cannot save: {err}[/yellow]", soft_wrap=True)
        else:
            console.print(f"saved {path}")
    elif kind == "help":
        console.print(PLAY_HELP, highlight=False)
    elif kind == "quit":
        return False
    return True


def _why_illegal(err: IllegalMoveError) -> str:
    """The reason for a person: the point as they typed it (GTP), never the engine's action id."""
    if err.vertex is not None and err.explanation is not None:
        return f"illegal move {err.vertex}: {err.explanation}"
    text = str(err)
    return text if text.startswith("illegal") else f"illegal move: {text}"


def _quit(session: PlaySession, console: Console, out: Path) -> PlayOutcome:
    path = session.save(out)
    console.print(f"stopped at move {session.state.move_number}; the game so far is in {path}")
    return PlayOutcome("?", path, quit=True)


def _finish(session: PlaySession, console: Console, out: Path) -> PlayOutcome:
    _show_board(console, session)
    result = session.result()
    winner = session.winner()
    if session.resigned is not None:
        how = f"{colour_name(session.resigned)} resigned"
    else:
        end = "two passes" if session.state.end_reason == "two_passes" else "the move cap"
        how = f"after {end}, Tromp-Taylor area score {session.state.score():+g} (black minus white minus komi)"
    who = "draw" if winner == 0 else ("you win" if winner == session.human else f"{session.opponent.name} wins")
    console.print(f"game over: {result}, {who} ({how})")
    path = session.save(out)
    console.print(f"saved {path}")
    return PlayOutcome(result, path, quit=False)


# ---------------------------------------------------------------------------------------------- show
def replay_states(record: SgfRecord) -> list[GameState]:
    """The position before the first move and after every move of the record's main line."""
    state = GameState.setup(record.size, record.rules, record.black, record.white, record.to_play)
    states = [state]
    for k, action in enumerate(record.moves, start=1):
        try:
            state = state.play(action)
        except IllegalMoveError as err:
            raise ValueError(f"move {k} of the game is illegal: {err}") from None
        states.append(state)
    return states


def run_show(record: SgfRecord, console: Console, ask: Ask, title: str = "") -> int:
    """Step through the game; returns the move shown last."""
    states = replay_states(record)
    last = len(states) - 1
    players = f"{record.player_black or 'Black'} (X) vs {record.player_white or 'White'} (O)"
    console.print(f"{title}{players}, {record.size}x{record.size}, {record.rules.name} rules, komi "
                  f"{record.rules.komi:g}, {last} moves, result {record.result or '?'}. Type help for the commands.")
    at = 0
    while True:
        state = states[at]
        console.print()
        console.print(board_renderable(state))
        console.print(status_text(state, record.result if at == last and record.result else None))
        console.print(f"move {at} of {last}")
        comment = record.comments.get(at)
        if comment:
            console.print(f"comment: {comment}", highlight=False, soft_wrap=True)
        while True:
            try:
                line = ask("show> ")
            except EOFError:
                return at
            try:
                command = parse_show(line, last)
            except ValueError as err:
                console.print(f"[yellow]{err}[/yellow]", soft_wrap=True)
                continue
            if command.kind == "help":
                console.print(SHOW_HELP, highlight=False)
                continue
            if command.kind == "quit":
                return at
            target = {"next": at + 1, "back": at - 1, "first": 0, "last": last}.get(command.kind, command.arg)
            if not 0 <= target <= last:
                console.print("[yellow]" + ("that was the last move" if target > last else "this is the start")
                              + "[/yellow]")
                continue
            at = target
            break
