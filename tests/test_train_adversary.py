"""Victims, victim-play and adversary training end to end on 5x5 victims trained by the tiny victim config."""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from advgo import Rules, engine, zoo
from advgo.agents import Agent
from advgo.config import load_config
from advgo.features import FEATURES, encode_batch
from advgo.nets import TorchEvaluator, latest_checkpoint, load_checkpoint
from advgo.runlog import read_scalars
from advgo.search import SearchConfig, SearchEvaluator
from advgo.sgf import load_sgf, read_sgf
from advgo.training.adversary import AdversaryTrainer
from advgo.training.adversary_config import AdversaryRunConfig
from advgo.training.adversary_eval import curriculum_victims, evaluate_adversary
from advgo.training.trainer import CHECKPOINTS
from advgo.training.victimplay import ColorBalance, VictimPlay, VictimPlayConfig, value_target
from advgo.victims import HardenedAgent, resolve_victim

ROOT = Path(__file__).resolve().parents[1]
TINY_VICTIM = ROOT / "configs" / "victim-tiny.yaml"
TINY = ROOT / "configs" / "adversary-tiny.yaml"
RULES = Rules.tromp_taylor(0.5)


@pytest.fixture(scope="module")
def victims(tiny_victims):
    return tiny_victims


def tiny(victims, *overrides):
    sets = [f"curriculum.entries[{i}].victim={v}" for i, v in enumerate(victims)]
    return load_config(AdversaryRunConfig, TINY, [*sets, *overrides])


def adversary_evaluator(seed=0):
    import torch

    from advgo.nets import NetConfig, PolicyValueNet

    torch.manual_seed(seed)
    net = PolicyValueNet(NetConfig(board_size=5, blocks=1, channels=8, global_pool=False)).eval()
    return TorchEvaluator(net, symmetry="none", rules=RULES)


# ---------------------------------------------------------------------------------------------- victims
def test_victim_specs_and_their_errors(victims):
    v = resolve_victim(victims[0], 4)
    assert v.label == "ckpt-000000020@4" and v.board_size == 5
    assert v.agent(RULES).name == "ckpt-000000020@4"
    assert isinstance(v.policy("R", RULES), SearchEvaluator) and v.policy("plain", RULES) is None
    assert v.policy("S++", RULES).symmetry == "average" and v.policy("S", RULES).symmetry == "none"
    with pytest.raises(ValueError, match="unknown victim 'nobody'"):
        resolve_victim("nobody")
    with pytest.raises(ValueError, match="no checkpoint file"):
        resolve_victim("missing/ckpt.pt")
    with pytest.raises(Exception, match="board"):
        resolve_victim(victims[0], 1, board_size=9)
    with pytest.raises(ValueError, match="mode"):
        v.policy("Q", RULES)


def test_r_mode_priors_are_the_victims_search(victims):
    v = resolve_victim(victims[1], 8)
    boards = engine.new_boards(2, 5, 60)
    engine.play_batch(boards, RULES.codes(59), np.array([12, 6]))
    priors = np.zeros((2, 26), np.float32)
    values = np.zeros(2, np.float32)
    v.policy("R", RULES).evaluate(boards, 2, RULES.komi, priors, values)
    from advgo.search import BatchedMCTS

    direct = BatchedMCTS(TorchEvaluator(v.net, symmetry="none", rules=RULES), 5, 2, RULES.codes(engine.NO_CAP),
                         SearchConfig(visits=8)).search(boards)
    counts = direct.visit_counts.astype(np.float32)
    assert np.allclose(priors, counts / counts.sum(axis=1, keepdims=True))


class Passer(Agent):
    """A victim that always passes (on 5x5)."""

    name = "passer"

    def start(self, size, rules, batch):
        pass

    def select(self, boards, games):
        return np.full(len(games), 25)


