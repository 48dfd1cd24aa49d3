"""Scale-out with Ray actors (``scale.workers >= 2``): a tiny run on a local Ray, an adversary run that loses an
actor mid-run, a whole run killed and resumed, and the CLI flags. The single-process path is every other
training test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")

from katago_models import build  # noqa: E402
from test_katago_training import defence_config, write_lost_games  # noqa: E402

from advgo import Rules  # noqa: E402
from advgo.config import load_config  # noqa: E402
from advgo.nets import latest_checkpoint, load_checkpoint  # noqa: E402
from advgo.nets.katago import write_model  # noqa: E402
from advgo.training import actors as actors_module  # noqa: E402
from advgo.training.adversary import AdversaryTrainer  # noqa: E402
from advgo.training.adversary_config import AdversaryRunConfig  # noqa: E402
from advgo.training.katago_defence import MODEL_FILE  # noqa: E402
from advgo.training.victim import SelfPlayGames, VictimTrainer  # noqa: E402
from advgo.training.victim_config import VictimRunConfig  # noqa: E402
from advgo.training.victim_trainers import make_victim_trainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _scalars(run: Path) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for line in (run / "scalars.jsonl").read_text().splitlines():
        row = json.loads(line)
        out.setdefault(row["tag"], []).append(row["value"])
    return out


@pytest.fixture
def ray_local_cluster():
    """A one-machine Ray (Ray 2.60 removed ``local_mode``: a local cluster is what it offers for tests)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_tiny_victim_run_on_a_local_ray(tmp_path, ray_local_cluster):
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml", ["scale.workers=2", "schedule.total_steps=40"])
    trainer = VictimTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 40 and trainer.counters.games >= 16
    scalars = _scalars(tmp_path / "run")
    assert scalars["actors/weights_version"][-1] >= 3  # published after every training phase
    assert scalars["actors/restarts"] == [0.0] * len(scalars["actors/restarts"])
    ckpt = load_checkpoint(latest_checkpoint(tmp_path / "run" / "checkpoints"))
    assert ckpt.step == 40 and ckpt.config["scale"]["workers"] == 2


def test_adversary_run_survives_a_killed_actor(tmp_path, tiny_victims, ray_local_cluster, monkeypatch):
    """One actor process is SIGKILLed after the first chunk: it is restarted, its unfinished games are lost, the
    run finishes, and the curriculum counted each game of its stage once."""
    first, second = tiny_victims
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml", [
        "scale.workers=2", "scale.chunk_games=2", f"curriculum.entries[0].victim={first}",
        f"curriculum.entries[1].victim={second}", "schedule.total_steps=40"])
    original = actors_module.ActorPool.collect
    state = {"calls": 0, "killed": None}

    def collect(self, timeout=None):
        chunks = original(self, timeout)
        state["calls"] += 1
        if state["calls"] == 1:
            pid = self.pids()[0]
            os.kill(pid, signal.SIGKILL)
            state["killed"] = pid
        return chunks

    monkeypatch.setattr(actors_module.ActorPool, "collect", collect)
    trainer = AdversaryTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert state["killed"] is not None
    assert trainer.step == 40
    scalars = _scalars(tmp_path / "run")
    assert max(scalars["actors/restarts"]) >= 1
    stale = sum(scalars.get("actors/stale_games", []))
    history_games = sum(h["games"] for h in trainer.curriculum.history)
    assert history_games + trainer.curriculum.games_at_stage + stale == trainer.counters.games
    sgfs = list((tmp_path / "run" / "sgf").glob("*.sgf"))
    assert len(sgfs) == trainer.counters.games
    ckpt = load_checkpoint(latest_checkpoint(tmp_path / "run" / "checkpoints"))
    assert ckpt.step == 40 and ckpt.extra["curriculum"]["stage"] == trainer.curriculum.stage


