"""Training you can steer and resume: skorch callbacks, optimizer choice, warm_start, Ctrl-C,
input noise."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback, Checkpoint, LRScheduler

from stgraph_sklearn.estimators import MSTCNSegmenter, NeuralSegmenter

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
