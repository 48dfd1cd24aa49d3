"""The learner: overfits a tiny fixed dataset, validates its config, resumes exactly from its state."""

import copy
import math

import numpy as np
import pytest
import torch

from advgo import GameState, engine
from advgo.features import encode_state
from advgo.nets.model import NetConfig, PolicyValueNet
from advgo.training.learner import Anchor, Learner, LearnerConfig
from advgo.training.replay import Batch, ReplayBuffer

SIZE = 5
ROWS = 32
NET = NetConfig(board_size=SIZE, blocks=2, channels=16)


def random_position(rng: np.random.Generator) -> GameState:
    state = GameState.new(SIZE)
    for _ in range(rng.integers(0, 16)):
        legal = state.legal_actions()
        moves = legal[legal != state.pass_action]
        state = state.play(int(rng.choice(moves if moves.size else legal)))
    return state


def dataset(seed: int = 0, alpha: float = 0.1) -> Batch:
    """ROWS distinct live positions; targets: Dirichlet(alpha) over the legal moves (sharp), outcomes ±1."""
    rng = np.random.default_rng(seed)
    seen, rows = set(), []
    while len(rows) < ROWS:
        state = random_position(rng)
        planes, globals_ = encode_state(state)
        key = planes.tobytes() + globals_.tobytes()
        if state.is_over or key in seen:
            continue
        seen.add(key)
        legal = state.legal_actions()
        policy = np.zeros(state.num_actions, np.float32)
        policy[legal] = rng.dirichlet(np.full(legal.size, alpha))
        rows.append((planes, globals_, policy / policy.sum(), np.float32(rng.choice([-1.0, 1.0]))))
    return Batch(*(np.stack(column) for column in zip(*rows)))


@pytest.fixture(scope="module")
def data() -> Batch:
    return dataset()


def learner(config: LearnerConfig, seed: int = 0) -> Learner:
    torch.manual_seed(seed)
    return Learner(PolicyValueNet(NET), config)


def target_entropy(batch: Batch) -> float:
    p = batch.policy.astype(np.float64)
    return float(-(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=1).mean())


def aux_dataset(seed: int = 0) -> Batch:
    """``dataset`` with auxiliary targets that are a function of the position: its present Tromp-Taylor area and
    score for the player to move (what a game ending there would give)."""
    rng = np.random.default_rng(seed)
    rows = []
    while len(rows) < ROWS:
        state = random_position(rng)
        if state.is_over:
            continue
        planes, globals_ = encode_state(state)
        area = engine.area_maps(state.engine_boards)[0]
        policy = np.zeros(state.num_actions, np.float32)
        policy[state.legal_actions()] = 1
        rows.append((planes, globals_, policy / policy.sum(), np.float32(np.sign(state.score() * state.to_play)),
                     (area * state.to_play).astype(np.float32), np.float32(state.score() * state.to_play),
                     np.float32(1)))
    return Batch(*(np.stack(column) for column in zip(*rows)))


AUX_NET = NetConfig(board_size=SIZE, blocks=2, channels=16, score_head=True, ownership_head=True)


def test_dataset_is_a_replay_batch(data):
    assert [x.shape for x in data[:4]] == [(ROWS, 15, SIZE, SIZE), (ROWS, 4), (ROWS, SIZE * SIZE + 1), (ROWS,)]
    buf = ReplayBuffer(ROWS, data.planes.shape[1:], data.globals.shape[1], data.policy.shape[1])
    buf.add(*data[:4])  # the encoder's planes are 0/1, so the buffer takes them
    np.testing.assert_array_equal(buf.contents().planes, data.planes)


@pytest.mark.parametrize("config", [LearnerConfig(batch_size=ROWS),
                                    LearnerConfig(batch_size=ROWS, optimizer="sgd", lr=0.05, grad_clip=5.0)],
                         ids=["adam", "sgd"])
