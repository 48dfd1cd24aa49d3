"""``advgo train victim`` with ``defence.init: katanet``: fine-tune KataGo's own net on the positions it lost.

The defence of :mod:`advgo.training.defence` (self-play, a share of it from adversarial positions, learned from by
the run's search) on a KataGo network instead of one of ours. ``defence.init`` names the net as the ``katanet``
agent does (``katanet``: the installed model; ``katanet:model=PATH``) or as a bare KataGo model file
(``PATH.bin.gz``). The run's net section is not used: the architecture is the file's.

| what | for a KataGo net |
|---|---|
| net trained | :class:`advgo.nets.katago.trainable.KataGoTrainable`: every weight but fixed rotary frequencies; the |
| | learner's losses on the policy KataGo plays (optimism blend) and on ``P(win) - P(loss)`` |
| self-play and evaluation games | :class:`advgo.nets.katago.KataGoNet` over a frozen copy, in ``defence.katago_dtype`` |
| | (``bf16``: about 2.5x faster on a CPU, not exact), with KataGo's passing hacks as ``katanet`` plays; in |
| | evaluation each position under a random one of the 8 symmetries (two nets at temperature 0 would otherwise |
| | replay the same two games) |
| replay rows | KataGo's input features (22 planes, 19 globals) as the evaluator encoded the searched position |
| checkpoints | ``checkpoints/ckpt-<step>.pt`` (:mod:`advgo.nets.katago.checkpoint`: weights, optimizer, the base |
| | model file's path) for ``--resume`` |
| on Ray actors | :class:`KataGoSelfPlayGames`: each actor a KataGo net of the model's architecture, weights by |
| | version; evaluated in the actor (the inference server serves advgo's own nets only) |
| the defended net | ``model.bin.gz`` in the run folder, a KataGo model file rewritten at every checkpoint, and |
| | ``milestones/model-<step>.bin.gz`` (and ``.json``: step, cost): ``katanet:model=PATH``, the real engine |
| | (``katago:model=PATH``) or ``advgo zoo build`` (``zoo:NAME``) play it |

Training runs in float32 on the run's device. On this project's 2-core CPU a learner step of 64 9x9 positions of
the b10c384 net takes about 2.5 s.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import zoo
from ..agentspec import is_katanet, parse_agent_spec
from ..config import to_dict
from ..features.katago import GLOBALS, SPATIAL
from ..fileio import atomic_write
from ..nets.katago import KataGoModel, KataGoNet, read_model, resolve_model_path
from ..nets.katago.checkpoint import load_katago_checkpoint, save_katago_checkpoint
from ..nets.katago.layers import ModelDesc
from ..nets.katago.trainable import KataGoSamples, KataGoTrainable
from .defence import DefenceTrainer, PositionalSelfPlayGames
from .trainer import MILESTONES
from .victim_config import VictimRunConfig

log = logging.getLogger(__name__)

MODEL_FILE = "model.bin.gz"  # the defended net, newest, in the run folder
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
_MODEL_SUFFIXES = (".bin.gz", ".txt.gz", ".bin", ".txt")


def katago_model_of(spec: str) -> Path | None:
    """The KataGo model file ``spec`` names (``katanet``, ``katanet:model=PATH``, ``PATH.bin.gz``, a KataGo net of
    the zoo as ``zoo:NAME`` or ``NAME``); None when it names something else (a checkpoint of ours, one of our zoo
    victims). A KataGo spec whose file is missing is an error."""
    text = str(spec).strip()
    if is_katanet(text):
        parsed = parse_agent_spec(text)
        extra = {k for k, _ in parsed.params} - {"model"}
        if extra:
            raise ValueError(f"defence.init {spec!r}: only model= applies to the net to fine-tune, not "
                             f"{', '.join(sorted(extra))}")
        model = parsed.get("model")
    elif text.endswith(_MODEL_SUFFIXES):
        model = text
    else:
        entry = zoo.find(text)
        if entry is None or entry.kind != "katago":
            return None
        model = str(entry.path)
    try:
        return resolve_model_path(model)
    except FileNotFoundError as err:
        raise ValueError(f"defence.init {spec!r}: {err}") from None


def milestone_files(run_dir: Path, step: int) -> tuple[Path, Path]:
    """A KataGo defence's milestone at ``step``: its model file and, beside it, the JSON record of the run's cost
    by then (``{"step", "counters", "hardware"}``, read by ``advgo zoo build``)."""
    stem = f"{Path(run_dir) / MILESTONES}/model-{step:09d}"
    return Path(f"{stem}.bin.gz"), Path(f"{stem}.json")


@dataclass(frozen=True)
class KataGoSelfPlayGames(PositionalSelfPlayGames):
    """What a KataGo defence plays, in its own process or on Ray actors: the positional self-play of
    :class:`~advgo.training.defence.PositionalSelfPlayGames` with a KataGo net as the evaluator (each actor its own
    copy of the ``desc``'s architecture, weights by version as any run's) and KataGo's features as the samples. An
    inference server serves advgo's own nets only: each actor evaluates the net itself."""

    desc: ModelDesc | None = None
    dtype: str = "bf16"

    servable = False

    def evaluator(self, rules, seed: int, device: str) -> KataGoNet:
        return KataGoNet(KataGoModel(self.desc), device=device, dtype=DTYPES[self.dtype], rules=rules, symmetry="random", seed=seed,
                         max_batch=self.batch, passing_hacks=True)

    def samples(self, evaluator) -> KataGoSamples:
        return KataGoSamples(evaluator.encoder)


