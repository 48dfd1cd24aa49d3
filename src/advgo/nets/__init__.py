"""Policy-value nets: the model (:mod:`.model`), fast inference (:mod:`.inference`), the search's evaluator
(:mod:`.evaluator`) and checkpoints (:mod:`.checkpoint`).

| entry point | what it is |
|---|---|
| ``NetConfig`` / ``PolicyValueNet`` | the ResNet's frozen config and the ``nn.Module`` |
| ``InferenceNet`` | a frozen copy of a net on one device by the fastest path measured (eager / trace / compile) |
| ``TorchEvaluator`` | ``advgo.search.Evaluator`` over a net: encode leaves, one forward, priors and values |
| ``save_checkpoint`` / ``load_checkpoint`` / ``CheckpointError`` (``CheckpointUnreadable``: a damaged file) | atomic, self-describing checkpoint files |
| ``checkpoint_path`` / ``latest_checkpoint`` / ``prune_checkpoints`` | ``ckpt-<step>.pt`` files in a run folder |
"""

from .checkpoint import (
    Checkpoint,
    CheckpointError,
    CheckpointUnreadable,
    checkpoint_path,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    prune_checkpoints,
    save_checkpoint,
)
from .evaluator import SYMMETRY_MODES, TorchEvaluator
from .inference import PATHS, InferenceNet, resolve_device
from .model import NetConfig, PolicyValueNet

__all__ = [
    "Checkpoint", "CheckpointError", "CheckpointUnreadable", "InferenceNet", "NetConfig", "PATHS", "PolicyValueNet",
    "SYMMETRY_MODES",
    "TorchEvaluator", "checkpoint_path", "latest_checkpoint", "list_checkpoints", "load_checkpoint",
    "prune_checkpoints", "resolve_device", "save_checkpoint",
]
