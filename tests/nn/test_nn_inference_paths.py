"""The inference paths (autograd off) compute what the training paths compute.

Under ``torch.no_grad()`` / ``torch.inference_mode()`` some layers take faster routes (matrix
products instead of oneDNN convolutions, in-place sums into their own new tensors). Turning
autograd on while no parameter requires a gradient runs the training route without recording
anything, so the two can be compared on the same module and input.
"""

import numpy as np
import pytest
import torch

from stgraph_sklearn.nn import (
    AdaptiveAdjacency,
    ConcatNodePool,
    DilatedResidualLayer,
    EarlyFusionTCN,
    FixedGraph,
    GraphSegmentationNetwork,
    MaskedGraphConv,
    ModalityEncoder,
    MultiStageTCN,
    NodeTemporalConv,
    PartitionedGraphConv,
    SpatioTemporalBlock,
    spatial_partitions,
)

N = 4
ADJ = np.array([[1, 1, 0, 1], [1, 1, 1, 0], [0, 1, 1, 1], [1, 0, 1, 1]], dtype=float)


def _both_routes(module, *args):
    """``module(*args)`` with autograd on (the training route) and off (the inference route)."""
    module.requires_grad_(False)
    inputs = [t for a in args for t in (a.values() if isinstance(a, dict) else [a])]
    inputs = [t for t in inputs if torch.is_tensor(t)]
    before = [t.clone() for t in inputs]
    with torch.enable_grad():
        slow = module(*args)
    with torch.no_grad():
        fast = module(*args)
    with torch.inference_mode():
        inference = module(*args)
    for t, b in zip(inputs, before, strict=True):  # the in-place sums never touch an input
        assert torch.equal(t, b)
    return slow, fast, inference


def _assert_same(slow, fast, inference):
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(inference, fast, atol=0, rtol=0)


@pytest.mark.parametrize(("b", "t", "dilation"), [(1, 40, 1), (1, 5, 8), (2, 33, 2), (1, 1, 1)])
def test_node_temporal_conv(b, t, dilation):
    """The grouped convolution equals the three multiply-adds, for lengths below the
    dilation too."""
    torch.manual_seed(0)
    conv = NodeTemporalConv(6, dilation=dilation)
    _assert_same(*_both_routes(conv, torch.randn(b, t, N, 6)))


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("per_frame", [False, True])
def test_masked_graph_conv(masked, per_frame):
    """The shared and the per-frame adjacency, with and without missing nodes."""
    torch.manual_seed(1)
    conv = MaskedGraphConv(5, 6)
    x = torch.randn(2, 7, N, 5)
    adj = torch.rand(N, N)
    if per_frame:
        adj = adj.expand(2, 7, N, N)
    mask = torch.rand(2, 7, N, generator=torch.Generator().manual_seed(0)) > 0.3
    _assert_same(*_both_routes(conv, x, adj, mask if masked else None))


@pytest.mark.parametrize("masked", [False, True])
def test_spatiotemporal_block_keeps_dropout_in_training_mode(masked):
    """In eval mode the routes agree; in training mode without autograd dropout still acts."""
    torch.manual_seed(2)
    block = SpatioTemporalBlock(6, MaskedGraphConv(6, 6), dilation=2, dropout=0.5).eval()
    x = torch.randn(2, 9, N, 6)
    mask = torch.rand(2, 9, N, generator=torch.Generator().manual_seed(1)) > 0.3
    mask = mask if masked else None
    _assert_same(*_both_routes(block, x, torch.rand(N, N), mask))
    block.train()
    with torch.no_grad():
        first, second = block(x, torch.rand(N, N), mask), block(x, torch.rand(N, N), mask)
    assert not torch.equal(first, second)


def test_spatiotemporal_block_does_not_write_into_the_spatial_output():
    """A spatial operator may return its input (here the identity): the block's in-place
    sums must not change it."""

    class Identity(torch.nn.Module):
        def forward(self, x, graph, mask):
            return x

        def reset_parameters(self):
            pass

    block = SpatioTemporalBlock(6, Identity(), dilation=1).eval()
    _assert_same(*_both_routes(block, torch.randn(1, 12, N, 6), None, None))


