"""Layer contracts a QA pass found broken: NaN of missing nodes, state dicts, shape errors,
the loss on all-padding batches, SensorGraph values and the graph helpers' arguments."""

import numpy as np
import pytest
import torch

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.graph import knn_graph, normalized_adjacency
from stgraph_sklearn.nn import (
    ConcatNodePool,
    FixedGraph,
    MaskedGraphConv,
    ModalityEncoder,
    MultiStageTCN,
    PartitionedGraphConv,
    SegmentationLoss,
    masked_adjacency,
    spatial_partitions,
)


def test_sparse_fixed_graph_rebuilds_its_edge_list_on_load():
    """Check that load_state_dict updates the edge list too (the masked path kept the old
    graph while the unmasked one used the loaded graph)."""
    adj_a = torch.tensor([[0, 1, 0], [1, 0, 1], [0, 1, 0.0]])
    adj_b = torch.tensor([[0, 0, 1], [0, 0, 0], [1, 0, 0.0]])
    loaded = FixedGraph(adj_a, sparse=True)
    loaded.load_state_dict(FixedGraph(adj_b, sparse=True).state_dict())
    fresh = FixedGraph(adj_b, sparse=True)
    assert torch.equal(loaded.edge_index, fresh.edge_index)
    conv, x = MaskedGraphConv(2, 2), torch.randn(1, 4, 3, 2)
    mask = torch.ones(1, 4, 3, dtype=torch.bool)
    with torch.no_grad():
        torch.testing.assert_close(conv(x, loaded(), mask), conv(x, loaded(), None))


def _nan_at_missing():
    x = torch.randn(1, 2, 3, 2)
    mask = torch.tensor([[[True, True, False], [True, False, True]]])
    x[~mask] = float("nan")
    return x, mask


@pytest.mark.parametrize("sparse", [False, True])
def test_partitioned_conv_keeps_nan_of_missing_nodes_out(sparse):
    """Check that NaN features of missing nodes reach no output (140 of 240 outputs were NaN)."""
    x, mask = _nan_at_missing()
    parts = spatial_partitions(torch.ones(3, 3), strategy="distance")
    graph = FixedGraph(parts, sparse=True)() if sparse else parts
    out = PartitionedGraphConv(2, 2, num_partitions=2, num_nodes=3)(x, graph, mask)
    assert torch.isfinite(out).all()
    assert (out[~mask] == 0).all()


@pytest.mark.parametrize(
    "conv",
    [MaskedGraphConv(2, 2), PartitionedGraphConv(2, 2, num_partitions=1, num_nodes=3)],
    ids=["masked", "partitioned"],
)
def test_nan_of_missing_nodes_gives_finite_gradients(conv):
    """Check the weights' gradients (x^T grad turned NaN * 0 into NaN: one optimiser step
    would have corrupted the weights)."""
    x, mask = _nan_at_missing()
    graph = torch.ones(3, 3) if isinstance(conv, MaskedGraphConv) else torch.ones(1, 3, 3)
    conv(x, graph, mask).sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in conv.parameters())


