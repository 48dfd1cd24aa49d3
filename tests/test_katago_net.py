"""KataGo model files and KataGo's network in advgo, tested without KataGo installed.

Tiny random nets (``katago_models``) cover every model version and layer kind; a NumPy forward pass written from
KataGo's CPU backend (``katago_reference_net``) evaluates them the way KataGo does, with the board padded into an
nn buffer and masked, and advgo's PyTorch model (which runs each board at its exact size, unmasked) must agree.

| part | what is checked |
|---|---|
| format | bytes and files round-trip bit for bit (binary and text floats, gzip or not); what each version stores |
| model | ``KataGoModel`` == the masked reference, boards 7, 9, 13 in buffers of their size and of 19 |
| errors | missing, truncated, corrupt, unsupported or inconsistent files fail with messages naming the problem |
| ``KataGoNet`` | priors / values on real positions: legal moves only, batches, symmetries, optimism, bad arguments |
"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from katago_models import (
    CONFIGS,
    IDENTITY,
    MISH,
    RELU,
    SILU,
    GPool,
    Res,
    Spec,
    build,
    policy_channels,
    random_inputs,
)
from katago_reference_net import reference_forward

from advgo import GameState, engine
from advgo.features import transform_action, transform_policy
from advgo.nets.katago.format import ModelFormatError, UnsupportedModelError, parse_model, read_model
from advgo.nets.katago.layers import Activation, AttentionBlock, BatchNorm, Conv, MatBias, MatMul, RMSNorm
from advgo.nets.katago.model import KataGoModel
from advgo.nets.katago.net import KataGoNet
from advgo.nets.katago.writer import model_bytes, write_model
from advgo.rules import Rules

NAMES = sorted(CONFIGS)
OUTPUTS = ("policy", "pass_logit", "value", "score", "ownership")


def assert_same_desc(a, b, where: str = "model") -> None:
    """Every field of two layer trees equal; every weight array float32 and equal bit for bit."""
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and b.dtype == np.float32 and a.shape == b.shape, where
        assert a.astype(np.float32).tobytes() == b.tobytes(), f"{where}: weights differ"
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            assert_same_desc(x, y, f"{where}[{k}]")
    elif hasattr(a, "__dataclass_fields__"):
        assert type(a) is type(b), f"{where}: {type(a).__name__} became {type(b).__name__}"
        for name in a.__dataclass_fields__:
            assert_same_desc(getattr(a, name), getattr(b, name), f"{where}.{name}")
    else:
        assert a == b, f"{where}: {a!r} became {b!r}"


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str, rtol: float = 1e-4) -> None:
    """Equal up to ``rtol`` relative to the largest expected magnitude (at least 1)."""
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    err = float(np.max(np.abs(actual.astype(np.float64) - expected)))
    assert err <= rtol * max(1.0, float(np.max(np.abs(expected)))), f"{what}: off by {err:.3g}"


def tokens_of(desc) -> list[bytes]:
    """The whitespace-separated tokens of ``desc``'s text-float file (a rejoined list parses the same)."""
    return model_bytes(desc, binary=False).split()


def parse_tokens(tokens: list[bytes]):
    return parse_model(b"\n".join(tokens), "edited.txt")


# ------------------------------------------------------------------------------------------------ format
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
@pytest.mark.parametrize("name", NAMES)
def test_bytes_round_trip_bit_for_bit(name, binary):
    desc = build(name, seed=1)
    data = model_bytes(desc, binary=binary)
    back = parse_model(data)
    assert_same_desc(desc, back)
    assert model_bytes(back, binary=binary) == data
    assert (b"@BIN@" in data) == binary


@settings(max_examples=20)
@given(name=st.sampled_from(NAMES), seed=st.integers(0, 2**32 - 1), binary=st.booleans())
def test_round_trip_of_any_seed(name, seed, binary):
    desc = build(name, seed=seed)
    assert_same_desc(desc, parse_model(model_bytes(desc, binary=binary)))


