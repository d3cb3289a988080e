"""Tests of SensorGraphBuilder."""

import warnings

import numpy as np
import pytest

from stgraph_sklearn.data import GraphSequence, SensorGraph
from stgraph_sklearn.exceptions import MissingSensorWarning, StgraphWarning
from stgraph_sklearn.transformers import SensorGraphBuilder

NAMES = ("accel:knife", "accel:board", "accel:bowl", "video")


def _silently(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingSensorWarning)
        return fn(*args)


def test_correlation_strategy_links_co_moving_sensors(aligned):
    builder = SensorGraphBuilder(k=1, normalize=None, self_loops=False).fit(aligned)
    assert builder.node_names_ == NAMES
    assert builder.modalities_ == {"accel": (3, 3), "video": (1, 4)}
    adj = builder.graph_.to_dense()
    assert adj[0, 1] > 0 and adj[1, 0] > 0  # knife and board share the movement
    np.testing.assert_allclose(adj, adj.T)
    assert builder.graph_.node_modality == ("accel", "accel", "accel", "video")


@pytest.mark.parametrize("strategy", ["correlation", "full", "knn", "modality"])
@pytest.mark.parametrize("normalize", ["row", "sym", None])
def test_strategies_and_normalisation(aligned, strategy, normalize):
    builder = SensorGraphBuilder(strategy, k=2, normalize=normalize).fit(aligned)
    adj = builder.graph_.to_dense()
    assert adj.shape == (4, 4)
    assert np.all(np.diagonal(adj) > 0)  # self-loops by default
    if normalize == "row":
        np.testing.assert_allclose(adj.sum(axis=1), 1.0, rtol=1e-6)
    if strategy == "full" and normalize is None:
        np.testing.assert_array_equal(adj, np.ones((4, 4)))
    if strategy == "knn":
        assert (adj > 0).sum() >= 4 + 4 * 2  # loops + at least k neighbours each


def test_edges_strategy(aligned):
    edges = [("accel:knife", "accel:board"), ("video", "accel:bowl")]
    builder = SensorGraphBuilder("edges", edges=edges, normalize=None, self_loops=False).fit(
        aligned
    )
    expected = np.zeros((4, 4))
    expected[[0, 1, 2, 3], [1, 0, 3, 2]] = 1
    np.testing.assert_array_equal(builder.graph_.to_dense(), expected)


def test_edges_unknown_name(aligned):
    with pytest.raises(ValueError, match=r"SensorGraphBuilder.*'edges'.*accel:spoon.*accel:knife"):
        SensorGraphBuilder("edges", edges=[("accel:spoon", "video")]).fit(aligned)
    with pytest.raises(ValueError, match="'edges' parameter of SensorGraphBuilder"):
        SensorGraphBuilder("edges").fit(aligned)


@pytest.mark.parametrize("strategy", ["correlation", "knn"])
def test_k_larger_than_the_sensor_set_links_all_nodes(aligned, strategy):
    """k > n_nodes - 1 caps k_ with a warning and gives the complete graph; k=0 is invalid."""
    n = len(SensorGraphBuilder("full").fit(aligned).node_names_)
    with pytest.warns(StgraphWarning, match=rf"k=20 is more than n_nodes - 1 = {n - 1}"):
        capped = SensorGraphBuilder(strategy, k=20).fit(aligned)
    assert capped.k_ == n - 1
    complete = SensorGraphBuilder(strategy, k=n - 1).fit(aligned)
    np.testing.assert_allclose(capped.graph_.to_dense(), complete.graph_.to_dense())
    assert np.all(capped.graph_.to_dense() > 0)
    with pytest.raises(ValueError, match="'k' parameter of SensorGraphBuilder"):
        SensorGraphBuilder(k=0).fit(aligned)


def test_single_node_graph_has_only_the_self_loop():
    """One sensor: no neighbours to link, the graph is its self-loop."""
    rng = np.random.RandomState(0)
    with pytest.warns(StgraphWarning, match="k_=0"):
        builder = SensorGraphBuilder(k=3).fit([rng.randn(40, 1, 3) for _ in range(2)])
    assert builder.k_ == 0
    np.testing.assert_allclose(builder.graph_.to_dense(), [[1.0]])
    assert SensorGraphBuilder("full").fit([rng.randn(40, 1, 3)]).k_ is None


def test_k_is_ignored_by_fixed_strategies(aligned):
    SensorGraphBuilder("full", k=11).fit(aligned)  # k is ignored by "full"


