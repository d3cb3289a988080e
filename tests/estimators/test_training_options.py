"""Training you can steer and resume: skorch callbacks, optimizer choice, warm_start, Ctrl-C."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback, Checkpoint, LRScheduler

from stgraph_sklearn.estimators import MSTCNSegmenter

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 3, "lr": 1e-2, "random_state": 0}


class InterruptAt(Callback):
    """Raise KeyboardInterrupt (what Ctrl-C does) at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


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


def test_ctrl_c_leaves_the_model_trained_so_far(toy):
    X, y = toy
    seg = MSTCNSegmenter(max_epochs=10, callbacks=[InterruptAt(2)], **TINY).fit(X, y)
    assert len(seg.history_) == 2
    assert [p.shape for p in seg.predict(X)] == [yi.shape for yi in y]
