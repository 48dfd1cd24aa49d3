"""Typed run configs: frozen dataclasses loaded from YAML with dotted overrides, validated, written back resolved.

A config is a tree of dataclasses, one per concern, each field documented by an attribute docstring (a string
literal right after the field; :func:`field_docs` reads them with ``ast`` for ``--help`` and YAML comments)::

    @dataclass(frozen=True)
    class Learner:
        batch_size: int = 256
        \"\"\"Positions per learner step.\"\"\"
        optimizer: Literal["adam", "sgd"] = "adam"
        \"\"\"Which optimizer updates the net.\"\"\"

        def __post_init__(self):
            if self.batch_size < 1:
                raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")

Field types and what the YAML (or an override value, parsed as YAML) may hold:

==========================  ====================================================================================
annotation                  accepted
==========================  ====================================================================================
``int``                     an integer; an integral float (``1.0e6``); a numeric string (PyYAML reads ``1e6`` so)
``float``                   a number or a numeric string
``bool``                    ``true`` / ``false`` only
``str``                     a string (numbers are refused: quote them, ``'007'``)
``pathlib.Path``            a string
``Literal[a, b]``           one of the choices
``Optional[X]``, ``X | Y``  ``null``, or the first alternative that converts
``tuple[X, ...]``, list[X]  a YAML list; ``tuple[X, Y]`` a list of exactly that length
``dict[K, V]``              a mapping
a dataclass                 a mapping of its fields (missing ones take their defaults; ``null`` = all defaults)
==========================  ====================================================================================

Overrides are ``"a.b=value"``; list entries are addressed as ``a.items[2].x`` (or ``a.items.2.x``). Every value
is checked against its annotation and every dataclass's ``__post_init__`` runs. Any problem raises
:class:`ConfigError` (a ``ValueError``) as ``<where>: <dotted key>: <problem>``, where ``<where>`` is
``file.yaml:<line>`` or ``override 'a.b=value'``. Loading never writes; :func:`write_resolved` writes
``config.yaml`` atomically (a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import inspect
import logging
import os
import re
import tempfile
import textwrap
import types
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar, Union

import yaml

log = logging.getLogger(__name__)

CONFIG_FILENAME = "config.yaml"
REQUIRED = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
"""The ``default`` of a :class:`FieldRow` for a field that has none."""

T = TypeVar("T")
Key = tuple  # a dotted key as parts: field names (str) and list indices (int)
_NONE = type(None)
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
_PIECE = re.compile(r"([^.\[\]\s=]+)((?:\[\d+\])*)")


class ConfigError(ValueError):
    """A config that cannot be loaded: ``source`` (file[:line] or override), dotted ``key`` and ``problem``."""

    def __init__(self, problem: str, key: str = "", source: str = ""):
        self.problem, self.key, self.source = problem, key, source
        super().__init__(": ".join(part for part in (source, key, problem) if part))


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


@functools.lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[tuple[dataclasses.Field, Any], ...]:
    """(field, resolved annotation) for each ``init`` field of dataclass ``cls``."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"expected a dataclass type, got {cls!r}")
    try:
        hints = typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


def _origin(tp: Any) -> Any:
    if tp in (list, tuple, dict):
        return tp
    origin = typing.get_origin(tp)
    return Union if origin is types.UnionType else origin


def _optional_inner(tp: Any) -> Any:
    """``X`` for ``Optional[X]``; ``tp`` itself otherwise."""
    if _origin(tp) is Union:
        rest = [a for a in typing.get_args(tp) if a is not _NONE]
        if len(rest) == 1:
            return rest[0]
    return tp


def _type_name(tp: Any) -> str:
    origin, args = _origin(tp), typing.get_args(tp)
    if origin is Union:
        return " | ".join(_type_name(a) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(map(repr, args))}]"
    if origin in (list, tuple, dict) and args:
        return f"{origin.__name__}[{', '.join('...' if a is Ellipsis else _type_name(a) for a in args)}]"
    return "None" if tp is _NONE else getattr(tp, "__name__", repr(tp))


def _expected(tp: Any) -> str:
    words = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string",
             Path: "a path (a string)", _NONE: "null"}
    if tp in words:
        return words[tp]
    if dataclasses.is_dataclass(tp):
        return f"a mapping of {tp.__name__} fields"
    return {list: "a list", tuple: "a list", dict: "a mapping"}.get(_origin(tp), _type_name(tp))


