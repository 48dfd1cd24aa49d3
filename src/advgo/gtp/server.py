"""``GTPServer``: any advgo agent as a GTP version 2 engine, for Sabaki, GoGui, KGS, ``gogui-twogtp``, referees.

One ``cmd_<name>`` method per command (``kgs-genmove_cleanup`` is ``cmd_kgs_genmove_cleanup``); arguments are
converted by the method's annotations (:data:`advgo.gtp.protocol.CONVERTERS`) and a wrong count is a
``syntax error``. ``serve(stdin, stdout)`` answers one reply per non-blank line until ``quit`` or end of input
and writes nothing else to ``stdout``; logs go through ``logging`` (stderr in ``advgo gtp``).

| command | reply | notes |
|---|---|---|
| ``protocol_version`` / ``name`` / ``version`` | ``2`` / ``advgo`` / the package version | |
| ``known_command C`` / ``list_commands`` | ``true``/``false`` / one name a line | |
| ``quit`` | empty | the agent's ``close()`` runs, ``serve`` returns |
| ``boardsize N`` | empty | 2..19, and only the net's size for a net agent; clears the board |
| ``clear_board`` / ``komi K`` | empty | komi and rules survive ``clear_board`` and ``boardsize``; K in -150..150 |
| ``play C V`` | empty | ``V`` any case or ``pass``; out of turn: the side to move passes first |
| ``genmove C`` / ``kgs-genmove_cleanup C`` | a vertex or ``pass`` | never ``resign``; the move is played |
| ``undo`` | empty | ``cannot undo`` at the start |
| ``final_score`` | ``B+5.5`` / ``W+0.5`` / ``0`` | area (Tromp-Taylor) score of the board as it stands |
| ``final_status_list S`` | one chain a line | ``alive``: every stone; ``dead``, ``seki``: none |
| ``showboard`` | the board, multi-line | |
| ``loadsgf F [N]`` | empty | the main line up to move N (excluded); size and komi from the file |
| ``time_settings M B S`` / ``time_left C T S`` | empty | accepted and ignored: the agent has no clock |
| ``kgs-rules R`` / ``kata-set-rules R`` | empty | ``tromp-taylor`` (``tt``) or ``chinese``; replays the game |

Scoring: no stone is ever judged dead. ``final_score`` counts stones plus empty regions reaching only one
colour, komi to white, exactly as Tromp-Taylor scores the final position; ``final_status_list`` agrees with it
(every stone on the board is alive, none dead or in seki). Our agents play on under Tromp-Taylor until dead
stones are captured, which is also what ``kgs-genmove_cleanup`` asks for, so it is plain ``genmove``.

Rules: Tromp-Taylor, komi 7.5 by default. ``loadsgf`` keeps the session's ko and suicide rules (the agent
plays those) and takes the size and komi from the file (KM missing: 0, the SGF convention). Turn order and
moves after two passes follow :mod:`advgo.gtp.position`.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import typing
from collections import deque
from importlib import metadata
from pathlib import Path

from ..agents import select_move
from ..coords import MAX_SIZE, MIN_SIZE, action_to_gtp, gtp_to_action
from ..errors import IllegalMoveError
from ..game import GameState
from ..rules import Rules
from ..sgf import read_sgf, record_to_game, result_string
from .position import GtpGame
from .protocol import (
    CANNOT_LOAD,
    CANNOT_UNDO,
    CONVERTERS,
    DETAIL_SHOWN,
    ILLEGAL_MOVE,
    SHOWN,
    SYNTAX_ERROR,
    UNACCEPTABLE_KOMI,
    UNACCEPTABLE_SIZE,
    UNKNOWN_COMMAND,
    Colour,
    Command,
    GtpError,
    clip,
    colour_name,
    format_reply,
    parse_command,
)

log = logging.getLogger(__name__)

DEFAULT_SIZE = 19
"""The board size before the first ``boardsize`` when the agent plays any size."""
RULESET_ALIASES = {"tromp-taylor": "tromp-taylor", "tromp_taylor": "tromp-taylor", "tt": "tromp-taylor",
                   "chinese": "chinese"}
"""Names ``kgs-rules`` and ``kata-set-rules`` accept (lower-cased) -> ``Rules.from_name`` names."""
_SPELLINGS = {"kgs_genmove_cleanup": "kgs-genmove_cleanup", "kgs_rules": "kgs-rules",
              "kata_set_rules": "kata-set-rules"}
"""GTP names that are not the method name minus ``cmd_``."""


def package_version() -> str:
    try:
        return metadata.version("advgo")
    except metadata.PackageNotFoundError:
        return "unknown"


def _gtp_name(method: str) -> str:
    name = method.removeprefix("cmd_")
    return _SPELLINGS.get(name, name)


@dataclasses.dataclass(frozen=True)
class _Signature:
    converters: tuple
    required: int

    @classmethod
    def of(cls, method) -> "_Signature":
        hints = typing.get_type_hints(method)
        converters, required = [], 0
        for name, param in inspect.signature(method).parameters.items():
            kind = hints[name]
            options = [t for t in typing.get_args(kind) if t is not type(None)]
            converters.append(CONVERTERS[options[0] if options else kind])
            required += param.default is inspect.Parameter.empty
        return cls(tuple(converters), required)

    def convert(self, name: str, args: tuple[str, ...]) -> list:
        if not self.required <= len(args) <= len(self.converters):
            count = str(self.required) if self.required == len(self.converters) else \
                f"{self.required} to {len(self.converters)}"
            raise GtpError(SYNTAX_ERROR, f"{name} takes {count} arguments, got {len(args)}")
        return [convert(text) for convert, text in zip(self.converters, args)]


class GTPServer:
    """A GTP engine around one ``Agent``; it owns the game (a :class:`~advgo.gtp.position.GtpGame`).

    ``rules`` is a ``Rules`` or a ruleset name (``Rules.from_name``); ``komi`` overrides its komi. ``size``
    is the board size before the first ``boardsize`` (default: the agent's ``board_size``, else 19).
    """

    def __init__(self, agent, rules: Rules | str = "tromp-taylor", komi: float | None = None,
                 size: int | None = None):
        if isinstance(rules, str):
            rules = Rules.from_name(rules, 7.5 if komi is None else komi)
        elif komi is not None:
            rules = dataclasses.replace(rules, komi=float(komi))
        self.agent = agent
        self.board_size: int | None = agent.board_size
        size = size or self.board_size or DEFAULT_SIZE
        if not self._size_ok(size):
            raise ValueError(f"board size {size}: {self._sizes_accepted()}")
        self.game = GtpGame(size, rules)
        self.quit_requested = False
        self._closed = False
        self._commands = {_gtp_name(m): getattr(self, m) for m in dir(self) if m.startswith("cmd_")}
        self._signatures = {name: _Signature.of(method) for name, method in self._commands.items()}
        self._warn_rules(rules)

    @property
    def state(self) -> GameState:
        """The current position."""
        return self.game.state

    @property
    def commands(self) -> list[str]:
        return sorted(self._commands)

    # ------------------------------------------------------------------------------------------- the loop
    def handle(self, line: str) -> str | None:
        """The full reply to one input line (ending in an empty line), or None for a line that gets none."""
        command = parse_command(line)
        if command is None:
            return None
        log.debug("<< %s", clip(line.rstrip("\r\n"), DETAIL_SHOWN))
        name = clip(command.name)  # only a known name is short: anything shown of input goes through clip
        try:
            return format_reply(True, command.id, self._run(command))
        except GtpError as exc:
            detail = f": {clip(exc.detail, DETAIL_SHOWN)}" if exc.detail else ""
            log.warning("%s: %s%s", name or "(no command)", exc.message, detail)
            return format_reply(False, command.id, exc.message)
        except Exception as exc:  # an agent's failure or a bug must not end the session
            log.exception("%s failed", name)
            return format_reply(False, command.id, f"{name} failed: {type(exc).__name__}")

    def serve(self, stdin, stdout) -> None:
        """Answer the commands read from ``stdin`` (text) on ``stdout`` until ``quit`` or end of input."""
        try:
            while not self.quit_requested:
                line = stdin.readline()
                if not line:
                    break
                reply = self.handle(line)
                if reply is not None:
                    stdout.write(reply)
                    stdout.flush()
        finally:
            self.close()

    def close(self) -> None:
        """End the agent's processes, if it has any (once)."""
        if not self._closed:
            self._closed = True
            self.agent.close()

    def _run(self, command: Command) -> str:
        method = self._commands.get(command.name)
        if method is None:
            raise GtpError(UNKNOWN_COMMAND)  # the warning names it
        args = self._signatures[command.name].convert(command.name, command.args)
        return method(*args) or ""

    # ------------------------------------------------------------------------------------- administrative
    def cmd_protocol_version(self) -> str:
        return "2"

    def cmd_name(self) -> str:
        return "advgo"

    def cmd_version(self) -> str:
        return package_version()

    def cmd_known_command(self, name: str) -> str:
        return "true" if name in self._commands else "false"

    def cmd_list_commands(self) -> str:
        return "\n".join(self.commands)

    def cmd_quit(self) -> None:
        self.quit_requested = True

    # -------------------------------------------------------------------------------------- setting up
    def cmd_boardsize(self, size: int) -> None:
        if not self._size_ok(size):
            raise GtpError(UNACCEPTABLE_SIZE, f"{size}: {self._sizes_accepted()}")
        self.game = GtpGame(size, self.game.rules)

    def cmd_clear_board(self) -> None:
        self.game = GtpGame(self.game.size, self.game.rules)

    def cmd_komi(self, komi: float) -> None:
        try:
            rules = dataclasses.replace(self.game.rules, komi=komi)  # Rules holds the one komi bound
        except ValueError as exc:
            raise GtpError(UNACCEPTABLE_KOMI, str(exc)) from None
        self.game.set_rules(rules)

    def cmd_kgs_rules(self, name: str) -> None:
        key = RULESET_ALIASES.get(name.lower())
        if key is None:
            raise GtpError("unsupported rules", f"{clip(name)!r}: expected one of {', '.join(RULESET_ALIASES)}")
        rules = Rules.from_name(key, self.game.rules.komi)
        try:
            self.game.set_rules(rules)
        except IllegalMoveError as exc:
            raise GtpError("cannot change rules", f"a move of this game breaks them: {exc}") from None
        self._warn_rules(rules)

    def cmd_kata_set_rules(self, name: str) -> None:
        self.cmd_kgs_rules(name)

    def cmd_time_settings(self, main_time: float, byo_yomi_time: float, byo_yomi_stones: int) -> None:
        """Accepted and ignored: the agent thinks for a fixed number of visits."""

    def cmd_time_left(self, colour: Colour, time: float, stones: int) -> None:
        """Accepted and ignored, like ``time_settings``."""

    def cmd_loadsgf(self, filename: str, move_number: int | None = None) -> None:
        if move_number is not None and move_number < 1:
            raise GtpError(SYNTAX_ERROR, f"move number must be at least 1, got {move_number}")
        try:
            game = self._load(Path(filename), move_number)
        except Exception as exc:  # missing, unreadable, malformed, unplayable: all the same to GTP
            raise GtpError(CANNOT_LOAD, f"{clip(filename)}: {exc}") from None  # exc may hold it whole: cut in handle
        self.game = game

    # --------------------------------------------------------------------------------------------- play
    def cmd_play(self, colour: Colour, vertex: str) -> None:
        action = self._action(vertex)
        try:
            self.game.play(colour, action)
        except IllegalMoveError as exc:
            raise GtpError(ILLEGAL_MOVE, str(exc)) from None

    def cmd_genmove(self, colour: Colour) -> str:
        state = self.game.for_colour(colour)
        action = select_move(self.agent, state)
        reason = state.illegal_reason(action)
        if reason is not None:  # a broken agent: keep the session going
            log.error("%s chose an illegal move (%r, %s): playing pass", self.agent.name,
                      action, reason)
            action = state.pass_action
        self.game.play(colour, action)
        vertex = action_to_gtp(action, state.size)
        log.info("move %d: %s %s", self.state.move_number, colour_name(colour), vertex)
        return vertex

    def cmd_kgs_genmove_cleanup(self, colour: Colour) -> str:
        return self.cmd_genmove(colour)

    def cmd_undo(self) -> None:
        if not self.game.undo():
            raise GtpError(CANNOT_UNDO, "no move to take back")

    # -------------------------------------------------------------------------------------- the result
    def cmd_final_score(self) -> str:
        return result_string(self.state.score())

    def cmd_final_status_list(self, status: str) -> str:
        status = status.lower()
        if status not in ("alive", "dead", "seki"):
            raise GtpError(SYNTAX_ERROR, f"status must be alive, dead or seki, got {clip(status)!r}")
        if status != "alive":
            return ""
        size = self.state.size
        return "\n".join(" ".join(action_to_gtp(a, size) for a in chain) for chain in chains(self.state.board))

    def cmd_showboard(self) -> str:
        return "\n" + str(self.state)

    # ------------------------------------------------------------------------------------------ helpers
    def _size_ok(self, size: int) -> bool:
        return MIN_SIZE <= size <= MAX_SIZE and self.board_size in (None, size)

    def _sizes_accepted(self) -> str:
        if self.board_size is not None:
            return f"{self.agent.name} plays {self.board_size}x{self.board_size} only"
        return f"sizes are {MIN_SIZE}..{MAX_SIZE}"

    def _action(self, vertex: str) -> int:
        try:
            return gtp_to_action(vertex, self.game.size)
        except ValueError as exc:  # its message holds the vertex whole
            detail = str(exc) if len(vertex) <= SHOWN else f"not a vertex: {clip(vertex)!r}"
            raise GtpError(SYNTAX_ERROR, detail) from None

    def _load(self, path: Path, move_number: int | None) -> GtpGame:
        record = read_sgf(path.read_bytes())
        if not self._size_ok(record.size):
            raise ValueError(f"board size {record.size}: {self._sizes_accepted()}")
        rules = dataclasses.replace(self.game.rules, komi=record.rules.komi)
        game = GtpGame.from_state(record_to_game(dataclasses.replace(record, moves=(), rules=rules)))
        colour = record.to_play
        for action in record.moves[: None if move_number is None else move_number - 1]:
            game.play(colour, action)
            colour = -colour
        log.info("loaded %s: %d moves of %d", clip(str(path), DETAIL_SHOWN), game.state.move_number, len(record.moves))
        return game

    def _warn_rules(self, rules: Rules) -> None:
        supported = self.agent.rules_supported
        if supported is not None and rules.name not in supported:
            log.warning("%s plays %s rules, not %s: it may refuse a move (e.g. a multi-stone suicide)",
                        self.agent.name, "/".join(supported), rules.name)


def chains(board) -> list[list[int]]:
    """The chains of stones of an int8 [N, N] board, each as sorted action ids, in order of their first point."""
    n = board.shape[0]
    flat = board.reshape(-1)
    seen = [False] * (n * n)
    out = []
    for start in range(n * n):
        if flat[start] == 0 or seen[start]:
            continue
        seen[start] = True
        chain, todo = [], deque([start])
        while todo:
            a = todo.popleft()
            chain.append(a)
            row, col = divmod(a, n)
            for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                b = r * n + c
                if 0 <= r < n and 0 <= c < n and not seen[b] and flat[b] == flat[start]:
                    seen[b] = True
                    todo.append(b)
        out.append(sorted(chain))
    return out