def test_hardened_victim_does_not_pass_with_moves_left(victims):
    v = resolve_victim(victims[0])
    agent = HardenedAgent(Passer(), v.policy("S", RULES))
    agent.start(5, RULES, 1)
    boards = engine.new_boards(1, 5, 60)
    move = agent.select(boards, np.array([0]))[0]
    assert move != 25 and agent.overrides == 1


@pytest.mark.parametrize("hardening", [True, False])
def test_evaluation_plays_the_victim_hardened_when_asked(victims, monkeypatch, hardening):
    """A victim that always passes: with ``evaluation.hardened`` the run's evaluation lets it pass only where it has
    no legal move outside its own pass-alive territory (checked on every victim move, replayed); without, it passes
    every time (standard passing, as the paper evaluated), whatever the run trained against, and the log says so."""
    from advgo.passalive import pass_alive_territory
    from advgo.training.adversary_eval import passing_note

    cfg = tiny(victims, f"evaluation.hardened={str(hardening).lower()}", "victimplay.hardening=true")
    victim = resolve_victim(victims[0])
    assert passing_note(cfg, victim) == (" (hardened)" if hardening else " (standard passing; trained hardened)")
    assert passing_note(tiny(victims), victim) == ""
    monkeypatch.setattr(victim, "agent", lambda rules, **kw: Passer())
    games = evaluate_adversary(adversary_evaluator(), victim, cfg, 4, np.random.default_rng(0))
    assert len(games) == 4
    codes = RULES.codes(125)  # 5·N²: every game fits
    mask = np.zeros((1, 26), np.bool_)
    moved = 0
    for g in games:
        boards = engine.new_boards(1, 5, 126)
        for move in g.moves:
            if boards.to_play[0] == -g.adversary_color:  # the victim's move
                w = boards.width
                stones = boards.stones[0].reshape(w, w)[1:-1, 1:-1]
                engine.legal_masks(boards, codes, mask)
                allowed = mask[0, :-1] & ~pass_alive_territory(stones, int(boards.to_play[0])).reshape(-1)
                if hardening:
                    assert (move == 25) == (not allowed.any())
                    moved += move != 25
                else:
                    assert move == 25
            engine.play_batch(boards, codes, np.array([move]))
    assert (moved > 0) == hardening


# ---------------------------------------------------------------------------------------------- victim-play
@pytest.mark.parametrize("mode", ["S", "S++", "R", "plain"])
def test_only_the_adversarys_positions_become_samples(victims, mode):
    """Replaying each game, the samples are exactly the adversary-to-move positions, with its outcome as value."""
    cfg = VictimPlayConfig(games=4, full_visits=6, fast_visits=6, full_search_prob=1.0, amcts=mode)
    victim = resolve_victim(victims[1], 2 if mode == "R" else 1)
    play = VictimPlay(adversary_evaluator(), victim, 5, RULES, SearchConfig(), cfg, np.random.default_rng(0))
    games = []
    while len(games) < 6:
        games += play.step()
    colours = {g.adversary_color for g in games}
    assert colours == {1, -1}
    codes = RULES.codes(play.max_moves)  # 5·N² = 125: a game can outlast 50 moves
    planes = np.zeros((1, FEATURES.planes, 5, 5), np.float32)
    globals_ = np.zeros((1, FEATURES.globals), np.float32)
    for g in games:
        boards = engine.new_boards(1, 5, play.max_moves + 1)
        expected = []
        for move in g.moves:
            if boards.to_play[0] == g.adversary_color:
                encode_batch(boards, 1, codes.komi, planes, globals_, codes)
                expected.append(planes[0].astype(np.uint8))
            engine.play_batch(boards, codes, np.array([move]))
        assert len(expected) == g.adversary_moves == len(g.value)
        assert np.array_equal(np.stack(expected), g.planes)
        assert np.allclose(g.policy.sum(axis=1), 1.0)
        assert (g.value == np.sign(g.margin)).all()  # capped games are learned as they stand
        # auxiliary targets: the final board's area and score, from the adversary's side, on every row
        assert (g.ownership == engine.area_maps(boards)[0] * g.adversary_color).all()
        assert (g.margins == g.margin).all()
        assert g.adversary_won == (g.margin > 0 and g.end_reason != "move_cap")


