"""The curriculum: advancing strictly above the threshold over the window, minimum games, last entry, state."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo.config import ConfigError, config_from_dict
from advgo.curriculum import RATES, Curriculum, CurriculumConfig, CurriculumEntry


def make(window=4, min_games=4, thresholds=(0.5, 0.75, 0.9), rate="mean"):
    entries = [CurriculumEntry(f"v{i}", 1 + i, t) for i, t in enumerate(thresholds)]
    return Curriculum(CurriculumConfig(entries=entries, window=window, min_games=min_games, rate=rate))


def test_advances_only_strictly_above_the_threshold():
    c = make()
    for won in (1, 1, 0, 0):  # 50%: a tie with the threshold is not enough
        assert not c.record(won)
    assert c.stage == 0
    assert not c.record(1)  # the window is 1,0,0,1: still 50%
    assert not c.record(1)  # 0,0,1,1
    assert c.record(1)  # 0,1,1,1: 75% > 50%
    assert c.stage == 1


def test_window_and_min_games():
    c = make(window=4, min_games=6)
    for _ in range(5):
        assert not c.record(True)  # 100% but fewer than min_games
    assert c.record(True)
    assert c.stage == 1 and c.games_at_stage == 0 and len(c.recent) == 0
    assert c.history == [{"entry": "v0@1", "games": 6, "win_rate": 1.0, "win_rate_as_black": None,
                          "win_rate_as_white": None}]  # colours not told


def test_last_entry_keeps_training():
    c = make(thresholds=(0.0,), min_games=1, window=1)
    for _ in range(10):
        assert not c.record(True)
    assert c.stage == 0 and c.is_last and c.games_at_stage == 10


@given(st.lists(st.booleans(), max_size=200), st.integers(1, 20), st.integers(1, 30))
def test_matches_a_plain_recount(results, window, min_games):
    """Stage changes happen exactly when a from-scratch recount of the stage's games says so."""
    c = make(window=window, min_games=min_games)
    stage, since = 0, []
    for won in results:
        since.append(int(won))
        recent = since[-window:]
        expected = (stage < 2 and len(since) >= min_games
                    and sum(recent) / len(recent) > c.config.entries[stage].threshold)
        assert c.record(won) == expected
        if expected:
            stage, since = stage + 1, []
        assert c.stage == stage and c.games_at_stage == len(since)


def test_state_round_trip_and_mismatch():
    c = make(window=3, min_games=2)
    for won in (1, 1, 0, 1, 1, 0):
        c.record(won)
    again = make(window=3, min_games=2)
    again.load_state_dict(c.state_dict())
    assert (again.stage, list(again.recent), again.games_at_stage, again.history) == \
        (c.stage, list(c.recent), c.games_at_stage, c.history)
    other = Curriculum(CurriculumConfig(entries=[CurriculumEntry("x", 1, 0.5)]))
    with pytest.raises(ValueError, match="does not match"):
        other.load_state_dict(c.state_dict())


@given(st.lists(st.tuples(st.booleans(), st.sampled_from([1, -1, 0])), max_size=120), st.integers(1, 20),
       st.integers(1, 30), st.sampled_from(RATES))
def test_win_rate_by_colour_matches_a_recount(games, window, min_games, rate):
    """The window's win rate as black and as white is a recount of the stage's last ``window`` games of that colour
    (None when it holds none); a finished stage keeps the rates it was left with; the state round trip keeps them;
    the rate the threshold reads combines the two as ``rate`` says."""
    c = make(window=window, min_games=min_games, rate=rate)
    combine = {"mean": lambda r: sum(r) / 2, "best": max, "worst": min}
    since = []
    for won, color in games:
        recent = (since + [(won, color)])[-window:]
        advanced = c.record(won, color)
        for side, name in ((1, "black"), (-1, "white")):
            mine = [w for w, col in recent if col == side]
            expected = sum(mine) / len(mine) if mine else None
            if advanced:
                assert c.history[-1][f"win_rate_as_{name}"] == expected
                assert c.win_rate_as(side) is None  # the next stage starts empty
            else:
                assert c.win_rate_as(side) == expected
        if not advanced:  # the rate the threshold reads: the colours' rates combined where the window holds both
            rates = [c.win_rate_as(side) for side in (1, -1)]
            known = all(col != 0 for _, col in recent)
            pooled = sum(w for w, _ in recent) / len(recent)
            expected = combine[rate](rates) if rate != "pooled" and known and None not in rates else pooled
            assert c.win_rate == pytest.approx(expected)
        since = [] if advanced else since + [(won, color)]
    again = make(window=window, min_games=min_games)
    again.load_state_dict(c.state_dict())
    assert (list(again.colors), again.win_rate_as(1), again.win_rate_as(-1)) == \
        (list(c.colors), c.win_rate_as(1), c.win_rate_as(-1))


