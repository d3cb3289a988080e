"""Behaviour of the skorch-backed segmenters (tiny models, short sequences)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import GraphSequence, Modality, Recording, SensorGraph
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    MSTCNSegmenter,
    NeuralSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.exceptions import NotFittedError, StgraphWarning

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "lr": 1e-2, "random_state": 0}
NEURAL = [AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter]


@pytest.mark.parametrize("cls", NEURAL)
def test_learns_toy_segmentation_and_keeps_label_type(cls, toy):
    X, y = toy
    seg = cls(max_epochs=25, **TINY).fit(X, y)
    pred = seg.predict(X)
    assert [p.shape for p in pred] == [yi.shape for yi in y]
    assert pred[0].dtype.kind == "U" and set(np.concatenate(pred)) <= {"idle", "stir", "cut"}
    assert seg.score(X, y) > 0.85
    proba = seg.predict_proba(X)
    assert proba[0].shape == (len(y[0]), 3)
    np.testing.assert_allclose(proba[0].sum(axis=1), 1.0, atol=1e-5)
    assert list(seg.classes_) == ["cut", "idle", "stir"]
    assert len(seg.history_) == 25 and "valid_f1@50" in seg.history_[-1]


@pytest.mark.parametrize("cls", NEURAL)
def test_same_random_state_same_predictions_and_global_rng_untouched(cls, toy):
    X, y = toy
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    p1 = cls(max_epochs=2, **TINY).fit(X, y).predict_proba(X)
    assert torch.rand(1) == expected_next  # fit forked the RNG: the caller's stream is intact
    p2 = cls(max_epochs=2, **TINY).fit(X, y).predict_proba(X)
    p3 = cls(max_epochs=2, **{**TINY, "random_state": 1}).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1[0], p2[0])
    assert not np.allclose(p1[0], p3[0])


def test_temporal_stride_predicts_every_frame(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=15, temporal_stride=3, **TINY).fit(X, y)
    proba = seg.predict_proba(X)
    assert all(p.shape[0] == len(yi) for p, yi in zip(proba, y, strict=True))
    assert all(np.isfinite(p).all() for p in proba)
    assert seg.score(X, y) > 0.8


def test_chunked_prediction_covers_every_frame_and_matches_when_large(toy):
    X, y = toy
    seg = AdaptiveGraphSegmenter(max_epochs=3, **TINY).fit(X, y)
    full = seg.predict_proba(X)
    seg.set_params(chunk_size=200)  # longer than every recording: one window
    np.testing.assert_allclose(seg.predict_proba(X)[0], full[0], atol=1e-6)
    seg.set_params(chunk_size=16)
    with pytest.warns(StgraphWarning, match="approximate") as record:
        chunked = seg.predict_proba(X)
    assert record[0].filename == __file__  # points at the caller's line
    for p, f in zip(chunked, full, strict=True):
        assert p.shape == f.shape and np.isfinite(p).all()
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    # with the receptive field far larger than the windows, chunks are an approximation
    assert (
        np.mean([np.mean(p.argmax(1) == f.argmax(1)) for p, f in zip(chunked, full, strict=True)])
        > 0.7
    )


def test_batches_of_recordings_of_different_lengths(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=20, batch_size=3, **TINY).fit(X, y)
    assert seg.score(X, y) > 0.8


def test_inputs_as_aligned_recordings_and_graph_sequences(toy):
    X, y = toy
    recs = [Recording({"accel": x[:, :3], "video": x[:, 3]}, frame_rate=30.0) for x in X]
    seg = AdaptiveGraphSegmenter(max_epochs=2, **TINY).fit(recs, y)
    assert seg.modalities_ == {"accel": (3, 2), "video": (1, 2)}
    assert seg.node_names_ == ("accel:0", "accel:1", "accel:2", "video")
    names = ["a", "b", "c", "d"]
    graph = SensorGraph([[0, 1, 2, 3], [1, 0, 3, 2]], node_names=names)
    seqs = [GraphSequence({"imu": x}, graph=graph) for x in X]
    st = STGCNSegmenter(max_epochs=2, **TINY).fit(seqs, y)
    assert st.graph_ == graph and st.node_names_ == tuple(names)
    ad = AdaptiveGraphSegmenter(max_epochs=2, **TINY).fit(seqs, y)
    assert ad.adjacency_.shape == (4, 4)
    np.testing.assert_allclose(ad.adjacency_.sum(axis=1), 1.0, atol=1e-5)
    assert ad.graph_.node_names == tuple(names)


def test_missing_sensors_at_predict_time_still_predict(toy):
    X, y = toy
    seg = AdaptiveGraphSegmenter(max_epochs=15, **TINY).fit(X, y)
    X_missing = [x.copy() for x in X]
    X_missing[0][:, 3] = np.nan  # node 3 drops out for the whole recording
    X_missing[1][20:60, 0] = np.nan
    pred = seg.predict(X_missing)
    assert pred[0].shape == y[0].shape
    assert np.mean(pred[1] == y[1]) > 0.6
    assert np.isnan(X_missing[0][:, 3]).all()  # input untouched


def test_predict_segments_table(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=20, **TINY).fit(X, y)
    table = seg.predict_segments(X[:2])
    assert list(table.columns) == [
        "recording",
        "name",
        "start",
        "end",
        "start_s",
        "end_s",
        "label",
        "confidence",
    ]
    assert set(table["recording"]) == {0, 1}
    # arrays are read at 1 Hz, so seconds equal frames
    np.testing.assert_array_equal(table["start_s"], table["start"])
    first = table[table["recording"] == 0]
    assert first["start"].iloc[0] == 0 and first["end"].iloc[-1] == len(y[0])
    assert ((table["confidence"] > 0) & (table["confidence"] <= 1)).all()
    assert isinstance(table, pd.DataFrame)


def test_early_stopping_stops_when_validation_loss_stalls(toy):
    X, y = toy
    seg = MSTCNSegmenter(
        max_epochs=30, patience=2, validation_fraction=0.34, **{**TINY, "lr": 1e-12}
    )
    seg.fit(X, y)
    assert len(seg.history_) < 30


@pytest.mark.parametrize("n_recordings", [2, 3])
def test_early_stopping_without_a_validation_set_watches_the_training_loss(toy, n_recordings):
    """With too few recordings for validation_fraction to hold one out, patience watches the
    training loss (as documented) instead of failing on a missing valid_loss."""
    X, y = toy
    X, y = X[:n_recordings], y[:n_recordings]
    seg = MSTCNSegmenter(max_epochs=30, patience=2, **{**TINY, "lr": 1e-12}).fit(X, y)
    assert "valid_loss" not in seg.history_[-1]
    assert len(seg.history_) < 30


def test_class_weight_balanced_and_dict(toy):
    X, y = toy
    MSTCNSegmenter(max_epochs=1, class_weight="balanced", **TINY).fit(X, y)
    MSTCNSegmenter(max_epochs=1, class_weight={"cut": 2.0}, **TINY).fit(X, y)
    with pytest.raises(
        ValueError, match="'class_weight' parameter of MSTCNSegmenter names classes not in y"
    ):
        MSTCNSegmenter(max_epochs=1, class_weight={"walk": 2.0}, **TINY).fit(X, y)


def test_partial_fit_continues_training(toy):
    X, y = toy
    seg = MSTCNSegmenter(**TINY)
    seg.partial_fit(X, y, classes=["cut", "idle", "stir", "wash"])
    assert len(seg.history_) == 1 and len(seg.classes_) == 4
    seg.partial_fit(X, y)
    assert len(seg.history_) == 2
    with pytest.raises(ValueError, match="labels not in classes_"):
        seg.partial_fit(X, [np.full(len(yi), "jump") for yi in y])


def test_partial_fit_with_other_classes_on_a_later_call_is_an_error(toy):
    """Check that classes= on a later partial_fit must equal classes_ (it was ignored)."""
    X, y = toy
    seg = MSTCNSegmenter(**TINY).partial_fit(X, y, classes=["cut", "idle", "stir", "wash"])
    seg.partial_fit(X, y, classes=["wash", "stir", "idle", "cut"])  # the same set: fine
    with pytest.raises(
        ValueError, match=r"MSTCNSegmenter.partial_fit: classes=\['cut', 'idle', 'st"
    ):
        seg.partial_fit(X, y, classes=["cut", "idle", "stir"])
    assert seg.classes_.tolist() == ["cut", "idle", "stir", "wash"]


def test_verbose_shows_a_progress_bar_over_epochs(toy, capsys):
    X, y = toy
    MSTCNSegmenter(max_epochs=2, verbose=1, **TINY).fit(X, y)
    err = capsys.readouterr().err
    assert "MSTCNSegmenter" in err and "2/2" in err and "val_f1@50" in err


def test_errors_are_clear(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=1, **TINY)
    with pytest.raises(NotFittedError):
        seg.predict(X)
    with pytest.raises(ValueError, match=r"at least 2 classes.*\['idle'\]"):
        seg.fit(X, [np.full(len(yi), "idle") for yi in y])
    with pytest.raises(ValueError, match=r"y\[2\] has 3 labels but X\[2\] has"):
        seg.fit(X, [*y[:2], y[2][:3], *y[3:]])
    with pytest.raises(ValueError, match="ambiguous"):
        seg.fit([x[:, :, 0] for x in X], y)
    with pytest.raises(InvalidParameterError, match="'max_epochs' parameter of MSTCNSegmenter"):
        MSTCNSegmenter(max_epochs=0).fit(X, y)
    seg.fit(X, y)
    with pytest.raises(ValueError, match=r"MSTCNSegmenter: X\[1\] has modalities .* 5 nodes"):
        seg.predict([X[0], np.zeros((10, 5, 2))])
    unaligned = Recording({"x": Modality(np.zeros((50, 4, 2)), rate=50.0)}, frame_rate=30.0)
    with pytest.raises(ValueError, match=r"not aligned.*ModalityAligner"):
        seg.predict([unaligned])
    with pytest.warns(StgraphWarning, match="labels not seen in fit"):
        seg.score(X[:1], [np.full(len(y[0]), "jump")])


def test_score_with_labels_of_another_type_names_the_estimator(toy):
    """Check that score with int labels for string classes says so, naming the estimator."""
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=1, **TINY).fit(X, y)
    y_int = [np.zeros(len(yi), dtype=int) for yi in y]
    with pytest.raises(TypeError, match=r"MSTCNSegmenter: y\[0\] has numeric labels but the "):
        seg.score(X, y_int)
    with pytest.raises(TypeError, match=r"classes seen in fit are string \(\['cut', 'idle'"):
        seg.fit(X, y).partial_fit(X, y_int)
    y_bytes = [yi.astype(bytes) for yi in y]  # b"cut" never equals "cut"
    with pytest.raises(TypeError, match=r"y\[0\] has bytes labels but the classes seen in fit"):
        seg.score(X, y_bytes)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_without_cuda_is_a_clear_error(toy):
    X, y = toy
    with pytest.raises(ValueError, match=r"device=.cuda. was requested but CUDA is not available"):
        MSTCNSegmenter(device="cuda", max_epochs=1, **TINY).fit(X, y)


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a machine without CUDA")
def test_model_pickled_with_cuda_device_predicts_on_a_machine_without_cuda(toy):
    """A model saved from a GPU run unpickles and predicts on a CPU-only machine.

    The fitted net is marked as living on "cuda" before pickling, which is what skorch
    records for a GPU-trained net; unpickling here must map it to the CPU, and predict
    must neither raise for device="cuda" nor change the predictions.
    """
    import pickle

    X, y = toy
    seg = MSTCNSegmenter(max_epochs=3, **TINY).fit(X, y)
    proba = seg.predict_proba(X)
    seg.net_.device = "cuda"
    seg.set_params(device="cuda")
    seg._device = "cuda"  # the device a fit on the GPU records
    with warnings.catch_warnings(record=True) as caught:  # skorch warns twice
        warnings.simplefilter("always")
        restored = pickle.loads(pickle.dumps(seg))
    assert any("not available" in str(w.message) for w in caught)
    assert torch.device(restored.net_.device).type == "cpu"
    for a, b in zip(proba, restored.predict_proba(X), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    restored.partial_fit(X, y)  # warm-start training continues where the weights are
    assert len(restored.history_) == len(seg.history_) + 1
    with pytest.raises(ValueError, match="CUDA is not available"):
        restored.fit(X, y)  # refitting on this machine needs device="cpu"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_trained_on_cuda_predicts_on_cpu_after_pickling(toy):
    import pickle

    X, y = toy
    seg = AdaptiveGraphSegmenter(device="cuda", max_epochs=3, **TINY).fit(X, y)
    assert next(seg.net_.module_.parameters()).is_cuda
    pred = seg.predict(X)
    restored = pickle.loads(pickle.dumps(seg))
    restored.set_params(device="cpu")  # predict moves the fitted net to the CPU
    for a, b in zip(pred, restored.predict(X), strict=True):
        assert np.mean(a == b) > 0.99
    assert not next(restored.net_.module_.parameters()).is_cuda


def test_default_graph_network_is_parameter_efficient():
    """Check the default graph network has at most 60% of the MS-TCN baseline's parameters."""
    from stgraph_sklearn.nn import EarlyFusionTCN

    layout = {"acc": (10, 3), "video": (1, 16)}
    graph = AdaptiveGraphSegmenter(prior_graph=None).build_module(layout, 18, None)
    early = EarlyFusionTCN({"acc": 3, "video": 16}, {"acc": 10, "video": 1}, 18)
    n_graph = sum(p.numel() for p in graph.parameters())
    assert n_graph <= 0.6 * sum(p.numel() for p in early.parameters())


