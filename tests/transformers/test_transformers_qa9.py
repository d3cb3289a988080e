"""Transformers composed by a data scientist: parameters changed after fit, outputs that
share arrays with the fitted state or the input, names the feature-name rule cannot split."""

import numpy as np
import pytest

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)


def _recordings(n=2, seed=0):
    rng = np.random.RandomState(seed)
    return [
        Recording(
            {"acc": Modality(5 + rng.randn(60, 3, 2), timestamps=np.arange(60) / 20.0)},
            frame_rate=10.0,
        )
        for _ in range(n)
    ]


def test_node_features_changed_after_fit_are_refused():
    """Check that stats changed by set_params after fit are refused at transform (they were
    computed with the new stats and named with fit's: the channel named 'mean' held the std,
    and the next step's name check passed)."""
    X = _recordings()
    ext = NodeFeatureExtractor(stats=("mean", "std")).fit(X)
    ext.set_params(stats=("std", "mean"))
    with pytest.raises(ValueError, match=r"set_params after fit changes the parameters"):
        ext.transform(X)
    assert list(ext.set_params(stats=("mean", "std")).get_feature_names_out()[:2]) == [
        "acc:0__mean_0.5s_c0",
        "acc:0__mean_0.5s_c1",
    ]


def test_aligner_method_changed_after_fit_is_refused():
    """Check that a method changed after fit is refused (max_gap and clock took effect
    without a refit, method was silently ignored)."""
    X = _recordings()
    aligner = ModalityAligner().fit(X)
    with pytest.raises(ValueError, match=r"method='hold' gives other methods than fit"):
        aligner.set_params(method="hold").transform(X)


def test_windows_that_name_the_same_features_are_refused():
    """Check that windows whose names coincide are refused, naming the parameter (transform
    failed with "Modality 'channel_names' must be unique")."""
    with pytest.raises(ValueError, match=r"'windows' parameter of NodeFeatureExtractor"):
        NodeFeatureExtractor(windows=(2.0, 2.0000001)).fit(_recordings())


def test_outputs_do_not_share_the_fitted_graph_or_the_inputs_timeline():
    """Check that editing an output's graph leaves the builder's graph_ and later outputs
    alone, and editing an output's timestamps leaves the input recording alone."""
    X = ModalityAligner().fit_transform(_recordings())
    builder = SensorGraphBuilder("edges", edges=[("acc:0", "acc:1")]).fit(X)
    G = builder.transform(X)
    G[0].graph.edge_weight[:] = 0
    assert builder.graph_.edge_weight.sum() > 0
    assert builder.transform(X)[0].graph.edge_weight.sum() > 0
    G = builder.transform(X)
    flat = FrameFeatureFlattener().fit(G)
    G[0].graph.edge_weight[:] = 0
    assert flat.graph_.edge_weight.sum() > 0
    raw = _recordings()
    for step in (SequenceScaler(), NodeFeatureExtractor()):
        out = step.fit_transform(raw)
        out[0].modalities["acc"].timestamps[0] = -99.0
        assert raw[0].modalities["acc"].timestamps[0] == 0.0


@pytest.mark.parametrize("name", ["wrist_", "a_"])
def test_node_and_modality_names_ending_in_an_underscore_are_refused(name):
    """Check that node and modality names ending in '_' are refused like names with '__'
    (the feature name 'wrist___c0' split into node 'wrist' and channel '_c0': wrong names,
    and nodes 'a' and 'a_' gave duplicate columns)."""
    with pytest.raises(ValueError, match=r"must not contain '__' or end with '_'"):
        Modality(np.zeros((4, 2, 1)), rate=1.0, node_names=[name, "b"])
    with pytest.raises(ValueError, match=r"must not contain '__' or end with '_'"):
        Recording({name: Modality(np.zeros((4, 1, 1)), rate=1.0)}, frame_rate=1.0)


@pytest.mark.parametrize("strategy", ["correlation", "knn"])
def test_builder_names_values_whose_activity_overflows(strategy):
    """Check that values whose frame-to-frame changes overflow float64 are refused naming the
    builder and the recording (an internal function's argument was named, or "knn" fitted no
    edge and blamed a stuck sensor)."""
    rng = np.random.RandomState(0)
    rec = Recording(
        {"acc": Modality(rng.randn(60, 3, 3) * 1e200, rate=30.0)}, frame_rate=30.0, name="s7"
    )
    with pytest.raises(ValueError, match=r"SensorGraphBuilder: X\[0\] \(recording 's7'\) has"):
        SensorGraphBuilder(strategy=strategy, k=1).fit([rec])


def test_flattener_names_values_whose_total_variation_overflows():
    """Check that values whose graph total variation overflows float64 are refused (it came
    out NaN, 'missing', for frames whose nodes were all present)."""
    x = [np.random.RandomState(0).randn(50, 2, 2) * 1e160]
    flat = FrameFeatureFlattener().fit(x)
    with pytest.raises(ValueError, match=r"FrameFeatureFlattener: X\[0\] modality .* too large"):
        flat.transform(x)
    assert np.isfinite(FrameFeatureFlattener(graph_features=False).fit_transform(x)[0]).all()
