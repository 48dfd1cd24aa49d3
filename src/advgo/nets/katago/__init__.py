"""KataGo's own networks inside advgo: the model file format, the PyTorch port of the net, the search's evaluator.

| module | what it holds |
|---|---|
| :mod:`.layers` | the layers of a model file as plain data (``ModelDesc`` and its blocks) |
| :mod:`.format`, :mod:`.writer` | ``read_model`` / ``write_model``: KataGo's ``.bin.gz`` (and ``.txt.gz``) files, |
| | model versions 8-17 |
| :mod:`.encoder` | ``KataGoEncoder``: KataGo's features and the legal moves of a batch, with no net (actors use it) |
| :mod:`.root` | KataGo's root-move rules at 1 visit (``KataGoRootEvaluator``) |
| :mod:`.model` | ``KataGoModel``: the network in PyTorch, as KataGo's CPU backend computes it |
| :mod:`.net` | ``KataGoNet``: the ``Evaluator`` (KataGo's input features, batched forward, KataGo's post-processing) |
| :mod:`.trainable`, :mod:`.export` | ``KataGoTrainable``: the net as advgo's learner trains it; ``export_model``: its |
| | weights back into a model file KataGo reads |
| :mod:`.checkpoint` | checkpoints of a KataGo net in training (``--resume``) |

The input features are :mod:`advgo.features.katago` (Numba). ``advgo engines check-katanet`` compares the whole
chain with the real engine's ``kata-raw-nn``.
"""

from .format import ModelFormatError, UnsupportedModelError, parse_model, read_model
from .model import KataGoModel
from .net import DEFAULT_MODEL, SYMMETRY_MODES, KataGoNet, KataGoOutput, load_model, resolve_model_path
from .trainable import KataGoTrainable
from .writer import model_bytes, write_model

__all__ = [
    "DEFAULT_MODEL", "KataGoModel", "KataGoNet", "KataGoOutput", "KataGoTrainable", "ModelFormatError", "SYMMETRY_MODES",
    "UnsupportedModelError", "load_model", "model_bytes", "parse_model", "read_model", "resolve_model_path",
    "write_model",
]
