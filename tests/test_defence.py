"""Positional adversarial training: lost games read from SGF, positions sampled, self-play from them, the trainer."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from advgo import GameState, Rules
from advgo.config import load_config
from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator, latest_checkpoint, load_checkpoint
from advgo.runlog import read_scalars
from advgo.search import SearchConfig
from advgo.sgf import save_sgf
from advgo.training.actors import GameActor, cpu_state_dict
from advgo.training.defence import DefenceTrainer
from advgo.training.positions import (
    PositionalSelfPlay,
    PositionSampler,
    from_positions,
    load_lost_games,
    position_weights,
    start_side_won,
    victim_side,
)
from advgo.training.selfplay import SelfPlay, SelfPlayConfig
from advgo.training.victim import VictimTrainer
from advgo.training.victim_config import VictimRunConfig
from advgo.training.victim_trainers import make_victim_trainer

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "configs" / "defence-tiny.yaml"
RULES = Rules.tromp_taylor(0.5)
SIZE = 5


# ------------------------------------------------------------------------------------------- a fake adversary run
def random_game(rng: np.random.Generator, cap: int = 60) -> GameState:
    """A random legal game on 5x5 that passes more often as it goes on; some end by two passes, some at ``cap``."""
    state = GameState.new(SIZE, RULES)
    while not state.is_over and state.move_number < cap:
        legal = state.legal_actions()
        p_pass = min(0.9, state.move_number / 40)
        move = SIZE * SIZE if rng.random() < p_pass else int(rng.choice(legal))
        state = state.play(move)
    return state


def write_run(folder: Path, seed: int, games: int = 6, extra_files: bool = False) -> dict[str, tuple[int, bool]]:
    """A folder shaped like an adversary run's ``sgf/``; returns, per file, the victim's colour and whether it lost
    (computed here from the final state, independently of the code under test)."""
    rng = np.random.default_rng(seed)
    (folder / "sgf").mkdir(parents=True)
    truth = {}
    for i in range(1, games + 1):
        state = random_game(rng)
        victim = 1 if rng.random() < 0.5 else -1
        adversary = "adversary step 3 (A-MCTS-S, 8 visits)"
        black, white = ("cp2@1", adversary) if victim == 1 else (adversary, "cp2@1")
        path = folder / "sgf" / f"game-{i:07d}.sgf"
        save_sgf(path, state, black=black, white=white)
        lost = state.is_over and state.score() * victim < 0
        truth[str(path)] = (victim, lost)
    if extra_files:  # a match record (no adversary) is not a victim-play game
        save_sgf(folder / "sgf" / f"game-{games + 1:07d}.sgf", random_game(rng), black="cp1", white="cp2")
    return truth


def test_victim_side_reads_the_players():
    assert victim_side("adversary step 4 (plain MCTS, 8 visits)", "cp2@1") == (-1, "cp2@1")
    assert victim_side("ckpt-000000040@4", "adversary step 0 (A-MCTS-S, 8 visits)") == (1, "ckpt-000000040@4")
    assert victim_side("cp1", "cp2") is None and victim_side("adversary a", "adversary b") is None
    assert victim_side(None, "adversary") == (1, "")


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), sampling=st.sampled_from(["uniform", "linear", "last"]),
       last_moves=st.integers(1, 6))
def test_sampled_positions_are_legal_victim_to_move_positions_of_lost_games(seed, sampling, last_moves):
    with tempfile.TemporaryDirectory() as tmp:
        truth = write_run(Path(tmp), seed, extra_files=True)
        games, report = load_lost_games([tmp], SIZE, RULES)
        lost = {path for path, (_, was_lost) in truth.items() if was_lost}
        assert {g.path for g in games} == lost
        assert report.files == len(truth) + 1 and report.skipped == 1
        assert report.lost + report.not_lost == len(truth) and report.lost == len(lost)
        sampler = PositionSampler(games, sampling, last_moves)
        if not sampler:
            return
        rng = np.random.default_rng(seed)
        for _ in range(15):
            pos = sampler.sample(rng)
            game = sampler.games[pos.game]
            victim, was_lost = truth[game.path]
            assert was_lost and game.victim_color == victim and game.margin < 0
            state = sampler.state(pos)  # replaying raises on an illegal move
            assert not state.is_over and state.to_play == victim
            assert state.moves == game.moves[: pos.move]
            assert state.is_legal(game.moves[pos.move])  # the victim's actual move there is legal too
            turns, probs = sampler.distribution(pos.game)
            assert probs[list(turns).index(pos.move)] > 0


@given(turns=st.lists(st.integers(0, 200), min_size=1, max_size=40, unique=True), last_moves=st.integers(1, 50))
def test_position_weights(turns, last_moves):
    turns = np.array(sorted(turns))
    uniform = position_weights(turns, "uniform", last_moves)
    assert np.allclose(uniform, 1 / len(turns))
    linear = position_weights(turns, "linear", last_moves)
    assert np.isclose(linear.sum(), 1) and np.allclose(linear / linear[0], (turns + 1) / (turns[0] + 1))
    last = position_weights(turns, "last", last_moves)
    k = min(last_moves, len(turns))
    assert np.allclose(last[-k:], 1 / k) and not last[:-k].any()


def test_sampling_frequencies_follow_the_weights(tmp_path):
    """A game uniformly, then a turn by its weight: 20,000 draws land within a few standard errors."""
    write_run(tmp_path, seed=7, games=12)
    games, _ = load_lost_games([tmp_path], SIZE, RULES)
    assert len(games) >= 3
    sampler = PositionSampler(games, "linear")
    rng = np.random.default_rng(0)
    n = 20_000
    draws = [sampler.sample(rng) for _ in range(n)]
    per_game = np.bincount([d.game for d in draws], minlength=len(games)) / n
    assert np.abs(per_game - 1 / len(games)).max() < 4 * np.sqrt(1 / len(games) / n)
    g = int(np.argmax(per_game))
    turns, probs = sampler.distribution(g)
    moves = [d.move for d in draws if d.game == g]
    freq = np.array([moves.count(t) for t in turns]) / len(moves)
    assert np.abs(freq - probs).max() < 4 * np.sqrt(probs.max() / len(moves)) + 1e-3


def test_newest_games_and_victim_filter(tmp_path):
    truth = write_run(tmp_path, seed=3, games=10)
    games, report = load_lost_games([tmp_path], SIZE, RULES, newest=4)
    assert report.files == 4 and all(int(Path(g.path).stem[5:]) > 6 for g in games)
    games, report = load_lost_games([tmp_path], SIZE, RULES, victims=["cp9@1"])
    assert not games and report.other_victim == sum(lost for _, lost in truth.values())
    with pytest.raises(ValueError, match="komi 7.5"):
        load_lost_games([tmp_path], SIZE, Rules.tromp_taylor(7.5))
    with pytest.raises(ValueError, match="5x5"):
        load_lost_games([tmp_path], 7, RULES)
    with pytest.raises(FileNotFoundError, match="adversary run"):
        load_lost_games([tmp_path / "nothing"], SIZE, RULES)


# ------------------------------------------------------------------------------------- self-play from positions
def evaluator(seed=0):
    torch.manual_seed(seed)
    net = PolicyValueNet(NetConfig(board_size=SIZE, blocks=1, channels=8, global_pool=False)).eval()
    return TorchEvaluator(net, symmetry="none", rules=RULES)


@pytest.fixture(scope="module")
def sampler(tmp_path_factory):
    folder = tmp_path_factory.mktemp("adv")
    write_run(folder, seed=11, games=12)
    games, _ = load_lost_games([folder], SIZE, RULES)
    return PositionSampler(games, "uniform")


def assert_aux_targets(game, komi: float = RULES.komi):
    """A finished game's auxiliary targets: one final area map seen from each row's mover, matching the score."""
    n = len(game.value)
    assert game.ownership.shape == (n, SIZE * SIZE) and game.ownership.dtype == np.int8 and game.margins.shape == (n,)
    colors = np.sign(game.margins / game.score)  # komi 0.5: no score is 0
    assert set(colors.tolist()) <= {-1.0, 1.0}
    np.testing.assert_array_equal(np.abs(game.margins), abs(game.score))
    np.testing.assert_array_equal(game.value, np.sign(game.margins))  # the outcome is the score's sign
    black_view = game.ownership * colors[:, None].astype(np.int8)
    assert (black_view == black_view[:1]).all()
    assert black_view[0].sum() - komi == pytest.approx(game.score)  # Tromp-Taylor: black's area minus white's


def test_self_play_starts_games_from_the_positions(sampler):
    cfg = SelfPlayConfig(games=6, full_visits=4, fast_visits=2, full_search_prob=1.0, max_moves=10)
    play = PositionalSelfPlay(evaluator(), SIZE, RULES, SearchConfig(), cfg, np.random.default_rng(0), sampler, 1.0)
    assert play.started_from_positions == 6
    prefixes = {g.moves[:k]: g.victim_color for g in sampler.games for k in g.victim_turns()}
    for b in range(6):
        n = int(play.roots.move_count[b])
        moves = tuple(int(m) for m in play.roots.moves[b, :n])
        assert prefixes[moves] == int(play.roots.to_play[b])  # a sampled prefix, the victim to move
    finished = []
    while len(from_positions(finished)) < 8:
        finished += play.step()
    for game in finished:
        assert len(game.value) > 0  # every move after the start was searched in full: all samples
        assert_aux_targets(game)  # games stopped by their own cap too
    starts = from_positions(finished)
    assert all(g.start_color in (1, -1) and g.start_move > 0 for g in starts)
    for g in starts:  # the side to move at the start had lost that position's game
        assert any(lost.victim_color == g.start_color and g.start_move in lost.victim_turns() for lost in sampler.games)
        assert start_side_won(g) == (g.end_reason != "move_cap" and g.score * g.start_color > 0)
    # each game plays its own cap's worth of moves (10) from where it started, not 10 from the empty board
    assert max(g.length for g in finished) > 10
    assert all(len(g.value) <= 10 for g in finished)


def test_fraction_zero_plays_exactly_plain_self_play(sampler):
    cfg = SelfPlayConfig(games=4, full_visits=4, fast_visits=2, full_search_prob=0.5)
    plain = SelfPlay(evaluator(), SIZE, RULES, SearchConfig(), cfg, np.random.default_rng(5))
    positional = PositionalSelfPlay(evaluator(), SIZE, RULES, SearchConfig(), cfg, np.random.default_rng(5),
                                    sampler, 0.0)
    a, b = [], []
    for _ in range(40):
        a += plain.step()
        b += positional.step()
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        assert x.length == y.length and x.score == y.score and np.array_equal(x.policy, y.policy)
        if len(x.value):
            assert_aux_targets(x)
            np.testing.assert_array_equal(x.ownership, y.ownership)
    assert positional.started_from_positions == 0


def test_some_share_of_games_start_from_positions(sampler):
    cfg = SelfPlayConfig(games=8, full_visits=4, fast_visits=2, full_search_prob=0.5, max_moves=6)
    play = PositionalSelfPlay(evaluator(), SIZE, RULES, SearchConfig(), cfg, np.random.default_rng(1), sampler, 0.25)
    games = 0
    while games < 200:
        games += len(play.step())
    share = play.started_from_positions / (games + 8)
    assert 0.15 < share < 0.35


# ------------------------------------------------------------------------------------- the trainer and the CLI
def tiny(victims, adversary_run, *overrides):
    return load_config(VictimRunConfig, TINY, [f"defence.init={victims[1]}", f"defence.adversarial=[{adversary_run}]",
                                               *overrides])


def test_defence_run_continues_the_victim_and_logs(tiny_victims, tiny_adversary_run, tmp_path):
    run = tmp_path / "run"
    trainer = make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, "net.channels=16"), run)
    assert isinstance(trainer, DefenceTrainer)
    init = load_checkpoint(tiny_victims[1])
    assert trainer.cfg.net.channels == init.net_config.channels  # the architecture is init's
    for name, tensor in init.net.state_dict().items():
        assert torch.equal(trainer.net.state_dict()[name], tensor), name
    trainer.run()
    tags = {r["tag"] for r in read_scalars(run)}
    assert {"defence/games_from_positions", "defence/victim_win_rate", "defence/start_move",
            "eval/vs_previous/win_rate", "losses/total"} <= tags
    ckpt = load_checkpoint(latest_checkpoint(run / "checkpoints"))
    assert ckpt.step == 20 and ckpt.extra["defence"]["init_checkpoint"]["step"] == 20 * 2
    assert ckpt.extra["defence"]["lost_games"] > 0 and "init:" in (run / "config.yaml").read_text()
    # an ordinary victim checkpoint: it plays as a net victim
    from advgo.eval import play_match
    from advgo.victims import resolve_victim

    victim = resolve_victim(f"net:{ckpt.path}", 1, board_size=SIZE)
    result = play_match(victim.agent(RULES), resolve_victim(tiny_victims[0]).agent(RULES), SIZE, 2, RULES)
    assert result.games == 2
    # resume: the run's own weights come back, not init's
    resumed = load_config(VictimRunConfig, run / "config.yaml", ["schedule.total_steps=30"])  # as --resume loads it
    again = make_victim_trainer(resumed, run, resume=True)
    assert again.step == 20
    for name, tensor in ckpt.net.state_dict().items():
        assert torch.equal(again.net.state_dict()[name], tensor), name
    again.run()
    assert load_checkpoint(latest_checkpoint(run / "checkpoints")).step == 30


def test_an_actor_plays_the_defence_from_positions(tiny_victims, tiny_adversary_run, tmp_path):
    """What Ray actors play (scale.workers >= 2), in this process: the games as pickled to an actor, its own
    sampler and generator, the trainer's weights as published; the games carry where they started."""
    trainer = make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, "scale.workers=2", "defence.fraction=1.0"),
                                  tmp_path / "run")
    games = pickle.loads(pickle.dumps(trainer._actor_games()))
    assert len(games.lost) == trainer.report.lost > 0
    actor = GameActor(games, 0, seed=3)
    assert isinstance(actor.play, PositionalSelfPlay) and actor.play.fraction == 1.0
    chunk = actor.play_chunk((1, cpu_state_dict(trainer.net)), 0, min_games=6)
    assert len(chunk.games) >= 6 and from_positions(chunk.games) == chunk.games  # fraction 1: every game
    for name, tensor in trainer.net.state_dict().items():
        assert torch.equal(actor.evaluator.runner.net.state_dict()[name].cpu(), tensor.cpu()), name
    prefixes = {(k, g.victim_color) for g in games.lost for k in g.victim_turns()}
    assert all((g.start_move, g.start_color) in prefixes for g in chunk.games)


