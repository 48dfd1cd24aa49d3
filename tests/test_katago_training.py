"""KataGo's net in training: the exported model file, the learner's view of the net, samples, checkpoints, and the
defence run (``advgo train victim`` with ``defence.init: katanet``).

Everything runs without KataGo: ``tests/katago_models.py`` builds tiny nets of every model version in KataGo's file
format. The exported file is checked against the module it came from, and the learner's outputs against
``KataGoNet``'s (the evaluator that is exact against the real engine, ``test_katanet_exact.py``).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from katago_models import CONFIGS, build, random_inputs

from advgo import GameState, Rules, engine
from advgo.agent_registry import make_agent
from advgo.config import load_config
from advgo.eval.arena import play_match
from advgo.features.katago import GLOBALS, SPATIAL
from advgo.nets.checkpoint import CheckpointError, CheckpointUnreadable
from advgo.nets.katago import KataGoModel, KataGoNet, read_model, write_model
from advgo.nets.katago.checkpoint import load_katago_checkpoint, save_katago_checkpoint
from advgo.nets.katago.trainable import KataGoSamples, KataGoTrainable
from advgo.runlog import read_scalars
from advgo.sgf import save_sgf
from advgo.training.actors import GameActor, cpu_state_dict
from advgo.training.katago_defence import MODEL_FILE, KataGoDefenceTrainer, katago_model_of
from advgo.training.learner import Learner, LearnerConfig
from advgo.training.replay import ReplayBuffer
from advgo.training.victim_config import VictimRunConfig
from advgo.training.victim_trainers import make_victim_trainer

ROOT = Path(__file__).resolve().parents[1]
SIZE = 7


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("katago-train") / "tiny-v15.bin.gz"
    write_model(build("v15-transformer", seed=5, name="tiny-v15"), path)
    return path


def perturb(net: KataGoTrainable, scale: float, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.model.parameters():
            if p.requires_grad:
                p.add_(scale * torch.randn(p.shape, generator=gen))


def outputs(model: KataGoModel, spatial: np.ndarray, globals_: np.ndarray) -> list[torch.Tensor]:
    with torch.no_grad():
        return [x.float() for x in model(torch.from_numpy(spatial), torch.from_numpy(globals_))]


def close(a: list[torch.Tensor], b: list[torch.Tensor], rel: float) -> bool:
    return all(float((x - y).abs().max()) <= rel * (1.0 + float(x.abs().max())) for x, y in zip(a, b, strict=True))


# ---------------------------------------------------------------------------------------------- export
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_export_writes_the_trained_weights(name, tmp_path):
    """Every model version: after the weights move, the written file computes what the module computes (and not
    what the file it started from computes)."""
    desc = build(name, seed=2)
    net = KataGoTrainable(desc)
    frozen = {k: p.detach().clone() for k, p in net.model.named_parameters() if not p.requires_grad}
    perturb(net, 0.05, seed=len(name))
    path = net.export(tmp_path / "trained.bin.gz", name="trained")
    back = read_model(path)
    assert back.name == "trained" and back.version == desc.version
    spatial, globals_ = random_inputs(np.random.default_rng(0), 6, 9)
    trained, original = outputs(net.model, spatial, globals_), outputs(KataGoModel(desc), spatial, globals_)
    assert close(outputs(KataGoModel(back), spatial, globals_), trained, 1e-5)
    assert not close(original, trained, 1e-3)
    for key, value in frozen.items():  # learned rotary frequencies are constants of the net
        assert torch.equal(dict(net.model.named_parameters())[key], value)


def test_untrained_export_is_the_same_net(tiny_model, tmp_path):
    desc = read_model(tiny_model)
    path = KataGoTrainable(desc).export(tmp_path / "same.bin.gz")
    spatial, globals_ = random_inputs(np.random.default_rng(1), 5, 7)
    assert close(outputs(KataGoModel(read_model(path)), spatial, globals_), outputs(KataGoModel(desc), spatial,
                                                                                     globals_), 1e-6)


def test_trainable_copy_does_not_share_the_files_arrays(tiny_model):
    desc = read_model(tiny_model)
    before = copy.deepcopy(desc)
    net = KataGoTrainable(desc)
    perturb(net, 1.0, seed=0)
    spatial, globals_ = random_inputs(np.random.default_rng(2), 3, 7)
    assert close(outputs(KataGoModel(desc), spatial, globals_), outputs(KataGoModel(before), spatial, globals_), 0)


# ---------------------------------------------------------------------------------------------- the learner's view
def random_positions(rng: np.random.Generator, rules: Rules, count: int) -> engine.Boards:
    """``count`` positions from random games (passes included), in one batch of engine boards."""
    boards = engine.new_boards(count, SIZE, 200)
    for b in range(count):
        state = GameState.new(SIZE, rules)
        for _ in range(int(rng.integers(0, 40))):
            if state.is_over:
                break
            legal = state.legal_actions()
            state = state.play(SIZE * SIZE if rng.random() < 0.1 else int(rng.choice(legal)))
        if state.is_over:
            state = GameState.new(SIZE, rules)
        engine.copy_game(state.engine_boards, 0, boards, b)
    return boards


@pytest.mark.parametrize("rules", [Rules.tromp_taylor(7.5), Rules(komi=6.5, ko="simple")])
def test_learner_outputs_are_what_the_evaluator_plays(tiny_model, rules):
    """Softmax of the trainable net's logits over the legal moves = ``KataGoNet``'s priors, and its value =
    ``KataGoNet``'s ``win - loss`` (no-result impossible under superko), on positions from random games."""
    boards = random_positions(np.random.default_rng(3), rules, 24)
    evaluator = KataGoNet(tiny_model, rules=rules)
    out = evaluator.evaluate_full(boards, 24, rules.komi)
    net = KataGoTrainable(read_model(tiny_model), simple_ko=rules.ko == "simple")
    planes, globals_ = KataGoSamples(evaluator.encoder)(boards, 24, rules.komi)
    with torch.no_grad():
        logits, value, _ = net(torch.from_numpy(planes.astype(np.float32)), torch.from_numpy(globals_))
    legal = torch.from_numpy(evaluator.encoder.legal(24).copy())
    priors = torch.softmax(logits.masked_fill(~legal, float("-inf")), dim=1)
    assert np.allclose(priors.numpy(), out.priors, atol=1e-5)
    assert np.allclose(value.numpy(), out.value, atol=1e-5)


