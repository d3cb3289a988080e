"""Regression tests of the sensor-graph QA round 4 (graph functions, SensorGraph, builder, plot)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from stgraph_sklearn.data import GraphSequence, Modality, Recording, SensorGraph, as_graph_sequences
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.graph import (
    add_self_loops,
    correlation_graph,
    from_edges,
    fully_connected,
    normalized_adjacency,
    pooled_correlation,
    resolve_graph,
)
from stgraph_sklearn.transformers import SensorGraphBuilder

ACTIVITY = np.random.default_rng(0).normal(size=(20, 3))


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame(ACTIVITY, columns=["x", "y", "z"]),
        ACTIVITY.tolist(),
        tuple(map(tuple, ACTIVITY)),
        torch.tensor(ACTIVITY),
    ],
    ids=["DataFrame", "list of rows", "tuple of rows", "tensor"],
)
def test_correlation_reads_one_2d_table_that_is_not_an_ndarray_as_one_recording(table):
    """Check that a DataFrame, a nested list or a tensor of shape (n_timesteps, n_nodes) is
    one recording, as an ndarray is (they were iterated row by row, or over a DataFrame's
    column names, and rejected with a raw or misleading error)."""
    # a DataFrame's array is Fortran-ordered: the matrix products may differ in the last bit
    np.testing.assert_allclose(pooled_correlation(table), pooled_correlation(ACTIVITY), rtol=1e-12)
    graph = correlation_graph(table, 1, node_names=["x", "y", "z"])
    expected = correlation_graph(ACTIVITY, 1, node_names=["x", "y", "z"])
    np.testing.assert_array_equal(graph.edge_index, expected.edge_index)
    np.testing.assert_allclose(graph.to_dense(), expected.to_dense(), rtol=1e-6)


def test_correlation_still_reads_lists_of_2d_arrays_as_recordings():
    """Check that a list (or generator) of 2-D arrays, DataFrames or nested lists is still one
    recording per item: the correlation pools the recordings."""
    parts = [ACTIVITY[:10], ACTIVITY[10:]]
    expected = pooled_correlation(parts)
    assert not np.allclose(expected, pooled_correlation(ACTIVITY))  # pooled, not stacked
    np.testing.assert_array_equal(pooled_correlation(iter(parts)), expected)
    frames = [pd.DataFrame(p) for p in parts]
    np.testing.assert_allclose(pooled_correlation(frames), expected, rtol=1e-12)
    np.testing.assert_array_equal(pooled_correlation([p.tolist() for p in parts]), expected)


def test_correlation_errors_name_the_function_and_what_was_read():
    """Check that bad activity is rejected with the function's name (the messages named no
    function, and a ragged table gave numpy's 'inhomogeneous shape')."""
    with pytest.raises(ValueError, match=r"^correlation_graph: 'activity' must be finite"):
        correlation_graph(np.array([[np.inf, 1.0], [1, 2], [2, 3]]), 1, node_names=["a", "b"])
    with pytest.raises(ValueError, match=r"^pooled_correlation: 'activity' must be an array"):
        pooled_correlation([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"^pooled_correlation: 'activity'\[1\] has 2 nodes"):
        pooled_correlation([ACTIVITY, ACTIVITY[:, :2]])
    with pytest.raises(TypeError, match=r"^pooled_correlation: 'activity' must be .* Got Series"):
        pooled_correlation(pd.Series(ACTIVITY[:, 0]))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: from_edges([("a", "c")], ["a", "b"]), r"^from_edges: 'pairs'\[0\] names an unk"),
        (lambda: from_edges([("a", "b")], ["a", "b"], weights=[-1]), r"^from_edges: 'weights'"),
        (lambda: normalized_adjacency([[0, -1], [1, 0]]), r"^normalized_adjacency: 'adj' must "),
        (lambda: normalized_adjacency([[0, 1], [1]]), r"^normalized_adjacency: 'adj' must be a"),
        (lambda: add_self_loops(np.zeros((2, 3))), r"^add_self_loops: 'adj' must be a square"),
        (lambda: fully_connected(["a", "a"]), r"^fully_connected: 'node_names' must be unique"),
        (lambda: fully_connected(["a"], node_modality=["m", "n"]), r"^fully_connected: 'node_mo"),
    ],
)
def test_graph_function_errors_name_the_function(call, match):
    """Check that errors of the graph functions start with the function's name, as
    ``knn_graph: ...`` does (they did not say which function raised)."""
    with pytest.raises(ValueError, match=match):
        call()


