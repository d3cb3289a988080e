"""Transformer inputs and parameters as users give them: bools, clock callables, graphs seen
in fit, channels on a tiny scale."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import FrameClassifierSegmenter
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)


@pytest.mark.parametrize(
    ("transformer", "name"),
    [
        (ModalityAligner(max_gap=True), "max_gap"),
        (SensorGraphBuilder(k=True), "k"),
        (NodeFeatureExtractor(windows=True), "windows"),
    ],
)
def test_transformers_refuse_a_bool_for_a_number(transformer, name):
    """Check that True for a numeric parameter is refused by name (max_gap=True fitted with a
    1-s gap; k=True failed inside correlation_graph, naming it)."""
    X = [np.random.default_rng(0).normal(size=(20, 4, 1))]
    with pytest.raises(
        InvalidParameterError,
        match=rf"'{name}' parameter of {type(transformer).__name__} must be a number, not a bool",
    ):
        transformer.fit(X)


def test_a_clock_callable_returning_no_numbers_is_named():
    """Check that a clock callable returning a dict or text gets the aligner's message, not
    numpy's float() error."""
    rec = Recording({"accel": Modality(np.zeros((20, 1, 1)), rate=10.0)}, frame_rate=10.0)
    for value in ({"offset": 0.4}, "x"):
        aligner = ModalityAligner(clock=lambda r, k, v=value: v)
        with pytest.raises(ValueError, match=r"ModalityAligner: the 'clock' callable must return"):
            aligner.fit_transform([rec])


def test_frame_classifier_uses_the_fitted_graph_for_inputs_without_one():
    """Check that the same frames as GraphSequences (with the graph of fit) or as aligned
    Recordings (no graph) get the same features and predictions: recordings were smoothed
    over a complete graph instead of the fitted one."""
    rng = np.random.default_rng(0)
    X, y = [], []
    for _ in range(3):
        lab = np.repeat([0, 1, 0, 1], 25)
        a = rng.normal(size=(100, 4, 2))
        a[:, 0, :] += 2 * lab[:, None]
        X.append(Recording({"a": Modality(a, rate=10.0)}, frame_rate=10.0))
        y.append(lab)
    S = SensorGraphBuilder("edges", edges=[("a:0", "a:1")]).fit(X).transform(X)
    flat = FrameFeatureFlattener().fit(S)
    # the same up to float32, the dtype GraphSequences keep
    np.testing.assert_allclose(flat.transform(S)[0], flat.transform(X)[0], rtol=1e-5, atol=1e-6)
    assert flat.graph_ is not S[0].graph  # a copy: editing the input must not edit it
    np.testing.assert_array_equal(flat.graph_.to_dense(), S[0].graph.to_dense())
    assert FrameFeatureFlattener().fit(X).graph_ is None
    seg = FrameClassifierSegmenter(random_state=0).fit(S, y)
    for p, q in zip(seg.predict_proba(S), seg.predict_proba(X), strict=True):
        np.testing.assert_allclose(p, q, atol=1e-4)


def test_a_channel_on_a_tiny_scale_is_still_standardised():
    """Check that a channel with a standard deviation of 1e-16 around 0 is scaled to unit
    variance (scikit-learn's constant-feature rule), and a constant one keeps scale 1."""
    rng = np.random.default_rng(0)
    x = np.stack([1e-16 * rng.normal(size=500), np.full(500, 9.81)], axis=1)[:, :, None]
    scaler = SequenceScaler().fit([x])
    (scale,) = scaler.scale_.values()
    assert scale[0, 0] == pytest.approx(np.std(x[:, 0, 0])) and scale[1, 0] == 1.0
    assert np.std(scaler.transform([x])[0][:, 0, 0]) == pytest.approx(1.0)