def test_samples_are_the_evaluators_binary_features(tiny_model):
    rules = Rules.tromp_taylor(7.5)
    boards = random_positions(np.random.default_rng(4), rules, 16)
    evaluator = KataGoNet(tiny_model, rules=rules, passing_hacks=True)
    samples = KataGoSamples(evaluator.encoder)
    planes, globals_ = samples(boards, 16, 7.5)
    want_planes, want_globals = evaluator.encoder.encode(boards, 16, 7.5)
    assert planes.shape == (16, SPATIAL, SIZE, SIZE) and samples.planes(SIZE) == (SPATIAL, SIZE, SIZE)
    assert np.array_equal(planes, want_planes[:, :SPATIAL]) and np.array_equal(globals_, want_globals)
    assert set(np.unique(planes)) <= {0.0, 1.0}  # the replay buffer stores them as bits
    buffer = ReplayBuffer(64, (SPATIAL, SIZE, SIZE), GLOBALS, SIZE * SIZE + 1)
    policy = np.full((16, SIZE * SIZE + 1), 1.0 / (SIZE * SIZE + 1), np.float32)
    buffer.add(planes.astype(np.uint8), globals_, policy, np.zeros(16, np.float32))
    stored = buffer.contents()
    assert np.array_equal(stored.planes, planes) and np.array_equal(stored.globals, globals_)


def test_learner_moves_the_played_policy_and_value_towards_their_targets(tiny_model):
    rules = Rules.tromp_taylor(7.5)
    boards = random_positions(np.random.default_rng(5), rules, 32)
    evaluator = KataGoNet(tiny_model, rules=rules)
    planes, globals_ = (x.copy() for x in KataGoSamples(evaluator.encoder)(boards, 32, 7.5))
    target = np.zeros((32, SIZE * SIZE + 1), np.float32)
    target[:, -1] = 1.0  # pass everywhere
    outcome = np.ones(32, np.float32)
    net = KataGoTrainable(read_model(tiny_model))
    learner = Learner(net, LearnerConfig(batch_size=32, lr=3e-3, weight_decay=0.0))
    batch = (planes.astype(np.float32), globals_, target, outcome)
    before = learner.evaluate(batch)
    for _ in range(30):
        learner.step(batch)
    after = learner.evaluate(batch)
    assert after["policy"] < 0.5 * before["policy"] and after["value"] < 0.5 * before["value"]
    evaluator2 = KataGoNet(net.inference_copy(), rules=rules)
    passing = evaluator.evaluate_full(boards, 32, 7.5).priors[:, -1].mean()
    assert evaluator2.evaluate_full(boards, 32, 7.5).priors[:, -1].mean() > 5 * passing