def test_sensor_graph_rejects_bad_input_with_its_own_messages():
    """Check that SensorGraph and SensorGraph.from_dense name the argument instead of raising
    Python's ``len()`` error or numpy's 'inhomogeneous shape'."""
    with pytest.raises(TypeError, match=r"^SensorGraph.from_dense: 'node_names' must be a seq"):
        SensorGraph.from_dense(np.zeros((2, 2)), None)
    with pytest.raises(ValueError, match=r"^SensorGraph.from_dense: 'adjacency' must be square"):
        SensorGraph.from_dense([[0, 1], [1]], ["a", "b"])
    with pytest.raises(ValueError, match=r"^SensorGraph 'edge_index' must be an integer array"):
        SensorGraph([[0, 1], [1]], None, ["a", "b"])
    with pytest.raises(ValueError, match=r"^SensorGraph 'edge_weight' must be an array of sha"):
        SensorGraph([[0], [1]], [[0.5], [1, 2]], ["a", "b"])


def test_sensor_graph_detaches_tensors():
    """Check that a weight tensor that requires grad (a learned weight) is read, detached (it
    raised torch's "Can't call numpy() on Tensor that requires grad")."""
    weight = torch.tensor([0.5], requires_grad=True)
    graph = SensorGraph(torch.tensor([[0], [1]]), weight, ["a", "b"])
    assert graph == SensorGraph([[0], [1]], [0.5], ["a", "b"])
    dense = torch.tensor([[0.0, 0.5], [0.0, 0.0]], requires_grad=True)
    assert SensorGraph.from_dense(dense, ["a", "b"]) == SensorGraph([[1], [0]], [0.5], ["a", "b"])


def test_sensor_graph_equality_is_exact():
    """Check that graphs with different edges or weights differ (np.allclose made an edge of
    weight 1e-9 equal to no edge, and 1.0 equal to 1.000009)."""
    names = ["a", "b"]
    no_edge = SensorGraph(np.zeros((2, 0), int), None, names)
    assert SensorGraph([[0], [1]], [1e-9], names) != no_edge
    assert SensorGraph([[0], [1]], [1.0], names) != SensorGraph([[0], [1]], [1.000009], names)
    # edge order and duplicate splitting still do not matter
    assert SensorGraph([[0, 1], [1, 0]], [0.5, 2.0], names) == SensorGraph(
        [[1, 0, 0], [0, 1, 1]], [2.0, 0.25, 0.25], names
    )


def test_resolve_graph_data_tells_nearly_equal_graphs_apart():
    """Check that sequences carrying graphs that differ by a tiny weight are not taken to share
    one graph (``!=`` ignored differences below np.allclose's tolerance)."""
    names = ["x:0", "x:1"]
    blocks = {"x": np.zeros((5, 2, 1))}
    seqs = [
        GraphSequence(blocks, graph=SensorGraph([[0], [1]], [1.0], names)),
        GraphSequence(blocks, graph=SensorGraph([[0], [1]], [1.000009], names)),
    ]
    with pytest.raises(ValueError, match="carries a different sensor graph"):
        resolve_graph("data", seqs, node_names=names)


def _recording(values, node_names=None, key="acc"):
    return Recording({key: Modality(values, rate=10.0, node_names=node_names)}, frame_rate=10.0)


def test_graph_builder_sequences_name_their_block_nodes_as_the_graph():
    """Check that SensorGraphBuilder.transform gives the sequences the recordings' node names,
    as as_graph_sequences does (block_node_names were the defaults '0', '1', ..., which
    disagreed with node_names, so a sequence could not be rebuilt from its attributes)."""
    values = np.random.default_rng(0).normal(size=(50, 3, 2))
    rec = _recording(values, ["knife", "board", "bowl"], key="x")
    builder = SensorGraphBuilder(k=1).fit([rec])
    seq = builder.transform([rec])[0]
    assert seq.block_node_names == as_graph_sequences([rec])[0].block_node_names
    assert seq.block_node_names == {"x": ("knife", "board", "bowl")}
    rebuilt = GraphSequence(seq.blocks, seq.masks, graph=seq.graph, node_names=seq.block_node_names)
    assert rebuilt.node_names == seq.node_names
    # arrays (default names) after a fit on named recordings take the names seen in fit
    assert builder.transform([values])[0].block_node_names == {"x": ("knife", "board", "bowl")}