def test_evaluation_plays_each_game_once_with_alternating_colours(victims):
    cfg = tiny(victims)
    games = evaluate_adversary(adversary_evaluator(), resolve_victim(victims[0]), cfg, 6, np.random.default_rng(1))
    assert len(games) == 6
    assert sorted(g.adversary_color for g in games) == [-1, -1, -1, 1, 1, 1]
    assert all(len(g.value) == 0 for g in games)  # evaluation writes no samples


# ---------------------------------------------------------------------------------------------- training
def test_tiny_run_logs_curriculum_sgf_and_checkpoints(victims, tmp_path):
    run = tmp_path / "run"
    AdversaryTrainer(tiny(victims, "curriculum.entries[0].threshold=0.0", "curriculum.min_games=4"), run).run()
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    for tag in ("curriculum/stage", "losses/total", "game/length", "game/adversary_pass_rate", "game/score_margin",
                "perf/games_per_s", "perf/evals_per_s", "victim/ckpt-000000020@1/win_rate",
                "victim/ckpt-000000020@1/win_rate_as_black", "victim/ckpt-000000020@1/win_rate_as_white",
                "eval/ckpt-000000020@1/win_rate", "eval/ckpt-000000040@4/win_rate_low",
                "eval/ckpt-000000040@4/capped_rate"):
        assert tag in tags, tag
    assert {"hparams/config", "curriculum/victim", "eval/counting"} <= set(acc.Tags()["tensors"])
    counting = acc.Tensors("eval/counting")[0].tensor_proto.string_val[0].decode()
    assert "non-win for both sides" in counting and "move cap 125 moves" in counting  # the rule, 5·N² on 5x5
    sgfs = sorted((run / "sgf").glob("*.sgf"))
    assert sgfs
    record = read_sgf(sgfs[0].read_bytes())
    players = record.player_black + record.player_white
    assert "adversary" in players and "A-MCTS-S, 8 visits" in players and "ckpt-000000020@1" in players
    assert record.rules == RULES and record.result
    assert "A-MCTS mode S" in record.comments[0] and "visits" in record.comments[2 if "adversary" in record.player_white else 1]
    assert load_sgf(sgfs[-1]).is_over
    ckpt = load_checkpoint(latest_checkpoint(run / CHECKPOINTS))
    assert ckpt.step == 40 and "curriculum" in ckpt.extra
    counters = ckpt.extra["counters"]
    assert counters["games"] > 0 and counters["evaluations"] > 0 and counters["victim_evaluations"] > 0


def test_resume_continues_at_the_same_stage(victims, tmp_path):
    run = tmp_path / "run"
    first = AdversaryTrainer(tiny(victims, "curriculum.entries[0].threshold=0.0", "curriculum.min_games=1",
                                  "curriculum.window=1"), run)
    first.run()
    saved = load_checkpoint(latest_checkpoint(run / CHECKPOINTS)).extra["curriculum"]
    again = AdversaryTrainer(tiny(victims, "curriculum.entries[0].threshold=0.0", "curriculum.min_games=1",
                                  "curriculum.window=1", "schedule.total_steps=60"), run, resume=True)
    assert again.curriculum.state_dict() == saved
    assert again.play.victim.label == again.curriculum.entry.label
    for color in (1, -1):  # the colour balance starts from the games the checkpoint remembers
        kept = [won for won, c in zip(saved["recent"], saved["colors"]) if c == color]
        assert list(again.play.balance.results[color]) == kept[-again.cfg.victimplay.balance_window:]
    assert sum(len(r) for r in again.play.balance.results.values()) == len(saved["recent"]) > 0
    again.run()
    stages = [r["value"] for r in read_scalars(run / "scalars.jsonl") if r["tag"] == "curriculum/stage"]
    assert stages == sorted(stages)


