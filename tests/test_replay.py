"""The replay ring (contents after any adds), symmetry-augmented sampling, and exact state round trips."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from advgo.features.symmetry import inverse, transform_planes, transform_policy
from advgo.training.replay import Batch, ReplayBuffer

C, N, G = 3, 3, 2
A = N * N + 1


def rows(ids):
    """Rows that are a function of their id: globals[:, 0] holds the id, the rest is pseudo-random; the
    ownership target is plane 0 minus plane 1 (so a symmetry must move it as it moves the planes), the margin
    the id plus a half."""
    ids = np.asarray(ids, np.int64)
    planes = np.empty((len(ids), C, N, N), np.uint8)
    globals_ = np.empty((len(ids), G), np.float32)
    policy = np.empty((len(ids), A), np.float32)
    value = np.empty(len(ids), np.float32)
    for j, i in enumerate(ids):
        r = np.random.default_rng(int(i))
        planes[j] = r.integers(0, 2, (C, N, N))
        globals_[j] = (i, r.normal())
        policy[j] = r.dirichlet(np.ones(A))
        value[j] = r.choice([-1.0, 0.0, 1.0])
    ownership = (planes[:, 0].astype(np.int8) - planes[:, 1].astype(np.int8)).reshape(len(ids), N * N)
    return planes, globals_, policy, value, ownership, ids.astype(np.float32) + 0.5


def as_batch(stored) -> Batch:
    """What the buffer returns for rows added with their auxiliary targets."""
    return Batch(*(x.astype(np.float32) for x in stored), np.ones(len(stored[3]), np.float32))


def buffer(capacity=7, seed=0):
    return ReplayBuffer(capacity, (C, N, N), G, A, seed=seed)


def filled(capacity=7, count=10, seed=0):
    buf = buffer(capacity, seed)
    buf.add(*rows(range(count)))
    return buf


def assert_batch_equal(a: Batch, b: Batch):
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@given(capacity=st.integers(1, 12), chunks=st.lists(st.integers(0, 30), max_size=8))
def test_ring_holds_the_newest_rows_intact(capacity, chunks):
    buf = buffer(capacity)
    total = 0
    for n in chunks:
        buf.add(*rows(range(total, total + n)))
        total += n
    assert buf.total_added == total
    assert len(buf) == min(total, capacity)
    expected = rows(range(total - len(buf), total))  # oldest first
    got = buf.contents()
    assert all(x.dtype == np.float32 for x in got)
    assert_batch_equal(got, as_batch(expected))


@given(capacity=st.integers(1, 12), chunks=st.lists(st.integers(0, 30), min_size=1, max_size=8))
def test_chunking_does_not_change_the_ring(capacity, chunks):
    """Adding in any chunks leaves the same physical layout (hence the same samples) as one row at a time."""
    a, b = buffer(capacity), buffer(capacity)
    total = 0
    for n in chunks:
        a.add(*rows(range(total, total + n)))
        total += n
    for i in range(total):
        b.add(*rows([i]))
    for name in ("planes", "globals", "policy", "value", "ownership", "margin", "aux"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    if total:
        assert_batch_equal(a.sample(16, np.random.default_rng(1)), b.sample(16, np.random.default_rng(1)))


def test_sample_without_augmentation_returns_stored_rows():
    buf = filled(capacity=7, count=10)
    batch = buf.sample(64, np.random.default_rng(0), augment=False)
    assert [x.shape for x in batch] == [(64, C, N, N), (64, G), (64, A), (64,), (64, N * N), (64,), (64,)]
    assert all(x.dtype == np.float32 for x in batch)
    ids = batch.globals[:, 0].astype(int)
    assert set(ids) <= set(range(3, 10))
    assert_batch_equal(batch, as_batch(rows(ids)))


@given(seed=st.integers(0, 2**32 - 1))
def test_sampled_rows_are_symmetric_images_of_stored_rows(seed):
    buf = filled(capacity=7, count=10)
    batch = buf.sample(32, np.random.default_rng(seed))
    used = set()
    for j, i in enumerate(batch.globals[:, 0].astype(int)):
        planes, globals_, policy, value, _, margin = rows([i])
        matches = [k for k in range(8)  # undoing symmetry k gives back the stored row, planes and policy alike
                   if np.array_equal(transform_planes(batch.planes[j], inverse(k)), planes[0])
                   and np.array_equal(transform_policy(batch.policy[j], inverse(k), N), policy[0])]
        assert matches, f"sample {j} (row {i}) is no symmetric image of the stored row"
        used.update(matches)
        assert batch.policy[j, -1] == policy[0, -1]  # pass stays last
        np.testing.assert_array_equal(batch.globals[j], globals_[0])
        assert batch.value[j] == value[0]
        assert batch.margin[j] == margin[0] and batch.aux[j] == 1
        # the ownership target moved with the planes
        np.testing.assert_array_equal(batch.ownership[j], (batch.planes[j, 0] - batch.planes[j, 1]).ravel())
    assert len(used) > 1  # 32 samples under 8 symmetries: more than the identity was used


def test_all_symmetries_appear_and_keep_rows_consistent():
    buf = filled(capacity=5, count=5)
    batch = buf.sample(400, np.random.default_rng(3))
    seen = set()
    for j, i in enumerate(batch.globals[:, 0].astype(int)):
        planes, _, policy, *_ = rows([i])
        ks = [k for k in range(8) if np.array_equal(transform_planes(planes[0], k), batch.planes[j])]
        assert any(np.array_equal(transform_policy(policy[0], k, N), batch.policy[j]) for k in ks)
        seen.update(ks)
    assert seen == set(range(8))


def test_sample_uses_the_buffer_generator_by_default_and_is_seeded():
    a, b = filled(seed=5), filled(seed=5)
    assert_batch_equal(a.sample(20), b.sample(20))
    assert_batch_equal(a.sample(20), b.sample(20))
    c = filled(seed=6)
    assert not np.array_equal(a.sample(20).globals, c.sample(20).globals)


@pytest.mark.parametrize("count", [0, 4, 7, 15])
def test_state_round_trip_resumes_identical_sampling(tmp_path, count):
    buf = filled(capacity=7, count=count, seed=2)
    if count:
        buf.sample(5)  # advance the generator past its seed
    state = buf.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    path = tmp_path / "replay.npz"
    buf.save(path)
    assert [p.name for p in tmp_path.iterdir()] == ["replay.npz"]  # no temporary file left behind
    from_dict, from_file, built = buffer(7, seed=99), buffer(7, seed=99), ReplayBuffer.from_file(path)
    from_dict.load_state_dict(state)
    from_file.load(path)
    for other in (from_dict, from_file, built):
        assert (len(other), other.total_added) == (len(buf), buf.total_added)
        assert_batch_equal(other.contents(), buf.contents())
        for name in ("planes", "globals", "policy", "value", "ownership", "margin", "aux"):
            np.testing.assert_array_equal(getattr(other, name)[:len(buf)], getattr(buf, name)[:len(buf)])
    if count:
        expected = [buf.sample(9) for _ in range(3)]
        for other in (from_dict, from_file, built):
            for want in expected:
                assert_batch_equal(other.sample(9), want)
    for b in (buf, from_dict):  # and the rings keep going the same way
        b.add(*rows(range(100, 103)))
    assert_batch_equal(from_dict.contents(), buf.contents())


def test_load_rejects_mismatched_missing_and_corrupt_files(tmp_path):
    path = tmp_path / "replay.npz"
    filled(capacity=7).save(path)
    other = ReplayBuffer(8, (C, N, N), G, A)
    with pytest.raises(ValueError, match="capacity 7 \\(this buffer: 8\\)"):
        other.load(path)
    assert len(other) == 0
    with pytest.raises(FileNotFoundError, match="does not exist"):
        buffer().load(tmp_path / "missing.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable replay buffer"):
        buffer().load(bad)
    state = filled().state_dict()
    del state["policy"]
    with pytest.raises(ValueError, match="lacks the field 'policy'"):
        buffer().load_state_dict(state)


@pytest.mark.parametrize("bad", [0.5, 2.0, -1.0, np.nan])
def test_non_binary_planes_are_rejected(bad):
    buf = buffer()
    planes, globals_, policy, value, *_ = rows(range(3))
    planes = planes.astype(np.float32)
    planes[1, 2, 0, 1] = bad
    with pytest.raises(ValueError, match="planes must be 0 or 1.*row 1 .*plane 2, point \\(0, 1\\)"):
        buf.add(planes, globals_, policy, value)
    assert len(buf) == 0 and buf.total_added == 0


def test_float_and_bool_planes_of_zeros_and_ones_are_accepted():
    planes, globals_, policy, value, *_ = rows(range(3))
    buf = buffer()
    buf.add(planes.astype(np.float32), globals_, policy, value)
    buf.add(planes.astype(bool), globals_, policy, value)
    np.testing.assert_array_equal(buf.contents().planes, np.concatenate([planes, planes]).astype(np.float32))


def test_bad_rows_are_rejected_with_the_field_named():
    planes, globals_, policy, value, *_ = rows(range(3))
    buf = buffer()
    with pytest.raises(ValueError, match="policy must be"):
        buf.add(planes, globals_, policy[:, :-1], value)
    with pytest.raises(ValueError, match="planes must be"):
        buf.add(planes[:2], globals_, policy, value)
    with pytest.raises(ValueError, match="value must be in \\[-1, 1\\], row 2"):
        buf.add(planes, globals_, policy, np.array([0, 1, 1.5], np.float32))
    with pytest.raises(ValueError, match="row 0 sums to 2"):
        buf.add(planes, globals_, policy * 2, value)
    with pytest.raises(ValueError, match="globals must be finite, row 1"):
        buf.add(planes, np.array([[0, 0], [np.inf, 0], [0, 0]], np.float32), policy, value)
    buf.add(planes, globals_, np.zeros_like(policy), value)  # no policy target is allowed
    assert len(buf) == 3


def test_constructor_validates_shapes_and_empty_sampling_fails():
    with pytest.raises(ValueError, match="num_actions must be N\\*N \\+ 1 = 10"):
        ReplayBuffer(4, (C, N, N), G, N * N)
    with pytest.raises(ValueError, match="planes_shape must be"):
        ReplayBuffer(4, (C, N, N + 1), G, A)
    with pytest.raises(ValueError, match="capacity must be a positive int"):
        ReplayBuffer(0, (C, N, N), G, A)
    with pytest.raises(ValueError, match="empty"):
        buffer().sample(4)


def test_rows_without_auxiliary_targets_are_marked_and_both_targets_come_together():
    planes, globals_, policy, value, ownership, margin = rows(range(4))
    buf = buffer()
    buf.add(planes[:2], globals_[:2], policy[:2], value[:2])  # e.g. a KataGo net's rows
    buf.add(planes[2:], globals_[2:], policy[2:], value[2:], ownership[2:], margin[2:])
    got = buf.contents()
    np.testing.assert_array_equal(got.aux, [0, 0, 1, 1])
    np.testing.assert_array_equal(got.ownership[:2], 0)
    np.testing.assert_array_equal(got.margin, [0, 0, 2.5, 3.5])
    with pytest.raises(ValueError, match="both or neither"):
        buf.add(planes, globals_, policy, value, ownership=ownership)
    with pytest.raises(ValueError, match="ownership must be -1, 0 or 1"):
        buf.add(planes, globals_, policy, value, ownership * 2, margin)
    with pytest.raises(ValueError, match="ownership must be \\[n, 9\\]"):
        buf.add(planes, globals_, policy, value, ownership[:, :4], margin)
    with pytest.raises(ValueError, match="margin must be a finite score"):
        buf.add(planes, globals_, policy, value, ownership, margin * np.inf)
    assert len(buf) == 4


def test_a_version_1_file_loads_with_no_auxiliary_targets(tmp_path):
    """A run saved before the auxiliary targets resumes: its rows load, marked as having none."""
    buf = filled(capacity=7, count=5)
    state = buf.state_dict()
    for key in ("ownership_bits", "margin", "aux"):
        del state[key]
    state["format_version"] = np.array(1)
    old = buffer()
    old.load_state_dict(state)
    got, want = old.contents(), buf.contents()
    for name in ("planes", "globals", "policy", "value"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
    np.testing.assert_array_equal(got.aux, 0)
    state["format_version"] = np.array(3)
    with pytest.raises(ValueError, match="version 1 or 2"):
        buffer().load_state_dict(state)
