"""Tests of the segmentation networks."""

import numpy as np
import pytest
import torch

from stgraph_sklearn.nn import (
    AdaptiveAdjacency,
    ConcatNodePool,
    EarlyFusionTCN,
    FixedGraph,
    GraphSegmentationNetwork,
    MaskedGraphConv,
    ModalityEncoder,
    MultiStageTCN,
    PartitionedGraphConv,
    SegmentationLoss,
    SpatioTemporalBlock,
    spatial_partitions,
)

IN = {"acc": 3, "video": 4}
NODES = {"acc": 3, "video": 1}
N = 4
SMALL = {"hidden_channels": 8, "num_stages": 2, "num_layers": 3}
SPATIAL = ["adaptive", "fixed", "partitioned"]
ADJ = np.array([[1, 1, 0, 1], [1, 1, 1, 0], [0, 1, 1, 1], [1, 0, 1, 1]], dtype=float)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def _batch(b=2, t=20, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = {"acc": torch.randn(b, t, 3, 3, generator=g), "video": torch.randn(b, t, 1, 4, generator=g)}
    return x, torch.ones(b, t, N, dtype=torch.bool), torch.ones(b, t, dtype=torch.bool)


def _graph_net(spatial, num_classes=3, in_channels=IN, hidden=8, dropout=0.5, adjacency=ADJ):
    """A small composed graph network: learned graph, fixed graph or ST-GCN partitions."""
    c = hidden // 2
    encoder = ModalityEncoder(in_channels, NODES, c)
    if spatial == "adaptive":
        graph, make = AdaptiveAdjacency(N, prior=adjacency), lambda: MaskedGraphConv(c, c)
    elif spatial == "fixed":
        graph, make = FixedGraph(adjacency), lambda: MaskedGraphConv(c, c)
    else:
        graph = FixedGraph(spatial_partitions(adjacency, "spatial"))
        make = lambda: PartitionedGraphConv(c, c, 3, N)  # noqa: E731
    blocks = [SpatioTemporalBlock(c, make(), 2**i, dropout) for i in range(2)]
    temporal = MultiStageTCN(hidden, hidden, num_classes, 2, 3, dropout, share_refinement=True)
    readout = ConcatNodePool(N, c, hidden)
    return GraphSegmentationNetwork(encoder, blocks, readout, temporal, graph=graph)


@pytest.mark.parametrize("spatial", SPATIAL)
def test_graph_network_shapes(spatial):
    """Check the (S, B, K, T) output of every composition."""
    net = _graph_net(spatial)
    x, node_mask, frame_mask = _batch()
    assert net(x, node_mask, frame_mask).shape == (2, 2, 3, 20)
    assert net(x, None, None).shape == (2, 2, 3, 20)


def test_early_fusion_shapes_and_mask_channels():
    """Check EarlyFusionTCN's output and that a missing sensor differs from a zero reading."""
    net = EarlyFusionTCN(IN, NODES, 3, **SMALL).eval()
    x, node_mask, frame_mask = _batch()
    x["acc"][:, :, 1] = 0
    out = net(x, node_mask, frame_mask)
    assert out.shape == (2, 2, 3, 20)
    node_mask[:, :, 1] = False
    assert not torch.allclose(net(x, node_mask, frame_mask), out)


@pytest.mark.parametrize("spatial", [*SPATIAL, "early"])
def test_missing_sensor_features_are_ignored(spatial):
    """Check that a missing sensor's values (even NaN) cannot change the output."""
    torch.manual_seed(0)
    net = (
        EarlyFusionTCN(IN, NODES, 3, **SMALL) if spatial == "early" else _graph_net(spatial)
    ).eval()
    x, node_mask, frame_mask = _batch()
    node_mask[0, 5:9, 1] = False
    node_mask[1, :, 3] = False
    with torch.no_grad():
        out = net(x, node_mask, frame_mask)
        x["acc"][0, 5:9, 1] = float("nan")
        x["video"][1] = 100.0
        out2 = net(x, node_mask, frame_mask)
    torch.testing.assert_close(out, out2)


@pytest.mark.parametrize("spatial", [*SPATIAL, "early"])
def test_padding_invariance(spatial):
    """Check that valid frames of a padded batch equal each recording alone (eval mode)."""
    torch.manual_seed(0)
    net = (
        EarlyFusionTCN(IN, NODES, 3, **SMALL) if spatial == "early" else _graph_net(spatial)
    ).eval()
    x, node_mask, frame_mask = _batch(b=2, t=30)
    node_mask[1, 3:6, 0] = False
    frame_mask[0, 17:] = False
    x["acc"][0, 17:] = 50.0  # garbage in the padding must not leak either
    with torch.no_grad():
        out = net(x, node_mask, frame_mask)
        short = net({k: v[:1, :17] for k, v in x.items()}, node_mask[:1, :17], None)
        long = net({k: v[1:] for k, v in x.items()}, node_mask[1:], None)
    torch.testing.assert_close(out[:, :1, :, :17], short, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(out[:, 1:], long, atol=1e-5, rtol=1e-4)
    assert torch.all(out[:, 0, :, 17:] == 0)


def test_adjacency_is_exposed_and_row_stochastic():
    """Check adjacency() for every graph module: (N, N), detached, rows sum to one."""
    for spatial in SPATIAL:
        adj = _graph_net(spatial).adjacency()
        assert adj.shape == (N, N) and not adj.requires_grad
        torch.testing.assert_close(adj.sum(dim=1), torch.ones(N))
    learned = _graph_net("adaptive", adjacency=None).adjacency()
    torch.testing.assert_close(learned.sum(dim=1), torch.ones(N))
    net = _graph_net("fixed")
    net.graph = None
    assert net.adjacency() is None


def test_invalid_arguments():
    """Check the constructor errors and the mask check of forward."""
    net = _graph_net("adaptive")
    with pytest.raises(TypeError, match="'readout' parameter of GraphSegmentationNetwork"):
        GraphSegmentationNetwork(net.encoder, net.blocks, "concat", net.temporal)
    with pytest.raises(TypeError, match=r"'blocks\[0\]' parameter"):
        GraphSegmentationNetwork(net.encoder, ["dense"], net.readout, net.temporal)
    with pytest.raises(ValueError, match="graph"):
        FixedGraph(np.ones((3, 2)))
    x, node_mask, _ = _batch()
    with pytest.raises(ValueError, match="node_mask"):
        net(x, node_mask[..., :2], None)


def test_reset_parameters_and_determinism():
    """Check that seeding reproduces a network and reset_parameters redraws it."""
    torch.manual_seed(1)
    a = _graph_net("adaptive")
    torch.manual_seed(1)
    b = _graph_net("adaptive")
    x, node_mask, frame_mask = _batch()
    a.eval(), b.eval()
    torch.testing.assert_close(a(x, node_mask, frame_mask), b(x, node_mask, frame_mask))
    before = [p.detach().clone() for p in a.parameters()]
    a.reset_parameters()
    changed = [not torch.equal(p0, p1) for p0, p1 in zip(before, a.parameters(), strict=True)]
    assert sum(changed) > 0.8 * len(changed)  # all but zero-initialised ones


@pytest.mark.parametrize("model", ["graph", "early"])
def test_tiny_model_overfits_toy_sequence(model):
    """Check that a tiny network fits a 2-class toy sequence within 100 steps."""
    torch.manual_seed(0)
    t = 48
    y = (torch.arange(t) // 12 % 2).unsqueeze(0)
    x = {
        "acc": torch.randn(1, t, 3, 3) * 0.3 + y[..., None, None],
        "video": torch.randn(1, t, 1, 4),
    }
    kwargs = {"hidden_channels": 8, "num_stages": 2, "num_layers": 3, "dropout": 0.0}
    if model == "graph":
        net = _graph_net("adaptive", num_classes=2, dropout=0.0, adjacency=None)
    else:
        net = EarlyFusionTCN({"acc": 3, "video": 4}, NODES, 2, **kwargs)
    loss_fn = SegmentationLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(80):
        optimizer.zero_grad()
        loss = loss_fn(net(x, None, None), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # The smoothing term keeps a floor at the three label boundaries: a drop of ~5x is a fit.
    assert losses[-1] < 0.3 * losses[0]
    accuracy = (net(x, None, None)[-1].argmax(dim=1) == y).float().mean()
    assert accuracy > 0.95


def test_sensor_dropout_acts_in_training_only():
    """The network's sensor_dropout changes the training forward pass, never eval's."""
    from stgraph_sklearn.nn import SensorDropout

    torch.manual_seed(0)
    net = _graph_net("adaptive", dropout=0.0)
    torch.manual_seed(0)
    with_sd = _graph_net("adaptive", dropout=0.0)
    with_sd.sensor_dropout = SensorDropout(p=1.0)
    x, node_mask, frame_mask = _batch()
    net.eval(), with_sd.eval()
    torch.testing.assert_close(with_sd(x, node_mask, frame_mask), net(x, node_mask, frame_mask))
    net.train(), with_sd.train()
    assert not torch.allclose(with_sd(x, node_mask, frame_mask), net(x, node_mask, frame_mask))
    with pytest.raises(TypeError, match="'sensor_dropout' parameter"):
        GraphSegmentationNetwork(
            net.encoder, [], net.readout, net.temporal, sensor_dropout=lambda m, f: m
        )


def _parts(graph_nodes=4, block_channels=4, pool_nodes=4, pool_channels=4):
    return dict(
        encoder=ModalityEncoder({"acc": 3}, {"acc": 4}, hidden_channels=4),
        graph=AdaptiveAdjacency(graph_nodes),
        blocks=[
            SpatioTemporalBlock(block_channels, MaskedGraphConv(block_channels, block_channels))
        ],
        readout=ConcatNodePool(pool_nodes, pool_channels, 8),
        temporal=MultiStageTCN(8, 8, num_classes=3, num_stages=1, num_layers=2, dropout=0.0),
    )


@pytest.mark.parametrize(
    "sizes, match",
    [
        (
            {"graph_nodes": 5},
            "'graph' .* encoder's 4 nodes. Got AdaptiveAdjacency with num_nodes=5",
        ),
        (
            {"block_channels": 6},
            "'blocks\\[0\\]' .* 4 channels. Got SpatioTemporalBlock with channels=6",
        ),
        ({"pool_nodes": 5}, "'readout' .* 4 nodes. Got ConcatNodePool with num_nodes=5"),
        ({"pool_channels": 6}, "'readout' .* 4 channels. Got ConcatNodePool with channels=6"),
    ],
)
def test_graph_network_checks_the_sizes_of_its_parts(sizes, match):
    """Check parts of mismatched sizes raise when composed, naming the part (they failed in
    forward with a matmul or einsum error from inside torch)."""
    with pytest.raises(ValueError, match="The " + match):
        GraphSegmentationNetwork(**_parts(**sizes))
