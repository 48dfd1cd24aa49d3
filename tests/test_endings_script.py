"""``scripts/endings.py``: the losses it reads back from SGF, cross-checked by a count of stones."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from advgo import GameState, Rules
from advgo.sgf import save_sgf

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "endings.py"
spec = importlib.util.spec_from_file_location("endings", SCRIPT)
endings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(endings)


def random_game(seed: int, size: int = 5) -> GameState:
    rng = np.random.default_rng(seed)
    state = GameState.new(size, Rules.tromp_taylor(0.5), max_moves=3 * size * size)
    while not state.is_over:
        legal = state.legal_actions()
        moves = legal[legal != state.pass_action] if rng.random() < 0.9 and len(legal) > 1 else legal
        state = state.play(int(rng.choice(moves)))
    return state


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_a_loss_is_read_back_with_every_stone_it_lost(tmp_path_factory, seed):
    """Captured stones = the loser's stones played - those left on the board; the closing pass is whose it was."""
    state = random_game(seed)
    if state.winner == 0 or state.end_reason == "move_cap":
        return
    path = save_sgf(tmp_path_factory.mktemp("g") / "game.sgf", state, black="alpha", white="beta")
    loser = "alpha" if state.winner == -1 else "beta"
    colour = 1 if loser == "alpha" else -1
    e = endings.ending(path, loser)
    assert e is not None and endings.ending(path, "alpha" if loser == "beta" else "beta") is None
    moves = list(state.moves)
    played = sum(1 for i, m in enumerate(moves) if m != state.pass_action and (i % 2 == 0) == (colour == 1))
    assert e["captured"] == played - int((state.board == colour).sum())
    assert 0 <= e["largest"] <= e["captured"]
    own_first = (len(moves) - 2) % 2 == (0 if colour == 1 else 1)
    assert e["first_pass"] == ("own" if own_first else "opponent")
    assert e["open"] is not None and e["open"] >= 0


def test_a_player_named_in_both_names_is_an_error(tmp_path):
    state = random_game(1)
    path = save_sgf(tmp_path / "game.sgf", state, black="zoo:cp6", white="net:runs/attack-cp6/ckpt.pt")
    assert endings.colour_of("zoo:cp6", "zoo:cp6", "net:runs/attack-cp6/ckpt.pt", path) == 1
    try:
        endings.ending(path, "cp6")
    except ValueError as err:
        assert "names both players" in str(err)
    else:
        raise AssertionError("an ambiguous player name was accepted")


def test_the_command_line_says_which_name_is_ambiguous_without_a_traceback(tmp_path):
    """Run as a script, a name found in both players exits 2 with the file and both names, not a traceback."""
    save_sgf(tmp_path / "game.sgf", random_game(2), black="zoo:cp6", white="net:runs/attack-cp6/ckpt.pt")
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--player", "cp6"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "names both players" in done.stderr and "game.sgf" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_sgf_is_named_on_the_command_line(tmp_path):
    (tmp_path / "broken.sgf").write_text("(;FF[4]SZ[9];B[zz")
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--player", "x"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "broken.sgf" in done.stderr and "Traceback" not in done.stderr


def test_the_pass_attack_and_a_killed_group_are_told_apart(tmp_path):
    rules = Rules.tromp_taylor(7.5)
    passed = GameState.from_moves(9, rules, [40, 81, 81])  # black plays one stone; white passes, black passes back
    path = save_sgf(tmp_path / "pass.sgf", passed, black="adversary", white="victim")
    e = endings.ending(path, "victim")
    assert (e["open"], e["first_pass"], e["captured"]) == (80, "own", 0)
    assert endings.kind(e).startswith("passed with")
    e["largest"] = endings.BIG_CAPTURE
    assert endings.kind(e).startswith("a group of")


probe_spec = importlib.util.spec_from_file_location("group_probe", SCRIPT.with_name("group_probe.py"))
group_probe = importlib.util.module_from_spec(probe_spec)
probe_spec.loader.exec_module(group_probe)


def two_eyed_group() -> GameState:
    """5x5, white to play: a white group of 13 stones with two one-point eyes, walled in by black."""
    white = [r * 5 + c for r, c in [(0, c) for c in range(5)] + [(1, 0), (1, 2), (1, 4)] + [(2, c) for c in range(5)]]
    return GameState.setup(5, Rules.tromp_taylor(0.5), black=range(15, 20), white=white, to_play=-1)


def test_filling_an_own_eye_gives_the_group_away_and_the_probe_finds_it(tmp_path):
    state = two_eyed_group()
    fill, other = 1 * 5 + 1, 1 * 5 + 3
    assert group_probe.gives_away(state, fill, 10) and not group_probe.gives_away(state, state.pass_action, 10)
    assert not group_probe.gives_away(state, 4 * 5 + 0, 10)  # a move outside: both eyes stay
    assert group_probe.gives_away(state, fill, 14) and not group_probe.gives_away(state, fill, 15)  # 13 and the fill
    game = state.play(fill).play(other)
    assert int((game.board == -1).sum()) == 0  # black took all fourteen
    path = save_sgf(tmp_path / "g.sgf", game, black="adversary", white="victim")
    found = group_probe.blunder_positions([str(tmp_path)], "victim", 10)
    assert len(found) == 1 and np.array_equal(found[0].board, state.board) and found[0].to_play == -1
    assert group_probe.blunder_positions([str(path)], "adversary", 1) == []


def test_a_capped_game_is_no_loss(tmp_path):
    state = GameState.from_moves(5, Rules.tromp_taylor(0.5), [0, 1, 2], max_moves=3)  # stopped at the cap
    assert state.end_reason == "move_cap"
    path = save_sgf(tmp_path / "capped.sgf", state, black="alpha", white="beta")
    loser = "alpha" if state.winner == -1 else "beta"
    assert endings.ending(path, loser)["first_pass"] == endings.CAPPED