def test_sym_normalization_keeps_nodes_whose_sources_are_unreached():
    """Check a directed graph whose node 1 hears only from nodes no edge reaches: its row was
    all zero, against the docstring's "keeps its own value"."""
    adj = np.zeros((3, 3))
    adj[1, 0] = adj[1, 2] = 1.0  # edges 0 -> 1 and 2 -> 1 (A[target, source])
    out = normalized_adjacency(adj, kind="sym", self_loops=False)
    np.testing.assert_array_equal(out, np.eye(3))


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: ModalityEncoder({"a": 2}, {"a": 3}, 4)(
                {"a": torch.randn(2, 6, 3, 2)}, torch.ones(2, 7, 3, dtype=torch.bool)
            ),
            r"ModalityEncoder: expected a bool node_mask of shape \(B, T, N\) = \(2, 6, 3\)",
        ),
        (
            lambda: ModalityEncoder({"a": 2, "b": 5}, {"a": 3, "b": 1}, 4)(
                {"a": torch.randn(2, 6, 3, 2), "b": torch.randn(2, 7, 1, 5)}
            ),
            r"ModalityEncoder: expected x\['b'\] of shape \(B, T, 1, 5\) with the B, T = 2, 6",
        ),
        (
            lambda: ConcatNodePool(3, 4, 8)(torch.randn(2, 6, 3, 5)),
            r"ConcatNodePool: expected x of shape \(B, T, N, C\) with C = 4",
        ),
        (
            lambda: ConcatNodePool(3, 4, 8)(
                torch.randn(2, 6, 3, 4), torch.ones(2, 6, 4, dtype=torch.bool)
            ),
            "ConcatNodePool: expected a bool node_mask",
        ),
        (
            lambda: MultiStageTCN(5, 8, 3, 2, 2, 0.0)(torch.randn(2, 10, 6)),
            r"MultiStageTCN: expected x of shape \(B, C_in, T\) with C_in = 5",
        ),
        (
            lambda: masked_adjacency(torch.ones(3, 3), torch.ones(1, 2, 4, dtype=torch.bool)),
            r"masked_adjacency: expected a bool node_mask of shape \(B, T, N\) = \(1, 2, 3\)",
        ),
        (
            lambda: PartitionedGraphConv(4, 2, 1, 3)(torch.randn(1, 2, 3, 5), torch.ones(1, 3, 3)),
            r"PartitionedGraphConv: expected x of shape \(B, T, N, C\) with C = 4",
        ),
    ],
    ids=["enc-mask", "enc-T", "pool-C", "pool-mask", "tcn-C", "masked-adj", "partitioned-C"],
)
def test_shape_errors_name_the_layer(call, match):
    """Check that a wrong shape is a ValueError naming the layer (raw torch errors came out)."""
    with pytest.raises(ValueError, match=match):
        call()


def test_loss_on_padding_only_int32_targets_and_float64_logits():
    """Check a batch without a labelled frame (backward() refused the loss), int32 targets
    and float64 logits with class weights (raw torch errors)."""
    loss = SegmentationLoss(class_weight=torch.tensor([1.0, 2.0]))
    logits = torch.randn(2, 1, 2, 5, requires_grad=True)
    total = loss(logits, torch.full((1, 5), -100))
    total.backward()
    assert total.item() == 0.0 and (logits.grad == 0).all()
    target = torch.tensor([[0, 1, 1, 0, 1]])
    expected = loss(logits, target)
    torch.testing.assert_close(loss(logits, target.int()), expected)
    torch.testing.assert_close(loss(logits.double(), target).float(), expected)
    with pytest.raises(ValueError, match="expected integer class indices"):
        loss(logits, target.float())


def test_sensor_graph_values_are_shown_and_copied():
    """Check messages that show the bad weight (they said "Got shape (1,)"), that the arrays
    are copied, and that a string node_modality is refused (it was split into letters)."""
    with pytest.raises(ValueError, match=r"Got -1.0 for edge 0 \(source 'x', target 'y'\)"):
        SensorGraph([[0], [1]], edge_weight=[-1.0], node_names=["x", "y"])
    with pytest.raises(
        ValueError, match=r"^SensorGraph.from_dense: 'adjacency' .* nan at \[0, 1\]"
    ):
        SensorGraph.from_dense([[0, np.nan], [0, 0]], ["x", "y"])
    index, weight = np.array([[0], [1]]), np.array([2.0])
    graph = SensorGraph(index, edge_weight=weight, node_names=["x", "y"])
    index[1, 0], weight[0] = 7, -3.0
    assert graph.edge_index.tolist() == [[0], [1]] and graph.edge_weight.tolist() == [2.0]
    with pytest.raises(TypeError, match="'node_modality' must be a sequence of str"):
        SensorGraph([[0], [1]], node_names=["x", "y"], node_modality="ab")


def test_graph_helpers_name_their_arguments():
    """Check knn_graph's metric (scipy's bare message) and spatial_partitions' numpy int
    center and SensorGraph input (refused)."""
    with pytest.raises(ValueError, match=r"^knn_graph: 'metric' must be a distance"):
        knn_graph(
            np.random.default_rng(0).normal(size=(3, 4)), 1, node_names=list("abc"), metric="nope"
        )
    graph = SensorGraph([[0, 1, 1, 2], [1, 0, 2, 1]], node_names=["a", "b", "c"])
    parts = spatial_partitions(graph, strategy="spatial", center=np.int64(1))
    torch.testing.assert_close(parts, spatial_partitions(graph.to_dense(), "spatial", center=1))
