"""Fixed batch shapes (``advgo.nets.graphs``): padding to buckets changes no real row; CUDA graphs where a GPU is."""

import numpy as np
import pytest
import torch

from advgo import engine
from advgo.features import FEATURES
from advgo.nets import NetConfig, PolicyValueNet, TorchEvaluator
from advgo.nets.graphs import BucketedRunner, buckets_up_to
from advgo.nets.inference import InferenceNet


def net(size=7):
    torch.manual_seed(0)
    return PolicyValueNet(NetConfig(board_size=size, blocks=2, channels=16)).eval()


def inputs(count, size=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    planes = (torch.rand((count, FEATURES.planes, size, size), generator=g) < 0.3).float()
    return planes, torch.rand((count, FEATURES.globals), generator=g)


def test_buckets():
    assert buckets_up_to(1) == [1]
    assert buckets_up_to(8) == [1, 2, 4, 8]
    assert buckets_up_to(12) == [1, 2, 4, 8, 12]
    with pytest.raises(ValueError):
        buckets_up_to(0)


@pytest.mark.parametrize("count", [1, 3, 8, 13, 29])
def test_padding_to_a_bucket_changes_no_real_row(count):
    model = net()
    eager = InferenceNet(model, "cpu", path="eager")
    runner = BucketedRunner(eager._run, (FEATURES.planes, 7, 7), FEATURES.globals, torch.device("cpu"), max_batch=8,
                            capture=False)
    planes, globals_ = inputs(count)
    want = eager(planes, globals_)
    for seed in (1, 2):  # stale rows from a bigger earlier batch sit in the padding: they must not leak
        runner(*inputs(8, seed=seed))
        got = runner(planes, globals_)
        torch.testing.assert_close(got[0], want[0], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(got[1], want[1], rtol=1e-5, atol=1e-5)
    assert set(runner.captured) <= {1, 2, 4, 8}
    assert got[0].shape == (count, 50)


def test_graph_path_needs_cuda():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(ValueError, match="CUDA"):
        InferenceNet(net(), "cpu", path="graph")


def test_inference_weights_are_never_cached_by_autocast():
    """A graph captured under autocast with its weight cache would read freed bf16 copies: the inference copy's
    weights do not require grad (autocast caches only those), while the training net's still do."""
    model = net()
    run = InferenceNet(model, "cpu", path="eager")
    assert not any(p.requires_grad for p in run.net.parameters())
    assert all(p.requires_grad for p in model.parameters())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("bf16", [False, True])
def test_cuda_graphs_match_eager_and_follow_new_weights(bf16):
    model = net()
    evaluators = {path: TorchEvaluator(model, device="cuda", symmetry="none", path=path, bf16=bf16)
                  for path in ("eager", "graph")}
    tol = dict(rtol=2e-2, atol=2e-2) if bf16 else dict(rtol=1e-4, atol=1e-5)
    roots = engine.new_boards(5, 7, 50)
    engine.play_batch(roots, engine.rule_codes(), np.array([0, 8, 24, 48, 49]))
    out = {}
    for path, ev in evaluators.items():
        priors, values = np.zeros((5, 50), np.float32), np.zeros(5, np.float32)
        ev.evaluate(roots, 5, 7.5, priors, values)
        out[path] = priors, values
    np.testing.assert_allclose(out["graph"][0], out["eager"][0], **tol)
    np.testing.assert_allclose(out["graph"][1], out["eager"][1], **tol)
    torch.manual_seed(1)
    fresh = PolicyValueNet(model.config)
    for ev in evaluators.values():
        ev.load_weights(fresh)
    for path, ev in evaluators.items():
        priors, values = np.zeros((5, 50), np.float32), np.zeros(5, np.float32)
        ev.evaluate(roots, 5, 7.5, priors, values)
        out[path] = priors, values
    np.testing.assert_allclose(out["graph"][0], out["eager"][0], **tol)