def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    """The whole run (learner and actors) is killed with SIGKILL after its first checkpoint; --resume continues
    from that checkpoint and finishes."""
    run = tmp_path / "run"
    env = dict(os.environ, COLUMNS="200")
    args = [sys.executable, "-m", "advgo", "train", "victim", "--config", str(ROOT / "configs" / "victim-tiny.yaml"),
            "--workers", "2", "--set", "schedule.total_steps=200", "--set", "schedule.checkpoint_every=20",
            "--set", "schedule.eval_every=200", "--name", "run", "--runs", str(tmp_path)]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if (run / "checkpoints").is_dir() and latest_checkpoint(run / "checkpoints") is not None:
                break
            time.sleep(0.5)
        else:
            pytest.fail("no checkpoint within 240 s")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    saved = load_checkpoint(latest_checkpoint(run / "checkpoints")).step
    assert 20 <= saved < 200
    resumed = subprocess.run([sys.executable, "-m", "advgo", "train", "victim", "--resume", str(run), "--workers",
                              "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"at step {saved}" in resumed.stdout + resumed.stderr
    assert load_checkpoint(latest_checkpoint(run / "checkpoints")).step == 200


def test_workers_flag_and_bad_values(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "advgo", "train", "victim", "--config",
                          str(ROOT / "configs" / "victim-tiny.yaml"), "--set", "scale.workers=0", "--runs",
                          str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "scale.workers" in bad.stdout + bad.stderr
    assert not any(tmp_path.iterdir()), "a refused config leaves no run folder"


def test_missing_ray_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(ValueError, match=r"\[ray\]"):
        actors_module.ray_module()


def test_inference_server_merges_requests_and_matches_the_local_net():
    """Requests that arrive together share one forward; every row equals what a local evaluator gives."""
    import asyncio

    import numpy as np
    import torch

    from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator
    from advgo.training.inference_server import InferenceServer

    config = NetConfig(board_size=5, blocks=1, channels=8, global_pool=False)
    torch.manual_seed(0)
    net = PolicyValueNet(config).eval()
    server = InferenceServer(config.to_dict(), "cpu", seed=0, max_batch=64, max_wait_ms=20)
    server.load_weights((1, net.state_dict()))
    server.evaluator.symmetry = "none"  # exact comparison
    local = TorchEvaluator(net, device="cpu", symmetry="none")
    rng = np.random.default_rng(0)
    requests = [(rng.integers(0, 2, (n, 15, 5, 5)).astype(np.float32), rng.random((n, 4)).astype(np.float32))
                for n in (3, 7, 5)]

    async def ask_all():
        return await asyncio.gather(*(server.evaluate(p, g) for p, g in requests))

    answers = asyncio.run(ask_all())
    assert server.info()["batches"] == 1 and server.info()["positions"] == 15
    for (planes, globals_), (priors, values) in zip(requests, answers):
        want_p = np.empty((len(planes), 26), np.float32)
        want_v = np.empty(len(planes), np.float32)
        local.evaluate_planes(planes, globals_, want_p, want_v)
        assert priors.dtype == values.dtype == np.float16  # answers travel as float16
        np.testing.assert_allclose(priors, want_p, rtol=2e-3, atol=1e-4)
        np.testing.assert_allclose(values, want_v, rtol=2e-3, atol=1e-3)

    async def big():  # a full batch is run at once, without waiting
        return await server.evaluate(*[np.concatenate([r[k]] * 6) for r in requests[:1] for k in (0, 1)])

    full = server.max_batch
    server.max_batch = 18
    asyncio.run(big())
    server.max_batch = full
    assert server.info()["batches"] == 2


def test_inference_server_runs_once_every_client_waits_and_takes_packed_planes():
    """With three registered clients three requests run at once though the timer is an hour; packed planes (what
    ``RemoteEvaluator`` sends), uint8 planes and float32 planes give the same answers; two of three clients wait
    for the timer."""
    import asyncio

    import numpy as np
    import torch

    from advgo.nets import NetConfig, PolicyValueNet
    from advgo.training.inference_server import InferenceServer, pack_planes

    config = NetConfig(board_size=5, blocks=1, channels=8, global_pool=False)
    torch.manual_seed(1)
    net = PolicyValueNet(config).eval()
    server = InferenceServer(config.to_dict(), "cpu", seed=0, max_batch=10_000, max_wait_ms=3_600_000)
    server.load_weights((1, net.state_dict()))
    server.evaluator.symmetry = "none"
    assert [server.add_client(c) for c in ("a", "b", "c", "a")] == [1, 2, 3, 3]
    rng = np.random.default_rng(1)
    requests = [(rng.integers(0, 2, (n, 15, 5, 5)).astype(np.float32), rng.random((n, 4)).astype(np.float32))
                for n in (2, 4, 3)]
    forms = {"float32": lambda p: p, "uint8": lambda p: p.astype(np.uint8), "packed": pack_planes,
             "mixed": None}

    async def ask(form, count):
        def planes(i, p):
            return (forms["packed"] if i % 2 else forms["uint8"])(p) if form == "mixed" else forms[form](p)
        return await asyncio.wait_for(asyncio.gather(
            *(server.evaluate(planes(i, p), g) for i, (p, g) in enumerate(requests[:count]))), timeout=5)

    answers = {form: asyncio.run(ask(form, 3)) for form in forms}
    assert server.info()["batches"] == len(forms)
    for form in ("uint8", "packed", "mixed"):
        for (p32, v32), (p, v) in zip(answers["float32"], answers[form]):
            np.testing.assert_array_equal(p, p32)
            np.testing.assert_array_equal(v, v32)
    server.max_wait = 0.05  # two of three clients: the timer, not the count, runs the batch
    asyncio.run(ask("packed", 2))
    assert server.info()["batches"] == len(forms) + 1 and server._waiting == 0


@settings(max_examples=30, deadline=None)
@given(size=st.sampled_from([2, 5, 9, 19]), count=st.integers(1, 6), seed=st.integers(0, 2**31 - 1))
def test_packed_planes_round_trip(size, count, seed):
    """Planes packed to bits come back exactly, through torch (the server's device path) and numpy."""
    import numpy as np

    from advgo.features import FEATURES
    from advgo.training.inference_server import pack_planes, unpack_planes

    planes = np.random.default_rng(seed).integers(0, 2, (count, FEATURES.planes, size, size)).astype(np.float32)
    packed = pack_planes(planes)
    assert packed.dtype == np.uint8 and packed.shape == (count, -(-FEATURES.planes * size * size // 8))
    np.testing.assert_array_equal(unpack_planes(packed, size, "cpu").numpy(), planes)
    back = np.unpackbits(packed, axis=1, count=FEATURES.planes * size * size).reshape(planes.shape)
    np.testing.assert_array_equal(back, planes)


def test_actors_share_an_inference_server(tmp_path, ray_local_cluster, monkeypatch):
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml",
                      ["scale.workers=2", "scale.inference=server", "schedule.total_steps=20"])
    trainer = VictimTrainer(cfg, tmp_path / "run")
    original = actors_module.ActorPool.close
    seen = {}

    def close(self):
        [info] = self.server_info()  # one machine: one server
        seen.update(info)
        original(self)

    monkeypatch.setattr(actors_module.ActorPool, "close", close)
    trainer.run()
    assert trainer.step == 20
    assert seen["positions"] > 0 and seen["version"] >= 2 and seen["batches"] <= seen["requests"]
    assert seen["clients"] == 2


def test_actors_holding_the_net_with_a_threaded_grouped_search(tmp_path, ray_local_cluster):
    """``scale.inference=actor``: each actor evaluates its own net (here on the CPU: no GPU) and searches its games
    on two threads in two groups, the one-process-per-machine layout."""
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml",
                      ["scale.workers=2", "scale.inference=actor", "search.threads=2", "search.groups=2",
                       "schedule.total_steps=20"])
    trainer = VictimTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 20 and trainer.counters.games >= 8
    assert _scalars(tmp_path / "run")["actors/restarts"][-1] == 0


def test_an_actor_uses_its_own_machines_server_or_none(ray_local_cluster):
    """Servers are per machine: an actor takes the one of its Ray node (and registers with it), and evaluates
    locally when its node has none; a pool with ``server`` puts one on each (here: the one) node."""
    from advgo.nets import TorchEvaluator
    from advgo.training.inference_server import RemoteEvaluator

    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml",
                      ["scale.workers=2", "scale.inference=server"])
    games = SelfPlayGames(cfg)
    pool = actors_module.ActorPool(games, cfg.seed)
    try:
        from advgo.nets import PolicyValueNet

        pool._start_servers(PolicyValueNet(cfg.net_config()))
        here = ray.get_runtime_context().get_node_id()
        assert list(pool.servers) == [here]
        mine = actors_module.GameActor(games, 7, 0, servers=pool.servers)
        assert isinstance(mine.evaluator, RemoteEvaluator)
        assert pool.server_info()[0]["clients"] == 1
        elsewhere = actors_module.GameActor(games, 8, 0, servers={"another-node": pool.servers[here]})
        assert isinstance(elsewhere.evaluator, TorchEvaluator)
    finally:
        pool.close()


def test_bench_actors_cli(tmp_path):
    path = tmp_path / "actors.json"
    proc = subprocess.run([sys.executable, "-m", "advgo", "bench", "actors", "--config",
                           str(ROOT / "configs" / "victim-tiny.yaml"), "--actors", "2", "--seconds", "2", "--json",
                           str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = json.loads(path.read_text())["records"]
    assert [r["actors"] for r in records] == [0, 2]
    assert all(r["moves_per_s"] > 0 for r in records)
    for r in records:  # games/s is moves/s over the mean length of every game finished in the run
        assert r["raw_net_positions_per_s"] > 0 and r["raw_net_host_positions_per_s"] > 0
        if r["mean_game_length"] is not None:
            assert r["games_per_s"] == pytest.approx(r["moves_per_s"] / r["mean_game_length"])


def test_victims_are_served_too(tmp_path, tiny_victims, ray_local_cluster, monkeypatch):
    """With the server, an adversary run's net victims are evaluated there as well (one model per victim and
    symmetry mode), and the run moves up its curriculum as usual."""
    first, second = tiny_victims
    cfg = load_config(AdversaryRunConfig, ROOT / "configs" / "adversary-tiny.yaml", [
        "scale.workers=2", "scale.inference=server", f"curriculum.entries[0].victim={first}",
        f"curriculum.entries[1].victim={second}", "schedule.total_steps=20"])
    seen = {}
    original = actors_module.ActorPool.close

    def close(self):
        [info] = self.server_info()
        seen.update(info)
        original(self)

    monkeypatch.setattr(actors_module.ActorPool, "close", close)
    trainer = AdversaryTrainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 20
    victims = [m for m in seen["models"] if m != "net"]
    assert "ckpt-000000020@1|none" in victims, seen["models"]  # the first stage's victim (S mode: no symmetry)
    assert all(m.split("|")[0] in ("ckpt-000000020@1", "ckpt-000000040@4") for m in victims), seen["models"]


def test_actor_mode_rates_cover_the_whole_iteration(monkeypatch):
    """Single process: a play phase's rates are over the phase alone; with actors (who play while the learner
    trains) over the time since the previous phase began."""
    from types import SimpleNamespace

    from advgo.training import trainer as trainer_module

    clock = iter([10.0, 30.0, 41.0])
    monkeypatch.setattr(trainer_module.time, "perf_counter", lambda: next(clock))
    here = SimpleNamespace(pool=None, _phase_start=None)
    assert trainer_module.Trainer._play_seconds(here, 8.0) == 2.0
    actors = SimpleNamespace(pool=object(), _phase_start=None)
    assert trainer_module.Trainer._play_seconds(actors, 9.0) == 21.0  # first phase: itself (30 - 9)
    assert trainer_module.Trainer._play_seconds(actors, 40.0) == 32.0  # then since the previous began (41 - 9)


def test_a_defence_runs_on_ray_actors(tmp_path, tiny_victims, tiny_adversary_run, ray_local_cluster):
    """Positional adversarial training with ``scale.workers=2``: each actor samples the lost games' positions with
    its own generator, and the games it returns say where they started (the ``defence/`` tags count them)."""
    cfg = load_config(VictimRunConfig, ROOT / "configs" / "victim-tiny.yaml", [
        "scale.workers=2", f"defence.init={tiny_victims[1]}", f"defence.adversarial=[{tiny_adversary_run}]",
        "defence.fraction=0.5", "schedule.total_steps=20"])
    trainer = make_victim_trainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 20
    scalars = _scalars(tmp_path / "run")
    started = scalars["defence/games_from_positions"][-1]
    assert 0 < started < trainer.counters.games and scalars["actors/weights_version"][-1] >= 2
    ckpt = load_checkpoint(latest_checkpoint(tmp_path / "run" / "checkpoints"))
    assert ckpt.extra["defence"]["games_from_positions"] == started


def test_a_katago_defence_runs_on_ray_actors(tmp_path, ray_local_cluster):
    """KataGo's net fine-tuned with two actors (each its own copy of the net, weights by version); an inference
    server, which serves advgo's own nets only, is refused with a clear error."""
    tiny_model = tmp_path / "tiny-v15.bin.gz"
    write_model(build("v15-transformer", seed=5, name="tiny-v15"), tiny_model)
    write_lost_games(tmp_path / "adversary", Rules.tromp_taylor(0.5))
    cfg = defence_config(tiny_model, tmp_path / "adversary", "scale.workers=2", "defence.fraction=0.5")
    trainer = make_victim_trainer(cfg, tmp_path / "run")
    trainer.run()
    assert trainer.step == 4 and (tmp_path / "run" / MODEL_FILE).is_file()
    scalars = _scalars(tmp_path / "run")
    assert scalars["defence/games_from_positions"][-1] > 0 and scalars["actors/restarts"][-1] == 0
    served = make_victim_trainer(defence_config(tiny_model, tmp_path / "adversary", "scale.workers=2",
                                                "scale.inference=server"), tmp_path / "served")
    with pytest.raises(ValueError, match="advgo's own nets only"):
        served.run()