@pytest.mark.parametrize(("t", "dilation"), [(50, 1), (6, 16), (1, 4)])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("causal", [False, True])
def test_dilated_residual_layer(t, dilation, padded, causal):
    """The three matrix products of one sequence equal the dilated convolution, centred or
    causal (left-padded)."""
    torch.manual_seed(3)
    layer = DilatedResidualLayer(8, dilation, dropout=0.5, causal=causal).eval()
    mask = torch.ones(1, t, dtype=torch.bool)
    if padded:
        mask[0, t // 2 + 1 :] = False
    _assert_same(*_both_routes(layer, torch.randn(1, 8, t), mask))


@pytest.mark.parametrize(
    "swap",
    [
        lambda c, d: torch.nn.Conv1d(c, c, 3, padding=d, dilation=d, groups=c),
        lambda c, d: torch.nn.Sequential(
            torch.nn.Conv1d(c, c, 3, padding=d, dilation=d, groups=c), torch.nn.Conv1d(c, c, 1)
        ),
        lambda c, d: torch.nn.Conv1d(c, c, 3, padding=d, dilation=d, padding_mode="replicate"),
    ],
)
def test_dilated_residual_layer_with_a_swapped_convolution(swap):
    """A convolution swapped for another module (grouped, a sequence, other padding) is
    computed by the module itself in both routes."""
    torch.manual_seed(6)
    layer = DilatedResidualLayer(8, 2, dropout=0.5).eval()
    layer.conv_dilated = swap(8, 2)
    _assert_same(*_both_routes(layer, torch.randn(1, 8, 20), None))


@pytest.mark.parametrize("b", [1, 3])
def test_multi_stage_tcn_on_a_transposed_input(b):
    """The 1x1 input projection reads a transposed (non-contiguous) input as given."""
    torch.manual_seed(4)
    tcn = MultiStageTCN(6, 8, 5, num_stages=3, num_layers=4, dropout=0.5).eval()
    x = torch.randn(b, 30, 6).transpose(1, 2)
    mask = torch.ones(b, 30, dtype=torch.bool)
    mask[-1, 20:] = False
    _assert_same(*_both_routes(tcn, x, mask))


@pytest.mark.parametrize("spatial", ["adaptive", "partitioned", "early"])
@pytest.mark.parametrize("b", [1, 2])
def test_whole_networks(spatial, b):
    """The composed networks and the early-fusion baseline, missing sensors and padding
    included: the same logits, hence the same labels."""
    torch.manual_seed(5)
    in_channels, nodes = {"acc": 3, "video": 4}, {"acc": 3, "video": 1}
    if spatial == "early":
        net = EarlyFusionTCN(in_channels, nodes, 4, hidden_channels=8, num_stages=2, num_layers=5)
    else:
        if spatial == "adaptive":
            graph, make = AdaptiveAdjacency(N, prior=ADJ), lambda: MaskedGraphConv(4, 4)
        else:
            graph = FixedGraph(spatial_partitions(ADJ, "spatial"))
            make = lambda: PartitionedGraphConv(4, 4, 3, N)  # noqa: E731
        net = GraphSegmentationNetwork(
            ModalityEncoder(in_channels, nodes, 4),
            [SpatioTemporalBlock(4, make(), 2**i, 0.5) for i in range(2)],
            ConcatNodePool(N, 4, 8),
            MultiStageTCN(8, 8, 4, 2, 5, 0.5, share_refinement=True),
            graph=graph,
        )
    net.eval()
    g = torch.Generator().manual_seed(0)
    x = {
        "acc": torch.randn(b, 70, 3, 3, generator=g),
        "video": torch.randn(b, 70, 1, 4, generator=g),
    }
    node_mask = torch.rand(b, 70, N, generator=g) > 0.2
    frame_mask = torch.ones(b, 70, dtype=torch.bool)
    frame_mask[-1, 60:] = False
    slow, fast, inference = _both_routes(net, x, node_mask, frame_mask)
    _assert_same(slow, fast, inference)
    assert torch.equal(slow.argmax(2), fast.argmax(2))
