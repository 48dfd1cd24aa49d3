"""Every config under ``configs/`` loads and validates with the config class of the command its header names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advgo.config import load_config
from advgo.eval.table import TableConfig
from advgo.iterate.config import IterateConfig
from advgo.training.adversary_config import AdversaryRunConfig
from advgo.training.victim_config import VictimRunConfig

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "configs").glob("*.yaml"))
COMMANDS = {  # the command a config's header shows, and the class it loads with
    "train victim": VictimRunConfig,
    "train adversary": AdversaryRunConfig,
    "train iterate": IterateConfig,
    "table": TableConfig,
}


def command_of(path: Path) -> str:
    """The ``advgo <command>`` that the config's comments run it with (``advgo COMMAND --config configs/NAME``)."""
    comments = "".join(line for line in path.read_text().splitlines(keepends=True) if line.startswith("#"))
    found = re.search(rf"advgo ({'|'.join(COMMANDS)}) (?:--config|-c) configs/{re.escape(path.name)}\b", comments)
    if found is None:
        pytest.fail(f"{path.name}: its comments show no advgo command running it (advgo COMMAND --config "
                    f"configs/{path.name})")
    return found.group(1)


def test_there_are_configs_of_every_kind():
    assert {command_of(p) for p in SHIPPED} == set(COMMANDS)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_each_shipped_config_loads(path):
    cfg = load_config(COMMANDS[command_of(path)], path)
    assert cfg is not None


def test_configs_readme_lists_every_shipped_config_with_its_command():
    """configs/README.md's table names each config once, with the command its own header runs it with."""
    found = re.findall(r"^\| `([^`]+\.yaml)` \| `advgo ([a-z ]+)", (ROOT / "configs" / "README.md").read_text(), re.M)
    assert sorted(name for name, _ in found) == [p.name for p in SHIPPED]  # each once: a repeated row fails too
    rows = dict(found)
    for path in SHIPPED:
        assert rows[path.name] == command_of(path), path.name
