"""Tests of the SensorGraph <-> PyTorch Geometric conversions."""

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.graph import (
    from_edge_index,
    from_pyg_data,
    knn_graph,
    to_edge_index,
    to_pyg_data,
)


def _graph():
    return SensorGraph(
        [[0, 1, 2, 2], [1, 2, 0, 1]],
        [0.5, 1.0, 2.0, 0.25],
        ["accel:knife", "accel:bowl", "video"],
    )


def test_edge_index_round_trip_keeps_weights_and_direction():
    """Check to_edge_index gives PyG tensors and from_edge_index inverts it."""
    graph = _graph()
    edge_index, edge_weight = to_edge_index(graph)
    assert edge_index.dtype == torch.int64 and edge_weight.dtype == torch.float32
    np.testing.assert_array_equal(edge_index.numpy(), graph.edge_index)
    edge_index[0, 0] = 2  # a copy: the graph is not mutated
    assert graph.edge_index[0, 0] == 0
    back = from_edge_index(*to_edge_index(graph), node_names=graph.node_names)
    assert back == graph


def test_pyg_data_round_trip_and_pyg_semantics():
    """Check Data's edges follow PyG's source -> target flow: A[target, source]."""
    from torch_geometric.utils import to_dense_adj

    graph = _graph()
    data = to_pyg_data(graph)
    assert data.num_nodes == 3 and data.node_modality == ["accel", "accel", "video"]
    pyg_dense = to_dense_adj(data.edge_index, edge_attr=data.edge_weight)[0]  # [source, target]
    np.testing.assert_allclose(pyg_dense.T.numpy(), graph.to_dense())
    assert from_pyg_data(data) == graph


def test_from_pyg_data_without_names_or_weights():
    """Check defaults: generated node names, edge_attr as weights, all-ones weights."""
    from torch_geometric.data import Data

    data = Data(edge_index=torch.tensor([[0, 1], [1, 0]]), num_nodes=2)
    graph = from_pyg_data(data)
    assert graph.node_names == ("node:0", "node:1")
    np.testing.assert_array_equal(graph.edge_weight, [1.0, 1.0])
    data.edge_attr = torch.tensor([[3.0], [4.0]])
    np.testing.assert_array_equal(from_pyg_data(data, ["a", "b"]).edge_weight, [3.0, 4.0])
    data.edge_attr = torch.ones(2, 3)
    with pytest.raises(ValueError, match="edge_attr"):
        from_pyg_data(data)
    with pytest.raises(ValueError, match="one name per node"):
        from_pyg_data(Data(edge_index=torch.tensor([[0], [1]]), num_nodes=2), ["a"])
    with pytest.raises(TypeError, match="from_pyg_data"):
        from_pyg_data(object())


def test_conversions_validate_their_parameters():
    """Check a wrong parameter type raises InvalidParameterError naming it."""
    with pytest.raises(InvalidParameterError, match="'graph' parameter of to_edge_index"):
        to_edge_index(np.eye(3))
    with pytest.raises(InvalidParameterError, match="'graph' parameter of to_pyg_data"):
        to_pyg_data("graph")
    with pytest.raises(ValueError, match="edge_index"):
        from_edge_index([[0, 5], [1, 0]], node_names=["a", "b"])


def test_knn_graph_converts():
    """A graph built by the library converts and comes back equal."""
    rng = np.random.RandomState(0)
    graph = knn_graph(rng.randn(6, 2), 2, node_names=[f"n{i}" for i in range(6)])
    assert from_pyg_data(to_pyg_data(graph)) == graph
