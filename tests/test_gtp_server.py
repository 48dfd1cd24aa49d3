"""``advgo gtp``: scripted GTP sessions in-process, a property test of random sessions, and a referee.

The referee plays real games between GNU Go and ``advgo gtp`` (a subprocess, as Sabaki or GoGui would run it),
passing every move to the other side, and checks three implementations agree: GNU Go, our server, and the
plain-Python reference Go of ``tests/reference_go.py`` (every move legal in all three, the same stones at the
end, the same Tromp-Taylor score). One game is random moves against GNU Go (odd, legal-at-the-edge moves); the
other is GNU Go served through ``advgo gtp gnugo`` against GNU Go, so that the game ends with territory on
both sides and a real score to agree on.
"""

from __future__ import annotations

import io
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_go import ReferenceGo

from advgo.agents import RandomAgent
from advgo.coords import action_to_gtp, gtp_to_action
from advgo.game import GameState
from advgo.gtp import GTPServer
from advgo.rules import Rules
from advgo.sgf import save_sgf

GNUGO = Path("/usr/games/gnugo")
needs_gnugo = pytest.mark.skipif(not GNUGO.exists(), reason="GNU Go is not installed at /usr/games/gnugo "
                                                            "(apt-get install gnugo; scripts/setup.sh does it)")
ADVGO = [sys.executable, "-m", "advgo"]

REQUIRED = ("protocol_version", "name", "version", "known_command", "list_commands", "quit", "boardsize",
            "clear_board", "komi", "play", "genmove", "undo", "final_score", "final_status_list", "showboard",
            "loadsgf", "time_settings", "kgs-genmove_cleanup")
SUPERKO_GAME = ("C3", "A2", "B1", "C4", "D1", "A4", "D3", "B3", "C2", "D4", "B4")
"""4x4, black first: white's C4 next would repeat an earlier board (found by a random search)."""
_REPLY = re.compile(r"([=?])(\d*) (.*)", re.DOTALL)


class Reply(NamedTuple):
    ok: bool
    id: str
    text: str


def parse_replies(out: str) -> list[Reply]:
    """Every reply of a session's output; fails on anything that is not a well-formed reply."""
    assert out == "" or out.endswith("\n\n"), f"output does not end with an empty line: {out[-40:]!r}"
    replies = []
    for chunk in out.split("\n\n")[:-1]:
        m = _REPLY.fullmatch(chunk)
        assert m is not None, f"not a GTP reply: {chunk!r}"
        replies.append(Reply(m.group(1) == "=", m.group(2), m.group(3).strip(" ")))
    return replies


def session(server: GTPServer, *lines: str) -> list[Reply]:
    out = io.StringIO()
    server.serve(io.StringIO("".join(line + "\n" for line in lines)), out)
    return parse_replies(out.getvalue())


def ask(server: GTPServer, line: str) -> Reply:
    reply = server.handle(line)
    assert reply is not None, f"no reply to {line!r}"
    (parsed,) = parse_replies(reply)
    return parsed


def ok(server: GTPServer, line: str) -> str:
    reply = ask(server, line)
    assert reply.ok, f"{line!r} failed: {reply.text}"
    return reply.text


def error(server: GTPServer, line: str) -> str:
    reply = ask(server, line)
    assert not reply.ok, f"{line!r} succeeded: {reply.text!r}"
    return reply.text


def board_of(showboard: str) -> dict[str, int]:
    """Stones of a ``showboard`` reply: vertex -> 1 black / -1 white."""
    lines = showboard.strip("\n").splitlines()
    columns = lines[0].split()
    stones = {}
    for line in lines[1:]:
        words = line.split()
        if words and words[0].isdigit():
            for col, glyph in zip(columns, words[1:1 + len(columns)]):
                if glyph in "XO":
                    stones[f"{col}{words[0]}"] = 1 if glyph == "X" else -1
    return stones


class SizedAgent(RandomAgent):
    board_size = 9  # like a net's agent


class BrokenAgent(RandomAgent):
    def select(self, boards, games):
        raise RuntimeError("the net fell over")


class IllegalAgent(RandomAgent):
    def select(self, boards, games):
        return [0] * len(games)  # A19/A9...: occupied after the first time