def _show(value: Any) -> str:
    kind = "a mapping " if isinstance(value, Mapping) else "a list " if isinstance(value, (list, tuple)) else ""
    text = "null" if value is None else repr(value)
    return kind + (text if len(text) <= 60 else text[:57] + "...")


def _fmt_key(key: Key) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# ----------------------------------------------------------------------------------------------- conversion
@dataclasses.dataclass
class _Origin:
    """Where the raw values came from, so that an error can point at the file line or override to fix."""

    name: str = ""  # the YAML file, or a label ("checkpoint")
    lines: dict = dataclasses.field(default_factory=dict)  # key parts -> line in the file
    overrides: dict = dataclasses.field(default_factory=dict)  # key parts -> the override text that set it
    strict: bool = True  # unknown keys are errors (else dropped with a warning)

    def error(self, key: Key, problem: str) -> ConfigError:
        for n in range(len(key), 0, -1):
            if key[:n] in self.overrides:
                return ConfigError(problem, _fmt_key(key), f"override {self.overrides[key[:n]]!r}")
        below = [text for parts, text in self.overrides.items() if parts[: len(key)] == key]
        if below:  # a section's __post_init__ refused values that overrides set
            problem += f" (after override{'s' if len(below) > 1 else ''} {', '.join(map(repr, below))})"
        line = next((self.lines[key[:n]] for n in range(len(key), 0, -1) if key[:n] in self.lines), None)
        return ConfigError(problem, _fmt_key(key), self.name + (f":{line}" if line and self.name else ""))


