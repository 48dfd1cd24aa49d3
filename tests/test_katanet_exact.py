"""``KataGoNet`` is KataGo's net: :mod:`advgo.eval.katanet_check` against the real engine's ``kata-raw-nn 0``.

Always run: the white-to-mover conversion, the parser, the metrics, the targets, the tags and the sampler on
synthetic data, and the CLI's error without KataGo. With KataGo installed (``advgo engines install katago``): ~38
positions from a fixed seed against the targets (top-1 >= 99%, KL <= 0.01 on >= 95%, |dwin| <= 0.02 everywhere),
the CLI on 12 positions, and (``-m slow``) the 500-position check.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from advgo.agents.katago import KataGoInstall
from advgo.agents.katago_install import check_opencl
from advgo.cli_engines import engines_app
from advgo.engine import BLACK, WHITE
from advgo.eval import katanet_check as kc
from advgo.eval.katanet_check import (
    Answer,
    Position,
    compare,
    from_white,
    parse_raw_full,
)
from advgo.game import GameState

INSTALL = KataGoInstall.at()
KATAGO_READY = INSTALL.installed and check_opencl().ok
needs_katago = pytest.mark.skipif(
    not KATAGO_READY, reason=f"KataGo is not installed in {INSTALL.root} or OpenCL is missing "
                             "(advgo engines install katago --apt)")


# ------------------------------------------------------------------------------------------------ no KataGo
def test_from_white_turns_values_to_the_player_to_move():
    policy, owner = np.array([0.2, 0.8]), np.array([0.5, -1.0, 0.0, 0.25])
    white = from_white(policy, 0.7, 0.25, 3.5, owner, WHITE)
    assert (white.win, white.lead) == (0.7, 3.5)
    np.testing.assert_array_equal(white.ownership, owner)
    black = from_white(policy, 0.7, 0.25, 3.5, owner, BLACK)
    assert (black.win, black.lead) == (0.25, -3.5)
    np.testing.assert_array_equal(black.ownership, -owner)
    np.testing.assert_array_equal(black.priors, policy)  # the policy is the mover's already


RAW_3X3 = """\
symmetry 0
whiteWin 0.600000
whiteLoss 0.400000
noResult 0.000000
whiteLead 1.250
whiteScoreSelfplay 1.500
policy
   NAN 0.100000 0.100000
