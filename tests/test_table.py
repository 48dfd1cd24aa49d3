"""``advgo table``: cells are matches under the shared counting rule, written as JSON/Markdown, and resumable."""

import json

import pytest

from advgo.eval.table import Player, TableConfig, cell_text, markdown, run_table


def small_table(**kw) -> TableConfig:
    fields = dict(rows=(Player(spec="random:seed=1", label="r1"), Player(spec="random:seed=2")),
                  columns=(Player(spec="random:seed=3"), Player(spec="random:seed=4", games=2)),
                  board_size=5, games=4, max_moves=60)
    fields.update(kw)
    return TableConfig(**fields)


def test_every_cell_is_a_match_and_the_table_is_written(tmp_path):
    cfg = small_table()
    cells = run_table(cfg, tmp_path)
    assert [(c.row, c.column) for c in cells] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c.summary["games"] for c in cells] == [4, 2, 4, 2]
    for c in cells:
        s = c.summary
        assert s["wins"] + s["losses"] + s["draws"] + s.get("capped_unscored", 0) <= s["games"]
        assert len(list((tmp_path / "cells" / f"r{c.row}-c{c.column}" / "games").glob("*.sgf"))) == s["games"]
    records = json.loads((tmp_path / "table.json").read_text())["cells"]
    assert [r["row"] for r in records] == ["r1", "r1", "random:seed=2", "random:seed=2"]
    md = (tmp_path / "table.md").read_text()
    assert md.splitlines()[0] == "| | random:seed=3 | random:seed=4 |"
    assert "| r1 | " in md and "move cap 60" in md and "non-win for both sides" in md


def test_a_table_folder_resumes_finished_cells_and_replays_changed_ones(tmp_path):
    first = run_table(small_table(), tmp_path)
    mtime = (tmp_path / "cells" / "r0-c0" / "match.json").stat().st_mtime_ns
    again = run_table(small_table(), tmp_path)
    assert all(c.replayed for c in again)
    assert [c.summary for c in again] == [c.summary for c in first]
    assert (tmp_path / "cells" / "r0-c0" / "match.json").stat().st_mtime_ns == mtime
    played, replayed = [], []
    changed = run_table(small_table(games=6), tmp_path, on_game=lambda: played.append(1),
                        on_replayed=replayed.append)
    assert [c.replayed for c in changed] == [False, True, False, True]  # column 1 sets its own games
    assert len(played) == 12 and replayed == [2, 2]  # a progress bar's rate counts only the 12 played
    assert changed[0].summary["games"] == 6
    kept = json.loads((tmp_path / "cells" / "r0-c0.previous-1" / "match.json").read_text())  # nothing lost
    assert kept["summary"] == first[0].summary and len(list((tmp_path / "cells").glob("r0-c1.previous-*"))) == 0
    run_table(small_table(games=4), tmp_path)
    assert (tmp_path / "cells" / "r0-c0.previous-2" / "match.json").is_file()


class Stop(Exception):
    pass


def test_a_cell_stopped_inside_is_played_again_from_its_first_game(tmp_path, caplog):
    """``on_game`` may stop the table inside a cell (a time budget): the cell has no ``match.json``, and the next
    run plays all its games again, the earlier ones removed first, so the folder holds one match."""
    played = []

    def stop_after_two():
        played.append(1)
        if len(played) == 6:  # cell 0 (4 games) done, 2 games into cell 1
            raise Stop

    with pytest.raises(Stop):
        run_table(small_table(), tmp_path, on_game=stop_after_two)
    cut = tmp_path / "cells" / "r0-c1"
    assert not (cut / "match.json").exists() and len(list((cut / "games").glob("*.sgf"))) >= 1
    (cut / "games" / "game-00099.sgf").write_text("(;GM[1]SZ[5])")  # nothing of the cut run may stay
    with caplog.at_level("INFO", logger="advgo.eval.table"):
        cells = run_table(small_table(), tmp_path)
    assert [c.replayed for c in cells] == [True, False, False, False]
    assert sorted(p.name for p in (cut / "games").glob("*.sgf")) == ["game-00000.sgf", "game-00001.sgf"]
    assert "was stopped before its end" in caplog.text


def test_players_and_tables_are_checked(tmp_path):
    with pytest.raises(ValueError, match="exactly one of spec or run"):
        Player(spec="random", run="runs/x")
    with pytest.raises(ValueError, match="exactly one of spec or run"):
        Player()
    with pytest.raises(ValueError, match="params go with run"):
        Player(spec="random", params="seed=1")
    with pytest.raises(ValueError, match="at least one row"):
        TableConfig(rows=(), columns=(Player(spec="random"),))
    with pytest.raises(ValueError, match="no checkpoint"):
        Player(run=str(tmp_path)).resolve()