def test_importing_the_estimators_does_not_import_torch_geometric():
    """Check torch_geometric (and skorch, which imports it) load only when a model needs them."""
    import subprocess
    import sys

    code = (
        "import sys, stgraph_sklearn, stgraph_sklearn.estimators; "
        "print(','.join(m for m in ('torch_geometric', 'skorch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


class _FrameLinear(torch.nn.Module):
    """A one-stage per-frame linear classifier: the smallest module the contract allows."""

    def __init__(self, in_channels, num_nodes, num_classes, **kwargs):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        self.lin = torch.nn.Linear(width, num_classes)

    def forward(self, x, node_mask, frame_mask):
        h = torch.cat([v.flatten(2) for v in x.values()], dim=-1)
        return self.lin(h).transpose(1, 2).unsqueeze(0)


@pytest.mark.parametrize(
    "Segmenter", [NeuralSegmenter, AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter]
)
def test_parameter_constraints_match_the_parameters(Segmenter):
    """Check every neural segmenter validates exactly its own parameters (sklearn's rule)."""
    assert set(Segmenter._parameter_constraints) == set(Segmenter().get_params())


def test_neural_segmenter_trains_a_user_module():
    """Check a module factory is all a new segmenter needs: it trains, predicts and pickles."""
    rng = np.random.RandomState(0)
    X = [rng.randn(40, 3, 2).astype(np.float32) for _ in range(3)]
    y = [np.repeat(["idle", "stir"], 20) for _ in range(3)]
    seg = NeuralSegmenter(_FrameLinear, max_epochs=3, lr=0.05, random_state=0).fit(X, y)
    assert isinstance(seg.net_.module_, _FrameLinear)
    assert seg.predict(X)[0].shape == (40,) and set(seg.classes_) == {"idle", "stir"}
    restored = pickle.loads(pickle.dumps(seg))
    np.testing.assert_allclose(restored.predict_proba(X)[0], seg.predict_proba(X)[0])
    assert clone(seg).get_params()["module"] is _FrameLinear


def test_neural_segmenter_default_is_ms_tcn():
    """Check NeuralSegmenter() builds and trains exactly as MSTCNSegmenter."""
    rng = np.random.RandomState(1)
    X = [rng.randn(30, 2, 3).astype(np.float32) for _ in range(3)]
    y = [np.repeat([0, 1], 15) for _ in range(3)]
    tiny = {"hidden_channels": 8, "n_stages": 2, "n_layers": 2, "max_epochs": 2, "random_state": 0}
    a = NeuralSegmenter(**tiny).fit(X, y)
    b = MSTCNSegmenter(**tiny).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X)[0], b.predict_proba(X)[0])


