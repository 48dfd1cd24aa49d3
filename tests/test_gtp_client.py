"""The GTP client, engine specs and ``GTPAgent``: a real GNU Go, and a fake engine (a Python script) that
misbehaves on cue (sleeps, dies mid-reply, answers garbage) to exercise timeouts and crashes."""

from __future__ import annotations

import logging
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from advgo import engine
from advgo.agents import GnuGoAgent, GTPAgent, RandomAgent
from advgo.agents.gtp import (
    EngineDied,
    GTPEngine,
    GTPError,
    GTPTimeout,
    MoveRejected,
    load_engine_spec,
)
from advgo.coords import gtp_to_action
from advgo.eval import play_match
from advgo.rules import Rules

GNUGO = Path("/usr/games/gnugo")
needs_gnugo = pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go is not installed (apt-get install gnugo)")
GNUGO_ARGV = [str(GNUGO), "--mode", "gtp", "--chinese-rules", "--positional-superko", "--level", "0"]

FAKE_ENGINE = r'''
import sys, time
mode = sys.argv[1] if len(sys.argv) > 1 else "pass"
def reply(ident, text, ok=True):
    sys.stdout.write(("=" if ok else "?") + ident + " " + text + "\n\n")
    sys.stdout.flush()
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    ident = words.pop(0) if words[0].isdigit() else ""
    cmd = words[0]
    if cmd == "protocol_version":
        if mode == "mute":
            time.sleep(60)
        reply(ident, "2")
    elif cmd == "multi":
        sys.stdout.write("=" + ident + "\nfirst line\n  second line\n\n"); sys.stdout.flush()
    elif cmd == "noisy":
        sys.stdout.write("debug output, not a reply\n"); reply(ident, "fine")
    elif cmd == "sleep" or (cmd == "genmove" and mode == "sleep"):
        time.sleep(60)
    elif cmd == "die" or (cmd == "genmove" and mode == "die"):
        sys.stdout.write("= partial\n"); sys.stdout.flush(); sys.exit(3)
    elif cmd == "genmove":
        reply(ident, {"resign": "resign", "garbage": "Z99"}.get(mode, "PASS"))
    elif cmd == "quit":
        reply(ident, ""); break
    elif cmd in ("boardsize", "clear_board", "komi", "play"):
        reply(ident, "")
    else:
        reply(ident, "unknown command", ok=False)
'''


@pytest.fixture
def fake(tmp_path):
    """argv of the fake engine in a given mode."""
    script = tmp_path / "fake_engine.py"
    script.write_text(textwrap.dedent(FAKE_ENGINE))
    return lambda mode="pass": [sys.executable, str(script), mode]


def fake_spec(tmp_path, fake, mode: str) -> Path:
    path = tmp_path / f"fake-{mode}.yaml"
    python, script, _ = fake(mode)
    path.write_text(f"name: fake\ncommand: {python} {script} {{mode}}\ndefaults: {{mode: {mode}}}\n"
                    f"timeouts: {{startup: 10, command: 5, genmove: 1}}\n")
    return path


# ------------------------------------------------------------------------------------------- protocol
@needs_gnugo
def test_gnugo_round_trip():
    with GTPEngine(GNUGO_ARGV) as gtp:
        assert gtp.send("protocol_version") == "2"
        assert gtp.send("name") == "GNU Go"
        assert gtp.send("version", id=42).startswith("3.")
        assert gtp.send("boardsize 9") == "" and gtp.send("clear_board") == ""
        gtp_to_action(gtp.send("genmove B"), 9)  # a vertex (or PASS) on the board
        board = gtp.send("showboard")
        assert board.count("\n") >= 10 and board.lstrip().startswith("A B C")
    assert not gtp.alive


