"""The cross table of an iterated run: every adversary against every victim, as files, TensorBoard and a heatmap.

The games are played by ``advgo table``'s machinery (:func:`advgo.eval.table.run_table`: one match per cell, every
game as SGF, ``table.md`` and ``table.json``, finished cells read back when the table resumes). This module adds
what an iterated run wants on top:

| output (in the table folder) | content |
|---|---|
| ``cross.json`` | ``rows``, ``columns`` and matrices ``win_rate``, ``low``, ``high`` (95% Wilson), ``scored``, ``capped``: the row adversary's win rate against the column victim (null where no game was scored or the cell was not played) |
| ``cross.png`` | the win-rate matrix as a heatmap, each cell annotated with its rate and games |

and the scalars ``cross/<row>/<column>/win_rate`` (+ ``_low``, ``_high``) in the run's TensorBoard, with the
figure as the image ``cross/table``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..eval.table import Cell, TableConfig
from ..fileio import atomic_write
from ..runlog import RunLogger

CROSS_JSON = "cross.json"
CROSS_PNG = "cross.png"


def matrix(cfg: TableConfig, cells: list[Cell]) -> dict:
    """The table as matrices (rows x columns); None where a cell is missing or had no scored game."""
    by = {(c.row, c.column): c.summary for c in cells}
    out: dict = {"rows": [r.name for r in cfg.rows], "columns": [c.name for c in cfg.columns]}
    keys = {"win_rate": "win_rate", "low": "win_rate_low", "high": "win_rate_high", "scored": "scored",
            "capped": "capped"}
    for name, key in keys.items():
        out[name] = [[(by[i, j].get(key) if (i, j) in by and by[i, j].get("scored") else None)
                      for j in range(len(cfg.columns))] for i in range(len(cfg.rows))]
    return out


def heatmap(m: dict, title: str):
    """A matplotlib figure of the win-rate matrix (grey where no game was scored)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rates = np.array([[np.nan if v is None else v for v in row] for row in m["win_rate"]], float)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(m["columns"]), 1.2 + 0.7 * len(m["rows"])))
    cmap = matplotlib.colormaps["RdYlGn"].with_extremes(bad="lightgrey")
    image = ax.imshow(np.ma.masked_invalid(rates), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(m["columns"])), m["columns"], rotation=30, ha="right")
    ax.set_yticks(range(len(m["rows"])), m["rows"])
    for i, row in enumerate(m["win_rate"]):
        for j, rate in enumerate(row):
            text = "–" if rate is None else f"{100 * rate:.0f}%\nn={m['scored'][i][j]}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, label="adversary win rate")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _tag(name: str) -> str:
    """A name as one TensorBoard tag component (no slashes or spaces)."""
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", name).strip("_") or "_"


def write_cross(cfg: TableConfig, cells: list[Cell], out_dir: Path, title: str,
                logger: RunLogger | None = None, step: int = 0) -> dict:
    """``cross.json`` and ``cross.png`` in ``out_dir``, and the scalars and figure into ``logger``; the matrix."""
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    m = matrix(cfg, cells)
    atomic_write(out_dir / CROSS_JSON, json.dumps(m, indent=2).encode(), fsync=False)
    fig = heatmap(m, title)
    fig.savefig(out_dir / CROSS_PNG, dpi=100)
    if logger is not None:
        for i, row in enumerate(m["rows"]):
            for j, column in enumerate(m["columns"]):
                if m["win_rate"][i][j] is None:
                    continue
                tag = f"cross/{_tag(row)}/{_tag(column)}"
                logger.scalars({f"{tag}/win_rate": m["win_rate"][i][j], f"{tag}/win_rate_low": m["low"][i][j],
                                f"{tag}/win_rate_high": m["high"][i][j]}, step)
        logger.figure("cross/table", fig, step, close=False)
    plt.close(fig)
    return m
