"""Tests of the spatial operators: adjacency helpers, graph modules, graph convolutions, read-out."""

import numpy as np
import pytest
import torch

from stgraph_sklearn.nn import (
    AdaptiveAdjacency,
    ConcatNodePool,
    FixedGraph,
    MaskedGraphConv,
    NodeTemporalConv,
    PartitionedGraphConv,
    SpatioTemporalBlock,
    masked_adjacency,
    spatial_partitions,
)

N = 4


def _mask(b=2, t=3):
    mask = torch.ones(b, t, N, dtype=torch.bool)
    mask[0, 1, 2] = False
    mask[1, :, 0] = False
    return mask


def _check_missing_node_has_no_influence(op):
    """Perturb a missing node's input; present nodes' outputs must not change."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, N, 5)
    mask = _mask()
    out = op(x, mask)
    x2 = x.clone()
    x2[0, 1, 2] += 10 * torch.randn(5)
    x2[1, :, 0] += 10 * torch.randn(3, 5)
    out2 = op(x2, mask)
    torch.testing.assert_close(out, out2)
    assert torch.all(out[0, 1, 2] == 0) and torch.all(out[1, :, 0] == 0)


def test_masked_adjacency_rows_and_isolated_nodes():
    """Check that missing nodes lose their edges, rows renormalise, isolated nodes keep self."""
    adj = torch.tensor([[0.0, 2, 1, 0], [2, 0, 0, 0], [1, 0, 0, 1], [0, 0, 1, 0]])
    mask = torch.tensor([[[True, True, False, True]]])
    out = masked_adjacency(adj, mask)[0, 0]
    assert out.shape == (N, N)
    torch.testing.assert_close(out.sum(dim=1), torch.ones(N))
    torch.testing.assert_close(out[0], torch.tensor([0.0, 1, 0, 0]))
    assert torch.all(out[:, 2][[0, 1, 3]] == 0)
    torch.testing.assert_close(out[3], torch.tensor([0.0, 0, 0, 1]))  # neighbour gone: self
    torch.testing.assert_close(masked_adjacency(adj)[0], torch.tensor([0.0, 2 / 3, 1 / 3, 0]))
    per_frame = masked_adjacency(adj.expand(2, 3, N, N), _mask())
    assert per_frame.shape == (2, 3, N, N)


def test_masked_graph_conv():
    """Check MaskedGraphConv's shape, masking and reset."""
    conv = MaskedGraphConv(5, 6)
    adj = torch.rand(N, N)
    assert conv(torch.randn(2, 3, N, 5), adj).shape == (2, 3, N, 6)
    _check_missing_node_has_no_influence(lambda x, m: conv(x, adj, m))
    before = conv.lin_rel.weight.detach().clone()
    conv.reset_parameters()
    assert not torch.equal(before, conv.lin_rel.weight)


@pytest.mark.parametrize("strategy, k", [("uniform", 1), ("distance", 2), ("spatial", 3)])
def test_spatial_partitions(strategy, k):
    """Check partition shapes and that the partitions sum to a row-stochastic matrix."""
    path = np.diag(np.ones(N - 1), 1) + np.diag(np.ones(N - 1), -1)
    parts = spatial_partitions(path, strategy=strategy)
    assert parts.shape == (k, N, N) and parts.dtype == torch.float32
    torch.testing.assert_close(parts.sum(dim=(0, 2)), torch.ones(N))
    assert torch.all(parts >= 0)


def test_spatial_partition_groups():
    """Check the distance split and ST-GCN's root / centripetal / centrifugal split."""
    path = np.diag(np.ones(N - 1), 1) + np.diag(np.ones(N - 1), -1)  # 0 - 1 - 2 - 3
    self_part, neigh = spatial_partitions(path, strategy="distance")
    assert torch.equal(self_part, torch.diag(torch.diagonal(self_part)))
    assert torch.all(torch.diagonal(neigh) == 0)
    root, centripetal, centrifugal = spatial_partitions(path, strategy="spatial", center=0)
    assert centripetal[2, 1] > 0 and centrifugal[2, 3] > 0 and root[2, 2] > 0
    assert centripetal[2, 3] == 0 and centrifugal[2, 1] == 0