0.100000 0.300000 0.100000
0.100000 0.100000 0.050000
policyPass 0.050000
whiteOwnership
-1.0000000 0.5000000 0.5000000
0.2500000 0.0000000 0.0000000
0.0000000 0.0000000 0.1000000
"""


def test_parse_raw_full_reads_lead_and_ownership_from_whites_side():
    black = parse_raw_full(RAW_3X3, 3, BLACK)
    assert black.win == pytest.approx(0.4) and black.lead == pytest.approx(-1.25)
    assert black.priors[0] == 0 and black.priors[4] == pytest.approx(0.3) and black.priors.sum() == pytest.approx(1)
    assert black.ownership[0] == pytest.approx(1.0) and black.ownership[3] == pytest.approx(-0.25)
    white = parse_raw_full(RAW_3X3, 3, WHITE)
    assert white.win == pytest.approx(0.6) and white.lead == pytest.approx(1.25) and white.ownership[0] == -1.0


def _answer(priors, win=0.5, lead=0.0, owner=(0.0,)):
    return Answer(np.asarray(priors, np.float64), win, lead, np.asarray(owner, np.float64))


def test_compare_kl_and_top1():
    legal = np.ones(3, bool)
    same = compare(_answer([0.5, 0.3, 0.2]), _answer([0.5, 0.3, 0.2]), legal)
    assert same["top1"] and same["kl"] == pytest.approx(0, abs=1e-12) and same["dwin"] == 0
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.4, 0.4, 0.2])
    other = compare(_answer(p, 0.6, 2.0, [0.1, -0.2]), _answer(q, 0.55, 1.5, [0.3, -0.2]), legal)
    assert other["kl"] == pytest.approx(float(np.sum(p * np.log(p / q))))
    assert other["dwin"] == pytest.approx(0.05) and other["dlead"] == 0.5 and other["downer"] == pytest.approx(0.2)
    assert other["top1"]  # argmax 0 in both
    assert not compare(_answer(p), _answer([0.3, 0.5, 0.2]), legal)["top1"]
    assert compare(_answer([0.4000005, 0.4, 0.2]), _answer([0.3, 0.5, 0.2]), legal)["top1"]  # a tie within 1e-6
    # an illegal action never counts as the top move: here both agree on action 1 among the legal ones
    assert compare(_answer([0.6, 0.3, 0.1]), _answer([0.1, 0.8, 0.1]), np.array([False, True, True]))["top1"]
    assert compare(_answer([0.5, 0.5, 0.0]), _answer([0.5, 0.5 - 1e-9, 1e-9]), legal)["kl"] >= 0


def _row(kl=1e-7, dwin=1e-6, top1=True, size=9, categories=("random",)):
    return {"index": 0, "size": size, "rules": "tromp-taylor", "categories": list(categories), "top1": top1,
            "kl": kl, "dwin": dwin, "dlead": 0.0, "downer": 0.0}


def test_summarize_targets():
    timings, config = {}, {}
    good = kc.summarize([_row() for _ in range(100)], timings, config, [])
    assert good["passed"] and good["overall"]["top1"] == 1.0 and good["overall"]["kl_ok"] == 1.0
    assert set(good["by_size"]) == {"9x9"} and set(good["by_category"]) == {"random"}
    one_miss = kc.summarize([_row(top1=k > 0) for k in range(100)], timings, config, [])
    assert one_miss["passed"]  # 99% top-1 is the target
    two_misses = kc.summarize([_row(top1=k > 1) for k in range(100)], timings, config, [])
    assert not two_misses["targets"]["top1 >= 99%"]["passed"]
    kl_bad = kc.summarize([_row(kl=0.02 if k < 6 else 0.0) for k in range(100)], timings, config, [])
    assert not kl_bad["targets"]["KL <= 0.01 on >= 95%"]["passed"] and kl_bad["worst"][0]["kl"] == 0.02
    win_bad = kc.summarize([_row(dwin=0.03 if k == 7 else 0.0) for k in range(100)], timings, config, [])
    assert not win_bad["passed"] and win_bad["overall"]["dwin_over"] == 1
    refused = kc.summarize([_row()], timings, config, [{"index": 1, "error": "illegal move"}])
    assert not refused["passed"]


def test_tags_ko_and_after_pass():
    n = 9

    def a(r, c):
        return r * n + c

    # black captures at a ko: white may not retake at once
    moves = [a(0, 1), a(0, 2), a(1, 0), a(1, 3), a(2, 1), a(2, 2), a(8, 8), a(1, 1), a(1, 2)]
    state = GameState.from_moves(n, None, moves)
    assert state.illegal_reason(a(1, 1)) == "ko"
    assert "ko" in kc.tag_position(state) and "after_pass" not in kc.tag_position(state)
    assert "after_pass" in kc.tag_position(state.play(n * n))
    assert kc.tag_position(GameState.new(n)) == ()


def test_sample_gives_each_tag_its_share_and_balances_sources():
    pool = [Position(9, "tromp-taylor", (k,), source, tags)
            for k, (source, tags) in enumerate([("random", ("ko",))] * 20 + [("gnugo", ())] * 200
                                               + [("victim", ("after_pass",))] * 5 + [("victim", ())] * 200)]
    chosen = kc._sample(pool, 100, np.random.default_rng(0))
    assert len(chosen) == len({p.moves for p in chosen}) == 100
    tags = [t for p in chosen for t in p.tags]
    assert tags.count("ko") >= 10 and tags.count("after_pass") == 5
    sources = [p.source for p in chosen]
    assert sources.count("gnugo") >= 30 and sources.count("victim") >= 30


def test_cli_without_katago_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(KataGoInstall, "at", classmethod(lambda cls, root=None: cls(tmp_path)))
    result = CliRunner().invoke(engines_app, ["check-katanet", "--positions", "3", "--sizes", "9"])
    assert result.exit_code == 2
    assert "advgo engines install katago" in " ".join(result.output.split())


# ------------------------------------------------------------------------------------------------ with KataGo
def _assert_targets(report: dict, positions: int) -> None:
    overall = report["overall"]
    assert overall["count"] == positions, report["errors"]
    worst = [{k: r[k] for k in ("size", "katago_rules", "komi", "kl", "dwin", "top1", "gtp")} for r in report["worst"]]
    assert report["passed"], (report["targets"], worst)
    assert overall["top1"] >= 0.99 and overall["kl_ok"] >= 0.95 and overall["dwin_max"] <= 0.02


@needs_katago
def test_katanet_matches_katago_on_a_small_corpus():
    report = kc.run_check(38, (9, 19), seed=1, progress=False)
    _assert_targets(report, 38)
    assert report["by_size"]["9x9"]["count"] == 30 and report["by_size"]["19x19"]["count"] == 8
    assert {"gnugo", "random", "victim"} <= set(report["by_category"])


@needs_katago
@pytest.mark.slow
def test_katanet_matches_katago_on_500_positions():
    report = kc.run_check(500, (9, 19), seed=0, progress=False)
    _assert_targets(report, 500)
    for tag in ("ko", "ladder", "after_pass"):
        assert report["by_category"][tag]["count"] >= 30, tag


@needs_katago
def test_cli_check_katanet_writes_json(tmp_path):
    out = tmp_path / "check.json"
    result = CliRunner().invoke(engines_app, ["check-katanet", "--positions", "12", "--sizes", "9", "--json",
                                              str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["overall"]["count"] == 12 and report["passed"]
    assert "top-1" in result.output and "worst positions" in result.output


@needs_katago
def test_katanet_at_one_visit_plays_katagos_move():
    """``katanet`` at 1 visit against KataGo's GTP ``genmove`` at 1 visit (symmetry fixed, temperature 0) on
    positions of random games, a third of them right after a pass, where KataGo's root settings matter
    (conservativePass, passing hacks, cleanup before pass, root-move pruning). Near-ties after a pass can still
    go KataGo's other way: its single playout picks the root child with an ownership-based ending bonus, which
    advgo does not model (see README); so at least 90% must agree, and every position without a pass."""
    from advgo.agent_registry import make_agent
    from advgo.agents.base import select_move
    from advgo.agents.gtp_client import GTPEngine
    from advgo.coords import action_to_gtp, gtp_to_action
    from advgo.rules import Rules

    rng = np.random.default_rng(11)
    argv = INSTALL.gtp_argv({"nnRandomize": "false", "chosenMoveTemperatureEarly": 0, "chosenMoveTemperature": 0})
    agents = {}
    same, total, after_pass = 0, 0, []
    with GTPEngine(argv, timeout=120, startup_timeout=600) as gtp:
        gtp.send("boardsize 9")
        for t in range(24):
            rules = (Rules.tromp_taylor(), Rules.chinese())[t % 2]
            state, pass_prob = GameState.new(9, rules), (0.0, 0.3)[t % 3 == 0]
            for _ in range(int(rng.integers(0, 120))):
                move = 81 if rng.random() < pass_prob else int(rng.choice(state.legal_actions()))
                if state.play(move).is_over:
                    break
                state = state.play(move)
            gtp.send("clear_board")
            gtp.send(f"kata-set-rules {rules.katago()}")
            gtp.send("kata-set-rule friendlyPassOk false")
            gtp.send("komi 7.5")
            for k, move in enumerate(state.moves):
                gtp.send(f"play {'BW'[k % 2]} {action_to_gtp(move, 9)}")
            theirs = gtp_to_action(gtp.send(f"genmove {'BW'[len(state.moves) % 2]}"), 9)
            agent = agents.setdefault(rules.name, make_agent("katanet", rules=rules))
            mine = select_move(agent, state)
            total += 1
            same += mine == theirs
            passed = bool(state.moves) and state.moves[-1] == 81
            if mine != theirs:
                after_pass.append(passed)
                assert passed, (list(state.moves), rules.name, mine, theirs)
    assert same >= 0.9 * total, (same, total)