def test_evaluator_on_a_module_reloads_weights(tiny_model):
    rules = Rules.tromp_taylor(7.5)
    boards = random_positions(np.random.default_rng(6), rules, 8)
    net = KataGoTrainable(read_model(tiny_model))
    evaluator = KataGoNet(net.inference_copy(), rules=rules)
    first = evaluator.evaluate_full(boards, 8, 7.5).priors
    perturb(net, 0.2, seed=1)
    assert np.array_equal(evaluator.evaluate_full(boards, 8, 7.5).priors, first)  # a frozen copy
    evaluator.load_weights(net.model)
    assert not np.allclose(evaluator.evaluate_full(boards, 8, 7.5).priors, first, atol=1e-4)
    with pytest.raises(ValueError, match="shared, not loaded"):
        KataGoNet(tiny_model).load_weights(net.model)


# ---------------------------------------------------------------------------------------------- checkpoints
def test_checkpoint_round_trip_and_errors(tiny_model, tmp_path):
    net = KataGoTrainable(read_model(tiny_model), simple_ko=True)
    perturb(net, 0.1, seed=2)
    path = save_katago_checkpoint(tmp_path / "ckpt-000000007.pt", net=net, model_file=tiny_model, board_size=9,
                                  step=7, extra={"k": 1})
    ckpt = load_katago_checkpoint(path, expect_board_size=9)
    assert (ckpt.step, ckpt.extra, ckpt.board_size, ckpt.net.simple_ko) == (7, {"k": 1}, 9, True)
    spatial, globals_ = random_inputs(np.random.default_rng(3), 4, 9)
    assert close(outputs(ckpt.net.model, spatial, globals_), outputs(net.model, spatial, globals_), 0)
    with pytest.raises(CheckpointError, match="for 9x9 boards"):
        load_katago_checkpoint(path, expect_board_size=7)
    other = tmp_path / "other.bin.gz"
    write_model(build("v8-res", seed=0, name="other"), other)
    moved = save_katago_checkpoint(tmp_path / "moved.pt", net=net, model_file=other, board_size=9)
    with pytest.raises(CheckpointError, match="trained from tiny-v15"):
        load_katago_checkpoint(moved)
    (tmp_path / "torn.pt").write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointUnreadable):
        load_katago_checkpoint(tmp_path / "torn.pt")


def test_katago_model_of(tiny_model, tmp_path):
    assert katago_model_of(f"katanet:model={tiny_model}") == tiny_model
    assert katago_model_of(str(tiny_model)) == tiny_model
    assert katago_model_of("cp2") is None and katago_model_of("net:runs/x/ckpt-000000040.pt") is None
    with pytest.raises(ValueError, match="only model= applies"):
        katago_model_of(f"katanet:model={tiny_model}:visits=4")
    with pytest.raises(ValueError, match="no KataGo model file"):
        katago_model_of(str(tmp_path / "absent.bin.gz"))


# ---------------------------------------------------------------------------------------------- the defence run
def write_lost_games(folder: Path, rules: Rules, games: int = 8) -> None:
    """An adversary run's ``sgf/`` on 7x7 where the victim (``katanet@1``) passes early and loses: the pass attack."""
    rng = np.random.default_rng(9)
    (folder / "sgf").mkdir(parents=True)
    for i in range(1, games + 1):
        state = GameState.new(SIZE, rules)
        victim = 1 if i % 2 else -1
        while not state.is_over:
            if state.to_play == victim:
                move = SIZE * SIZE if state.move_number >= 6 else int(rng.choice(state.legal_actions()))
            else:  # the adversary plays on until the victim passes, then passes back if it is ahead
                ahead = state.score() * -victim > 0
                last_pass = bool(state.moves) and state.moves[-1] == SIZE * SIZE
                move = SIZE * SIZE if last_pass and ahead else int(rng.choice(state.legal_actions()))
            state = state.play(move)
            if state.move_number > 60:
                break
        adversary = "adversary step 3 (A-MCTS-S, 8 visits)"
        black, white = ("katanet@1", adversary) if victim == 1 else (adversary, "katanet@1")
        save_sgf(folder / "sgf" / f"game-{i:07d}.sgf", state, black=black, white=white)


