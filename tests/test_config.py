"""Tests for advgo.config: YAML loading, dotted overrides, type checks, round trips, readable errors."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from advgo.config import (
    REQUIRED,
    ConfigError,
    config_from_dict,
    describe,
    field_docs,
    format_value,
    load_config,
    missing_docs,
    to_dict,
    to_yaml,
    write_resolved,
)


@dataclass(frozen=True)
class Stage:
    victim: str = "cp1"
    """Victim to play against, by zoo name."""
    visits: int = 1
    """The victim's MCTS visits per move."""

    def __post_init__(self):
        if self.visits < 1:
            raise ValueError(f"visits must be >= 1, got {self.visits}")


@dataclass(frozen=True)
class Learner:
    batch_size: int = 256
    """Positions per learner step.

    Larger batches need a larger learning rate."""
    lr: float = 1e-3
    """Learning rate."""
    optimizer: Literal["adam", "sgd"] = "adam"
    """Optimizer of the learner."""
    clip: Optional[float] = None
    """Gradient-norm clip (null: none)."""
    board_sizes: tuple[int, ...] = (9,)
    """Board sizes sampled for self-play."""
    betas: tuple[float, float] = (0.9, 0.999)
    """Adam's betas."""

    def __post_init__(self):
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@dataclass(frozen=True)
class Curriculum:
    stages: list[Stage] = field(default_factory=lambda: [Stage("cp1", 1), Stage("cp2", 8)])
    """Victims in order, weakest first."""
    threshold: float = 0.7
    """Win rate that moves the adversary to the next stage."""


@dataclass(frozen=True)
class Eval:
    games: int = 100
    """Games per evaluation."""


@dataclass(frozen=True)
class RunConfig:
    name: str = "demo"
    """Run name."""
    seed: int = 0
    """Seed of every generator."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where the net runs."""
    out: Path = Path("runs")
    """Root of the run folders."""
    compile: bool = False
    """torch.compile the net."""
    learner: Learner = field(default_factory=Learner)
    """The learner."""
    curriculum: Curriculum = field(default_factory=Curriculum)
    """The curriculum."""
    eval: Optional[Eval] = None
    """Periodic evaluation (null: none)."""
    weights: dict[str, float] = field(default_factory=dict)
    """Sampling weight per victim."""


@dataclass(frozen=True)
class NeedsSize:
    size: int
    """Board size; no default."""
    undocumented: int = 0


@dataclass(frozen=True)
class Anything:
    payload: Any = None
    """Anything at all."""


@dataclass(frozen=True)
class Unsupported:
    value: complex = 0j
    """A type configs do not support."""


