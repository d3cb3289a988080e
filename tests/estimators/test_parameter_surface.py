"""Documented parameters that did not do what their docstrings said (a QA pass)."""

import warnings

import numpy as np
import pytest
from skorch.callbacks import EpochScoring

from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
)
from stgraph_sklearn.estimators._batching import SequenceDataset
from stgraph_sklearn.estimators._neural import RecordingSplit
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.nn import chunk_alignment

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 1, "random_state": 0}


def _data(n=3, t=300, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(t, 3, 2)).astype(np.float32) for _ in range(n)]
    y = [np.repeat(np.arange(4), t // 4) for _ in range(n)]
    return X, y


def test_chunked_prediction_with_strided_stages_is_exact_or_warns():
    """Check chunk_size between receptive_field_ and receptive_field_ + stride - 1: it gave
    predictions up to 1.2e-2 off the unchunked ones without a warning."""
    X, y = _data()
    seg = AdaptiveGraphSegmenter(stage_stride=2, **TINY).fit(X, y)
    rf, g = seg.receptive_field_, chunk_alignment(seg.net_.module_)
    assert g > 1
    full = seg.predict_proba(X)
    with pytest.warns(StgraphWarning, match=rf"Use chunk_size >= {rf + g - 1} for exact"):
        seg.set_params(chunk_size=rf).predict_proba(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        warnings.filterwarnings("ignore", ".*windows that advance by only")  # exact, costly
        chunked = seg.set_params(chunk_size=rf + g - 1).predict_proba(X)
    for a, b in zip(full, chunked, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_graph_free_adaptive_model_has_no_learned_graph():
    """Check that n_spatial_layers=0 reports no graph: its adjacency_ was the untrained
    initial one (identical after 1 and 5 epochs)."""
    X, y = _data(t=60)
    seg = AdaptiveGraphSegmenter(n_spatial_layers=0, **TINY).fit(X, y)
    assert seg.adjacency_ is None and seg.graph_ is None
    assert seg.predict(X)[0].shape == (60,)


def test_validation_recordings_are_scored_whole_with_crops():
    """Check that crop_length crops the training recordings only: validation crops were
    scored as recordings (valid_f1@50 0.20 against 0.00 on the whole recordings)."""
    X, y = _data(n=6, t=100)
    seqs = [GraphSequence({"x": x}) for x in X]
    targets = [np.asarray(t) for t in y]
    train, valid = RecordingSplit(0.5, seed=0)(
        SequenceDataset(seqs, targets, crop_length=10, random_phase=True)
    )
    assert train.crop_length == 10 and valid.crop_length is None
    assert len(valid) == 3  # three whole recordings, not thirty crops


def test_skorch_scoring_callbacks_are_refused():
    """Check that EpochScoring is named before training (it failed inside skorch on
    recordings of different lengths)."""
    X, y = _data()
    seg = MSTCNSegmenter(callbacks=[("acc", EpochScoring("accuracy"))], **TINY)
    with pytest.raises(ValueError, match=r"holds a skorch EpochScoring at position 0"):
        seg.fit(X, y)


def test_frame_classifier_stride_that_skips_classes_warns():
    """Check that classes no kept frame holds are named (their columns stayed zero)."""
    X, y = _data(n=2, t=40)
    y = [np.r_[np.zeros(19, int), [1], np.full(20, 2)]] * 2  # class 1 only at frame 19
    with pytest.warns(StgraphWarning, match=r"no training frame holds the classes \[1\]"):
        FrameClassifierSegmenter(temporal_stride=2, random_state=0).fit(X, y)


def test_the_meta_device_is_refused():
    """Check device="meta" at fit (it failed deep in training with a torch RuntimeError)."""
    X, y = _data(t=40)
    with pytest.raises(ValueError, match=r"device='meta' holds no data"):
        MSTCNSegmenter(device="meta", **TINY).fit(X, y)
