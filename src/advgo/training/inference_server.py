"""A shared inference server for the actors of a machine (``scale.inference``): a Ray actor that owns a copy of the
trained net (on the machine's GPU when it has one) and evaluates the positions of the machine's game-playing
actors in merged batches.

| piece | where | does |
|---|---|---|
| ``InferenceServer`` | a Ray actor (asyncio), one per machine | queues each request, runs one forward once every registered actor waits (or per ``max_batch`` positions, or after ``max_wait_ms``), answers each request with its rows |
| ``RemoteEvaluator`` | in each game actor | the search's ``Evaluator``: encodes the leaves locally (Numba), sends the features as bits, waits for priors and values |

Requests from different actors share one forward pass, which is what makes a GPU worth having: its throughput
needs batches of thousands of positions, more than one actor's search produces. A batch runs as soon as every
client (``add_client``: each actor of its machine registers) has a request waiting — each actor has at most one
in flight, so nothing more can come — or once ``max_batch`` positions are queued, or ``max_wait_ms`` after the
first request (a slow or dead actor does not hold the others up).

Requests and answers are kept small, because Ray passes objects under 100 kB inside the call itself and larger
ones through its object store, which costs more per call: planes are 0/1, so each position's planes travel as
bits (``pack_planes``: 183 bytes for 9x9 instead of 5,832 as float32) and are unpacked on the server's device;
priors and values come back as float16 (a prior's relative error under 0.1%, far below what the search can
tell apart). The server applies the evaluator's random symmetry like ``TorchEvaluator`` (it is one); new weights
arrive with each published version. Frozen net victims are served too (``serve_victims``): one model per victim
and symmetry mode, added once; external engines keep their own processes in each actor.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from ..features import FEATURES, encode_batch
from ..nets.evaluator import rule_codes_of

TRAINED = "net"  # the key of the trained net (its weights change by version; victims' never do)
ANSWER_DTYPE = np.float16


def pack_planes(planes: np.ndarray) -> np.ndarray:
    """0/1 planes ``[B, C, N, N]`` as bits, one row of ``ceil(C*N*N / 8)`` bytes per position (big-endian bits)."""
    return np.packbits(planes.reshape(planes.shape[0], -1).astype(np.uint8, copy=False), axis=1)


def unpack_planes(packed, size: int, device, planes: int = FEATURES.planes):
    """``pack_planes``' rows back to float32 planes ``[B, planes, N, N]`` as a torch tensor on ``device`` (unpacked
    there: only the bits cross to a GPU)."""
    import torch

    bits = torch.as_tensor(packed).to(device, non_blocking=True)
    shifts = torch.arange(7, -1, -1, device=bits.device, dtype=torch.uint8)
    flat = ((bits.unsqueeze(-1) >> shifts) & 1).reshape(bits.shape[0], -1)
    return flat[:, :planes * size * size].reshape(-1, planes, size, size).float()


class _AdvgoEncoder:
    """Feature set ``advgo-v1`` (what ``TorchEvaluator`` encodes), as ``RemoteEvaluator``'s default encoder."""

    planes = FEATURES.planes

    def __init__(self, size: int, rules, max_batch: int):
        self.rules = rule_codes_of(rules)
        self._planes = np.zeros((max_batch, FEATURES.planes, size, size), np.float32)
        self._globals = np.zeros((max_batch, FEATURES.globals), np.float32)

    def set_rules(self, rules) -> None:
        self.rules = rule_codes_of(rules)

    def encode(self, leaves, count: int, komi: float):
        if count > self._planes.shape[0]:
            self._planes = np.zeros((count,) + self._planes.shape[1:], np.float32)
            self._globals = np.zeros((count,) + self._globals.shape[1:], np.float32)
        encode_batch(leaves, count, komi, self._planes, self._globals, self.rules)
        return self._planes[:count], self._globals[:count]


class _SizedKataGoNet:
    """A server-side ``KataGoNet`` for one board size (the packed requests do not carry it)."""

    def __init__(self, net, size: int):
        self.net, self.size, self.planes, self.device = net, size, net.encoder.planes, net.device

    def evaluate_planes(self, planes, globals_, priors_out, values_out) -> None:
        self.net.evaluate_planes(planes, globals_, priors_out, values_out)