@pytest.mark.parametrize("center", [None, 2])
def test_spatial_partitions_split_every_connected_component(center):
    """Check that a sensor without edges does not change how the rest is split: the centre
    was node 0 whatever its component, so every node it could not reach went to the root
    partition (a dead sensor at index 0 turned a path's split into no split)."""
    path = [("b", "c"), ("c", "d"), ("d", "e")]
    from stgraph_sklearn.graph import from_edges

    alone = spatial_partitions(from_edges(path, list("bcde")), "spatial", center)
    with_dead = spatial_partitions(
        from_edges(path, list("abcde")), "spatial", center and center + 1
    )
    torch.testing.assert_close(with_dead[:, 1:, 1:], alone, rtol=0, atol=0)
    assert with_dead[1:].sum() > 0
    line = np.diag(np.ones(4), 1)  # connected: one centre, the middle node
    torch.testing.assert_close(
        spatial_partitions(line, "spatial"), spatial_partitions(line, "spatial", 2), rtol=0, atol=0
    )


def test_spatial_partitions_invalid():
    """Check the errors of spatial_partitions."""
    with pytest.raises(ValueError, match="strategy"):
        spatial_partitions(np.eye(3), strategy="skeleton")
    with pytest.raises(ValueError, match="shape"):
        spatial_partitions(np.ones((3, 2)))
    with pytest.raises(ValueError, match="non-negative"):
        spatial_partitions(-np.ones((3, 3)))
    with pytest.raises(ValueError, match="center"):
        spatial_partitions(np.ones((3, 3)), strategy="spatial", center=5)


def test_partitioned_graph_conv():
    """Check PartitionedGraphConv's shape, masking and edge importance."""
    parts = spatial_partitions(np.ones((N, N)), strategy="distance")
    conv = PartitionedGraphConv(5, 6, num_partitions=2, num_nodes=N)
    assert torch.equal(conv.edge_importance, torch.ones(2, N, N))
    x = torch.randn(2, 3, N, 5)
    out = conv(x, parts)
    assert out.shape == (2, 3, N, 6)
    full_mask = torch.ones(2, 3, N, dtype=torch.bool)
    torch.testing.assert_close(conv(x, parts, full_mask), out)
    _check_missing_node_has_no_influence(lambda x, m: conv(x, parts, m))
    conv(x, parts, _mask()).sum().backward()
    assert conv.edge_importance.grad is not None
    plain = PartitionedGraphConv(5, 6, num_partitions=2, num_nodes=N, edge_importance=False)
    assert plain.edge_importance is None and plain(x, parts).shape == (2, 3, N, 6)
    with pytest.raises(ValueError, match="partitions"):
        conv(x, parts[:1])


def test_adaptive_adjacency_rows_sum_to_one():
    """Check that the learned adjacency is row-stochastic and trainable."""
    graph = AdaptiveAdjacency(N, embedding_dim=3)
    adj = graph()
    assert adj.shape == (N, N) and torch.all(adj >= 0)
    torch.testing.assert_close(adj.sum(dim=1), torch.ones(N))
    adj[0, 1].backward()
    assert graph.source_emb.grad is not None and graph.mix is None
    before = graph.source_emb.detach().clone()
    graph.reset_parameters()
    assert not torch.equal(before, graph.source_emb)


def test_adaptive_adjacency_with_prior():
    """Check the mix with a prior: alpha starts at 0.5, learnable or fixed."""
    prior = torch.rand(N, N)
    graph = AdaptiveAdjacency(N, embedding_dim=3, prior=prior)
    assert graph.mix == pytest.approx(0.5)
    adaptive = torch.softmax(torch.relu(graph.target_emb @ graph.source_emb.T), dim=1)
    expected = 0.5 * prior / prior.sum(1, keepdim=True) + 0.5 * adaptive
    torch.testing.assert_close(graph(), expected)
    torch.testing.assert_close(graph().sum(dim=1), torch.ones(N))
    assert "mix_logit" in dict(graph.named_parameters())
    fixed = AdaptiveAdjacency(N, prior=prior, learn_mix=False)
    assert "mix_logit" not in dict(fixed.named_parameters())
    with pytest.raises(ValueError, match="prior"):
        AdaptiveAdjacency(N, prior=torch.ones(N + 1, N))