def test_resume_after_a_kill_keeps_every_sgf_and_numbers_on(victims, tmp_path):
    """A run killed after its last checkpoint has written SGFs of games the checkpoint does not know; the resumed run
    keeps them as they are and numbers its own games after them: nothing is replaced."""
    run = tmp_path / "run"
    AdversaryTrainer(tiny(victims), run).run()  # checkpoints at steps 20 and 40
    latest_checkpoint(run / CHECKPOINTS).unlink()  # as if killed between step 20 and the checkpoint at 40
    before = {p.name: p.read_bytes() for p in (run / "sgf").glob("*.sgf")}
    known = load_checkpoint(latest_checkpoint(run / CHECKPOINTS)).extra["counters"]["games"]
    assert len(before) > known  # the killed run's SGFs past the checkpoint
    again = AdversaryTrainer(tiny(victims), run, resume=True)
    again.run()
    after = {p.name: p.read_bytes() for p in (run / "sgf").glob("*.sgf")}
    assert all(after[name] == data for name, data in before.items())  # nothing replaced
    numbers = sorted(int(name[5:12]) for name in after)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > len(before)  # one numbering, no gaps
    first_new = read_sgf(after[f"game-{len(before) + 1:07d}.sgf"])
    assert f"game {len(before) + 1}:" in first_new.comments[0]


def test_warm_start_loads_the_weights(victims, tmp_path, monkeypatch):
    run = tmp_path / "run"
    AdversaryTrainer(tiny(victims, "schedule.total_steps=20"), run).run()
    path = latest_checkpoint(run / CHECKPOINTS)
    warm = AdversaryTrainer(tiny(victims), tmp_path / "warm", init=str(path))
    source = load_checkpoint(path).net.state_dict()
    for k, t in warm.net.state_dict().items():
        assert np.array_equal(t.cpu().numpy(), source[k].cpu().numpy()), k
    with pytest.raises(ValueError, match="net"):
        AdversaryTrainer(tiny(victims, "net.channels=16"), tmp_path / "bad", init=str(path))
    monkeypatch.setenv("ADVGO_HOME", str(tmp_path / "home"))  # a KataGo net of the zoo is no adversary's start
    zoo.save_entries([zoo.ZooEntry(name="kata", file="kata.bin.gz", board_size=5, blocks=2, channels=8,
                                   kind="katago")])
    with pytest.raises(ValueError, match="is a KataGo net"):
        AdversaryTrainer(tiny(victims), tmp_path / "kata", init="kata")


@pytest.mark.parametrize("override, message", [
    ("curriculum.entries[0].victim=nobody", "unknown victim"),
    ("curriculum.entries[1].threshold=2", "threshold"),
    ("game.board_size=7", "5x5|board"),
    ("victimplay.amcts=X", "amcts"),
])
def test_bad_runs_fail_before_any_game(victims, tmp_path, override, message):
    from advgo.config import ConfigError

    with pytest.raises((ValueError, ConfigError), match=message):
        AdversaryTrainer(tiny(victims, override), tmp_path / "run")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("override", ["victimplay.fast_visits=100", "victimplay.games=0",
                                      "victimplay.full_search_prob=2", "victimplay.temperature_late=-1"])
def test_victimplay_errors_name_the_victimplay_section(override):
    """The adversary's game settings share self-play's checks; their errors name the section the user wrote."""
    from advgo.config import ConfigError

    with pytest.raises(ConfigError) as err:
        load_config(AdversaryRunConfig, TINY, [override])
    message = str(err.value)  # "<file>:<line>: victimplay: <problem>", the problem naming victimplay too
    assert "selfplay" not in message and message.count("victimplay") >= 2, message


def test_empty_curriculum_is_an_error():
    from advgo.config import ConfigError

    with pytest.raises(ConfigError, match="empty"):
        load_config(AdversaryRunConfig, TINY, ["curriculum.entries=[]"])


