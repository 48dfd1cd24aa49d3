"""Policy-value nets: shapes and ranges, inference paths, the torch evaluator, learning, checkpoints, bench."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from advgo import GameState, Rules, engine
from advgo.bench import net as bench_net
from advgo.features import (
    FEATURES,
    encode_state,
    inverse,
    transform_action,
    transform_planes,
    transform_policy,
)
from advgo.nets import (
    CheckpointError,
    InferenceNet,
    NetConfig,
    PolicyValueNet,
    TorchEvaluator,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from advgo.nets.checkpoint import checkpoint_path

C, G = FEATURES.planes, FEATURES.globals


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Two OpenMP threads on two shared cores spin-wait each other to a crawl (see advgo.nets.evaluator)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def tiny(size=9, **kw) -> PolicyValueNet:
    torch.manual_seed(kw.pop("seed", 0))
    return PolicyValueNet(NetConfig(board_size=size, **{"blocks": 2, "channels": 16, **kw})).eval()


def random_inputs(batch, size, seed=0):
    g = torch.Generator().manual_seed(seed)
    planes = (torch.rand(batch, C, size, size, generator=g) < 0.3).float()
    return planes, torch.rand(batch, G, generator=g)


def positions(size: int, count: int, seed: int = 0) -> tuple[engine.Boards, list[GameState]]:
    """``count`` random positions as GameStates and as games 0..count-1 of one Boards buffer."""
    rng = np.random.default_rng(seed)
    boards = engine.new_boards(count + 2, size, 61)
    codes = Rules.tromp_taylor().codes(60)
    states = [GameState.new(size, max_moves=60) for _ in range(count)]
    for _ in range(int(rng.integers(5, 30))):
        actions = np.full(count + 2, engine.NO_ACTION)
        for i, s in enumerate(states):
            legal = s.legal_actions()
            actions[i] = engine.NO_ACTION if s.is_over else rng.choice(legal[legal != size * size])
        engine.play_batch(boards, codes, actions)
        states = [s if a == engine.NO_ACTION else s.play(int(a)) for s, a in zip(states, actions)]
    return boards, states


# ---------------------------------------------------------------------------------------------- the net
@pytest.mark.parametrize("size", [5, 9, 19])
@pytest.mark.parametrize("gpool,score", [(True, True), (False, False)])
def test_net_shapes_and_ranges(size, gpool, score):
    net = tiny(size, global_pool=gpool, score_head=score, ownership_head=score, blocks=4)
    planes, globals_ = random_inputs(3, size)
    with torch.inference_mode():
        logits, value, score_out = net(planes, globals_)
        aux = net.forward_aux(planes, globals_)
    assert logits.shape == (3, size * size + 1) and torch.isfinite(logits).all()
    assert value.shape == (3,) and (value.abs() <= 1).all()
    assert (score_out is not None and score_out.shape == (3,)) == score
    assert net.config.gpool_blocks() == ((1,) if gpool else ())
    for got, want in zip(aux[:3], (logits, value, score_out)):  # forward_aux is forward and the ownership
        assert (got is None and want is None) or torch.equal(got, want)
    assert (aux[3] is not None and aux[3].shape == (3, size * size)) == score


def test_net_config_validation():
    with pytest.raises(ValueError, match="board_size"):
        NetConfig(board_size=25)
    with pytest.raises(ValueError, match="blocks"):
        NetConfig(blocks=0)
    with pytest.raises(ValueError, match="feature_set"):
        NetConfig(feature_set="other-v9")
    with pytest.raises(ValueError, match="int"):
        NetConfig(channels=32.0)
    assert NetConfig(blocks=1).gpool_blocks() == (0,) and NetConfig(blocks=7).gpool_blocks() == (1, 4)


@pytest.mark.parametrize("path", ["eager", "trace"])
def test_inference_paths_match_the_module(path):
    net = tiny(9, score_head=True, ownership_head=True)
    for m in net.modules():  # BatchNorm statistics that folding must get right
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    run = InferenceNet(net, "cpu", path=path)
    assert run.path == path and not run.bf16
    for batch in (1, 5, 64):  # a traced net takes any batch size
        planes, globals_ = random_inputs(batch, 9, seed=batch)
        with torch.inference_mode():
            want_logits, want_value, _ = net(planes, globals_)
        logits, value = run(planes, globals_)
        torch.testing.assert_close(logits, want_logits, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(value, want_value, atol=1e-5, rtol=1e-4)
    other = tiny(9, score_head=True, ownership_head=True, seed=1)
    run.load_weights(other)
    with torch.inference_mode():
        torch.testing.assert_close(run(planes, globals_)[0], other(planes, globals_)[0], atol=1e-4, rtol=1e-4)
    with pytest.raises(ValueError, match="bf16"):
        InferenceNet(net, "cpu", bf16=True)
    with pytest.raises(ValueError, match="path"):
        InferenceNet(net, "cpu", path="onnx")


@pytest.mark.slow
def test_compile_path_matches_and_reloads():
    """torch.compile (inductor, needs a C++ compiler; tens of seconds cold): same outputs, weights reload in place."""
    net, other = tiny(9), tiny(9, seed=1)
    run = InferenceNet(net, "cpu", path="compile")
    planes, globals_ = random_inputs(16, 9)
    for source in (net, other):
        run.load_weights(source)
        with torch.inference_mode():
            torch.testing.assert_close(run(planes, globals_)[0], source(planes, globals_)[0], atol=1e-4, rtol=1e-4)


def test_overfits_a_tiny_dataset():
    """A few hundred Adam steps on 64 fixed positions: policy and value losses fall a lot."""
    torch.manual_seed(0)
    net = PolicyValueNet(NetConfig(board_size=7, blocks=2, channels=24)).train()
    planes, globals_ = random_inputs(64, 7)
    target_policy = torch.randint(0, 50, (64,))
    target_value = torch.randint(0, 2, (64,)).float() * 2 - 1
    optimizer = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)

    def loss_fn():
        logits, value, _ = net(planes, globals_)
        return F.cross_entropy(logits, target_policy) + F.mse_loss(value, target_value)

    first = loss_fn().item()
    for _ in range(250):
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        optimizer.step()
    net.eval()
    with torch.no_grad():
        final = loss_fn().item()
    assert final < 0.15 * first, (first, final)


# ---------------------------------------------------------------------------------------------- evaluator
@pytest.mark.parametrize("symmetry", ["none", "random", "average"])
def test_evaluator_outputs(symmetry):
    boards, states = positions(9, 5)
    ev = TorchEvaluator(tiny(9), symmetry=symmetry, max_batch=2, seed=3)
    priors = np.full((7, 82), -1, np.float32)
    values = np.full(7, -5, np.float32)
    ev.evaluate(boards, 5, 7.5, priors, values)
    assert ev.capacity >= 5  # grew from 2
    np.testing.assert_allclose(priors[:5].sum(axis=1), 1, rtol=1e-5)
    assert (priors[:5] >= 0).all() and (np.abs(values[:5]) <= 1).all()
    assert (priors[5:] == -1).all() and (values[5:] == -5).all()
    if symmetry == "none":  # exactly the net on encode_state's planes
        net = tiny(9)
        for i, s in enumerate(states):
            p, g = (torch.from_numpy(x)[None] for x in encode_state(s))
            with torch.inference_mode():
                logits, value, _ = net(p, g)
            np.testing.assert_allclose(priors[i], torch.softmax(logits, 1)[0].numpy(), atol=1e-5)
            np.testing.assert_allclose(values[i], value[0].item(), atol=1e-5)


@pytest.mark.parametrize("symmetry", ["none", "random", "average"])
def test_net_evaluations_count_the_rows_through_the_net(symmetry):
    """A-MCTS's victim cost: the positions the net itself saw (eight a position when averaging, S++)."""
    boards, _ = positions(9, 5)
    ev = TorchEvaluator(tiny(9), symmetry=symmetry)
    rows, runner = [], ev.runner
    ev.runner = lambda planes, globals_: rows.append(planes.shape[0]) or runner(planes, globals_)
    priors, values = np.zeros((5, 82), np.float32), np.zeros(5, np.float32)
    for count in (5, 3, 0):
        ev.evaluate(boards, count, 7.5, priors, values)
    assert ev.net_evaluations == sum(rows) == 8 * (8 if symmetry == "average" else 1)


