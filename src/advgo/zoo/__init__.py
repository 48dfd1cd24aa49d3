"""The bundled victim ladder ("zoo"): small frozen victim nets shipped with the package, and their records.

``registry.yaml`` lists each victim: its net file under ``nets/``, architecture, how it was trained
(games, steps, net evaluations, hardware, hours) and its measured strength (Elo from a round robin with
uniform random anchored at 0, win rates against random and GNU Go). Entries are ordered weakest first:
the adversary's default curriculum climbs them in that order.

| function | what it does |
|---|---|
| ``entries()`` / ``get(name)`` | the registry / one victim (``KeyError`` listing the names) |
| ``find(spec)`` | the victim ``zoo:NAME`` or ``NAME`` names, or None |
| ``load_net(name, device)`` | one of our victims' ``PolicyValueNet`` (eval mode) |
| ``export_victim(checkpoint, name, …)`` | copy a training checkpoint's net (no optimizer) into the user zoo |
| ``export_katago_victim(model, name, …)`` | copy a KataGo model file (a KataGo defence's milestone) into the user zoo |
| ``save_entries(rows)`` | write the user zoo's registry |
| ``user_zoo_dir()`` | the user zoo (``$ADVGO_HOME/zoo``, by default ``~/.local/share/advgo/zoo``), read over the bundled one |

What ``advgo zoo build`` and ``advgo zoo measure`` write goes to the user zoo, never into the installed package;
reads see the user zoo first, then the bundled one (:mod:`advgo.zoo.registry`). A victim as an ``Agent``:
``advgo.agent_registry.make_agent("zoo:NAME:visits=8")``, or ``advgo.victims.resolve_victim("NAME", visits)`` with
its A-MCTS model.
"""

from .registry import (
    NETS_DIR,
    REGISTRY_PATH,
    ZooEntry,
    entries,
    export_katago_victim,
    export_victim,
    find,
    get,
    load_net,
    save_entries,
    user_zoo_dir,
)

__all__ = ["NETS_DIR", "REGISTRY_PATH", "ZooEntry", "entries", "export_katago_victim", "export_victim", "find", "get",
           "load_net", "save_entries", "user_zoo_dir"]