class ClosingAgent(RandomAgent):
    closed = 0

    def close(self):
        self.closed += 1


# ------------------------------------------------------------------------------------------ administrative
def test_administrative_commands():
    server = GTPServer(RandomAgent())
    assert ok(server, "protocol_version") == "2"
    assert ok(server, "name") == "advgo"
    assert ok(server, "version") == metadata.version("advgo")
    listed = ok(server, "list_commands").splitlines()
    assert set(REQUIRED) <= set(listed) and len(listed) == len(set(listed))
    for name in listed:
        assert ok(server, f"known_command {name}") == "true"
    for name in ("foo", "PLAY", "kgs_genmove_cleanup", "resign"):
        assert ok(server, f"known_command {name}") == "false"
        assert error(server, f"{name} b") == "unknown command"
    assert error(server, "known_command") == "syntax error"
    assert error(server, "name extra") == "syntax error"


def test_ids_comments_and_line_cleaning():
    server = GTPServer(RandomAgent())
    replies = session(server, "12 name", "# a comment", "", "   \t ", "\tname\t# trailing comment",
                      "na\x01m\x7fe", "name\r", "7 foo", "42", "3 boardsize x", "0 protocol_version",
                      "5 quit", "name")
    assert replies == [Reply(True, "12", "advgo"), Reply(True, "", "advgo"), Reply(True, "", "advgo"),
                       Reply(True, "", "advgo"), Reply(False, "7", "unknown command"),
                       Reply(False, "42", "unknown command"), Reply(False, "3", "syntax error"),
                       Reply(True, "0", "2"), Reply(True, "5", "")]
    assert server.handle("# nothing\n") is None and server.handle("\n") is None


def test_quit_and_end_of_input_close_the_agent():
    agent = ClosingAgent()
    server = GTPServer(agent)
    assert session(server, "name", "quit", "name", "name") == [Reply(True, "", "advgo"), Reply(True, "", "")]
    assert agent.closed == 1
    agent = ClosingAgent()
    assert session(GTPServer(agent), "name") == [Reply(True, "", "advgo")]  # EOF without quit
    assert agent.closed == 1


# ---------------------------------------------------------------------------------------------------- play
def test_play_vertices_any_case_and_pass():
    server = GTPServer(RandomAgent(), size=9)
    for line in ("play b d4", "play WHITE E5", "play Black j9", "play w A1", "play B PASS", "play white Pass"):
        ok(server, line)
    assert board_of(ok(server, "showboard")) == {"D4": 1, "E5": -1, "J9": 1, "A1": -1}
    assert server.state.moves[-2:] == (81, 81)


@pytest.mark.parametrize("line", ["play x d4", "play b", "play", "play b d4 e5", "play b z9", "play b J10",
                                  "play b I5", "play b d0", "play b 44", "play b resign", "play b d04"])
def test_play_syntax_errors(line):
    server = GTPServer(RandomAgent(), size=9)
    assert error(server, line) == "syntax error"
    assert server.state.move_number == 0


def test_illegal_moves_change_nothing():
    server = GTPServer(RandomAgent(), size=9)
    ok(server, "play b A1")
    before = ok(server, "showboard")
    assert error(server, "play w A1") == "illegal move"  # occupied
    assert error(server, "play b a1") == "illegal move"  # occupied, and out of turn
    assert ok(server, "showboard") == before and server.state.moves == (72,)  # no pass was left inserted
    for line in ("play w B2", "play w A2"):  # black passes before the second
        ok(server, line)
    ok(server, "play w B1")  # out of turn again; captures A1
    assert error(server, "play b A1") == "illegal move"  # single-stone suicide, under any rules
    assert board_of(ok(server, "showboard")) == {"B1": -1, "B2": -1, "A2": -1}
    assert ok(server, "undo") == ""
    assert board_of(ok(server, "showboard")) == {"A1": 1, "B2": -1, "A2": -1}