def per_symmetry(net, state) -> list[tuple[np.ndarray, float]]:
    """(priors mapped back, value) for the position seen through each of the 8 symmetries."""
    p, g = (torch.from_numpy(x)[None] for x in encode_state(state))
    out = []
    for k in range(8):
        with torch.inference_mode():
            logits, value, _ = net(transform_planes(p, k), g)
        probs = torch.softmax(logits, 1)[0].numpy()
        out.append((transform_policy(probs, inverse(k), state.size), value.item()))
    return out


def test_random_symmetry_maps_the_policy_back():
    boards, states = positions(5, 6, seed=1)
    net = tiny(5)
    ev = TorchEvaluator(net, symmetry="random", seed=0)
    priors, values = np.zeros((6, 26), np.float32), np.zeros(6, np.float32)
    ev.evaluate(boards, 6, 7.5, priors, values)
    for i, s in enumerate(states):
        options = per_symmetry(net, s)
        assert any(np.allclose(priors[i], p, atol=1e-5) and abs(values[i] - v) < 1e-5 for p, v in options)
    again = np.zeros_like(priors)
    TorchEvaluator(net, symmetry="random", seed=0).evaluate(boards, 6, 7.5, again, values)
    np.testing.assert_array_equal(again, priors)  # seeded


def test_average_symmetry_is_equivariant():
    """Averaged over the 8 symmetries, a transformed position gets the transformed priors, the same value."""
    _, states = positions(5, 1, seed=2)
    state, k = states[0], 5
    moved = GameState.new(5, max_moves=60)
    for a in state.moves:
        moved = moved.play(transform_action(a, k, 5))
    boards = engine.new_boards(2, 5, 61)
    codes = Rules.tromp_taylor().codes(60)
    for a, b in zip(state.moves, moved.moves):
        engine.play_batch(boards, codes, np.array([a, b]))
    priors, values = np.zeros((2, 26), np.float32), np.zeros(2, np.float32)
    TorchEvaluator(tiny(5), symmetry="average").evaluate(boards, 2, 7.5, priors, values)
    np.testing.assert_allclose(priors[1], transform_policy(priors[0], k, 5), atol=1e-5)
    assert abs(values[0] - values[1]) < 1e-5


