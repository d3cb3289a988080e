"""Property-based tests of the data contract: hostile inputs either work or raise clearly.

Every case below either returns what the contract states or raises ``ValueError`` /
``TypeError``; no other exception escapes and the inputs are never modified.
"""

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stgraph_sklearn.data import (
    GraphSequence,
    Modality,
    Recording,
    check_labels,
    check_recordings,
)

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
CLEAR = (ValueError, TypeError)


@st.composite
def hostile_arrays(draw, max_frames=12):
    """Arrays of random shape (0-4 dims, empty axes), dtype and NaN/inf runs."""
    ndim = draw(st.sampled_from([3, 3, 3, 2, 1, 4, 0]))
    shape = tuple(
        draw(st.integers(0 if draw(st.booleans()) else 1, max_frames if i == 0 else 3))
        for i in range(ndim)
    )
    dtype = draw(st.sampled_from(["float64", "float32", "int64", "int8", "bool", "object", "U3"]))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    arr = np.asarray(rng.randn(*shape))
    if ndim and arr.size and dtype.startswith("float"):
        for value in draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=2)):
            a = draw(st.integers(0, shape[0] - 1))
            b = draw(st.integers(a + 1, shape[0]))
            arr[a:b] = value  # a run of frames
    if dtype == "U3":
        return arr.astype(str).astype("U3")
    return arr.astype(dtype)


def _snapshot(obj):
    return copy.deepcopy(obj)


def _same(a, b):
    if isinstance(a, np.ndarray):
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return True


@SETTINGS
@given(
    X=st.lists(hostile_arrays(), max_size=3),
    frame_rate=st.sampled_from([None, 1.0, 30.0, 0.0, -1.0, np.nan]),
)
def test_check_recordings_returns_recordings_or_raises_clearly(X, frame_rate):
    before = _snapshot(X)
    try:
        recs = check_recordings(X, frame_rate=frame_rate, caller="prop")
    except CLEAR as exc:
        assert str(exc)  # a message, not an empty error
    else:
        assert len(recs) == len(X)
        for rec, arr in zip(recs, X, strict=True):
            assert isinstance(rec, Recording) and rec.n_frames == len(arr) >= 1
            values = rec.modalities["x"].values
            assert values.ndim == 3 and not np.isinf(values).any()
    assert _same(X, before)


@SETTINGS
@given(
    lengths=st.lists(st.integers(0, 8), min_size=1, max_size=3),
    label_kind=st.sampled_from(["int", "str", "float", "object", "mixed", "nan", "bool"]),
    mismatch=st.booleans(),
)
def test_check_labels_returns_one_label_per_frame_or_raises(lengths, label_kind, mismatch):
    rng = np.random.RandomState(sum(lengths))
    pools = {
        "int": np.array([0, 1, 2]),
        "str": np.array(["a", "b"]),
        "float": np.array([0.5, 1.0]),
        "object": np.array(["a", 1], dtype=object),
        "mixed": np.array([None, "a"], dtype=object),
        "nan": np.array([np.nan, 1.0]),
        "bool": np.array([True, False]),
    }
    y = [rng.choice(pools[label_kind], size=n) for n in lengths]
    X = [np.zeros((n + (1 if mismatch else 0), 1, 1)) for n in lengths]
    before = _snapshot(y)
    try:
        ys = check_labels(y, n_frames=[len(x) for x in X], caller="prop")
    except CLEAR as exc:
        assert str(exc)
    else:
        assert [len(a) for a in ys] == [len(x) for x in X]
        assert all(a.ndim == 1 for a in ys)
    assert _same(y, before)


@SETTINGS
@given(
    values=hostile_arrays(),
    rate=st.sampled_from([50.0, 1e-3, 0.0, -5.0, np.inf, np.nan, "50"]),
    frame_rate=st.sampled_from([30.0, 0.0, np.nan, 1e6]),
    n_frames=st.sampled_from([None, 0, 1, 7, -1, 2.5]),
)
def test_containers_build_or_raise_clearly(values, rate, frame_rate, n_frames):
    before = _snapshot(values)
    try:
        mod = Modality(values, rate=rate)
        rec = Recording({"m": mod}, frame_rate=frame_rate, n_frames=n_frames)
    except CLEAR as exc:
        assert str(exc)
    else:
        assert rec.n_frames >= 1 and mod.values.ndim == 3 and not np.isinf(mod.values).any()
    try:
        seq = GraphSequence({"m": values})
    except CLEAR as exc:
        assert str(exc)
    else:
        # missing (NaN) entries are zeroed and masked; what is left is finite
        assert all(np.isfinite(b).all() for b in seq.blocks.values())
        assert seq.node_mask.shape == (seq.n_frames, seq.n_nodes)
    assert _same(values, before)
