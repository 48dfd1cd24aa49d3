"""Tests for advgo.sgf: write -> read round trips of random games, setup and handicap, and bad files."""

from __future__ import annotations

import datetime
import logging

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo.game import GameState
from advgo.rules import Rules
from advgo.sgf import (
    SgfError,
    game_to_sgf,
    load_sgf,
    read_sgf,
    result_score,
    result_string,
    rules_to_ru,
    save_sgf,
    sgf_comments,
    sgf_to_game,
    sgf_to_moves,
)

KOMIS = [0.0, 0.5, 5.5, 6.5, 7.0, 7.5, -2.5]


@st.composite
def rules_strategy(draw):
    komi = draw(st.sampled_from(KOMIS))
    kind = draw(st.sampled_from(["tromp-taylor", "chinese", "custom"]))
    if kind == "custom":
        ko = draw(st.sampled_from(["simple", "positional", "situational"]))
        return Rules(komi=komi, ko=ko, suicide=draw(st.booleans()), name="custom")
    return Rules.from_name(kind, komi=komi)


def random_game(state: GameState, rng: np.random.Generator, n_moves: int) -> GameState:
    """Play up to ``n_moves`` uniformly random legal moves (pass included)."""
    for _ in range(n_moves):
        if state.is_over:
            break
        state = state.play(int(rng.choice(state.legal_actions())))
    return state


def assert_same_game(a: GameState, b: GameState) -> None:
    assert a.size == b.size
    assert a.rules == b.rules
    assert a.moves == b.moves
    assert np.array_equal(a.board, b.board)
    assert a.to_play == b.to_play
    assert a.is_over == b.is_over
    assert a.end_reason == b.end_reason
    if a.is_over:
        assert a.score() == b.score()


@given(
    size=st.sampled_from(range(2, 20)),
    rules=rules_strategy(),
    seed=st.integers(0, 2**32 - 1),
    n_moves=st.integers(0, 80),
    cap=st.booleans(),
    finish=st.booleans(),
)
def test_round_trip_random_games(size, rules, seed, n_moves, cap, finish):
    rng = np.random.default_rng(seed)
    max_moves = max(n_moves, 1) if cap else None
    state = random_game(GameState.new(size=size, rules=rules, max_moves=max_moves), rng, n_moves)
    if finish:
        while not state.is_over:
            state = state.play(state.pass_action)
    data = game_to_sgf(state, black="adv", white="victim")
    back = sgf_to_game(data, max_moves=max_moves)
    assert_same_game(state, back)
    record = read_sgf(data)
    assert record.player_black == "adv" and record.player_white == "victim"
    assert record.result == (result_string(state.score()) if state.is_over else None)
    if state.end_reason == "move_cap":
        assert "move cap" in record.comments[0]
    assert sgf_to_moves(data) == list(state.moves)


def test_passes_are_written_empty():
    state = GameState.new(size=9)
    state = state.play(40).play(state.pass_action).play(0).play(81).play(81)
    data = game_to_sgf(state)
    assert b"W[]" in data and b"B[]" in data
    assert b"tt" not in data
    assert sgf_to_moves(data) == [40, 81, 0, 81, 81]


def test_root_properties():
    state = GameState.new(size=9, rules=Rules.chinese(komi=6.5))
    for a in (40, 81, 81):
        state = state.play(a)
    data = game_to_sgf(state, date=datetime.date(2024, 5, 1), extra_props={"GN": "test game"})
    text = data.decode()
    for prop in ("SZ[9]", "KM[6.5]", "RU[Chinese]", "PB[Black]", "PW[White]", "DT[2024-05-01]",
                 "GN[test game]", "AP[advgo:"):
        assert prop in text, prop
    assert f"RE[{result_string(state.score())}]" in text
    assert "PL[" not in text and "AB[" not in text
    today = datetime.date.today().isoformat()
    assert f"DT[{today}]" in game_to_sgf(GameState.new(size=9)).decode()


def test_result_string():
    assert result_string(3.5) == "B+3.5"
    assert result_string(-0.5) == "W+0.5"
    assert result_string(0.0) == "0"
    assert result_string(81.0) == "B+81"
    assert result_string(-7.25) == "W+7.25"


@given(st.integers(-722, 722))
def test_result_score_reads_back_every_result_string(half_points):
    score = half_points / 2
    assert result_score(result_string(score)) == score


@pytest.mark.parametrize("text", [None, "", "B+R", "W+T", "B+Resign", "Void", "?", "B+", "X+3", "B3.5", "+3.5"])
def test_result_score_is_none_where_the_result_gives_no_count(text):
    assert result_score(text) is None


def test_unfinished_game_has_no_result_unless_given():
    state = GameState.new(size=9).play(40)
    assert b"RE[" not in game_to_sgf(state)
    assert read_sgf(game_to_sgf(state, result="W+R")).result == "W+R"


