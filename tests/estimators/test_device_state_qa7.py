"""What a neural segmenter keeps around its network when it changes device or is pickled.

No GPU is needed: ``_fake_cuda`` writes the bytes a GPU run pickles, and emulates a second
device (``meta`` stands for ``cuda``) or the CUDA random number generators.
"""

import pickle
import warnings

import numpy as np
import pytest
import torch
from _fake_cuda import dumps_as_gpu, simulated_cuda

import stgraph_sklearn.estimators._neural as neural
from stgraph_sklearn.estimators import MSTCNSegmenter

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "random_state": 0}
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a machine without CUDA")


@pytest.fixture
def small():
    rng = np.random.RandomState(0)
    X = [rng.randn(60, 4, 3).astype(np.float32) for _ in range(3)]
    y = [np.repeat([0, 1, 2], 20) for _ in range(3)]
    return X, y


def _unpickle(blob):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning: loaded on the CPU
        return pickle.loads(blob)


def _same_predictions(a, b, X):
    return all((p == q).all() for p, q in zip(a.predict(X), b.predict(X), strict=True))


@no_cuda
@pytest.mark.parametrize("scheduler", [False, True])
def test_model_trained_on_cuda_unpickles_on_a_machine_without_cuda(small, scheduler):
    """Check that a segmenter pickled after a device='cuda' fit unpickles and predicts on a
    CPU-only machine, also with an LRScheduler callback. Before, skorch mapped to the CPU only
    module_, criterion_ and optimizer_, while net_.module and net_.criterion (the same
    instances) and the scheduler's optimizer went through plain pickle with CUDA storages:
    pickle.loads raised torch's "Attempting to deserialize object on a CUDA device"."""
    from skorch.callbacks import LRScheduler

    X, y = small
    callbacks = [LRScheduler("StepLR", step_size=1)] if scheduler else None
    seg = MSTCNSegmenter(max_epochs=2, callbacks=callbacks, **TINY).fit(X, y)
    restored = _unpickle(dumps_as_gpu(seg, seg))
    assert restored.net_.module is restored.net_.module_
    assert _same_predictions(restored, seg, X)
    restored.partial_fit(X, y)  # and it trains on


def _moments_device(seg):
    state = next(iter(seg.net_.optimizer_.state.values()))
    return state["exp_avg"].device.type


@pytest.mark.parametrize(("first", "then"), [("meta", "cpu"), ("cpu", "meta")])
def test_partial_fit_after_predict_moved_the_network(small, monkeypatch, first, then):
    """Check that partial_fit works after set_params(device=...) and predict moved the
    network to another device (meta stands for cuda). Before, predict moved the module but not
    the optimizer's state, so Adam's step mixed devices ("Expected all tensors to be on the
    same device")."""
    X, y = small
    check = neural.check_device
    monkeypatch.setattr(
        neural, "check_device", lambda d, name: torch.device(d) if d == "meta" else check(d, name)
    )
    with simulated_cuda(monkeypatch):
        seg = MSTCNSegmenter(max_epochs=1, device=first, **TINY).fit(X, y)
        seg.set_params(device=then).predict(X[:1])
        assert _moments_device(seg) == then
        seg.partial_fit(X, y)
        assert len(seg.history_) == 2 and _moments_device(seg) == then


def test_accelerated_segmenter_continues_training(small):
    """Check that partial_fit and a warm-start fit continue a segmenter trained with an
    accelerator. Before, both raised torch's raw TypeError from torch.device(None): skorch's
    device is None where the accelerator places the network."""
    accelerate = pytest.importorskip("accelerate")
    X, y = small
    acc = accelerate.Accelerator(cpu=True)
    seg = MSTCNSegmenter(max_epochs=1, accelerator=acc, **TINY).fit(X, y)
    seg.partial_fit(X, y)
    assert len(seg.history_) == 2
    seg.set_params(warm_start=True).fit(X, y)
    assert len(seg.history_) == 3


def test_accelerated_segmenter_pickles_without_a_second_copy(small):
    """Check that the accelerator pickled with a fitted segmenter no longer holds its network
    and optimizer (what it held before fit is kept), so the pickle is not twice the size and
    a GPU pickle unpickles on a CPU-only machine. Before, accelerator._models and _optimizers
    kept them after training."""
    accelerate = pytest.importorskip("accelerate")
    X, y = small
    params = {**TINY, "hidden_channels": 32, "n_layers": 6, "max_epochs": 1}
    acc = accelerate.Accelerator(cpu=True)
    own = acc.prepare(torch.nn.Linear(2, 2))
    seg = MSTCNSegmenter(accelerator=acc, **params).fit(X, y)
    assert acc._models == [own] and acc._optimizers == []
    plain = MSTCNSegmenter(**params).fit(X, y)
    assert len(pickle.dumps(seg)) < 1.2 * len(pickle.dumps(plain))
    seg.partial_fit(X, y)
    assert acc._models == [own] and acc._optimizers == [] and acc._dataloaders == []
    if not torch.cuda.is_available():
        acc._models.clear()  # a GPU run would have put this one on the GPU too
        assert _same_predictions(_unpickle(dumps_as_gpu(seg, seg)), seg, X)