def test_graph_builder_sequences_name_a_one_node_modality_as_the_graph():
    """Check that a one-node modality (graph node 'video') and arrays keep names that qualify
    to the graph's node names."""
    rng = np.random.default_rng(0)
    rec = Recording(
        {
            "acc": Modality(rng.normal(size=(40, 2, 3)), rate=10.0, node_names=["l", "r"]),
            "video": Modality(rng.normal(size=(40, 4)), rate=10.0),
        },
        frame_rate=10.0,
    )
    seq = SensorGraphBuilder(strategy="full").fit_transform([rec])[0]
    assert seq.node_names == ("acc:l", "acc:r", "video")
    assert seq.block_node_names == {"acc": ("l", "r"), "video": ("0",)}
    arrays = [rng.normal(size=(30, 3, 2))]
    seq = SensorGraphBuilder(strategy="full").fit_transform(arrays)[0]
    assert seq.block_node_names == {"x": ("0", "1", "2")}


def test_graph_builder_names_constant_sensors_left_without_edges():
    """Check that a constant sensor, which the correlation strategy leaves without an edge, is
    named in a StgraphWarning, and that the k-cap warning no longer claims every node is
    linked to all the others (both were silent or false)."""
    values = np.random.default_rng(0).normal(size=(100, 3, 3))
    values[:, 2, :] = 2.0  # a stuck sensor
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        builder = SensorGraphBuilder(k=3, normalize=None, self_loops=False).fit([values])
    messages = [str(w.message) for w in caught if issubclass(w.category, StgraphWarning)]
    assert not any("linked to all the others (" in m for m in messages)
    assert any("with which its correlation is defined and non-zero" in m for m in messages)
    unlinked = [m for m in messages if "get no correlation edge" in m]
    assert len(unlinked) == 1
    assert "nodes ['x:2'] have a constant activity" in unlinked[0]
    assert "'x:0'" not in unlinked[0] and "'x:1'" not in unlinked[0]
    dense = builder.graph_.to_dense()
    assert not dense[2].any() and not dense[:, 2].any() and dense[0, 1] > 0


def test_graph_builder_names_a_node_whose_only_partner_is_constant():
    """Check that, with two nodes of which one is constant, the warning names the constant one
    as constant and the other as having no defined correlation."""
    values = np.random.default_rng(0).normal(size=(100, 2, 3))
    values[:, 1, :] = 2.0
    with pytest.warns(StgraphWarning, match=r"nodes \['x:1'\] have a constant .* \['x:0'\] get no"):
        SensorGraphBuilder(k=1).fit([values])


def test_graph_builder_does_not_warn_about_edges_when_every_node_is_linked(recwarn):
    """Check that no unlinked-node warning is raised when every node has an edge."""
    values = np.random.default_rng(0).normal(size=(100, 4, 3))
    for strategy in ("correlation", "knn"):
        SensorGraphBuilder(strategy=strategy, k=2).fit([values])
    assert not [w for w in recwarn if "edge" in str(w.message)]


def test_plot_sensor_graph_of_an_array_takes_the_modality_from_names_without_a_colon():
    """Check that a node named 'video' (a one-node modality) is drawn in the modality 'video',
    as for a SensorGraph (plotting an array put every name without ':' in a modality 'node')."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from stgraph_sklearn.plotting import plot_sensor_graph

    names = ["accel:knife", "accel:bowl", "video"]
    adj = np.array([[0, 1, 0.2], [1, 0, 0], [0.2, 0, 0]])
    try:
        ax = plot_sensor_graph(adj, node_names=names)
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["accel", "video"]
        ax = plot_sensor_graph(SensorGraph.from_dense(adj, names))
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["accel", "video"]
        ax = plot_sensor_graph(adj)  # default names "0", "1", ...: one modality "node"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["node"]
    finally:
        plt.close("all")
