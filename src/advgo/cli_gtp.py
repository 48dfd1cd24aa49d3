"""``advgo gtp AGENT``: serve an agent as a GTP version 2 engine on stdin/stdout (the work is in ``advgo.gtp``).

stdout carries GTP replies only: while serving, anything else printed goes to stderr, with the logs. A bad agent
spec, ruleset or size is reported on stderr with exit status 2.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys

import typer

from advgo.agentspec import AGENT_FORMS

log = logging.getLogger(__name__)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"advgo gtp: {message}", err=True)
    return typer.Exit(2)


def gtp(
    agent: str = typer.Argument(..., metavar="AGENT", help="The agent to serve: " + ", ".join(AGENT_FORMS[:-1]) + "."),
    rules: str = typer.Option("tromp-taylor", "--rules", help="tromp-taylor or chinese (GNU Go's, no suicide)."),
    komi: float = typer.Option(7.5, "--komi", help="Komi until the controller sends `komi`."),
    seed: int = typer.Option(0, "--seed", help="Seed of the agent's random choices."),
    device: str = typer.Option("cpu", "--device", help="Torch device of a net agent: cpu, cuda, cuda:1, ..."),
    size: int | None = typer.Option(None, "--size", help="Board size before the first `boardsize` "
                                                         "(default: the net's size, else 19)."),
    threads: int = typer.Option(1, "--threads", min=0, help="Torch CPU threads of a net agent (0: torch's default, "
                                                             "every core; see advgo.nets.threads)."),
) -> None:
    """Serve AGENT as a GTP engine (for Sabaki, GoGui, twogtp); it never resigns."""
    from advgo.agent_registry import make_agent
    from advgo.agentspec import parse_agent_spec
    from advgo.gtp import GTPServer
    from advgo.nets.threads import set_torch_threads
    from advgo.rules import Rules

    try:
        ruleset = Rules.from_name(rules, komi)
        if parse_agent_spec(agent).kind == "human":
            raise ValueError("a human agent reads the terminal, which is the GTP channel here: "
                             "use the controller's own human player instead")
        set_torch_threads(threads)
        player = make_agent(agent, seed=seed, device=device, rules=ruleset)
    except (ValueError, FileNotFoundError) as exc:
        raise _fail(str(exc)) from None
    try:
        server = GTPServer(player, ruleset, size=size)
    except ValueError as exc:
        player.close()
        raise _fail(str(exc)) from None
    log.info("serving %s over GTP (%s rules, komi %g)", player.name, ruleset.name, ruleset.komi)
    # lines end at LF only: GTP drops a CR as a control character, it does not end a line
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="\n")
    stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):  # a stray print must not corrupt the protocol
            server.serve(stdin, stdout)
    except KeyboardInterrupt:
        server.close()
    except BrokenPipeError:  # the controller went away without `quit`
        server.close()
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
