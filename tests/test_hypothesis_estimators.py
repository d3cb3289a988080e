"""Property-based tests of every segmenter's fit / predict on hostile random input.

Each case either works, with the stated invariants (one label per frame, labels from the
training classes, finite probabilities summing to one, the inputs unchanged), or raises a
``ValueError`` / ``TypeError`` naming the problem. Tiny models and few examples keep these
tests to a few seconds each.
"""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}
FACTORIES = {
    "frame": lambda draw: FrameClassifierSegmenter(
        classifier=HistGradientBoostingClassifier(max_iter=5),
        smoothing_window=draw(st.sampled_from([None, 3])),
        temporal_stride=draw(st.integers(1, 3)),
        random_state=0,
    ),
    **{
        cls.__name__: (
            lambda draw, cls=cls: cls(
                temporal_stride=draw(st.integers(1, 3)),
                crop_length=draw(st.sampled_from([None, 1, 5])),
                chunk_size=draw(st.sampled_from([None, 8])),
                batch_size=draw(st.integers(1, 2)),
                **TINY,
            )
        )
        for cls in (MSTCNSegmenter, AdaptiveGraphSegmenter, STGCNSegmenter)
    },
}
CLEAR = (ValueError, TypeError)


@st.composite
def recording(draw, n_nodes, n_channels, kind, rates):
    """One recording: an array of dtype ``kind``, or a Recording at ``rates``."""
    n = draw(st.sampled_from([1, 2, 3, 7] + [20, 33] * 5 + [0]))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    x = rng.randn(n, n_nodes, n_channels)
    runs = st.sampled_from([np.nan, np.nan, np.nan, np.nan, np.nan, np.inf])
    for value in draw(st.lists(runs, max_size=2)):
        if n:
            a = draw(st.integers(0, n - 1))
            b = draw(st.integers(a + 1, n))
            node = draw(st.integers(0, n_nodes - 1))
            x[a:b, node] = value  # a gap (NaN) or a corrupt run (inf) of one sensor
    if kind == "recording":
        if n == 0 or np.isinf(x).any():
            return x  # a Recording cannot even be built from these: the array goes in
        frame_rate, rate = rates
        return Recording({"x": Modality(x, rate=rate)}, frame_rate=frame_rate, n_frames=n)
    if kind == "U3" and np.isinf(x).any():
        return x
    return x.astype(kind)


@st.composite
def dataset(draw):
    n_nodes, n_channels = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    kinds = ["float64", "float32", "int64", "recording"] * 4 + ["object", "U3"]
    kind = draw(st.sampled_from(kinds))
    rates = draw(st.sampled_from([(30.0, 30.0)] * 5 + [(30.0, 50.0)]))  # aligned or not
    X = draw(st.lists(recording(n_nodes, n_channels, kind, rates), min_size=1, max_size=3))
    n_classes = draw(st.sampled_from([2, 3] * 4 + [1]))
    pool = draw(st.sampled_from([np.arange(n_classes), np.array(["a", "b", "c"])[:n_classes]]))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    y = []
    for x in X:
        n = len(x) if isinstance(x, np.ndarray) else x.n_frames
        n += draw(st.sampled_from([0] * 20 + [1, -1]))  # sometimes one label too many / few
        y.append(pool[rng.randint(n_classes, size=max(n, 0))])
    return X, y


def _frames(x):
    return len(x) if isinstance(x, np.ndarray) else x.n_frames


def _check_predictions(est, X):
    proba = est.predict_proba(X)
    pred = est.predict(X)
    assert len(pred) == len(proba) == len(X)
    for x, p, yp in zip(X, proba, pred, strict=True):
        assert yp.shape == (_frames(x),)  # one label per frame
        assert set(np.unique(yp)) <= set(est.classes_)  # labels from the training classes
        assert p.shape == (_frames(x), len(est.classes_))
        assert np.isfinite(p).all()  # no NaN probabilities
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("name", list(FACTORIES))
@settings(
    max_examples=16,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_fit_predict_on_hostile_input_works_or_raises_clearly(name, data):
    est = FACTORIES[name](data.draw)
    X, y = data.draw(dataset())
    X_before, y_before = copy.deepcopy(X), copy.deepcopy(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are allowed; errors are checked
        try:
            est.fit(X, y)
        except CLEAR as exc:
            assert str(exc)
        else:
            assert set(est.classes_) == set(np.concatenate(y).tolist())
            _check_predictions(est, X)
            # other hostile input at prediction: one frame, a missing sensor throughout,
            # an empty recording, the wrong number of nodes
            n_nodes, n_ch = est.modalities_[next(iter(est.modalities_))]
            one = np.zeros((1, n_nodes, n_ch))
            gap = np.full((5, n_nodes, n_ch), np.nan)
            _check_predictions(est, [one, gap])
            for bad in ([np.zeros((0, n_nodes, n_ch))], [np.zeros((4, n_nodes + 1, n_ch))], []):
                with pytest.raises(CLEAR):
                    est.predict(bad)
            # labels never seen in fit: score counts them as errors, it does not fail
            unseen = [
                np.full(_frames(x), "zzz" if est.classes_.dtype.kind == "U" else 99) for x in X
            ]
            assert 0.0 <= est.score(X, unseen) <= 1.0
    for a, b in zip(X, X_before, strict=True):
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype  # object arrays here hold floats: compare them as floats
            np.testing.assert_array_equal(a.astype(float), b.astype(float))
        else:
            np.testing.assert_array_equal(a.modalities["x"].values, b.modalities["x"].values)
    for a, b in zip(y, y_before, strict=True):
        np.testing.assert_array_equal(a, b)