def defence_config(model: Path, adversary: Path, *overrides: str) -> VictimRunConfig:
    return load_config(VictimRunConfig, ROOT / "configs" / "defence-katago-9x9.yaml", [
        f"defence.init=katanet:model={model}", f"defence.adversarial=[{adversary}]", "defence.katago_dtype=fp32",
        "defence.newest_games=0", f"game.board_size={SIZE}", "game.komi=0.5", "threads=1",
        "selfplay.games=4", "selfplay.full_visits=4", "selfplay.fast_visits=2", "selfplay.max_moves=40",
        "replay.min_samples=16", "learner.batch_size=16", "learner.lr=0.001", "schedule.total_steps=4",
        "schedule.games_per_iteration=4", "schedule.steps_per_iteration=2", "schedule.checkpoint_every=2",
        "schedule.milestone_every=2", "schedule.eval_every=4", "schedule.eval_games=2", *overrides])


def test_defence_of_a_katago_net_runs_exports_and_resumes(tiny_model, tmp_path):
    rules = Rules.tromp_taylor(0.5)
    adversary = tmp_path / "adversary"
    write_lost_games(adversary, rules)
    run = tmp_path / "defence"
    trainer = make_victim_trainer(defence_config(tiny_model, adversary), run)
    assert isinstance(trainer, KataGoDefenceTrainer)
    assert trainer.report.lost > 0 and trainer.selfplay.sampler is not None
    trainer.run()
    assert trainer.step == 4
    exported = run / MODEL_FILE
    milestones = sorted(p.name for p in (run / "milestones").iterdir())
    assert milestones == ["model-000000002.bin.gz", "model-000000002.json",  # no checkpoint copies
                          "model-000000004.bin.gz", "model-000000004.json"]
    meta = json.loads((run / "milestones" / "model-000000004.json").read_text())  # the zoo's training record
    assert meta["step"] == 4 and meta["counters"]["games"] == trainer.counters.games > 0 and meta["hardware"]
    spatial, globals_ = random_inputs(np.random.default_rng(7), 4, SIZE)
    assert close(outputs(KataGoModel(read_model(exported)), spatial, globals_), outputs(trainer.net.model, spatial,
                                                                                         globals_), 1e-5)
    assert not close(outputs(KataGoModel(read_model(tiny_model)), spatial, globals_),
                     outputs(trainer.net.model, spatial, globals_), 1e-4)
    tags = {row["tag"] for row in read_scalars(run)}
    assert {"losses/policy", "eval/vs_previous/win_rate", "defence/games_from_positions"} <= tags
    # the defended net plays wherever a victim does
    agent = make_agent(f"katanet:model={exported}", rules=rules)
    result = play_match(agent, make_agent("random", seed=1), SIZE, 2, rules)
    assert result.games == 2
    # resume: the run's own weights and step, not the base file's
    again = make_victim_trainer(defence_config(tiny_model, adversary, "schedule.total_steps=6"), run, resume=True)
    assert again.step == 4
    assert close(outputs(again.net.model, spatial, globals_), outputs(trainer.net.model, spatial, globals_), 0)
    again.run()
    assert again.step == 6
    extra = load_katago_checkpoint(run / "checkpoints" / "ckpt-000000006.pt").extra
    assert extra["defence"]["init_checkpoint"]["model_name"] == "tiny-v15"


