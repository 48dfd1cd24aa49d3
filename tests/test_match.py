"""``advgo match`` and the match loop: a real GNU Go, voided games when an engine dies, SGFs read back,
worker processes, rules agreed with the engines, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from advgo.agents import GnuGoAgent, RandomAgent
from advgo.eval.arena import GameRecord, play_games, play_match
from advgo.eval.counting import RULE
from advgo.eval.match import MatchConfig, agree_rules, run_match, summarize
from advgo.game import GameState
from advgo.rules import Rules
from advgo.sgf import load_sgf, read_sgf

CLI = [sys.executable, "-m", "advgo"]


def test_random_vs_gnugo_level0_writes_every_game(tmp_path, gnugo_installed):
    run = run_match(MatchConfig("random", "gnugo:level=0", games=4, seed=3), tmp_path)
    s = summarize(run)
    assert run.rules.name == "chinese"  # agreed: GNU Go plays only Chinese rules
    assert s["games"] == s["scored"] == 4 and s["voided"] == 0 and s["losses"] >= 3  # GNU Go crushes random
    assert s["win_rate_high"] < 0.8 and s["a_seconds_per_move"] > 0 and s["b_seconds_per_move"] > 0
    assert [r.a_black for r in run.records] == [True, False, True, False]
    for record in run.records:
        sgf = (tmp_path / "games" / f"game-{record.index:05d}.sgf").read_bytes()
        parsed = read_sgf(sgf)
        assert parsed.rules.name == "chinese" and parsed.rules.komi == 7.5
        assert parsed.player_black == ("random" if record.a_black else "gnugo:level=0")
        state = load_sgf(tmp_path / "games" / f"game-{record.index:05d}.sgf")
        assert list(state.moves) == record.moves and state.is_over
        assert state.score() == record.score and parsed.result == run_json_result(tmp_path, record.index)
    assert (tmp_path / "config.yaml").read_text().count("rules: chinese") == 1


def run_json_result(folder, index):
    return json.loads((folder / "match.json").read_text())["games"][index]["result"]


def test_scores_match_an_independent_replay():
    records: list[GameRecord] = []
    rules = Rules.tromp_taylor(0.5)
    play_games(RandomAgent(seed=1), RandomAgent(seed=2), 5, rules, list(range(7)), [True, False] * 3 + [True],
               records.append, slots=3, max_moves=40)
    assert sorted(r.index for r in records) == list(range(7))  # three slots, refilled until all seven are done
    for r in records:
        state = GameState.from_moves(5, rules, r.moves, max_moves=40)
        assert state.is_over and state.score() == r.score and r.capped == (state.end_reason == "move_cap")


def test_a_killed_engine_voids_its_game_and_the_match_goes_on(gnugo_installed):
    gnugo = GnuGoAgent(level=0, seed=1)

    class Killer(RandomAgent):
        """Kills GNU Go's process of slot 1 once, in the middle of its game."""
        calls = 0

        def select(self, boards, games):
            Killer.calls += 1
            if Killer.calls == 6:
                os.kill(gnugo._slots[1].engine.pid, signal.SIGKILL)
            return super().select(boards, games)

    try:
        result = play_match(Killer(seed=0), gnugo, 9, 4, Rules.chinese(), slots=2)
    finally:
        gnugo.close()
    assert result.voided == 1 and result.games == 3  # the killed game is voided, the other three are played


def test_a_dying_gtp_engine_is_voided_and_reported(tmp_path):
    script = tmp_path / "flaky.py"
    script.write_text(textwrap.dedent('''
        import os, sys
        genmoves = 0
        marker = sys.argv[1]
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            cmd = words[0]
            if cmd == "genmove":
                genmoves += 1
                if genmoves == 3 and not os.path.exists(marker):
                    open(marker, "w").close()
                    sys.exit(1)  # the first process dies in its third genmove; the restarted one does not
                print("= pass\\n", flush=True)
            elif cmd == "quit":
                print("=\\n", flush=True); break
            else:
                print("= 2\\n" if cmd == "protocol_version" else "=\\n", flush=True)
    '''))
    run = run_match(MatchConfig("random", f"gtp:{sys.executable} {script} {tmp_path / 'died'}", board_size=5, games=3, slots=1,
                                rules="chinese"), tmp_path / "m")
    s = summarize(run)
    assert s["voided"] == 1 and s["scored"] == 2 and "closed its output" in s["void_reasons"][0]
    assert (tmp_path / "m" / "games" / "game-00000-void.sgf").exists()
    assert "VOID" in read_sgf((tmp_path / "m" / "games" / "game-00000-void.sgf").read_bytes()).comments[0]


def test_two_workers_play_the_same_games_as_one():
    one = run_match(MatchConfig("zoo:cp1", "random", games=6, seed=5))
    two = run_match(MatchConfig("zoo:cp1", "random", games=6, seed=5, workers=2))
    assert len(two.records) == 6 and sorted(r.index for r in two.records) == list(range(6))
    assert summarize(two)["win_rate"] >= 0.8
    assert [r.a_black for r in two.records] == [r.a_black for r in one.records] == [True, False] * 3
    assert len({tuple(r.moves) for r in two.records}) == 6  # the workers' random agents are seeded apart