def test_fixed_graph():
    """Check FixedGraph: returns the graph as given, adjacency() is row-stochastic, bad input raises."""
    adj = torch.tensor([[0.0, 2, 0], [1, 0, 1], [0, 0, 0]])
    graph = FixedGraph(adj)
    assert torch.equal(graph(), adj) and "graph" in dict(graph.named_buffers())
    expected = torch.tensor([[0.0, 1, 0], [0.5, 0, 0.5], [0, 0, 1]])  # a zero row keeps itself
    torch.testing.assert_close(graph.adjacency(), expected)
    parts = spatial_partitions(adj.numpy(), strategy="spatial")
    torch.testing.assert_close(FixedGraph(parts).adjacency(), parts.sum(0))
    assert FixedGraph(adj.tolist())().shape == (3, 3)
    with pytest.raises(ValueError, match="'graph' parameter of FixedGraph"):
        FixedGraph(torch.ones(3, 2))
    with pytest.raises(ValueError, match="non-negative"):
        FixedGraph(-torch.ones(2, 3, 3))


def test_spatiotemporal_block_composes_the_given_operator():
    """Check the block runs the spatial operator it is given, and rejects a non-module."""
    torch.manual_seed(0)
    parts = spatial_partitions(np.ones((N, N)), strategy="distance")
    block = SpatioTemporalBlock(5, PartitionedGraphConv(5, 5, 2, N), dilation=2)
    assert isinstance(block.spatial, PartitionedGraphConv)
    assert block(torch.randn(2, 7, N, 5), parts, None).shape == (2, 7, N, 5)
    _check_missing_node_has_no_influence(lambda x, m: block(x, parts, m))
    with pytest.raises(TypeError, match="'spatial' parameter of SpatioTemporalBlock"):
        SpatioTemporalBlock(5, "partitioned")


def test_concat_node_pool_keeps_node_identity_and_ignores_missing_nodes():
    """Concatenation pooling: per-node weights, missing nodes have no influence, mask is seen."""
    torch.manual_seed(0)
    pool = ConcatNodePool(N, 5, 7)
    mask = _mask()
    mask[0, 0] = False
    x = torch.randn(2, 3, N, 5)
    out = pool(x, mask)
    assert out.shape == (2, 3, 7)
    # Swapping two nodes' features changes the output (unlike a mean or attention average).
    swapped = x[:, :, [1, 0, 2, 3]]
    full = torch.ones(2, 3, N, dtype=torch.bool)
    assert not torch.allclose(pool(swapped, full), pool(x, full))
    # Values of missing nodes, even NaN, have no influence.
    x2 = x.clone()
    x2[~mask] = float("nan")
    torch.testing.assert_close(pool(x2, mask), out)
    # Which nodes are present is visible to the read-out (a missing node is not just zeros).
    zeros = torch.zeros(1, 1, N, 5)
    present = torch.ones(1, 1, N, dtype=torch.bool)
    absent = present.clone()
    absent[..., 0] = False
    assert not torch.allclose(pool(zeros, present), pool(zeros, absent))
    torch.testing.assert_close(pool(x, None), pool(x, full))
    with pytest.raises(ValueError, match=f"ConcatNodePool: expected x with {N} nodes"):
        pool(torch.randn(1, 2, N + 1, 5))


def test_masked_graph_conv_fixed_graph_matches_per_frame_graph():
    """The fast (N, N) path equals the same graph given per frame, (B, T, N, N)."""
    torch.manual_seed(1)
    conv = MaskedGraphConv(5, 6)
    adj = torch.rand(N, N)
    x = torch.randn(2, 3, N, 5)
    torch.testing.assert_close(conv(x, adj), conv(x, adj.expand(2, 3, N, N)))