def test_an_actor_plays_the_katago_defence(tiny_model, tmp_path):
    """The KataGo defence on Ray actors (scale.workers >= 2), one actor in this process: it builds a KataGo net of
    the model's architecture, loads the trained net's weights as published, stores KataGo's features, and carries
    the games' starts."""
    write_lost_games(tmp_path / "adversary", Rules.tromp_taylor(0.5))
    trainer = make_victim_trainer(defence_config(tiny_model, tmp_path / "adversary", "scale.workers=2",
                                                 "defence.fraction=1.0"), tmp_path / "r")
    perturb(trainer.net, 0.05, seed=1)  # weights unlike the file's: the actor must load them
    games = pickle.loads(pickle.dumps(trainer._actor_games()))
    assert not games.servable and len(games.lost) == trainer.report.lost > 0
    actor = GameActor(games, 0, seed=2)
    assert isinstance(actor.evaluator, KataGoNet)
    chunk = actor.play_chunk((1, cpu_state_dict(trainer._played_net())), 0, min_games=2)
    assert chunk.games and all(g.start_color for g in chunk.games)
    spatial, globals_ = random_inputs(np.random.default_rng(3), 4, SIZE)
    assert close(outputs(actor.evaluator.net, spatial, globals_), outputs(trainer.net.model, spatial, globals_), 1e-6)
    planes = [g.planes for g in chunk.games if len(g.value)]
    assert planes and all(p.shape[1:] == (SPATIAL, SIZE, SIZE) for p in planes)


def test_an_anchored_katago_defence_holds_to_the_model_file(tiny_model, tmp_path):
    """``defence.anchor`` on a KataGo net: the reference is the model file's net, its policy is what the learner is
    held near (the KL of the trained net to it is what the run logs), and it never trains."""
    write_lost_games(tmp_path / "adversary", Rules.tromp_taylor(0.5))
    trainer = make_victim_trainer(defence_config(tiny_model, tmp_path / "adversary", "defence.anchor=1.0",
                                                 "defence.fraction=0.5"), tmp_path / "r")
    spatial, globals_ = random_inputs(np.random.default_rng(4), 4, SIZE)
    base = outputs(KataGoModel(read_model(tiny_model)), spatial, globals_)
    assert close(outputs(trainer.reference.model, spatial, globals_), base, 0)
    trainer.run()
    assert trainer.step == 4 and len(trainer.anchor_rows) > 0
    assert close(outputs(trainer.reference.model, spatial, globals_), base, 0)
    assert "losses/anchor_kl" in {row["tag"] for row in read_scalars(tmp_path / "r")}
    anchor = trainer._anchor()
    with torch.no_grad():
        logits = trainer.reference.forward_aux(anchor.planes, anchor.globals)[0]
    assert torch.allclose(anchor.probs, torch.softmax(logits, dim=1))


def test_a_katago_defence_anchored_to_another_model_file(tiny_model, tmp_path):
    """``defence.anchor_to``: the reference is that model file's net, not the one the run fine-tunes; a model of
    another architecture or a spec that is no KataGo net is refused."""
    write_lost_games(tmp_path / "adversary", Rules.tromp_taylor(0.5))
    other = KataGoTrainable(read_model(tiny_model))
    perturb(other, 0.05, seed=3)
    other.export(tmp_path / "other.bin.gz")
    trainer = make_victim_trainer(defence_config(tiny_model, tmp_path / "adversary", "defence.anchor=1.0",
                                                 f"defence.anchor_to=katanet:model={tmp_path / 'other.bin.gz'}"),
                                  tmp_path / "r")
    spatial, globals_ = random_inputs(np.random.default_rng(4), 4, SIZE)
    assert close(outputs(trainer.reference.model, spatial, globals_),
                 outputs(KataGoModel(read_model(tmp_path / "other.bin.gz")), spatial, globals_), 0)
    assert not close(outputs(trainer.reference.model, spatial, globals_), outputs(trainer.net.model, spatial,
                                                                                   globals_), 1e-4)
    write_model(build("v8-res", seed=1, name="other-arch"), tmp_path / "arch.bin.gz")
    for spec, message in ((f"katanet:model={tmp_path / 'arch.bin.gz'}", "not a net of defence.init's architecture"),
                          ("zoo:cp1", "does not name a KataGo net")):
        with pytest.raises(ValueError, match=message):
            make_victim_trainer(defence_config(tiny_model, tmp_path / "adversary", "defence.anchor=1.0",
                                               f"defence.anchor_to={spec}"), tmp_path / f"r-{len(message)}")




