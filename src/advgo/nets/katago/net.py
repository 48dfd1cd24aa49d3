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
``conservative_pass`` (``conservativePass``: the net is not told that a pass would end the game). Symmetries: ``"none"`` (symmetry 0, as
``kata-raw-nn 0``), ``"random"`` (one of the 8 per position from the evaluator's seeded generator) or ``"average"``
(priors and values averaged over all 8, for A-MCTS-S++).

Models are loaded once per (file, device, dtype) in a process and shared between evaluators.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from pathlib import Path

import numpy as np
import torch

from advgo.engine import NO_CAP, Boards, RuleCodes
from advgo.engine.constants import KO_SIMPLE
from advgo.features import NUM_SYMMETRIES, policy_permutation
from advgo.features.katago import GLOBALS, SPATIAL, encode_katago
from advgo.features.symmetry import inverse

from ..inference import resolve_device
from .format import read_model
from .model import KataGoModel

__all__ = ["DEFAULT_MODEL", "KataGoNet", "KataGoOutput", "SYMMETRY_MODES", "load_model", "resolve_model_path"]

DEFAULT_MODEL = Path("~/.cache/advgo/katago/b10c384h6nbttflrs.bin.gz")
"""Where ``advgo engines install katago`` puts the net of the katrain wheel (the ``model=None`` default)."""
SYMMETRY_MODES = ("none", "random", "average")
MIN_SIZE, MAX_SIZE = 7, 19

_models: dict[tuple, KataGoModel] = {}
_models_lock = threading.Lock()


def resolve_model_path(model: str | os.PathLike | None) -> Path:
    """The model file ``model`` names (``None``: the installed default); ``FileNotFoundError`` if it is missing."""
    path = Path(os.path.expanduser(str(DEFAULT_MODEL if model is None else model)))
    if not path.is_file():
        hint = " (run `advgo engines install katago`)" if model is None else ""
        raise FileNotFoundError(f"no KataGo model file at {path}{hint}")
    return path.absolute()


def load_model(model: str | os.PathLike | None = None, device="cpu", dtype: torch.dtype = torch.float32) -> KataGoModel:
    """The :class:`KataGoModel` of a model file on ``device`` in ``dtype``, loaded once per process."""
    path = resolve_model_path(model)
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, str(device), dtype)
    with _models_lock:
        if key not in _models:
            _models[key] = KataGoModel(read_model(path)).to(device=device, dtype=dtype)
        return _models[key]


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


def _rule_codes(rules) -> RuleCodes:
    if rules is None:
        from advgo.rules import Rules  # the game layer sits below nets

        return Rules.tromp_taylor().codes(NO_CAP)
    if isinstance(rules, RuleCodes):
        return rules
    return rules.codes(NO_CAP)