def test_overfits_a_tiny_fixed_dataset(data, config):
    learn = learner(config)
    first = learn.step(data)
    floor = target_entropy(data)  # the policy cross-entropy cannot fall below the targets' entropy
    history = [first]
    while learn.steps < 300 and history[-1]["total"] > 0.4 * first["total"]:
        history.append(learn.step(data))
    last = history[-1]
    assert all(math.isfinite(v) for stats in history for v in stats.values())
    assert set(first) == {"policy", "value", "total", "policy_entropy", "grad_norm", "lr"}
    assert last["total"] < 0.4 * first["total"], f"total loss {first['total']:.3f} -> {last['total']:.3f}"
    assert learn.steps <= 300
    assert last["total"] == pytest.approx(last["policy"] + last["value"])
    while learn.steps < 300:  # the excess over the floor (KL + value error) nearly vanishes
        last = learn.step(data)
    assert last["policy"] - floor + last["value"] < 0.1 * (first["total"] - floor)
    held = learn.evaluate(data)  # BatchNorm's running statistics have caught up too
    assert held["total"] < 0.5 * first["total"]


def test_step_stats_and_warmup(data):
    learn = learner(LearnerConfig(batch_size=ROWS, lr=0.01, lr_warmup_steps=4, value_weight=0.5))
    stats = [learn.step(data) for _ in range(6)]
    assert [s["lr"] for s in stats] == pytest.approx([0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01])
    s = stats[0]
    assert s["total"] == pytest.approx(s["policy"] + 0.5 * s["value"], rel=1e-5)
    assert 0 < s["policy_entropy"] <= math.log(SIZE * SIZE + 1) + 1e-4
    assert s["grad_norm"] > 0 and 0 <= s["value"] <= 4
    assert learn.steps == 6


def test_grad_clip_reports_the_norm_before_clipping(data):
    a, b = learner(LearnerConfig(batch_size=ROWS)), learner(LearnerConfig(batch_size=ROWS, grad_clip=1e-3))
    sa, sb = a.step(data), b.step(data)
    assert sa["grad_norm"] == pytest.approx(sb["grad_norm"], rel=1e-5) and sb["grad_norm"] > 1e-3
    assert sa["total"] == pytest.approx(sb["total"], rel=1e-6)


def test_state_round_trip_gives_identical_next_steps(data):
    config = LearnerConfig(batch_size=ROWS, lr_warmup_steps=10, grad_clip=2.0)
    learn = learner(config)
    for _ in range(5):
        learn.step(data)
    saved_net = copy.deepcopy(learn.net.state_dict())
    saved = copy.deepcopy(learn.state_dict())
    expected = [learn.step(data) for _ in range(3)]

    resumed = learner(config, seed=123)  # other initial weights: everything must come from the saved state
    resumed.net.load_state_dict(saved_net)
    resumed.load_state_dict(saved)
    assert resumed.steps == 5
    assert [resumed.step(data) for _ in range(3)] == expected
    for p, q in zip(learn.net.parameters(), resumed.net.parameters()):
        assert torch.equal(p, q)


def test_state_of_another_optimizer_is_rejected(data):
    adam = learner(LearnerConfig(batch_size=ROWS))
    adam.step(data)
    with pytest.raises(ValueError, match="optimizer 'adam'.*uses 'sgd'"):
        learner(LearnerConfig(optimizer="sgd")).load_state_dict(adam.state_dict())


def test_non_finite_loss_raises_before_updating(data):
    learn = learner(LearnerConfig(batch_size=ROWS))
    before = copy.deepcopy(learn.net.state_dict())
    bad = data._replace(value=np.full(ROWS, np.nan, np.float32))
    with pytest.raises(FloatingPointError, match="non-finite"):
        learn.step(bad)
    assert learn.steps == 0
    for k, v in learn.net.state_dict().items():
        if not k.endswith(("running_mean", "running_var", "num_batches_tracked")):  # BN stats move in forward
            assert torch.equal(v, before[k]), k