@pytest.mark.parametrize("rules, legal", [("tromp-taylor", True), ("chinese", False)])
def test_multi_stone_suicide_follows_the_rules(rules, legal):
    server = GTPServer(RandomAgent(), rules=rules, size=9)
    for line in ("play b A1", "play w B1", "play w B2", "play w A3"):  # out of turn: black passes between
        ok(server, line)
    reply = ask(server, "play b A2")
    assert reply.ok is legal and (legal or reply.text == "illegal move")
    stones = board_of(ok(server, "showboard"))
    assert ("A1" not in stones) if legal else (stones["A1"] == 1 and "A2" not in stones)


def test_superko_is_illegal_and_agrees_with_the_reference():
    server = GTPServer(RandomAgent(), rules="chinese", size=4)
    reference = ReferenceGo(4, ko="positional", suicide=False)
    colour = "b"
    for vertex in SUPERKO_GAME:
        ok(server, f"play {colour} {vertex}")
        reference.play(gtp_to_action(vertex, 4))
        colour = "w" if colour == "b" else "b"
    assert reference.illegal_reason(gtp_to_action("C4", 4)) == "superko"  # not a plain ko: a real superko
    assert error(server, "play w C4") == "illegal move"
    assert server.state.move_number == len(SUPERKO_GAME)


def test_out_of_turn_moves_and_moves_after_two_passes():
    server = GTPServer(RandomAgent(), size=9)
    ok(server, "play b D4")
    ok(server, "play b E5")  # white passes first
    assert server.state.moves == (gtp_to_action("D4", 9), 81, gtp_to_action("E5", 9))
    ok(server, "play w pass")
    ok(server, "play b pass")
    assert server.state.is_over
    ok(server, "play w C3")  # KGS clean-up or GoGui: the game goes on
    assert board_of(ok(server, "showboard")) == {"D4": 1, "E5": 1, "C3": -1}
    assert not server.state.is_over and server.state.to_play == 1
    ok(server, "undo")
    assert server.state.is_over  # back to the two passes
    vertex = ok(server, "genmove w")
    assert vertex == "pass" or board_of(ok(server, "showboard"))[vertex] == -1


def test_genmove_for_either_colour_and_undo():
    server = GTPServer(RandomAgent(seed=3), size=5)
    moves = [ok(server, f"genmove {c}") for c in "bwwbb"]
    assert server.state.move_number >= 5
    for vertex in moves:
        assert vertex == "pass" or re.fullmatch(r"[A-E][1-5]", vertex), vertex
    for _ in moves:
        ok(server, "undo")
    assert server.state.move_number == 0 and board_of(ok(server, "showboard")) == {}
    assert error(server, "undo") == "cannot undo"
    assert error(server, "undo extra") == "syntax error"


def test_kgs_genmove_cleanup_is_genmove():
    server = GTPServer(RandomAgent(seed=1), size=9)
    vertex = ok(server, "kgs-genmove_cleanup b")
    assert server.state.move_number == 1 and action_to_gtp(server.state.moves[0], 9) == vertex.upper()


def test_long_games_grow_the_history():
    server = GTPServer(RandomAgent(seed=0), size=5)
    longest = 0
    for k in range(400):
        ok(server, f"genmove {'bw'[k % 2]}")
        longest = max(longest, server.state.move_number)
    assert longest > 2 * 5 * 5 + 2  # past the history the engine allocates at first


def test_a_broken_agent_gets_error_replies_and_the_session_goes_on():
    server = GTPServer(BrokenAgent(), size=9)
    assert error(server, "genmove b") == "genmove failed: RuntimeError"
    assert server.state.move_number == 0 and ok(server, "name") == "advgo"
    server = GTPServer(IllegalAgent(), size=9)
    assert ok(server, "genmove b") == "A9"
    assert ok(server, "genmove w") == "pass"  # its A9 is occupied: the server passes for it


# ----------------------------------------------------------------------------------------- board set-up
@pytest.mark.parametrize("size", ["0", "1", "20", "26", "-9", "abc", "9.0", ""])
def test_bad_board_sizes(size):
    server = GTPServer(RandomAgent())
    expected = "syntax error" if not size.lstrip("-").isdigit() else "unacceptable size"
    assert error(server, f"boardsize {size}") == expected
    assert server.state.size == 19


