"""Imports flow one way (STYLE.md habit 2): a module may import only from its own layer or the layers below, and no
chain of imports leads back to where it started.

Layers, lowest first. A module's *unit* is the first name under ``advgo`` (``advgo.training.actors`` is in
``training``; ``__init__`` is the package itself), except in the packages of ``SPLIT``, whose modules are placed
one by one (``eval.arena``; ``eval`` alone is the package's ``__init__``): the package ``eval`` straddles
training, its match-level half below it and its reports above it.

| layer | units |
|---|---|
| 0 | ``engine`` (and nothing of advgo outside ``advgo.engine``) |
| 1 | ``rules``, ``errors``, ``game``, ``coords``, ``config``, ``fileio``, ``paths``, ``passalive``, ``agentspec``, ``__init__`` |
| 2 | ``sgf``, ``features``, ``runlog``, ``diagram`` |
| 3 | ``search`` |
| 4 | ``nets`` |
| 5 | ``agents``, ``zoo``, ``victims`` |
| 6 | match level: ``curriculum``, ``eval`` (the package), ``eval.stats``, ``eval.counting``, ``eval.elo``, ``eval.arena`` |
| 7 | ``training`` |
| 8 | ``agent_registry`` (agents from spec strings: an adversary checkpoint's agent reads its training config) |
| 9 | reports: ``eval.match``, ``eval.table``, ``eval.report``, ``eval.zoo_strength``, ``eval.katanet_check``, ``eval.katanet_moves`` |
| 10 | ``env``, ``ui``, ``gtp`` |
| 11 | ``bench``, ``cli``, ``cli_*`` (``cli_app`` among them), ``__main__`` |

The scan is static (``ast``), so imports inside functions and ``TYPE_CHECKING`` blocks count too: a deferred import
is still a dependency, and it may not hide an upward one or close a cycle (``test_no_import_cycles``, module by
module, within a unit too).
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
    ("curriculum", "eval", "eval.stats", "eval.counting", "eval.elo", "eval.arena"),
    ("training",),
    ("agent_registry",),
    ("eval.match", "eval.table", "eval.report", "eval.zoo_strength", "eval.katanet_check", "eval.katanet_moves"),
    ("iterate",),
    ("env", "ui", "gtp"),
    ("bench", "cli", "cli_app", "cli_bench", "cli_train", "cli_zoo", "cli_engines", "cli_gtp", "cli_play", "__main__"),
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
SPLIT = ("eval",)
"""Packages whose modules are placed in layers one by one (``eval.arena``), not as a whole."""


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def top_name(module: str) -> str:
    """The module's unit: ``advgo.engine.kernels`` -> ``engine``, ``advgo.eval.arena`` -> ``eval.arena`` (a package
    of ``SPLIT``), ``advgo.eval`` -> ``eval``; the package itself -> ``__init__``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    if parts[1] in SPLIT and len(parts) > 2:
        return f"{parts[1]}.{parts[2]}"
    return parts[1]


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
        f"{path.relative_to(SRC)}: 'advgo.{name}' is in no layer. Add it to LAYERS in "
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


def import_graph(sources: list[Path], src: Path = SRC) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (at the top, in functions or in ``TYPE_CHECKING`` blocks alike)."""
    return {module_name(p, src): {t for _, t in advgo_imports(p, src)} - {module_name(p, src)} for p in sources}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, each as a path ``[a, b, …, a]`` through one strongly connected set of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            members = []
            while True:
                w = stack.pop()
                members.append(w)
                if w == v:
                    break
            if len(members) > 1:
                found.append(_cycle_through(graph, set(members)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_through(graph: dict[str, set[str]], members: set[str]) -> list[str]:
    """One cycle inside a strongly connected set: from its first module, the shortest path back to it."""
    start = min(members)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"{sorted(members)} is not strongly connected")


def test_no_import_cycles():
    found = cycles(import_graph(SOURCES))
    assert not found, "import cycles (deferred imports included):\n  " + "\n  ".join(" -> ".join(c) for c in found)


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


def test_cycles_and_split_packages_on_a_toy_package(tmp_path):
    """A cycle is found through a deferred import, inside one unit too; a split package's modules sit in their own
    layers (match level below training, reports above it)."""
    pkg = tmp_path / "advgo"
    (pkg / "training").mkdir(parents=True)
    (pkg / "eval").mkdir()
    files = {
        "__init__.py": "",
        "training/__init__.py": "",
        "training/actors.py": "def start():\n    from .adversary import VictimPlayGames\n",
        "training/adversary.py": "from .trainer import Trainer\n",
        "training/trainer.py": "def pool():\n    from .actors import ActorPool\n",
        "eval/__init__.py": "from .arena import play_match\n",
        "eval/arena.py": "from ..game import GameState\n",
        "eval/counting.py": "def f():\n    from ..training.trainer import CHECKPOINTS\n",
        "eval/report.py": "from ..training.adversary import x\n",
        "game.py": "",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    graph = import_graph(sorted(pkg.rglob("*.py")), tmp_path)
    assert cycles(graph) == [["advgo.training.actors", "advgo.training.adversary", "advgo.training.trainer",
                              "advgo.training.actors"]]
    assert [top_name(module_name(pkg / n, tmp_path)) for n in ("eval/__init__.py", "eval/arena.py",
                                                               "training/actors.py")] == ["eval", "eval.arena",
                                                                                           "training"]
    assert violations(pkg / "eval/counting.py", tmp_path) != []  # match level may not reach training
    assert violations(pkg / "eval/report.py", tmp_path) == []  # a report may
    assert violations(pkg / "eval/__init__.py", tmp_path) == []
