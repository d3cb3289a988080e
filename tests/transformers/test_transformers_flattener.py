"""Tests of FrameFeatureFlattener."""

import numpy as np
import pytest

from stgraph_sklearn.data import GraphSequence, Modality, Recording, SensorGraph
from stgraph_sklearn.transformers import FrameFeatureFlattener, SensorGraphBuilder


def _sequence():
    """2 frames, modality "a" with 3 nodes x 2 features, modality "b" with 1 node x 1 feature."""
    a = np.array(
        [
            [[1.0, 0.0], [3.0, 0.0], [5.0, 2.0]],
            [[1.0, 1.0], [np.nan, np.nan], [3.0, 1.0]],  # node a:1 missing at frame 1
        ]
    )
    b = np.array([[[7.0]], [[8.0]]])
    adj = np.zeros((4, 4))
    adj[0, 1] = adj[1, 0] = 1.0
    adj[1, 2] = adj[2, 1] = 2.0
    adj[0, 2] = adj[2, 0] = 1.0
    adj[3, 0] = adj[0, 3] = 1.0  # cross-modal edge: not used for a's smoothing
    graph = SensorGraph.from_dense(adj, ["a:0", "a:1", "a:2", "b"])
    return GraphSequence({"a": a, "b": b}, graph=graph)


def test_columns_and_values():
    seq = _sequence()
    flat = FrameFeatureFlattener().fit([seq])
    names = list(flat.get_feature_names_out())
    assert names[:2] == ["a:0__c0", "a:0__c1"] and names[6] == "b__c0"
    assert names[7:11] == ["a:0__present", "a:1__present", "a:2__present", "b__present"]
    assert names[11] == "a:0__smoothed_c0" and names[-1] == "a__total_variation"
    assert flat.n_features_out_ == 6 + 1 + 4 + 6 + 1
    (out,) = flat.transform([seq])
    assert out.shape == (2, 18)
    np.testing.assert_array_equal(out[:, 7:11], [[1, 1, 1, 1], [1, 0, 1, 1]])
    assert np.isnan(out[1, 2:4]).all()  # missing node: NaN, not zero
    # frame 0, node 0: neighbours 1 (w=1) and 2 (w=1): mean of x1, x2 = (4, 1)
    np.testing.assert_allclose(out[0, 11:13], [4.0, 1.0])
    # frame 1, node 0: only node 2 present -> x2
    np.testing.assert_allclose(out[1, 11:13], [3.0, 1.0])
    assert np.isnan(out[1, 13:15]).all()  # smoothed value of a missing node is missing
    # total variation, frame 0: pairs (0,1) w1 d=4, (1,2) w2 d=8, (0,2) w1 d=20, both ways
    np.testing.assert_allclose(out[0, -1], (2 * 4 + 2 * 2 * 8 + 2 * 20) / 8)
    # frame 1: only the (0, 2) pair is present: d = 4
    np.testing.assert_allclose(out[1, -1], 4.0)


def test_missing_zero_keeps_mask_columns():
    seq = _sequence()
    (out,) = FrameFeatureFlattener(missing="zero").fit_transform([seq])
    assert not np.isnan(out).any()
    np.testing.assert_array_equal(out[1, 2:4], 0.0)
    assert out[1, 8] == 0.0  # the mask still shows the missing sensor


def test_without_graph_features():
    (out,) = FrameFeatureFlattener(graph_features=False).fit_transform([_sequence()])
    assert out.shape == (2, 11)


def test_recordings_without_graph_use_complete_graph_within_modality():
    x = np.arange(12, dtype=float).reshape(2, 3, 2)
    flat = FrameFeatureFlattener().fit([x])
    (out,) = flat.transform([x])
    # node 0 at frame 0: mean of nodes 1 and 2 = ((2 + 4) / 2, (3 + 5) / 2)
    np.testing.assert_allclose(out[0, 9:11], [3.0, 4.0])
    assert list(flat.get_feature_names_out()[:2]) == ["x:0__c0", "x:0__c1"]


def test_pipeline_output(aligned):
    seqs = SensorGraphBuilder(k=2).fit_transform(aligned)
    flat = FrameFeatureFlattener().fit(seqs)
    out = flat.transform(seqs)
    assert [o.shape for o in out] == [(r.n_frames, flat.n_features_out_) for r in aligned]
    board_present = list(flat.get_feature_names_out()).index("accel:board__present")
    np.testing.assert_array_equal(out[0][:, board_present], seqs[0].masks["accel"][:, 1])