def test_boardsize_clears_and_keeps_komi():
    server = GTPServer(RandomAgent())
    ok(server, "komi 0.5")
    for size in (2, 5, 19, 9):
        ok(server, "play b A1")
        ok(server, f"boardsize {size}")
        assert server.state.size == size and board_of(ok(server, "showboard")) == {}
    ok(server, "play b A1")
    ok(server, "clear_board")
    assert board_of(ok(server, "showboard")) == {} and ok(server, "final_score") == "W+0.5"


def test_a_net_agent_plays_its_size_only():
    server = GTPServer(SizedAgent())
    assert server.state.size == 9
    assert error(server, "boardsize 13") == "unacceptable size"
    assert error(server, "boardsize 19") == "unacceptable size"
    ok(server, "boardsize 9")
    with pytest.raises(ValueError, match="9x9 only"):
        GTPServer(SizedAgent(), size=13)


def test_a_zoo_net_serves_genmove():
    from advgo.agent_registry import make_agent

    server = GTPServer(make_agent("zoo:cp1", rules=Rules.chinese()), rules="chinese")
    assert server.state.size == 9 and error(server, "boardsize 19") == "unacceptable size"
    ok(server, "play b E5")
    vertex = ok(server, "genmove w")
    assert vertex == "pass" or board_of(ok(server, "showboard"))[vertex] == -1


def test_komi_and_rules():
    server = GTPServer(RandomAgent(), size=9)
    assert ok(server, "final_score") == "W+7.5"
    ok(server, "komi 0")
    assert ok(server, "final_score") == "0"
    ok(server, "komi -3")
    assert ok(server, "final_score") == "B+3"
    for bad in ("komi x", "komi", "komi nan", "komi inf", "komi 1 2"):
        assert error(server, bad) == "syntax error"
    for line in ("play b D4", "play w E5", "play b E4"):
        ok(server, line)
    ok(server, "kgs-rules chinese")
    assert server.state.rules.name == "chinese" and server.state.rules.komi == -3
    assert server.state.move_number == 3 and ok(server, "final_score") == "B+4"  # 2 - 1 stones, no territory, komi -3
    ok(server, "kata-set-rules tromp-taylor")
    assert server.state.rules == Rules.tromp_taylor(-3)
    assert error(server, "kgs-rules japanese") == "unsupported rules"
    assert ok(server, "time_settings 300 30 5") == "" and ok(server, "time_left b 120 0") == ""
    assert error(server, "time_settings 300 30") == "syntax error"


def test_changing_to_stricter_rules_refuses_a_game_that_breaks_them():
    server = GTPServer(RandomAgent(), size=9)
    for line in ("play b A1", "play w B1", "play w B2", "play w A3", "play b A2"):  # multi-stone suicide
        ok(server, line)
    assert error(server, "kgs-rules chinese") == "cannot change rules"
    assert server.state.rules.name == "tromp-taylor"


# ------------------------------------------------------------------------------------------------- scoring
def test_final_score_and_status_agree_with_the_reference():
    # black walls off columns A-C, white F-J; D and E reach both (dame); a white stone dies inside black's area
    script = [m for row in range(1, 10) for m in (f"C{row}", f"F{row}")] + ["B5", "A5", "A4", "pass", "A6"]
    for komi in (7.5, 0.0, 2.0):
        server = GTPServer(RandomAgent(), rules="chinese", komi=komi, size=9)
        reference = ReferenceGo(9, komi=komi, ko="positional", suicide=False)
        colour = "b"
        for vertex in script:
            ok(server, f"play {colour} {vertex}")
            reference.play(gtp_to_action(vertex, 9))
            colour = "w" if colour == "b" else "b"
        black, white = reference.area()
        assert (black, white) == (27, 36)  # a real count, not a whole-board one
        score = black - white - komi
        expected = "0" if score == 0 else f"{'B' if score > 0 else 'W'}+{abs(score):g}"
        assert ok(server, "final_score") == expected
    alive = ok(server, "final_status_list alive").splitlines()
    assert sorted(v for line in alive for v in line.split()) == sorted(board_of(ok(server, "showboard")))
    chain = {f"C{row}" for row in range(1, 10)} | {"B5"}
    assert chain in [set(line.split()) for line in alive]  # one line per chain
    assert ok(server, "final_status_list dead") == "" and ok(server, "final_status_list SEKI") == ""
    assert error(server, "final_status_list") == "syntax error"
    assert error(server, "final_status_list white_territory") == "syntax error"


