"""Seeds and the process's random state (a QA pass over reproducibility): fits in threads,
model files, the seed range, and transformed data that shares memory with the input."""

import threading

import numpy as np
import pytest
import torch

from stgraph_sklearn import SensorGraphBuilder, load_model, save_model
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import FrameClassifierSegmenter, MSTCNSegmenter

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 2}


@pytest.fixture(scope="module")
def small():
    rng = np.random.RandomState(0)
    X = [rng.randn(60, 2, 3) + i for i in range(6)]
    y = [np.repeat(["idle", "stir", "cut"], 20)] * 6
    return X, y


def _proba(model, X):
    return np.concatenate(model.predict_proba(X))


def test_fits_in_threads_give_the_results_of_fits_one_after_another(small):
    """Check that two seeded fits running at once in threads of one process give what they
    give one after the other, and leave the caller's torch generator alone: each reseeded the
    process-wide generator the other was drawing from (joblib's threading backend)."""
    X, y = small

    def fit(seed):
        return MSTCNSegmenter(**TINY, max_epochs=4, random_state=seed).fit(X, y)

    expected = {seed: _proba(fit(seed), X) for seed in (0, 1)}
    torch.manual_seed(123)
    after = torch.rand(3)
    torch.manual_seed(123)
    got, start = {}, threading.Barrier(2)

    def run(seed):
        start.wait()
        got[seed] = _proba(fit(seed), X)

    threads = [threading.Thread(target=run, args=(seed,)) for seed in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (0, 1):
        np.testing.assert_array_equal(got[seed], expected[seed])
    assert torch.equal(torch.rand(3), after)


def test_load_model_leaves_the_callers_torch_generator_alone(small, tmp_path):
    """Check that load_model does not draw from torch's global generator (it initialised the
    rebuilt network's weights from it before loading the saved ones)."""
    X, y = small
    seg = MSTCNSegmenter(**TINY, max_epochs=1, random_state=0).fit(X, y)
    save_model(seg, tmp_path / "m.stgm")
    torch.manual_seed(42)
    after = torch.rand(3)
    torch.manual_seed(42)
    load_model(tmp_path / "m.stgm")
    assert torch.equal(torch.rand(3), after)


def test_a_loaded_model_holds_out_the_recordings_its_fit_held_out(small, tmp_path):
    """Check that continued training (warm_start, partial_fit) of a model read back by
    load_model splits off the validation recordings its fit did: the split was seeded 0
    whatever the random_state, so recordings it trained on became validation recordings
    (an optimistic valid_loss and early stopping). The optimizer starts afresh, as documented,
    so the continued training itself differs."""
    X, y = small
    params = {**TINY, "max_epochs": 1, "validation_fraction": 0.34}
    seg = MSTCNSegmenter(**params, random_state=7).fit(X, y)
    save_model(seg, tmp_path / "m.stgm")
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.net_.train_split.seed == seg.net_.train_split.seed == 7


@pytest.mark.parametrize("seeds", [(0, 2**31), (2**32 - 1, 2**31 - 1)])
def test_every_seed_scikit_learn_accepts_is_its_own(small, seeds):
    """Check that random_state values scikit-learn treats as different seeds give different
    models: they were folded modulo 2**31, so 0 and 2**31 gave the same network, and
    FrameClassifierSegmenter handed the folded seed to its classifier."""
    X, y = small
    a, b = (MSTCNSegmenter(**TINY, max_epochs=1, random_state=s).fit(X, y) for s in seeds)
    assert not np.array_equal(_proba(a, X), _proba(b, X))
    clf = FrameClassifierSegmenter(random_state=seeds[0]).fit(X[:2], y[:2])
    assert clf.classifier_.random_state == seeds[0]


def test_graph_builder_output_is_not_the_input(small):
    """Check that editing SensorGraphBuilder.transform's output leaves X alone: float32 input
    without missing nodes came back as the block itself, so an in-place edit of the output
    (clipping, imputing) edited the user's arrays and recordings."""
    rng = np.random.RandomState(0)
    arrays = [rng.randn(30, 3, 2).astype(np.float32) for _ in range(2)]
    recs = [Recording({"acc": Modality(a.copy(), rate=10.0)}, frame_rate=10.0) for a in arrays]
    kept = [a.copy() for a in arrays]
    for X, values in ((arrays, arrays), (recs, [r.modalities["acc"].values for r in recs])):
        out = SensorGraphBuilder(strategy="full").fit_transform(X)
        for seq in out:
            for block in seq.blocks.values():
                block *= 100
        for v, k in zip(values, kept, strict=True):
            np.testing.assert_array_equal(v, k)