def test_accepts_torch_tensors(data):
    a, b = learner(LearnerConfig(batch_size=ROWS)), learner(LearnerConfig(batch_size=ROWS))
    assert a.step(data) == b.step(Batch(*(torch.from_numpy(x) for x in data[:4])))


@pytest.mark.parametrize(("field", "value"), [
    ("batch_size", 0), ("batch_size", 2.5), ("batch_size", True), ("lr", 0.0), ("lr", float("nan")),
    ("optimizer", "rmsprop"), ("momentum", 1.0), ("momentum", -0.1), ("weight_decay", -1e-4),
    ("value_weight", -1.0), ("score_weight", -0.1), ("ownership_weight", float("inf")),
    ("entropy_weight", -0.5), ("entropy_weight", "high"), ("grad_clip", 0.0), ("grad_clip", "big"),
    ("lr_warmup_steps", -1), ("lr_warmup_steps", 1.5), ("bf16", "yes"),
])
def test_config_validation_names_the_field(field, value):
    with pytest.raises(ValueError, match=f"learner.{field} must be"):
        LearnerConfig(**{field: value})


def test_sgd_needs_momentum():
    with pytest.raises(ValueError, match="learner.momentum must be"):
        LearnerConfig(optimizer="sgd", momentum=0.0)
    LearnerConfig(optimizer="adam", momentum=0.0)  # unused by adam


def test_weight_decay_skips_biases_and_batchnorm():
    learn = learner(LearnerConfig(weight_decay=0.1))
    decayed, plain = learn.optimizer.param_groups
    assert decayed["weight_decay"] == 0.1 and plain["weight_decay"] == 0.0
    assert all(p.ndim > 1 for p in decayed["params"]) and all(p.ndim == 1 for p in plain["params"])
    assert len(decayed["params"]) + len(plain["params"]) == len(list(learn.net.parameters()))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("bf16", [False, True])
def test_cuda_step(data, bf16):
    torch.manual_seed(0)
    learn = Learner(PolicyValueNet(NET), LearnerConfig(batch_size=ROWS, bf16=bf16), device="cuda")
    first = learn.step(data)
    for _ in range(50):
        last = learn.step(data)
    assert all(math.isfinite(v) for v in last.values())
    assert last["total"] < first["total"]


def test_auxiliary_heads_learn_their_targets_and_weigh_in_the_total():
    data = aux_dataset()
    torch.manual_seed(0)
    learn = Learner(PolicyValueNet(AUX_NET), LearnerConfig(batch_size=ROWS, score_weight=0.3, ownership_weight=2.0))
    first = learn.step(data)
    assert {"score", "ownership"} <= set(first)
    assert first["total"] == pytest.approx(first["policy"] + first["value"] + 0.3 * first["score"]
                                           + 2.0 * first["ownership"], rel=1e-5)
    for _ in range(200):
        last = learn.step(data)
    # ownership: a point no one owns keeps a floor of log 2 (the target is 1/2), every other point can reach 0
    floor = math.log(2) * float((data.ownership == 0).mean())
    assert last["ownership"] - floor < 0.25 * (first["ownership"] - floor)
    assert last["score"] < 0.25 * first["score"]


def test_auxiliary_losses_by_hand():
    """The two losses against a numpy computation of the module docstring's formulas, rows without targets left out."""
    data = aux_dataset(seed=1)
    aux = np.ones(ROWS, np.float32)
    aux[::3] = 0
    data = data._replace(aux=aux)
    torch.manual_seed(2)
    learn = Learner(PolicyValueNet(AUX_NET), LearnerConfig(batch_size=ROWS))
    got = learn.evaluate(data)
    with torch.no_grad():
        _, _, score, owner = learn.net.forward_aux(torch.from_numpy(data.planes), torch.from_numpy(data.globals))
    score, owner = score.double().numpy(), owner.double().numpy()
    err = np.abs(score - data.margin / SIZE)
    huber = np.where(err < 1, 0.5 * err ** 2, err - 0.5)
    p = (1 + np.tanh(owner)) / 2
    t = (data.ownership + 1) / 2
    bce = -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(1)
    keep = aux == 1
    assert got["score"] == pytest.approx(huber[keep].mean(), rel=1e-4)
    assert got["ownership"] == pytest.approx(bce[keep].mean(), rel=1e-4)