def write(tmp_path: Path, text: str, name: str = "cfg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------------------- loading
def test_defaults_without_file_or_overrides():
    assert load_config(RunConfig) == RunConfig()


def test_yaml_sets_values_and_defaults_fill_the_rest(tmp_path):
    path = write(tmp_path, """
name: exp1
learner:
  batch_size: 1e3        # PyYAML reads this as a string; an int field takes it
  lr: 1                  # an int where a float is due
  board_sizes: [9, 13]
  clip: 2.5
curriculum:
  stages:
    - {victim: cp3, visits: 16}
eval: {}
out: /tmp/runs
weights: {cp3: 2}
""")
    cfg = load_config(RunConfig, path)
    assert cfg.name == "exp1" and cfg.seed == 0 and cfg.device == "auto"
    assert cfg.learner == Learner(batch_size=1000, lr=1.0, clip=2.5, board_sizes=(9, 13))
    assert isinstance(cfg.learner.lr, float) and isinstance(cfg.learner.board_sizes, tuple)
    assert cfg.curriculum.stages == [Stage("cp3", 16)] and cfg.curriculum.threshold == 0.7
    assert cfg.eval == Eval() and cfg.out == Path("/tmp/runs") and cfg.weights == {"cp3": 2.0}


def test_empty_file_and_empty_section_mean_defaults(tmp_path):
    assert load_config(RunConfig, write(tmp_path, "")) == RunConfig()
    assert load_config(RunConfig, write(tmp_path, "learner:\n")) == RunConfig()


def test_overrides(tmp_path):
    path = write(tmp_path, "learner:\n  batch_size: 64\n")
    cfg = load_config(RunConfig, path, [
        "learner.batch_size=32",
        "learner.optimizer=sgd",
        "learner.betas=[0.5, 0.6]",
        "curriculum.stages[1].visits=64",
        "curriculum.stages.0.victim=cp0",
        "eval.games=10",          # an Optional section that was null is created
        "weights.cp2=0.5",
        "compile=true",
        "seed=1",
        "seed=2",                 # later overrides win
    ])
    assert cfg.learner.batch_size == 32 and cfg.learner.optimizer == "sgd" and cfg.learner.betas == (0.5, 0.6)
    assert cfg.curriculum.stages == [Stage("cp0", 1), Stage("cp2", 64)]
    assert cfg.eval == Eval(games=10) and cfg.weights == {"cp2": 0.5} and cfg.compile is True and cfg.seed == 2


def test_override_replaces_a_whole_list_and_sets_null():
    cfg = load_config(RunConfig, overrides=["curriculum.stages=[{victim: a}, {victim: b, visits: 2}]",
                                            "learner.clip=null"])
    assert cfg.curriculum.stages == [Stage("a"), Stage("b", 2)] and cfg.learner.clip is None


def test_required_field_from_override():
    assert load_config(NeedsSize, overrides=["size=9"]) == NeedsSize(9)


def test_overrides_must_be_a_list():
    with pytest.raises(TypeError, match="list"):
        load_config(RunConfig, overrides="seed=1")


def test_unsupported_annotation_is_a_programming_error():
    with pytest.raises(TypeError, match="unsupported config field type complex"):
        load_config(Unsupported, overrides=["value=1"])


# ---------------------------------------------------------------------------------------------- round trips
def test_to_yaml_round_trip_with_and_without_comments(tmp_path):
    cfg = load_config(RunConfig, overrides=["eval.games=3", "weights.x=1.5", "learner.clip=0.1"])
    for comments in (True, False):
        text = to_yaml(cfg, comments=comments)
        assert ("# Positions per learner step." in text) == comments
        assert load_config(RunConfig, write(tmp_path, text)) == cfg


def test_to_dict_is_plain_data_and_config_from_dict_rebuilds():
    cfg = RunConfig(learner=Learner(board_sizes=(9, 19)), eval=Eval(5))
    data = to_dict(cfg)
    assert json.loads(json.dumps(data)) == data  # lists, dicts, scalars and path strings only
    assert data["learner"]["board_sizes"] == [9, 19] and data["out"] == "runs"
    assert config_from_dict(RunConfig, data) == cfg


def test_config_from_dict_strict_and_lenient(caplog):
    data = to_dict(RunConfig())
    data["learner"]["old_knob"] = 3
    with pytest.raises(ConfigError, match=r"checkpoint: learner\.old_knob: unknown key"):
        config_from_dict(RunConfig, data, source="checkpoint")
    with caplog.at_level(logging.WARNING):
        assert config_from_dict(RunConfig, data, strict=False) == RunConfig()
    assert "learner.old_knob" in caplog.text


TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
STAGES = st.builds(Stage, victim=TEXT, visits=st.integers(1, 10**12))
LEARNERS = st.builds(
    Learner,
    batch_size=st.integers(1, 2**40),
    lr=FLOATS,
    optimizer=st.sampled_from(["adam", "sgd"]),
    clip=st.none() | FLOATS,
    board_sizes=st.lists(st.integers(-5, 25), max_size=4).map(tuple),
    betas=st.tuples(FLOATS, FLOATS),
)
CONFIGS = st.builds(
    RunConfig,
    name=TEXT,
    seed=st.integers(-(2**63), 2**63),
    device=st.sampled_from(["auto", "cpu", "cuda"]),
    out=st.sampled_from([Path("runs"), Path("/tmp/x y"), Path("a/b:c")]),
    compile=st.booleans(),
    learner=LEARNERS,
    curriculum=st.builds(Curriculum, stages=st.lists(STAGES, max_size=3), threshold=FLOATS),
    eval=st.none() | st.builds(Eval, games=st.integers(0, 1000)),
    weights=st.dictionaries(TEXT, FLOATS, max_size=3),
)


@given(CONFIGS)
def test_round_trip_property(cfg):
    assert load_config_text(to_yaml(cfg)) == cfg
    assert config_from_dict(RunConfig, to_dict(cfg)) == cfg


def load_config_text(text: str) -> RunConfig:
    return config_from_dict(RunConfig, yaml.safe_load(text), source="<yaml>")


@given(st.one_of(TEXT, FLOATS, st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=3)))
def test_format_value_is_one_line_of_yaml(value):
    text = format_value(value)
    assert "\n" not in text and yaml.safe_load(f"k: {text}") == {"k": value}


