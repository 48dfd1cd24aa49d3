"""``katanet``: KataGo's net as an agent, a gray-box victim and an inference-server model, with a tiny model file.

Everything here runs without KataGo: ``tests/katago_models.py`` writes a tiny transformer net in KataGo's file
format. What KataGo itself does at 1 visit is checked against the real engine in ``tests/test_katanet_exact.py``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from katago_models import build

from advgo import GameState, Rules, engine
from advgo.agent_registry import make_agent
from advgo.agents.base import select_move
from advgo.agentspec import parse_agent_spec
from advgo.nets.katago import KataGoNet, write_model
from advgo.nets.katago.root import KataGoRootEvaluator, allowed_root_moves, cleanup_move
from advgo.search import SearchEvaluator
from advgo.victims import KataNetVictim, resolve_victim


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("katanet") / "tiny-b2.bin.gz"
    write_model(build("v15-transformer", seed=3, name="tiny-b2"), path)
    return path


def test_spec_parses_and_rejects_unknown_parameters():
    spec = parse_agent_spec("katanet:visits=8:model=/some/where/x.bin.gz:temperature=0.5")
    assert (spec.kind, spec.get("visits"), spec.get("model"), spec.get("temperature")) == \
        ("katanet", 8, "/some/where/x.bin.gz", 0.5)
    with pytest.raises(ValueError, match="katanet has no parameter 'level'"):
        parse_agent_spec("katanet:level=3")


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no KataGo model file"):
        resolve_victim(f"katanet:model={tmp_path / 'absent.bin.gz'}")


def test_victim_label_policies_and_agent(tiny_model):
    victim = resolve_victim(f"katanet:model={tiny_model}", 1)
    assert isinstance(victim, KataNetVictim) and victim.label == "katanet[tiny-b2]@1"
    assert victim.has_policy and victim.rules_supported is None and victim.board_size is None
    rules = Rules.tromp_taylor()
    s, spp, r = (victim.policy(m, rules) for m in ("S", "S++", "R"))
    assert isinstance(s, KataGoRootEvaluator) and s.inner.passing_hacks and s.inner.conservative_pass
    assert spp.inner.symmetry == "average" and victim.policy("plain", rules) is None
    assert isinstance(r, SearchEvaluator)
    with pytest.raises(ValueError, match="visits given twice"):
        resolve_victim(f"katanet:visits=4:model={tiny_model}", 8)
    with pytest.raises(ValueError, match="take boards 7x7 to 19x19"):
        resolve_victim(f"katanet:model={tiny_model}", 1, board_size=5)


@pytest.mark.parametrize("visits", [1, 4])
def test_agent_plays_legal_moves_at_any_size(tiny_model, visits):
    agent = make_agent(f"katanet:visits={visits}:model={tiny_model}")
    assert agent.agent_spec.startswith("katanet") and agent.board_size is None
    rng = np.random.default_rng(visits)
    for size in (7, 13):
        state = GameState.new(size, Rules.chinese())
        for _ in range(6):
            move = select_move(agent, state)
            assert state.is_legal(move)
            state = state.play(move)
            state = state.play(int(rng.choice(state.legal_actions())))
    with pytest.raises(ValueError, match="take boards 7x7 to 19x19"):
        select_move(agent, GameState.new(5))


class _Inner:
    """A fake evaluator: fixed priors (pass first), for the root rules."""

    def __init__(self, priors_fn, rules=None):
        self.priors_fn = priors_fn
        self.rules = (rules or Rules.tromp_taylor()).codes(engine.NO_CAP)
        self.pass_alive_suicide = False

    def evaluate(self, leaves, count, komi, priors_out, values_out):
        for j in range(count):
            priors_out[j] = self.priors_fn(leaves.size)
            values_out[j] = 0.0


def _uniform(n):
    return np.full(n * n + 1, 1.0 / (n * n + 1), np.float32)


def test_symmetric_positions_keep_one_move_of_each_orbit():
    """On the empty board (all 8 symmetries) black keeps one point per orbit: the first met scanning columns
    right to left, rows top to bottom; white, after a central move, left to right from the bottom."""
    state = GameState.new(7)
    allowed = allowed_root_moves(state.engine_boards, 0, state.engine_codes)
    assert allowed[49] and allowed[:49].sum() == 10  # the 7x7 board has 10 orbits under D4
    orbit_of_corner = [0, 6, 42, 48]
    assert allowed[orbit_of_corner].sum() == 1 and allowed[6]  # black: rightmost column first, top row first
    after = state.play(24)  # the centre keeps every symmetry; white scans left to right, bottom first
    allowed = allowed_root_moves(after.engine_boards, 0, after.engine_codes)
    assert allowed[orbit_of_corner].sum() == 1 and allowed[42]
    asymmetric = GameState.from_moves(7, Rules.tromp_taylor(), [0, 9])  # A7, C6: no symmetry left
    assert allowed_root_moves(asymmetric.engine_boards, 0, asymmetric.engine_codes).all()


def test_four_opponent_passes_forbid_moves_in_safe_areas():
    """Black owns the left columns with two eyes; after white's four passes black may not play in either
    player's safe area (KataGo's rootPruneUselessMoves), elsewhere and pass still."""
    rows = ["..X....", "XXX....", ".X.....", "XX.....", "X......", ".X.....", "XX....."]
    black = [r * 7 + c for r, row in enumerate(rows) for c, v in enumerate(row) if v == "X"]
    state = GameState.setup(7, Rules.tromp_taylor(), black=black, to_play=1)
    safe_points = [0, 1, 14]  # eyes and pass-alive territory
    for _ in range(4):
        state = state.play(int(next(a for a in state.legal_actions() if a % 7 >= 4))).play(49)
    allowed = allowed_root_moves(state.engine_boards, 0, state.engine_codes)
    assert not allowed[safe_points].any() and allowed[49] and allowed[6]
    early = GameState.setup(7, Rules.tromp_taylor(), black=black, to_play=1)
    assert allowed_root_moves(early.engine_boards, 0, early.engine_codes)[safe_points].all()


def test_cleanup_before_pass_takes_the_pass_mass():
    """A dead white stone (D7) in black's pass-alive area (eyes A7 and C7-D7): when pass is black's best move,
    KataGo plays the first legal point of its safe area next to a white stone instead (C7, which captures)."""
    rows = [".X.OX..", "XXXXX..", ".......", ".......", ".......", ".......", "......."]
    black = [r * 7 + c for r, row in enumerate(rows) for c, v in enumerate(row) if v == "X"]
    state = GameState.setup(7, Rules.tromp_taylor(), black=black, white=[3], to_play=1)
    boards = state.engine_boards
    from advgo.features.katago import root_facts

    _, safe = root_facts(boards, 0, state.engine_codes)
    assert safe[0, :4].tolist() == [1, 1, 1, 1] and safe[2:].sum() == 0  # the eyes, the dead stone, the chain
    assert cleanup_move(boards, 0, safe, state.legal_mask()) == 2

    def pass_heavy(n):
        p = np.full(n * n + 1, 0.01, np.float32)
        p[-1] = 0.5
        return p / p.sum()

    priors, values = np.zeros((1, 50), np.float32), np.zeros(1, np.float32)
    KataGoRootEvaluator(_Inner(pass_heavy)).evaluate(boards, 1, 7.5, priors, values)
    assert int(np.argmax(priors[0])) == 2 and priors[0, 49] == 0 and priors[0].sum() == pytest.approx(1)
    KataGoRootEvaluator(_Inner(_uniform)).evaluate(boards, 1, 7.5, priors, values)  # pass not the best: as it is
    np.testing.assert_allclose(priors[0], _uniform(7))


def test_inference_server_serves_katanet_like_the_local_net(tiny_model):
    """The server's katanet model answers packed KataGo features (23 planes, legal moves last) as a local
    KataGoNet does; a RemoteEvaluator with a KataGoEncoder is what actors use."""
    from advgo.nets.katago.encoder import KataGoEncoder
    from advgo.training.inference_server import InferenceServer, RemoteEvaluator

    server = InferenceServer({"board_size": 9, "blocks": 1, "channels": 8, "global_pool": False}, "cpu", seed=0,
                             max_batch=64, max_wait_ms=1)
    rules = Rules.chinese()
    assert server.add_katanet("k|none|9", str(tiny_model), "none", {"komi": 7.5, "ko": "positional",
                                                                    "suicide": False, "name": "chinese"}, 9)
    rng = np.random.default_rng(0)
    boards = engine.new_boards(5, 9, 100)
    for j in range(5):
        state = GameState.new(9, rules)
        for _ in range(int(rng.integers(0, 30))):
            state = state.play(int(rng.choice(state.legal_actions()[:-1])))
        engine.copy_game(state.engine_boards, 0, boards, j)

    class Handle:  # the Ray handle's .evaluate.remote, answered by the server in this process
        class evaluate:
            @staticmethod
            def remote(planes, globals_, key):
                return asyncio.run(server.evaluate(planes, globals_, key))

    remote = RemoteEvaluator(Handle, 9, rules, max_batch=5, key="k|none|9",
                             encoder=KataGoEncoder(rules, capacity=5))
    remote._ray = type("FakeRay", (), {"get": staticmethod(lambda x: x)})
    got_p, got_v = np.zeros((5, 82), np.float32), np.zeros(5, np.float32)
    remote.evaluate(boards, 5, 7.5, got_p, got_v)
    want_p, want_v = np.zeros((5, 82), np.float32), np.zeros(5, np.float32)
    KataGoNet(tiny_model, rules=rules).evaluate(boards, 5, 7.5, want_p, want_v)
    np.testing.assert_allclose(got_p, want_p, atol=2e-3, rtol=2e-3)  # answers travel as float16
    np.testing.assert_allclose(got_v, want_v, atol=2e-3)
    remote.conservative_pass = True
    assert remote.encoder.conservative_pass


def test_victim_play_against_katanet(tiny_model, tmp_path):
    """A few steps of a tiny adversary run against katanet on 7x7, A-MCTS-S, hardened victim."""
    from advgo.config import load_config
    from advgo.training.adversary import AdversaryTrainer
    from advgo.training.adversary_config import AdversaryRunConfig

    root = Path(__file__).resolve().parents[1]
    sets = [f"curriculum.entries=[{{victim: 'katanet:model={tiny_model}', visits: 1, threshold: 1.0}}]",
            "game.board_size=7", "victimplay.hardening=true", "schedule.total_steps=10",
            "schedule.checkpoint_every=10", "schedule.milestone_every=10", "schedule.eval_every=10",
            "evaluation.games=2", "victimplay.games=4", "schedule.games_per_iteration=4"]
    cfg = load_config(AdversaryRunConfig, root / "configs" / "adversary-tiny.yaml", sets)
    trainer = AdversaryTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 10 and trainer.current_victim.label == "katanet[tiny-b2]@1"
    assert any((tmp_path / "run" / "sgf").glob("*.sgf"))
