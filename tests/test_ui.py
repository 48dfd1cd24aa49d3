"""``advgo play`` and ``advgo show``: the command parser, the play session (undo, hint, save) against the
reference Go, and both commands driven through a pseudo-terminal as a person would use them."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import numpy as np
import pexpect
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference_go import ReferenceGo

from advgo.agents import RandomAgent
from advgo.coords import action_to_gtp
from advgo.errors import IllegalMoveError
from advgo.game import GameState
from advgo.rules import Rules
from advgo.sgf import game_to_sgf, read_sgf
from advgo.ui import PlaySession, replay_states
from advgo.ui.commands import parse_play, parse_show

# ------------------------------------------------------------------------------------------- parsing


@given(size=st.integers(2, 19), data=st.data())
def test_every_vertex_parses_in_any_case(size, data):
    action = data.draw(st.integers(0, size * size))
    vertex = action_to_gtp(action, size)
    typed = data.draw(st.sampled_from([vertex, vertex.lower(), vertex.upper(), f"  {vertex} "]))
    command = parse_play(typed, size)
    assert (command.kind, command.arg) == ("pass", None) if action == size * size else ("move", action)


@pytest.mark.parametrize("line, message", [
    ("", "type a move"), ("Z9", "cannot read"), ("I5", "cannot read"), ("K5", "cannot read"), ("D4 E5", "one move"),
    ("save", "file name"), ("undo now", "no argument"), ("D0", "cannot read"),
])
def test_bad_lines_are_explained(line, message):
    with pytest.raises(ValueError, match=message):
        parse_play(line, 9)


def test_show_commands():
    assert parse_show("", 10).kind == "next" and parse_show("b", 10).kind == "back"
    assert parse_show("7", 10).arg == 7 and parse_show("Last", 10).kind == "last"
    with pytest.raises(ValueError, match="0..10"):
        parse_show("11", 10)
    with pytest.raises(ValueError, match="cannot read"):
        parse_show("forward", 10)


# ------------------------------------------------------------------------------------------- session


def _session(human=1, size=5, seed=0, max_moves=None):
    return PlaySession(RandomAgent(seed=seed), size, Rules.tromp_taylor(), human, max_moves)


@given(seed=st.integers(0, 2**31 - 1), human=st.sampled_from([1, -1]), moves=st.integers(1, 30))
def test_undo_takes_back_the_pair(seed, human, moves):
    """After any stretch of play, undo returns to the person's turn with their last move gone, and the position is
    the reference Go's after the moves that remain."""
    session = _session(human, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(moves):
        if session.over:
            break
        if session.humans_turn:
            legal = session.state.legal_actions()
            session.play(int(rng.choice(legal[:-1] if len(legal) > 1 else legal)))
        else:
            session.opponent_move()
    before = list(session.state.moves)
    took = session.undo()
    after = list(session.state.moves)
    assert after == before[:len(before) - took]
    ours = [k for k in range(len(before)) if (1 if k % 2 == 0 else -1) == human]
    if not ours:
        assert took == 0
        return
    assert len(after) == ours[-1] and session.humans_turn and 1 <= took <= 2
    ref = ReferenceGo(5)
    for a in after:
        ref.play(a)
    np.testing.assert_array_equal(session.state.board, np.array(ref.board))


def test_illegal_moves_and_hints_change_nothing():
    session = _session()
    session.play(12)
    session.opponent_move()
    moves = session.state.moves
    with pytest.raises(IllegalMoveError, match="occupied"):
        session.play(12)
    hint = session.hint()
    assert session.state.is_legal(hint) and session.state.moves == moves


def test_the_illegal_move_message_names_the_point_not_the_action_id():
    from advgo.ui.play import _why_illegal

    session = _session()
    session.play(12)
    session.opponent_move()
    with pytest.raises(IllegalMoveError) as err:
        session.play(12)
    assert _why_illegal(err.value) == "illegal move C3: the point is occupied"


def test_resign_save_and_read_back(tmp_path):
    session = _session(human=-1)
    session.opponent_move()
    session.play(24)
    session.opponent_move()
    session.resign()
    assert session.over and session.result() == "B+R" and session.winner() == 1
    path = session.save(tmp_path / "g.sgf")
    record = read_sgf(path.read_bytes())
    assert record.moves == session.state.moves and record.result == "B+R"
    assert (record.player_black, record.player_white) == ("random", "human")
    with pytest.raises(ValueError, match=".sgf"):
        session.save(tmp_path / "g.txt")


def test_wrong_board_for_the_opponent():
    from advgo.agent_registry import make_agent

    with pytest.raises(ValueError, match="--board 9"):
        PlaySession(make_agent("zoo:cp1"), 5)


def test_replay_states_follow_the_record():
    state = GameState.from_moves(5, Rules.tromp_taylor(), [12, 6, 25, 7])
    states = replay_states(read_sgf(game_to_sgf(state)))
    assert [s.moves for s in states] == [(), (12,), (12, 6), (12, 6, 25), (12, 6, 25, 7)]


# ------------------------------------------------------------------------------------------- terminal

PROMPT = "black move> "


def _spawn(*args: str, cwd: Path) -> pexpect.spawn:
    env = dict(os.environ, NO_COLOR="1", TERM="dumb", COLUMNS="120", LINES="50")
    child = pexpect.spawn(sys.executable, ["-m", "advgo", *args], cwd=str(cwd), env=env, encoding="utf-8",
                          timeout=120, dimensions=(50, 120))
    return child


def _board(child: pexpect.spawn) -> str:
    """The text printed since the last match, up to the next prompt."""
    child.expect_exact(PROMPT)
    return child.before


def test_play_a_game_through_a_terminal(tmp_path):
    """A person plays random on 5x5: a move, an unreadable line, an illegal move, help, hint, score, undo, save,
    then passes until the game ends; the result is announced and the SGF written under runs/play/."""
    child = _spawn("play", "--opponent", "random", "--board", "5", "--seed", "3", cwd=tmp_path)
    screen = _board(child)
    assert "You play black (X) against random" in screen and "A B C D E" in screen and "black (X) to play" in screen
    child.sendline("c3")
    screen = _board(child)
    assert "(X)" in screen or "random plays" in screen
    reply = re.search(r"random plays (\S+)", screen).group(1)
    assert "last: white" in screen and "move 2" in screen
    child.sendline("q17")
    assert "cannot read 'q17'" in _board(child)
    child.sendline("C3")
    assert "illegal move C3" in _board(child) and "occupied" in child.before and "action" not in child.before
    child.sendline("help")
    assert "take back your last move" in _board(child)
    child.sendline("hint")
    assert "hint: random would play" in _board(child)
    child.sendline("score")
    assert "score now" in _board(child)
    child.sendline("undo")
    screen = _board(child)
    assert "took back 2 moves" in screen and "move 0" in screen and reply not in screen.split("took back")[1][:40]
    child.sendline("save mine.sgf")
    assert "saved mine.sgf" in _board(child)
    assert read_sgf((tmp_path / "mine.sgf").read_bytes()).moves == ()
    for _ in range(200):  # pass until random passes too
        child.sendline("pass")
        index = child.expect_exact([PROMPT, "game over:"])
        if index == 1:
            break
    else:
        pytest.fail("the game did not end")
    child.expect(pexpect.EOF)
    tail = child.before
    assert re.search(r"(you win|random wins|draw)", tail) and "saved runs/play/play-" in tail
    saved = list((tmp_path / "runs" / "play").glob("play-*.sgf"))
    assert len(saved) == 1
    record = read_sgf(saved[0].read_bytes())
    assert record.result and record.moves[-2:] == (25, 25)
    child.close()
    assert child.exitstatus == 0


def test_quit_saves_the_game(tmp_path):
    child = _spawn("play", "--opponent", "random", "--board", "5", "--color", "white", "--out", "g.sgf",
                   cwd=tmp_path)
    child.expect_exact("white move> ")
    assert "random plays" in child.before
    child.sendline("quit")
    child.expect(pexpect.EOF)
    assert "the game so far is in g.sgf" in child.before
    assert len(read_sgf((tmp_path / "g.sgf").read_bytes()).moves) == 1


def test_play_refuses_a_bad_opponent(tmp_path):
    child = _spawn("play", "--opponent", "zoo:nobody", cwd=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert "error" in child.before and child.exitstatus == 2


def test_show_steps_through_a_game(tmp_path):
    state = GameState.from_moves(5, Rules.tromp_taylor(), [12, 6, 18, 7, 25, 25])
    comments = {0: "a test game", 2: "adversary: 32 visits, value 0.61", 5: "the first pass"}
    (tmp_path / "g.sgf").write_bytes(game_to_sgf(state, black="adv", white="victim", comments=comments))
    child = _spawn("show", "g.sgf", cwd=tmp_path)
    child.expect_exact("show> ")
    assert "adv (X) vs victim (O)" in child.before and "move 0 of 6" in child.before
    assert "comment: a test game" in child.before
    for line, seen in (("", "move 1 of 6"), ("next", "comment: adversary: 32 visits, value 0.61"),
                       ("back", "move 1 of 6"), ("5", "comment: the first pass"), ("last", "game over: W+"),
                       ("next", "that was the last move"), ("first", "move 0 of 6"), ("back", "this is the start"),
                       ("9", "jump to 0..6"), ("zz", "cannot read")):
        child.sendline(line)
        child.expect_exact("show> ")
        assert seen in child.before, (line, child.before)
    child.sendline("quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_show_rejects_a_broken_file(tmp_path):
    (tmp_path / "bad.sgf").write_text("(;GM[1]SZ[5];B[zz])")
    child = _spawn("show", "bad.sgf", cwd=tmp_path)
    child.expect(pexpect.EOF)
    child.close()
    assert "error" in child.before and child.exitstatus == 2
