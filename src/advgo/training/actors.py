"""Scale-out: game-generating actors on Ray, feeding the learner of a ``Trainer`` in the main process.

| role | where | does |
|---|---|---|
| ``GameActor`` | a Ray actor process (``scale.workers`` of them, on any machine of the cluster) | plays the ``Games`` its trainer hands it (``SelfPlayGames``, ``VictimPlayGames``: the actor knows no roles) with the Numba search and its own CPU copy of the net (and its own victim engines); returns finished games in chunks |
| ``ActorPool`` | the trainer's process | starts the actors, keeps one chunk in flight per actor, publishes new weights by version, restarts actors that die |
| ``InferenceServer`` | one Ray actor per machine (``scale.inference``: ``auto`` on each machine with a GPU, ``server`` on every machine) | evaluates the positions of its machine's actors in merged batches (:mod:`advgo.training.inference_server`); actors on a machine without one evaluate locally |
| learner, evaluator, curriculum | the trainer's process | as in the single-process loop: the learner trains while the actors play; the curriculum sees every finished game once |

Weights travel through Ray's object store: ``publish`` puts one ``(version, state_dict)`` object, and every chunk
request carries the newest. An actor loads a newer version at the start of a chunk, so the games it has in flight
then continue with the new net (a game can span two versions, as in minigo's and KataGo's distributed loops).
A chunk is one actor's ``chunk_games`` finished games or ``chunk_seconds`` of play; an actor that dies loses only its unfinished games and is
started again (new seed, newest weights).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ..nets import PolicyValueNet, TorchEvaluator
from ..nets.threads import set_torch_threads
from ..rules import Rules
from .inference_server import InferenceServer, RemoteEvaluator

log = logging.getLogger(__name__)


@dataclass
class Chunk:
    """What one ``play_chunk`` call returns."""

    actor: int
    games: list
    """FinishedGame (self-play) or VictimGame (victim-play) tuples, in the order they finished."""
    moves: int
    evaluations: int
    victim_evaluations: int
    seconds: float
    version: int
    """Weights version the chunk started with."""
    stage: int
    """Curriculum stage the games were played at (victim-play; 0 for self-play)."""
    voided: int = 0


def ray_module():
    """``ray``, or a clear error naming the extra to install."""
    try:
        import ray
    except ImportError as err:
        raise ValueError("scale.workers >= 2 needs Ray: pip install -e '.[ray]' (or pip install ray)") from err
    return ray


class Play(Protocol):
    """Games an actor plays: ``SelfPlay``, ``VictimPlay`` (and what else a trainer hands out)."""

    moves_played: int
    evaluations: int
    victim_evaluations: int
    """Positions sent to a victim's policy inside A-MCTS (0 without a victim)."""
    voided: int
    """Games restarted because an external engine failed (0 without one)."""

    def step(self) -> list:
        """One move in every game; the games that finished with it."""

    def close(self) -> None:
        """End the engine processes the games use, if any."""


class Games(Protocol):
    """What the actors of a run play, handed to ``ActorPool`` / ``GameActor`` by the trainer in place of a role:
    it is pickled to each actor's process and started there, so it holds plain data (the run's config)."""

    cfg: Any
    """The run's config: ``game``, ``net_config()``, ``scale`` and ``seed`` are read here."""

    @property
    def batch(self) -> int:
        """Games one actor plays at once (its evaluator's batch)."""

    @property
    def servable(self) -> bool:
        """Whether an inference server can evaluate the trained net (it serves advgo's own nets only)."""

    def evaluator(self, rules: Rules, seed: int, device: str):
        """The actor's own evaluator of the trained net, used when its machine has no inference server; every
        chunk's weights (:meth:`ActorPool.publish`) are loaded into it."""

    def start(self, evaluator, rules, rng: np.random.Generator, server) -> Play:
        """The actor's games, with its ``evaluator`` and ``rng``; ``server`` is its machine's inference server
        (None without one), for victims to be evaluated there too."""

    def set_stage(self, play: Play, stage: int) -> None:
        """The curriculum moved to ``stage``: the games in flight start afresh against its victim."""


