"""What a person can type at ``advgo play`` and ``advgo show``: one line in, one ``Command`` out, or a ``ValueError``
whose message is the one-line explanation shown before the prompt comes back."""

from __future__ import annotations

from dataclasses import dataclass

from ..coords import gtp_to_action

PLAY_HELP = """\
  D4, q16 ...    play there (GTP vertex, any case; columns skip I)
  pass           pass
  undo           take back your last move and the reply
  resign         give up the game
  hint           the opponent's suggestion for your move
  score          Tromp-Taylor score of the position now
  save FILE.sgf  save the game so far
  help           this list
  quit           stop (the game so far is saved)"""

SHOW_HELP = """\
  next, n, Enter  the next move        back, b     the previous move
  N               jump to move N       first, last the start, the end
  help            this list            quit, q     stop"""

PLAY_WORDS = ("pass", "undo", "resign", "hint", "score", "help", "quit")


@dataclass(frozen=True)
class Command:
    kind: str
    """"move", "pass", "undo", "resign", "hint", "score", "save", "help", "quit" (play);
    "next", "back", "jump", "first", "last", "help", "quit" (show)."""
    arg: object = None
    """The action id of a move, the path of a save, the move number of a jump."""


def parse_play(line: str, size: int) -> Command:
    text = line.strip()
    if not text:
        raise ValueError("type a move such as D4, or help")
    word, _, rest = text.partition(" ")
    key = word.lower()
    if key == "save":
        path = rest.strip()
        if not path:
            raise ValueError("save needs a file name: save game.sgf")
        return Command("save", path)
    if key in ("exit", "q"):
        key = "quit"
    if key in PLAY_WORDS:
        if rest.strip():
            raise ValueError(f"{key} takes no argument")
        return Command(key)
    if rest.strip():
        raise ValueError(f"cannot read {text!r}: one move or command per line (help lists them)")
    try:
        return Command("move", gtp_to_action(text, size))
    except ValueError as err:
        raise ValueError(f"cannot read {text!r}: {err} (help lists the commands)") from None


def parse_show(line: str, last: int) -> Command:
    """``last``: the number of moves in the game (jumps go to 0..last)."""
    key = line.strip().lower()
    if key in ("", "n", "next"):
        return Command("next")
    if key in ("b", "back", "p", "prev"):
        return Command("back")
    if key in ("first", "last", "help", "quit"):
        return Command(key)
    if key in ("q", "exit"):
        return Command("quit")
    if key.isdigit():
        number = int(key)
        if number > last:
            raise ValueError(f"the game has {last} moves: jump to 0..{last}")
        return Command("jump", number)
    raise ValueError(f"cannot read {line.strip()!r}: next, back, a move number, first, last or quit (help)")
