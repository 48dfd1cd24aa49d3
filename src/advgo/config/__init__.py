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

| module | what |
|---|---|
| ``_load`` | ``load_config``, ``config_from_dict``, ``ConfigError``: YAML and overrides into checked dataclasses |
| ``_write`` | ``to_dict``, ``to_yaml``, ``write_resolved``, ``format_value``, ``describe``, ``field_docs``, ``missing_docs`` |
| ``_types`` | what both read off annotations (origins, readable names, dotted keys) |

Import from ``advgo.config`` only: the names in ``__all__`` are its public surface; the modules above are private.
"""

from ._load import ConfigError, config_from_dict, load_config
from ._write import (
    CONFIG_FILENAME,
    REQUIRED,
    FieldRow,
    describe,
    field_docs,
    format_value,
    missing_docs,
    to_dict,
    to_yaml,
    write_resolved,
)

__all__ = [
    "CONFIG_FILENAME", "REQUIRED", "ConfigError", "FieldRow", "config_from_dict", "describe", "field_docs",
    "format_value", "load_config", "missing_docs", "to_dict", "to_yaml", "write_resolved",
]
