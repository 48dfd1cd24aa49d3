"""One counting rule and one default cap (``advgo.eval.counting``): ``advgo match`` (``MatchResult``), ``advgo
eval`` and training evaluation (``tally_games`` over ``VictimGame``s), the curriculum and victim-play count the
same games the same way; a capped game is a non-win for both sides, whoever leads on the board."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo.agents import RandomAgent
from advgo.curriculum import Curriculum, CurriculumConfig, CurriculumEntry
from advgo.eval.arena import GameRecord, MatchResult, play_games, play_match
from advgo.eval.counting import CAPPED, DRAW, LOSS, WIN, Tally, default_move_cap, is_win, move_cap, outcome
from advgo.eval.match import MatchConfig
from advgo.rules import Rules
from advgo.training.adversary_eval import tally_games
from advgo.training.victimplay import VictimGame

records = st.builds(
    GameRecord, index=st.integers(0, 999), a_black=st.booleans(), moves=st.just([]),
    score=st.sampled_from([-7.5, -0.5, 0.0, 0.5, 3.5, 60.5]), capped=st.booleans(),
    void=st.none() | st.just("engine died"),
)


def as_victim_game(record: GameRecord) -> VictimGame:
    """The same game as victim-play reports it, A being the adversary."""
    empty = np.zeros((0,), np.float32)
    return VictimGame(empty, empty, empty, empty, "v@1", 1 if record.a_black else -1, np.zeros(0, np.int16), {},
                      record.length, record.score, "move_cap" if record.capped else "two_passes", 0, 0)


def test_a_capped_game_that_leads_on_the_board_is_a_non_win_everywhere():
    leading = GameRecord(0, a_black=True, moves=[], score=12.5, capped=True)
    result = MatchResult("a", "b")
    result.add(leading)
    assert (result.wins, result.losses, result.capped, result.games, result.win_rate) == (0, 0, 1, 1, 0.0)
    assert result.loss_rate == 0.0  # nor a win for the other side
    game = as_victim_game(leading)
    assert game.margin > 0 and game.capped and not game.adversary_won
    tally = tally_games([game])
    assert (tally.wins, tally.capped, tally.games) == (0, 1, 1)
    assert outcome(12.5, True) == outcome(-12.5, True) == CAPPED and not is_win(12.5, True)
    assert [outcome(m, False) for m in (1.5, -1.5, 0.0)] == [WIN, LOSS, DRAW]


@given(st.lists(records, max_size=40))
def test_match_eval_and_curriculum_count_the_same_records_the_same_way(games):
    result = MatchResult("a", "b")
    for record in games:
        result.add(record)
    scored = [r for r in games if not r.void]
    assert result.voided == len(games) - len(scored)
    assert result.wins + result.losses + result.draws + result.capped == result.games == len(scored)
    assert result.wins == sum(r.a_margin > 0 and not r.capped for r in scored)
    assert result.capped == sum(r.capped for r in scored)
    assert result.win_rate == (result.wins / len(scored) if scored else 0.0)
    assert result.loss_rate == (result.losses / len(scored) if scored else 0.0)
    assert result.interval[0] <= result.win_rate <= result.interval[1]

    # advgo eval and training evaluation see the scored games (victim-play replays a voided one)
    eval_tally = tally_games([as_victim_game(r) for r in scored])
    assert (eval_tally.wins, eval_tally.losses, eval_tally.draws, eval_tally.capped, eval_tally.games) == (
        result.wins, result.losses, result.draws, result.capped, result.games)
    assert eval_tally.win_rate == result.win_rate and eval_tally.interval == result.interval

    # the curriculum's window counts VictimGame.adversary_won: the same win rate
    curriculum = Curriculum(CurriculumConfig([CurriculumEntry("cp1")], window=100, min_games=1000))
    for r in scored:
        curriculum.record(as_victim_game(r).adversary_won)
    assert curriculum.win_rate == result.win_rate


def test_a_tally_counts_each_outcome_once():
    tally = Tally()
    assert [tally.count(m, c, v) for m, c, v in [(1, False, False), (-1, False, False), (0, False, False),
                                                 (5, True, False), (5, False, True)]] == [WIN, LOSS, DRAW, CAPPED, None]
    assert (tally.wins, tally.losses, tally.draws, tally.capped, tally.voided, tally.games) == (1, 1, 1, 1, 1, 4)
    assert tally.win_rate == tally.loss_rate == 0.25


def test_games_stopped_at_the_cap_are_never_wins_in_a_played_match():
    result = play_match(RandomAgent(seed=1), RandomAgent(seed=2), 5, 6, Rules.tromp_taylor(0.5), max_moves=6)
    assert result.max_moves == 6 and result.capped == result.games == 6 and result.wins == result.losses == 0
    assert result.win_rate == 0.0 and result.interval[0] == 0.0


@pytest.mark.parametrize("size", [5, 7, 9, 19])
def test_the_default_cap_is_five_n_squared_in_match_and_arena(size):
    assert default_move_cap(size) == move_cap(size) == move_cap(size, 0) == 5 * size * size
    assert move_cap(size, 17) == 17
    assert MatchConfig("random", "random", board_size=size).cap == 5 * size * size
    assert MatchConfig("random", "random", board_size=size, max_moves=30).cap == 30
    assert play_match(RandomAgent(seed=0), RandomAgent(seed=1), size, 0).max_moves == 5 * size * size


class NoPass(RandomAgent):
    """Uniform over the legal moves other than pass (passes only when nothing else is legal)."""

    def select(self, boards, games):
        moves = []
        for g in games:
            legal = np.flatnonzero(self._legal(boards, g)[:-1])
            moves.append(int(self.rng.choice(legal)) if len(legal) else self.size * self.size)
        return np.array(moves, np.int64)


def test_arena_plays_up_to_the_default_cap():
    """Players that never pass play on to the cap: 5·N² = 125 moves on 5x5 (it was 2·N²), every game capped."""
    records: list[GameRecord] = []
    play_games(NoPass(seed=0), NoPass(seed=1), 5, Rules.tromp_taylor(0.5), [0, 1], [True, False], records.append)
    assert [(r.length, r.capped) for r in records] == [(125, True), (125, True)]


def test_victim_play_and_its_evaluation_default_to_the_same_cap():
    import torch

    from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator
    from advgo.search import SearchConfig
    from advgo.training.victimplay import VictimPlay, VictimPlayConfig
    from advgo.victims import resolve_victim

    torch.manual_seed(0)
    rules = Rules.tromp_taylor()
    evaluator = TorchEvaluator(PolicyValueNet(NetConfig(board_size=9, blocks=1, channels=8)).eval(), rules=rules)
    for cfg, cap in ((VictimPlayConfig(games=2, full_visits=2, fast_visits=2), 405),
                     (VictimPlayConfig(games=2, full_visits=2, fast_visits=2, max_moves=50), 50)):
        for training in (True, False):  # victim-play, and evaluate_adversary's games
            play = VictimPlay(evaluator, resolve_victim("cp1"), 9, rules, SearchConfig(), cfg,
                              np.random.default_rng(0), training=training, continuous=training)
            assert play.max_moves == cap == move_cap(9, cfg.max_moves)
            play.close()


def test_a_tally_with_no_scored_game_has_no_win_rate():
    from advgo.eval.counting import NoScoredGames, require_scored

    tally = Tally()
    tally.count(0.0, void=True)
    tally.count(0.0, void=True)
    with pytest.raises(NoScoredGames, match="no game was scored: 2 of 2 games were voided"):
        require_scored(tally)
    tally.count(-3.5, capped=True)  # a capped game is scored (a non-win), so there is a win rate: 0 of 1
    assert require_scored(tally) is tally and tally.win_rate == 0.0
