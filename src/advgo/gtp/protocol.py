"""The GTP version 2 wire format: cleaning a command line, splitting it, typed arguments, formatting replies.

Nothing here knows about boards or agents; :mod:`advgo.gtp.server` runs the commands.

A command line is cleaned as the GTP 2 specification (section 3.1) prescribes, in this order:

| step | what |
|---|---|
| 1 | remove control characters (0-31 and 127) except horizontal tab and line feed |
| 2 | turn each horizontal tab into a space |
| 3 | discard everything from ``#`` on (a comment) |
| 4 | a line left with only whitespace is ignored (no reply) |

Then ``[id] name [arg ...]``: the id is an optional run of digits, echoed in the reply (``=12 D4``).
A reply is ``=[id] text`` or ``?[id] message``, then an empty line; a multi-line text has no empty line
inside it (it would end the reply early), so empty lines are dropped.

Errors (``GtpError``) carry one of the specification's standard messages, which controllers may match:

| message | raised when |
|---|---|
| ``unknown command`` | no such command |
| ``syntax error`` | wrong number of arguments, a malformed number, colour or vertex, a vertex off the board |
| ``illegal move`` | ``play`` of an occupied point, a suicide, a ko or superko repetition |
| ``unacceptable size`` | ``boardsize`` outside 2..19, or not the size the agent's net plays |
| ``unacceptable komi`` | ``komi`` beyond ``advgo.rules.MAX_KOMI`` either way (KataGo's bound and message) |
| ``cannot undo`` | ``undo`` with no move to take back |
| ``cannot load file`` | ``loadsgf`` of a missing, unreadable, malformed or unplayable file |

The detail (which vertex, why) goes to the log (stderr), not into the reply. Input shown in a log record or a
reply is cut by :func:`clip` (a 100,000-character word stalled the server: rich lays out one word in quadratic
time); the parsing itself is linear in the line's length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..engine import BLACK, WHITE

UNKNOWN_COMMAND = "unknown command"
SYNTAX_ERROR = "syntax error"
ILLEGAL_MOVE = "illegal move"
UNACCEPTABLE_SIZE = "unacceptable size"
UNACCEPTABLE_KOMI = "unacceptable komi"
CANNOT_UNDO = "cannot undo"
CANNOT_LOAD = "cannot load file"

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every control character but HT (\x09)
_ID = re.compile(r"[0-9]+")
_COLOURS = {"b": BLACK, "black": BLACK, "w": WHITE, "white": WHITE}
SHOWN = 64
"""The most characters of one input word (a name, an argument) that a log record or a reply shows."""
DETAIL_SHOWN = 240
"""The most characters of a whole line or error detail that a log record shows."""


class GtpError(Exception):
    """A command failed: reply ``? message``; ``detail`` (why, for people) is logged, not sent."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Command:
    """One parsed command line."""

    id: str
    """The command's id (digits) or ``""``; echoed in the reply."""
    name: str
    """The command name, ``""`` when the line holds only an id."""
    args: tuple[str, ...]
    """The arguments, split on whitespace."""


def clip(text: str, limit: int = SHOWN) -> str:
    """``text``, or its first ``limit`` characters, ``...`` and its length: what a log or reply shows of input.

    Everything from the controller that reaches a log record or a reply goes through here, because its length is
    the controller's to choose (a fuzzer sent 100,000 characters) and a log handler's cost need not be linear.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def clean_line(raw: str) -> str:
    """Steps 1-3 of the table above (the line's own line feed is removed too)."""
    line = _CONTROL.sub("", raw).replace("\t", " ")
    return line.split("#", 1)[0]


def parse_command(raw: str) -> Command | None:
    """The command on ``raw``, or None for a line that needs no reply (blank or a comment)."""
    words = clean_line(raw).split()
    if not words:
        return None
    ident = ""
    if _ID.fullmatch(words[0]):
        ident = words.pop(0)
    return Command(ident, words[0] if words else "", tuple(words[1:]))


def format_reply(ok: bool, ident: str, text: str = "") -> str:
    """``=id text`` or ``?id text`` followed by the empty line that ends a reply."""
    lines = [line.rstrip() for line in text.replace("\r", "").split("\n")]
    body = "\n".join(lines[:1] + [line for line in lines[1:] if line])
    return f"{'=' if ok else '?'}{ident} {body}\n\n"


# ------------------------------------------------------------------------------------------ typed arguments
def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise GtpError(SYNTAX_ERROR, f"expected an integer, got {clip(text)!r}") from None


def parse_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise GtpError(SYNTAX_ERROR, f"expected a number, got {clip(text)!r}") from None
    if not math.isfinite(value):
        raise GtpError(SYNTAX_ERROR, f"expected a finite number, got {clip(text)!r}")
    return value


def parse_colour(text: str) -> int:
    """``b``/``black``/``w``/``white`` in any case -> ``BLACK`` (1) or ``WHITE`` (-1)."""
    colour = _COLOURS.get(text.lower())
    if colour is None:
        raise GtpError(SYNTAX_ERROR, f"expected a colour (b, black, w, white), got {clip(text)!r}")
    return colour


class Colour(int):
    """Annotation for a colour argument: converted with :func:`parse_colour`."""


CONVERTERS = {int: parse_int, float: parse_float, str: str, Colour: parse_colour}
"""How a ``cmd_`` method's annotated parameter is converted from its argument text."""


def colour_name(colour: int) -> str:
    return "black" if colour == BLACK else "white"