@pytest.mark.parametrize("filename", ["tiny.bin.gz", "tiny.txt.gz", "tiny.bin", "tiny.txt"])
def test_file_round_trip(tmp_path, filename):
    desc = build("v15-transformer", seed=2)
    path = write_model(desc, tmp_path / filename)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == filename.endswith(".gz")
    content = gzip.decompress(raw) if filename.endswith(".gz") else raw
    assert (b"@BIN@" in content) == (".bin" in filename)
    assert content.startswith(b"tiny-v15-transformer\n15\n22\n19\n")
    assert_same_desc(desc, read_model(path))
    assert [p.name for p in tmp_path.iterdir()] == [filename]  # written atomically: no temporary left behind


def test_the_tiny_nets_cover_every_version_and_layer_kind():
    seen = set()

    def visit(obj) -> None:
        if isinstance(obj, list):
            for item in obj:
                visit(item)
        elif hasattr(obj, "__dataclass_fields__"):
            seen.add(type(obj).__name__)
            if isinstance(obj, Activation):
                seen.add(obj.kind)
            elif isinstance(obj, Conv):
                seen.add(f"{obj.weight.shape[0]}x{obj.weight.shape[1]}")
            elif isinstance(obj, AttentionBlock):
                seen.add(f"rope {obj.rope}")
                seen.add("grouped-query" if obj.kv_heads < obj.heads else "multi-head")
            elif isinstance(obj, RMSNorm):
                seen.add("spatial RMSNorm" if obj.spatial else "per-point RMSNorm")
            for name in obj.__dataclass_fields__:
                visit(getattr(obj, name))

    descs = [build(name) for name in NAMES]
    for desc in descs:
        visit(desc)
    assert {d.version for d in descs} == {8, 10, 11, 12, 14, 15, 16, 17}
    assert {(d.version, d.policy_channels) for d in descs if d.version == 17} == {(17, 2), (17, 4)}
    assert any(d.pass_alive_under_suicide for d in descs)
    assert {"ResidualBlock", "GlobalPoolBlock", "NestedBottleneckBlock", "AttentionBlock", "FFNBlock", "BatchNorm",
            "spatial RMSNorm", "per-point RMSNorm", "rope none", "rope fixed", "rope learned", "grouped-query",
            "multi-head", "1x1", "3x3", "5x5", RELU, MISH, SILU, IDENTITY} <= seen


def test_an_rmsnorm_trunk_tip_needs_version_15():
    desc = build("v15-rms-point")
    desc.version = 14
    with pytest.raises(UnsupportedModelError, match="RMSNorm trunk tip needs model version >= 15"):
        model_bytes(desc)


@pytest.mark.parametrize("name", NAMES)
def test_what_each_version_stores(name):
    desc = build(name, seed=3)
    back = parse_model(model_bytes(desc))
    v = desc.version
    assert back.policy_channels == policy_channels(CONFIGS[name]) == (1 if v < 12 else 2 if v < 16 else 4 if v == 16
                                                                      else CONFIGS[name].policy_channels)
    assert back.value.sv3_mul.out_channels == (4 if v == 8 else 6)
    assert (back.policy.gpool_to_pass2 is not None) == (v >= 15)
    assert (b"ACTIVATION_" in model_bytes(desc)) == (v >= 11)
    if v < 13:  # the output multipliers are in the file from version 13; KataGo's defaults before
        assert back.post == type(back.post)()
    else:
        assert back.post == desc.post != type(back.post)()


# ------------------------------------------------------------------------------------------------ model vs reference
def torch_forward(model: KataGoModel, spatial: np.ndarray, global_: np.ndarray) -> list[np.ndarray]:
    with torch.inference_mode():
        return [o.numpy() for o in model(torch.from_numpy(spatial), torch.from_numpy(global_))]


@pytest.mark.parametrize("name", NAMES)
def test_model_matches_katagos_masked_forward(name):
    desc = build(name, seed=4)
    model = KataGoModel(parse_model(model_bytes(desc)))  # through the file format
    rng = np.random.default_rng(5)
    for size in (7, 9, 13):
        spatial, global_ = random_inputs(rng, 2, size)
        ours = torch_forward(model, spatial, global_)
        assert ours[0].shape == (2, desc.policy_channels, size * size)
        assert ours[3].shape == (2, desc.value.sv3_mul.out_channels)
        for nn_size in (size, 19):  # 19: the board padded into KataGo's largest buffer, as KataGo runs it
            reference = reference_forward(desc, spatial, global_, nn_size)
            for what, a, b in zip(OUTPUTS, ours, reference):
                assert_close(a, b, f"{name}: {what} on {size}x{size} in a {nn_size}x{nn_size} buffer")