def test_no_defence_is_the_plain_victim_trainer(tmp_path):
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml")
    assert not cfg.defence.active
    assert type(make_victim_trainer(cfg, tmp_path / "run")) is VictimTrainer


@pytest.mark.parametrize("override, message", [
    ("defence.victims=[nobody@1]", "no game the victim lost"),
    ("game.komi=7.5", "komi"),
    ("game.board_size=7", "5x5 net"),
    ("defence.init=zoo:nobody", "no zoo victim named 'nobody'"),
])
def test_defence_errors(tiny_victims, tiny_adversary_run, tmp_path, override, message):
    with pytest.raises(ValueError, match=message):
        make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, override), tmp_path / "run")


def test_cli_defence_run(tiny_victims, tiny_adversary_run, tmp_path):
    from test_cli_train import advgo

    out = advgo("train", "victim", "--config", str(TINY), "--runs", str(tmp_path), "--name", "d", "--init",
                tiny_victims[1], "--adversarial", str(tiny_adversary_run), "--set", "schedule.total_steps=10")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "lost games" in out.stderr and load_checkpoint(latest_checkpoint(tmp_path / "d" / "checkpoints")).step == 10
    out = advgo("train", "victim", "--config", str(TINY), "--runs", str(tmp_path / "bad"), "--init", "zoo:cp1",
                "--adversarial", str(tiny_adversary_run))
    assert out.returncode == 2 and "9x9 net" in out.stdout


