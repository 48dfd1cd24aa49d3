"""``scripts/colours.py``: a run's games read back by colour, cross-checked against the games that were written."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advgo import GameState, Rules
from advgo.sgf import save_sgf

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "colours.py"
spec = importlib.util.spec_from_file_location("scripts_colours", SCRIPT)
colours = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = colours  # its dataclass looks its module up
spec.loader.exec_module(colours)


def short_game(black_wins: bool) -> GameState:
    """A 3x3 game won by black (one black stone, then two passes) or by white (black passes first)."""
    state = GameState.new(3, Rules.tromp_taylor(0.5))
    moves = [4, 9, 9] if black_wins else [9, 4, 9, 9]
    for move in moves:
        state = state.play(move)
    assert state.winner == (1 if black_wins else -1)
    return state


def write_run(root: Path, games: list[tuple[bool, bool]], pause_at: int, pause_s: float) -> Path:
    """One SGF per (adversary is black, adversary won), a second apart, with a pause before game ``pause_at``."""
    sgf = root / "sgf"
    sgf.mkdir(parents=True)
    t = 1.8e9
    for i, (black, won) in enumerate(games, 1):
        t += pause_s if i == pause_at else 1.0
        names = {"black": "adversary step 5 (A-MCTS-S, 32 visits)", "white": "cp6@1"}
        if not black:
            names = {"black": "cp6@1", "white": "adversary step 5 (A-MCTS-S, 32 visits)"}
        path = save_sgf(sgf / f"game-{i:07d}.sgf", short_game(black == won), **names)
        os.utime(path, (t, t))
    return root


@settings(max_examples=20, deadline=None)
@given(games=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60),
       window=st.integers(1, 12), pause=st.integers(0, 70))
def test_every_game_is_read_back_and_the_rolling_rate_matches_a_convolution(tmp_path_factory, games, window, pause):
    run = write_run(tmp_path_factory.mktemp("run"), games, pause_at=pause, pause_s=600.0)
    read, pauses = colours.run_games(run, gap=3.0)
    assert [(g.black, g.won) for g in read] == games
    assert {g.victim for g in read} == {"cp6@1"}
    paused = 2 <= pause <= len(games)
    assert len(pauses) == int(paused) and all(abs(p - 10.0) < 1e-6 for p in pauses)
    assert abs(read[-1].minutes - (len(games) - 1 - int(paused)) / 60) < 1e-6  # one second a game, pause left out
    for black in (True, False):
        side = [g for g in read if g.black == black]
        hits = colours.first_reached(side, window)
        if len(side) < window:
            assert hits == {}
            continue
        won = np.array([g.won for g in side], dtype=int)
        sums = np.convolve(won, np.ones(window, dtype=int), mode="valid")  # sums[k]: games k .. k+window-1
        for th in colours.THRESHOLDS:
            reached = np.flatnonzero(sums >= th * window)
            if reached.size == 0:
                assert th not in hits
            else:
                n, game = hits[th]
                assert n == reached[0] + window and game is side[n - 1]


def test_blocks_count_each_colour_and_its_mean_margin(tmp_path):
    games = [(True, True), (False, False), (False, True), (True, False), (False, False)]
    read, _ = colours.run_games(write_run(tmp_path, games, pause_at=0, pause_s=0), gap=3.0)
    lines = colours.blocks(read, block=3)
    assert len(lines) == 2
    assert "black    1/   1" in lines[0] and "white    1/   2" in lines[0]
    assert "black    0/   1" in lines[1] and "white    0/   1" in lines[1]
    margins = [g.margin for g in read]
    assert all(m > 0 for m, (_, won) in zip(margins, games) if won)
    assert all(m < 0 for m, (_, won) in zip(margins, games) if not won)


def test_a_folder_without_games_or_adversary_is_a_clear_error(tmp_path):
    (tmp_path / "sgf").mkdir()
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "no games" in done.stderr and "Traceback" not in done.stderr
    save_sgf(tmp_path / "sgf" / "game-0000001.sgf", short_game(True), black="zoo:cp1", white="zoo:cp2")
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "neither player is the adversary" in done.stderr and "Traceback" not in done.stderr


ADVERSARY_NAME, VICTIM_NAME = "adversary step 5 (A-MCTS-S, 32 visits)", "cp6@1"


def write_games(root: Path, games: list[tuple[bool, GameState]]) -> Path:
    """``root/sgf/game-NNNNNNN.sgf`` for each (adversary is black, game), in order; the SGF folder."""
    sgf_dir = root / "sgf"
    sgf_dir.mkdir()
    for i, (black, state) in enumerate(games, 1):
        names = ({"black": ADVERSARY_NAME, "white": VICTIM_NAME} if black
                 else {"black": VICTIM_NAME, "white": ADVERSARY_NAME})
        save_sgf(sgf_dir / f"game-{i:07d}.sgf", state, **names)
    return sgf_dir


def placed_game(black_wins: bool, point: int) -> GameState:
    """A 5x5 game decided by one stone at ``point``: black's (then two passes) or white's (black passes first)."""
    state = GameState.new(5, Rules.tromp_taylor(0.5))
    moves = [point, 25, 25] if black_wins else [25, point, 25, 25]
    for move in moves:
        state = state.play(move)
    return state


@settings(max_examples=20, deadline=None)
@given(games=st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 3)), min_size=1, max_size=30),
       prefix=st.integers(1, 4))
@example(games=[(False, True, 0), (False, True, 1), (True, True, 2)], prefix=1)  # white's two wins: one opening
def test_repeats_group_the_wins_as_sgfmill_reads_their_moves(tmp_path_factory, games, prefix):
    from collections import Counter

    from sgfmill import sgf

    sgf_dir = write_games(tmp_path_factory.mktemp("run"), [(black, placed_game(black == won, point))
                                                          for black, won, point in games])
    read, _ = colours.run_games(sgf_dir.parent, gap=3.0)
    lines = colours.repeats(read, prefix)
    expected = []
    for black in (True, False):  # independently: sgfmill's moves of each won game, as (colour, point) pairs
        openings = Counter()
        for path in sorted(sgf_dir.glob("game-*.sgf")):
            game = sgf.Sgf_game.from_bytes(path.read_bytes())
            root = game.get_root()
            if root.get("PB" if black else "PW") == ADVERSARY_NAME and game.get_winner() == ("b" if black else "w"):
                openings[tuple(node.get_move() for node in game.get_main_sequence()[1:])[:prefix]] += 1
        if openings:
            total, top = sum(openings.values()), openings.most_common(1)[0][1]
            expected.append((total, len(openings), top))
    assert len(lines) == len(expected)
    for line, (total, distinct, top) in zip(lines, expected):
        assert f"wins: {total}, {distinct} distinct in their first {prefix} moves, the commonest {top} " in line



def komi_game(black_wins: bool, komi: float) -> GameState:
    """A 3x3 game won by black (one black stone, then two passes) or by white (black passes first), at ``komi``:
    margins 9 - komi and 9 + komi."""
    state = GameState.new(3, Rules.tromp_taylor(komi))
    for move in ([4, 9, 9] if black_wins else [9, 4, 9, 9]):
        state = state.play(move)
    return state


@settings(max_examples=20, deadline=None)
@given(games=st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from([0.5, 1.5, 2.5, 3.5])),
                      min_size=1, max_size=30),
       top=st.integers(1, 3))
def test_margins_are_each_colours_commonest_results_as_sgfmill_reads_them(tmp_path_factory, games, top):
    from collections import Counter

    from sgfmill import sgf

    sgf_dir = write_games(tmp_path_factory.mktemp("run"), [(black, komi_game(black == won, komi))
                                                          for black, won, komi in games])
    read, _ = colours.run_games(sgf_dir.parent, gap=3.0)
    expected = []
    for black in (True, False):  # independently: sgfmill's result strings, by the adversary's colour and outcome
        cells = []
        for won in (True, False):
            counted = Counter()
            for path in sorted(sgf_dir.glob("game-*.sgf")):
                game = sgf.Sgf_game.from_bytes(path.read_bytes())
                if game.get_root().get("PB" if black else "PW") == ADVERSARY_NAME:
                    if (game.get_winner() == ("b" if black else "w")) == won:
                        counted[float(game.get_root().get("RE").split("+")[1])] += 1
            if counted:
                common = ", ".join(f"{m:g} x{n}" for m, n in counted.most_common(top))
                cells.append(f"{'won' if won else 'lost'} {sum(counted.values())} by {common}")
        if cells:
            expected.append(f"  {'black' if black else 'white'} margins: {'; '.join(cells)}")
    assert colours.margins(read, top) == expected
    assert all(len(cell.split(", ")) <= top for line in expected for cell in line.split("; "))