# ---------------------------------------------------------------------------------------------- in the zoo
def test_a_katago_net_in_the_zoo(tiny_model, tmp_path, monkeypatch):
    """``advgo zoo build`` takes a KataGo defence's milestone (model file and its record) into the user zoo; as
    ``zoo:NAME`` it then plays, is modelled and is measured as ``katanet:model=<its file>`` is, named by its zoo
    name, and a defence can start from it; what only our nets can do says so."""
    from typer.testing import CliRunner

    from advgo import zoo
    from advgo.cli import app
    from advgo.eval.zoo_strength import vs_random
    from advgo.victims import KataNetVictim, resolve_victim

    monkeypatch.setenv("ADVGO_HOME", str(tmp_path / "home"))
    run = tmp_path / "defence-run"
    (run / "milestones").mkdir(parents=True)
    (run / "config.yaml").write_text(f"game: {{board_size: {SIZE}, rules: tromp-taylor, komi: 0.5}}\n")
    (run / "milestones" / "model-000000002.bin.gz").write_bytes(tiny_model.read_bytes())
    (run / "milestones" / "model-000000002.json").write_text(json.dumps(
        {"step": 2, "counters": {"games": 5, "samples": 40, "evaluations": 900, "wall_seconds": 72.0},
         "hardware": "a test CPU"}))
    runner = CliRunner()
    missing = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", "4", "--names", "x"])
    assert missing.exit_code == 2 and "at step 4" in missing.output
    built = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", "2", "--names", "tiny-def", "--append"])
    assert built.exit_code == 0, built.output
    entry = zoo.get("tiny-def")
    assert entry.kind == "katago" and entry.board_size == SIZE and entry.net_size.startswith("b")
    assert entry.training == {"run": "defence-run", "step": 2, "games": 5, "samples": 40, "evaluations": 900,
                              "wall_hours": 0.02, "hardware": "a test CPU", "model_name": "tiny-v15"}
    assert entry.path.read_bytes() == tiny_model.read_bytes() and str(tmp_path / "home") in str(entry.path)
    assert [e.name for e in zoo.entries()][-1] == "tiny-def" and "cp1" in {e.name for e in zoo.entries()}
    listed = runner.invoke(app, ["zoo", "list"])
    assert listed.exit_code == 0 and "tiny-def" in listed.output
    # a victim as katanet plays it, under its zoo name
    victim = resolve_victim("zoo:tiny-def", 1, board_size=SIZE)
    assert isinstance(victim, KataNetVictim) and victim.label == "tiny-def@1" and victim.model == entry.path
    rules = Rules.tromp_taylor(0.5)
    same = [play_match(make_agent(spec, rules=rules), make_agent("random", seed=3), SIZE, 2, rules)
            for spec in ("zoo:tiny-def", f"katanet:model={entry.path}")]
    assert same[0].lengths == same[1].lengths and same[0].wins == same[1].wins
    assert vs_random("tiny-def", 2)["games"] == 2
    # a defence can start from it; an adversary, the round robin's nets and other sizes cannot
    assert katago_model_of("zoo:tiny-def") == entry.path and katago_model_of("tiny-def") == entry.path
    assert katago_model_of("cp2") is None
    with pytest.raises(ValueError, match="is a KataGo net"):
        zoo.load_net("tiny-def")
    with pytest.raises(ValueError, match="7x7 to 19x19"):
        resolve_victim("tiny-def", 1, board_size=5)
    # a run stopped between milestones: its newest checkpoint's step is the model file beside it, with its cost
    net = KataGoTrainable(read_model(tiny_model))
    perturb(net, 0.05, seed=4)
    net.export(run / MODEL_FILE, name="tiny-v15-s3")
    save_katago_checkpoint(run / "checkpoints" / "ckpt-000000003.pt", net=net, model_file=tiny_model, board_size=SIZE,
                           step=3, extra={"counters": {"games": 7, "wall_seconds": 36.0}, "hardware": "a test CPU"})
    built = runner.invoke(app, ["zoo", "build", "--run", str(run), "--steps", "3", "--names", "tiny-s3", "--append"])
    assert built.exit_code == 0, built.output
    s3 = zoo.get("tiny-s3")
    assert s3.path.read_bytes() == (run / MODEL_FILE).read_bytes() and s3.training["model_name"] == "tiny-v15-s3"
    assert (s3.training["step"], s3.training["games"], s3.training["wall_hours"]) == (3, 7, 0.01)