@needs_gnugo
def test_gnugo_errors_keep_the_engine_alive():
    with GTPEngine(GNUGO_ARGV) as gtp:
        gtp.send("boardsize 9")
        gtp.send("play B D4")
        with pytest.raises(GTPError, match="illegal move") as err:
            gtp.send("play W D4")
        assert err.value.message == "illegal move" and err.value.command == "play W D4"
        with pytest.raises(GTPError, match="unknown command"):
            gtp.send("no_such_command 1 2")
        with pytest.raises(GTPError, match="not an integer"):
            gtp.send("boardsize nine")
        with pytest.raises(GTPError):
            gtp.send("play purple D5")
        for bad in ("", "   ", "name\nquit", "name # comment"):  # never sent: a blank line gets no reply
            with pytest.raises(ValueError):
                gtp.send(bad)
        assert gtp.alive and gtp.send("name") == "GNU Go"


def test_multiline_ids_and_stray_output(fake):
    with GTPEngine(fake(), name="fake") as gtp:
        assert gtp.send("multi") == "first line\n  second line"
        assert gtp.send("multi", id=7) == "first line\n  second line"
        assert gtp.send("noisy") == "fine"
        with pytest.raises(GTPError, match="unknown command"):
            gtp.send("bogus", id=3)


def test_timeout_kills_the_process_and_restart_works(fake):
    gtp = GTPEngine(fake(), name="fake")
    proc = gtp._proc
    start = time.monotonic()
    with pytest.raises(GTPTimeout, match="no reply to 'sleep' within 0.5 s"):
        gtp.send("sleep", timeout=0.5)
    assert time.monotonic() - start < 5
    assert proc.poll() is not None and not gtp.alive  # killed, reaped
    with pytest.raises(EngineDied, match="not running"):
        gtp.send("name")
    gtp.restart()
    assert gtp.alive and gtp._proc is not proc and gtp.send("protocol_version") == "2"
    gtp.close()
    assert not gtp.alive


def test_exit_mid_reply_is_engine_died(fake):
    gtp = GTPEngine(fake(), name="fake")
    proc = gtp._proc
    with pytest.raises(EngineDied, match="closed its output") as err:
        gtp.send("die", timeout=5)
    assert not isinstance(err.value, GTPTimeout)
    assert proc.poll() is not None
    gtp.close()  # closing a dead engine is fine


def test_startup_failures(fake, tmp_path):
    with pytest.raises(EngineDied, match="cannot launch"):
        GTPEngine([str(tmp_path / "no-such-engine")])
    start = time.monotonic()
    with pytest.raises(GTPTimeout, match="protocol_version"):
        GTPEngine(fake("mute"), startup_timeout=0.5)
    assert time.monotonic() - start < 5


# ---------------------------------------------------------------------------------------------- specs
def test_engine_specs(tmp_path):
    gnugo = load_engine_spec("gnugo", require_binary=False)
    assert gnugo.rules == ("chinese",) and gnugo.defaults == {"level": 0}
    argv = gnugo.argv({**gnugo.params({"level": 5}), "seed": 3})
    assert argv[0] == "/usr/games/gnugo" and "--capture-all-dead" in argv and argv[-4:] == ["--level", "5", "--seed", "3"]
    with pytest.raises(ValueError, match="no parameter 'lvl'.*level"):
        gnugo.params({"lvl": 3})
    with pytest.raises(ValueError, match="set by the agent"):
        gnugo.params({"seed": 3})
    katago = load_engine_spec("katago", require_binary=False)
    assert "tromp-taylor" in katago.rules and katago.rules_command == "kata-set-rules {katago_rules}"
    assert "maxVisits=8" in " ".join(katago.argv({**katago.params({"visits": 8}), "seed": 0}))
    with pytest.raises(ValueError, match="unknown engine 'nope'.*gnugo"):
        load_engine_spec("nope")
    missing = tmp_path / "gnugo-elsewhere.yaml"
    missing.write_text("name: gnugo\ncommand: /nonexistent/gnugo --mode gtp\ninstall: apt-get install gnugo\n")
    with pytest.raises(FileNotFoundError, match="not installed; install it with `apt-get install gnugo`"):
        load_engine_spec(missing)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ncommand: x --level {level}\n")
    with pytest.raises(ValueError, match=r"\{level\}.*no default"):
        load_engine_spec(bad, require_binary=False)


