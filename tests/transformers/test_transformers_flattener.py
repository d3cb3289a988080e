"""Tests of FrameFeatureFlattener."""

import numpy as np
import pytest

from stgraph_sklearn.data import GraphSequence, SensorGraph
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
    assert names[:2] == ["a:0__f0", "a:0__f1"] and names[6] == "b__f0"
    assert names[7:11] == ["a:0__present", "a:1__present", "a:2__present", "b__present"]
    assert names[11] == "a:0__smoothed_f0" and names[-1] == "a__total_variation"
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
    assert list(flat.get_feature_names_out()[:2]) == ["x:0__f0", "x:0__f1"]


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
