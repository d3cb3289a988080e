"""Training as a notebook user sees it: callbacks that hold writers, the epoch early stopping
ends on, the divergence warning, prediction's device, monitors and progress bars."""

import threading
import warnings

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback, EarlyStopping
from tqdm.std import tqdm

from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import StgraphWarning

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 3, "lr": 1e-2, "random_state": 0}


class Writer(Callback):
    """Logs each epoch through something that cannot be copied (a lock, as a SummaryWriter
    or an open file holds)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.epochs = []

    def on_epoch_end(self, net, **kwargs):
        with self.lock:
            self.epochs.append(len(net.history))


class WorseFrom(Callback):
    """From epoch ``epoch`` on, records a validation loss that never improves and, with
    ``nan``, a training loss that diverged: early stopping of patience 1 then stops there."""

    def __init__(self, epoch, nan=False):
        self.epoch, self.nan = epoch, nan

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) >= self.epoch:
            net.history.record("valid_loss", 1e9)
            if self.nan:
                net.history.record("train_loss", float("nan"))


def test_a_callback_that_cannot_be_deep_copied_trains_and_writes_through(toy):
    """Check that a callback holding a writer (skorch's TensorBoard with its SummaryWriter)
    trains, logging through the object passed in (deepcopy failed before the first epoch)."""
    writer = Writer()
    MSTCNSegmenter(max_epochs=2, callbacks=[("log", writer)], **TINY).fit(*toy)
    assert writer.epochs == [1, 2]


def test_early_stopping_epoch_reaches_callbacks_and_the_table(toy, capsys):
    """Check that the epoch early stopping ends on reaches the user's callbacks and skorch's
    table, and that verbose says it stopped and which weights it kept (the callbacks, the
    table and the bar missed the last epoch, and nothing said training stopped)."""
    writer = Writer()
    seg = MSTCNSegmenter(
        max_epochs=20,
        patience=1,
        validation_fraction=0.34,
        verbose=2,
        callbacks=[("worse", WorseFrom(3)), ("log", writer)],
        **TINY,
    ).fit(*toy)
    assert len(seg.history_) == 3
    assert writer.epochs == [1, 2, 3]
    out, err = capsys.readouterr()
    rows = [line.split()[0] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows == ["1", "2", "3"]
    assert "Stopping since valid_loss has not improved" in err
    assert "Restoring best model from epoch 2" in err


def test_no_divergence_warning_when_early_stopping_kept_finite_weights(toy):
    """Check that a training loss gone NaN after the epoch whose weights early stopping
    restored does not warn that the network predicts nothing useful (it predicted well)."""
    seg = MSTCNSegmenter(
        max_epochs=20,
        patience=1,
        validation_fraction=0.34,
        callbacks=[("worse", WorseFrom(3, nan=True))],
        **TINY,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        seg.fit(*toy)
    assert np.isnan(seg.history_[-1, "train_loss"])
    assert np.isfinite(seg.predict_proba(toy[0][:1])[0]).all()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["garbage", "cuda:5"])
def test_predict_checks_a_device_set_after_fit(toy, device):
    """Check that predict after set_params(device=...) refuses a device this machine cannot
    use as fit does (a raw torch RuntimeError, or a silent run on the CPU for "cuda:5")."""
    seg = MSTCNSegmenter(max_epochs=1, **TINY).fit(*toy)
    seg.set_params(device=device)
    with pytest.raises(ValueError, match=r"MSTCNSegmenter.*device"):
        seg.predict(toy[0][:1])
    assert seg.set_params(device="cpu").predict(toy[0][:1])[0].shape == (90,)


@pytest.mark.parametrize("monitor", ["val_loss", "vaild_loss", "f1@50"])
def test_any_monitor_nobody_records_warns_before_training(toy, monitor):
    """Check that a callback monitoring a score no callback records warns before training,
    whatever its name (only names starting valid_ or train_ did; skorch then failed after
    the first epoch)."""
    seg = MSTCNSegmenter(max_epochs=1, callbacks=[EarlyStopping(monitor=monitor)], **TINY)
    with pytest.warns(StgraphWarning, match=f"monitors '{monitor}', which the network does"):
        with pytest.raises(Exception, match=monitor):
            seg.fit(*toy)


class Score(Callback):
    """Records a score under its ``name``, as skorch's scoring callbacks do."""

    name = "mine"

    def on_epoch_end(self, net, **kwargs):
        net.history.record(self.name, float(len(net.history)))


def test_a_monitor_of_a_users_scoring_callback_does_not_warn(toy):
    """Check that a score recorded by the user's own scoring callback is known."""
    score = Score()
    seg = MSTCNSegmenter(
        max_epochs=2,
        callbacks=[score, EarlyStopping(monitor="mine", lower_is_better=False)],
        **TINY,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        seg.fit(*toy)


class Fails(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            raise ValueError("a bug in the user's callback")


def test_the_progress_bar_closes_when_training_fails(toy):
    """Check that an exception during training closes the progress bar (it stayed open, and
    later bars were drawn below it)."""
    seg = MSTCNSegmenter(max_epochs=3, verbose=1, callbacks=[Fails()], **TINY)
    with pytest.raises(ValueError, match="a bug in the user's callback") as info:
        seg.fit(*toy)
    # the traceback (kept, as a notebook keeps the last one) holds the bar
    assert not [bar for bar in list(tqdm._instances) if bar.desc.startswith("MSTCNSegmenter")]
    assert info.tb is not None


class Snapshot(Callback):
    """Keeps the weights it sees at the end of training (as skorch's TrainEndCheckpoint)."""

    def on_train_end(self, net, **kwargs):
        self.weights = {k: v.clone() for k, v in net.module_.state_dict().items()}


def test_callbacks_see_the_weights_early_stopping_kept_at_the_end(toy):
    """Check that the user's on_train_end sees the weights early stopping restored (with
    early stopping placed after the user's callbacks, a TrainEndCheckpoint saved the last
    epoch's weights, not the fitted model's)."""
    seg = MSTCNSegmenter(
        max_epochs=20,
        patience=1,
        validation_fraction=0.34,
        callbacks=[("worse", WorseFrom(3)), ("snap", Snapshot())],
        **TINY,
    ).fit(*toy)
    snap = dict(seg.net_.callbacks_)["snap"].weights
    for key, value in seg.net_.module_.state_dict().items():
        assert torch.equal(snap[key], value)


def test_verbose_1_says_why_training_stopped(toy, capsys):
    """Check that verbose=1 notes the stop (skorch writes its note only with the net's own
    verbose, which is on at verbose=2 only), also without validation recordings."""
    for fraction in (0.34, 0.0):
        MSTCNSegmenter(
            max_epochs=20,
            patience=1,
            validation_fraction=fraction,
            verbose=1,
            callbacks=[("worse", WorseFrom(3, nan=fraction == 0))],
            **TINY,
        ).fit(*toy)
        assert "Stopping since" in capsys.readouterr().err
