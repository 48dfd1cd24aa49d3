"""What both halves of :mod:`advgo.config` read off a config's annotations and values (private to the package).

| name | what |
|---|---|
| ``Key`` | a dotted key as parts: field names (``str``) and list indices (``int``) |
| ``init_fields(cls)`` | (field, resolved annotation) of each ``init`` field of a dataclass |
| ``type_origin(tp)`` / ``optional_inner(tp)`` | ``list``, ``Union``, ``Literal`` … of an annotation / ``X`` of ``Optional[X]`` |
| ``type_name(tp)`` | an annotation, readable: ``int``, ``Literal['adam', 'sgd']``, ``list[int]`` |
| ``format_key(key)`` | ``a.b[2].c`` from its parts |
| ``plain_data(value)`` | dataclasses, tuples and paths as dicts, lists and strings |
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

Key = tuple  # a dotted key as parts: field names (str) and list indices (int)
NONE_TYPE = type(None)


@functools.lru_cache(maxsize=None)
def init_fields(cls: type) -> tuple[tuple[dataclasses.Field, Any], ...]:
    """(field, resolved annotation) for each ``init`` field of dataclass ``cls``."""
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"expected a dataclass type, got {cls!r}")
    try:
        hints = typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


def type_origin(tp: Any) -> Any:
    if tp in (list, tuple, dict):
        return tp
    origin = typing.get_origin(tp)
    return Union if origin is types.UnionType else origin


def optional_inner(tp: Any) -> Any:
    """``X`` for ``Optional[X]``; ``tp`` itself otherwise."""
    if type_origin(tp) is Union:
        rest = [a for a in typing.get_args(tp) if a is not NONE_TYPE]
        if len(rest) == 1:
            return rest[0]
    return tp


def type_name(tp: Any) -> str:
    origin, args = type_origin(tp), typing.get_args(tp)
    if origin is Union:
        return " | ".join(type_name(a) for a in args)
    if origin is Literal:
        return f"Literal[{', '.join(map(repr, args))}]"
    if origin in (list, tuple, dict) and args:
        return f"{origin.__name__}[{', '.join('...' if a is Ellipsis else type_name(a) for a in args)}]"
    return "None" if tp is NONE_TYPE else getattr(tp, "__name__", repr(tp))


def format_key(key: Key) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def plain_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_data(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if isinstance(value, Mapping):
        return {k: plain_data(v) for k, v in value.items()}
    return os.fspath(value) if isinstance(value, os.PathLike) else value
