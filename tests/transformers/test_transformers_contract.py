"""Contract tests shared by every transformer: sklearn API, pickling, no mutation, bad input."""

import pickle

import numpy as np
import pytest
from _transformers_helpers import assert_same_snapshot, make_recording, snapshot
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stgraph_sklearn.data import Modality
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)

# (estimator, which input it takes: "raw" recordings or "aligned" ones)
CASES = [
    (ModalityAligner(), "raw"),
    (ModalityAligner(method={"video": "hold"}, max_gap=0.5, clock="ignore"), "raw"),
    (SequenceScaler(), "raw"),
    (SequenceScaler(per="modality"), "aligned"),
    (NodeFeatureExtractor(), "raw"),
    (
        NodeFeatureExtractor(windows=(0.2, 1.0), stats=("band_power", "jerk", "magnitude")),
        "aligned",
    ),
    (SensorGraphBuilder(k=2), "aligned"),
    (SensorGraphBuilder("edges", edges=[("accel:knife", "video")], normalize="sym"), "aligned"),
    (FrameFeatureFlattener(), "aligned"),
]
IDS = [repr(est) for est, _ in CASES]


def _data(kind, recordings, aligned):
    return recordings if kind == "raw" else aligned


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_fit_returns_self_and_list_out(estimator, kind, recordings, aligned):
    X = _data(kind, recordings, aligned)
    est = clone(estimator)
    params = pickle.dumps(est.get_params())
    assert est.fit(X) is est
    assert pickle.dumps(est.get_params()) == params  # fit does not overwrite parameters
    out = est.transform(X)
    assert isinstance(out, list) and len(out) == len(X)
    assert est.fit(X, y=[np.zeros(r.n_frames) for r in X]) is est  # y is ignored


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_not_fitted(estimator, kind, recordings, aligned):
    with pytest.raises(NotFittedError):
        clone(estimator).transform(_data(kind, recordings, aligned))


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_clone_and_params_round_trip(estimator, kind):
    params = estimator.get_params()
    cloned = clone(estimator)
    assert cloned.get_params() == params
    cloned.set_params(**params)
    assert repr(cloned) == repr(estimator)


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_pickle_round_trip(estimator, kind, recordings, aligned):
    X = _data(kind, recordings, aligned)
    est = clone(estimator).fit(X)
    restored = pickle.loads(pickle.dumps(est))
    for a, b in zip(est.transform(X[:2]), restored.transform(X[:2]), strict=True):
        _assert_same_output(a, b)