class _FakeCudaRNG:
    """torch.cuda's random number generators of two devices (torch.manual_seed calls
    manual_seed_all, which sets all of them; fork_rng saves and restores the listed ones)."""

    def __init__(self, monkeypatch):
        self.states = {i: torch.full((16,), 100 + i, dtype=torch.uint8) for i in range(2)}
        cuda = torch.cuda
        monkeypatch.setattr(cuda, "is_available", lambda: True)
        monkeypatch.setattr(cuda, "device_count", lambda: 2)
        monkeypatch.setattr(cuda, "current_device", lambda: 0)
        monkeypatch.setattr(cuda, "_is_in_bad_fork", lambda: False)
        monkeypatch.setattr(cuda, "get_rng_state", lambda device="cuda": self.get(device))
        monkeypatch.setattr(cuda, "set_rng_state", lambda s, device="cuda": self.set(device, s))
        monkeypatch.setattr(cuda, "manual_seed_all", lambda seed: self.seed(range(2), seed))
        monkeypatch.setattr(cuda, "default_generators", tuple(_Gen(self, i) for i in range(2)))

    @staticmethod
    def _index(device):
        device = torch.device("cuda", device) if isinstance(device, int) else torch.device(device)
        return device.index or 0

    def get(self, device):
        return self.states[self._index(device)].clone()

    def set(self, device, state):
        self.states[self._index(device)] = state.clone()

    def seed(self, devices, seed):
        for i in devices:
            self.states[i] = torch.full((16,), seed % 256, dtype=torch.uint8)

    def snapshot(self):
        return [s.tolist() for s in self.states.values()]


class _Gen:
    def __init__(self, rng, index):
        self.rng, self.index = rng, index

    def manual_seed(self, seed):
        self.rng.seed([self.index], seed)
        return self


def test_fit_leaves_the_callers_cuda_random_state_alone(small, monkeypatch):
    """Check that fit(device='cpu') on a machine with GPUs leaves the caller's CUDA random
    state untouched, and that training on cuda:1 seeds that device only. Before, fit seeded
    with torch.manual_seed, which reseeds every CUDA device, inside fork_rng over the training
    device only: the caller's CUDA generators ended at the model's seed."""
    X, y = small
    rng = _FakeCudaRNG(monkeypatch)
    before = rng.snapshot()
    MSTCNSegmenter(max_epochs=1, device="cpu", **{**TINY, "random_state": 7}).fit(X, y)
    assert rng.snapshot() == before
    with MSTCNSegmenter._seeded(7, "cuda:1"):
        assert rng.states[0].tolist() == before[0] and rng.states[1].tolist() == [7] * 16
    assert rng.snapshot() == before


def _causal(small):
    X, y = small
    return MSTCNSegmenter(max_epochs=1, lookahead=1, **TINY).fit(X, y)


@no_cuda
def test_stream_pickled_mid_stream_shares_the_segmenters_network(small):
    """Check that a stream pickled mid-stream keeps using its segmenter's network once loaded
    (also from a GPU run on a CPU-only machine) and continues the stream exactly. Before, the
    stream pickled its own reference to the network with plain pickle: a second copy of the
    network, which a GPU pickle could not load without CUDA."""
    X, _ = small
    seg = _causal(small)
    stream = seg.stream()
    first = stream.partial_predict_proba(X[0][:25])
    for restored in (pickle.loads(pickle.dumps(stream)), _unpickle(dumps_as_gpu(stream, seg))):
        assert restored._streamer.module is restored.segmenter.net_.module_
        rest = [restored.partial_predict_proba(X[0][25:]), restored.close()]
        np.testing.assert_allclose(
            np.concatenate([first, *rest]), seg.predict_proba(X[:1])[0], atol=1e-5
        )


def test_stream_follows_the_network_to_another_device(small, monkeypatch):
    """Check that an open stream continues after set_params(device=...) and predict moved the
    network to another device (meta stands for cuda). Before, the stream's context stayed on
    the old device and the next chunk raised torch's "Expected all tensors to be on the same
    device"."""
    from stgraph_sklearn.nn import TemporalStreamer

    X, _ = small
    seg = _causal(small)
    expected = seg.predict_proba(X[:1])[0]
    check = neural.check_device
    monkeypatch.setattr(
        neural, "check_device", lambda d, name: torch.device(d) if d == "meta" else check(d, name)
    )
    # wrapper tensors cannot be inference tensors: the stand-in device steps under no_grad
    monkeypatch.setattr(
        TemporalStreamer, "step", torch.no_grad()(TemporalStreamer.step.__wrapped__)
    )
    with simulated_cuda(monkeypatch, keep_parameters=False), torch.no_grad():
        stream = seg.stream()
        parts = [stream.partial_predict_proba(X[0][:25])]
        seg.set_params(device="meta").predict(X[1:2])
        parts += [stream.partial_predict_proba(X[0][25:]), stream.close()]
    np.testing.assert_allclose(np.concatenate(parts), expected, atol=1e-5)