class KataGoNet:
    """``Evaluator`` over a KataGo model file (see the module docstring).

    ``model``: a model file (``.bin.gz``), ``None`` for the installed one. ``device``: ``"cpu"``, ``"cuda"`` or
    ``"auto"``. ``dtype``: ``torch.float32`` (default) or ``torch.bfloat16`` / ``torch.float16`` (faster on a GPU,
    not exact). ``rules``: an ``advgo.Rules`` (ko, suicide; komi comes with each call). ``max_batch``: positions
    per forward. ``threads``: torch's CPU threads (``None`` leaves torch's setting).
    """

    def __init__(self, model: str | os.PathLike | None = None, device="cpu", dtype: torch.dtype | None = None,
                 rules=None, symmetry: str = "none", policy_optimism: float = 0.2, max_batch: int = 256,
                 seed: int = 0, threads: int | None = None, friendly_pass_ok: bool = False,
                 passing_hacks: bool = False, conservative_pass: bool = False):
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
            torch.set_num_threads(int(threads))
        self.path = resolve_model_path(model)
        self.model = load_model(self.path, self.device, self.dtype)
        self.desc_version = self.model.version
        self.pass_alive_suicide = self.model.pass_alive_under_suicide
        self.symmetry, self.policy_optimism, self.max_batch = symmetry, float(policy_optimism), int(max_batch)
        self.friendly_pass_ok = bool(friendly_pass_ok)
        self.passing_hacks = bool(passing_hacks)
        self.conservative_pass = bool(conservative_pass)
        self.rules = _rule_codes(rules)
        self._rng = np.random.default_rng(seed)
        self._size = 0
        self._capacity = 0
        self.calls = self.positions = 0

    @property
    def name(self) -> str:
        return self.model.name

    # --------------------------------------------------------------------------------------------- protocol
    def reseed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def set_rules(self, rules) -> None:
        """Encode positions under ``rules`` from now on (agents call this when a match starts)."""
        self.rules = _rule_codes(rules)

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
        n = leaves.size
        if not MIN_SIZE <= n <= MAX_SIZE:
            raise ValueError(f"KataGo's nets take boards {MIN_SIZE}x{MIN_SIZE} to {MAX_SIZE}x{MAX_SIZE}, not {n}x{n}")
        if not 0 <= count <= leaves.stones.shape[0]:
            raise ValueError(f"count must be in 0..{leaves.stones.shape[0]}, got {count}")
        if not np.isfinite(komi):
            raise ValueError(f"komi must be finite, got {komi}")
        self._grow(n, count)
        encode_katago(leaves, count, float(komi), self.rules, self._spatial, self._globals, self._legal,
                      pass_alive_suicide=self.pass_alive_suicide, friendly_pass_ok=self.friendly_pass_ok,
                      passing_hacks=self.passing_hacks, conservative_pass=self.conservative_pass)
        out = self.evaluate_features(self._spatial_t[:count], self._globals_t[:count], self._legal[:count],
                                     self.rules.ko_rule == KO_SIMPLE)
        self.calls += 1
        self.positions += count
        return out

    # --------------------------------------------------------------------------------------------- internals
    def _grow(self, n: int, count: int) -> None:
        if n == self._size and count <= self._capacity:
            return
        capacity = max(count, self.max_batch, 2 * self._capacity if n == self._size else 0)
        pin = self.device.type == "cuda"
        self._spatial_t = torch.zeros((capacity, SPATIAL, n, n), dtype=torch.float32, pin_memory=pin)
        self._globals_t = torch.zeros((capacity, GLOBALS), dtype=torch.float32, pin_memory=pin)
        self._spatial, self._globals = self._spatial_t.numpy(), self._globals_t.numpy()
        self._legal = np.zeros((capacity, n * n + 1), np.bool_)
        self._size, self._capacity = n, capacity
        self._forward_perm = torch.as_tensor(np.stack([policy_permutation(k, n)[:n * n] for k in range(8)]))
        self._back_perm = torch.as_tensor(np.stack([policy_permutation(inverse(k), n)[:n * n] for k in range(8)]))

    def evaluate_features(self, spatial: torch.Tensor, globals_: torch.Tensor, legal: np.ndarray,
                          simple_ko: bool) -> KataGoOutput:
        """Post-processed outputs for encoded features (``spatial`` [B, 22, N, N], ``globals_`` [B, 19], ``legal``
        bool [B, N*N + 1]): the inference server's entry point."""
        count, n = spatial.shape[0], spatial.shape[-1]
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
        parts = [self._forward_chunk(spatial[lo:lo + self.max_batch], globals_[lo:lo + self.max_batch],
                                     None if ks is None else ks[lo:lo + self.max_batch])
                 for lo in range(0, total, self.max_batch)]
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
        post = self.model.post
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
        if ks is not None:
            b, c = spatial.shape[:2]
            index = self._forward_perm[ks][:, None, :].expand(b, c, n * n)
            spatial = spatial.reshape(b, c, n * n).gather(2, index).reshape(b, c, n, n)
        with torch.inference_mode():
            policy, pass_logit, value, score, ownership = self.model(
                spatial.to(self.device, self.dtype, non_blocking=True),
                globals_.to(self.device, self.dtype, non_blocking=True))
            if policy.shape[1] >= 2:  # model version >= 12: blend in the optimistic policy
                board = policy[:, 0] + (policy[:, 1] - policy[:, 0]) * self.policy_optimism
                passes = pass_logit[:, 0] + (pass_logit[:, 1] - pass_logit[:, 0]) * self.policy_optimism
            else:
                board, passes = policy[:, 0], pass_logit[:, 0]
            logits = torch.cat((board, passes[:, None]), dim=1).float().cpu()
            value, score, ownership = value.float().cpu(), score.float().cpu(), ownership.float().cpu()
        if ks is not None:
            back = self._back_perm[ks]
            logits = torch.cat((logits[:, :n * n].gather(1, back), logits[:, n * n:]), dim=1)
            ownership = ownership.gather(1, back)
        return logits, value, score, ownership