def test_showboard_is_a_multi_line_reply():
    server = GTPServer(RandomAgent(), size=9)
    ok(server, "play b C7")
    ok(server, "play w G3")
    reply = server.handle("showboard")
    assert reply.startswith("= \n") and reply.endswith("\n\n") and "\n\n" not in reply[:-2]
    assert board_of(parse_replies(reply)[0].text) == {"C7": 1, "G3": -1}


# ------------------------------------------------------------------------------------------------- loadsgf
@pytest.fixture
def game_sgf(tmp_path):
    state = GameState.new(9, Rules.tromp_taylor(6.5))
    for vertex in ("D4", "E5", "C3", "pass", "G7", "pass", "pass"):
        state = state.play(gtp_to_action(vertex, 9))
    return save_sgf(tmp_path / "game.sgf", state), state


def test_loadsgf_loads_the_main_line(game_sgf):
    path, state = game_sgf
    server = GTPServer(RandomAgent(), komi=0.5)
    assert ok(server, f"loadsgf {path}") == ""
    assert server.state.size == 9 and server.state.moves == state.moves and server.state.rules.komi == 6.5
    assert ok(server, "final_score") == ("B+" if state.score() > 0 else "W+") + f"{abs(state.score()):g}"
    ok(server, "play w J1")  # after the two passes at its end, play goes on
    assert board_of(ok(server, "showboard"))["J1"] == -1
    ok(server, "undo")
    ok(server, "undo")  # into the loaded moves
    assert server.state.moves == state.moves[:-1]


@pytest.mark.parametrize("number, moves", [(1, 0), (3, 2), (6, 5), (99, 7)])
def test_loadsgf_up_to_a_move_number(game_sgf, number, moves):
    path, state = game_sgf
    server = GTPServer(RandomAgent())
    ok(server, f"loadsgf {path} {number}")
    assert server.state.moves == state.moves[:moves]


def test_loadsgf_errors_keep_the_game(tmp_path, game_sgf):
    path, _ = game_sgf
    broken = tmp_path / "broken.sgf"
    broken.write_text("(;GM[1]SZ[9];B[dd];W[dd])")  # an illegal move
    garbage = tmp_path / "garbage.sgf"
    garbage.write_bytes(b"\x00\xffnot sgf at all(")
    big = tmp_path / "big.sgf"
    big.write_text("(;GM[1]SZ[25];B[dd])")
    out_of_turn = tmp_path / "turns.sgf"
    out_of_turn.write_text("(;GM[1]SZ[9];B[dd];B[ee])")
    server = GTPServer(RandomAgent(), size=9)
    ok(server, "play b E5")
    for line in (f"loadsgf {tmp_path / 'missing.sgf'}", f"loadsgf {tmp_path}", f"loadsgf {broken}",
                 f"loadsgf {garbage}", f"loadsgf {big}", f"loadsgf {out_of_turn}"):
        assert error(server, line) == "cannot load file", line
    assert error(server, f"loadsgf {path} 0") == "syntax error"
    assert error(server, f"loadsgf {path} x") == "syntax error"
    assert error(server, "loadsgf") == "syntax error"
    assert board_of(ok(server, "showboard")) == {"E5": 1}
    sized = GTPServer(SizedAgent())
    nine = tmp_path / "thirteen.sgf"
    nine.write_text("(;GM[1]SZ[13];B[dd])")
    assert error(sized, f"loadsgf {nine}") == "cannot load file"


# ------------------------------------------------------------------------------------- property: sessions
_COLOURS = st.sampled_from(["b", "w", "black", "WHITE", "x"])
_VERTICES = st.sampled_from(["A1", "a2", "B1", "b2", "C3", "c2", "B3", "D4", "E5", "pass", "PASS", "J19", "T19",
                             "I3", "Z9", "A0", "resign"])