def test_komi_zero_and_draw():
    state = GameState.new(size=2, rules=Rules.tromp_taylor(komi=0.0))
    state = state.play(state.pass_action).play(state.pass_action)
    assert state.score() == 0
    assert read_sgf(game_to_sgf(state)).result == "0"


def test_comments_dict_list_and_reader():
    state = GameState.new(size=9)
    for a in (40, 30, 81):
        state = state.play(a)
    by_dict = game_to_sgf(state, comments={0: "root note", 1: "tengen", 3: "a pass"})
    assert sgf_comments(by_dict) == {0: "root note", 1: "tengen", 3: "a pass"}
    by_list = game_to_sgf(state, comments=["root note", "tengen", None, "a pass"])
    assert sgf_comments(by_list) == {0: "root note", 1: "tengen", 3: "a pass"}
    assert sgf_comments(game_to_sgf(state)) == {}


def test_comment_escaping_round_trip():
    state = GameState.new(size=9).play(40)
    text = "brackets ] and \\ backslash\nand a newline, ünïcödé"
    assert sgf_comments(game_to_sgf(state, comments={1: text})) == {1: text}


def test_move_cap_comment_merges_with_root_comment():
    state = GameState.new(size=9, max_moves=2).play(40).play(41)
    assert state.end_reason == "move_cap"
    data = game_to_sgf(state, comments={0: "hello"})
    root = sgf_comments(data)[0]
    assert root.startswith("hello") and "move cap (2 moves)" in root
    assert read_sgf(data).result == result_string(state.score())


def test_setup_stones_round_trip():
    black, white = (0, 10, 40), (8, 80)
    state = GameState.setup(size=9, rules=Rules.chinese(komi=0.5), black=black, white=white, to_play=-1)
    state = state.play(30).play(31)
    data = game_to_sgf(state)
    text = data.decode()
    assert "AB[" in text and "AW[" in text and "PL[W]" in text
    record = read_sgf(data)
    assert (record.black, record.white, record.to_play) == (black, white, -1)
    back = sgf_to_game(data)
    assert_same_game(state, back)
    assert back.board[0, 0] == 1 and back.board[8, 8] == -1 and back.board[0, 8] == -1
    assert back.board[3, 3] == -1 and back.board[3, 4] == 1  # moves 30 (W, D6) and 31 (B, E6)


def test_white_first_without_setup_stones():
    state = GameState.setup(size=5, to_play=-1).play(12)
    back = sgf_to_game(game_to_sgf(state))
    assert back.board[2, 2] == -1 and back.to_play == 1


def test_handicap_file():
    data = b"(;GM[1]FF[4]SZ[9]HA[2]KM[0.5]RU[Chinese]AB[cg][gc];W[ee];B[dd])"
    record = read_sgf(data)
    assert record.handicap == 2
    assert record.to_play == -1  # from HA, and the first move
    assert set(record.black) == {6 * 9 + 2, 2 * 9 + 6}  # C3 and G7
    state = sgf_to_game(data)
    assert state.rules == Rules.chinese(komi=0.5)
    assert state.board[6, 2] == 1 and state.board[2, 6] == 1  # C3, G7
    assert state.board[4, 4] == -1 and state.board[3, 3] == 1  # W E5, B D6
    assert state.moves == (40, 30)
    assert state.to_play == -1


def test_handicap_without_moves_means_white_to_play():
    state = sgf_to_game(b"(;SZ[9]HA[2]AB[cg][gc])")
    assert state.to_play == -1
    assert sgf_to_game(b"(;SZ[9]HA[2]PL[B]AB[cg][gc])").to_play == 1


def test_compressed_point_list_and_add_empty():
    state = sgf_to_game(b"(;SZ[5]AB[aa:bb]AW[ee]AE[bb])")
    assert np.count_nonzero(state.board == 1) == 3  # aa ba ab, with bb removed by AE
    assert state.board[1, 1] == 0 and state.board[4, 4] == -1


def test_tt_is_pass():
    assert sgf_to_moves(b"(;SZ[9];B[ee];W[tt];B[dd])") == [40, 81, 30]
    assert sgf_to_moves(b"(;SZ[19];B[tt];W[])") == [361, 361]
    assert sgf_to_game(b"(;SZ[19];B[tt];W[])").end_reason == "two_passes"


def test_str_input_and_files(tmp_path):
    state = GameState.new(size=7).play(24).play(0)
    data = game_to_sgf(state)
    assert_same_game(state, sgf_to_game(data.decode("utf-8")))
    path = save_sgf(tmp_path / "game.sgf", state, black="a", white="b")
    assert path.read_bytes().startswith(b"(;")
    assert_same_game(state, load_sgf(path))
    assert [p.name for p in tmp_path.iterdir()] == ["game.sgf"]  # no temporary file left behind