# ---------------------------------------------------------------------------------------------- the CLI
def test_cli_run_resume_and_bad_input(victims, tmp_path):
    from test_cli_train import advgo

    sets = []
    for i, v in enumerate(victims):
        sets += ["--set", f"curriculum.entries[{i}].victim={v}"]
    out = advgo("train", "adversary", "--config", str(TINY), *sets, "--runs", str(tmp_path), "--name", "adv",
                "--seed", "5", "--set", "schedule.total_steps=20", "--max-minutes", "5")
    assert out.returncode == 0, out.stderr[-2000:]
    # piped, every log line is one line, however long: here the budget's, which names the whole run
    assert any("time budget 5:00 for the whole run, closing evaluation included (set-up took" in line
               for line in out.stderr.splitlines()), out.stderr
    run = tmp_path / "adv"
    assert "seed: 5" in (run / "config.yaml").read_text()
    acc = EventAccumulator(str(run), size_guidance={"scalars": 0})
    acc.Reload()
    scalars = acc.Tags()["scalars"]
    assert "curriculum/stage" in scalars and any(t.startswith("victim/") and t.endswith("/win_rate") for t in scalars)
    out = advgo("train", "adversary", "--resume", str(run), "--set", "schedule.total_steps=40")
    assert out.returncode == 0, out.stderr[-2000:]
    assert load_checkpoint(latest_checkpoint(run / CHECKPOINTS)).step == 40
    empty = tmp_path / "empty"
    out = advgo("train", "adversary", "--config", str(TINY), "--runs", str(empty), "--set",
                "curriculum.entries[0].victim=nobody")
    assert out.returncode == 2 and "unknown victim" in out.stdout + out.stderr
    assert not any(empty.iterdir())


def test_bench_victimplay_cli(tmp_path):
    import json

    from test_cli_train import advgo

    out = advgo("bench", "victimplay", "--config", str(TINY), "--seconds", "0.3", "--modes", "S,plain",
                "--json", str(tmp_path / "vp.json"))
    assert out.returncode == 0, out.stderr[-2000:]
    records = json.loads((tmp_path / "vp.json").read_text())
    assert [r["mode"] for r in records] == ["selfplay", "vp S", "vp plain"]
    assert records[1]["victim_evals_per_s"] > 0 and records[2]["victim_evals_per_s"] == 0
    assert all(r["moves_per_s"] > 0 for r in records)


@pytest.mark.parametrize("name", ["quickstart.yaml", "attack-9x9.yaml"])
def test_shipped_adversary_configs_name_bundled_victims(name):
    from advgo.training.adversary_eval import curriculum_victims as load_victims

    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / name)
    victims = load_victims(cfg, "cpu")
    assert len(victims) == len({(e.victim, e.visits) for e in cfg.curriculum.entries}) >= 2
    assert all(v.board_size == cfg.game.board_size for v in victims.values())


def test_time_budget_ends_with_a_final_evaluation(victims, tmp_path):
    run = tmp_path / "run"
    trainer = AdversaryTrainer(tiny(victims, "schedule.total_steps=100000", "schedule.eval_every=100000",
                                    "schedule.checkpoint_every=100000", "schedule.milestone_every=0"),
                               run, max_minutes=0.15)
    trainer.run()
    evals = [r for r in read_scalars(run / "scalars.jsonl") if r["tag"] == "eval/ckpt-000000020@1/win_rate"]
    assert [r["step"] for r in evals] == [trainer.step] and trainer.step > 0
    assert load_checkpoint(latest_checkpoint(run / CHECKPOINTS)).step == trainer.step