# -------------------------------------------------------------------------------------------------- errors
ERRORS = [
    # (yaml text or None, overrides, substrings the message must hold)
    ("learner:\n  batch_sise: 3\n", [], ["cfg.yaml:2", "learner.batch_sise", "did you mean 'batch_size'"]),
    ("colour: red\n", [], ["cfg.yaml:1", "colour: unknown key; known keys: name, seed"]),
    ("learner:\n  batch_size: abc\n", [], ["cfg.yaml:2", "learner.batch_size: expected an integer, got 'abc'"]),
    ("learner:\n  batch_size: 2.5\n", [], ["learner.batch_size: expected an integer, got 2.5"]),
    ("compile: 1\n", [], ["cfg.yaml:1", "compile: expected a boolean (true or false), got 1"]),
    ("name: 7\n", [], ["name: expected a string, got 7"]),
    ("device: gpu\n", [], ["device: expected one of 'auto', 'cpu', 'cuda', got 'gpu'"]),
    ("learner:\n  betas: [0.9]\n", [], ["learner.betas: expected a list of 2 items, got 1"]),
    ("learner:\n  board_sizes: 9\n", [], ["learner.board_sizes: expected a list, got 9"]),
    ("curriculum:\n  stages:\n    - {}\n    - {visits: x}\n", [],
     ["cfg.yaml:4", "curriculum.stages[1].visits: expected an integer, got 'x'"]),
    ("curriculum:\n  stages:\n    - {visits: 0}\n", [], ["cfg.yaml:3", "curriculum.stages[0]: visits must be >= 1"]),
    ("learner:\n  batch_size: 0\n", [], ["cfg.yaml:1", "learner: batch_size must be >= 1, got 0"]),
    ("learner: 5\n", [], ["learner: expected a mapping of Learner fields, got 5"]),
    ("weights: [1]\n", [], ["weights: expected a mapping, got a list [1]"]),
    ("- 1\n- 2\n", [], ["cfg.yaml: expected a mapping of config sections, got a list [1, 2]"]),
    ("on: 1\n", [], ["keys must be strings, got True", "quote the key"]),
    ("learner:\n  lr: 1\n  lr: 2\n", [], ["cfg.yaml:3", "learner.lr: duplicate key (first on line 2)"]),
    ("learner:\n  lr: [1\n", [], ["cfg.yaml:3", "invalid YAML"]),
    ("learner:\n  lr: 1\n bad: 2\n", [], ["cfg.yaml:3", "invalid YAML"]),
    (None, ["learner.batch_size=abc"],
     ["override 'learner.batch_size=abc'", "learner.batch_size: expected an integer, got 'abc'"]),
    (None, ["learner.optimiser=sgd"], ["override 'learner.optimiser=sgd'", "did you mean 'optimizer'"]),
    (None, ["learner.optimizer=rmsprop"], ["learner.optimizer: expected one of 'adam', 'sgd', got 'rmsprop'"]),
    ("learner:\n  batch_size: 8\n", ["learner.batch_size=0"],
     ["cfg.yaml:1", "learner: batch_size must be >= 1", "after override 'learner.batch_size=0'"]),
    (None, ["seed"], ["malformed override 'seed'", "KEY=VALUE"]),
    (None, ["=3"], ["malformed override '=3'"]),
    (None, ["learner..lr=3"], ["malformed override 'learner..lr=3'"]),
    (None, ["learner.lr[x]=3"], ["malformed override"]),
    (None, ["seed=[1"], ["override 'seed=[1'", "as YAML"]),
    (None, ["seed.x=1"], ["override 'seed.x=1'", "seed: is int, not a section"]),
    (None, ["curriculum.stages[2].visits=1"], ["curriculum.stages[2]: no such entry: the list has 2"]),
    (None, ["curriculum.stages.x=1"], ["curriculum.stages.x: no such entry"]),
    ("learner: 5\n", ["learner.lr=1"], ["override 'learner.lr=1'", "learner: expected a mapping of Learner"]),
]


