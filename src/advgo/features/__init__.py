"""Net inputs: the feature set (:mod:`.planes`, a Numba encoder) and the 8 board symmetries (:mod:`.symmetry`).

A feature set is named and versioned; checkpoints record ``FEATURES.name`` and ``FEATURES.version`` and
refuse to load under another. Change the encoding in any way a trained net would notice, and bump the
version (or the name).

| entry point | what it does |
|---|---|
| ``FEATURES`` | the current feature set: name, version, planes C, globals G |
| ``encode_into(boards, i, komi, planes_out, globals_out, rules)`` | Numba kernel: one game into [C, N, N] + [G] |
| ``encode_batch(boards, count, komi, planes, globals_, rules=None)`` | games 0..count-1 into preallocated buffers |
| ``encode_state(state)`` | ``(planes [C, N, N], globals [G])`` of a ``GameState`` |
| ``transform_planes`` / ``transform_policy`` / ``inverse`` | the dihedral symmetries (see :mod:`.symmetry`) |
"""

from dataclasses import dataclass

from .planes import (
    GLOBAL_NAMES,
    NUM_GLOBALS,
    NUM_PLANES,
    PLANE_NAMES,
    default_rules,
    encode_batch,
    encode_into,
    encode_state,
)
from .symmetry import (
    NUM_SYMMETRIES,
    SYMMETRIES,
    board_permutations,
    inverse,
    policy_permutation,
    transform_action,
    transform_planes,
    transform_policy,
)


@dataclass(frozen=True)
class FeatureSet:
    """What a net's inputs are: checkpoints record ``name`` and ``version`` and refuse any other."""

    name: str
    """Identifier of the encoding, e.g. "advgo-v1"."""
    version: int
    """Bumped on any change a trained net would notice."""
    planes: int
    """C: input planes [C, N, N]."""
    globals: int
    """G: global inputs [G]."""

    @property
    def tag(self) -> str:
        return f"{self.name} (version {self.version})"


FEATURES = FeatureSet(name="advgo-v1", version=1, planes=NUM_PLANES, globals=NUM_GLOBALS)

__all__ = [
    "FEATURES", "FeatureSet", "GLOBAL_NAMES", "NUM_GLOBALS", "NUM_PLANES", "NUM_SYMMETRIES", "PLANE_NAMES",
    "SYMMETRIES", "board_permutations", "default_rules", "encode_batch", "encode_into", "encode_state", "inverse",
    "policy_permutation", "transform_action", "transform_planes", "transform_policy",
]
