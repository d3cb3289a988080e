"""Long recordings: training on random temporal crops, the receptive field, exact chunking."""

import warnings

import numpy as np
import pytest
import torch

from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter, STGCNSegmenter
from stgraph_sklearn.estimators._batching import SequenceDataset
from stgraph_sklearn.exceptions import StgraphWarning

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "lr": 1e-2, "random_state": 0}
NEURAL = [AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter]


def _indexed_sequence(n_frames):
    """A one-node sequence whose feature is the frame index (to check which frames an item holds)."""
    return GraphSequence({"acc": np.arange(n_frames, dtype=np.float32)[:, None, None]})


@pytest.mark.parametrize("stride", [1, 3])
def test_random_crops_are_contiguous_strided_windows_with_matching_labels(stride):
    seqs = [_indexed_sequence(n) for n in (50, 7, 200)]
    targets = [np.arange(s.n_frames) for s in seqs]
    ds = SequenceDataset(seqs, targets, stride, random_phase=True, crop_length=10)
    torch.manual_seed(0)
    starts = set()
    for _ in range(30):
        for i in range(len(ds)):
            x, mask, y = ds[i]
            frames = x["acc"][:, 0, 0].astype(int)
            n_strided = -(-seqs[i].n_frames // stride)
            assert len(frames) == min(10, len(range(frames[0] % stride, seqs[i].n_frames, stride)))
            assert len(frames) <= min(10, n_strided)
            np.testing.assert_array_equal(np.diff(frames), stride)
            np.testing.assert_array_equal(y, frames)  # labels follow their frames
            assert mask.shape == (len(frames), 1) and mask.all()
            if i == 2:
                starts.add(frames[0])
    assert len(starts) > 10  # the crop start is drawn at every access


@pytest.mark.parametrize("stride", [1, 2])
def test_tiles_cover_every_strided_frame_once(stride):
    seqs = [_indexed_sequence(n) for n in (23, 10, 1)]
    ds = SequenceDataset(seqs, [np.arange(s.n_frames) for s in seqs], stride, crop_length=4)
    seen = {}
    for j in range(len(ds)):
        x, _, y = ds[j]
        assert 1 <= len(y) <= 4
        np.testing.assert_array_equal(y, x["acc"][:, 0, 0])
        seen.setdefault(x["acc"].shape[0], 0)
    frames = [tuple(ds[j][2]) for j in range(len(ds))]
    flat = np.concatenate([np.asarray(f) for f in frames])
    expected = np.concatenate([np.arange(0, s.n_frames, stride) for s in seqs])
    np.testing.assert_array_equal(np.sort(flat), np.sort(expected))


@pytest.mark.parametrize("cls", NEURAL)
def test_fit_with_crops_learns_and_predicts_whole_recordings(cls, toy):
    X, y = toy
    seg = cls(max_epochs=25, crop_length=40, **TINY).fit(X, y)
    pred = seg.predict(X)
    assert [p.shape for p in pred] == [yi.shape for yi in y]
    assert seg.score(X, y) > 0.8


@pytest.mark.parametrize("cls", NEURAL)
@pytest.mark.parametrize("n_spatial_layers", [1, 3])
def test_receptive_field_matches_the_networks_gradient_support(cls, n_spatial_layers, toy):
    X, y = toy
    extra = {} if cls is MSTCNSegmenter else {"n_spatial_layers": n_spatial_layers}
    seg = cls(max_epochs=1, dropout=0.0, **TINY, **extra).fit(X[:2], y[:2])
    reach = (seg.receptive_field_ - 1) // 2
    module = seg.net_.module_.eval().double()  # float64: far-tap gradients are tiny
    t, centre = 4 * reach + 11, 2 * reach + 5
    torch.manual_seed(0)
    # fresh weights: a trained net may have dead ReLUs on every path to a far tap
    module.reset_parameters()
    grad = 0
    for _ in range(5):  # union over inputs: one input may leave a far tap behind dead ReLUs
        x = {
            k: torch.randn(1, t, n, f, dtype=torch.float64, requires_grad=True)
            for k, (n, f) in seg.modalities_.items()
        }
        module(x)[-1, 0, :, centre].sum().backward()
        grad = grad + sum(v.grad[0].abs().sum(dim=(1, 2)) for v in x.values())
    support = np.flatnonzero(grad.numpy() > 0)
    assert support.min() == centre - reach and support.max() == centre + reach


@pytest.mark.parametrize("cls", NEURAL)
@pytest.mark.parametrize("stride", [1, 2])
def test_chunked_prediction_equals_unchunked_when_windows_exceed_the_receptive_field(
    cls, stride, toy_factory
):
    X, y = toy_factory(n_recordings=3)
    seg = cls(max_epochs=2, temporal_stride=stride, **TINY).fit(X, y)
    long = [np.concatenate(X * 3)]  # 3 * ~300 frames: many windows
    full = seg.predict_proba(long)[0]
    chunk = seg.receptive_field_ + 8  # > 2 * reach: exact
    seg.set_params(chunk_size=chunk)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", ".*windows that advance by only")  # exact, costly
        chunked = seg.predict_proba(long)[0]
    assert len(long[0]) // stride > 4 * chunk
    np.testing.assert_allclose(chunked, full, atol=1e-5)


def test_windows_that_barely_advance_warn_of_their_cost(toy):
    """Check that chunk_size at the receptive field warns that windows advance by a frame.

    ``chunk_size == receptive_field_``, the documented minimum for exact chunks, moved each
    window by one frame: 2500 times one pass on 6000 frames (hours on a long recording for
    the graph models' 8191), without a word.
    """
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=1, **TINY).fit(X, y)
    rf = seg.receptive_field_
    long = [np.concatenate(X * 3)]
    full = seg.predict_proba(long)[0]
    seg.set_params(chunk_size=rf)
    t = len(long[0])
    cost = f"about {(t - rf + 1) * rf / t:.0f} times one pass"  # t - rf + 1 windows of rf
    with pytest.warns(StgraphWarning, match=rf"advance by only 1 frame .*of {t} frames .*{cost}"):
        chunked = seg.predict_proba(long)[0]
    np.testing.assert_allclose(chunked, full, atol=1e-5)
    seg.set_params(chunk_size=2 * rf)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        seg.predict_proba(long)