def _unknown(name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f"unknown key; did you mean {close[0]!r}?" if close else f"unknown key; known keys: {', '.join(known)}"


def _build(cls: type, data: Any, key: Key, org: _Origin) -> Any:
    """An instance of dataclass ``cls`` from a raw mapping, defaults filling the gaps, ``__post_init__`` run."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise org.error(key, f"expected {_expected(cls)}, got {_show(data)}")
    fields = _fields(cls)
    names = [f.name for f, _ in fields]
    for name in data:
        if not isinstance(name, str):
            hint = " (YAML reads yes/no/on/off as booleans: quote the key)" if isinstance(name, bool) else ""
            raise org.error(key, f"keys must be strings, got {name!r}{hint}")
        if name not in names:
            if org.strict:
                raise org.error(key + (name,), _unknown(name, names))
            log.warning("ignoring unknown config key %s", _fmt_key(key + (name,)))
    kwargs = {}
    for f, tp in fields:
        if f.name in data:
            kwargs[f.name] = _convert(data[f.name], tp, key + (f.name,), org)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise org.error(key + (f.name,), "missing required value")
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (ValueError, TypeError) as exc:
        raise org.error(key, str(exc)) from exc


def _convert(value: Any, tp: Any, key: Key, org: _Origin) -> Any:
    """``value`` (plain YAML data) as annotation ``tp`` says; a ConfigError naming ``key`` if it cannot be."""
    origin, args = _origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key, org)
    if origin is Union:
        if value is None and _NONE in args:
            return None
        options, errors = [a for a in args if a is not _NONE], []
        for option in options:
            try:
                return _convert(value, option, key, org)
            except ConfigError as exc:
                errors.append(exc)
        if len(options) == 1:
            raise errors[0]
        raise org.error(key, f"expected {' or '.join(map(_expected, args))}, got {_show(value)}")
    if origin is Literal:
        for choice in args:
            if choice == value and isinstance(choice, bool) == isinstance(value, bool):
                return choice
        raise org.error(key, f"expected one of {', '.join(map(repr, args))}, got {_show(value)}")
    if origin in (list, tuple):
        return _convert_sequence(value, origin, args, key, org)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise org.error(key, f"expected a mapping, got {_show(value)}")
        k_tp, v_tp = args or (Any, Any)
        return {_convert(k, k_tp, key, org): _convert(v, v_tp, key + (k,), org) for k, v in value.items()}
    if tp in (bool, int, float, str, Path):
        return _convert_scalar(value, tp, key, org)
    raise TypeError(f"{_fmt_key(key)}: unsupported config field type {_type_name(tp)}")


def _convert_sequence(value: Any, origin: type, args: tuple, key: Key, org: _Origin) -> Any:
    if not isinstance(value, (list, tuple)):
        raise org.error(key, f"expected a list, got {_show(value)}")
    if origin is tuple and args and args[-1] is not Ellipsis:  # fixed length: tuple[int, float]
        if len(value) != len(args):
            raise org.error(key, f"expected a list of {len(args)} items, got {len(value)}: {_show(value)}")
        items = [_convert(v, a, key + (i,), org) for i, (v, a) in enumerate(zip(value, args))]
    else:
        item_tp = args[0] if args else Any
        items = [_convert(v, item_tp, key + (i,), org) for i, v in enumerate(value)]
    return origin(items)


def _number(text: str) -> float | int | None:
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return None


def _convert_scalar(value: Any, tp: type, key: Key, org: _Origin) -> Any:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, str) and tp in (int, float):  # PyYAML reads 1e6 (no dot) as a string
        number = _number(value)
        value, is_number = (number, True) if number is not None else (value, False)
    if tp is bool and isinstance(value, bool):
        return value
    if tp is int and is_number and float(value).is_integer():
        return int(value)
    if tp is float and is_number:
        return float(value)
    if tp is str and isinstance(value, str):
        return value
    if tp is Path and isinstance(value, (str, os.PathLike)):
        return Path(value)
    hint = f" (quote it: '{value}')" if tp is str and (is_number or isinstance(value, bool)) else ""
    raise org.error(key, f"expected {_expected(tp)}, got {_show(value)}{hint}")


# ------------------------------------------------------------------------------------------------ overrides
def _parse_override(text: str) -> tuple[Key, Any]:
    key_text, sep, value_text = text.partition("=")
    parts: list = []
    for piece in key_text.strip().split("."):
        match = _PIECE.fullmatch(piece)
        if not sep or not match:
            raise ConfigError(f"malformed override {text!r}: expected KEY=VALUE with a dotted key, "
                              f"e.g. learner.batch_size=256")
        name, indices = match.groups()
        parts.append(int(name) if name.isdigit() else name)
        parts += [int(i) for i in re.findall(r"\d+", indices)]
    try:
        return tuple(parts), yaml.safe_load(value_text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or exc
        raise ConfigError(f"cannot read the value of override {text!r} as YAML: {problem}") from None


def _raw_default(f: dataclasses.Field) -> Any:
    if f.default is not dataclasses.MISSING:
        return _plain(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return _plain(f.default_factory())
    return None


def _apply_override(raw: dict, cls: type, text: str, org: _Origin) -> None:
    """Set one ``a.b[1].c=value`` in the raw tree, checking each key part against the types on the way."""
    parts, value = _parse_override(text)

    def fail(key: Key, problem: str) -> ConfigError:
        return ConfigError(problem, _fmt_key(key), f"override {text!r}")

    node, tp = raw, cls
    for depth, part in enumerate(parts):
        key, tp = parts[: depth + 1], _optional_inner(tp)
        origin, args, default = _origin(tp), typing.get_args(tp), None
        if dataclasses.is_dataclass(tp):
            fields = {f.name: (f, t) for f, t in _fields(tp)}
            if part not in fields:
                raise fail(key, _unknown(part, list(fields)))
            field, child_tp = fields[part]
            default = _raw_default(field)
        elif origin in (list, tuple):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise fail(key, f"no such entry: the list has {len(node)} (indices from 0)")
            fixed = origin is tuple and args and args[-1] is not Ellipsis
            child_tp = args[part] if fixed else (args[0] if args else Any)
        elif origin is dict:
            child_tp = args[1] if args else Any
        else:
            raise fail(parts[:depth], f"is {_type_name(tp)}, not a section: cannot set {_fmt_key(parts)}")
        if depth == len(parts) - 1:
            node[part] = value
            org.overrides[parts] = text
            return
        child = node[part] if (isinstance(node, list) or part in node) else default
        inner = _optional_inner(child_tp)
        if _origin(inner) in (list, tuple) and isinstance(child, (list, tuple)):
            node[part] = node = list(child)
        elif (dataclasses.is_dataclass(inner) or _origin(inner) is dict) and isinstance(child, (Mapping, _NONE)):
            node[part] = node = dict(child or {})
        elif dataclasses.is_dataclass(inner) or _origin(inner) in (list, tuple, dict):
            raise fail(key, f"expected {_expected(inner)} (from the file or an earlier override), got {_show(child)}")
        else:
            raise fail(key, f"is {_type_name(child_tp)}, not a section: cannot set {_fmt_key(parts)}")
        tp = child_tp


# -------------------------------------------------------------------------------------------------- loading
def _line_map(node: yaml.Node, key: Key, out: dict, source: str) -> dict:
    """Key parts -> 1-based line, for every key and list item of a composed YAML tree; duplicate keys refused."""
    if isinstance(node, yaml.MappingNode):
        for k_node, v_node in node.value:
            sub = key + (k_node.value,)
            line = k_node.start_mark.line + 1
            if sub in out:
                raise ConfigError(f"duplicate key (first on line {out[sub]})", _fmt_key(sub), f"{source}:{line}")
            out[sub] = line
            _line_map(v_node, sub, out, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[key + (i,)] = item.start_mark.line + 1
            _line_map(item, key + (i,), out, source)
    return out


def _read_yaml(path: str | os.PathLike) -> tuple[dict, dict]:
    """(raw mapping, line map) of a YAML config file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("config file not found", source=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file: {exc}", source=source) from None
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise ConfigError(f"invalid YAML: {exc.problem or exc.context}", source=where) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", source=source) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigError(f"expected a mapping of config sections, got {_show(data)}", source=source)
    return data, _line_map(node, (), {}, source)


def load_config(cls: type[T], path: str | os.PathLike | None = None, overrides: Iterable[str] = ()) -> T:
    """``cls`` from its defaults, the YAML file at ``path`` (if any), then ``overrides`` ("a.b=value") in order."""
    if isinstance(overrides, str):
        raise TypeError("overrides must be a list of 'key=value' strings, not one string")
    org = _Origin(name="" if path is None else str(path))
    raw, org.lines = _read_yaml(path) if path is not None else ({}, {})
    for text in overrides:
        _apply_override(raw, cls, text, org)
    return _build(cls, raw, (), org)


def config_from_dict(cls: type[T], data: Mapping, *, source: str = "config dict", strict: bool = True) -> T:
    """``cls`` from a plain mapping such as :func:`to_dict` made (a checkpoint's config); ``strict=False``
    drops unknown keys with a warning instead of raising (a checkpoint from an older version)."""
    return _build(cls, data, (), _Origin(name=source, strict=strict))


# ------------------------------------------------------------------------------------------------- writing
def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def to_dict(cfg: Any) -> dict[str, Any]:
    """The config as plain data (dicts, lists, scalars, paths as strings): YAML-, JSON- and pickle-ready."""
    if not dataclasses.is_dataclass(cfg) or isinstance(cfg, type):
        raise TypeError(f"expected a dataclass instance, got {cfg!r}")
    return _plain(cfg)


class _Dumper(yaml.SafeDumper):
    """Strings with line breaks double-quoted with escapes, so every value stays on one line."""


_Dumper.add_representer(str, lambda dumper, s: dumper.represent_scalar(
    "tag:yaml.org,2002:str", s, style='"' if any(c in s for c in _LINE_BREAKS) else None))


def format_value(value: Any) -> str:
    """A value as one line of YAML (flow style): ``256``, ``adam``, ``[1, 2]``, ``null``, ``'007'``."""
    text = yaml.dump([_plain(value)], Dumper=_Dumper, default_flow_style=True, width=1 << 30,
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
    """The config as YAML that :func:`load_config` reads back equal; field docstrings as comments."""
    to_dict(cfg)  # type check
    lines: list[str] = []
    _emit_fields(cfg, 0, lines, comments)
    return "\n".join(lines) + "\n"


def write_resolved(cfg: Any, run_dir: str | os.PathLike, filename: str = CONFIG_FILENAME) -> Path:
    """Write the resolved config (defaults included, documented) to ``run_dir/filename`` atomically."""
    cls = type(cfg)
    text = (f"# Resolved {cls.__module__}.{cls.__qualname__}: every value, defaults included.\n"
            + to_yaml(cfg))  # built before anything touches the disk
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, run_dir / filename)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return run_dir / filename


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
    for f, tp in _fields(cls):
        if not isinstance(obj, type):
            value = getattr(obj, f.name)
        elif f.default is not dataclasses.MISSING:
            value = f.default
        else:
            value = REQUIRED if f.default_factory is dataclasses.MISSING else f.default_factory()
        inner = _optional_inner(tp)
        if dataclasses.is_dataclass(value) or (value is REQUIRED and dataclasses.is_dataclass(inner)):
            _describe(inner if value is REQUIRED else value, key + (f.name,), rows)
            continue
        rows.append(FieldRow(_fmt_key(key + (f.name,)), _type_name(tp), value, docs.get(f.name, "")))
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
        for f, tp in _fields(klass):
            if f.name not in docs:
                missing.append(f"{klass.__qualname__}.{f.name}")
            todo += _dataclasses_in(tp)
    return missing