def test_neural_segmenter_rejects_a_bad_module():
    """Check a non-callable module and a factory returning no torch module raise clearly."""
    X = [np.zeros((20, 2, 1)) for _ in range(2)]
    y = [np.repeat([0, 1], 10) for _ in range(2)]
    with pytest.raises(InvalidParameterError, match="'module' parameter of NeuralSegmenter"):
        NeuralSegmenter(module="mstcn", max_epochs=1).fit(X, y)
    with pytest.raises(TypeError, match=r"must return a torch\.nn\.Module\. Got dict"):
        NeuralSegmenter(module=lambda **kwargs: kwargs, max_epochs=1).fit(X, y)


def _frame_linear_returning(output):
    """A _FrameLinear subclass whose forward returns ``output(logits (1, B, K, T))``."""

    def forward(self, x, node_mask, frame_mask):
        return output(_FrameLinear.forward(self, x, node_mask, frame_mask))

    return type("BadOutput", (_FrameLinear,), {"forward": forward})


@pytest.mark.parametrize(
    "output, error, got",
    [
        (lambda z: z[0], ValueError, r"shape \(1, 2, 20\)"),  # (B, K, T)
        (lambda z: torch.cat([z, z], dim=2), ValueError, r"shape \(1, 1, 4, 20\)"),  # wrong K
        (lambda z: z[..., :-1], ValueError, r"shape \(1, 1, 2, 19\)"),  # wrong T
        (lambda z: (z, None), TypeError, "Got tuple"),
        (lambda z: z.argmax(2, keepdim=True).expand_as(z), ValueError, "torch.int64"),
    ],
)
def test_neural_segmenter_checks_the_module_output(output, error, got):
    """Check logits of the wrong shape, type or dtype raise naming the estimator and 'module',
    before training computes a loss on them (a K too large trained silently)."""
    X = [np.zeros((20, 2, 1), dtype=np.float32) for _ in range(2)]
    y = [np.repeat([0, 1], 10) for _ in range(2)]
    seg = NeuralSegmenter(_frame_linear_returning(output), max_epochs=1, random_state=0)
    match = r"'module' parameter of NeuralSegmenter must return .*\(S, 1, 2, 20\).*" + got
    with pytest.raises(error, match=match):
        seg.fit(X, y)


