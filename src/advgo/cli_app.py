"""What every ``advgo`` command shares: the typer app and command classes, the consoles and the log handler.

- ``App`` / ``Command`` / ``Group``: help pages as people read them. A flag shows no ``<bool>`` (``--help``
  included), and the usage line names positional arguments by their metavar (``advgo match [OPTIONS] BLACK
  WHITE``, not ``{black} {white}``).
- ``make_console``: output piped to a file or another program is not wrapped at 80 columns. Text lines are
  printed whole (``soft_wrap``); tables still fit the width (``COLUMNS``, else 80).
- ``setup_logging``: rich's log handler on a terminal; elsewhere one plain, unwrapped line per record, with its
  time and level.
"""

from __future__ import annotations

import logging
import sys

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

LOG_FORMAT = "%(name)s: %(message)s"
PLAIN_LOG_FORMAT = "%(asctime)s %(levelname)s " + LOG_FORMAT


class _HelpPlaceholders:
    """Mixed into typer's command and group classes: no type placeholder after a flag."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # a flag takes no value: nothing to show after it (typer shows <bool>)
        return params


class Command(_HelpPlaceholders, TyperCommand):
    """A typer command whose help has no placeholder after a flag and no braces around its arguments."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                pieces += param.get_usage_pieces(ctx)
                continue
            name = param.metavar or param.name.upper()
            name = name if param.required else f"[{name}]"
            pieces.append(name + ("..." if param.nargs != 1 else ""))
        return pieces


class Group(_HelpPlaceholders, TyperGroup):
    """A typer group (``advgo``, ``advgo bench`` …) whose options show no placeholder after a flag."""


class App(typer.Typer):
    """``typer.Typer`` with :class:`Group` for itself and :class:`Command` for its commands unless told otherwise."""

    def __init__(self, *args, cls=None, **kwargs):
        super().__init__(*args, cls=cls or Group, **kwargs)

    def command(self, *args, cls=None, **kwargs):
        return super().command(*args, cls=cls or Command, **kwargs)


def make_console(stderr: bool = False) -> Console:
    """A console for a command's output; when it is not a terminal, lines are not wrapped (``soft_wrap``)."""
    console = Console(stderr=stderr)
    if not (console.is_terminal or console.is_jupyter):
        console.soft_wrap = True
    return console


def setup_logging(level: int) -> None:
    """Log to stderr at ``level``: rich's handler on a terminal, else plain lines with time and level, unwrapped."""
    err = Console(stderr=True)
    if err.is_terminal:
        from rich.logging import RichHandler

        handler: logging.Handler = RichHandler(console=err, show_path=False)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(PLAIN_LOG_FORMAT, datefmt="%H:%M:%S"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
