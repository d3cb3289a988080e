"""save_model / load_model: plain data and safetensors weights, exact predictions, versions."""

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from stgraph_sklearn import load_model, make_segmentation_pipeline, save_model
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.nn import EarlyFusionTCN

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 2, "random_state": 0}
SAVED = Path(__file__).parent / "saved"


def tiny_data(seed=0, n=3, length=60):
    """Raw multimodal recordings (50 Hz accelerometers, 30 fps video) and labels."""
    from stgraph_sklearn.data import Modality, Recording

    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n):
        accel = Modality(rng.randn(length * 5 // 3, 3, 3), rate=50.0, node_names=("a", "b", "c"))
        video = Modality(rng.randn(length, 4), rate=30.0)
        X.append(Recording({"accel": accel, "video": video}, frame_rate=30.0, name=f"r{i}"))
        y.append(np.repeat(["idle", "cut", "mix"], length // 3))
    return X, y


@pytest.mark.parametrize(
    "segmenter",
    [
        AdaptiveGraphSegmenter(**TINY, class_weight="balanced"),
        STGCNSegmenter(**TINY),
        MSTCNSegmenter(**TINY, optimizer="adamw", temporal_stride=2),
    ],
    ids=lambda s: type(s).__name__,
)
def test_pipeline_round_trip_predicts_identically_and_is_smaller_than_pickle(tmp_path, segmenter):
    X, y = tiny_data()
    model = make_segmentation_pipeline(segmenter).fit(X, y)
    path = tmp_path / "model.stgm"
    save_model(model, path)
    loaded = load_model(path)
    for a, b in zip(model.predict_proba(X), loaded.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.predict_segments(X).equals(model.predict_segments(X))
    assert [n for n, _ in loaded.steps] == [n for n, _ in model.steps]
    assert loaded[-1].get_params() == {**model[-1].get_params(), "callbacks": None}
    assert os.path.getsize(path) < len(pickle.dumps(model)) / 2
    # the loaded model keeps training (warm start) and pickles
    loaded.set_params(**{f"{loaded.steps[-1][0]}__warm_start": True}).fit(X, y)
    assert len(loaded[-1].history_) == 2 * TINY["max_epochs"]
    pickle.loads(pickle.dumps(loaded))


def test_the_file_holds_no_pickle_and_records_versions(tmp_path):
    from safetensors import safe_open

    X, y = tiny_data()
    path = tmp_path / "m.stgm"
    save_model(MSTCNSegmenter(**TINY).fit([x.modalities["video"].values for x in X], y), path)
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    versions = json.loads(meta["versions"])
    assert {"stgraph_sklearn", "torch", "scikit-learn"} <= set(versions)
    assert b"\x80\x04" not in path.read_bytes()[:200]  # no pickle protocol header


def test_the_file_gets_an_ordinary_mode(tmp_path):
    """Check that a model file is readable as the umask allows, not private to its writer."""
    X, y = tiny_data()
    path = tmp_path / "m.stgm"
    umask = os.umask(0o022)
    try:
        save_model(MSTCNSegmenter(**TINY).fit([x.modalities["video"].values for x in X], y), path)
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_ctrl_c_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    """Check that an interruption inside the write removes ``<path>.tmp``; only the
    safetensors error was handled, so Ctrl-C left a half-written temporary file."""
    import safetensors.numpy

    X, y = tiny_data()
    seg = MSTCNSegmenter(**TINY).fit([x.modalities["video"].values for x in X], y)

    def interrupted(arrays, filename, metadata=None):
        Path(filename).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors.numpy, "save_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(seg, tmp_path / "m.stgm")
    assert list(tmp_path.iterdir()) == []


def test_predictions_identical_in_a_fresh_process(tmp_path):
    X, y = tiny_data()
    model = make_segmentation_pipeline(AdaptiveGraphSegmenter(**TINY)).fit(X, y)
    save_model(model, tmp_path / "m.stgm")
    np.save(tmp_path / "proba.npy", np.concatenate(model.predict_proba(X)))
    code = (
        "import sys, numpy as np; sys.path.insert(0, sys.argv[2]);"
        "from test_model_file import tiny_data; from stgraph_sklearn import load_model;"
        "m = load_model(sys.argv[1] + '/m.stgm');"
        "p = np.concatenate(m.predict_proba(tiny_data()[0]));"
        "assert (p == np.load(sys.argv[1] + '/proba.npy')).all(), 'predictions differ'"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_unstorable_step_names_the_step_and_suggests_pickle(tmp_path):
    X, y = tiny_data()
    model = make_segmentation_pipeline(FrameClassifierSegmenter(random_state=0)).fit(X, y)
    with pytest.raises(TypeError, match=r"frameclassifiersegmenter.*joblib.dump"):
        save_model(model, tmp_path / "m.stgm")
    assert not (tmp_path / "m.stgm").exists()


def test_unfitted_and_bad_files_are_clear_errors(tmp_path):
    from stgraph_sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="save_model"):
        save_model(MSTCNSegmenter(), tmp_path / "m.stgm")
    with pytest.raises(FileNotFoundError, match="no such model file"):
        load_model(tmp_path / "missing.stgm")
    (tmp_path / "junk.stgm").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a model file"):
        load_model(tmp_path / "junk.stgm")


def test_newer_format_names_both_versions(tmp_path):
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file

    import stgraph_sklearn

    X, y = tiny_data()
    path = tmp_path / "m.stgm"
    save_model(MSTCNSegmenter(**TINY).fit([x.modalities["video"].values for x in X], y), path)
    with safe_open(path, framework="numpy") as f:
        meta = dict(f.metadata())
    meta["format_version"] = "99"
    meta["versions"] = json.dumps({"stgraph_sklearn": "9.0.0"})
    save_file(load_file(path), path, metadata=meta)
    with pytest.raises(ValueError, match=rf"9\.0\.0.*{stgraph_sklearn.__version__}"):
        load_model(path)


def test_committed_model_file_still_loads_and_predicts():
    """A file written by an earlier version: later versions must keep reading it.

    If a change of the networks breaks this test, model files users saved break too: map the
    old layout in ``load_model``. Only before the first release that wrote this file may it be
    regenerated instead (``python tests/io/test_model_file.py``).
    """
    X, _ = tiny_data(seed=1, n=2)
    model = load_model(SAVED / "adaptive_pipeline_v1.stgm")
    expected = np.load(SAVED / "adaptive_pipeline_v1_proba.npy")
    got = np.concatenate(model.predict_proba(X))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(1), expected.argmax(1))


def _write_committed_file():  # pragma: no cover - run by hand: python tests/io/test_model_file.py
    X, y = tiny_data(seed=1, n=2)
    model = make_segmentation_pipeline(AdaptiveGraphSegmenter(**{**TINY, "max_epochs": 5})).fit(
        X, y
    )
    SAVED.mkdir(exist_ok=True)
    save_model(model, SAVED / "adaptive_pipeline_v1.stgm")
    np.save(SAVED / "adaptive_pipeline_v1_proba.npy", np.concatenate(model.predict_proba(X)))


if __name__ == "__main__":  # pragma: no cover
    _write_committed_file()


def test_a_model_saved_with_device_cuda_loads_and_predicts_on_cpu(tmp_path, monkeypatch):
    """Weights are stored as CPU tensors; the device falls back to the CPU when CUDA is absent."""
    import torch

    X, y = tiny_data()
    Xv = [x.modalities["video"].values for x in X]
    seg = MSTCNSegmenter(**TINY).fit(Xv, y)
    seg.device = "cuda"  # as if trained on a GPU (the tensors' device is what save_model reads)
    save_model(seg, tmp_path / "m.stgm")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.device == "cpu" and loaded.net_.device == "cpu"
    seg.device = "cpu"
    for a, b in zip(seg.predict_proba(Xv), loaded.predict_proba(Xv), strict=True):
        np.testing.assert_array_equal(a, b)


def test_neural_segmenter_with_a_network_class_round_trips(tmp_path):
    from stgraph_sklearn.estimators import NeuralSegmenter

    X, y = tiny_data()
    Xv = [x.modalities["video"].values for x in X]
    seg = NeuralSegmenter(EarlyFusionTCN, **TINY).fit(Xv, y)
    save_model(seg, tmp_path / "m.stgm")
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.module is EarlyFusionTCN
    for a, b in zip(seg.predict_proba(Xv), loaded.predict_proba(Xv), strict=True):
        np.testing.assert_array_equal(a, b)


class _UserTCN(EarlyFusionTCN):
    """A user's network class: not a class of stgraph_sklearn."""


def test_a_user_network_class_is_named_in_the_error(tmp_path):
    from stgraph_sklearn.estimators import NeuralSegmenter

    X, y = tiny_data()
    Xv = [x.modalities["video"].values for x in X]
    seg = NeuralSegmenter(_UserTCN, **TINY).fit(Xv, y)
    with pytest.raises(TypeError, match=r"holds the class [\w.]*_UserTCN at 'model.params.module'"):
        save_model(seg, tmp_path / "m.stgm")