def test_requires_aligned(recordings):
    with pytest.raises(ValueError, match="ModalityAligner"):
        FrameFeatureFlattener().fit(recordings)


def _named_recordings():
    rng = np.random.default_rng(0)
    recs = []
    for _ in range(2):
        recs.append(
            Recording(
                {
                    "accel": Modality(
                        rng.normal(size=(40, 2, 3)), rate=20.0, node_names=["bowl", "knife"]
                    ),
                    "video": Modality(rng.normal(size=(20, 2)), rate=10.0),
                },
                frame_rate=10.0,
                n_frames=20,
            )
        )
    return recs


def test_feature_names_along_a_pipeline_of_sequence_transformers():
    """Check that Pipeline.get_feature_names_out walks every sequence transformer and that
    the flattener keeps NodeFeatureExtractor's names."""
    from sklearn.pipeline import make_pipeline

    from stgraph_sklearn.transformers import (
        ModalityAligner,
        NodeFeatureExtractor,
        SensorGraphBuilder,
        SequenceScaler,
    )

    X = _named_recordings()
    pipe = make_pipeline(
        NodeFeatureExtractor(windows=(0.5,), stats=("mean", "magnitude")),
        ModalityAligner(),
        SequenceScaler(),
        SensorGraphBuilder(strategy="full"),
        FrameFeatureFlattener(),
    ).fit(X)
    ext, flat = pipe[0], pipe[-1]
    assert list(pipe[:1].get_feature_names_out()[:4]) == [
        "accel:bowl__mean_0.5s_c0",
        "accel:bowl__mean_0.5s_c1",
        "accel:bowl__mean_0.5s_c2",
        "accel:bowl__magnitude_0.5s",
    ]
    for step in range(1, 4):  # aligner, scaler and graph builder keep the names
        np.testing.assert_array_equal(
            pipe[: step + 1].get_feature_names_out(), ext.get_feature_names_out()
        )
    names = pipe.get_feature_names_out()
    np.testing.assert_array_equal(names, flat.get_feature_names_out())
    n_in = len(ext.get_feature_names_out())
    np.testing.assert_array_equal(names[:n_in], ext.get_feature_names_out())
    assert "accel:knife__present" in names and "accel:knife__smoothed_mean_0.5s_c2" in names
    assert names[-1] == "accel__total_variation"
    assert pipe.transform(X)[0].shape == (20, len(names))


def test_flattener_feature_names_from_input_features():
    """Check that given input names (arrays carry none) rename the columns."""
    X = [np.zeros((5, 2, 1))]
    flat = FrameFeatureFlattener().fit(X)
    names = flat.get_feature_names_out(["x:0__speed", "x:1__speed"])
    assert list(names) == [
        "x:0__speed",
        "x:1__speed",
        "x:0__present",
        "x:1__present",
        "x:0__smoothed_speed",
        "x:1__smoothed_speed",
        "x__total_variation",
    ]
    with pytest.raises(ValueError, match="input_features must hold 2 names"):
        flat.get_feature_names_out(["a"])


def test_set_output_pandas():
    """Check set_output on the flattener and through a Pipeline of sequence transformers."""
    import pandas as pd
    from sklearn.pipeline import make_pipeline

    from stgraph_sklearn.transformers import ModalityAligner, NodeFeatureExtractor

    X = _named_recordings()
    aligned = ModalityAligner().fit_transform(X)
    flat = FrameFeatureFlattener().set_output(transform="pandas").fit(aligned)
    out = flat.transform(aligned)
    assert isinstance(out[0], pd.DataFrame)
    assert list(out[0].columns) == list(flat.get_feature_names_out())
    pipe = make_pipeline(
        NodeFeatureExtractor(windows=(0.5,), stats=("mean",)),
        ModalityAligner(),
        FrameFeatureFlattener(graph_features=False),
    ).set_output(transform="pandas")
    frames = pipe.fit_transform(X)
    assert isinstance(frames[1], pd.DataFrame) and frames[1].shape[0] == 20
    assert frames[1].columns[0] == "accel:bowl__mean_0.5s_c0"
    pipe.set_output(transform="default")
    assert isinstance(pipe.transform(X)[0], np.ndarray)
    with pytest.raises(ValueError, match="'transform' parameter"):
        ModalityAligner().set_output(transform="arrow")