@pytest.mark.parametrize(
    ("ru", "expected"),
    [
        ("Tromp-Taylor", Rules.tromp_taylor(komi=5.5)),
        ("tromp-taylor", Rules.tromp_taylor(komi=5.5)),
        ("TT", Rules.tromp_taylor(komi=5.5)),
        ("Chinese", Rules.chinese(komi=5.5)),
        ("chinese", Rules.chinese(komi=5.5)),
        ("custom(ko=simple,suicide=false)", Rules(komi=5.5, ko="simple", suicide=False, name="custom")),
    ],
)
def test_ru_names(ru, expected):
    assert read_sgf(f"(;SZ[9]KM[5.5]RU[{ru}])").rules == expected


def test_rules_to_ru():
    assert rules_to_ru(Rules.tromp_taylor(komi=1.5)) == "Tromp-Taylor"
    assert rules_to_ru(Rules.chinese()) == "Chinese"
    assert rules_to_ru(Rules(ko="situational", suicide=False, name="custom")) == (
        "custom(ko=situational,suicide=false)"
    )


def test_unknown_ru_warns_and_plays_tromp_taylor(caplog):
    with caplog.at_level(logging.WARNING, logger="advgo.sgf"):
        rules = read_sgf("(;SZ[9]KM[6.5]RU[Japanese])").rules
    assert rules == Rules.tromp_taylor(komi=6.5)
    assert "Japanese" in caplog.text


def test_missing_ru_and_km():
    assert read_sgf("(;SZ[9])").rules == Rules.tromp_taylor(komi=0.0)
    assert read_sgf("(;SZ[9]KM[7.5])").rules == Rules.tromp_taylor(komi=7.5)


def test_explicit_rules_override_ru_and_km():
    rules = Rules.tromp_taylor(komi=9.5)
    state = sgf_to_game("(;SZ[9]KM[0.5]RU[Chinese];B[ee])", rules=rules)
    assert state.rules == rules


def test_missing_size_is_19():
    assert read_sgf("(;KM[7.5];B[pd])").size == 19


@pytest.mark.parametrize(
    ("data", "number", "vertex", "reason"),
    [
        ("(;SZ[9];B[ee];W[ee])", 2, "W E5", "occupied"),
        # single-stone suicide in the corner A9 (aa), surrounded by black B9 and A8
        ("(;SZ[9];B[ba];W[ee];B[ab];W[aa])", 4, "W A9", "suicide"),
        # ko: B plays C8 (cb), W captures it at B8 (bb), B may not retake at C8 at once
        # ("ko" also matches an engine that reports it as "superko")
        ("(;SZ[9]AB[ba][ab][bc]AW[ca][db][cc];B[cb];W[bb];B[cb])", 3, "B C8", "ko"),
        ("(;SZ[9];B[ee];W[];B[];W[dd])", 4, "W D6", "game_over"),
    ],
)
def test_illegal_move_names_move_number(data, number, vertex, reason):
    with pytest.raises(SgfError) as info:
        sgf_to_game(data)
    message = str(info.value)
    assert f"move {number} ({vertex}" in message
    assert reason in message


def test_move_after_cap_is_illegal():
    with pytest.raises(SgfError, match=r"move 3 \(B .*game_over"):
        sgf_to_game("(;SZ[9];B[ee];W[dd];B[cc])", max_moves=2)


def test_out_of_turn_move():
    with pytest.raises(SgfError, match=r"move 2 \(B D6\) is out of turn"):
        sgf_to_game("(;SZ[9];B[ee];B[dd])")
    with pytest.raises(SgfError, match=r"move 1 \(B E5\) is out of turn: white"):
        sgf_to_game("(;SZ[9]PL[W];B[ee])")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("", "malformed SGF"),
        ("this is not sgf", "malformed SGF"),
        ("(;SZ[9];B[ee]", "malformed SGF"),
        ("(;SZ[9];B[zz])", r"move 1 \(B\[zz\]\).*off a 9x9"),
        ("(;SZ[9];B[e])", r"move 1 \(B\[e\]\).*malformed SGF point"),
        ("(;SZ[9];B[ee];W[EE])", r"move 2 \(W\[EE\]\)"),
        ("(;SZ[9]KM[lots])", "malformed KM"),
        ("(;SZ[9]AB[ee]AW[ee])", "both AB and AW"),
        ("(;SZ[9]AB[zz])", "malformed AB"),
        ("(;SZ[9];B[ee];AB[aa])", "after the root"),
        ("(;GM[2]SZ[9])", "not a game of Go"),
        ("(;SZ[9]AB[ab][ba]AW[aa])", "bad setup position"),  # white A9 without liberties
    ],
)
def test_malformed(data, problem):
    with pytest.raises(SgfError, match=problem):
        sgf_to_game(data)


@pytest.mark.parametrize("size", [1, 20, 25, 30, 52])
def test_size_out_of_range(size):
    with pytest.raises(SgfError, match="unsupported board size") as info:
        read_sgf(f"(;SZ[{size}])")
    assert "2..19" in str(info.value)


def test_sgf_error_is_value_error():
    assert issubclass(SgfError, ValueError)