def _assert_same_output(a, b):
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif hasattr(a, "modalities"):
        for k in a.modalities:
            np.testing.assert_array_equal(a.modalities[k].values, b.modalities[k].values)
    else:
        for k in a.blocks:
            np.testing.assert_array_equal(a.blocks[k], b.blocks[k])
            np.testing.assert_array_equal(a.masks[k], b.masks[k])
        assert a.graph == b.graph


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_inputs_not_mutated(estimator, kind, recordings, aligned):
    X = _data(kind, recordings, aligned)
    before = snapshot(X)
    est = clone(estimator).fit(X)
    out = est.transform(X)
    if hasattr(est, "inverse_transform"):
        est.inverse_transform(out)
    assert_same_snapshot(before, snapshot(X))


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_array_input_not_mutated(estimator, kind):
    X = [np.random.default_rng(i).normal(size=(30, 4, 2)) for i in range(3)]
    X[0][5:20, 1] = np.nan
    before = [x.copy() for x in X]
    est = clone(estimator)
    if isinstance(est, SensorGraphBuilder) and est.strategy == "edges":
        est.set_params(edges=[("x:0", "x:1")])
    if isinstance(est, ModalityAligner) and isinstance(est.method, dict):
        est.set_params(method="linear")
    if isinstance(est, NodeFeatureExtractor):
        est.set_params(windows=(5,))
    out = est.fit(X).transform(X)
    assert len(out) == 3
    for a, b in zip(before, X, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_different_modality_set_at_transform(estimator, kind, recordings, aligned):
    X = _data(kind, recordings, aligned)
    est = clone(estimator).fit(X)
    rec = X[1]
    fewer = rec.replace(modalities={"accel": rec.modalities["accel"]})
    with pytest.raises(
        ValueError, match=r"X\[1\] has modalities \['accel'\]; expected \['accel', 'video'\]"
    ):
        est.transform([X[0], fewer])


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_different_node_count_at_transform(estimator, kind, recordings, aligned):
    X = _data(kind, recordings, aligned)
    est = clone(estimator).fit(X)
    rec = X[0]
    acc = rec.modalities["accel"]
    two = acc.replace(values=acc.values[:, :2], node_names=acc.node_names[:2])
    bad = rec.replace(modalities={**rec.modalities, "accel": two})
    name = type(est).__name__
    with pytest.raises(
        ValueError,
        match=rf"{name}: X\[0\] has modalities .*'accel': 2 nodes.*; expected .*'accel': 3 nodes",
    ):
        est.transform([bad])


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_different_layouts_within_fit(estimator, kind, recordings, aligned):
    X = list(_data(kind, recordings, aligned))
    X[2] = X[2].replace(modalities={"video": X[2].modalities["video"]})
    with pytest.raises(ValueError, match=r"X\[2\] has modalities \['video'\]"):
        clone(estimator).fit(X)


def test_ragged_and_ambiguous_inputs_raise():
    with pytest.raises(ValueError, match="ambiguous"):
        SequenceScaler().fit([np.zeros((10, 3))])
    with pytest.raises(TypeError, match="list of recordings"):
        SequenceScaler().fit(make_recording(0))


def test_modality_shorter_than_timeline_is_nan_tail_not_error():
    rec = make_recording(0)
    acc = rec.modalities["accel"]
    short = rec.replace(
        modalities={
            **rec.modalities,
            "accel": Modality(acc.values[:150], rate=50.0, clock=acc.clock),
        }
    )
    (out,) = ModalityAligner().fit_transform([short])
    values = out.modalities["accel"].values
    assert values.shape[0] == rec.n_frames
    assert np.isnan(values[100:]).all() and not np.isnan(values[:80, [0, 2]]).any()


def _renamed(rec, node_names):
    acc = rec.modalities["accel"]
    return rec.replace(modalities={**rec.modalities, "accel": acc.replace(node_names=node_names)})


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_other_node_names_at_transform(estimator, kind, recordings, aligned):
    """Check that the fitted node count in another order is an error, not other statistics."""
    X = _data(kind, recordings, aligned)
    est = clone(estimator).fit(X)
    swapped = _renamed(X[1], ["board", "knife", "bowl"])
    name = type(est).__name__
    with pytest.raises(
        ValueError,
        match=rf"{name}: X\[1\] \(recording 'rec1'\) modality 'accel' has node names \['accel:board', 'accel:knife', "
        r"'accel:bowl'\]; expected \['accel:knife', 'accel:board', 'accel:bowl'\]",
    ):
        est.transform([X[0], swapped])
    # nodes without names (the defaults "0", "1", ...) are taken in the fitted order
    assert len(est.transform([_renamed(X[1], None)])) == 1


@pytest.mark.parametrize("estimator, kind", CASES, ids=IDS)
def test_other_node_names_within_fit(estimator, kind, recordings, aligned):
    X = list(_data(kind, recordings, aligned))
    X[2] = _renamed(X[2], ["pan", "board", "bowl"])
    with pytest.raises(
        ValueError,
        match=r"X\[2\] \(recording 'rec2'\) modality 'accel' has node names \['accel:pan'",
    ):
        clone(estimator).fit(X)


REFUSED_FITS = [
    # (transformer whose fit is refused, data, a fitted-state attribute fit sets early)
    (ModalityAligner(method={"nope": "hold"}), "feature_names_in_"),
    (ModalityAligner(max_gap={"nope": 1.0}), "methods_"),
    (SensorGraphBuilder(strategy="edges"), "k_"),
]


@pytest.mark.parametrize(("transformer", "early"), REFUSED_FITS, ids=repr)
def test_a_refused_fit_changes_nothing(transformer, early):
    """Check that a fit that raises leaves the transformer as it was: it left the attributes
    set before the error, so check_is_fitted passed and transform failed with an
    AttributeError, and a refused refit left a half-updated transformer."""
    X = [np.random.RandomState(0).randn(50, 4, 3) for _ in range(2)]
    with pytest.raises(ValueError):
        transformer.fit(X)
    assert not hasattr(transformer, early)
    with pytest.raises(NotFittedError):
        transformer.transform(X)
    fitted = SensorGraphBuilder(strategy="knn", k=2).fit(X)
    before = {k: v for k, v in vars(fitted).items()}
    with pytest.raises(ValueError, match="edges"):
        fitted.set_params(strategy="edges").fit(X)
    assert {k: v for k, v in vars(fitted).items() if k != "strategy"} == {
        k: v for k, v in before.items() if k != "strategy"
    }


def test_a_scaler_refused_for_overflow_stays_unfitted():
    """Check that SequenceScaler refused for values too large for a variance is not left
    with the statistics it had begun to fill."""
    huge = [np.full((20, 2, 2), 1e200) * np.arange(20)[:, None, None]]
    with pytest.raises(ValueError, match="SequenceScaler"):
        SequenceScaler().fit(huge)
    scaler = SequenceScaler()
    with pytest.raises(ValueError):
        scaler.fit(huge)
    assert not [k for k in vars(scaler) if k.endswith("_")]