def test_the_time_budget_cuts_a_long_play_phase(victims, tmp_path, caplog):
    """A run whose play phase alone would take minutes (20,000 games) ends within its budget: the play phase is cut,
    with a log line saying so."""
    import time

    budget_s = 6.0
    start = time.monotonic()
    with caplog.at_level("INFO", logger="advgo"):
        trainer = AdversaryTrainer(tiny(victims, "schedule.total_steps=100000", "schedule.games_per_iteration=20000",
                                        "schedule.checkpoint_every=100000", "schedule.milestone_every=0",
                                        "schedule.eval_every=100000"),
                                   tmp_path / "run", max_minutes=budget_s / 60)
        trainer.run()
    elapsed = time.monotonic() - start
    assert elapsed < budget_s + 30, elapsed  # a generous slack: the cuts come within a move of the deadline
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("time budget: play phase cut") for line in lines), lines
    assert latest_checkpoint(tmp_path / "run" / CHECKPOINTS) is not None


def test_a_closing_evaluation_that_would_overrun_the_budget_is_cut(victims, tmp_path, caplog):
    """5000 evaluation games against each victim would take minutes: training keeps half the budget for them, and
    the closing evaluation is cut where the budget ends, with a log line saying so."""
    import time

    budget_s = 9.0
    start = time.monotonic()
    with caplog.at_level("INFO", logger="advgo"):
        AdversaryTrainer(tiny(victims, "schedule.total_steps=100000", "evaluation.games=5000",
                              "schedule.checkpoint_every=100000", "schedule.milestone_every=0",
                              "schedule.eval_every=100000"), tmp_path / "run", max_minutes=budget_s / 60).run()
    assert time.monotonic() - start < budget_s + 30
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("time budget: evaluation") and " cut at " in line for line in lines), lines


@pytest.mark.parametrize("name", ["attack-katago-pass-9x9.yaml", "attack-katago-hardened-9x9.yaml"])
def test_shipped_katago_attack_configs_load_and_name_katanet(name):
    """They parse and validate without KataGo; with KataGo installed their victims load too."""
    from advgo.nets.katago import DEFAULT_MODEL

    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / name)
    assert cfg.game.rules == "tromp-taylor" and cfg.game.komi == 7.5
    assert all(e.victim.startswith("katanet") for e in cfg.curriculum.entries)
    assert cfg.victimplay.hardening == ("hardened" in name)
    if DEFAULT_MODEL.expanduser().is_file():
        from advgo.training.adversary_eval import curriculum_victims as load_victims

        assert len(load_victims(cfg, "cpu")) == len(cfg.curriculum.entries)


def test_an_actor_moves_up_the_curriculum_it_is_handed(victims):
    """A ``GameActor`` plays the ``VictimPlayGames`` it is handed, in process; a new stage switches the victim."""
    from advgo.nets import PolicyValueNet
    from advgo.training.actors import GameActor, cpu_state_dict
    from advgo.training.adversary import VictimPlayGames

    cfg = tiny(victims)
    games = VictimPlayGames(cfg)
    actor = GameActor(games, 0, seed=0)
    weights = (1, cpu_state_dict(PolicyValueNet(cfg.net_config())))
    labels = [e.label for e in cfg.curriculum.entries]
    try:
        first = actor.play_chunk(weights, 0, min_games=0)
        assert first.stage == 0 and actor.play.victim is games.victims[labels[0]]
        second = actor.play_chunk(weights, 1, min_games=0)
        assert second.stage == 1 and actor.play.victim is games.victims[labels[1]]
        assert first.victim_evaluations > 0 and second.moves > 0
    finally:
        actor.close()


@settings(max_examples=60, deadline=None)
@given(outcome=st.sampled_from([-1, 0, 1]), margin=st.floats(-200, 200), size=st.sampled_from([5, 9, 19]),
       w=st.floats(0.0, 0.99), scale=st.floats(0.05, 4.0))