def test_rows_without_auxiliary_targets_change_nothing():
    """Garbage auxiliary targets on rows marked aux = 0 give the same step as zeros there; a net without the heads
    (or a batch without aux) has neither loss."""
    data = aux_dataset(seed=2)
    aux = np.ones(ROWS, np.float32)
    aux[:10] = 0
    rng = np.random.default_rng(0)
    garbage = data._replace(aux=aux, margin=np.where(aux == 0, rng.normal(0, 50, ROWS), data.margin).astype(np.float32),
                            ownership=np.where(aux[:, None] == 0, -data.ownership, data.ownership))
    clean = data._replace(aux=aux, margin=np.where(aux == 0, 0, data.margin).astype(np.float32))
    results = []
    for batch in (garbage, clean):
        torch.manual_seed(3)
        learn = Learner(PolicyValueNet(AUX_NET), LearnerConfig(batch_size=ROWS))
        results.append([learn.step(batch) for _ in range(3)])
    for a, b in zip(*results):
        assert a == pytest.approx(b, rel=1e-6)
    plain = learner(LearnerConfig(batch_size=ROWS)).step(data)
    assert "score" not in plain and "ownership" not in plain
    torch.manual_seed(0)
    no_aux = Learner(PolicyValueNet(AUX_NET), LearnerConfig(batch_size=ROWS)).step(Batch(*data[:4]))
    assert "score" not in no_aux and "ownership" not in no_aux


# ------------------------------------------------------------------------------------- the KL anchor
def policy_of(net, batch: Batch) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        logits = net.forward_aux(torch.from_numpy(batch.planes), torch.from_numpy(batch.globals))[0]
    return torch.softmax(logits.double(), dim=1).numpy()


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """Mean KL(p || q) over rows, in float64 (0 log 0 = 0)."""
    return float((np.where(p > 0, p * (np.log(np.where(p > 0, p, 1.0)) - np.log(q)), 0.0)).sum(axis=1).mean())


@pytest.mark.parametrize("weight", [0.5, 3.0])
def test_anchor_adds_its_weighted_kl_and_leaves_the_other_losses(data, weight):
    rng = np.random.default_rng(1)
    learn = learner(LearnerConfig())
    anchor_rows = dataset(seed=5)
    probs = rng.dirichlet(np.full(SIZE * SIZE + 1, 0.3), size=ROWS).astype(np.float32)
    plain = learn.evaluate(data)
    anchored = learn.evaluate(data, Anchor(anchor_rows.planes, anchor_rows.globals, probs, weight))
    expected = kl(probs.astype(np.float64), policy_of(learn.net, anchor_rows))
    assert anchored["anchor_kl"] == pytest.approx(expected, rel=1e-4, abs=1e-6)
    for key in ("policy", "value", "policy_entropy"):
        assert anchored[key] == pytest.approx(plain[key], rel=1e-5, abs=1e-6), key
    assert anchored["total"] == pytest.approx(plain["total"] + weight * expected, rel=1e-5)
    own = policy_of(learn.net, anchor_rows).astype(np.float32)
    own /= own.sum(axis=1, keepdims=True)
    assert learn.evaluate(data, Anchor(anchor_rows.planes, anchor_rows.globals, own, weight))["anchor_kl"] \
        == pytest.approx(0.0, abs=1e-5)  # at its own policy the net is where the anchor holds it


