"""Inputs found by fuzzing what users hand in (model files, CSV folders, stream lines): each
ends in a clear error naming the file or line, never a traceback or silently wrong output."""

import io
import json
import os

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.cli import main
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import DataFormatError
from stgraph_sklearn.io import read_csv_folder
from stgraph_sklearn.io._model_file import _digest
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.transformers import ModalityAligner

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}


def run(argv, capsys):
    code = main(argv, stream=io.StringIO())
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def causal(tmp_path_factory):
    rng = np.random.RandomState(0)
    X = [
        Recording({"acc": Modality(rng.randn(80, 2, 3), rate=20.0)}, frame_rate=10.0)
        for _ in range(3)
    ]
    y = [np.repeat(["a", "b"], 20)] * 3
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=1).fit(X, y)
    path = tmp_path_factory.mktemp("m") / "causal.stgm"
    save_model(model, path)
    return path


def _rewrite(path, out, edit, *, checksum=True):
    """``path`` with its model tree changed by ``edit(tree)`` (the checksum recomputed, or
    left stale)."""
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    tree = json.loads(metadata["model"])
    edit(tree)
    metadata["model"] = json.dumps(tree)
    if checksum:
        metadata["sha256"] = _digest(arrays, metadata)
    save_file(arrays, out, metadata=metadata)
    return out


def _segmenter(tree):
    return tree["steps"][-1][1]


@pytest.mark.parametrize("checksum", [True, False])
def test_a_deeply_nested_header_is_damage_not_a_recursion_error(causal, tmp_path, checksum):
    """Check that a header nested 100,000 levels deep is a ValueError naming the file (a
    RecursionError escaped load_model and the command line)."""
    deep = "[" * 100_000 + "]" * 100_000

    def edit(tree):
        tree["params"] = "PLACEHOLDER"

    path = _rewrite(causal, tmp_path / "deep.stgm", edit, checksum=False)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    metadata["model"] = metadata["model"].replace('"PLACEHOLDER"', deep)
    if checksum:
        metadata["sha256"] = _digest(arrays, metadata)
    save_file(arrays, path, metadata=metadata)
    with pytest.raises(ValueError, match=r"deep\.stgm (is damaged|is not a model file)"):
        load_model(path)


@pytest.mark.parametrize(
    "edit, needle",
    [
        (lambda t: _segmenter(t).pop("module"), "network of .* is missing"),
        (lambda t: _segmenter(t)["state"]["__dict__"].append(["predict", 1]), "'predict'"),
        (
            lambda t: (
                _segmenter(t).update(class_="x")
                or _segmenter(t).update({"class": "stgraph_sklearn.estimators.BaseSegmenter"})
            ),
            "unknown class",
        ),
        (
            lambda t: _segmenter(t)["params"]["__dict__"].append(["temporal_stride", 0]),
            "temporal_stride",
        ),
    ],
    ids=["no-network", "state-entry", "abstract-class", "invalid-parameter"],
)
def test_a_file_that_does_not_rebuild_a_fitted_model_is_refused(causal, tmp_path, edit, needle):
    """Check that a well-formed file (valid checksum) whose model cannot be what save_model
    wrote is refused at load: such files loaded and failed at predict with AttributeError or
    TypeError, or predicted otherwise (temporal_stride=0)."""
    path = _rewrite(causal, tmp_path / "edited.stgm", edit)
    with pytest.raises(ValueError, match=rf"edited\.stgm .*{needle}"):
        load_model(path)


def _folder(root, *, acc=None):
    """One recording (``acc.csv`` at 20 Hz for 10 s, or the given text) and its segments."""
    (root / "rec0").mkdir(parents=True)
    t = np.arange(200) / 20
    table = pd.DataFrame({"time": t, "w_x": np.sin(t), "w_y": np.cos(t)})
    if acc is None:
        table.to_csv(root / "rec0" / "acc.csv", index=False)
    else:
        (root / "rec0" / "acc.csv").write_bytes(acc)
    (root / "segments.csv").write_text("recording,start,end,label\nrec0,0,5,a\nrec0,5,10,b\n")
    return root