def test_evaluator_rejects_bad_calls():
    ev = TorchEvaluator(tiny(5), symmetry="none")
    boards = engine.new_boards(3, 5, 10)
    with pytest.raises(ValueError, match="9x9"):
        ev.evaluate(engine.new_boards(1, 9, 10), 1, 7.5, np.zeros((1, 82), np.float32), np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="priors_out"):
        ev.evaluate(boards, 3, 7.5, np.zeros((3, 82), np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="values_out"):
        ev.evaluate(boards, 3, 7.5, np.zeros((3, 26), np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="symmetry"):
        TorchEvaluator(tiny(5), symmetry="all")


# ---------------------------------------------------------------------------------------------- checkpoints
def save_tiny(path, step=7, **kw):
    net = tiny(9, score_head=True)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(*random_inputs(2, 9))[0].sum().backward()
    optimizer.step()
    save_checkpoint(path, net=net, net_config=net.config, optimizer=optimizer, config={"lr": 1e-3, "run": "t"},
                    step=step, rng_state={"torch": torch.get_rng_state(), "numpy": np.random.default_rng(1)
                                          .bit_generator.state}, extra={"stage": 2}, **kw)
    return net, optimizer


def test_checkpoint_round_trip(tmp_path):
    path = tmp_path / "run" / "ckpt-000000007.pt"
    net, optimizer = save_tiny(path)
    ck = load_checkpoint(path, expect_board_size=9, expect_features=FEATURES)
    assert ck.net_config == net.config and ck.step == 7 and ck.extra == {"stage": 2}
    assert ck.config == {"lr": 1e-3, "run": "t"} and ck.feature_set == FEATURES and ck.torch_version == torch.__version__
    assert ck.rng_state["numpy"] == np.random.default_rng(1).bit_generator.state
    planes, globals_ = random_inputs(4, 9)
    with torch.inference_mode():
        for a, b in zip(net.eval()(planes, globals_), ck.net(planes, globals_)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    resumed = torch.optim.Adam(ck.net.parameters(), lr=1e-3)
    resumed.load_state_dict(ck.optimizer_state)
    assert resumed.state_dict()["state"][0]["step"] == optimizer.state_dict()["state"][0]["step"]
    assert sorted(os.listdir(path.parent)) == [path.name]  # no temporary files left


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt-000000001.pt"
    save_tiny(path, step=1)
    before = path.read_bytes()

    def interrupted(fd):
        raise KeyboardInterrupt  # after the bytes went to the temporary file, before the rename

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_tiny(path, step=2)
    assert path.read_bytes() == before and os.listdir(tmp_path) == [path.name]
    with pytest.raises(KeyboardInterrupt):
        save_tiny(tmp_path / "new.pt")
    assert os.listdir(tmp_path) == [path.name]


def test_checkpoint_errors(tmp_path):
    good = tmp_path / "good.pt"
    save_tiny(good)
    data = torch.load(good, weights_only=True)

    def variant(name, **changes):
        p = tmp_path / name
        torch.save({**data, **changes}, p)
        return p

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(1000))
    empty = tmp_path / "empty.pt"
    empty.write_bytes(b"")
    pickled = tmp_path / "pickled.pt"
    pickled.write_bytes(pickle.dumps(GameState))
    cases = [
        (tmp_path / "missing.pt", {}, "does not exist"),
        (truncated, {}, "corrupt or truncated"),
        (garbage, {}, "not an advgo checkpoint"),
        (empty, {}, "corrupt or truncated"),
        (pickled, {}, "not an advgo checkpoint"),
        (variant("foreign.pt", format="something-else"), {}, "not an advgo checkpoint"),
        (variant("features.pt", feature_set={"name": "kata-v7", "version": 1}), {}, "'kata-v7' version 1"),
        (variant("version.pt", feature_set={"name": FEATURES.name, "version": 99}), {}, "version 99"),
        (good, {"expect_board_size": 19}, "9x9 boards, but 19x19"),
        (good, {"expect_features": "other-v1"}, "'other-v1'"),
        (variant("config.pt", net_config={**data["net_config"], "blocks": 3}), {}, "do not fit"),
    ]
    torch.save({"weights": torch.zeros(3)}, tmp_path / "plain.pt")
    cases.append((tmp_path / "plain.pt", {}, "not an advgo checkpoint"))
    for path, kw, words in cases:
        with pytest.raises(CheckpointError, match=words) as err:
            load_checkpoint(path, **kw)
        assert str(path) in str(err.value)
        assert isinstance(err.value, ValueError)
    with pytest.raises(CheckpointError, match="plain Python"):
        save_checkpoint(tmp_path / "bad.pt", net=tiny(9), net_config=tiny(9).config, extra={"a": np.zeros(3)})
    assert not (tmp_path / "bad.pt").exists()


def test_latest_and_prune(tmp_path):
    assert latest_checkpoint(tmp_path / "nothing") is None
    net = tiny(5)
    for step in (100, 5, 20, 1000):
        save_checkpoint(checkpoint_path(tmp_path, step), net=net, net_config=net.config, step=step)
    (tmp_path / "notes.pt").write_text("not a checkpoint name")
    assert [p.name for p in list_checkpoints(tmp_path)] == [
        "ckpt-000000005.pt", "ckpt-000000020.pt", "ckpt-000000100.pt", "ckpt-000001000.pt"]
    assert latest_checkpoint(tmp_path).name == "ckpt-000001000.pt"
    removed = prune_checkpoints(tmp_path, keep=2)
    assert [p.name for p in removed] == ["ckpt-000000005.pt", "ckpt-000000020.pt"]
    assert [p.name for p in list_checkpoints(tmp_path)] == ["ckpt-000000100.pt", "ckpt-000001000.pt"]
    assert load_checkpoint(latest_checkpoint(tmp_path)).step == 1000


# ---------------------------------------------------------------------------------------------- bench
def test_bench_net_records():
    records = bench_net.run([(1, 8)], board=5, batches=[1, 4], device="cpu", seconds=0.02, rounds=1)
    assert [(r["path"], r["batch"]) for r in records] == [("eager", 1), ("eager", 4), ("trace", 1), ("trace", 4)]
    assert all(r["positions_per_s"] > 0 and r["device"] == "cpu" and r["net"] == "1x8" for r in records)
    assert bench_net.pair_nets([4], [32, 64]) == [(4, 32), (4, 64)]
    with pytest.raises(ValueError, match="--blocks"):
        bench_net.pair_nets([1, 2], [8, 8, 8])


def test_bench_net_cli(tmp_path):
    out = tmp_path / "net.json"
    proc = subprocess.run(
        [sys.executable, "-m", "advgo", "bench", "net", "--blocks", "1", "--channels", "8", "--batches", "1,2",
         "--seconds", "0.02", "--rounds", "1", "--device", "cpu", "--threads", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=dict(os.environ, COLUMNS="160"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "positions/s" in proc.stdout and out.exists()