class GameActor:
    """Plays games for the learner; wrapped with ``ray.remote`` by ``ActorPool`` (plain class, testable in-process)."""

    def __init__(self, games: Games, actor: int, seed: int, threads: int = 1, servers: dict | None = None,
                 device: str = "cpu"):
        """``servers``: inference servers by Ray node id; the actor uses its own machine's and evaluates locally
        (on ``device``) when its machine has none."""
        set_torch_threads(threads)
        self.games, self.actor = games, actor
        cfg = games.cfg
        self.rules = Rules.from_name(cfg.game.rules, cfg.game.komi)
        self.rng = np.random.default_rng(seed)
        server = _own_server(servers, actor)
        if server is None:
            self.evaluator = games.evaluator(self.rules, seed, device)
        else:
            self.evaluator = RemoteEvaluator(server, cfg.game.board_size, self.rules, max_batch=games.batch)
        self.version = -1
        self.stage = 0
        self.play = games.start(self.evaluator, self.rules, self.rng, server)

    def pid(self) -> int:
        return os.getpid()

    def play_chunk(self, weights: tuple, stage: int, min_games: int, max_seconds: float = float("inf")) -> Chunk:
        """Load newer weights, switch to the curriculum's stage, play until ``min_games`` games finish or
        ``max_seconds`` pass (at least one move in every game)."""
        version, state = weights
        if version != self.version:
            self.evaluator.load_weights(state)
            self.version = version
        if stage != self.stage:
            self.games.set_stage(self.play, stage)  # games in flight start afresh against its victim
            self.stage = stage
        play = self.play
        moves0, evals0 = play.moves_played, play.evaluations
        vevals0, voided0 = play.victim_evaluations, play.voided
        start = time.perf_counter()
        games: list = []
        while True:
            games += play.step()
            if len(games) >= min_games or time.perf_counter() - start >= max_seconds:
                break
        return Chunk(self.actor, games, play.moves_played - moves0, play.evaluations - evals0,
                     play.victim_evaluations - vevals0, time.perf_counter() - start, version,
                     self.stage, play.voided - voided0)

    def close(self) -> None:
        self.play.close()


def net_evaluator(cfg, rules: Rules, seed: int, device: str, batch: int) -> TorchEvaluator:
    """An actor's evaluator of one of advgo's own nets (``cfg.net_config()``), each position under a random
    symmetry; the weights come with the first chunk."""
    net = PolicyValueNet(cfg.net_config()).eval()
    return TorchEvaluator(net, device=device, symmetry="random", seed=seed, rules=rules, max_batch=batch)


def _own_server(servers: dict | None, actor: int):
    """This process's machine's inference server, with ``actor`` registered as its client; None without one."""
    if not servers:
        return None
    import ray

    server = servers.get(ray.get_runtime_context().get_node_id())
    if server is not None:
        ray.get(server.add_client.remote(actor))
    return server


def cpu_state_dict(net) -> dict:
    """The net's weights as CPU tensors (what actors load)."""
    return {k: v.detach().to("cpu").clone() for k, v in net.state_dict().items()}


