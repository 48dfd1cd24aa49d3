"""Imports flow one way (STYLE.md habit 2): a module may import only from its own layer or the layers below.

Layers, lowest first (a name is the first component under ``advgo``; ``__init__`` is the package itself):

| layer | modules |
|---|---|
| 0 | ``engine`` (and nothing of advgo outside ``advgo.engine``) |
| 1 | ``rules``, ``errors``, ``game``, ``coords``, ``config``, ``fileio``, ``paths``, ``passalive``, ``agentspec``, ``__init__`` |
| 2 | ``sgf``, ``features``, ``runlog``, ``diagram`` |
| 3 | ``search`` |
| 4 | ``nets`` |
| 5 | ``agents``, ``zoo``, ``victims`` |
| 6 | ``training``, ``eval``, ``curriculum``, ``registry`` |
| 7 | ``env``, ``ui``, ``gtp`` |
| 8 | ``bench``, ``cli``, ``cli_*`` (``cli_app`` among them), ``__main__`` |

The scan is static (``ast``), so imports inside functions and ``TYPE_CHECKING`` blocks count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "advgo"

LAYERS: list[tuple[str, ...]] = [
    ("engine",),
    ("rules", "errors", "game", "coords", "config", "fileio", "paths", "passalive", "agentspec", "__init__"),
    ("sgf", "features", "runlog", "diagram"),
    ("search",),
    ("nets",),
    ("agents", "zoo", "victims"),
    ("training", "eval", "curriculum", "registry"),
    ("env", "ui", "gtp"),
    ("bench", "cli", "cli_app", "cli_train", "cli_zoo", "cli_engines", "cli_gtp", "cli_play", "__main__"),
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def top_name(module: str) -> str:
    """``advgo.engine.kernels`` -> ``engine``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def is_module(module: str, src: Path = SRC) -> bool:
    rel = Path(*module.split("."))
    return (src / rel).with_suffix(".py").is_file() or (src / rel / "__init__.py").is_file()


def advgo_imports(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, imported advgo module) for every import of ours in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    here = module_name(path, src)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "advgo"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "advgo":
                continue
            for alias in node.names:  # `from advgo import game` imports the submodule advgo.game
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if is_module(sub, src) else base))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


def test_sources_found():
    assert SOURCES, f"no sources under {PACKAGE}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_has_a_layer(path: Path):
    name = top_name(module_name(path))
    assert name in LAYER_OF, (
        f"{path.relative_to(SRC)}: module 'advgo.{name}' is in no layer. Add it to LAYERS in "
        f"tests/test_imports.py (and to the table in its docstring) at the level it belongs: it may import "
        f"only from its own layer and below, and only higher layers may import it."
    )


def violations(path: Path, src: Path = SRC) -> list[str]:
    """Every import in the file that goes upwards, or out of the engine."""
    here = top_name(module_name(path, src))
    layer = LAYER_OF[here]
    bad = []
    for line, target in advgo_imports(path, src):
        name = top_name(target)
        if here == "engine" and name != "engine":
            bad.append(f"line {line}: imports {target}; advgo.engine imports nothing of advgo outside itself")
            continue
        target_layer = LAYER_OF.get(name)
        if target_layer is None:
            bad.append(f"line {line}: imports {target}, which is in no layer")
        elif target_layer > layer:
            bad.append(
                f"line {line}: imports {target} (layer {target_layer}: {', '.join(LAYERS[target_layer])}) "
                f"from layer {layer} ({', '.join(LAYERS[layer])}); imports must flow downwards"
            )
    return bad


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path: Path):
    if top_name(module_name(path)) not in LAYER_OF:
        pytest.skip("module has no layer (reported by test_module_has_a_layer)")
    bad = violations(path)
    assert not bad, f"{module_name(path)}:\n  " + "\n  ".join(bad)


def test_scanner_on_a_toy_package(tmp_path):
    """The scanner itself: relative imports resolve, and upward or out-of-engine imports are reported."""
    pkg = tmp_path / "advgo"
    (pkg / "engine").mkdir(parents=True)
    files = {
        "__init__.py": "from advgo.game import GameState\n",
        "game.py": "from . import engine\nfrom .engine.kernels import f\n",
        "cli.py": "import advgo.game\nfrom advgo import game, VERSION\n",
        "engine/__init__.py": "from . import kernels\n",
        "engine/kernels.py": "import numpy\nfrom .. import game\n",
        "sgf.py": "def load():\n    from advgo import cli\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    assert advgo_imports(pkg / "game.py", tmp_path) == [(1, "advgo.engine"), (2, "advgo.engine.kernels")]
    assert advgo_imports(pkg / "cli.py", tmp_path) == [(1, "advgo.game"), (2, "advgo.game"), (2, "advgo")]
    assert [violations(pkg / name, tmp_path) != [] for name in files] == [False, False, False, False, True, True]