def test_padding_matters_to_the_reference():
    """The reference is no tautology: evaluated unmasked in the 19x19 buffer (the padding counted as board),
    the outputs on a 9x9 board change."""
    desc = build("v15-transformer", seed=4)
    spatial, global_ = random_inputs(np.random.default_rng(6), 1, 9)
    masked = reference_forward(desc, spatial, global_, 19)
    padded = np.zeros((1, 22, 19, 19), np.float32)
    padded[:, :, :9, :9] = spatial
    padded[:, 0] = 1.0  # pretend the whole buffer is board
    unmasked = reference_forward(desc, padded, global_)
    assert not np.allclose(masked[2], unmasked[2], atol=1e-3)


def test_gpool_max_is_floored_at_minus_one_like_katagos_backends():
    """KataGo's pooled max starts from -1 (its trick to ignore padding), so it never goes below -1 even on a full
    board. Real nets never notice (every activation but identity is > -1); a net with identity activations does."""
    desc = build(Spec(15, (GPool(4, 3), Res(6)), acts=(IDENTITY,)), seed=7)
    for bn, conv in ((desc.trunk.blocks[0].gpool_bn, desc.trunk.blocks[0].gpool_conv),
                     (desc.policy.g1_bn, desc.policy.g1_conv)):
        conv.weight[:] = 0.0  # so the pooled features are exactly bn(0) = -3 everywhere: max -3, floored to -1
        bn.mean[:], bn.variance[:], bn.scale, bn.bias = 0.0, 1.0, None, np.full(bn.channels, -3.0, np.float32)
        bn.epsilon = 1e-20
    model = KataGoModel(desc)
    spatial, global_ = random_inputs(np.random.default_rng(8), 2, 9)
    ours = torch_forward(model, spatial, global_)
    reference = reference_forward(desc, spatial, global_)
    for what, a, b in zip(OUTPUTS, ours, reference):
        assert_close(a, b, f"{what} with pooled maxima below -1")


# ------------------------------------------------------------------------------------------------ errors
def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.bin.gz"):
        read_model(tmp_path / "absent.bin.gz")


def test_every_truncation_is_a_format_error():
    data = model_bytes(build("v17-p2", seed=9))
    for cut in np.linspace(0, len(data) - 2, 97).astype(int):  # the last byte is a newline nobody needs
        with pytest.raises(ModelFormatError) as err:
            parse_model(data[:cut], "cut.bin")
        assert str(err.value).startswith("cut.bin: ")  # (a cut token may read as another: "ACT", a version 1)
        if data[cut - 1:cut] == b"\n":  # a cut between tokens (or inside binary floats)
            assert "ends" in str(err.value), str(err.value)


def test_truncation_inside_a_layer_names_it(tmp_path):
    data = model_bytes(build("v11-acts", seed=9))
    inside = data.index(b"@BIN@", data.index(b"rconv1/w1\n")) + 9
    path = tmp_path / "cut.bin.gz"
    path.write_bytes(gzip.compress(data[:inside]))
    with pytest.raises(ModelFormatError, match=r"rconv1/w1: the file ends inside its \d+ binary floats") as err:
        read_model(path)
    assert "nested_bottleneck_block of trunk trunk" in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("damage", ["truncate", "flip early", "flip middle", "flip late", "crc"])