@pytest.mark.parametrize("text, overrides, expected", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_name_the_key_and_where(tmp_path, text, overrides, expected):
    path = write(tmp_path, text) if text is not None else None
    before = sorted(tmp_path.iterdir())
    with pytest.raises(ConfigError) as info:
        load_config(RunConfig, path, overrides)
    message = str(info.value)
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert isinstance(info.value, ValueError)
    assert sorted(tmp_path.iterdir()) == before  # loading never writes


def test_missing_required_value_and_file(tmp_path):
    with pytest.raises(ConfigError, match="^size: missing required value$"):
        load_config(NeedsSize)
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(RunConfig, tmp_path / "nope.yaml")


def test_error_attributes(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(RunConfig, write(tmp_path, "seed: x\n"))
    err = info.value
    assert (err.key, err.source, err.problem) == ("seed", f"{tmp_path / 'cfg.yaml'}:1", "expected an integer, got 'x'")


# -------------------------------------------------------------------------------------------------- writing
def test_write_resolved_writes_a_documented_loadable_file(tmp_path):
    cfg = RunConfig(seed=5, eval=Eval(7))
    path = write_resolved(cfg, tmp_path / "run")
    text = path.read_text()
    assert path == tmp_path / "run" / "config.yaml"
    assert text.startswith("# Resolved ") and "RunConfig" in text.splitlines()[0]
    assert "# Seed of every generator.\nseed: 5\n" in text
    assert load_config(RunConfig, path) == cfg
    assert [p.name for p in path.parent.iterdir()] == ["config.yaml"]


def test_write_resolved_leaves_nothing_when_the_config_cannot_be_written(tmp_path):
    run_dir = tmp_path / "run"
    with pytest.raises(yaml.YAMLError):
        write_resolved(Anything(payload=object()), run_dir)
    assert not run_dir.exists()


def test_write_resolved_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    path = write_resolved(RunConfig(seed=1), tmp_path)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_resolved(RunConfig(seed=2), tmp_path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]  # no temporary file left behind
    assert load_config(RunConfig, path).seed == 1


# ------------------------------------------------------------------------------------------------ describing
def test_field_docs_read_attribute_docstrings():
    docs = field_docs(Learner)
    assert docs["lr"] == "Learning rate."
    assert docs["batch_size"] == "Positions per learner step.\n\nLarger batches need a larger learning rate."
    assert "undocumented" not in field_docs(NeedsSize)


def test_describe_a_class_and_an_instance():
    rows = {row.key: row for row in describe(RunConfig)}
    assert rows["learner.batch_size"][1:] == ("int", 256, field_docs(Learner)["batch_size"])
    assert rows["device"].type == "Literal['auto', 'cpu', 'cuda']"
    assert rows["learner.clip"].type == "float | None" and rows["learner.betas"].type == "tuple[float, float]"
    assert rows["curriculum.stages"].type == "list[Stage]"
    assert rows["curriculum.stages[1].visits"].default == 8
    assert rows["eval"].default is None and rows["eval"].type == "Eval | None"
    assert describe(NeedsSize)[0].default is REQUIRED
    instance = {row.key: row.default for row in describe(load_config(RunConfig, overrides=["eval.games=4"]))}
    assert instance["eval.games"] == 4 and "eval" not in instance


def test_missing_docs():
    assert missing_docs(RunConfig) == []
    assert missing_docs(NeedsSize) == ["NeedsSize.undocumented"]