_ARGS = {  # mostly well-formed arguments per command, so that sessions get somewhere
    "play": st.tuples(_COLOURS, _VERTICES),
    "genmove": st.tuples(_COLOURS),
    "kgs-genmove_cleanup": st.tuples(_COLOURS),
    "boardsize": st.tuples(st.sampled_from(["2", "3", "5", "9", "0", "1", "25", "abc"])),
    "komi": st.tuples(st.sampled_from(["0", "7.5", "-3", "nan", "x"])),
    "loadsgf": st.one_of(st.tuples(st.just("@SGF")), st.tuples(st.just("@SGF"), st.sampled_from(["1", "3", "0"])),
                         st.tuples(st.just("/no/such/file.sgf"))),
    "final_status_list": st.tuples(st.sampled_from(["alive", "dead", "seki", "black"])),
    "known_command": st.tuples(st.sampled_from(["play", "foo", "kgs-rules"])),
    "time_settings": st.tuples(st.just("60"), st.just("10"), st.sampled_from(["1", "x"])),
    "kgs-rules": st.tuples(st.sampled_from(["chinese", "tt", "japanese"])),
}
_NAMES = st.sampled_from([*REQUIRED, "time_left", "kgs-rules", "kata-set-rules", *["play", "genmove", "undo"] * 4,
                          "bogus", "PLAY", "", "12"])
_WORDS = st.lists(st.sampled_from(["b", "D4", "pass", "0", "19", "7.5", "abc", "#", "@SGF"]), max_size=3)


@st.composite
def command_lines(draw):
    ident = draw(st.sampled_from(["", "", "0 ", "17 ", "0042 "]))
    name = draw(_NAMES)
    args = draw(_ARGS[name]) if name in _ARGS and draw(st.integers(0, 4)) else draw(_WORDS)
    line = ident + draw(st.sampled_from([" ", "  ", "\t"])).join([name, *args])
    if draw(st.booleans()):
        line += draw(st.sampled_from([" # note", "\r", "\x07", "  ", "\t#"]))
    return line


def _expected_reply(line: str) -> tuple[str, list[str]] | None:
    """Independently of the server: None when the line needs no reply, else (the reply's id, the words)."""
    text = "".join(c for c in line if c == "\t" or not (ord(c) < 32 or ord(c) == 127)).split("#")[0]
    words = text.split()
    if not words:
        return None
    if re.fullmatch("[0-9]+", words[0]):
        return words[0], words[1:]
    return "", words


@pytest.fixture(scope="module")
def small_sgf(tmp_path_factory) -> Path:
    state = GameState.new(5, Rules.tromp_taylor(0.5))
    for vertex in ("C3", "B2", "pass", "D4", "pass", "pass"):
        state = state.play(gtp_to_action(vertex, 5))
    return save_sgf(tmp_path_factory.mktemp("sgf") / "small.sgf", state)


@given(st.lists(st.one_of(command_lines(), st.text(max_size=12)), max_size=25),
       st.sampled_from([2, 3, 5, 9]), st.integers(0, 3))
def test_random_sessions_answer_every_line_once(small_sgf, lines, size, seed):
    """Any session: one well-formed reply per command line, with its id, up to ``quit``; never an exception."""
    lines = [line.replace("\n", " ").replace("\r", " ").replace("@SGF", str(small_sgf)) for line in lines]
    server = GTPServer(RandomAgent(seed=seed), size=size)
    out = io.StringIO()
    server.serve(io.StringIO("".join(line + "\n" for line in lines)), out)
    expected = []
    for line in lines:
        reply = _expected_reply(line)
        if reply is not None:
            expected.append(reply[0])
            if reply[1] == ["quit"]:
                break
    replies = parse_replies(out.getvalue())
    assert [r.id for r in replies] == expected
    assert server.state.size in range(2, 20) and ok(server, "name") == "advgo"


