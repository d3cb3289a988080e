"""Training you can steer and resume: skorch callbacks, optimizer choice, warm_start, Ctrl-C,
input noise."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Checkpoint, EpochTimer, LRScheduler

from stgraph_sklearn.estimators import MSTCNSegmenter, NeuralSegmenter
from stgraph_sklearn.exceptions import StgraphWarning

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 3, "lr": 1e-2, "random_state": 0}


def test_callbacks_run_are_copied_and_cloned(toy, tmp_path):
    X, y = toy
    sched = LRScheduler(policy="StepLR", step_size=1, gamma=0.5)
    ckpt = Checkpoint(dirname=str(tmp_path), monitor="train_loss_best", load_best=True)
    seg = MSTCNSegmenter(max_epochs=3, callbacks=[sched, ("ckpt", ckpt)], **TINY)
    seg.fit(X, y)
    assert (tmp_path / "params.pt").is_file()
    lr_now = seg.net_.optimizer_.param_groups[0]["lr"]
    assert lr_now == pytest.approx(1e-2 * 0.5**3)
    assert not hasattr(sched, "lr_scheduler_")  # the object passed in is untouched
    assert clone(seg).get_params()["callbacks"][0] is not sched


@pytest.mark.parametrize("optimizer", ["adamw", "sgd", torch.optim.RMSprop])
def test_optimizer_choice(toy, optimizer):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=1, optimizer=optimizer, **TINY).fit(X, y)
    expected = {"adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}.get(optimizer, optimizer)
    assert type(seg.net_.optimizer_) is expected


def test_invalid_optimizer_and_callbacks_are_clear_errors(toy):
    X, y = toy
    with pytest.raises(InvalidParameterError, match="'optimizer' parameter of MSTCNSegmenter"):
        MSTCNSegmenter(optimizer="lbfgs-ish", **TINY).fit(X, y)
    with pytest.raises(ValueError, match=r"torch\.optim\.Optimizer subclass"):
        MSTCNSegmenter(optimizer=dict, **TINY).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'callbacks' parameter"):
        MSTCNSegmenter(callbacks="ckpt", **TINY).fit(X, y)


def test_warm_start_continues_from_the_fitted_weights(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=2, **TINY).fit(X, y)
    weights = [p.detach().clone() for p in seg.net_.module_.parameters()]
    seg.set_params(warm_start=True, max_epochs=3).fit(X, y)
    assert len(seg.history_) == 5
    assert seg.history_[-1]["train_loss"] < seg.history_[0]["train_loss"]
    cold = MSTCNSegmenter(max_epochs=2, **TINY).fit(X, y)
    for a, b in zip(weights, cold.net_.module_.parameters(), strict=True):
        torch.testing.assert_close(a, b)  # warm_start=False refits from scratch, reproducibly
    with pytest.raises(ValueError, match="labels not in classes_"):
        seg.fit(X, [np.where(yi == "cut", "new", yi) for yi in y])


@pytest.mark.parametrize(
    "name, params, why",
    [
        ("early_stopping", {"patience": 3}, r"early stopping of patience=3.*set patience=None"),
        ("progress", {"verbose": 1}, r"progress bar of verbose=1.*set verbose=0"),
        ("valid_f1", {}, r"validation F1@50 score"),
        ("print_log", {}, r"one of skorch's default callbacks"),
        ("valid_loss", {}, r"one of skorch's default callbacks"),
    ],
)
def test_a_callback_named_as_the_segmenters_own_is_refused_before_training(toy, name, params, why):
    """Check that a user callback named as one the segmenter adds is refused in fit with a
    message naming the parameter, the position and the setting; skorch failed with "Found
    duplicate user-set callback name", naming neither."""
    X, y = toy
    callbacks = [LRScheduler(policy="StepLR", step_size=1), (name, EpochTimer())]
    seg = MSTCNSegmenter(max_epochs=1, callbacks=callbacks, **params, **TINY)
    match = rf"'callbacks' parameter of MSTCNSegmenter names its callback at position 1 {name!r}"
    with pytest.raises(ValueError, match=f"{match}, the name of (the )?{why}"):
        seg.fit(X, y)
    assert not hasattr(seg, "net_")
    # the names are free while the settings that use them are off
    if name in ("early_stopping", "progress"):
        off = {"patience": None} if name == "early_stopping" else {"verbose": 0}
        assert len(seg.set_params(**off).fit(X, y).history_) == 1