def test_the_score_value_target_blends_outcome_and_margin_and_keeps_order(outcome, margin, size, w, scale):
    v = value_target(outcome, margin, size, w)
    assert -1.0 <= v <= 1.0
    assert v == pytest.approx((1 - w) * outcome + w * math.tanh(margin / (size * size / 4)))
    scaled = value_target(outcome, margin, size, w, scale)
    assert scaled == pytest.approx((1 - w) * outcome + w * math.tanh(margin / (scale * size * size)))
    if w > 0.01 and abs(margin) > 1 and scale > 0.3:  # a wider scale: a smaller margin term, further from saturation
        assert abs(scaled - (1 - w) * outcome) <= abs(v - (1 - w) * outcome) + 1e-12
    assert value_target(outcome, margin, size, 0.0) == outcome  # the paper's target, untouched
    assert value_target(outcome, margin + 5, size, w) >= v  # losing by less is never worth less
    assert value_target(1, 0.5, size, w) > value_target(-1, -0.5, size, w)  # a win by 0.5 beats a loss by 0.5


def test_victimplay_with_score_value_learns_the_blended_target(victims):
    cfg = VictimPlayConfig(games=4, full_visits=6, fast_visits=6, full_search_prob=1.0, score_value=0.5,
                           score_scale=0.5)
    play = VictimPlay(adversary_evaluator(), resolve_victim(victims[1]), 5, RULES, SearchConfig(), cfg,
                      np.random.default_rng(0))
    games = []
    while len(games) < 6:
        games += play.step()
    for g in games:
        outcome = int(np.sign(g.margin))
        assert np.allclose(g.value, 0.5 * outcome + 0.5 * np.tanh(g.margin / 12.5))
        assert len({float(x) for x in g.value}) == 1  # one target for every row of a game
    with pytest.raises(ValueError, match="score_value"):
        VictimPlayConfig(score_value=1.0)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="victimplay.score_scale must be"):
            VictimPlayConfig(score_scale=bad)


@settings(max_examples=80, deadline=None)
@given(games=st.lists(st.tuples(st.sampled_from([1, -1]), st.booleans()), max_size=60),
       window=st.integers(1, 20), floor=st.floats(0.0, 0.5))
def test_colour_balance_favours_the_colour_it_loses(games, window, floor):
    """A recount of each colour's last ``window`` results gives the share of black games; within the floor."""
    balance = ColorBalance(window, floor)
    for color, won in games:
        balance.record(color, won)
    rates = {}
    for color in (1, -1):
        last = [won for c, won in games if c == color][-window:]
        rates[color] = (sum(last) + 1) / (len(last) + 2)
    share = (1 - rates[1]) / ((1 - rates[1]) + (1 - rates[-1]))
    assert balance.black_share == pytest.approx(min(max(share, floor), 1 - floor))
    assert floor - 1e-12 <= balance.black_share <= 1 - floor + 1e-12
    before = balance.black_share
    balance.record(1, False)  # one more black loss never makes black rarer
    assert balance.black_share >= before - 1e-12
    balance.clear()
    assert balance.black_share == 0.5


def test_balance_plays_mostly_the_colour_the_adversary_loses(victims):
    cfg = VictimPlayConfig(games=4, full_visits=2, fast_visits=2, adversary_color="balance", balance_window=1000,
                           balance_floor=0.2)
    play = VictimPlay(adversary_evaluator(), resolve_victim(victims[0]), 5, RULES, SearchConfig(), cfg,
                      np.random.default_rng(3))
    for _ in range(500):  # as if it had lost every black game and won every white one
        play.balance.record(1, False)
        play.balance.record(-1, True)
    assert play.balance.black_share == pytest.approx(0.8)
    games = []
    while len(games) < 40:
        games += play.step()
    black = sum(g.adversary_color == 1 for g in games)
    assert 24 <= black <= 38, black  # about 80% as black (binomial: 32 expected); alternate would give 20
    play.set_victim(resolve_victim(victims[1]))  # a new victim starts from even odds
    assert play.balance.black_share == 0.5
    for bad, message in ((dict(balance_window=0), "balance_window"), (dict(balance_floor=0.6), "balance_floor")):
        with pytest.raises(ValueError, match=message):
            VictimPlayConfig(**bad)