def test_neural_segmenter_checks_the_module_output_at_predict():
    """Check prediction checks the output too (a module whose shape depends on the input
    length) and raises on NaN logits instead of returning NaN probabilities."""
    X = [np.zeros((20, 2, 1), dtype=np.float32) for _ in range(2)]
    y = [np.repeat([0, 1], 10) for _ in range(2)]
    short = _frame_linear_returning(lambda z: z if z.shape[-1] == 20 else z[..., :-1])
    seg = NeuralSegmenter(short, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"NeuralSegmenter must return .*\(1, 1, 2, 29\)"):
        seg.predict([np.zeros((30, 2, 1))])
    nan = _frame_linear_returning(lambda z: z * float("nan"))
    seg = NeuralSegmenter(nan, max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="NeuralSegmenter: the network returned non-finite"):
        seg.predict_proba(X)


class _NoParameters(torch.nn.Module):
    def __init__(self, num_classes, **kwargs):
        super().__init__()
        self.num_classes = num_classes

    def forward(self, x, node_mask, frame_mask):
        return torch.zeros(1, *frame_mask.shape).unsqueeze(2).repeat(1, 1, self.num_classes, 1)


class _NoKeywords(torch.nn.Module):
    def __init__(self, in_channels, num_nodes, num_classes):
        super().__init__()


