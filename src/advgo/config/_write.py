"""Config output and introspection (:mod:`advgo.config`): plain data, documented YAML, the resolved
``config.yaml``, field tables. This half reads a config's dataclasses, never a file, so it is what checkpoints,
run logs and ``--help`` need:

| function | gives |
|---|---|
| :func:`to_dict` | the config as plain data (dicts, lists, scalars, paths as strings) for JSON, pickles, checkpoints |
| :func:`to_yaml` | YAML that :func:`advgo.config.load_config` reads back equal, field docstrings as comments |
| :func:`write_resolved` | ``to_yaml`` written to ``<run dir>/config.yaml`` atomically (:mod:`advgo.fileio`) |
| :func:`format_value` | one value as one line of YAML (``256``, ``[1, 2]``, ``null``) |
| :func:`describe` | a :class:`FieldRow` (dotted key, type, default or value, doc) per leaf field |
| :func:`field_docs` / :func:`missing_docs` | the attribute docstrings of a dataclass / the fields lacking one |
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import os
import textwrap
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ..fileio import atomic_write
from ._types import Key, format_key, init_fields, optional_inner, plain_data, type_name

CONFIG_FILENAME = "config.yaml"
REQUIRED = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
"""The ``default`` of a :class:`FieldRow` for a field that has none."""

_LINE_BREAKS = "\n\r\x85\u2028\u2029"


class FieldRow(NamedTuple):
    """One leaf of a config, as :func:`describe` lists it."""

    key: str  # dotted key, e.g. "learner.batch_size" or "curriculum.stages[0].visits"
    type: str  # the annotation, readable: "int", "Literal['adam', 'sgd']", "float | None"
    default: Any  # the default (describing a class) or the value (describing an instance); REQUIRED if none
    doc: str  # the field's docstring ("" when it has none)


# ---------------------------------------------------------------------------------------------- introspection
@functools.lru_cache(maxsize=None)
def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of a dataclass and its dataclass bases: field name -> cleaned docstring."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):  # no source (REPL, exec): no docs, not an error
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for node, after in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


# ------------------------------------------------------------------------------------------------- writing
def to_dict(cfg: Any) -> dict[str, Any]:
    """The config as plain data (dicts, lists, scalars, paths as strings): YAML-, JSON- and pickle-ready."""
    if not dataclasses.is_dataclass(cfg) or isinstance(cfg, type):
        raise TypeError(f"expected a dataclass instance, got {cfg!r}")
    return plain_data(cfg)


class _Dumper(yaml.SafeDumper):
    """Strings with line breaks double-quoted with escapes, so every value stays on one line."""


_Dumper.add_representer(str, lambda dumper, s: dumper.represent_scalar(
    "tag:yaml.org,2002:str", s, style='"' if any(c in s for c in _LINE_BREAKS) else None))


def format_value(value: Any) -> str:
    """A value as one line of YAML (flow style): ``256``, ``adam``, ``[1, 2]``, ``null``, ``'007'``."""
    text = yaml.dump([plain_data(value)], Dumper=_Dumper, default_flow_style=True, width=1 << 30,
                     allow_unicode=True, sort_keys=False)
    return text.strip()[1:-1]


def _emit_fields(obj: Any, indent: int, lines: list[str], comments: bool) -> None:
    docs = field_docs(type(obj)) if comments else {}
    for f in dataclasses.fields(obj):
        if f.init:
            lines += [f"{' ' * indent}# {doc}".rstrip() for doc in docs.get(f.name, "").splitlines()]
            _emit_entry(f.name, getattr(obj, f.name), indent, lines, comments)


def _emit_entry(key: Any, value: Any, indent: int, lines: list[str], comments: bool) -> None:
    head = f"{' ' * indent}{format_value(key)}:"
    if dataclasses.is_dataclass(value):
        lines.append(head)
        _emit_fields(value, indent + 2, lines, comments)
    elif isinstance(value, (list, tuple)) and value and all(dataclasses.is_dataclass(v) for v in value):
        lines.append(head)
        for i, item in enumerate(value):  # documented once, on the first entry
            entry: list[str] = []
            _emit_fields(item, indent + 4, entry, comments and i == 0)
            first = next((j for j, line in enumerate(entry) if not line.lstrip().startswith("#")), None)
            if first is None:
                entry.append(f"{' ' * indent}  - {{}}")
            else:
                entry[first] = f"{' ' * indent}  - {entry[first].lstrip()}"
            lines += entry
    elif isinstance(value, Mapping) and value:
        lines.append(head)
        for k, v in value.items():
            _emit_entry(k, v, indent + 2, lines, comments)
    else:
        lines.append(f"{head} {format_value(value)}")


def to_yaml(cfg: Any, comments: bool = True) -> str:
    """The config as YAML that :func:`advgo.config.load_config` reads back equal; field docstrings as comments."""
    to_dict(cfg)  # type check
    lines: list[str] = []
    _emit_fields(cfg, 0, lines, comments)
    return "\n".join(lines) + "\n"


def write_resolved(cfg: Any, run_dir: str | os.PathLike, filename: str = CONFIG_FILENAME) -> Path:
    """Write the resolved config (defaults included, documented) to ``run_dir/filename`` atomically."""
    cls = type(cfg)
    text = (f"# Resolved {cls.__module__}.{cls.__qualname__}: every value, defaults included.\n"
            + to_yaml(cfg))  # built before anything touches the disk
    return atomic_write(Path(run_dir) / filename, text)


# ------------------------------------------------------------------------------------------------ describing
def describe(cls_or_cfg: Any) -> list[FieldRow]:
    """One row per leaf field, nested sections flattened to dotted keys: defaults for a class, values for an
    instance (entries of a list of dataclasses get rows ``key[i].field``)."""
    rows: list[FieldRow] = []
    _describe(cls_or_cfg, (), rows)
    return rows


def _describe(obj: Any, key: Key, rows: list[FieldRow]) -> None:
    cls = obj if isinstance(obj, type) else type(obj)
    docs = field_docs(cls)
    for f, tp in init_fields(cls):
        if not isinstance(obj, type):
            value = getattr(obj, f.name)
        elif f.default is not dataclasses.MISSING:
            value = f.default
        else:
            value = REQUIRED if f.default_factory is dataclasses.MISSING else f.default_factory()
        inner = optional_inner(tp)
        if dataclasses.is_dataclass(value) or (value is REQUIRED and dataclasses.is_dataclass(inner)):
            _describe(inner if value is REQUIRED else value, key + (f.name,), rows)
            continue
        rows.append(FieldRow(format_key(key + (f.name,)), type_name(tp), value, docs.get(f.name, "")))
        if isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                if dataclasses.is_dataclass(item):
                    _describe(item, key + (f.name, i), rows)


def _dataclasses_in(tp: Any) -> list[type]:
    if dataclasses.is_dataclass(tp):
        return [tp]
    return [c for arg in typing.get_args(tp) for c in _dataclasses_in(arg)]


def missing_docs(cls: type) -> list[str]:
    """``Class.field`` for every field without a docstring in ``cls`` and the dataclasses it contains."""
    seen: set[type] = set()
    todo, missing = [cls], []
    while todo:
        klass = todo.pop()
        if klass in seen:
            continue
        seen.add(klass)
        docs = field_docs(klass)
        for f, tp in init_fields(klass):
            if f.name not in docs:
                missing.append(f"{klass.__qualname__}.{f.name}")
            todo += _dataclasses_in(tp)
    return missing
