"""``KataGoNet``: KataGo's own network as the search's ``Evaluator``, in process and batched (CPU or CUDA).

One ``evaluate`` call encodes the leaves with KataGo's features (:mod:`advgo.features.katago`, Numba), runs the
PyTorch port of the net (:class:`.model.KataGoModel`) in chunks of ``max_batch``, and post-processes as KataGo does
(``NNEvaluator::evaluate``):

| output | from |
|---|---|
| priors over the N*N + 1 actions (pass last) | logits ``p + (p_optimistic - p) * policy_optimism`` (model version >= 12), softmax |
| | over the moves KataGo counts as legal; illegal moves get 0 |
| value for the player to move | ``win - loss`` of the softmax of the 3 outcome logits; with a superko rule the |
| | no-result outcome is impossible and gets probability 0 |
| ``evaluate_full``: also win / loss / no-result, score lead, self-play score mean and ownership (+1 = the |
| | player to move owns the point), all from the player to move's side |

``kata-raw-nn 0`` of the real engine prints the same numbers from white's side, at symmetry 0 and optimism
``rootPolicyOptimism`` (0.2 by default, also ``policy_optimism`` here). KataGo's GTP engine evaluates the root of
its search with two more settings (``kata-raw-nn`` uses neither): ``passing_hacks`` (``enablePassingHacks``: the
history is hidden when a pass would end a game that would not be won; pass gets at most 95% of the policy) and
``conservative_pass`` (``conservativePass``: the net is not told that a pass would end the game). Symmetries:
``"none"`` (symmetry 0, as ``kata-raw-nn 0``), ``"random"`` (one of the 8 per position from the evaluator's seeded
generator) or ``"average"`` (priors and values averaged over all 8, for A-MCTS-S++).

Models are loaded once per (file, device, dtype) in a process and shared between evaluators.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import numpy as np
import torch

from advgo.engine import Boards
from advgo.engine.constants import KO_SIMPLE
from advgo.features import NUM_SYMMETRIES, board_permutations
from advgo.features.katago import SPATIAL

from ..inference import resolve_device
from ..threads import set_torch_threads
from .encoder import KataGoEncoder, split_planes
from .format import read_model
from .model import KataGoModel, played_logits

__all__ = ["DEFAULT_MODEL", "KataGoNet", "KataGoOutput", "SYMMETRY_MODES", "load_model", "resolve_model_path"]

DEFAULT_MODEL = Path("~/.cache/advgo/katago/b10c384h6nbttflrs.bin.gz")
"""Where ``advgo engines install katago`` puts the net of the katrain wheel (the ``model=None`` default)."""
SYMMETRY_MODES = ("none", "random", "average")

_models: dict[tuple, KataGoModel] = {}
_models_lock = threading.Lock()


def resolve_model_path(model: str | os.PathLike | None) -> Path:
    """The model file ``model`` names (``None``: the installed default); ``FileNotFoundError`` if it is missing."""
    path = Path(os.path.expanduser(str(DEFAULT_MODEL if model is None else model)))
    if not path.is_file():
        hint = " (run `advgo engines install katago`)" if model is None else ""
        raise FileNotFoundError(f"no KataGo model file at {path}{hint}")
    return path.absolute()


def load_model(model: str | os.PathLike | None = None, device="cpu", dtype: torch.dtype = torch.float32,
               compile: bool = False) -> KataGoModel:
    """The :class:`KataGoModel` of a model file on ``device`` in ``dtype``, loaded once per process; ``compile``:
    wrapped in ``torch.compile`` (dynamic batch size), also once per process."""
    path = resolve_model_path(model)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, str(device), dtype)
    with _models_lock:
        if key not in _models:
            _models[key] = KataGoModel(read_model(path)).to(device=device, dtype=dtype)
        if not compile:
            return _models[key]
        if key + ("compiled",) not in _models:
            _models[key + ("compiled",)] = torch.compile(_models[key], dynamic=True)
        return _models[key + ("compiled",)]


@dataclasses.dataclass
class KataGoOutput:
    """``evaluate_full``'s answer for ``count`` positions, every value from the player to move's side."""

    priors: np.ndarray  # float32 [B, N*N + 1]
    win: np.ndarray  # float32 [B]
    loss: np.ndarray  # float32 [B]
    no_result: np.ndarray  # float32 [B]
    lead: np.ndarray  # float32 [B]: points ahead (KataGo's "whiteLead" from this side)
    score: np.ndarray  # float32 [B]: self-play score mean ("whiteScoreSelfplay")
    ownership: np.ndarray  # float32 [B, N*N]: +1 owned by the player to move

    @property
    def value(self) -> np.ndarray:
        return self.win - self.loss


class KataGoNet:
    """``Evaluator`` over a KataGo model file (see the module docstring).

    ``model``: a model file (``.bin.gz``), ``None`` for the installed one, or a :class:`KataGoModel` (a net being
    trained; the evaluator plays that module, moved to ``device`` and ``dtype``, and ``load_weights`` refreshes it). ``device``: ``"cpu"``, ``"cuda"`` or
    ``"auto"``. ``dtype``: ``torch.float32`` (default) or ``torch.bfloat16`` / ``torch.float16`` (faster on a GPU,
    not exact). ``rules``: an ``advgo.Rules`` (ko, suicide; komi comes with each call). ``max_batch``: positions
    per forward. ``threads``: torch's CPU threads (``None`` leaves torch's setting). ``compile``: run the net
    through ``torch.compile`` (about 1.3x in fp32 and 1.5x in bf16 on this project's CPU, after a minute or two of
    compiling in the first calls).
    """

    def __init__(self, model: str | os.PathLike | None = None, device="cpu", dtype: torch.dtype | None = None,
                 rules=None, symmetry: str = "none", policy_optimism: float = 0.2, max_batch: int = 256,
                 seed: int = 0, threads: int | None = None, friendly_pass_ok: bool = False,
                 passing_hacks: bool = False, conservative_pass: bool = False, compile: bool = False):
        if symmetry not in SYMMETRY_MODES:
            raise ValueError(f"unknown symmetry mode {symmetry!r}: expected one of {SYMMETRY_MODES}")
        if not 0.0 <= policy_optimism <= 1.0:
            raise ValueError(f"policy_optimism must be in [0, 1], got {policy_optimism}")
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, got {max_batch}")
        self.device = resolve_device(device)
        self.dtype = torch.float32 if dtype is None else dtype
        if self.dtype not in (torch.float32, torch.bfloat16, torch.float16):
            raise ValueError(f"dtype must be torch.float32, torch.bfloat16 or torch.float16, got {self.dtype}")
        if threads is not None:
            set_torch_threads(threads)
        if isinstance(model, KataGoModel):  # a net in training: this evaluator plays it (load_weights refreshes it)
            self.path = None
            self.net = model.to(device=self.device, dtype=self.dtype).eval()
            self.model = torch.compile(self.net, dynamic=True) if compile else self.net
        else:
            self.path = resolve_model_path(model)
            self.net = load_model(self.path, self.device, self.dtype)  # the KataGoModel: name, version, post
            self.model = load_model(self.path, self.device, self.dtype, compile=compile)  # what runs
        self.symmetry, self.policy_optimism, self.max_batch = symmetry, float(policy_optimism), int(max_batch)
        self.encoder = KataGoEncoder(rules, passing_hacks=passing_hacks, conservative_pass=conservative_pass,
                                     friendly_pass_ok=friendly_pass_ok,
                                     pass_alive_suicide=self.net.pass_alive_under_suicide, capacity=max_batch,
                                     pin=self.device.type == "cuda")
        self._rng = np.random.default_rng(seed)
        self._perms: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        self.calls = self.positions = 0
        self.net_evaluations = 0  # positions through the net: eight per position with symmetry "average" (S++)

    # the encoder's settings, as attributes of the evaluator
    rules = property(lambda self: self.encoder.rules)
    pass_alive_suicide = property(lambda self: self.encoder.pass_alive_suicide)
    passing_hacks = property(lambda self: self.encoder.passing_hacks,
                             lambda self, v: setattr(self.encoder, "passing_hacks", bool(v)))
    conservative_pass = property(lambda self: self.encoder.conservative_pass,
                                 lambda self, v: setattr(self.encoder, "conservative_pass", bool(v)))
    friendly_pass_ok = property(lambda self: self.encoder.friendly_pass_ok)

    @property
    def name(self) -> str:
        return self.net.name

    def load_weights(self, source) -> None:
        """New weights (a ``KataGoModel`` of the same file, or its state dict), e.g. after learner steps; only for an
        evaluator built on a module, not on a file's shared net."""
        if self.path is not None:
            raise ValueError(f"this evaluator plays the model file {self.path}; its weights are shared, not loaded")
        self.net.load_state_dict(source if isinstance(source, dict) else source.state_dict())

    # --------------------------------------------------------------------------------------------- protocol
    def reseed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def set_rules(self, rules) -> None:
        """Encode positions under ``rules`` from now on (agents call this when a match starts)."""
        self.encoder.set_rules(rules)

    def evaluate(self, leaves: Boards, count: int, komi: float, priors_out: np.ndarray,
                 values_out: np.ndarray) -> None:
        """Priors into ``priors_out[:count]`` and values for the player to move into ``values_out[:count]``."""
        n = leaves.size
        if priors_out.shape[0] < count or priors_out.ndim != 2 or priors_out.shape[1] != n * n + 1 \
                or values_out.shape[0] < count:
            raise ValueError(f"priors_out must be [>= {count}, {n * n + 1}] and values_out [>= {count}], got "
                             f"{priors_out.shape} and {values_out.shape}")
        if count == 0:
            return
        out = self.evaluate_full(leaves, count, komi)
        priors_out[:count] = out.priors
        values_out[:count] = out.value

    def evaluate_full(self, leaves: Boards, count: int, komi: float) -> KataGoOutput:
        """Everything the net says about games ``0 .. count - 1`` of ``leaves`` (see :class:`KataGoOutput`)."""
        planes, globals_ = self.encoder.encode(leaves, count, komi)
        out = self.evaluate_features(self.encoder.planes_t[:count, :SPATIAL], self.encoder.globals_t[:count],
                                     self.encoder.legal(count), self.rules.ko_rule == KO_SIMPLE)
        self.calls += 1
        self.positions += count
        return out

    def evaluate_planes(self, planes, globals_, priors_out: np.ndarray, values_out: np.ndarray) -> None:
        """``evaluate`` for positions encoded elsewhere (an inference server's path): ``planes`` [B, 23, N, N] as
        :class:`KataGoEncoder` makes them (numpy or torch, any dtype holding 0/1) and ``globals_`` [B, 19]."""
        count = planes.shape[0]
        if count == 0:
            return
        features, legal = split_planes(planes)
        globals_t = globals_ if isinstance(globals_, torch.Tensor) else torch.from_numpy(
            np.ascontiguousarray(globals_, np.float32))
        out = self.evaluate_features(features, globals_t, legal, self.rules.ko_rule == KO_SIMPLE)
        priors_out[:count] = out.priors
        values_out[:count] = out.value
        self.calls += 1
        self.positions += count

    # --------------------------------------------------------------------------------------------- internals
    def _permutations(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(forward, back) [8, N*N]: the board points of each symmetry and of its inverse."""
        if n not in self._perms:
            self._perms[n] = tuple(torch.tensor(p) for p in board_permutations(n))  # copies of read-only tables
        return self._perms[n]

    def evaluate_features(self, spatial: torch.Tensor, globals_: torch.Tensor, legal: np.ndarray,
                          simple_ko: bool) -> KataGoOutput:
        """Post-processed outputs for encoded features (``spatial`` [B, 22, N, N], ``globals_`` [B, 19], ``legal``
        bool [B, N*N + 1]): the inference server's entry point."""
        count, n = spatial.shape[0], spatial.shape[-1]
        self.net_evaluations += count * (NUM_SYMMETRIES if self.symmetry == "average" else 1)
        legal_t = torch.from_numpy(np.ascontiguousarray(legal[:count]))
        if self.symmetry == "none":
            ks = None
        elif self.symmetry == "random":
            ks = torch.as_tensor(self._rng.integers(0, NUM_SYMMETRIES, count))
        else:
            ks = torch.arange(NUM_SYMMETRIES).repeat_interleave(count)
            spatial, globals_ = spatial.repeat(NUM_SYMMETRIES, 1, 1, 1), globals_.repeat(NUM_SYMMETRIES, 1)
            legal_t = legal_t.repeat(NUM_SYMMETRIES, 1)
        total = spatial.shape[0]
        # attention holds [B, heads, L, L] scores: keep them under ~256 MB (19x19: ~60 positions a forward)
        chunk = max(1, min(self.max_batch, int(2.5e8 // (32 * n ** 4))))
        parts = [self._forward_chunk(spatial[lo:lo + chunk], globals_[lo:lo + chunk],
                                     None if ks is None else ks[lo:lo + chunk])
                 for lo in range(0, total, chunk)]
        logits, value, score, ownership = (torch.cat(x) for x in zip(*parts))
        priors = self._priors(logits.masked_fill(~legal_t, float("-inf")))
        if not simple_ko:  # KataGo: under superko a game cannot end without a result
            value[:, 2] -= 100000.0
        probs = torch.softmax(value, dim=1)
        if not simple_ko:
            probs[:, 2] = 0.0
            probs = probs / probs.sum(dim=1, keepdim=True)
        if self.symmetry == "average":
            priors, probs, score, ownership = (x.view(NUM_SYMMETRIES, count, -1).mean(0)
                                               for x in (priors, probs, score, ownership))
        no_result = probs[:, 2]
        post = self.net.post
        lead = score[:, 2] * post.lead * (1.0 - no_result)
        mean = score[:, 0] * post.score_mean * (1.0 - no_result)
        return KataGoOutput(priors.numpy(), probs[:, 0].numpy(), probs[:, 1].numpy(), no_result.numpy(),
                            lead.numpy(), mean.numpy(), np.tanh(ownership.numpy()).reshape(count, n * n))

    def _priors(self, logits: torch.Tensor) -> torch.Tensor:
        """Softmax over the legal moves; with passing hacks, as KataGo, pass gets at most 19 times the rest (95%)."""
        if not self.passing_hacks:
            return torch.softmax(logits, dim=1)
        top = logits.amax(dim=1, keepdim=True)
        exps = torch.exp(logits - top)
        rest = exps[:, :-1].sum(dim=1)
        exps[:, -1] = torch.clamp(torch.minimum(exps[:, -1], rest * 19.0), min=1e-20)
        return exps / exps.sum(dim=1, keepdim=True)

    def _forward_chunk(self, spatial: torch.Tensor, globals_: torch.Tensor, ks: torch.Tensor | None):
        """(logits [B, N*N + 1], value logits [B, 3], score [B, 6], ownership logits [B, N*N]), float32 on the CPU;
        row j evaluated under symmetry ``ks[j]`` (None: the identity) and mapped back."""
        n = spatial.shape[-1]
        forward_perm, back_perm = self._permutations(n)
        if ks is not None:
            b, c = spatial.shape[:2]
            index = forward_perm[ks][:, None, :].expand(b, c, n * n)
            spatial = spatial.reshape(b, c, n * n).gather(2, index).reshape(b, c, n, n)
        with torch.inference_mode():
            policy, pass_logit, value, score, ownership = self.model(
                spatial.to(self.device, self.dtype, non_blocking=True),
                globals_.to(self.device, self.dtype, non_blocking=True))
            logits = played_logits(policy, pass_logit, self.policy_optimism).float().cpu()
            value, score, ownership = value.float().cpu(), score.float().cpu(), ownership.float().cpu()
        if ks is not None:
            back = back_perm[ks]
            logits = torch.cat((logits[:, :n * n].gather(1, back), logits[:, n * n:]), dim=1)
            ownership = ownership.gather(1, back)
        return logits, value, score, ownership
