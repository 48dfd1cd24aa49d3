"""``advgo gtp`` against hostile input (issue 17): what comes in is shown bounded, and komi stays in range
(``komi -1e9`` was accepted and ``final_score`` answered ``B+1e+09``).

A fuzzer's 100,000-character command stalled the server for minutes: the warning carried the whole name and the
rich log handler lays out one huge word in quadratic time. The tests check structure (how long each log record
and reply is), not time, so they are quick and do not flake under load.
"""

from __future__ import annotations

import logging

import pytest

from advgo.agents import RandomAgent
from advgo.gtp import GTPServer
from advgo.rules import MAX_KOMI, Rules

LONG = 100_000
SHORT_ENOUGH = 400
"""Generous: a log record or reply about a 100,000-character input must stay under this many characters."""

HOSTILE = {  # a command line, and whether its reply is an error
    "unknown command": ("x" * LONG, True),
    "with an id": ("7 " + "y" * LONG, True),
    "vertex": ("play b " + "a" * LONG, True),
    "colour": ("play " + "b" * LONG + " D4", True),
    "integer": ("boardsize " + "9" * LONG, True),
    "number": ("komi " + "1" * LONG, True),
    "rules": ("kgs-rules " + "r" * LONG, True),
    "status": ("final_status_list " + "s" * LONG, True),
    "file": ("loadsgf " + "f" * LONG, True),
    "many arguments": ("name" + " a" * LONG, True),
    "known_command": ("known_command " + "k" * LONG, False),
}


@pytest.mark.parametrize("line, failing", HOSTILE.values(), ids=HOSTILE.keys())
def test_input_shown_in_logs_and_replies_is_bounded(line, failing, caplog):
    server = GTPServer(RandomAgent(), size=9)
    with caplog.at_level(logging.DEBUG, logger="advgo"):
        reply = server.handle(line + "\n")
    assert reply is not None and reply.startswith("?" if failing else "=")
    reply_length = len(reply)
    assert reply_length < SHORT_ENOUGH, reply[:100]
    lengths = [len(r.getMessage()) for r in caplog.records]  # lengths only: a failure must not print 100 kB
    assert lengths, "the line should at least be logged at debug level"
    assert max(lengths) < SHORT_ENOUGH, f"a log record of {max(lengths)} characters"
    assert any("characters)" in r.getMessage() for r in caplog.records)  # the cut is marked, with the length
    assert server.state.move_number == 0 and server.state.size == 9 and server.state.rules.komi == 7.5


def test_the_unknown_command_warning_names_the_cut_and_its_length(caplog):
    server = GTPServer(RandomAgent())
    with caplog.at_level(logging.WARNING, logger="advgo"):
        assert server.handle("x" * LONG + "\n") == "? unknown command\n\n"
    (record,) = caplog.records
    message = record.getMessage()
    length = len(message)
    assert length < SHORT_ENOUGH, f"a warning of {length} characters"
    assert message.startswith("xxx") and f"({LONG} characters)" in message, message


# ------------------------------------------------------------------------------------------------------ komi
def reply_to(server: GTPServer, line: str) -> str:
    reply = server.handle(line + "\n")
    assert reply is not None and reply.endswith("\n\n")
    return reply.strip()


@pytest.mark.parametrize("komi, message", [("-1e9", "unacceptable komi"), ("1e9", "unacceptable komi"),
                                           ("150.5", "unacceptable komi"), ("-151", "unacceptable komi"),
                                           ("1e308", "unacceptable komi"), ("nan", "syntax error"),
                                           ("-inf", "syntax error"), ("1e999", "syntax error")])
def test_komi_out_of_range_is_refused_and_the_old_komi_kept(komi, message):
    server = GTPServer(RandomAgent(), size=9)
    assert reply_to(server, "komi 0.5") == "="
    assert reply_to(server, f"komi {komi}") == f"? {message}"
    assert server.state.rules.komi == 0.5 and reply_to(server, "final_score") == "= W+0.5"


def test_komi_at_the_bounds_is_accepted():
    server = GTPServer(RandomAgent(), size=9)
    for komi, score in (("150", "W+150"), ("-150", "B+150")):
        assert reply_to(server, f"komi {komi}") == "="
        assert reply_to(server, "final_score") == f"= {score}"


def test_one_komi_rule_for_rules_configs_and_the_server():
    assert Rules(komi=-MAX_KOMI).komi == -MAX_KOMI and Rules.chinese(MAX_KOMI).komi == MAX_KOMI
    for komi in (MAX_KOMI + 0.5, -1e9, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="komi"):
            Rules(komi=komi)
        with pytest.raises(ValueError, match="komi"):
            GTPServer(RandomAgent(), komi=komi)
    with pytest.raises(ValueError, match="komi"):
        Rules.from_name("tromp-taylor", 1e9)  # what a config's game.komi or --komi goes through