class _OtherForward(_FrameLinear):
    def forward(self, x, mask):
        return super().forward(x, mask, None)


@pytest.mark.parametrize(
    "module, error, match",
    [
        (
            _FrameLinear({"x": 1}, {"x": 2}, 2),
            TypeError,
            r"'module' parameter of NeuralSegmenter must be a class .* Got an instance of "
            "_FrameLinear",
        ),
        (
            _NoKeywords,
            TypeError,
            r"'module' parameter of NeuralSegmenter is called in fit with the keywords .*"
            "_NoKeywords does not take them: .*'hidden_channels'",
        ),
        (
            _OtherForward,
            TypeError,
            r"'module' parameter of NeuralSegmenter must have forward\(x, node_mask, "
            r"frame_mask\).*_OtherForward.forward\(x, mask\)",
        ),
        (
            _NoParameters,
            ValueError,
            "'module' parameter of NeuralSegmenter must have trainable parameters. Got a "
            "_NoParameters",
        ),
    ],
)
def test_neural_segmenter_checks_the_module_factory(module, error, match):
    """Check a module instance, a factory rejecting module_kwargs, another forward signature
    and a network without parameters raise naming the estimator and 'module' (they were
    errors from inside torch or the call)."""
    X = [np.zeros((20, 2, 1), dtype=np.float32) for _ in range(2)]
    y = [np.repeat([0, 1], 10) for _ in range(2)]
    with pytest.raises(error, match=match):
        NeuralSegmenter(module, max_epochs=1, random_state=0).fit(X, y)