def test_an_uneven_split_of_colours_reads_as_an_even_one():
    """30 games as white won 3, 10 as black won 10: 32.5% of the games, but 55% for an even split of colours."""
    c = make(window=40, min_games=41, thresholds=(0.5,))
    for i in range(30):
        c.record(i < 3, -1)
    for _ in range(10):
        c.record(True, 1)
    assert c.win_rate == pytest.approx((1.0 + 0.1) / 2)
    c.record(False, 0)  # a game of unknown colour in the window: the rate over all its games
    assert c.win_rate == pytest.approx(12 / 40)


@pytest.mark.parametrize("rate, advances", [("mean", False), ("pooled", False), ("best", True), ("worst", False)])
def test_a_one_colour_exploit_passes_only_on_the_better_colour(rate, advances):
    """Every black game won, every white one lost: 50% by the mean and pooled over an even split, 100% for the
    better colour, 0% for the worse; a 0.75 threshold is passed on the better colour alone."""
    c = make(window=8, min_games=8, thresholds=(0.75, 0.9), rate=rate)
    moved = [c.record(color == 1, color) for color in (1, -1) * 4]
    assert any(moved) == advances and c.stage == int(advances)
    if advances:
        assert c.history[-1]["win_rate"] == 1.0 and c.history[-1]["win_rate_as_white"] == 0.0


def test_old_state_without_colours_loads_as_unknown():
    c = make(window=4, min_games=10)
    for won, color in ((1, 1), (0, -1), (1, 1)):
        c.record(won, color)
    state = c.state_dict()
    del state["colors"]  # a checkpoint written before the colours were kept
    again = make(window=4, min_games=10)
    again.load_state_dict(state)
    assert list(again.recent) == [1, 0, 1] and list(again.colors) == [0, 0, 0]
    assert again.win_rate_as(1) is None and again.win_rate == pytest.approx(2 / 3)  # all its games
    assert c.win_rate == pytest.approx(0.5)  # black 2 of 2, white 0 of 1: the colours' mean
    with pytest.raises(ValueError, match="color must be"):
        again.record(True, 2)


@pytest.mark.parametrize("data, message", [
    ({"entries": []}, "empty"),
    ({"entries": [{"victim": "cp1", "threshold": 1.5}]}, "threshold"),
    ({"entries": [{"victim": "cp1", "visits": 0}]}, "visits"),
    ({"entries": [{"victim": "cp1"}], "window": 0}, "window"),
    ({"entries": [{"victim": "cp1", "temperature": -0.5}]}, "temperature must be >= 0"),
    ({"entries": [{"victim": "cp1"}], "rate": "average"}, "curriculum.rate must be one of mean, pooled, best, worst"),
    ({"entries": [{"victim": "cp1", "treshold": 0.5}]}, "treshold"),
    ({"entries": [{"victim": "katanet:model=a/model-000000040.bin.gz"},  # two runs' milestones of one step
                  {"victim": "katanet:model=b/model-000000040.bin.gz"}]}, r"both labelled katanet\[model-000000040\]@1"),
    ({"entries": [{"victim": "runs/a/ckpt-000000100.pt"}, {"victim": "runs/b/ckpt-000000100.pt"}]}, "both labelled"),
])
def test_bad_curricula_are_clear_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(CurriculumConfig, data)


def test_a_temperature_curriculum_labels_each_stage_apart():
    """The same victim at falling temperatures, then as the run plays it: three labels, each entry's temperature
    its own or the run's."""
    config = config_from_dict(CurriculumConfig, {"entries": [{"victim": "cp6", "temperature": 1.0},
                                                             {"victim": "cp6", "temperature": 0.5},
                                                             {"victim": "cp6"}]})
    assert [e.label for e in config.entries] == ["cp6@1:t=1", "cp6@1:t=0.5", "cp6@1"]
    assert [e.victim_temperature(0.25) for e in config.entries] == [1.0, 0.5, 0.25]


def test_one_victim_may_come_twice():
    """The same victim at the same visits is one label for one victim (e.g. a stage revisited)."""
    config = CurriculumConfig(entries=[CurriculumEntry("cp1", 1, 0.5), CurriculumEntry("cp2"), CurriculumEntry("cp1")])
    assert [e.label for e in config.entries] == ["cp1@1", "cp2@1", "cp1@1"]