# --------------------------------------------------------------------------------------------- the binary
def test_cli_bad_spec_exits_2_with_a_message(tmp_path):
    import subprocess

    for args in (["zoo:nope"], ["human"], ["random", "--rules", "japanese"], ["zoo:cp1", "--size", "13"]):
        proc = subprocess.run([*ADVGO, "gtp", *args], input="name\n", capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stdout == "" and "advgo gtp:" in proc.stderr


# ------------------------------------------------------------------------------------------------ referee
def _gnugo(seed: int):
    from advgo.agents.gtp import load_engine_spec
    from advgo.agents.gtp_client import GTPEngine

    spec = load_engine_spec("gnugo")  # --chinese-rules --positional-superko --capture-all-dead --never-resign
    return GTPEngine(spec.argv(spec.params() | {"seed": seed}), name="gnugo", timeout=30)


def referee(ours_spec: str, seed: int, ours_black: bool, log_path: Path, max_moves: int = 400) -> dict:
    """One 9x9 game, GNU Go against ``advgo gtp ours_spec --rules chinese``; both get every move."""
    from advgo.agents.gtp_client import GTPEngine, GTPError

    ours = GTPEngine([*ADVGO, "gtp", ours_spec, "--rules", "chinese", "--seed", str(seed)], name="advgo",
                     timeout=60, startup_timeout=120, stderr=log_path)
    gnugo = _gnugo(seed)
    try:
        for engine in (ours, gnugo):
            for command in ("boardsize 9", "clear_board", "komi 7.5"):
                engine.send(command)
        players = {"b": ours, "w": gnugo} if ours_black else {"b": gnugo, "w": ours}
        reference = ReferenceGo(9, komi=7.5, ko="positional", suicide=False)
        colour = "b"
        while not reference.is_over:
            assert len(reference.moves) < max_moves, "the game does not end"
            mover, other = players[colour], players["w" if colour == "b" else "b"]
            vertex = mover.send(f"genmove {colour}")
            action = gtp_to_action(vertex, 9)  # never "resign"
            assert reference.illegal_reason(action) is None, f"{mover.name} played an illegal {colour} {vertex}"
            try:
                other.send(f"play {colour} {vertex}")
            except GTPError as exc:
                pytest.fail(f"move {len(reference.moves) + 1}: {other.name} refused {mover.name}'s {colour} "
                            f"{vertex}: {exc.message}")
            reference.play(action)
            colour = "w" if colour == "b" else "b"
        ours_board = board_of(ours.send("showboard"))
        gnugo_board = {v: c for c, name in ((1, "black"), (-1, "white"))
                       for v in gnugo.send(f"list_stones {name}").split()}
        reference_board = {action_to_gtp(r * 9 + c, 9): reference.board[r][c]
                           for r in range(9) for c in range(9) if reference.board[r][c]}
        return dict(ours_board=ours_board, gnugo_board=gnugo_board, reference_board=reference_board,
                    ours_score=ours.send("final_score"), gnugo_score=gnugo.send("final_score"),
                    gnugo_dead=gnugo.send("final_status_list dead"), area=reference.area(),
                    reference_score=reference.score(), moves=len(reference.moves))
    finally:
        ours.close()
        gnugo.close()


def _result(score: float) -> str:
    return "0" if score == 0 else f"{'B' if score > 0 else 'W'}+{abs(score):g}"


def _score_value(result: str) -> float:
    """``B+3.5`` -> 3.5, ``W+0.5`` -> -0.5, ``0`` -> 0 (GNU Go writes ``B+20.0``, we write ``B+20``)."""
    if result == "0":
        return 0.0
    winner, margin = result.split("+")
    return float(margin) * (1 if winner == "B" else -1)


@needs_gnugo
@pytest.mark.parametrize("ours_spec, seed, ours_black", [("random", 1, True), ("gnugo:level=0", 3, False)])
def test_referee_against_gnugo(tmp_path, ours_spec, seed, ours_black):
    log_path = tmp_path / "advgo.stderr"
    game = referee(ours_spec, seed, ours_black, log_path)
    # the same stones in all three at the end (so every capture agreed)
    assert game["ours_board"] == game["reference_board"] == game["gnugo_board"]
    # our score is the Tromp-Taylor count of the board (an independent count)...
    assert game["ours_score"] == _result(game["reference_score"])
    # ... and GNU Go's, which removes stones it judges dead first: with none dead they must agree
    assert game["gnugo_dead"] == ""
    assert _score_value(game["ours_score"]) == _score_value(game["gnugo_score"])
    log = log_path.read_text()
    assert "illegal move" not in log and "Traceback" not in log, log
    if ours_spec.startswith("gnugo"):
        black, white = game["area"]
        assert black >= 15 and white >= 15, game  # a contested board: the score check means something
