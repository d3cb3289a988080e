"""Model files of pipelines with steps turned off, of models trained on devices not here or with
an accelerator, and label files of recordings whose names cannot name distinct files."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline
from test_model_file import tiny_data

from stgraph_sklearn import load_model, make_segmentation_pipeline, save_model
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.io import write_predictions
from stgraph_sklearn.transformers import ModalityAligner
from stgraph_sklearn.utils import check_device

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}


def tiny_arrays():
    rng = np.random.RandomState(0)
    return [rng.randn(40, 2, 3) for _ in range(3)], [np.repeat(["a", "b"], 20)] * 3


@pytest.mark.parametrize("off", ["passthrough", None])
def test_a_pipeline_with_a_step_turned_off_round_trips(tmp_path, off):
    """Check that a step set to "passthrough" or None is stored and restored.

    save_model refused such a pipeline, calling the step an object to be pickled.
    """
    X, y = tiny_data()
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY))
    model.set_params(sensorgraphbuilder=off).fit(X, y)
    save_model(model, tmp_path / "m.stgm")
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.named_steps["sensorgraphbuilder"] == off
    for a, b in zip(model.predict_proba(X), loaded.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.predict_segments(X).equals(model.predict_segments(X))


def test_a_pipeline_whose_last_step_is_turned_off_round_trips(tmp_path):
    """Check that a pipeline of transformers ending in "passthrough" is stored and restored.

    save_model refused it (and load_model read the device of its last step only).
    """
    X, _ = tiny_data()
    model = Pipeline([("modalityaligner", ModalityAligner()), ("last", "passthrough")]).fit(X)
    save_model(model, tmp_path / "m.stgm")
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.named_steps["last"] == "passthrough"
    for a, b in zip(model.transform(X), loaded.transform(X), strict=True):
        assert list(a.modalities) == list(b.modalities)
        for m in a.modalities:
            np.testing.assert_array_equal(a.modalities[m].values, b.modalities[m].values)


def _usable(device):
    try:
        check_device(device)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("saved", ["mps", "cuda:99"])
def test_a_model_saved_on_a_device_not_here_loads_on_cpu_with_a_warning(tmp_path, saved):
    """Check that load_model falls back to the CPU, with a warning naming the saved device,
    for any device this machine lacks, while an explicit one still raises.

    Only CUDA without a GPU fell back: "mps", or "cuda:1" on a machine with one GPU, failed
    with an error blaming the library versions.
    """
    if _usable(saved):
        pytest.skip(f"device {saved!r} exists on this machine")
    X, y = tiny_arrays()
    seg = MSTCNSegmenter(**TINY).fit(X, y)
    seg.set_params(device=saved)  # as if trained there: the saved parameter
    save_model(seg, tmp_path / "m.stgm")
    with pytest.warns(StgraphWarning, match=rf"device='{saved}'.*'cpu'"):
        loaded = load_model(tmp_path / "m.stgm")
    assert loaded.device == "cpu"
    seg.set_params(device="cpu")
    for a, b in zip(seg.predict_proba(X), loaded.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=rf"load_model: device='{saved}'"):
        load_model(tmp_path / "m.stgm", device=saved)


def test_a_model_saved_on_an_available_device_loads_without_a_warning(tmp_path):
    """Check that the saved device is kept, silently, when it can be used here."""
    X, y = tiny_arrays()
    save_model(MSTCNSegmenter(**TINY).fit(X, y), tmp_path / "m.stgm")
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        assert load_model(tmp_path / "m.stgm").device == "cpu"


def test_a_model_trained_with_an_accelerator_is_saved_without_it(tmp_path):
    """Check that ``accelerator``, training-only like ``callbacks``, is stored as None.

    save_model refused the Accelerator object and suggested pickle.
    """
    accelerate = pytest.importorskip("accelerate")
    X, y = tiny_arrays()
    seg = MSTCNSegmenter(**TINY, accelerator=accelerate.Accelerator(cpu=True)).fit(X, y)
    save_model(seg, tmp_path / "m.stgm")
    loaded = load_model(tmp_path / "m.stgm")
    assert loaded.accelerator is None
    for a, b in zip(seg.predict_proba(X), loaded.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)


def _named(*names):
    recs = [
        Recording({"acc": Modality(np.zeros((30, 3)), rate=10.0)}, frame_rate=10.0, name=name)
        for name in names
    ]
    y_pred = [np.array(["walk"] * 30)] * len(names)
    segments = pd.DataFrame(
        {
            "recording": range(len(names)),
            "name": list(names),
            "start": 0,
            "end": 30,
            "start_s": 0.0,
            "end_s": 3.0,
            "label": "walk",
            "confidence": 1.0,
        }
    )
    return recs, y_pred, segments


def test_write_predictions_refuses_recordings_with_the_same_name(tmp_path):
    """Check that two recordings of one name are refused before anything is written.

    The second label file silently overwrote the first, and the same path was returned twice.
    """
    out = tmp_path / "pred"
    with pytest.raises(ValueError, match=r"write_predictions.*'recordings'.*\['trial1'\]"):
        write_predictions(out, *_named("trial1", "trial2", "trial1"))
    assert not out.exists()


@pytest.mark.parametrize("name", ["S01/trial1", "../escape", "a\\b", ".", "..", ""])
def test_write_predictions_refuses_names_that_are_not_plain_file_names(tmp_path, name):
    """Check that a name with a path separator, "." , ".." or "" is a clear ValueError.

    "S01/trial1" gave pathlib's FileNotFoundError, "../escape" wrote outside ``out``, and the
    others wrote odd files such as ``..txt``.
    """
    out = tmp_path / "pred"
    with pytest.raises(ValueError, match=r"write_predictions: the name of recordings\[1\]"):
        write_predictions(out, *_named("ok", name))
    assert not out.exists() and not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("names", [("Trial1", "trial1"), ("caf\u00e9", "CAFE\u0301")])
def test_write_predictions_refuses_names_differing_only_in_case(tmp_path, names):
    """Check that names one case-insensitive file system would write to one file are refused.

    "Trial1" and "trial1" passed the distinct-names check; on macOS or Windows the second
    label file overwrote the first (also for the composed and decomposed forms of one letter).
    """
    out = tmp_path / "pred"
    with pytest.raises(ValueError, match=r"write_predictions.*differ by more than case"):
        write_predictions(out, *_named("other", *names))
    assert not out.exists()