@pytest.mark.parametrize(("t", "dilation"), [(17, 2), (3, 4), (1, 1)])
def test_node_temporal_conv_equals_the_two_conv1d(t, dilation):
    """NodeTemporalConv computes depthwise + pointwise Conv1d on the (B * N, C, T) view exactly."""
    torch.manual_seed(2)
    conv = NodeTemporalConv(6, dilation=dilation)
    h = torch.randn(2, t, N, 6, requires_grad=True)
    fast = conv(h)
    view = h.permute(0, 2, 3, 1).reshape(2 * N, 6, t)
    d = dilation
    slow = torch.nn.functional.conv1d(
        view, conv.weight.unsqueeze(1), conv.bias, padding=d, dilation=d, groups=6
    )
    slow = torch.nn.functional.conv1d(
        slow, conv.pointwise.weight.unsqueeze(-1), conv.pointwise.bias
    )
    slow = slow.reshape(2, N, 6, t).permute(0, 3, 1, 2)
    torch.testing.assert_close(fast, slow)
    grad = torch.randn_like(fast)
    (g_fast,) = torch.autograd.grad(fast, h, grad)
    (g_slow,) = torch.autograd.grad(slow, h, grad)
    torch.testing.assert_close(g_fast, g_slow)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize(("b", "t", "dilation"), [(1, 40, 1), (2, 17, 4), (1, 3, 8)])
def test_node_temporal_conv_backward_is_autograds_to_the_bit(causal, b, t, dilation):
    """The hand-written backward of the depthwise taps gives the gradients autograd gives for
    the same multiply-adds, bit for bit (seeded training runs do not change), and passes
    gradcheck; lengths below the dilation included."""
    from stgraph_sklearn.nn._spatiotemporal_block import _DepthwiseTaps, _tap_sum

    torch.manual_seed(4)
    conv = NodeTemporalConv(6, dilation=dilation, causal=causal)
    d = dilation
    x = torch.randn(b, t, N, 6, requires_grad=True)
    grad = torch.randn(b, t, N, 6)

    def padded(x):
        left, right = (2 * d, 0) if causal else (d, d)
        return torch.nn.functional.pad(x, (0, 0, 0, 0, left, right))

    params = (x, conv.weight, conv.bias)
    fast = torch.autograd.grad(conv(x), params, grad)
    h = padded(x)
    taps = [h.narrow(1, k * d, t) for k in (2, 1, 0)][::-1]  # built newest first
    plain = conv.pointwise(_tap_sum(*taps, conv.weight.t(), conv.bias))
    for got, want in zip(fast, torch.autograd.grad(plain, params, grad), strict=True):
        assert torch.equal(got, want)
    double = [p.detach().double().requires_grad_() for p in params]
    assert torch.autograd.gradcheck(
        lambda x, w, c: _DepthwiseTaps.apply(padded(x), w, c, d), double
    )