def serve_victims(victims: dict, server, board_size: int | None = None) -> None:
    """Make every net victim evaluate on ``server``: its policy and its agent's net become ``RemoteEvaluator``s
    (each symmetry mode its own model on the server; a ``katanet`` victim one per board size too, ``board_size``
    being the run's). External engines keep their own processes."""
    import dataclasses

    import ray

    from ..nets.katago.encoder import KataGoEncoder
    from ..victims import KataNetVictim, Victim

    for victim in victims.values():
        if isinstance(victim, KataNetVictim):
            if board_size is None:
                raise ValueError("serve_victims: a katanet victim needs the run's board size")

            def katanet_factory(v, rules, symmetry, seed, max_batch):
                key = f"{v.label}|{symmetry}|{board_size}"
                ray.get(server.add_katanet.remote(key, str(v.model), symmetry, dataclasses.asdict(rules), board_size,
                                                  v.dtype))
                encoder = KataGoEncoder(rules, passing_hacks=True, capacity=max_batch)
                return RemoteEvaluator(server, board_size, rules, max_batch=max_batch, key=key, encoder=encoder)

            victim.evaluator_factory = katanet_factory
            continue
        if not isinstance(victim, Victim):
            continue
        config = victim.net.config.to_dict()
        state = {k: v.detach().to("cpu") for k, v in victim.net.state_dict().items()}

        def factory(v, rules, symmetry, seed, max_batch, _config=config, _state=state):
            key = f"{v.label}|{symmetry}"
            ray.get(server.add_model.remote(key, _config, _state, symmetry))
            return RemoteEvaluator(server, v.board_size, rules, max_batch=max_batch, key=key)

        victim.evaluator_factory = factory