def test_anchor_holds_the_run_near_its_victim_on_ordinary_positions(tiny_victims, tiny_adversary_run, tmp_path):
    """``defence.anchor``: the reference is the victim the run started from, frozen; only games from the empty board
    give the anchor's positions; the KL term is logged and the positions come back on resume."""
    run = tmp_path / "run"
    trainer = make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, "defence.anchor=2.0"), run)
    added = {"all": 0, "ordinary": 0}
    add = trainer._add_games

    def counting(games):
        added["all"] += sum(len(g.value) for g in games)
        added["ordinary"] += sum(len(g.value) for g in games if not g.start_color)
        return add(games)

    trainer._add_games = counting
    init = load_checkpoint(tiny_victims[1]).net.state_dict()
    trainer.run()
    assert 0 < added["ordinary"] < added["all"]
    assert trainer.anchor_rows.total_added == added["ordinary"] and trainer.buffer.total_added == added["all"]
    for name, tensor in trainer.reference.state_dict().items():
        assert torch.equal(tensor, init[name]), name  # the reference never trains
    assert any(not torch.equal(t, init[k]) for k, t in trainer.net.state_dict().items())
    kls = [r["value"] for r in read_scalars(run) if r["tag"] == "losses/anchor_kl"]
    assert kls and all(v >= 0 for v in kls)
    resumed = load_config(VictimRunConfig, run / "config.yaml", ["schedule.total_steps=30"])
    again = make_victim_trainer(resumed, run, resume=True)
    assert len(again.anchor_rows) == len(trainer.anchor_rows)
    assert np.array_equal(again.anchor_rows.planes, trainer.anchor_rows.planes)
    for name, tensor in again.reference.state_dict().items():
        assert torch.equal(tensor, init[name]), name  # init's weights, not the run's