def test_node_temporal_conv_initialises_as_conv1d():
    """Same parameter count and initial values as the two Conv1d it computes, under one seed."""
    torch.manual_seed(5)
    conv = NodeTemporalConv(6, dilation=2)
    torch.manual_seed(5)
    depthwise = torch.nn.Conv1d(6, 6, 3, padding=2, dilation=2, groups=6)
    pointwise = torch.nn.Conv1d(6, 6, 1)
    torch.testing.assert_close(conv.weight, depthwise.weight[:, 0])
    torch.testing.assert_close(conv.bias, depthwise.bias)
    torch.testing.assert_close(conv.pointwise.weight, pointwise.weight[..., 0])
    n_conv = sum(p.numel() for m in (depthwise, pointwise) for p in m.parameters())
    assert sum(p.numel() for p in conv.parameters()) == n_conv


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("op", ["masked", "partitioned"])
def test_sparse_path_equals_dense_path(op, masked):
    """The edge-list (PyG message passing) path gives the dense path's outputs and gradients,
    a node with no edge included, with and without missing nodes."""
    torch.manual_seed(3)
    adj = (torch.rand(N + 2, N + 2) > 0.5).float() * torch.rand(N + 2, N + 2)
    adj[1] = 0.0  # no in-edge: keeps itself
    if op == "masked":
        conv, graph = MaskedGraphConv(5, 6), adj
    else:
        graph = spatial_partitions(adj, "spatial")
        conv = PartitionedGraphConv(5, 6, 3, N + 2)
        with torch.no_grad():
            conv.edge_importance.uniform_(0.5, 1.5)
    x = torch.randn(2, 3, N + 2, 5, requires_grad=True)
    mask = (
        torch.rand(2, 3, N + 2, generator=torch.Generator().manual_seed(0)) > 0.3
        if masked
        else None
    )
    dense = conv(x, FixedGraph(graph, sparse=False)(), mask)
    edges = FixedGraph(graph, sparse=True)()
    assert edges.edge_index.shape[0] == 2 and edges.dense is not None
    sparse = conv(x, edges._replace(dense=None), mask)
    torch.testing.assert_close(sparse, dense)
    grad = torch.randn_like(dense)
    torch.testing.assert_close(
        torch.autograd.grad(sparse, x, grad)[0], torch.autograd.grad(dense, x, grad)[0]
    )
    torch.testing.assert_close(conv(x, edges, mask), dense)  # with the dense copy too


def test_fixed_graph_chooses_sparse_by_size_and_density():
    """Check FixedGraph's automatic choice follows min_sparse_nodes and max_sparse_density."""
    n = FixedGraph.min_sparse_nodes
    ring = torch.eye(n) + torch.roll(torch.eye(n), 1, dims=1)
    assert FixedGraph(ring).sparse and not FixedGraph(ring[:-1, :-1]).sparse
    assert not FixedGraph(torch.ones(n, n)).sparse
    assert FixedGraph.max_sparse_density * n * n >= 2 * n
    graph = FixedGraph(ring)
    assert set(dict(graph.state_dict())) == {"graph"}  # both forms share one state dict
    with pytest.raises(ValueError, match="'sparse' parameter of FixedGraph"):
        FixedGraph(ring, sparse="yes")


def test_masked_graph_conv_shared_graph_matches_per_frame_masked_graph():
    """With missing nodes, the (N, N) path equals masked_adjacency per frame, even when the
    missing nodes' features are not zero and a node has no present neighbour."""
    torch.manual_seed(2)
    conv = MaskedGraphConv(5, 6)
    adj = torch.rand(N, N)
    adj[0, 1:] = 0.0  # node 0 only hears itself: isolated once it is the only one present
    x = torch.randn(2, 7, N, 5)
    mask = torch.rand(2, 7, N) > 0.4
    mask[0, 0] = torch.tensor([True, False, False, False])
    slow = torch.matmul(masked_adjacency(adj, mask), conv.lin_rel(x * mask[..., None]))
    slow = (slow + conv.lin_root(x)) * mask[..., None]
    torch.testing.assert_close(conv(x, adj, mask), slow)
    torch.testing.assert_close(conv(x, adj, mask), conv(x, adj.expand(2, 7, N, N), mask))


@pytest.mark.parametrize("sizes", [(6, 4), (4, 6)])
def test_spatiotemporal_block_checks_the_spatial_operator_width(sizes):
    """Check a spatial operator that does not map channels to channels raises when the block
    is built (it failed in forward, inside torch)."""
    from stgraph_sklearn.nn import MaskedGraphConv, SpatioTemporalBlock

    match = (
        r"The 'spatial' parameter of SpatioTemporalBlock must map channels=4 to 4 channels .*"
        rf"Got MaskedGraphConv with in_channels={sizes[0]}, out_channels={sizes[1]}"
    )
    with pytest.raises(ValueError, match=match):
        SpatioTemporalBlock(4, MaskedGraphConv(*sizes))