class InferenceServer:
    """Wrapped with ``ray.remote`` by ``ActorPool``; plain class otherwise (tests drive it with asyncio)."""

    def __init__(self, net_config: dict, device: str, seed: int, max_batch: int = 4096, max_wait_ms: float = 2.0,
                 threads: int = 1):
        import torch

        from ..nets import NetConfig, PolicyValueNet, TorchEvaluator
        from ..nets.threads import set_torch_threads

        set_torch_threads(threads)
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        net = PolicyValueNet(NetConfig(**net_config)).eval()
        self.evaluator = TorchEvaluator(net, device=device, symmetry="random", seed=seed, max_batch=max_batch)
        self.models = {TRAINED: self.evaluator}  # key -> evaluator: the trained net and frozen victims
        self.device = str(self.evaluator.device)
        self.seed = seed
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.version = -1
        self._clients: set = set()  # actors that registered (none: batches run by size and time only)
        self._waiting = 0  # requests queued over all models
        self._queues: dict[str, list] = {}  # key -> [(planes, globals, future)]
        self._queued: dict[str, int] = {}
        self._timers: dict = {}
        self.stats = {"requests": 0, "positions": 0, "batches": 0, "busy_s": 0.0}

    def add_model(self, key: str, net_config: dict, state: dict, symmetry: str) -> bool:
        """A frozen net (a victim) served under ``key``; False when it is already there."""
        if key in self.models:
            return False
        from ..nets import NetConfig, PolicyValueNet, TorchEvaluator

        net = PolicyValueNet(NetConfig(**net_config))
        net.load_state_dict(state)
        self.models[key] = TorchEvaluator(net.eval(), device=self.device, symmetry=symmetry, seed=self.seed,
                                          max_batch=self.max_batch)
        return True

    def add_katanet(self, key: str, model: str, symmetry: str, rules: dict, size: int, dtype: str = "fp32") -> bool:
        """KataGo's net (``katanet`` victims) served under ``key`` for ``size`` x ``size`` boards; False when it is
        already there. ``rules``: an ``advgo.Rules`` as a dict (its ko rule decides the value's post-processing)."""
        if key in self.models:
            return False
        from ..nets.katago import KataGoNet
        from ..rules import Rules
        from ..victims import KATANET_DTYPES

        net = KataGoNet(model, device=self.device, dtype=KATANET_DTYPES[dtype], rules=Rules(**rules),
                        symmetry=symmetry, seed=self.seed, max_batch=self.max_batch)
        self.models[key] = _SizedKataGoNet(net, size)
        return True

    def add_client(self, client) -> int:
        """Register an actor that sends requests (each has at most one in flight): a batch runs once all the
        registered ones wait. An actor restarted under the same id counts once; the number of clients."""
        self._clients.add(client)
        return len(self._clients)

    def load_weights(self, weights: tuple) -> int:
        version, state = weights
        if version != self.version:
            self.evaluator.load_weights(state)
            self.version = version
        return self.version

    async def evaluate(self, planes: np.ndarray, globals_: np.ndarray, key: str = "net"
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Priors and values (float16) of ``planes``: packed rows (``pack_planes``, what ``RemoteEvaluator``
        sends) or plain ``[B, C, N, N]`` planes."""
        if key not in self.models:
            raise KeyError(f"the inference server has no model {key!r} (add_model first)")
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queues.setdefault(key, []).append((planes, globals_, future))
        self._queued[key] = self._queued.get(key, 0) + planes.shape[0]
        self._waiting += 1
        self.stats["requests"] += 1
        if 0 < len(self._clients) <= self._waiting:
            for k in list(self._queues):
                self._flush(k)
        elif self._queued[key] >= self.max_batch:
            self._flush(key)
        elif self._timers.get(key) is None:
            self._timers[key] = loop.call_later(self.max_wait, self._flush, key)
        return await future

    def info(self) -> dict:
        return {"device": self.device, "version": self.version, "models": sorted(self.models),
                "clients": len(self._clients), **self.stats}

    def _flush(self, key: str) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        queue = self._queues.pop(key, [])
        self._queued[key] = 0
        self._waiting -= len(queue)
        if not queue:
            return
        evaluator = self.models[key]
        start = time.perf_counter()
        globals_ = np.concatenate([q[1] for q in queue])
        count = globals_.shape[0]
        priors = np.empty((count, evaluator.size ** 2 + 1), np.float32)  # (KataGoNet: the served size)
        values = np.empty(count, np.float32)
        try:
            evaluator.evaluate_planes(_planes_of(queue, evaluator), globals_, priors, values)
        except Exception as err:  # every waiting request gets the error, not a hang
            for _, _, future in queue:
                if not future.done():
                    future.set_exception(err)
            return
        priors, values = priors.astype(ANSWER_DTYPE), values.astype(ANSWER_DTYPE)
        at = 0
        for p, _, future in queue:
            n = p.shape[0]
            if not future.done():
                future.set_result((priors[at:at + n], values[at:at + n]))
            at += n
        self.stats["positions"] += count
        self.stats["batches"] += 1
        self.stats["busy_s"] += time.perf_counter() - start


def _planes_of(queue: list, evaluator):
    """The queued requests' planes as one batch: packed rows unpacked on the evaluator's device when all are packed
    (the actors' case), else everything as numpy planes."""
    planes = getattr(evaluator, "planes", FEATURES.planes)
    if not isinstance(planes, int):  # TorchEvaluator has no plane count of its own: advgo-v1
        planes = FEATURES.planes
    if all(q[0].ndim == 2 for q in queue):
        return unpack_planes(np.concatenate([q[0] for q in queue]), evaluator.size, evaluator.device, planes)
    n = evaluator.size
    shape = (-1, planes, n, n)
    return np.concatenate([q[0] if q[0].ndim == 4 else
                           np.unpackbits(q[0], axis=1, count=planes * n * n).reshape(shape) for q in queue])


class RemoteEvaluator:
    """The ``Evaluator`` protocol over an ``InferenceServer`` handle: local encoding, remote forward (planes sent
    as bits, answers back as float16). ``encoder`` (``encode(leaves, count, komi) -> (planes, globals)``): the
    model's features, advgo-v1 by default, a ``KataGoEncoder`` for a ``katanet`` victim."""

    def __init__(self, server, size: int, rules, max_batch: int = 256, key: str = "net", encoder=None):
        import ray

        self._ray = ray
        self.server = server
        self.key = key
        self.size = size
        self.encoder = _AdvgoEncoder(size, rules, max_batch) if encoder is None else encoder
        self.seconds = 0.0

    @property
    def rules(self):
        return self.encoder.rules

    @property
    def conservative_pass(self) -> bool:
        return getattr(self.encoder, "conservative_pass", False)

    @conservative_pass.setter
    def conservative_pass(self, value: bool) -> None:
        self.encoder.conservative_pass = bool(value)  # only KataGo's features have it

    def set_rules(self, rules) -> None:
        self.encoder.set_rules(rules)

    def load_weights(self, source) -> None:
        """Weights live on the server (the pool publishes them there)."""

    def evaluate(self, leaves, count: int, komi: float, priors_out: np.ndarray, values_out: np.ndarray) -> None:
        if count == 0:
            return
        planes, globals_ = self.encoder.encode(leaves, count, komi)
        start = time.perf_counter()
        priors, values = self._ray.get(self.server.evaluate.remote(pack_planes(planes), np.array(globals_), self.key))
        self.seconds += time.perf_counter() - start
        priors_out[:count] = priors
        values_out[:count] = values
