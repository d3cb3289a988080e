"""Tests of the causal models: no output depends on frames after t + lookahead."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
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
    SpatioTemporalBlock,
    TemporalStreamer,
    receptive_field,
    spatial_partitions,
)

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 2, "random_state": 0}


def _graph_network(graph, spatial, share_refinement=True):
    return GraphSegmentationNetwork(
        encoder=ModalityEncoder({"a": 3, "b": 2}, {"a": 3, "b": 1}, hidden_channels=4),
        graph=graph,
        blocks=[SpatioTemporalBlock(4, spatial(), dilation=d, causal=True) for d in (1, 2)],
        readout=ConcatNodePool(4, 4, 8),
        temporal=MultiStageTCN(
            8,
            8,
            3,
            num_stages=3,
            num_layers=3,
            dropout=0.5,
            share_refinement=share_refinement,
            causal=True,
        ),
    )


def _networks():
    parts = spatial_partitions(torch.ones(4, 4), strategy="distance")
    return [
        _graph_network(AdaptiveAdjacency(4), lambda: MaskedGraphConv(4, 4)),
        _graph_network(AdaptiveAdjacency(4), lambda: MaskedGraphConv(4, 4), False),
        _graph_network(FixedGraph(parts), lambda: PartitionedGraphConv(4, 4, len(parts), 4)),
        EarlyFusionTCN(
            {"a": 3, "b": 2},
            {"a": 3, "b": 1},
            3,
            hidden_channels=8,
            num_stages=3,
            num_layers=3,
            causal=True,
        ),
    ]


@pytest.mark.parametrize("net", _networks(), ids=lambda n: type(n).__name__)
def test_causal_network_ignores_the_future_and_streams_exactly(net):
    """Check that outputs up to t are bit-identical when frames after t change, and that
    chunk-by-chunk streaming reproduces the offline outputs."""
    torch.manual_seed(0)
    net.eval()
    x = {"a": torch.randn(1, 70, 3, 3), "b": torch.randn(1, 70, 1, 2)}
    mask = torch.rand(1, 70, 4) > 0.2
    out = net(x, mask, None)
    for t in (0, 33, 68):
        y = {k: v.clone() for k, v in x.items()}
        for v in y.values():
            v[:, t + 1 :] = torch.randn_like(v[:, t + 1 :])
        m = mask.clone()
        m[:, t + 1 :] = torch.rand_like(m[:, t + 1 :], dtype=torch.float) > 0.5
        out2 = net(y, m, None)
        assert torch.equal(out[..., : t + 1], out2[..., : t + 1])
        assert not torch.equal(out[..., t + 1 :], out2[..., t + 1 :])
    streamer = TemporalStreamer(net)
    parts, a = [], 0
    for c in (1, 9, 2, 30, 28):
        parts.append(streamer.step({k: v[:, a : a + c] for k, v in x.items()}, mask[:, a : a + c]))
        a += c
    torch.testing.assert_close(torch.cat(parts, dim=-1), out, atol=1e-5, rtol=1e-5)


def _assert_streams_exactly(tcn, x, sizes):
    """Stream ``x`` (1, C, T) through ``tcn`` in chunks of ``sizes`` frames; check the
    concatenated outputs equal the offline forward, and return the streamer."""
    streamer = TemporalStreamer(tcn)
    parts, a = [], 0
    for c in sizes:
        parts.append(streamer.step(x[:, :, a : a + c]))
        a += c
    torch.testing.assert_close(torch.cat(parts, dim=-1), tcn(x), atol=1e-5, rtol=1e-5)
    return streamer


def test_streamer_context_buffers_move_and_grow_exactly():
    """Check a long stream whose per-layer context buffers fill up many times (moved in
    place) and get a chunk larger than they hold (grown) still equals the offline run."""
    torch.manual_seed(0)
    tcn = MultiStageTCN(
        4, 8, 3, num_stages=3, num_layers=6, dropout=0.0, share_refinement=True, causal=True
    ).eval()
    sizes = [7] * 40 + [0, 300, 1, 1, 64, 65, 3] + [30] * 10
    x = torch.randn(1, 4, sum(sizes))
    streamer = _assert_streams_exactly(tcn, x, sizes)
    streamer.reset()  # a new stream starts from zero context again
    torch.testing.assert_close(streamer.step(x[:, :, :50]), tcn(x[:, :, :50]), atol=1e-5, rtol=1e-5)


def test_streamer_view_cache_stays_bounded_with_changing_chunk_lengths(monkeypatch):
    """Check chunks of ever-changing lengths (a new cached view set for most) stay exact and
    keep at most the cap of cached views per layer buffer."""
    from stgraph_sklearn.nn import _streaming

    monkeypatch.setattr(_streaming, "_MAX_CACHED_VIEWS", 5)
    torch.manual_seed(0)
    tcn = MultiStageTCN(4, 8, 3, num_stages=2, num_layers=4, dropout=0.0, causal=True).eval()
    sizes = [1 + (7 * i) % 23 for i in range(60)]
    x = torch.randn(1, 4, sum(sizes))
    streamer = _assert_streams_exactly(tcn, x, sizes)
    cached = [len(entry[2]) for state in streamer._states for entry in state["history"].values()]
    assert len(cached) == 2 * 4 and max(cached) <= 5


def test_receptive_field_counts_every_use_of_a_shared_stage():
    """Check R = 1 + sum of 2 * dilation over the layers of every stage and block."""
    tcn = MultiStageTCN(4, 8, 3, num_stages=4, num_layers=5, dropout=0.0, causal=True)
    assert receptive_field(tcn) == 1 + 4 * 2 * (2**5 - 1)
    shared = MultiStageTCN(
        4, 8, 3, num_stages=4, num_layers=5, dropout=0.0, share_refinement=True, causal=True
    )
    assert receptive_field(shared) == receptive_field(tcn)
    net = _graph_network(AdaptiveAdjacency(4), lambda: MaskedGraphConv(4, 4))
    assert receptive_field(net) == 1 + 2 * (1 + 2) + 3 * 2 * (1 + 2 + 4)
    with pytest.raises(ValueError, match="no causal temporal layers"):
        receptive_field(MultiStageTCN(4, 8, 3, num_stages=1, num_layers=2, dropout=0.0))


def test_temporal_reach_is_half_the_receptive_field_causal_or_not():
    """Check one count of the temporal layers serves causal and centred networks."""
    from stgraph_sklearn.nn import temporal_reach

    for share in (False, True):
        kwargs = dict(num_stages=3, num_layers=4, dropout=0.0, share_refinement=share)
        causal = MultiStageTCN(4, 8, 3, causal=True, **kwargs)
        centred = MultiStageTCN(4, 8, 3, **kwargs)
        assert temporal_reach(centred) == temporal_reach(causal) == 3 * (2**4 - 1)
        assert receptive_field(causal) == 2 * temporal_reach(causal) + 1


@pytest.mark.parametrize("cls", [AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter])
@pytest.mark.parametrize("lookahead", [0, 4])
def test_causal_segmenter_ignores_frames_after_lookahead(cls, lookahead):
    """Check that predict_proba at frames <= t is unchanged when frames > t + lookahead
    change, that it does change otherwise, and that chunked prediction is exact."""
    rng = np.random.RandomState(0)
    X = [rng.randn(50, 3, 2) for _ in range(3)]
    y = [np.repeat([0, 1], 25) for _ in range(3)]
    seg = cls(lookahead=lookahead, **TINY).fit(X, y)
    proba = seg.predict_proba(X[:1])[0]
    t = 20
    future = X[0].copy()
    future[t + lookahead + 1 :] = rng.randn(50 - t - lookahead - 1, 3, 2)
    changed = seg.predict_proba([future])[0]
    np.testing.assert_array_equal(proba[: t + 1], changed[: t + 1])
    assert not np.array_equal(proba[t + 1 :], changed[t + 1 :])
    chunked = seg.set_params(chunk_size=8).predict_proba(X[:1])[0]
    np.testing.assert_allclose(chunked, proba, atol=1e-5)
    stream = seg.stream()
    parts = [stream.partial_predict_proba(X[0][a : a + 7]) for a in range(0, 50, 7)]
    parts.append(stream.close())
    np.testing.assert_allclose(np.concatenate(parts), proba, atol=1e-5)


def test_lookahead_is_validated_and_offline_models_do_not_stream():
    """Check the lookahead constraint and the error of stream() on an offline model."""
    X, y = [np.zeros((20, 2, 1))] * 2, [np.repeat([0, 1], 10)] * 2
    with pytest.raises(ValueError, match="'lookahead' parameter of MSTCNSegmenter"):
        MSTCNSegmenter(lookahead=-1, **TINY).fit(X, y)
    seg = MSTCNSegmenter(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="needs a causal model"):
        seg.stream()
    with pytest.raises(ValueError, match="temporal_stride=1"):
        MSTCNSegmenter(lookahead=0, temporal_stride=2, **TINY).fit(X, y).stream()


@pytest.mark.parametrize(
    "seg",
    [
        MSTCNSegmenter(lookahead=0, **TINY),
        FrameClassifierSegmenter(LogisticRegression(max_iter=500)),
    ],
    ids=["FrameStream", "FrameLocalStream"],
)
def test_frame_streams_count_frames_and_refuse_use_after_close(seg):
    """Check the counters, an empty chunk, and the errors after close()."""
    rng = np.random.RandomState(0)
    X = [rng.randn(40, 3, 2) for _ in range(2)]
    y = [np.repeat([0, 1], 20) for _ in range(2)]
    stream = seg.fit(X, y).stream()
    name = type(stream).__name__
    assert stream.partial_predict_proba(X[0][:0]).shape == (0, 2)
    out = [stream.partial_predict_proba(X[0][:15]), stream.partial_predict_proba(X[0][15:])]
    out.append(stream.close())
    assert stream.n_frames_in_ == stream.n_frames_out_ == 40
    np.testing.assert_allclose(np.concatenate(out), seg.predict_proba(X[:1])[0], atol=1e-5)
    with pytest.raises(ValueError, match=rf"{name}: the stream is closed"):
        stream.partial_predict_proba(X[0][:5])
    with pytest.raises(ValueError, match=rf"{name}: the stream is already closed"):
        stream.close()


class _FrameGRU(torch.nn.Module):
    """A torch layer the package cannot measure: a recurrence over frames."""

    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(4, 4, batch_first=True)


def test_reach_and_receptive_field_reject_layers_they_cannot_measure():
    """Check a recurrent or wider-kernel torch layer is an error naming it (it counted as no
    temporal layer: reach 0, and a stream of it silently lost its context)."""
    from stgraph_sklearn.nn import temporal_reach

    conv = torch.nn.Sequential(torch.nn.Conv1d(4, 4, 5, padding=2), torch.nn.ReLU())
    for module, layer, where in [(_FrameGRU(), "GRU", "'gru'"), (conv, "Conv1d", "'0'")]:
        match = f"holds a {layer} at {where}, which may mix frames"
        with pytest.raises(ValueError, match="temporal_reach: .*" + match):
            temporal_reach(module)
        with pytest.raises(ValueError, match="receptive_field: .*" + match):
            receptive_field(module)
        with pytest.raises(ValueError, match="TemporalStreamer: .*" + match):
            TemporalStreamer(module)
    pointwise = torch.nn.Sequential(torch.nn.Conv1d(4, 4, 1), torch.nn.ReLU())
    assert temporal_reach(pointwise) == 0 and receptive_field(pointwise) == 1
    x = torch.randn(1, 4, 12)
    parts = [TemporalStreamer(pointwise).step(x[:, :, a : a + 5]) for a in range(0, 12, 5)]
    torch.testing.assert_close(torch.cat(parts, dim=-1), pointwise(x))


def test_receptive_field_rejects_a_partly_causal_network():
    """Check a network whose blocks are centred but stages causal is not called causal (its
    receptive field counted the causal layers only, and a stream of it was silently wrong)."""
    net = GraphSegmentationNetwork(
        encoder=ModalityEncoder({"a": 3}, {"a": 4}, hidden_channels=4),
        graph=AdaptiveAdjacency(4),
        blocks=[SpatioTemporalBlock(4, MaskedGraphConv(4, 4), dilation=d) for d in (1, 2)],
        readout=ConcatNodePool(4, 4, 8),
        temporal=MultiStageTCN(8, 8, 3, num_stages=2, num_layers=2, dropout=0.0, causal=True),
    )
    match = "GraphSegmentationNetwork has 2 temporal layers that are not causal"
    with pytest.raises(ValueError, match="receptive_field: " + match):
        receptive_field(net)
    with pytest.raises(ValueError, match="TemporalStreamer: " + match):
        TemporalStreamer(net)


class _IgnoresCausal(torch.nn.Module):
    """A user network that takes ``causal`` but always builds centred stages."""

    def __init__(self, in_channels, num_nodes, num_classes, **kwargs):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        self.tcn = MultiStageTCN(width, 8, num_classes, num_stages=1, num_layers=2, dropout=0.0)

    def forward(self, x, node_mask, frame_mask):
        h = torch.cat([v.flatten(2) for v in x.values()], dim=-1).transpose(1, 2)
        return self.tcn(h, frame_mask)


def test_causal_segmenter_rejects_a_user_network_that_is_not_causal():
    """Check lookahead with a user network that ignores causal=True fails in fit, naming the
    estimator, lookahead and 'module' (it trained and predicted with the future in view)."""
    from stgraph_sklearn.estimators import NeuralSegmenter

    X = [np.zeros((20, 2, 1), dtype=np.float32) for _ in range(2)]
    y = [np.repeat([0, 1], 10) for _ in range(2)]
    seg = NeuralSegmenter(_IgnoresCausal, lookahead=0, max_epochs=1, random_state=0)
    match = (
        r"NeuralSegmenter: lookahead=0 needs a causal network, but the network built by the "
        r"'module' parameter of NeuralSegmenter is not one \(receptive_field: _IgnoresCausal "
        "has no causal temporal layers"
    )
    with pytest.raises(ValueError, match=match):
        seg.fit(X, y)