def test_emits_graph_sequences_with_masks(aligned):
    builder = SensorGraphBuilder(k=2).fit(aligned)
    out = builder.transform(aligned)
    assert len(out) == len(aligned)
    seq = out[0]
    assert isinstance(seq, GraphSequence) and isinstance(seq.graph, SensorGraph)
    assert seq.graph == builder.graph_
    assert seq.name == aligned[0].name and seq.subject == aligned[0].subject
    assert seq.feature_shapes == {"accel": (3, 3), "video": (1, 4)}
    values = aligned[0].modalities["accel"].values
    np.testing.assert_array_equal(seq.masks["accel"], ~np.isnan(values).all(axis=2))
    assert not seq.masks["accel"][:, 1].all()  # the drop-out is a False mask
    assert (seq.blocks["accel"][~seq.masks["accel"]] == 0).all()


def test_requires_aligned_recordings(recordings):
    with pytest.raises(ValueError, match=r"X\[0\] is not aligned.*Put a ModalityAligner before"):
        SensorGraphBuilder().fit(recordings)


def test_all_nan_node_warns_and_stays_masked(aligned):
    rec = aligned[0]
    video = rec.modalities["video"]
    dead = [
        r.replace(
            modalities={
                **r.modalities,
                "video": video.replace(values=np.full(video.values.shape, np.nan)),
            }
        )
        for r in aligned
    ]
    with pytest.warns(
        MissingSensorWarning, match=r"'video' in X\[0, 1, 2, 3, 4, 5\].*never observed"
    ):
        builder = SensorGraphBuilder(k=2, normalize=None, self_loops=False).fit(dead)
    adj = builder.graph_.to_dense()
    assert adj[3].sum() == 0 and adj[:, 3].sum() == 0
    seq = builder.transform(dead)[0]
    assert not seq.masks["video"].any()


def test_array_input():
    X = [np.random.default_rng(i).normal(size=(40, 5, 2)) for i in range(3)]
    out = SensorGraphBuilder(k=2).fit_transform(X)
    assert out[0].feature_shapes == {"x": (5, 2)}


def test_partially_missing_node_is_masked_not_zero_filled():
    """Check that a node with one NaN channel at a frame is masked (no silent zeros)."""
    X = [np.random.default_rng(0).normal(size=(30, 3, 2))]
    X[0][5, 1, 0] = np.nan
    (seq,) = SensorGraphBuilder(k=1).fit_transform(X)
    assert not seq.masks["x"][5, 1]
    assert seq.masks["x"].sum() == 30 * 3 - 1


@pytest.mark.parametrize("n_nodes, expected_k", [(1, 0), (2, 1), (3, 2), (4, 3), (7, 3)])
def test_k_auto_caps_at_three_neighbours_without_a_warning(n_nodes, expected_k, recwarn):
    """k="auto" is min(3, n_nodes - 1) and stays silent: the user did not choose a k."""
    rng = np.random.RandomState(0)
    builder = SensorGraphBuilder(k="auto").fit([rng.randn(40, n_nodes, 3) for _ in range(2)])
    assert builder.k_ == expected_k
    assert not [w for w in recwarn if issubclass(w.category, StgraphWarning)]
    assert builder.graph_.to_dense().shape == (n_nodes, n_nodes)


def test_k_rejects_other_strings(aligned):
    with pytest.raises(ValueError, match="'k' parameter of SensorGraphBuilder"):
        SensorGraphBuilder(k="all").fit(aligned)


def test_node_with_one_all_nan_channel_warns_as_missing():
    """Check that a node with a single channel NaN for a whole recording, which the node mask
    rule marks missing at every frame, raises the MissingSensorWarning as an all-NaN node
    does; missing in every recording, it gets no correlation edges either."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(40, 3, 2)) for _ in range(2)]
    X[1][:, 2, 1] = np.nan  # node x:2, channel 1
    with pytest.warns(MissingSensorWarning, match=r"'x:2' in X\[1\]\. They stay masked"):
        builder = SensorGraphBuilder(k=1).fit(X)
    assert not builder.transform(X)[1].masks["x"][:, 2].any()
    X[0][:, 2, 0] = np.nan  # node x:2, the other channel
    with pytest.warns(MissingSensorWarning, match=r"'x:2' in X\[0, 1\].*never observed"):
        builder = SensorGraphBuilder(k=1, normalize=None, self_loops=False).fit(X)
    adj = builder.graph_.to_dense()
    assert adj[2].sum() == 0 and adj[:, 2].sum() == 0