def test_a_match_tells_an_adversary_whom_it_plays_and_counts_capped_games_as_non_wins(adversary_checkpoint_9x9):
    """``advgo match`` passes each agent its opponent: the adversary's A-MCTS models cp2 (its name says so), not its
    training victim cp1; every game stopped at the cap is a non-win for both sides, in the summary and per game."""
    run = run_match(MatchConfig(f"net:{adversary_checkpoint_9x9}", "zoo:cp2", games=2, max_moves=12))
    s = summarize(run)
    assert s["a"] == "ckpt-000000001 (A-MCTS-S@2 vs cp2@1)" and s["b"] == "cp2@1"
    assert s["max_moves"] == 12 and s["counting"] == RULE
    assert s["wins"] + s["losses"] + s["draws"] + s["capped"] == s["scored"] == 2
    capped = [r for r in run.records if r.capped]
    assert s["capped"] == len(capped) and all(r.a_outcome == "capped" for r in capped)
    assert s["win_rate"] == s["wins"] / 2 and s["b_win_rate"] == s["losses"] / 2
    plain = summarize(run_match(MatchConfig(f"net:{adversary_checkpoint_9x9}", "random", games=1, max_moves=4)))
    assert plain["a"] == "ckpt-000000001 (MCTS@2)" and plain["capped"] == 1 and plain["win_rate"] == 0.0


def test_rules_are_agreed_or_refused():
    cfg = MatchConfig("random", "random")
    assert agree_rules(cfg, [None, None]) == "tromp-taylor"
    assert agree_rules(cfg, [None, ("chinese",)]) == "chinese"
    with pytest.raises(ValueError, match="cannot play tromp-taylor"):
        agree_rules(MatchConfig("random", "gnugo", rules="tromp-taylor"), [None, ("chinese",)])
    for bad in (dict(games=0), dict(board_size=1), dict(rules="japanese"), dict(a="nobody"),
                dict(a="human", workers=2)):
        with pytest.raises(ValueError):
            MatchConfig(**{"a": "random", "b": "random", **bad})


def test_cli_match_table_json_and_errors(tmp_path, gnugo_installed):
    out = subprocess.run(CLI + ["match", "random", "gnugo:level=0", "--games", "2", "--board", "7",
                                "--out", str(tmp_path / "m"), "--json", str(tmp_path / "m.json")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "win rate [95% CI]" in out.stdout and "chinese rules" in out.stdout
    assert f"Counting: {RULE}." in out.stdout  # the rule; the 5·N² cap is in the (wrapped) caption and the JSON
    report = json.loads((tmp_path / "m.json").read_text())
    assert report["summary"]["games"] == 2 and len(report["games"]) == 2
    assert report["summary"]["max_moves"] == 245 and report["summary"]["counting"] == RULE
    assert len(list((tmp_path / "m" / "games").glob("*.sgf"))) == 2
    bad = subprocess.run(CLI + ["match", "random", "gnugo", "--rules", "tromp-taylor", "--out", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "cannot play tromp-taylor" in bad.stdout
    bad = subprocess.run(CLI + ["match", "random", "zoo:nobody"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "no zoo victim named 'nobody'" in bad.stdout


def test_bench_match_smoke(tmp_path, gnugo_installed):
    out = subprocess.run(CLI + ["bench", "match", "--games", "1", "--throughput-games", "2", "--board", "5",
                                "--victims", "gnugo:level=0", "--opponent", "random", "--pair", "random,gnugo:level=0",
                                "--json", str(tmp_path / "b.json")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    records = json.loads((tmp_path / "b.json").read_text())["records"]
    victim = [r for r in records if r["part"] == "victim"]
    assert victim[0]["victim"] == "gnugo:level=0" and victim[0]["seconds_per_move"] > 0 and victim[0]["moves"] > 0
    assert [r["workers"] for r in records if r["part"] == "throughput"] == [1, 2]


def test_a_match_where_every_game_is_voided_fails(tmp_path):
    """No scored game, no win rate: ``advgo match`` says so and exits non-zero (the SGFs stay for a look)."""
    script = tmp_path / "dies.py"
    script.write_text(textwrap.dedent('''
        import sys
        for line in sys.stdin:
            words = line.split()
            if words and words[0] == "genmove":
                sys.exit(1)  # every process dies in its first genmove
            if words and words[0] == "quit":
                print("=\\n", flush=True); break
            if words:
                print("= 2\\n" if words[0] == "protocol_version" else "=\\n", flush=True)
    '''))
    out = subprocess.run(CLI + ["match", "random", f"gtp:{sys.executable} {script}", "--games", "2", "--board", "5",
                                "--rules", "chinese", "--out", str(tmp_path / "m")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0, out.stdout
    assert "no game was scored" in out.stdout and "2 of 2 games were voided" in out.stdout
    assert len(list((tmp_path / "m" / "games").glob("*-void.sgf"))) == 2