# ---------------------------------------------------------------------------------------------- agent
def test_agent_engine_death_names_the_game_and_restarts(fake, tmp_path):
    with GTPAgent(fake_spec(tmp_path, fake, "sleep")) as agent:
        agent.start(9, Rules.chinese(), 3)
        boards = engine.new_boards(3, 9, 20)
        with pytest.raises(EngineDied, match="game 2") as err:
            agent.select(boards, np.array([2]))
        assert err.value.game == 2 and isinstance(err.value.__cause__, GTPTimeout)
        assert agent._slots[2].engine.alive and agent._slots[2].seen is None  # restarted, re-synced next time


def test_agent_resign_is_pass_and_garbage_is_death(fake, tmp_path, caplog):
    boards = engine.new_boards(1, 9, 20)
    with GTPAgent(fake_spec(tmp_path, fake, "resign")) as agent:
        agent.start(9, Rules.chinese(), 1)
        with caplog.at_level(logging.WARNING):
            assert agent.select(boards, np.array([0])).tolist() == [81]
        assert "resigned" in caplog.text
    with GTPAgent(fake_spec(tmp_path, fake, "garbage")) as agent:
        agent.start(9, Rules.chinese(), 1)
        with pytest.raises(EngineDied, match="Z99"):
            agent.select(boards, np.array([0]))


@needs_gnugo
def test_suicide_under_tromp_taylor_is_rejected_clearly():
    rules = Rules.tromp_taylor()
    codes = rules.codes(50)
    boards = engine.new_boards(1, 9, 51)
    for vertex in ("A2", "B1", "B2", "pass", "C1", "A1"):  # white A1 + B1: a two-stone suicide
        assert engine.play_batch(boards, codes, np.array([gtp_to_action(vertex, 9)]))[0] == engine.OK
    with GnuGoAgent(level=0) as agent:
        agent.start(9, rules, 1)
        with pytest.raises(MoveRejected, match=r"move 6 of game 0 \('play W A1'\).*Rules.chinese\(\)") as err:
            agent.select(boards, np.array([0]))
        assert err.value.game == 0


@needs_gnugo
def test_random_vs_gnugo_match():
    with GnuGoAgent(level=0, seed=1) as gnugo:
        result = play_match(RandomAgent(seed=0), gnugo, 9, 4, rules=Rules.chinese())
    assert result.b == "gnugo:level=0" and result.games == 4 and len(result.margins) == 4
    assert result.wins == sum(m > 0 for m in result.margins) and result.losses == sum(m < 0 for m in result.margins)
    assert all(0 < n <= 2 * 81 for n in result.lengths) and result.a_black == [True, False, True, False]
    assert result.losses >= 3, f"GNU Go should beat a random player: margins {result.margins}"


@needs_gnugo
def test_gnugo_self_play_batch_of_two_stays_in_sync():
    rules = Rules.chinese()
    codes = rules.codes(2 * 81)
    boards = engine.new_boards(2, 9, 2 * 81 + 1)
    with GnuGoAgent(level=0, seed=5) as agent:
        agent.start(9, rules, 2)
        assert agent.n_workers == 2  # genmoves of the two games run in two threads
        while (live := np.flatnonzero(boards.end_reason == engine.END_NONE)).size:
            actions = np.full(2, engine.NO_ACTION, np.int64)
            actions[live] = agent.select(boards, live)
            assert (engine.play_batch(boards, codes, actions)[live] == engine.OK).all()
        pids = {slot.engine.pid for slot in agent._slots}
        assert len(pids) == 2  # one process per game
        for g, slot in enumerate(agent._slots):
            assert slot.seen == boards.moves[g, :boards.move_count[g]].tolist()  # it chose every move
            for colour, value in (("black", engine.BLACK), ("white", engine.WHITE)):
                theirs = {gtp_to_action(v, 9) for v in slot.engine.send(f"list_stones {colour}").split()}
                ours = set(_stones(boards, g, value))
                assert theirs == ours, f"game {g}: GNU Go's {colour} stones differ from ours"


def _stones(boards, g: int, colour: int) -> list[int]:
    n, w = boards.size, boards.width
    grid = boards.stones[g].reshape(w, w)[1:-1, 1:-1]
    return [r * n + c for r in range(n) for c in range(n) if grid[r, c] == colour]
