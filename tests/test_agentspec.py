"""Agent specs (``advgo.agentspec``) and the registry that builds them (``advgo.agent_registry``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from advgo import zoo
from advgo.agent_registry import make_agent
from advgo.agents import MCTSAgent, PolicyAgent, RandomAgent
from advgo.agents.amcts import AMCTSAgent
from advgo.agentspec import AGENT_FORMS, AgentSpecError, parse_agent_spec
from advgo.eval.match import MatchConfig, run_match
from advgo.game import GameState
from advgo.passalive import pass_alive_territory
from advgo.victims import resolve_victim, victim_label

names = st.from_regex(r"[A-Za-z0-9_./-]{1,12}", fullmatch=True).filter(lambda s: "=" not in s)


@given(kind=st.sampled_from(["zoo", "net"]), target=names, visits=st.none() | st.integers(1, 999),
       temperature=st.none() | st.floats(0, 5, allow_nan=False).map(lambda x: round(x, 3)))
def test_canonical_text_parses_back(kind, target, visits, temperature):
    text = ":".join([kind, target] + ([f"visits={visits}"] if visits else [])
                    + ([f"temperature={temperature}"] if temperature is not None else []))
    spec = parse_agent_spec(text)
    assert spec.kind == kind and spec.target == target
    assert spec.get("visits") == visits
    assert parse_agent_spec(spec.text) == spec


def test_paths_with_colons_and_gtp_command_lines():
    spec = parse_agent_spec("net:C:/runs/a:b.pt:visits=4")
    assert spec.target == "C:/runs/a:b.pt" and spec.get("visits") == 4
    spec = parse_agent_spec('gtp:"/usr/games/gnugo --mode gtp --level 3"')
    assert spec.kind == "gtp" and spec.target == "/usr/games/gnugo --mode gtp --level 3"
    assert parse_agent_spec("GNUGO:level=3").get("level") == 3


@pytest.mark.parametrize("bad, why", [
    ("", "empty"), ("foo", "unknown kind"), ("zoo", "needs a zoo name"), ("zoo:cp1:level=3", "no parameter"),
    ("gnugo:level=high", "not an integer"), ("random:cp1", "only key=value"), ("gtp:", "command line"),
    ("zoo:cp1:visits=2:visits=3", "twice"), ("net:x.pt:temperature=hot", "not a number"),
])
def test_bad_specs_list_the_accepted_forms(bad, why):
    with pytest.raises(AgentSpecError, match=why) as err:
        parse_agent_spec(bad)
    assert all(form in str(err.value) for form in AGENT_FORMS)


def test_registry_builds_every_kind_of_our_agents():
    assert isinstance(make_agent("random"), RandomAgent)
    policy = make_agent("zoo:cp1")
    assert isinstance(policy, PolicyAgent) and policy.board_size == 9 and policy.name == "cp1@1"
    mcts = make_agent("zoo:cp2:visits=4:temperature=0.5")
    assert isinstance(mcts, MCTSAgent) and mcts.visits == 4 and mcts.temperature == 0.5
    assert mcts.agent_spec == "zoo:cp2:visits=4:temperature=0.5" and mcts.rules_supported is None
    mcts.close()  # a no-op, but every agent has it


@pytest.mark.parametrize("bad, why", [
    ("zoo:nope", "no zoo victim named 'nope'"), ("net:/no/such.pt", "no checkpoint file"),
    ("zoo:cp1:hardened=maybe", "hardened"), ("zoo:cp1:visits=0", "at least 1"),
    ("zoo:cp1:symmetry=mirror", "symmetry must be"), ("gnugo:level=11", "0..10"),
    ("engine:nope", "unknown engine"), ("gnugo:depth=3", "no parameter"),
])
def test_registry_errors_are_clear(bad, why):
    with pytest.raises(ValueError, match=why):
        make_agent(bad)


def test_external_victims_are_black_boxes_with_clear_labels(gnugo_installed):
    victim = resolve_victim("gnugo:level=3", 8)
    assert victim.label == "gnugo:level=3" and victim_label("gnugo:level=3", 8) == "gnugo:level=3"
    assert not victim.has_policy and victim.policy("plain", None) is None
    with pytest.raises(ValueError, match="use amcts: plain"):
        victim.policy("S", None)
    assert victim_label("zoo:cp2", 4) == victim_label("cp2", 4) == "cp2@4"
    assert victim_label("katago", 8) == "katago@8" and victim_label("katago:visits=2", 8) == "katago@2"


def test_adversary_checkpoint_plays_amcts_against_the_victim_it_names(adversary_checkpoint):
    agent = make_agent(f"net:{adversary_checkpoint}")
    assert isinstance(agent, AMCTSAgent) and agent.victim_policy is not None
    assert "A-MCTS-S" in agent.name and "vs " in agent.name and agent.board_size == 5
    plain = make_agent(f"net:{adversary_checkpoint}:amcts=plain:visits=3")
    assert plain.victim_policy is None and plain.visits == 3 and "MCTS@3" in plain.name


def test_victim_parameter_takes_the_rest_of_the_spec():
    spec = parse_agent_spec("net:C:/runs/a:b.pt:visits=8:victim=zoo:cp3:visits=4")
    assert spec.target == "C:/runs/a:b.pt" and spec.get("visits") == 8 and spec.get("victim") == "zoo:cp3:visits=4"
    assert parse_agent_spec(spec.text) == spec
    with pytest.raises(AgentSpecError, match="victim= needs an agent spec"):
        parse_agent_spec("net:x.pt:victim=")


def test_adversary_checkpoint_models_the_opponent_it_plays(adversary_checkpoint_9x9):
    """``victim=`` first; else a gray-box opponent (at its visits); else plain MCTS against a black box; with no
    opponent known, the victim of its curriculum stage (cp1@1 here)."""
    ckpt = f"net:{adversary_checkpoint_9x9}"
    alone = make_agent(ckpt)
    assert alone.victim_policy is not None and alone.name == "ckpt-000000001 (A-MCTS-S@2 vs cp1@1)"
    vs_cp2 = make_agent(ckpt, opponent="zoo:cp2")
    assert vs_cp2.victim_policy is not None and vs_cp2.name.endswith("vs cp2@1)")
    assert make_agent(ckpt, opponent=parse_agent_spec("zoo:cp2:visits=4")).name.endswith("vs cp2@4)")
    assert make_agent(f"{ckpt}:victim=cp3").name.endswith("vs cp3@1)")  # a curriculum's bare zoo name
    for black_box in ("random", "gnugo:level=0", "katago:visits=8", "human", ckpt):  # an adversary plays A-MCTS
        plain = make_agent(ckpt, opponent=black_box)
        assert plain.victim_policy is None and plain.name == "ckpt-000000001 (MCTS@2)", black_box
    for opponent in (None, "zoo:cp2", "random"):
        explicit = make_agent(f"{ckpt}:victim=zoo:cp3", opponent=opponent)
        assert explicit.victim_policy is not None and explicit.name.endswith("vs cp3@1)")
    assert make_agent(f"{ckpt}:visits=3:victim=zoo:cp3:visits=2").name == "ckpt-000000001 (A-MCTS-S@3 vs cp3@2)"
    assert make_agent(f"{ckpt}:amcts=plain", opponent="zoo:cp2").name == "ckpt-000000001 (MCTS@2)"


def test_adversary_models_a_victim_checkpoint_opponent(adversary_checkpoint, tiny_victims):
    agent = make_agent(f"net:{adversary_checkpoint}", opponent=f"net:{tiny_victims[0]}:visits=2")
    assert agent.victim_policy is not None and agent.name.endswith("vs ckpt-000000020@2)")
    with pytest.raises(ValueError, match="victim= names whom A-MCTS models: give amcts= too"):
        make_agent(f"net:{tiny_victims[0]}:victim=zoo:cp1")


def test_a_net_never_trained_as_an_adversary_plays_amcts_when_asked(tiny_victims):
    """``amcts=`` on a zoo net or a victim checkpoint: the start of a victim-play run from that net, modelling a
    gray-box opponent (or ``victim=``), plain MCTS against a black box or with nobody to model."""
    victim = f"net:{tiny_victims[0]}"
    agent = make_agent("zoo:cp2:visits=8:amcts=S", opponent="zoo:cp1:visits=2")
    assert isinstance(agent, AMCTSAgent) and agent.victim_policy is not None
    assert agent.name == "cp2 (A-MCTS-S@8 vs cp1@2)"
    assert (make_agent(f"{victim}:visits=4:amcts=S++:victim={victim}").name
            == "ckpt-000000020 (A-MCTS-S++@4 vs ckpt-000000020@1)")
    with pytest.raises(ValueError, match="5x5 boards, but 9x9"):  # a model that plays another board
        make_agent("zoo:cp2:amcts=S", opponent=f"{victim}:visits=2")
    for black_box in (None, "gnugo:level=0", "random"):
        plain = make_agent("zoo:cp2:visits=8:amcts=S", opponent=black_box)
        assert plain.victim_policy is None and plain.name == "cp2 (MCTS@8)", black_box
    # the net it searches with is the one named
    weights = zoo.load_net("cp2", "cpu").state_dict()
    searched = agent.evaluator.runner.net.state_dict()
    assert weights.keys() == searched.keys()
    assert all(torch.equal(weights[k], searched[k]) for k in weights)
    for bad, message in (("zoo:cp2:amcts=X", "amcts must be one of"),
                         ("zoo:cp2:amcts=S:hardened=true", "hardened and amcts do not go together")):
        with pytest.raises(ValueError, match=message):
            make_agent(bad, opponent="zoo:cp1")


def test_human_agent_explains_bad_and_illegal_moves_then_plays():
    from advgo.agents import select_move
    from advgo.agents.human import HumanAgent
    from advgo.coords import action_to_gtp
    from advgo.game import GameState

    state = GameState.new(9).play(30)
    answers = iter(["Z99", action_to_gtp(30, 9).lower(), "pass", "quit"])  # unreadable, occupied, then a pass
    shown: list[str] = []
    human = HumanAgent(ask=lambda prompt: next(answers), show=shown.append)
    assert select_move(human, state) == 81
    assert any("cannot read 'Z99'" in s for s in shown) and any("is illegal here (occupied)" in s for s in shown)
    with pytest.raises(KeyboardInterrupt):  # "quit" ends the match
        select_move(human, state)


def _passes_with_moves_left(run, victim_is_a: bool) -> tuple[int, int]:
    """(the victim's passes, those made while it had a legal move outside its own pass-alive territory), replayed."""
    passes = early = 0
    for record in run.records:
        victim_black = record.a_black == victim_is_a
        state = GameState.new(9, run.rules)
        for move in record.moves:
            if move == state.pass_action and (state.to_play == 1) == victim_black:
                passes += 1
                territory = pass_alive_territory(state.board, state.to_play, run.rules.suicide).reshape(-1)
                early += bool((state.legal_mask()[:-1] & ~territory).any())
            state = state.play(move)
    return passes, early


def test_a_hardened_victim_passes_only_with_nothing_left_to_play():
    """``hardened=true``: the paper's hardened victim. Replayed, none of its passes leaves a legal move outside its
    pass-alive territory, where the same net unhardened passes with such moves left (so the check can fail)."""
    plain = run_match(MatchConfig("baseline:pass", "zoo:cp1", games=2, seed=1))
    hard = run_match(MatchConfig("baseline:pass", "zoo:cp1:hardened=true", games=2, seed=1))
    assert hard.names[1] == "cp1@1 hardened" and plain.names[1] == "cp1@1"
    assert _passes_with_moves_left(plain, victim_is_a=False)[1] > 0
    passes, early = _passes_with_moves_left(hard, victim_is_a=False)
    assert passes > 0 and early == 0
    assert all(len(h.moves) > len(p.moves) for h, p in zip(hard.records, plain.records, strict=True))


def test_hardened_is_a_flag_of_net_victims_only(adversary_checkpoint):
    assert parse_agent_spec("katanet:hardened=yes").get("hardened") is True
    assert parse_agent_spec("zoo:cp2:hardened=off").text == "zoo:cp2:hardened=false"
    with pytest.raises(ValueError, match="is not true or false"):
        parse_agent_spec("zoo:cp2:hardened=maybe")
    with pytest.raises(ValueError, match="gnugo has no parameter 'hardened'"):
        parse_agent_spec("gnugo:hardened=true")
    with pytest.raises(ValueError, match="hardened applies to victims"):
        make_agent(f"net:{adversary_checkpoint}:hardened=true")


def test_an_adversary_models_its_curriculum_entry_at_the_entrys_temperature(tmp_path):
    """With no opponent known, A-MCTS samples the modelled victim's replies at its curriculum entry's temperature;
    against an opponent, at that opponent's spec's temperature, else the run's ``victimplay.victim_temperature``."""
    from advgo.config import load_config, to_dict
    from advgo.nets import PolicyValueNet
    from advgo.nets.checkpoint import save_checkpoint
    from advgo.training.adversary_config import AdversaryRunConfig

    cfg = load_config(AdversaryRunConfig, Path(__file__).resolve().parents[1] / "configs" / "attack-9x9.yaml",
                      ["device=cpu", "net.blocks=1", "net.channels=8", "evaluation.visits=2",
                       "curriculum.entries[0].temperature=0.75", "victimplay.victim_temperature=0.25"])
    torch.manual_seed(0)
    curriculum = {"stage": 0, "recent": [], "games_at_stage": 0, "history": [],
                  "entries": [e.label for e in cfg.curriculum.entries]}
    path = save_checkpoint(tmp_path / "ckpt-000000001.pt", net=PolicyValueNet(cfg.net_config()),
                           net_config=cfg.net_config(), config=to_dict(cfg), step=1,
                           extra={"role": "adversary", "amcts": "S", "curriculum": curriculum})
    ckpt = f"net:{path}"
    assert make_agent(ckpt).victim_temperature == 0.75
    assert make_agent(ckpt, opponent="zoo:cp2").victim_temperature == 0.25
    assert make_agent(ckpt, opponent="zoo:cp2:temperature=0.1").victim_temperature == 0.1
    assert make_agent(f"{ckpt}:victim=zoo:cp1").victim_temperature == 0.25