class ActorPool:
    """``workers`` ``GameActor``s on Ray playing ``games``, each with one chunk request in flight."""

    def __init__(self, games: Games, seed: int):
        self.ray = ray_module()
        self.games, self.cfg, self.seed = games, games.cfg, seed
        scale = self.cfg.scale
        self.workers = scale.workers
        self._started_ray = False
        if not self.ray.is_initialized():
            kwargs = dict(include_dashboard=False, log_to_driver=True, configure_logging=False)
            if scale.ray_address is None:
                self.ray.init(num_cpus=max(os.cpu_count() or 1, self.workers), **kwargs)
            else:
                self.ray.init(address=scale.ray_address, **kwargs)
            self._started_ray = True
        self._remote = self.ray.remote(num_cpus=1)(GameActor)
        self.version = 0
        self.stage = 0
        self.restarts = 0
        self._incarnation = [0] * self.workers
        self._weights = None
        self.servers: dict = {}  # Ray node id -> its InferenceServer (scale.inference "server", or "auto" on GPUs)
        self._actors: list = [None] * self.workers
        self._inflight: dict = {}  # ObjectRef -> actor index

    # ------------------------------------------------------------------ control
    def publish(self, net) -> int:
        """New weights for every actor's next chunk; the new version number."""
        self.version += 1
        self._weights = self.ray.put((self.version, cpu_state_dict(net)))
        for server in self.servers.values():
            server.load_weights.remote(self._weights)  # before any chunk that carries this version
        return self.version

    def set_stage(self, stage: int) -> None:
        """Victim-play: the curriculum moved on; every actor switches at its next chunk."""
        self.stage = stage

    def start(self, net) -> None:
        if self._use_server():
            self._start_servers(net)
        self.publish(net)
        for i in range(self.workers):
            self._spawn(i)

    def _cluster_gpus(self) -> float:
        return float(self.ray.cluster_resources().get("GPU", 0))

    def _use_server(self) -> bool:
        choice = self.cfg.scale.inference
        if not self.games.servable:
            if choice == "server":
                raise ValueError("scale.inference: server evaluates advgo's own nets only; this run's net is "
                                 "evaluated by each actor (scale.inference: local, actor or auto)")
            return False
        return choice == "server" or (choice == "auto" and self._cluster_gpus() > 0)

    def _start_servers(self, net) -> None:
        """One server per machine: with "auto" on each machine that has a GPU, with "server" on every machine
        (on its GPU when it has one, else sharing its cores with the actors it serves)."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        scale = self.cfg.scale
        remote = self.ray.remote(num_cpus=0, max_concurrency=1000)(InferenceServer)
        for node in self.ray.nodes():
            gpus = node.get("Resources", {}).get("GPU", 0)
            if not node.get("Alive") or (scale.inference == "auto" and not gpus):
                continue
            where = NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=False)
            self.servers[node["NodeID"]] = remote.options(num_gpus=1 if gpus else 0, scheduling_strategy=where).remote(
                net.config.to_dict(), "auto", self.seed, scale.inference_batch, scale.inference_wait_ms)
        for info in self.server_info():
            log.info("inference server: %s", info)

    def server_info(self) -> list[dict]:
        """Every inference server's ``info()`` (none without servers)."""
        return self.ray.get([s.info.remote() for s in self.servers.values()])

    def collect(self, timeout: float | None = None) -> list[Chunk]:
        """Chunks that have finished (waiting for at least one); dead actors are restarted and asked again."""
        if not self._inflight:
            raise RuntimeError("no actor is playing: call start() first")
        ready, _ = self.ray.wait(list(self._inflight), num_returns=1, timeout=timeout)
        chunks = []
        for ref in ready:
            i = self._inflight.pop(ref)
            try:
                chunks.append(self.ray.get(ref))
            except (self.ray.exceptions.ActorDiedError, self.ray.exceptions.ActorUnavailableError,
                    self.ray.exceptions.WorkerCrashedError) as err:
                self._restart(i, err)
                continue
            self._request(i)
        return chunks

    def pids(self) -> list[int]:
        return self.ray.get([a.pid.remote() for a in self._actors])

    def close(self) -> None:
        for actor in self._actors:
            if actor is not None:
                try:
                    self.ray.get(actor.close.remote(), timeout=10)
                except Exception:  # noqa: BLE001 - a dead actor has nothing left to close
                    pass
                self.ray.kill(actor)
        self._actors = [None] * self.workers
        self._inflight.clear()
        for server in self.servers.values():
            self.ray.kill(server)
        self.servers = {}
        if self._started_ray:
            self.ray.shutdown()
            self._started_ray = False

    # ------------------------------------------------------------------ internals
    def _spawn(self, i: int) -> None:
        seed = self.seed + 1_000_003 * (i + 1) + 7919 * self._incarnation[i]
        remote, device = self._remote, "cpu"
        if self.cfg.scale.inference == "actor":  # the net in the actor, on its share of a GPU where there is one
            gpus = self._cluster_gpus()
            # spread: one actor per machine when workers = machines, its search on search.threads cores
            remote = remote.options(num_gpus=gpus / self.workers if gpus else 0, scheduling_strategy="SPREAD")
            device = "auto"
        self._actors[i] = remote.remote(self.games, i, seed, self.cfg.scale.actor_threads, self.servers, device)
        self._request(i)

    def _request(self, i: int) -> None:
        scale = self.cfg.scale
        ref = self._actors[i].play_chunk.remote(self._weights, self.stage, scale.chunk_games, scale.chunk_seconds)
        self._inflight[ref] = i

    def _restart(self, i: int, err: Exception) -> None:
        self.restarts += 1
        if self.restarts > self.cfg.scale.max_restarts:
            raise RuntimeError(f"actor {i} died and the run has restarted actors {self.restarts - 1} times "
                               f"(scale.max_restarts): {err}") from err
        log.warning("actor %d died (%s); its unfinished games are discarded and it is started again",
                    i, type(err).__name__)
        self._incarnation[i] += 1
        self._spawn(i)

