"""The graph segmenters' stage_stride and refinement_stride: MS-TCN stages, or only their
refinement stages, on pooled frames."""

import warnings

import numpy as np
import pytest

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, STGCNSegmenter
from stgraph_sklearn.nn import StridedTemporal, temporal_reach

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "lr": 1e-2, "random_state": 0}


def _sequences(X, frame_rate):
    return [GraphSequence({"acc": x}, frame_rate=frame_rate) for x in X]


@pytest.mark.parametrize(
    ("frame_rate", "temporal_stride", "lookahead", "expected"),
    [
        (30.0, 1, None, 2),
        (29.97, 1, None, 1),  # below 2 x 15 fps
        (50.0, 1, None, 3),
        (10.0, 1, None, 1),
        (None, 1, None, 1),  # raw arrays carry no frame rate
        (30.0, 2, None, 1),  # the stages see every 2nd frame already
        (60.0, 2, None, 2),
        (30.0, 1, 0, 1),  # a causal model streams frame by frame
    ],
)
def test_auto_runs_the_stages_at_no_less_than_15_fps(
    frame_rate, temporal_stride, lookahead, expected, toy
):
    X, y = toy
    seg = AdaptiveGraphSegmenter(
        stage_stride="auto",
        temporal_stride=temporal_stride,
        lookahead=lookahead,
        max_epochs=1,
        **TINY,
    ).fit(_sequences(X[:2], frame_rate), y[:2])
    assert seg.stage_stride_ == expected
    strided = isinstance(seg.net_.module_.temporal, StridedTemporal)
    assert strided == (expected > 1)


@pytest.mark.parametrize(
    ("frame_rate", "stage_stride", "lookahead", "expected"),
    [
        (30.0, 1, None, 2),
        (30.0, "auto", None, 1),  # the stages run at 15 fps already
        (60.0, 2, None, 2),
        (45.0, 1, None, 3),
        (10.0, 1, None, 1),
        (None, 1, None, 1),
        (30.0, 1, 0, 1),
    ],
)
def test_auto_refinement_stride_keeps_the_refinement_stages_at_15_fps(
    frame_rate, stage_stride, lookahead, expected, toy
):
    X, y = toy
    seg = AdaptiveGraphSegmenter(
        stage_stride=stage_stride,
        refinement_stride="auto",
        lookahead=lookahead,
        max_epochs=1,
        **{**TINY, "n_stages": 3},
    ).fit(_sequences(X[:2], frame_rate), y[:2])
    assert seg.refinement_stride_ == expected
    temporal = seg.net_.module_.temporal
    tcn = temporal.temporal if isinstance(temporal, StridedTemporal) else temporal
    assert tcn.refinement_stride == expected


def test_auto_with_mixed_frame_rates_keeps_every_frame(toy):
    X, y = toy
    seqs = [
        GraphSequence({"acc": X[0]}, frame_rate=30.0),
        GraphSequence({"acc": X[1]}, frame_rate=60.0),
    ]
    seg = AdaptiveGraphSegmenter(stage_stride="auto", max_epochs=1, **TINY).fit(seqs, y[:2])
    assert seg.stage_stride_ == 1


@pytest.mark.parametrize("cls", [AdaptiveGraphSegmenter, STGCNSegmenter])
@pytest.mark.parametrize("name", ["stage_stride", "refinement_stride"])
def test_an_explicit_stride_with_a_causal_model_is_refused_by_name(cls, name, toy):
    X, y = toy
    with pytest.raises(ValueError, match=rf"{cls.__name__}: {name}=2 needs lookahead=None"):
        cls(**{name: 2}, lookahead=0, max_epochs=1, **TINY).fit(X, y)


@pytest.mark.parametrize("cls", [AdaptiveGraphSegmenter, STGCNSegmenter])
@pytest.mark.parametrize("name", ["stage_stride", "refinement_stride"])
def test_strides_are_validated_in_fit(cls, name, toy):
    X, y = toy
    seg = cls(**{name: 0}, max_epochs=1, **TINY)
    with pytest.raises(ValueError, match=rf"'{name}' parameter of {cls.__name__}"):
        seg.fit(X, y)


@pytest.mark.parametrize(
    ("cls", "stride"),
    [(AdaptiveGraphSegmenter, "stage_stride"), (STGCNSegmenter, "refinement_stride")],
)
def test_strided_stages_learn_and_cost_no_parameters(cls, stride, toy):
    X, y = toy
    plain = cls(max_epochs=1, **TINY).fit(X, y)
    seg = cls(**{stride: 2}, max_epochs=30, **TINY).fit(X, y)
    count = lambda s: sum(p.numel() for p in s.net_.module_.parameters())  # noqa: E731
    assert count(seg) == count(plain)
    assert seg.receptive_field_ == 2 * temporal_reach(seg.net_.module_) + 1
    assert seg.receptive_field_ > plain.receptive_field_
    assert [p.shape for p in seg.predict(X)] == [yi.shape for yi in y]
    assert seg.score(X, y) > 0.8


@pytest.mark.parametrize(
    ("cls", "strides"),
    [
        (AdaptiveGraphSegmenter, (2, 1)),
        (AdaptiveGraphSegmenter, (3, 1)),
        (AdaptiveGraphSegmenter, (1, 3)),
        (AdaptiveGraphSegmenter, (2, 2)),  # groups of 4 frames for the refinement stages
        (STGCNSegmenter, (1, 2)),
    ],
)
def test_chunked_prediction_equals_unchunked(cls, strides, toy):
    X, y = toy
    params = {**TINY, "n_stages": 3, "stage_stride": strides[0], "refinement_stride": strides[1]}
    seg = cls(max_epochs=2, **params).fit(X, y)
    long = [np.concatenate(X * 4)]
    full = seg.predict_proba(long)[0]
    chunk = seg.receptive_field_ + 7  # > 2 * reach, and not a multiple of the strides
    seg.set_params(chunk_size=chunk)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", ".*windows that advance by only")  # exact, costly
        chunked = seg.predict_proba(long)[0]
    assert len(long[0]) > 3 * chunk
    np.testing.assert_allclose(chunked, full, atol=1e-5)


def test_a_saved_model_keeps_its_resolved_stride(toy, tmp_path):
    X, y = toy
    seqs = _sequences(X, 30.0)
    seg = AdaptiveGraphSegmenter(
        stage_stride="auto", refinement_stride=2, max_epochs=2, **TINY
    ).fit(seqs, y)
    save_model(seg, tmp_path / "model.stgraph")
    loaded = load_model(tmp_path / "model.stgraph")
    assert (loaded.stage_stride_, loaded.refinement_stride_) == (2, 2)
    np.testing.assert_array_equal(loaded.predict_proba(seqs)[0], seg.predict_proba(seqs)[0])
