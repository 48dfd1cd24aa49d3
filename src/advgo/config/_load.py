"""Loading configs: YAML and dotted overrides into frozen dataclasses, every value checked (:mod:`advgo.config`)."""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import re
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

from ._types import NONE_TYPE, Key, format_key, init_fields, optional_inner, plain_data, type_name, type_origin

log = logging.getLogger(__name__)

T = TypeVar("T")
_PIECE = re.compile(r"([^.\[\]\s=]+)((?:\[\d+\])*)")


class ConfigError(ValueError):
    """A config that cannot be loaded: ``source`` (file[:line] or override), dotted ``key`` and ``problem``."""

    def __init__(self, problem: str, key: str = "", source: str = ""):
        self.problem, self.key, self.source = problem, key, source
        super().__init__(": ".join(part for part in (source, key, problem) if part))


# --------------------------------------------------------------------------------------------------- messages
def _expected(tp: Any) -> str:
    words = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string",
             Path: "a path (a string)", NONE_TYPE: "null"}
    if tp in words:
        return words[tp]
    if dataclasses.is_dataclass(tp):
        return f"a mapping of {tp.__name__} fields"
    return {list: "a list", tuple: "a list", dict: "a mapping"}.get(type_origin(tp), type_name(tp))


def _show(value: Any) -> str:
    kind = "a mapping " if isinstance(value, Mapping) else "a list " if isinstance(value, (list, tuple)) else ""
    text = "null" if value is None else repr(value)
    return kind + (text if len(text) <= 60 else text[:57] + "...")


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
                return ConfigError(problem, format_key(key), f"override {self.overrides[key[:n]]!r}")
        below = [text for parts, text in self.overrides.items() if parts[: len(key)] == key]
        if below:  # a section's __post_init__ refused values that overrides set
            problem += f" (after override{'s' if len(below) > 1 else ''} {', '.join(map(repr, below))})"
        line = next((self.lines[key[:n]] for n in range(len(key), 0, -1) if key[:n] in self.lines), None)
        return ConfigError(problem, format_key(key), self.name + (f":{line}" if line and self.name else ""))


def _unknown(name: Any, known: list[str]) -> str:
    close = difflib.get_close_matches(str(name), known, n=1)
    return f"unknown key; did you mean {close[0]!r}?" if close else f"unknown key; known keys: {', '.join(known)}"


def _build(cls: type, data: Any, key: Key, org: _Origin) -> Any:
    """An instance of dataclass ``cls`` from a raw mapping, defaults filling the gaps, ``__post_init__`` run."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise org.error(key, f"expected {_expected(cls)}, got {_show(data)}")
    fields = init_fields(cls)
    names = [f.name for f, _ in fields]
    for name in data:
        if not isinstance(name, str):
            hint = " (YAML reads yes/no/on/off as booleans: quote the key)" if isinstance(name, bool) else ""
            raise org.error(key, f"keys must be strings, got {name!r}{hint}")
        if name not in names:
            if org.strict:
                raise org.error(key + (name,), _unknown(name, names))
            log.warning("ignoring unknown config key %s", format_key(key + (name,)))
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
    origin, args = type_origin(tp), typing.get_args(tp)
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, key, org)
    if origin is Union:
        if value is None and NONE_TYPE in args:
            return None
        options, errors = [a for a in args if a is not NONE_TYPE], []
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
    raise TypeError(f"{format_key(key)}: unsupported config field type {type_name(tp)}")


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
        return plain_data(f.default)
    if f.default_factory is not dataclasses.MISSING:
        return plain_data(f.default_factory())
    return None


def _apply_override(raw: dict, cls: type, text: str, org: _Origin) -> None:
    """Set one ``a.b[1].c=value`` in the raw tree, checking each key part against the types on the way."""
    parts, value = _parse_override(text)

    def fail(key: Key, problem: str) -> ConfigError:
        return ConfigError(problem, format_key(key), f"override {text!r}")

    node, tp = raw, cls
    for depth, part in enumerate(parts):
        key, tp = parts[: depth + 1], optional_inner(tp)
        origin, args, default = type_origin(tp), typing.get_args(tp), None
        if dataclasses.is_dataclass(tp):
            fields = {f.name: (f, t) for f, t in init_fields(tp)}
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
            raise fail(parts[:depth], f"is {type_name(tp)}, not a section: cannot set {format_key(parts)}")
        if depth == len(parts) - 1:
            node[part] = value
            org.overrides[parts] = text
            return
        child = node[part] if (isinstance(node, list) or part in node) else default
        inner = optional_inner(child_tp)
        if type_origin(inner) in (list, tuple) and isinstance(child, (list, tuple)):
            node[part] = node = list(child)
        elif (dataclasses.is_dataclass(inner) or type_origin(inner) is dict) and isinstance(child, (Mapping, NONE_TYPE)):
            node[part] = node = dict(child or {})
        elif dataclasses.is_dataclass(inner) or type_origin(inner) in (list, tuple, dict):
            raise fail(key, f"expected {_expected(inner)} (from the file or an earlier override), got {_show(child)}")
        else:
            raise fail(key, f"is {type_name(child_tp)}, not a section: cannot set {format_key(parts)}")
        tp = child_tp


# -------------------------------------------------------------------------------------------------- loading
def _line_map(node: yaml.Node, key: Key, out: dict, source: str) -> dict:
    """Key parts -> 1-based line, for every key and list item of a composed YAML tree; duplicate keys refused."""
    if isinstance(node, yaml.MappingNode):
        for k_node, v_node in node.value:
            sub = key + (k_node.value,)
            line = k_node.start_mark.line + 1
            if sub in out:
                raise ConfigError(f"duplicate key (first on line {out[sub]})", format_key(sub), f"{source}:{line}")
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