def test_the_progress_bar_counts_the_epochs_of_this_call(toy, capsys):
    """Check that verbose=1 draws a bar of the epochs each call trains: 1 for partial_fit, the
    continuation for a warm start; every call drew a bar of max_epochs (1/50 for partial_fit)."""
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=2, verbose=1, **TINY).fit(X, y)
    assert "2/2" in capsys.readouterr().err
    seg.partial_fit(X, y)
    err = capsys.readouterr().err
    assert "1/1" in err and "/2" not in err
    seg.set_params(warm_start=True, max_epochs=3).fit(X, y)
    assert "3/3" in capsys.readouterr().err


class InputSpy(torch.nn.Module):
    """A per-frame linear classifier that keeps a copy of every input it sees in training."""

    def __init__(self, in_channels, num_nodes, num_classes, **kwargs):
        super().__init__()
        n_in = sum(in_channels[k] * num_nodes[k] for k in in_channels)
        self.lin = torch.nn.Linear(n_in, num_classes)
        self.seen = []

    def forward(self, x, node_mask, frame_mask):
        if self.training:
            self.seen.append({"x": x["x"].detach().clone(), "node_mask": node_mask.clone()})
        h = torch.cat([v.flatten(2) for v in x.values()], dim=-1)
        return self.lin(h).transpose(1, 2).unsqueeze(0)


def test_input_noise_jitters_present_training_inputs_only():
    X = [np.zeros((80, 3, 2), dtype=np.float32) for _ in range(3)]
    X[0][:30, 2] = np.nan  # node 2 missing for 30 frames
    y = [np.repeat([0, 1], 40) for _ in range(3)]
    params = {"max_epochs": 4, "validation_fraction": 0.0, "random_state": 0, "lr": 1e-2}
    seg = NeuralSegmenter(InputSpy, input_noise=0.2, **params).fit(X, y)
    seen = seg.net_.module_.seen
    assert len(seen) == 12  # one batch per recording and epoch
    x = torch.cat([s["x"].flatten(0, 1) for s in seen])  # (frames, N, F)
    mask = torch.cat([s["node_mask"].flatten(0, 1) for s in seen])
    assert mask.sum() < mask.numel()  # the missing node reached the network
    assert torch.all(x[~mask] == 0)  # missing nodes get no noise
    assert abs(x[mask].std().item() - 0.2) < 0.01
    # prediction sees the inputs as given, and the fitted module keeps no hook
    module = seg.net_.module_
    assert not module._forward_pre_hooks and not module._forward_hooks
    n_seen = len(seen)
    seg.predict(X)
    assert len(module.seen) == n_seen
    # seeded: the same noise again; without noise, the inputs as given
    again = NeuralSegmenter(InputSpy, input_noise=0.2, **params).fit(X, y)
    assert torch.equal(again.net_.module_.seen[-1]["x"], seen[-1]["x"])
    plain = NeuralSegmenter(InputSpy, **params).fit(X, y)
    assert all(torch.all(s["x"] == 0) for s in plain.net_.module_.seen)


def test_input_noise_is_validated(toy):
    X, y = toy
    with pytest.raises(InvalidParameterError, match="'input_noise' parameter of MSTCNSegmenter"):
        MSTCNSegmenter(input_noise=-0.1, **TINY).fit(X, y)


def _short(n, labels=None, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(60, 3, 2).astype(np.float32) for _ in range(n)]
    return X, [np.repeat([0, 1, 2], 20) if labels is None else labels for _ in range(n)]