def test_a_table_without_a_time_column_is_refused_at_any_frame_rate(tmp_path):
    """Check that a modality file without a time column is refused when a frame rate is
    given too (predict passes the model's): its rows were taken at the frame rate, so a 20-Hz
    file became a recording twice as long, without a word."""
    root = _folder(tmp_path / "d")
    table = pd.read_csv(root / "rec0" / "acc.csv").drop(columns="time")
    table.to_csv(root / "rec0" / "acc.csv", index=False)
    with pytest.raises(DataFormatError, match=r"acc\.csv has no time index or time column"):
        read_csv_folder(root, frame_rate=10.0)


def test_nul_bytes_in_a_table_are_refused_with_their_line(tmp_path):
    """Check that a NUL byte in a CSV file is refused naming the line (pandas cut the cell
    at it: "3.2\\0 99" read 3.2; a torn write's zeros merged rows)."""
    text = b"time,w_x\n0.0,1.0\n0.05,3.2\x00 99\n0.1,2.0\n"
    root = _folder(tmp_path / "d", acc=text)
    with pytest.raises(DataFormatError, match=r"acc\.csv, line 3: a NUL byte"):
        read_csv_folder(root)


def test_a_modality_file_that_is_not_a_file_is_named(tmp_path):
    """Check that a <modality>.csv that is a broken link or a folder is refused naming it (it
    was skipped, so the sensor went missing without a word)."""
    root = _folder(tmp_path / "d")
    os.symlink(tmp_path / "nowhere.csv", root / "rec0" / "video.csv")
    with pytest.raises(DataFormatError, match=r"video\.csv: is a broken symbolic link"):
        read_csv_folder(root)
    os.remove(root / "rec0" / "video.csv")
    (root / "rec0" / "video.csv").mkdir()
    with pytest.raises(DataFormatError, match=r"video\.csv: is a folder"):
        read_csv_folder(root)


def test_values_that_overflow_the_alignment_are_refused_by_modality():
    """Check that sensor values near float64's limit are refused naming X[i] and the
    modality: the window integrals overflowed into NaN frames (used without an error) or an
    error naming nothing."""
    values = np.random.RandomState(0).randn(200, 1, 2)
    values[77, 0, 1] = 1e308
    rec = Recording({"acc": Modality(values, rate=20.0)}, frame_rate=10.0)
    with pytest.raises(ValueError, match=r"ModalityAligner: X\[0\] modality 'acc' has values too"):
        ModalityAligner().fit_transform([rec])


@pytest.mark.parametrize(
    "line, needle",
    [
        ('"acc,0.1,1,2,3,4,5,6\n', "line 2: expected 'modality,time,values...'"),
        ("acc,0.1," + "9" * 200_000 + "\n", "line 2: not a CSV line"),
        (b"acc,0.1,1,2,3,4,5,\xe96\n", "line 2: not UTF-8 text"),
    ],
    ids=["stray-quote", "long-field", "latin-1"],
)
def test_stream_lines_that_are_not_csv_text_are_named(causal, tmp_path, capsys, line, needle):
    """Check that a stream line with a stray quote (it swallowed the rest of the stream), a
    field beyond csv's limit (a raw _csv.Error) or bytes that are not UTF-8 (an error without
    its line) ends in one error line naming it, with the message kept short."""
    good = b"acc,0.0,1,2,3,4,5,6\n"
    later = b"acc,0.2,1,2,3,4,5,6\n" * 40
    data = line if isinstance(line, bytes) else line.encode()
    (tmp_path / "in.csv").write_bytes(good + data + later)
    code, err = run(["stream", "--model", str(causal), "--input", str(tmp_path / "in.csv")], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and len(lines[0]) < 500, err[:500]