def test_anchor_holds_the_policy_near_the_reference_while_the_net_learns(data):
    """Fitting sharp targets moves the policy on other positions too; an anchor on those positions keeps them near
    where they started, and the net still learns its targets."""
    anchor_rows = dataset(seed=7)
    drift, fit = {}, {}
    for weight in (0.0, 5.0):
        learn = learner(LearnerConfig(lr=3e-3, weight_decay=0.0))
        start = policy_of(learn.net, anchor_rows)
        anchor = Anchor(anchor_rows.planes, anchor_rows.globals, start.astype(np.float32), weight)
        for _ in range(150):
            learn.step(data, anchor if weight else None)
        drift[weight] = kl(start, policy_of(learn.net, anchor_rows))
        fit[weight] = learn.evaluate(data)["policy"]
    assert drift[5.0] < drift[0.0] / 3
    assert fit[5.0] < target_entropy(data) + 0.25  # uniform would be log 26 = 3.26 nats


def without_pass(p: np.ndarray) -> np.ndarray:
    """The policies renormalised over the board's points (pass is last)."""
    return p[:, :-1] / p[:, :-1].sum(axis=1, keepdims=True)


def test_a_board_only_anchor_leaves_the_pass_probability_free(data):
    learn = learner(LearnerConfig())
    anchor_rows = dataset(seed=5)
    own = policy_of(learn.net, anchor_rows)
    rng = np.random.default_rng(2)
    moved = own.copy()
    moved[:, -1] = rng.uniform(0.0, 20.0, size=ROWS) * own[:, -1] + rng.uniform(0, 0.5, size=ROWS)  # pass differs
    moved /= moved.sum(axis=1, keepdims=True)
    free = learn.evaluate(data, Anchor(anchor_rows.planes, anchor_rows.globals, moved.astype(np.float32), 1.0, True))
    held = learn.evaluate(data, Anchor(anchor_rows.planes, anchor_rows.globals, moved.astype(np.float32), 1.0))
    assert free["anchor_kl"] == pytest.approx(0.0, abs=1e-5) and held["anchor_kl"] > 1e-3
    probs = rng.dirichlet(np.full(SIZE * SIZE + 1, 0.3), size=ROWS)
    expected = kl(without_pass(probs), without_pass(own))
    got = learn.evaluate(data, Anchor(anchor_rows.planes, anchor_rows.globals, probs.astype(np.float32), 1.0, True))
    assert got["anchor_kl"] == pytest.approx(expected, rel=1e-4, abs=1e-6)


def one_hot_optimum(actions: int, beta: float) -> float:
    """The target move's probability minimising ``-log p_t - beta·H(p)`` over ``actions`` outputs (the others
    share the rest equally), by bisection on the stationarity condition ``1/p = beta·log(p/q)``."""
    lo, hi = 1.0 / actions, 1.0 - 1e-12
    for _ in range(200):
        p = (lo + hi) / 2
        q = (1 - p) / (actions - 1)
        lo, hi = (p, hi) if 1 / p > beta * math.log(p / q) else (lo, p)
    return (lo + hi) / 2


@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_entropy_bonus_keeps_a_one_hot_target_at_its_optimum(data, beta):
    """Trained on one-hot targets, the plain learner drives the target's probability towards 1; with the bonus it
    settles where ``-log p_t - beta·H(p)`` is least, and the total is that loss to the float."""
    targets = np.zeros_like(data.policy)
    targets[np.arange(ROWS), np.argmax(data.policy, axis=1)] = 1
    batch = data._replace(policy=targets)
    target_prob = {}
    for weight in (0.0, beta):
        learn = learner(LearnerConfig(batch_size=ROWS, lr=3e-3, weight_decay=0.0, entropy_weight=weight))
        for _ in range(400):
            learn.step(batch)
        probs = policy_of(learn.net, batch)
        target_prob[weight] = float(probs[np.arange(ROWS), np.argmax(targets, axis=1)].mean())
        held = learn.evaluate(batch)
        assert held["total"] == pytest.approx(held["policy"] + held["value"] - weight * held["policy_entropy"],
                                              rel=1e-5, abs=1e-6)
    assert target_prob[0.0] > 0.97
    assert target_prob[beta] == pytest.approx(one_hot_optimum(SIZE * SIZE + 1, beta), abs=0.03)