def test_balanced_class_weights_follow_the_labels_of_each_call():
    """Check that class_weight='balanced' weighs the labels a warm start or partial_fit is
    given: the first fit's weights were kept, here the reverse of balanced on the new labels."""
    from sklearn.utils.class_weight import compute_class_weight

    a = np.r_[np.zeros(50, int), np.ones(8, int), np.full(2, 2)]
    b = np.r_[np.zeros(2, int), np.ones(8, int), np.full(50, 2)]  # class 2 frequent now
    X, ya = _short(4, a)
    _, yb = _short(4, b)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=np.concatenate(yb))
    kw = {**TINY, "max_epochs": 1, "class_weight": "balanced"}
    warm = MSTCNSegmenter(**kw, warm_start=True).fit(X, ya).fit(X, yb)
    partial = MSTCNSegmenter(**kw).partial_fit(X, ya).partial_fit(X, yb)
    for seg in (warm, partial):
        np.testing.assert_allclose(seg.net_.criterion_.class_weight.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(("first", "then"), [(10, 4), (4, 10)])
def test_early_stopping_monitors_the_split_of_each_continued_fit(first, then):
    """Check that a continued fit with patience monitors valid_loss exactly when its own
    recordings leave some for validation: the first fit's choice was kept, so fewer
    recordings raised skorch's KeyError 'valid_loss', and more never restored the best."""
    kw = {**TINY, "max_epochs": 2, "patience": 2, "warm_start": True}
    seg = MSTCNSegmenter(**kw).fit(*_short(first))
    seg.fit(*_short(then, seed=1))
    stopping = dict(seg.net_.callbacks_)["early_stopping"]
    assert stopping.monitor == ("valid_loss" if then == 10 else "train_loss")
    assert stopping.load_best == (then == 10)


@pytest.mark.parametrize("optimizer", [torch.optim.Rprop, torch.optim.LBFGS])
def test_optimizers_without_weight_decay_train(optimizer):
    """Check that an optimizer class without a weight_decay argument trains while
    weight_decay is 0 (it got weight_decay=0 and raised torch's TypeError), and that a
    non-zero weight_decay with it is an error naming both parameters."""
    X, y = _short(3)
    seg = MSTCNSegmenter(**TINY, max_epochs=1, optimizer=optimizer, warm_start=True).fit(X, y)
    assert len(seg.fit(X, y).history_) == 2
    with pytest.raises(ValueError, match=rf"weight_decay=0.1 needs .*{optimizer.__name__} does"):
        MSTCNSegmenter(**TINY, max_epochs=1, optimizer=optimizer, weight_decay=0.1).fit(X, y)


@pytest.mark.parametrize("name", ["MSTCNSegmenter", "AdaptiveGraphSegmenter"])
def test_a_diverged_training_warns_and_keeps_its_history(name):
    """Check that a training whose loss ends non-finite warns in fit naming lr and keeps the
    model for history_: the graph model failed on a NaN graph with an unrelated SensorGraph
    error (and the fit was rolled back), MS-TCN finished silently."""
    from stgraph_sklearn import estimators
    from stgraph_sklearn.exceptions import StgraphWarning

    X, y = _short(3)
    seg = getattr(estimators, name)(**{**TINY, "lr": 1e4}, max_epochs=2, optimizer="sgd")
    with pytest.warns(StgraphWarning, match=rf"{name}.fit: training diverged .*lr"):
        seg.fit(X, y)
    assert not np.isfinite(seg.history_[-1, "train_loss"])
    assert getattr(seg, "adjacency_", None) is None


def test_a_training_that_diverged_to_a_huge_finite_loss_warns_too():
    """Check that a loss over 1000 times that of guessing warns, although it is finite: with
    lr=10 the loss reached 1e14-1e24, every frame got one class at confidence 1, and nothing
    was said; a healthy training does not warn."""
    X, y = _short(3)
    seg = MSTCNSegmenter(**{**TINY, "lr": 10.0}, max_epochs=3)
    with pytest.warns(StgraphWarning, match=r"training diverged .*over 1000 times .*lr"):
        seg.fit(X, y)
    assert np.isfinite(seg.history_[-1, "train_loss"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        MSTCNSegmenter(**TINY, max_epochs=3).fit(X, y)


def test_values_beyond_float32_are_refused_not_turned_into_inf():
    """Check that float64 values the float32 networks cannot hold are an error naming the
    block, not inf that trained to NaN and was blamed on lr."""
    X, y = _short(3)
    X[1] = X[1].astype(np.float64) * 1e39
    with pytest.raises(ValueError, match=r"block 'x' holds values beyond the float32 range"):
        MSTCNSegmenter(**TINY, max_epochs=1).fit(X, y)


def test_a_smoothing_clip_beyond_float32_clips_nothing():
    """Check that a huge smoothing_clip (no truncation) trains as the largest finite clip:
    its square overflowed float32 in torch.clamp with a raw RuntimeError."""
    X, y = _short(3)
    a = MSTCNSegmenter(**TINY, max_epochs=1, smoothing_clip=1e20).fit(X, y)
    b = MSTCNSegmenter(**TINY, max_epochs=1, smoothing_clip=1e18).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X[:1])[0], b.predict_proba(X[:1])[0])


def test_an_optimizer_taking_keywords_gets_weight_decay():
    """Check that an optimizer class whose signature ends in **kwargs still receives
    weight_decay (only optimizers that cannot take it are spared it)."""

    class KeywordSGD(torch.optim.SGD):
        def __init__(self, params, lr, **kwargs):
            super().__init__(params, lr=lr, **kwargs)

    X, y = _short(3)
    seg = MSTCNSegmenter(**TINY, max_epochs=1, optimizer=KeywordSGD, weight_decay=0.1).fit(X, y)
    assert seg.net_.optimizer_.param_groups[0]["weight_decay"] == 0.1