def test_chunks_smaller_than_the_receptive_field_warn_that_they_approximate(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=1, chunk_size=16, **{**TINY, "n_layers": 4}).fit(X, y)
    assert seg.receptive_field_ == 2 * 2 * (2**4 - 1) + 1
    with pytest.warns(StgraphWarning, match="chunk_size=16 .* approximate"):
        proba = seg.predict_proba(X)
    assert all(
        p.shape[0] == len(yi) and np.isfinite(p).all() for p, yi in zip(proba, y, strict=True)
    )


def test_crops_of_a_causal_model_see_the_lookahead_frames_after_the_crop():
    seqs = [_indexed_sequence(40)]
    ds = SequenceDataset(seqs, [np.arange(40)], random_phase=True, crop_length=10, lookahead=3)
    torch.manual_seed(0)
    for _ in range(20):
        x, mask, y = ds[0]
        frames = x["acc"][:, 0, 0]
        assert len(frames) == len(y) == 13
        np.testing.assert_array_equal(y[:3], -100)  # IGNORE_INDEX: no label read there
        start = int(y[3])
        np.testing.assert_array_equal(y[3:], np.arange(start, start + 10))
        # the output at t + 3 is trained on the label of t: real frames while they exist
        real = min(13, 40 - start)
        np.testing.assert_array_equal(frames[:real], np.arange(start, start + real))
        assert mask[:real].all() and not mask[real:].any()


class _WideConvNet(torch.nn.Module):
    """A user network with a temporal layer the package cannot measure (a kernel-9 Conv1d)."""

    def __init__(self, in_channels, num_nodes, num_classes, **kwargs):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        self.conv = torch.nn.Conv1d(width, num_classes, 9, padding=4)

    def forward(self, x, node_mask, frame_mask):
        h = torch.cat([v.flatten(2) for v in x.values()], dim=-1).transpose(1, 2)
        return self.conv(h).unsqueeze(0)


def test_chunking_a_network_of_unknown_reach_overlaps_windows_and_warns(toy):
    """Check a user network whose reach is unknown gets receptive_field_ None and overlapping
    windows with a warning (its windows did not overlap: reach 0, silently different)."""
    from stgraph_sklearn.estimators import NeuralSegmenter

    X, y = toy
    seg = NeuralSegmenter(_WideConvNet, max_epochs=2, random_state=0).fit(X, y)
    assert seg.receptive_field_ is None
    full = seg.predict_proba(X)[0]
    seg.set_params(chunk_size=24)  # overlap 2 * 6 frames > the convolution's 4 each side
    with pytest.warns(StgraphWarning, match="cannot measure .* chunk_size=24 .* approximate"):
        chunked = seg.predict_proba(X)[0]
    assert len(full) > 3 * 24
    np.testing.assert_allclose(chunked, full, atol=1e-5)
