"""The replay buffer: a preallocated numpy ring of training rows, sampled with random board symmetries.

One row per searched position; ``capacity`` rows are kept, the newest overwriting the oldest:

| field | dtype | shape | what |
|---|---|---|---|
| ``planes`` | uint8 | [cap, C, N, N] | feature planes (:mod:`advgo.features`); all are 0/1, so a byte each |
| ``globals`` | float32 | [cap, G] | global inputs (komi, pass flags, ...) |
| ``policy`` | float32 | [cap, A] | target distribution over the A = N*N + 1 actions, pass last: sums to 1, or
  is all 0 for a row without a policy target (it then adds nothing to the policy loss) |
| ``value`` | float32 | [cap] | the game's outcome for the player to move in that position, in [-1, 1] |
| ``ownership`` | int8 | [cap, N*N] | auxiliary target: the final Tromp-Taylor area for the player to move (1 theirs,
  -1 the opponent's, 0 neither), row-major |
| ``margin`` | float32 | [cap] | auxiliary target: the final score for the player to move, komi included |
| ``aux`` | bool | [cap] | whether the row has the two auxiliary targets (rows added without them, and rows of a
  version-1 file, have not; the learner then leaves them out of the auxiliary losses) |

``sample`` draws rows uniformly with replacement and, with ``augment``, applies one of the 8 dihedral
symmetries per row (the same one to planes, policy and ownership; pass stays last), grouped by symmetry so each group
is one vectorised transform. It returns a :class:`Batch` of float32 arrays.

``state_dict()`` holds only numpy arrays (planes bit-packed, ownership as two packed bit planes, the generator's
state as JSON text), so ``np.savez`` writes it and ``load_state_dict`` restores the buffer exactly: the same rows at the same ring
positions and the same generator, hence the same future samples. ``save`` / ``load`` do that through a file,
written atomically (``tmp`` then ``os.replace``).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..features.symmetry import NUM_SYMMETRIES, policy_permutation, transform_planes
from ..fileio import atomic_write

FORMAT = "advgo-replay"
FORMAT_VERSION = 2  # 2 added the auxiliary targets (ownership, margin, aux); version 1 files still load
POLICY_SUM_TOLERANCE = 1e-3  # visit distributions are normalised in float32


class Batch(NamedTuple):
    """A training batch of B rows (float32 numpy arrays)."""

    planes: np.ndarray  # float32 [B, C, N, N]
    globals: np.ndarray  # float32 [B, G]
    policy: np.ndarray  # float32 [B, A]
    value: np.ndarray  # float32 [B]
    ownership: np.ndarray | None = None  # float32 [B, N*N]: final area for the player to move (1 theirs)
    margin: np.ndarray | None = None  # float32 [B]: final score for the player to move
    aux: np.ndarray | None = None  # float32 [B]: 1 where the row has the auxiliary targets, 0 where not


class ReplayBuffer:
    """A ring of the newest ``capacity`` training rows; see the module docstring for the fields."""

    def __init__(self, capacity: int, planes_shape: tuple[int, int, int], num_globals: int, num_actions: int,
                 seed: int = 0):
        capacity, num_globals, num_actions = (_positive(name, v) for name, v in (
            ("capacity", capacity), ("num_globals", num_globals), ("num_actions", num_actions)))
        planes_shape = tuple(_positive("planes_shape", v) for v in planes_shape)
        if len(planes_shape) != 3 or planes_shape[1] != planes_shape[2]:
            raise ValueError(f"ReplayBuffer: planes_shape must be (C, N, N), got {planes_shape}")
        size = planes_shape[1]
        if num_actions != size * size + 1:
            raise ValueError(f"ReplayBuffer: num_actions must be N*N + 1 = {size * size + 1} for planes "
                             f"{planes_shape} (pass last), got {num_actions}")
        self.capacity = capacity
        self.planes_shape = planes_shape
        self.board_size = size
        self.num_globals = num_globals
        self.num_actions = num_actions
        self.planes = np.zeros((capacity, *planes_shape), np.uint8)  # [cap, C, N, N]
        self.globals = np.zeros((capacity, num_globals), np.float32)  # [cap, G]
        self.policy = np.zeros((capacity, num_actions), np.float32)  # [cap, A]
        self.value = np.zeros(capacity, np.float32)  # [cap]
        self.ownership = np.zeros((capacity, size * size), np.int8)  # [cap, N*N]
        self.margin = np.zeros(capacity, np.float32)  # [cap]
        self.aux = np.zeros(capacity, np.bool_)  # [cap]
        self.rng = np.random.default_rng(seed)  # used by sample() when no generator is passed
        self._next = 0  # ring position the next row goes to
        self._size = 0  # rows held: min(total_added, capacity)
        self._total = 0  # rows ever added

    def __len__(self) -> int:
        return self._size

    @property
    def total_added(self) -> int:
        """Rows ever added, including those since overwritten."""
        return self._total

    def __repr__(self) -> str:
        return (f"ReplayBuffer({self._size}/{self.capacity} rows, planes {self.planes_shape}, "
                f"{self._total} added)")

    # ------------------------------------------------------------------ adding
    def add(self, planes, globals_, policy, value, ownership=None, margin=None) -> None:
        """Append n rows (planes [n, C, N, N] of 0/1, globals [n, G], policy [n, A], value [n]) with, optionally,
        their auxiliary targets (ownership [n, N*N] in {-1, 0, 1} and margin [n], both or neither).

        Rows beyond the free space overwrite the oldest; with n > capacity only the newest ``capacity`` are
        kept. The ring ends exactly as if the rows had been added one at a time.
        """
        rows = self._check_rows(planes, globals_, policy, value) + self._check_aux(ownership, margin, len(value))
        n = rows[3].shape[0]
        cap = self.capacity
        if n > cap:  # the first n - cap rows would be overwritten within this call
            skip = n - cap
            self._next = (self._next + skip) % cap
            self._total += skip
            rows = tuple(r[skip:] for r in rows)
            n = cap
        first = min(n, cap - self._next)  # rows up to the end of the ring, the rest wrap to the start
        for dst, src in zip(self._fields(), rows):
            dst[self._next:self._next + first] = src[:first]
            dst[:n - first] = src[first:]
        self._next = (self._next + n) % cap
        self._size = min(self._size + n, cap)
        self._total += n

    def _check_rows(self, planes, globals_, policy, value):
        planes, globals_ = np.asarray(planes), np.asarray(globals_, np.float32)
        policy, value = np.asarray(policy, np.float32), np.asarray(value, np.float32)
        n = value.shape[0] if value.ndim == 1 else -1
        for name, arr, shape in (("planes", planes, self.planes_shape), ("globals", globals_, (self.num_globals,)),
                                 ("policy", policy, (self.num_actions,)), ("value", value, ())):
            if arr.shape != (n, *shape):
                want = "[n]" if not shape else f"[n, {', '.join(map(str, shape))}]"
                raise ValueError(f"ReplayBuffer.add: {name} must be {want} with n rows like value, got "
                                 f"{arr.shape} (value {value.shape})")
        binary = planes <= 1 if planes.dtype in (np.uint8, np.bool_) else (planes == 0) | (planes == 1)
        if not binary.all():
            row, plane, r, c = (int(v) for v in np.argwhere(~binary)[0])
            raise ValueError(f"ReplayBuffer.add: planes must be 0 or 1 (they are stored as uint8), row {row} has "
                             f"{planes[row, plane, r, c].item()!r} at plane {plane}, point {(r, c)}")
        if not np.isfinite(globals_).all():
            raise ValueError(f"ReplayBuffer.add: globals must be finite, row {_first_bad(np.isfinite(globals_))}")
        ok = np.isfinite(policy).all(axis=1) & (policy >= 0).all(axis=1)
        sums = policy.sum(axis=1, dtype=np.float64)
        ok &= (np.abs(sums - 1) <= POLICY_SUM_TOLERANCE) | (sums == 0)
        if not ok.all():
            row = _first_bad(ok)
            raise ValueError(f"ReplayBuffer.add: policy rows must be finite, >= 0 and sum to 1 (or be all 0 for "
                             f"no policy target); row {row} sums to {sums[row]:.6g}")
        if not (np.abs(value) <= 1).all():  # also catches NaN
            row = _first_bad(np.abs(value) <= 1)
            raise ValueError(f"ReplayBuffer.add: value must be in [-1, 1], row {row} is {value[row].item()!r}")
        return planes.astype(np.uint8, copy=False), globals_, policy, value

    def _check_aux(self, ownership, margin, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ownership int8, margin, aux) rows; zeros and aux False when neither target is given."""
        if ownership is None and margin is None:
            return (np.zeros((n, self.board_size ** 2), np.int8), np.zeros(n, np.float32), np.zeros(n, np.bool_))
        if ownership is None or margin is None:
            raise ValueError("ReplayBuffer.add: ownership and margin come together (both or neither)")
        ownership, margin = np.asarray(ownership), np.asarray(margin, np.float32)
        if ownership.shape != (n, self.board_size ** 2) or margin.shape != (n,):
            raise ValueError(f"ReplayBuffer.add: ownership must be [n, {self.board_size ** 2}] and margin [n] with "
                             f"n = {n} rows, got {ownership.shape} and {margin.shape}")
        if not np.isin(ownership, (-1, 0, 1)).all():
            raise ValueError("ReplayBuffer.add: ownership must be -1, 0 or 1 at every point")
        if not np.isfinite(margin).all():
            raise ValueError(f"ReplayBuffer.add: margin must be a finite score, row {_first_bad(np.isfinite(margin))}")
        return ownership.astype(np.int8), margin, np.ones(n, np.bool_)

    def _fields(self) -> tuple[np.ndarray, ...]:
        """The row arrays in ``add``'s order."""
        return self.planes, self.globals, self.policy, self.value, self.ownership, self.margin, self.aux

    # ------------------------------------------------------------------ reading
    def sample(self, batch_size: int, rng: np.random.Generator | None = None, augment: bool = True) -> Batch:
        """``batch_size`` rows drawn uniformly with replacement; with ``augment``, each under a random symmetry.

        ``rng`` defaults to the buffer's own generator (``self.rng``, saved with its state).
        """
        if self._size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty")
        batch_size = _positive("batch_size", batch_size)
        rng = self.rng if rng is None else rng
        idx = rng.integers(0, self._size, batch_size)  # physical rows; [0, size) is exactly the filled part
        planes = self.planes[idx]  # fancy indexing copies
        policy = self.policy[idx]
        ownership = self.ownership[idx]
        if augment:
            n = self.board_size
            sym = rng.integers(0, NUM_SYMMETRIES, batch_size)
            for k in range(1, NUM_SYMMETRIES):  # k = 0 is the identity
                rows = np.flatnonzero(sym == k)
                if rows.size:
                    planes[rows] = transform_planes(planes[rows], k)
                    perm = policy_permutation(k, n)  # pass (last) stays last
                    policy[rows] = policy[rows][:, perm]
                    ownership[rows] = ownership[rows][:, perm[:-1]]
        return self._batch(idx, planes, policy, ownership)

    def _batch(self, idx, planes, policy, ownership) -> Batch:
        return Batch(planes.astype(np.float32), self.globals[idx], policy, self.value[idx],
                     ownership.astype(np.float32), self.margin[idx], self.aux[idx].astype(np.float32))

    def contents(self) -> Batch:
        """Every stored row, oldest first, as float32 (no augmentation); for tests and inspection."""
        order = (self._next - self._size + np.arange(self._size)) % self.capacity
        return self._batch(order, self.planes[order], self.policy[order], self.ownership[order])

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """Numpy arrays only (``np.savez`` writes it as is): the filled rows, the ring counters, the generator."""
        s = self._size
        return {
            "format": np.array(FORMAT),
            "format_version": np.array(FORMAT_VERSION),
            "capacity": np.array(self.capacity),
            "planes_shape": np.array(self.planes_shape),
            "num_globals": np.array(self.num_globals),
            "num_actions": np.array(self.num_actions),
            "next": np.array(self._next),
            "size": np.array(s),
            "total_added": np.array(self._total),
            "planes_bits": np.packbits(self.planes[:s].reshape(s, self.planes[0].size), axis=1),  # 0/1: 8x smaller
            "globals": self.globals[:s].copy(),
            "policy": self.policy[:s].copy(),
            "value": self.value[:s].copy(),
            "ownership_bits": np.packbits(np.concatenate((self.ownership[:s] > 0, self.ownership[:s] < 0), 1), axis=1),
            "margin": self.margin[:s].copy(),
            "aux": self.aux[:s].copy(),
            "rng_state": np.array(json.dumps(self.rng.bit_generator.state)),
        }

    def load_state_dict(self, state) -> None:
        """Restore from ``state_dict()`` (or the mapping ``np.load`` gives); the buffer's shapes must match.

        Everything is checked before anything changes, so a bad state leaves the buffer as it was.
        """
        try:
            rows, counters, rng = self._parse_state(state)
        except KeyError as e:
            raise ValueError(f"replay buffer state lacks the field {e.args[0]!r}") from None
        s = counters[1]
        self.planes[:s] = np.unpackbits(rows[0], axis=1, count=int(np.prod(self.planes_shape))).reshape(
            s, *self.planes_shape)
        area = self.board_size ** 2
        owner = np.unpackbits(rows[4], axis=1, count=2 * area).astype(np.int8)
        self.ownership[:s] = owner[:, :area] - owner[:, area:]
        self.globals[:s], self.policy[:s], self.value[:s] = rows[1:4]
        self.margin[:s], self.aux[:s] = rows[5:]
        self._next, self._size, self._total = counters
        self.rng = rng

    def _parse_state(self, state):
        version = int(state["format_version"])
        if str(state["format"]) != FORMAT or version not in (1, FORMAT_VERSION):
            raise ValueError(f"not an {FORMAT} version 1 or {FORMAT_VERSION} state: format "
                             f"{str(state['format'])!r} version {version}")
        saved = (int(state["capacity"]), tuple(int(v) for v in state["planes_shape"]), int(state["num_globals"]),
                 int(state["num_actions"]))
        mine = (self.capacity, self.planes_shape, self.num_globals, self.num_actions)
        if saved != mine:
            names = ("capacity", "planes_shape", "num_globals", "num_actions")
            diff = ", ".join(f"{k} {a} (this buffer: {b})" for k, a, b in zip(names, saved, mine) if a != b)
            raise ValueError(f"replay buffer state does not fit this buffer: saved with {diff}")
        nxt, s, total = int(state["next"]), int(state["size"]), int(state["total_added"])
        if not (0 <= s <= self.capacity and 0 <= nxt < self.capacity and total >= s
                and (s == self.capacity or nxt == s)):
            raise ValueError(f"replay buffer state has inconsistent counters: next {nxt}, size {s}, total {total}")
        bits = (np.prod(self.planes_shape) + 7) // 8
        names = ["planes_bits", "globals", "policy", "value"]
        rows = [np.asarray(state[k]) for k in names]
        owner_bits = (2 * self.board_size ** 2 + 7) // 8  # two bit planes: the mover's points, the opponent's
        if version == 1:  # rows without auxiliary targets
            rows += [np.zeros((s, owner_bits), np.uint8), np.zeros(s, np.float32), np.zeros(s, np.bool_)]
        else:
            rows += [np.asarray(state[k]) for k in ("ownership_bits", "margin", "aux")]
        names += ["ownership_bits", "margin", "aux"]
        shapes = [(s, bits), (s, self.num_globals), (s, self.num_actions), (s,), (s, owner_bits), (s,), (s,)]
        for name, arr, shape in zip(names, rows, shapes):
            if arr.shape != shape:
                raise ValueError(f"replay buffer state field {name!r} has shape {arr.shape}, expected {shape}")
        return rows, (nxt, s, total), _generator(json.loads(str(state["rng_state"])))

    def save(self, path) -> None:
        """Write the state to ``path`` (an .npz archive) atomically: a temporary file, then ``os.replace``."""
        buffer = io.BytesIO()  # a file object, so numpy does not append ".npz" to the name
        np.savez(buffer, **self.state_dict())
        atomic_write(path, buffer.getbuffer(), parents=False)

    def load(self, path) -> None:
        """Restore the state ``save`` wrote; a missing, corrupt or mismatched file raises and changes nothing."""
        self.load_state_dict(_read(path))

    @classmethod
    def from_file(cls, path) -> "ReplayBuffer":
        """A buffer with the shapes and contents of the file ``save`` wrote."""
        state = _read(path)
        try:
            shape = tuple(int(v) for v in state["planes_shape"])
            buf = cls(int(state["capacity"]), shape, int(state["num_globals"]), int(state["num_actions"]))
        except KeyError as e:
            raise ValueError(f"{path}: replay buffer file lacks the field {e.args[0]!r}") from None
        buf.load_state_dict(state)
        return buf


def _read(path) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"replay buffer file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"{path}: not a readable replay buffer file ({type(e).__name__}: {e})") from None


def _generator(state: dict) -> np.random.Generator:
    name = state.get("bit_generator")
    if name not in ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"):
        raise ValueError(f"replay buffer state has an unknown bit generator {name!r}")
    bit_generator = getattr(np.random, name)()
    bit_generator.state = state
    return np.random.Generator(bit_generator)


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"ReplayBuffer: {name} must be a positive int, got {value!r}")
    return int(value)


def _first_bad(ok: np.ndarray) -> int:
    return int(np.flatnonzero(~ok.reshape(ok.shape[0], -1).all(axis=1))[0])
