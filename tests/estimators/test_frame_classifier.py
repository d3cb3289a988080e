"""FrameClassifierSegmenter: any sklearn classifier per frame, optional smoothing."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import GraphSequence, SensorGraph
from stgraph_sklearn.estimators import FrameClassifierSegmenter


def test_default_classifier_learns_and_handles_missing_sensors(toy):
    X, y = toy
    seg = FrameClassifierSegmenter(random_state=0).fit(X, y)
    assert seg.score(X, y) > 0.9
    X_missing = [x.copy() for x in X]
    X_missing[0][:40, 1] = np.nan
    proba = seg.predict_proba(X_missing)[0]
    assert proba.shape == (len(y[0]), 3) and np.isfinite(proba).all()


def test_smoothing_removes_isolated_flips(toy):
    X, y = toy
    noisy = [x + np.random.RandomState(1).randn(*x.shape) for x in X]
    raw = FrameClassifierSegmenter(LogisticRegression(max_iter=500)).fit(noisy, y)
    smooth = FrameClassifierSegmenter(LogisticRegression(max_iter=500), smoothing_window=9)
    smooth.fit(noisy, y)

    def n_changes(preds):
        return sum(int((p[1:] != p[:-1]).sum()) for p in preds)

    assert n_changes(smooth.predict(noisy)) < n_changes(raw.predict(noisy))


def test_classifier_without_nan_support_gets_zeros_and_mask_columns(toy):
    X, y = toy
    X_missing = [x.copy() for x in X]
    X_missing[0][:30, 2] = np.nan
    seg = FrameClassifierSegmenter(LogisticRegression(max_iter=500)).fit(X_missing, y)
    assert seg.flattener_.missing == "zero"
    assert len(seg.predict(X_missing)) == len(X)


def test_classifier_without_predict_proba_and_classes_missing_from_a_stride(toy):
    X, y = toy
    seg = FrameClassifierSegmenter(LinearSVC(), temporal_stride=2).fit(X, y)
    proba = seg.predict_proba(X)[0]
    assert set(np.unique(proba)) <= {0.0, 1.0}
    dummy = FrameClassifierSegmenter(DummyClassifier(strategy="most_frequent")).fit(X, y)
    assert dummy.predict_proba(X)[0].shape[1] == 3


def test_graph_features_use_the_sequence_graph(toy):
    X, y = toy
    graph = SensorGraph([[0, 1], [1, 0]], node_names=["a", "b", "c", "d"])
    seqs = [GraphSequence({"imu": x}, graph=graph) for x in X]
    with_graph = FrameClassifierSegmenter(random_state=0).fit(seqs, y)
    without = FrameClassifierSegmenter(graph_features=False, random_state=0).fit(seqs, y)
    assert with_graph.graph_ == graph
    n_with = with_graph.flattener_.transform(seqs[:1])[0].shape[1]
    n_without = without.flattener_.transform(seqs[:1])[0].shape[1]
    assert n_with > n_without


def test_rejects_a_non_classifier():
    with pytest.raises(ValueError, match="'classifier' parameter of FrameClassifierSegmenter"):
        FrameClassifierSegmenter(classifier="tree").fit([np.zeros((5, 1, 1))], [[0, 1, 0, 1, 0]])


@pytest.mark.parametrize(
    "classifier, got",
    [(LinearRegression(), "LinearRegression(), a regressor,"), (KMeans(2), "a clusterer,")],
    ids=["regressor", "clusterer"],
)
def test_rejects_a_regressor_or_clusterer_in_fit(toy, classifier, got):
    """Check that fit refuses a non-classifier instead of predict failing on classes_."""
    X, y = toy
    seg = FrameClassifierSegmenter(classifier)
    with pytest.raises(InvalidParameterError, match=r"'classifier' parameter of Frame") as info:
        seg.fit(X, y)
    assert "classifier instance" in str(info.value) and got in str(info.value)
    assert not hasattr(seg, "classifier_")


def test_rejects_a_classifier_class_and_asks_for_an_instance(toy):
    X, y = toy
    with pytest.raises(
        InvalidParameterError,
        match=r"'classifier' parameter of FrameClassifierSegmenter .* Got the class "
        r"LogisticRegression instead; pass an instance, e.g. LogisticRegression\(\)",
    ):
        FrameClassifierSegmenter(LogisticRegression).fit(X, y)


def test_a_stride_that_leaves_one_class_names_it_plainly():
    """Check that the error shows the class as the user wrote it ('a', 0), not np.str_('a')."""
    X = [np.random.RandomState(0).randn(30, 3, 2) for _ in range(3)]
    with pytest.raises(ValueError, match=r"temporal_stride=40 .* only the class 'a';"):
        FrameClassifierSegmenter(temporal_stride=40).fit(X, [np.repeat(["a", "b"], 15)] * 3)
    with pytest.raises(ValueError, match=r"only the class 0;"):
        FrameClassifierSegmenter(temporal_stride=40).fit(X, [np.repeat([0, 1], 15)] * 3)


def test_predicts_under_a_global_pandas_transform_output(toy):
    """Check that sklearn.set_config(transform_output="pandas") does not reach the internal
    flattener: fit worked, predict failed with a raw pandas InvalidIndexError."""
    import sklearn

    X, y = toy
    with sklearn.config_context(transform_output="pandas"):
        seg = FrameClassifierSegmenter(random_state=0).fit(X, y)
        pred = seg.predict(X)
    assert [len(p) for p in pred] == [len(x) for x in X]


@pytest.mark.parametrize("window", [4, 5, 200])
def test_smoothing_is_the_mean_of_the_frames_the_window_holds(toy, window):
    """Check that smoothing averages the frames the centred window holds, truncated at the
    ends: the edge frames were repeated to fill it, so with a window as long as the
    recording the first class took over twice its frames and a middle class disappeared."""
    X, y = toy
    params = {"classifier": LogisticRegression(max_iter=300), "random_state": 0}
    raw = FrameClassifierSegmenter(**params).fit(X, y).predict_proba(X[:1])[0].astype(float)
    smooth = FrameClassifierSegmenter(**params, smoothing_window=window).fit(X, y)
    n, before = raw.shape[0], window // 2  # an even window reaches one frame further back
    expected = [raw[max(0, i - before) : i + window - before].mean(axis=0) for i in range(n)]
    np.testing.assert_allclose(smooth.predict_proba(X[:1])[0], expected, rtol=1e-5, atol=1e-6)