class KataGoDefenceTrainer(DefenceTrainer):
    """:class:`DefenceTrainer` for a KataGo net (see the module docstring)."""

    description = "training victim (KataGo defence)"
    milestone_checkpoints = False  # a milestone is the model file (a checkpoint with its optimizer is 3x its size)
    eval_symmetry = "random"  # with eval_temperature 0 the games vary while both nets play their top move

    def __init__(self, cfg: VictimRunConfig, run_dir: Path, resume: bool = False,
                 max_minutes: float | None = None):
        self.model_file = katago_model_of(cfg.defence.init or "")
        if self.model_file is None:
            raise ValueError(f"defence.init {cfg.defence.init!r} does not name a KataGo net")
        self.template = read_model(self.model_file)
        self.play_dtype = DTYPES[cfg.defence.katago_dtype]
        super().__init__(cfg, run_dir, resume, max_minutes)

    # ------------------------------------------------------------------ the net
    def _load_init(self, cfg: VictimRunConfig, resume: bool):
        log.info("defence: fine-tuning KataGo's net %s (model version %d, %s): the config's net section is not "
                 "used", self.template.name, self.template.version, self.model_file)
        return cfg, None

    def _begin(self, init) -> dict:
        return {"model_file": str(self.model_file), "model_name": self.template.name,
                "model_version": self.template.version}

    def _build_net(self) -> KataGoTrainable:
        return KataGoTrainable(self.template, simple_ko=self.rules.ko == "simple")

    def _reference_net(self) -> KataGoTrainable:
        anchor_to = self.cfg.defence.anchor_to
        if not anchor_to:
            return self._build_net()  # the model file's weights
        model = katago_model_of(anchor_to)
        if model is None:
            raise ValueError(f"defence.anchor_to {anchor_to!r} does not name a KataGo net")
        reference = KataGoTrainable(read_model(model), simple_ko=self.rules.ko == "simple")
        own = self._build_net()
        if {k: v.shape for k, v in reference.state_dict().items()} != {k: v.shape for k, v in own.state_dict().items()}:
            raise ValueError(f"defence.anchor_to {anchor_to!r} is not a net of defence.init's architecture")
        return reference

    def _sample_shape(self) -> tuple[tuple[int, int, int], int]:
        n = self.cfg.game.board_size
        return (SPATIAL, n, n), GLOBALS

    def _make_evaluator(self, net: KataGoTrainable, symmetry: str, seed: int, max_batch: int = 256) -> KataGoNet:
        return KataGoNet(net.inference_copy(), device=self.device, dtype=self.play_dtype, rules=self.rules,
                         symmetry=symmetry, seed=seed, max_batch=max_batch, passing_hacks=True)

    def _actor_games(self) -> KataGoSelfPlayGames:
        return KataGoSelfPlayGames(self.cfg, self.lost, self.template, self.cfg.defence.katago_dtype)

    def _played_net(self):
        return self.net.model  # the KataGo net itself: the actors' evaluators load its weights

    def _after_training(self) -> None:
        self.torch_evaluator.load_weights(self.net.model)

    # ------------------------------------------------------------------ checkpoints
    def _write_checkpoint(self, path: Path, rng_state: dict, extra: dict) -> None:
        save_katago_checkpoint(path, net=self.net, model_file=self.model_file, board_size=self.cfg.game.board_size,
                               optimizer=self.learner, config=to_dict(self.cfg), step=self.step,
                               rng_state=rng_state, extra=extra)

    def _read_checkpoint(self, path: Path):
        return load_katago_checkpoint(path, device=self.device, expect_board_size=self.cfg.game.board_size)

    def save(self) -> Path:
        """The checkpoint, then the defended net as a KataGo model file (and a milestone copy of it)."""
        path = super().save()
        name = f"{self.template.name}-defence-{self.run_dir.name}-s{self.step}"
        model = self.net.export(self.run_dir / MODEL_FILE, name=name)
        every = self.cfg.schedule.milestone_every
        if every and self.step % every == 0:
            milestone, record = milestone_files(self.run_dir, self.step)
            atomic_write(milestone, model.read_bytes())
            atomic_write(record, json.dumps({"step": self.step, **self._compute_record()}, indent=1), fsync=False)
        return path