def test_anchor_to_another_victim_holds_the_run_near_that_one(tiny_victims, tiny_adversary_run, tmp_path):
    """``defence.anchor_to``: the reference is that victim (here the earlier checkpoint), not the one the run
    continues; a net of another architecture is refused, and ``anchor_to`` without an anchor is an error."""
    trainer = make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, "defence.anchor=1.0",
                                       f"defence.anchor_to={tiny_victims[0]}"), tmp_path / "run")
    first, init = (load_checkpoint(v).net.state_dict() for v in tiny_victims)
    for name, tensor in trainer.reference.state_dict().items():
        assert torch.equal(tensor, first[name]), name
    assert any(not torch.equal(trainer.net.state_dict()[k], first[k]) for k in init)  # it trains init, not first
    with pytest.raises(ValueError, match="not a net of defence.init's architecture"):
        make_victim_trainer(tiny(tiny_victims, tiny_adversary_run, "defence.anchor=1.0", "defence.anchor_to=cp1"),
                            tmp_path / "other")
    with pytest.raises(ValueError, match="defence.anchor_to names the victim of a KL anchor"):
        tiny(tiny_victims, tiny_adversary_run, f"defence.anchor_to={tiny_victims[0]}")


def test_anchor_off_takes_nothing_from_the_run(tiny_victims, tiny_adversary_run, tmp_path):
    trainer = make_victim_trainer(tiny(tiny_victims, tiny_adversary_run), tmp_path / "run")
    assert trainer.reference is None and trainer._anchor() is None


@pytest.mark.parametrize("override, message", [("defence.anchor=-1", "defence.anchor must be a number >= 0"),
                                               ("defence.anchor=nan", "defence.anchor must be a number >= 0"),
                                               ("defence.anchor_pass=3", "anchor_pass.*true or false")])
def test_anchor_config_errors(tiny_victims, tiny_adversary_run, override, message):
    with pytest.raises(ValueError, match=message):
        tiny(tiny_victims, tiny_adversary_run, override)


def test_anchor_needs_the_victim_it_started_from(tmp_path):
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml", ["defence.anchor=1.0"])
    with pytest.raises(ValueError, match="needs defence.init"):
        make_victim_trainer(cfg, tmp_path / "run")  # not a plain self-play run that ignores the anchor


def test_iterate_takes_an_anchor_for_every_round():
    """``advgo train iterate`` sets each round's ``defence.init``: its ``defender.defence.anchor`` is accepted."""
    from advgo.iterate.config import IterateConfig

    cfg = load_config(IterateConfig, ROOT / "configs" / "iterate-katago-9x9.yaml",
                      ["defender.defence.anchor=16", "defender.defence.anchor_pass=false"])
    assert cfg.defender.defence.anchor == 16 and cfg.defender.defence.anchor_pass is False