def test_corrupt_gzip(tmp_path, damage):
    raw = bytearray(gzip.compress(model_bytes(build("v8-res", seed=9)), mtime=0))
    if damage == "truncate":
        raw = raw[:len(raw) // 2]
    elif damage == "crc":
        raw[-6] ^= 0xFF  # the CRC-32 in the trailer
    else:
        raw[{"flip early": 12, "flip middle": len(raw) // 2, "flip late": len(raw) - 20}[damage]] ^= 0xFF
    path = tmp_path / "corrupt.bin.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFormatError, match="corrupt gzip"):
        read_model(path)


@pytest.mark.parametrize("version", [7, 18, 3])
def test_unsupported_versions(version):
    tokens = tokens_of(build("v8-res"))
    tokens[1] = str(version).encode()
    with pytest.raises(UnsupportedModelError, match=f"model version {version} is not supported.* 8 to 17"):
        parse_tokens(tokens)


def test_unknown_block_kind_in_the_trunk_and_in_a_nested_block():
    desc = build("v11-acts")  # rconv0 ordinary, rconv1 nested holding an ordinary block, rconv2 gpool
    tokens = tokens_of(desc)
    first = tokens.index(b"ordinary_block")
    edited = tokens.copy()
    edited[first] = b"fancy_block"
    with pytest.raises(UnsupportedModelError, match="trunk trunk has a block of kind 'fancy_block'"):
        parse_tokens(edited)
    edited = tokens.copy()
    edited[tokens.index(b"ordinary_block", first + 1)] = b"fancy_block"
    with pytest.raises(UnsupportedModelError, match="rconv1 has a block of kind 'fancy_block'"):
        parse_tokens(edited)


def test_ffn_without_swiglu():
    tokens = tokens_of(build("v17-p4"))  # rconv1 is the FFN block
    at = tokens.index(b"transformer_ffn_block")
    assert tokens[at + 1:at + 5] == [b"rconv1", b"16", b"8", b"1"]
    tokens[at + 4] = b"0"
    with pytest.raises(UnsupportedModelError, match="rconv1 is a transformer feed-forward block without SwiGLU"):
        parse_tokens(tokens)


def test_sgf_metadata_encoder():
    tokens = tokens_of(build("v15-transformer"))
    assert tokens[11:19] == [b"0"] * 8  # meta encoder, pass-alive flag, 6 reserved
    tokens[11] = b"1"
    with pytest.raises(UnsupportedModelError, match="SGF-metadata encoder \\(meta encoder version 1"):
        parse_tokens(tokens)


@pytest.mark.parametrize("where, offset, expected", [
    ("header", 13, "the model header has option 5 in reserved field 1"),
    ("header", 18, "the model header has option 5 in reserved field 6"),
    ("trunk", 8, "the trunk has option 5 in reserved field 1"),
    ("policyhead", 3, "the policy head has option 5 in reserved field 2"),
    ("valuehead", 3, "the value head has option 5 in reserved field 3"),
])
def test_reserved_fields_set(where, offset, expected):
    tokens = tokens_of(build("v17-p2"))
    at = 0 if where == "header" else tokens.index(where.encode())
    assert tokens[at + offset] == b"0"
    tokens[at + offset] = b"5"
    with pytest.raises(UnsupportedModelError, match=f"{expected}.*model version 17"):
        parse_tokens(tokens)


def _bn(name: str, channels: int) -> BatchNorm:
    return BatchNorm(name, np.zeros(channels, np.float32), np.ones(channels, np.float32), None, None)


def _res_mid_bn(desc):
    desc.trunk.blocks[0].mid_bn = _bn("rconv0/norm2", 5)


def _attention_heads(desc):
    desc.trunk.blocks[1].heads = 3  # q projects to 4 heads * 4


def _block_width(desc):
    desc.trunk.blocks[0] = build(Spec(10, (Res(4),), channels=6), seed=1).trunk.blocks[0]


def _policy_channels(desc):
    desc.policy.p2_conv = Conv("p2/w", np.zeros((1, 1, 6, 1), np.float32))


def _value_scores(desc):
    desc.value.sv3_mul = MatMul("sv3/w", np.zeros((8, 4), np.float32))


def _value_bias(desc):
    desc.value.sv3_bias = MatBias("sv3/b", np.zeros(1, np.float32))  # would broadcast silently in torch


def _trunk_tip(desc):
    desc.trunk.tip_norm = _bn("trunk/tip_norm", 7)


def _gpool_bias(desc):
    desc.trunk.blocks[3].blocks[1].gpool_to_bias = MatMul("rconv3/b1/w1r", np.zeros((9, 5), np.float32))


@pytest.mark.parametrize("edit, expected", [
    (_res_mid_bn, "rconv0: channel counts disagree"),
    (_attention_heads, "rconv1: 3 heads, 2 kv heads"),
    (_block_width, "rconv0: takes \\(6, 6\\) channels inside trunk trunk's 8"),
    (_policy_channels, "the policy head's sizes disagree"),
    (_value_scores, "the value head's sizes disagree"),
    (_value_bias, "the value head's sizes disagree"),
    (_trunk_tip, "the trunk tip's channels"),
    (_gpool_bias, "rconv3/b1: channel counts disagree"),
])
def test_mismatched_channel_counts(edit, expected):
    desc = build("v15-rms-point")  # rconv0 res, rconv1 attention (4 heads, 2 kv), rconv3 nested
    edit(desc)
    with pytest.raises(ModelFormatError, match=expected):
        parse_model(model_bytes(desc), "bad.bin")


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_infinite_weights(binary, value):
    desc = build("v14-mixed")
    weight = desc.trunk.blocks[1].gpool_conv.weight
    weight[0, 1, 2, 1] = value
    flat = int(np.ravel_multi_index((0, 1, 2, 1), weight.shape))
    message = "rconv1/w1b: NaN or infinite weights" if binary else f"float {flat} of rconv1/w1b is (nan|inf)"
    with pytest.raises(ModelFormatError, match=message):
        parse_model(model_bytes(desc, binary=binary))


# ------------------------------------------------------------------------------------------------ KataGoNet
RULES = Rules.tromp_taylor()


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("katago")
    return {name: write_model(build(name, seed=10), folder / f"{name}.bin.gz")
            for name in ("v10-gpool", "v15-transformer", "v17-p4")}


def random_game(rng: np.random.Generator, size: int, moves: int) -> list[int]:
    """Random legal moves (no passes) from the empty board."""
    state, played = GameState.new(size, RULES), []
    for _ in range(moves):
        legal = state.legal_actions()[:-1]
        if legal.size == 0:
            break
        played.append(int(rng.choice(legal)))
        state = state.play(played[-1])
    return played


POSITIONS = [random_game(np.random.default_rng(k), 9, length) for k, length in enumerate((0, 1, 8, 25, 60, 90))]


@pytest.mark.parametrize("name", ["v10-gpool", "v15-transformer"])
def test_priors_cover_exactly_the_legal_moves(model_files, name):
    net = KataGoNet(model=model_files[name], rules=RULES)
    illegal_seen = 0
    for moves in POSITIONS:
        state = GameState.from_moves(9, RULES, moves)
        out = net.evaluate_full(state.engine_boards, 1, RULES.komi)
        priors, legal = out.priors[0], state.legal_mask()
        assert abs(float(priors.sum()) - 1.0) < 1e-5
        assert np.all(priors[~legal] == 0.0) and np.all(priors[legal] > 0.0)
        assert -1.0 <= float(out.value[0]) <= 1.0
        assert out.no_result[0] == 0.0  # superko: a game cannot end without a result
        assert np.all(np.abs(out.ownership) <= 1.0)
        illegal_seen += int((~legal).sum())
    assert illegal_seen > 100  # the positions do have stones (and maybe ko) to exclude


def test_evaluate_writes_what_evaluate_full_says(model_files):
    net = KataGoNet(model=model_files["v15-transformer"], rules=RULES)
    state = GameState.from_moves(9, RULES, POSITIONS[3])
    priors, values = np.full((3, 82), 7.0, np.float32), np.full(3, 7.0, np.float32)
    net.evaluate(state.engine_boards, 1, RULES.komi, priors, values)
    full = net.evaluate_full(state.engine_boards, 1, RULES.komi)
    assert np.array_equal(priors[0], full.priors[0]) and values[0] == full.value[0]
    assert np.all(priors[1:] == 7.0) and np.all(values[1:] == 7.0)


@pytest.mark.parametrize("max_batch", [256, 4])
def test_a_batch_equals_its_positions_one_by_one(model_files, max_batch):
    net = KataGoNet(model=model_files["v17-p4"], rules=RULES, max_batch=max_batch)
    states = [GameState.from_moves(9, RULES, moves) for moves in POSITIONS]
    history = max(s.engine_boards.history.shape[1] for s in states)
    batch = engine.new_boards(len(states), 9, history)
    for j, state in enumerate(states):
        engine.copy_game(state.engine_boards, 0, batch, j)
    together = net.evaluate_full(batch, len(states), RULES.komi)
    for j, state in enumerate(states):
        alone = net.evaluate_full(state.engine_boards, 1, RULES.komi)
        for field in ("priors", "win", "loss", "lead", "score", "ownership"):
            np.testing.assert_allclose(getattr(together, field)[j], getattr(alone, field)[0], rtol=1e-5, atol=1e-6,
                                       err_msg=f"position {j}: {field}")


def test_symmetry_average_is_the_same_for_every_rotation_and_reflection(model_files):
    moves = POSITIONS[3]
    original = GameState.from_moves(9, RULES, moves)
    averaged = KataGoNet(model=model_files["v15-transformer"], rules=RULES, symmetry="average")
    plain = KataGoNet(model=model_files["v15-transformer"], rules=RULES, symmetry="none")
    base = averaged.evaluate_full(original.engine_boards, 1, RULES.komi)
    base_plain = plain.evaluate_full(original.engine_boards, 1, RULES.komi)
    for k in range(1, 8):
        turned = GameState.from_moves(9, RULES, [transform_action(a, k, 9) for a in moves])
        out = averaged.evaluate_full(turned.engine_boards, 1, RULES.komi)
        np.testing.assert_allclose(out.priors[0], transform_policy(base.priors[0], k, 9), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(out.value, base.value, atol=1e-6)
        # without averaging the tiny net is not symmetric: the test above could fail
        alone = plain.evaluate_full(turned.engine_boards, 1, RULES.komi)
        assert not np.allclose(alone.priors[0], transform_policy(base_plain.priors[0], k, 9), rtol=1e-3, atol=1e-5)


def test_policy_optimism_only_matters_with_an_optimistic_policy_channel(model_files):
    state = GameState.from_moves(9, RULES, POSITIONS[4])
    for name, matters in (("v10-gpool", False), ("v15-transformer", True)):
        answers = [KataGoNet(model=model_files[name], rules=RULES, policy_optimism=o)
                   .evaluate_full(state.engine_boards, 1, RULES.komi) for o in (0.0, 1.0)]
        assert np.array_equal(answers[0].value, answers[1].value)
        assert np.array_equal(answers[0].priors, answers[1].priors) != matters, name


def test_bad_arguments(model_files, tmp_path):
    net = KataGoNet(model=model_files["v10-gpool"], rules=RULES)
    for size in (5, 6):
        small = GameState.from_moves(size, RULES, [size + 1])
        with pytest.raises(ValueError, match=f"7x7 to 19x19, not {size}x{size}"):
            net.evaluate_full(small.engine_boards, 1, RULES.komi)
    with pytest.raises(FileNotFoundError, match="no KataGo model file at .*absent.bin.gz"):
        KataGoNet(model=tmp_path / "absent.bin.gz")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="cuda"):
            KataGoNet(model=model_files["v10-gpool"], device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("name", ["v10-gpool", "v15-transformer"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_cuda_answers_what_the_cpu_answers(model_files, name, dtype):
    """The same batch through the net on the CPU (float32) and on CUDA: fp32 to float rounding, bf16 loosely."""
    states = [GameState.from_moves(9, RULES, moves) for moves in POSITIONS]
    history = max(s.engine_boards.history.shape[1] for s in states)
    batch = engine.new_boards(len(states), 9, history)
    for j, state in enumerate(states):
        engine.copy_game(state.engine_boards, 0, batch, j)
    cpu = KataGoNet(model=model_files[name], rules=RULES).evaluate_full(batch, len(states), RULES.komi)
    gpu = KataGoNet(model=model_files[name], rules=RULES, device="cuda", dtype=dtype).evaluate_full(
        batch, len(states), RULES.komi)
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == torch.float32 else dict(rtol=0.1, atol=0.03)
    for field in ("priors", "value", "lead", "ownership"):
        np.testing.assert_allclose(getattr(gpu, field), getattr(cpu, field), err_msg=field, **tol)
    legal = np.stack([s.legal_mask() for s in states])
    assert np.all(gpu.priors[~legal] == 0.0)