def test_cell_text_and_markdown_show_interval_and_games():
    summary = {"scored": 50, "win_rate": 0.9, "win_rate_low": 0.79, "win_rate_high": 0.96}
    assert cell_text(summary) == "90% [79–96] n=50"
    assert cell_text({"scored": 0}) == "–"
    coloured = {**summary, "win_rate_as_black": 0.8, "win_rate_as_white": 1.0}
    assert cell_text(coloured) == "90% [79–96] n=50"
    assert cell_text(coloured, by_color=True) == "90% [79–96] n=50 (B 80%, W 100%)"
    assert cell_text({**coloured, "win_rate_as_black": None}, by_color=True).endswith("(B –, W 100%)")
    cfg = small_table()
    assert markdown(cfg, []).count("\n") >= 4


def test_the_table_command_prints_the_grid_and_resumes(tmp_path):
    from typer.testing import CliRunner

    from advgo.cli import app

    config = tmp_path / "table.yaml"
    config.write_text("board_size: 5\ngames: 2\nmax_moves: 40\nrows: [{spec: 'baseline:edge'}]\n"
                      "columns: [{spec: 'baseline:pass'}, {spec: random, label: uniform}]\n")
    out = tmp_path / "t"
    result = CliRunner().invoke(app, ["table", "--config", str(config), "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "uniform" in result.output and "baseline:edge" in result.output and "n=2" in result.output
    assert (out / "table.md").is_file() and (out / "config.yaml").is_file()
    broken = tmp_path / "broken.yaml"
    broken.write_text("rows: [{spec: random, run: x}]\ncolumns: [{spec: random}]\n")
    result = CliRunner().invoke(app, ["table", "--config", str(broken)])
    assert result.exit_code == 2 and "exactly one of spec or run" in result.output


def test_an_adversary_run_plays_its_newest_checkpoint_and_reports_its_compute(tmp_path, tiny_adversary_run):
    cfg = TableConfig(rows=(Player(run=str(tiny_adversary_run), params="visits=3", label="adv"),),
                      columns=(Player(spec="random"),), board_size=5, games=2, max_moves=50)
    cells = run_table(cfg, tmp_path)
    from advgo.nets import latest_checkpoint

    assert cells[0].config.a == f"net:{latest_checkpoint(tiny_adversary_run / 'checkpoints')}:visits=3"
    assert "@3" in cells[0].summary["a"]
    compute = json.loads((tmp_path / "table.json").read_text())["compute"]["adv"]
    assert compute["games"] > 0 and compute["evaluations"] > 0 and compute["step"] > 0
    assert compute["victim_evaluations"] > 0  # A-MCTS queried the victims
    md = (tmp_path / "table.md").read_text()
    assert "| adv | " in md and "victim queries" in md


def test_a_run_player_of_a_given_step_plays_that_checkpoint(tmp_path, tiny_adversary_run):
    """``step`` pins a run's checkpoint (its rolling one or a milestone): the newest is not taken, and the table's
    compute is that checkpoint's; a step the run does not have is a clear error."""
    import shutil

    import torch

    from advgo.nets import latest_checkpoint, load_checkpoint
    from advgo.nets.checkpoint import checkpoint_path

    run = tmp_path / "run"
    shutil.copytree(tiny_adversary_run, run)
    newest = load_checkpoint(latest_checkpoint(run / "checkpoints"))
    old = checkpoint_path(run / "milestones", 1)  # an older net of the run, kept as a milestone
    old.parent.mkdir(exist_ok=True)
    payload = torch.load(latest_checkpoint(run / "checkpoints"), weights_only=False)
    torch.save({**payload, "step": 1}, old)
    assert newest.step != 1
    pinned = Player(run=str(run), step=1, params="visits=3", label="adv@1")
    assert pinned.resolve() == f"net:{old}:visits=3"
    assert Player(run=str(run)).resolve() == f"net:{latest_checkpoint(run / 'checkpoints')}"
    cfg = TableConfig(rows=(pinned,), columns=(Player(spec="random"),), board_size=5, games=2, max_moves=50)
    run_table(cfg, tmp_path / "t")
    assert json.loads((tmp_path / "t" / "table.json").read_text())["compute"]["adv@1"]["step"] == 1
    with pytest.raises(ValueError, match="no checkpoint of step 7"):
        Player(run=str(run), step=7).resolve()
    with pytest.raises(ValueError, match="step goes with run"):
        Player(spec="random", step=3)


@pytest.mark.parametrize("name", ["table-katago-9x9.yaml", "table-katago-quick.yaml"])
def test_shipped_table_configs_load(name):
    from pathlib import Path

    from advgo.config import load_config

    cfg = load_config(TableConfig, Path(__file__).resolve().parents[1] / "configs" / name)
    assert cfg.rows[0].run and cfg.columns[0].spec == "katanet" and cfg.columns[0].games >= 40
