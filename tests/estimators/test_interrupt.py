"""Ctrl-C during training: the model trained so far is kept, with a warning, as scikit-learn's
MLP does. Ctrl-C is simulated by a callback raising KeyboardInterrupt, inside an epoch (where
nearly all training time is spent) or at its end."""

import warnings

import pytest
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback, EarlyStopping

from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter, STGCNSegmenter
from stgraph_sklearn.exceptions import TrainingInterruptedWarning

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 3, "lr": 1e-2, "random_state": 0}


class CtrlCInEpoch(Callback):
    """Raise KeyboardInterrupt after the first training batch of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_batch_end(self, net, training=None, **kwargs):
        if training and len(net.history) == self.epoch and "train_loss" not in net.history[-1]:
            raise KeyboardInterrupt


class CtrlCAtEpochEnd(Callback):
    """Raise KeyboardInterrupt at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


def interrupted(caller, done, asked, name="MSTCNSegmenter"):
    epochs = "epoch" if done == 1 else "epochs"
    return (
        rf"{name}\.{caller}: training interrupted by the user after {done} complete {epochs} "
        rf"\(of {asked} asked\); the model trained so far is kept"
    )


def check_complete_and_predicts(seg, X, y, n_epochs):
    assert len(seg.history_) == n_epochs
    assert all("train_loss" in row for row in seg.history_)
    if n_epochs:
        assert len(seg.history_[:, "train_loss"]) == n_epochs
    assert [p.shape for p in seg.predict(X)] == [yi.shape for yi in y]


@pytest.mark.parametrize("cls", [MSTCNSegmenter, AdaptiveGraphSegmenter, STGCNSegmenter])
def test_ctrl_c_inside_an_epoch_keeps_the_model_of_the_complete_epochs(toy, cls):
    """Check that Ctrl-C inside an epoch keeps the model trained so far, drops the incomplete
    epoch from history_ and warns; fit raised skorch's KeyError "Key 'train_loss' was not
    found in history." and was rolled back to unfitted."""
    X, y = toy
    seg = cls(max_epochs=10, callbacks=[CtrlCInEpoch(3)], **TINY)
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("fit", 2, 10, cls.__name__)):
        assert seg.fit(X, y) is seg
    check_complete_and_predicts(seg, X, y, 2)


def test_ctrl_c_at_the_end_of_an_epoch_warns_too(toy):
    """Check that Ctrl-C landing at the end of an epoch warns that training was interrupted;
    fit returned as if all the epochs asked had run."""
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=10, callbacks=[CtrlCAtEpochEnd(2)], **TINY)
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("fit", 2, 10)):
        seg.fit(X, y)
    check_complete_and_predicts(seg, X, y, 2)


def test_ctrl_c_in_a_warm_start_fit_and_in_partial_fit(toy):
    """Check that Ctrl-C inside an epoch of a warm-start fit or of partial_fit keeps the
    weights and complete epochs; both raised a KeyError and left a half row (no
    train_loss) in history_."""
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=2, **TINY).fit(X, y)
    seg.set_params(warm_start=True, max_epochs=4, callbacks=[CtrlCInEpoch(4)])
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("fit", 1, 4)):
        seg.fit(X, y)
    check_complete_and_predicts(seg, X, y, 3)
    seg.set_params(callbacks=[CtrlCInEpoch(4)])
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("partial_fit", 0, 1)):
        assert seg.partial_fit(X, y) is seg
    check_complete_and_predicts(seg, X, y, 3)
    fresh = MSTCNSegmenter(callbacks=[CtrlCInEpoch(1)], **TINY)
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("partial_fit", 0, 1)):
        fresh.partial_fit(X, y)
    check_complete_and_predicts(fresh, X, y, 0)


def test_early_stopping_is_not_an_interruption(toy):
    """Check that skorch's EarlyStopping, which stops training by raising KeyboardInterrupt
    itself, gets no interruption warning."""
    X, y = toy
    never_better = EarlyStopping(monitor="train_loss", patience=1, threshold=10.0)
    seg = MSTCNSegmenter(max_epochs=10, callbacks=[never_better], **TINY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seg.fit(X, y)
    assert len(seg.history_) == 2
    assert not [w for w in caught if "interrupted" in str(w.message)]


def test_an_interrupted_fit_in_a_search_returns_its_model_and_the_search_goes_on(toy):
    """Check that under GridSearchCV each interrupted fit is scored on the model trained so
    far, with the warning; the KeyError made it a failed fit scored NaN."""
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=4, callbacks=[CtrlCInEpoch(2)], **TINY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = GridSearchCV(seg, {"lr": [1e-2, 1e-3]}, cv=2).fit(X, y)
    assert all(s == s for s in search.cv_results_["mean_test_score"])  # no NaN
    assert sum("interrupted by the user" in str(w.message) for w in caught) == 5  # 4 + refit
    assert len(search.best_estimator_.history_) == 1


def test_ctrl_c_while_the_validation_score_is_computed_drops_that_epoch(toy, monkeypatch):
    """Check that Ctrl-C inside the segmental validation score at the end of an epoch drops
    that epoch's row: it kept a row without ``valid_f1@50``, so ``history_[:,
    "valid_f1@50"]`` held 2 values for 3 epochs."""
    from stgraph_sklearn.estimators._callbacks import ValidationSegmentalScore

    score = ValidationSegmentalScore.on_epoch_end

    def interrupted_in_epoch_3(self, net, **kwargs):
        if len(net.history) == 3:
            raise KeyboardInterrupt
        score(self, net, **kwargs)

    monkeypatch.setattr(ValidationSegmentalScore, "on_epoch_end", interrupted_in_epoch_3)
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=10, validation_fraction=0.34, **TINY)
    with pytest.warns(TrainingInterruptedWarning, match=interrupted("fit", 2, 10)):
        seg.fit(X, y)
    assert len(seg.history_[:, "valid_f1@50"]) == len(seg.history_) == 2