def test_sensor_dropout_and_refinement_width_reach_the_network(toy):
    """sensor_dropout adds a SensorDropout (none at 0); refinement stages are narrower."""
    from stgraph_sklearn.nn import SensorDropout

    X, y = toy
    seg = AdaptiveGraphSegmenter(max_epochs=1, **TINY).fit(X, y)
    net = seg.net_.module_
    assert isinstance(net.sensor_dropout, SensorDropout) and net.sensor_dropout.p == 0.2
    assert net.sensor_dropout.n_spans == 1
    assert net.temporal.stages[1].conv_in.out_channels == TINY["hidden_channels"]
    spans = AdaptiveGraphSegmenter(max_epochs=1, sensor_dropout_spans=4, **TINY).fit(X, y)
    assert spans.net_.module_.sensor_dropout.n_spans == 4
    seg = AdaptiveGraphSegmenter(max_epochs=1, sensor_dropout=0.0, refinement_channels=3, **TINY)
    net = seg.fit(X, y).net_.module_
    assert net.sensor_dropout is None and net.temporal.stages[1].conv_in.out_channels == 3
    bads = (
        {"sensor_dropout": 1.5},
        {"sensor_dropout": -0.1},
        {"sensor_dropout_spans": 0},
        {"refinement_channels": 0},
    )
    for bad in bads:
        name = next(iter(bad))
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Adaptive"):
            AdaptiveGraphSegmenter(max_epochs=1, **bad).fit(X, y)


@pytest.mark.parametrize("bad", [[1], [("name", 1)], ["Checkpoint"]])
def test_callbacks_that_are_not_skorch_callbacks_are_a_clear_error(toy, bad):
    from skorch.callbacks import EpochTimer

    X, y = toy
    with pytest.raises(ValueError, match=r"'callbacks' parameter of MSTCNSegmenter .* position 0"):
        MSTCNSegmenter(max_epochs=1, callbacks=bad, **TINY).fit(X, y)
    for good in ([EpochTimer], [("timer", EpochTimer())]):  # classes and named pairs: as skorch
        MSTCNSegmenter(max_epochs=1, callbacks=good, **TINY).fit(X, y)


@pytest.mark.parametrize("cls", [MSTCNSegmenter, AdaptiveGraphSegmenter])
def test_a_zero_class_weight_and_a_recording_of_only_that_class_train(toy, cls):
    """A background class weighted 0 and a recording that is all background: that batch adds
    no cross-entropy (it was 0 / 0, a NaN loss and NaN probabilities)."""
    X, y = toy
    y = [np.full(len(y[0]), "idle"), *y[1:]]
    seg = cls(max_epochs=2, class_weight={"idle": 0.0}, validation_fraction=0, **TINY).fit(X, y)
    assert all(np.isfinite(row["train_loss"]) for row in seg.history_)
    assert all(np.isfinite(p).all() for p in seg.predict_proba(X))


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({"idle": 0, "stir": 0, "cut": 0}, "gives every class weight 0"),
        (
            {"idle": "a"},
            "must map classes to finite, non-negative numbers. Got 'a' for class 'idle'",
        ),
        (
            {"cut": -1.0},
            "must map classes to finite, non-negative numbers. Got -1.0 for class 'cut'",
        ),
    ],
)
def test_bad_class_weight_values_name_the_parameter(toy, class_weight, match):
    X, y = toy
    with pytest.raises(ValueError, match=f"'class_weight' parameter of MSTCNSegmenter {match}"):
        MSTCNSegmenter(max_epochs=1, class_weight=class_weight, **TINY).fit(X, y)


@pytest.mark.parametrize(
    ("classes", "error", "match"),
    [
        ([0.0, 1.0, 2.5], ValueError, "classes holds non-integer float labels"),
        ([[0, 1], [2, 3]], ValueError, "classes must be 1-D"),
        ([0, 1, "2"], TypeError, "classes mixes label types"),
    ],
)
def test_partial_fit_checks_classes_by_the_label_rule(toy, classes, error, match):
    X, y = toy
    with pytest.raises(error, match=f"MSTCNSegmenter: {match}"):
        MSTCNSegmenter(**TINY).partial_fit(X, y, classes=classes)