def test_a_curriculum_victim_is_hardened_by_the_config_not_its_spec():
    from advgo.curriculum import CurriculumEntry
    from advgo.victims import load_victims

    with pytest.raises(ValueError, match=r"curriculum.entries\[0\].*victimplay.hardening: true"):
        load_victims([CurriculumEntry(victim="zoo:cp1:hardened=true")], 9, "tromp-taylor", need_policy=True)


def test_a_curriculum_entry_plays_its_victim_at_its_own_temperature(victims, tmp_path):
    """An entry's ``temperature`` is the victim's (and A-MCTS's model of it) at that stage, in training, in the
    actors, in the run's evaluation and in its SGFs; an entry without one plays at ``victimplay.victim_temperature``,
    and the entry's label tells the two apart."""
    from advgo.nets import PolicyValueNet
    from advgo.training.actors import GameActor, cpu_state_dict
    from advgo.training.adversary import VictimPlayGames

    cfg = tiny(victims, "curriculum.entries[0].temperature=1.5", "curriculum.entries[0].threshold=0.0",
               "curriculum.min_games=4", "victimplay.victim_temperature=0.25")
    labels = [e.label for e in cfg.curriculum.entries]
    assert labels == ["ckpt-000000020@1:t=1.5", "ckpt-000000040@4"]
    again = tiny(victims, "curriculum.entries[0].temperature=1.5", "curriculum.entries[1].victim=" + victims[0],
                 "curriculum.entries[1].visits=1")
    shared = curriculum_victims(again, "cpu")  # the same victim at two temperatures: two labels, one net
    assert list(shared) == ["ckpt-000000020@1:t=1.5", "ckpt-000000020@1"]
    assert shared["ckpt-000000020@1:t=1.5"] is shared["ckpt-000000020@1"]
    games = VictimPlayGames(cfg)
    actor = GameActor(games, 0, seed=0)
    weights = (1, cpu_state_dict(PolicyValueNet(cfg.net_config())))
    try:
        for stage, temperature in ((0, 1.5), (1, 0.25), (0, 1.5)):
            chunk = actor.play_chunk(weights, stage, min_games=0)
            assert chunk.stage == stage and actor.play.victim_temperature == temperature
            assert actor.play.mcts.victim_temperature == temperature
    finally:
        actor.close()
    run = tmp_path / "run"
    trainer = AdversaryTrainer(cfg, run)
    assert trainer.play.victim_temperature == 1.5 and trainer.play.mcts.victim_temperature == 1.5
    trainer.run()
    assert trainer.curriculum.stage == 1 and trainer.play.victim_temperature == 0.25
    comments = [read_sgf(p.read_bytes()).comments[0] for p in sorted((run / "sgf").glob("*.sgf"))]
    first = [c for c in comments if "ckpt-000000020@1" in c]
    later = [c for c in comments if "ckpt-000000040@4" in c]
    assert first and later
    assert all("at temperature 1.5;" in c for c in first) and all("at temperature 0.25;" in c for c in later)
    tags = {r["tag"] for r in read_scalars(run)}
    assert "victim/ckpt-000000020@1:t=1.5/win_rate" in tags and "eval/ckpt-000000020@1:t=1.5/win_rate" in tags


def test_evaluation_plays_the_victim_at_the_temperature_it_is_given(victims):
    """With the same seed the evaluation plays the same games at temperature 0 and other ones at a high temperature:
    the evaluation's ``victim_temperature`` reaches the victim, and each game records it."""
    cfg = tiny(victims)
    victim = resolve_victim(victims[0])

    def moves(temperature, seed):
        games = evaluate_adversary(adversary_evaluator(), victim, cfg, 2, np.random.default_rng(seed),
                                   victim_temperature=temperature)
        return tuple(sorted(tuple(g.moves.tolist()) for g in games)), {g.victim_temperature for g in games}

    for seed in range(2):  # the same seed: the same games at temperature 0, other ones where the victim samples
        cold, hot = moves(0.0, seed), moves(5.0, seed)
        assert cold == moves(0.0, seed) and hot[0] != cold[0]
        assert cold[1] == {0.0} and hot[1] == {5.0}
