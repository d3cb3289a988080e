"""Model files and commands under bad paths and damaged files (a QA pass over the CLI): one
line naming what is wrong, never a traceback or a lost model."""

import io
import os

import joblib
import numpy as np
import pytest

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.cli import main
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import NotFittedError, StgraphWarning
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.streaming import stream_csv

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}
FAST = ["--model", "mstcn", *(f"--set={k}={v}" for k, v in TINY.items()), "--set=verbose=0"]


def run(argv, capsys):
    code = main(argv, stream=io.StringIO())
    return code, capsys.readouterr().err


def one_line(code, err, *needles):
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stgraph-seg "), err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture(scope="module")
def toy():
    from stgraph_sklearn.data import Modality, Recording

    rng = np.random.RandomState(0)
    X = [
        Recording({"acc": Modality(rng.randn(80, 2, 3), rate=20.0)}, frame_rate=10.0)
        for _ in range(3)
    ]
    return X, [np.repeat(["a", "b"], 20)] * 3


@pytest.fixture(scope="module")
def causal_file(toy, tmp_path_factory):
    X, y = toy
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=1).fit(X, y)
    path = tmp_path_factory.mktemp("m") / "causal.stgm"
    save_model(model, path)
    return model, path


def test_fit_refuses_an_unwritable_out_folder_before_training(
    csv_folder, tmp_path, capsys, monkeypatch
):
    """Check that --out in a folder that cannot be written is refused before training: the
    model was trained, then lost in a raw SafetensorError traceback. (The folder is made
    unwritable through os.access: root, as on CI, writes into read-only folders.)"""
    import stgraph_sklearn.io._model_file as model_file

    locked = str(tmp_path / "locked")
    os.mkdir(locked)
    real = os.access
    monkeypatch.setattr(
        model_file.os, "access", lambda p, mode: False if p == locked else real(p, mode)
    )
    fitted = []
    monkeypatch.setattr(MSTCNSegmenter, "_fit", lambda *a, **k: fitted.append(1))
    code, err = run(
        ["fit", "--data", str(csv_folder), *FAST, "--out", os.path.join(locked, "m.stgm")], capsys
    )
    one_line(code, err, "--out", "is not writable")
    assert not fitted


def test_save_model_write_failures_are_os_errors_naming_the_path(causal_file, tmp_path):
    """Check that a failed write (here a folder where the temporary file goes) is an OSError
    naming the path given, not a SafetensorError naming a temporary file."""
    model, _ = causal_file
    (tmp_path / "m.stgm.tmp").mkdir()
    with pytest.raises(OSError, match=r"save_model: cannot write '.*m\.stgm'"):
        save_model(model, tmp_path / "m.stgm")


def test_save_model_refuses_a_pipeline_with_an_unfitted_step(toy, tmp_path):
    """Check that a pipeline whose segmenter was fitted but whose transformers were not is
    refused by step name: the file was written and could not predict once loaded."""
    X, y = toy
    pipe = make_segmentation_pipeline(MSTCNSegmenter(**TINY), k=1)
    name = pipe.steps[-1][0]
    arrays = [x.modalities["acc"].values[::2] for x in X]  # the 10-fps frames
    pipe.steps[-1] = (name, MSTCNSegmenter(**TINY).fit(arrays, y))
    with pytest.raises(NotFittedError, match=r"the pipeline's step 'modalityaligner' is not fit"):
        save_model(pipe, tmp_path / "half.stgm")
    assert not (tmp_path / "half.stgm").exists()


def test_damaged_model_headers_are_reported_as_such(causal_file, tmp_path):
    """Check that a model file whose JSON header is damaged, or which lacks an entry, is a
    ValueError naming the file (they raised JSONDecodeError, KeyError or AttributeError)."""
    from safetensors.numpy import save_file

    _, path = causal_file
    raw = bytearray(path.read_bytes())
    start = raw.index(b'"model"')
    raw[start + 12] = ord("{")  # inside the JSON of the model tree
    (tmp_path / "flipped.stgm").write_bytes(bytes(raw))
    header = {"format": "stgraph_sklearn.model", "format_version": "1", "versions": "{}"}
    save_file({"x": np.zeros(1)}, tmp_path / "no_model.stgm", metadata=header)
    save_file({"x": np.zeros(1)}, tmp_path / "list.stgm", metadata={**header, "model": "[]"})
    save_file({"x": np.zeros(1)}, tmp_path / "ver.stgm", metadata={**header, "format_version": "x"})
    for name in ("no_model", "list", "ver"):
        with pytest.raises(ValueError, match=rf"{name}\.stgm is not a model file .* damaged"):
            load_model(tmp_path / f"{name}.stgm")
    with pytest.raises(ValueError, match=r"flipped\.stgm (is not a model file|is damaged)"):
        load_model(tmp_path / "flipped.stgm")
    with pytest.raises(IsADirectoryError, match="is a folder, not a model file"):
        load_model(tmp_path)


def test_a_changed_weight_is_reported_as_damage(toy, causal_file, tmp_path):
    """Check that a file whose tensor bytes changed after it was written (one flipped byte of
    the last weight) is refused as damaged: it loaded and predicted with the changed weight.
    Files without a checksum (written before it was added) still load."""
    model, path = causal_file
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0x01  # the tensors follow the header: the last byte belongs to a tensor
    (tmp_path / "flip.stgm").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"flip\.stgm is damaged: its contents do not match"):
        load_model(tmp_path / "flip.stgm")
    from safetensors import safe_open
    from safetensors.numpy import save_file

    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    metadata.pop("sha256")
    save_file(arrays, tmp_path / "old.stgm", metadata=metadata)
    X, _ = toy
    old = load_model(tmp_path / "old.stgm").predict_proba(X)
    for a, b in zip(old, model.predict_proba(X), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "content", [b"xyz garbage", b"\x80\x05\x95garbage", b"PK\x03\x04zipfile", b"", b"garbage\n"]
)
def test_stream_reports_a_file_that_is_not_a_pickle_in_one_line(
    causal_file, tmp_path, capsys, content
):
    """Check that --model x.joblib holding anything but a pickle ends in one line (zlib, struct
    and unpickling errors came out as tracebacks, or as 'missing entry 22')."""
    (tmp_path / "m.joblib").write_bytes(content)
    code, err = run(
        ["stream", "--model", str(tmp_path / "m.joblib"), "--input", os.devnull], capsys
    )
    one_line(code, err, "cannot read it as a joblib or pickle file")


def test_predict_and_evaluate_read_joblib_models_as_stream_does(toy, csv_folder, tmp_path, capsys):
    """Check that predict and evaluate read a .joblib model (the only file a
    FrameClassifierSegmenter pipeline can be saved in), as stream did."""
    from stgraph_sklearn.io import read_dataset

    X, y = read_dataset(csv_folder, "csv")
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY), k=1).fit(X, y)
    joblib.dump(model, tmp_path / "m.joblib")
    code, err = run(
        ["evaluate", "--model", str(tmp_path / "m.joblib"), "--data", str(csv_folder)], capsys
    )
    assert code == 0, err


def test_stream_refuses_a_bare_segmenter_by_what_it_holds(toy, tmp_path, capsys):
    """Check that a model file holding a segmenter, not a pipeline, is named as such (stream
    failed on an unexpected keyword argument)."""
    X, y = toy
    seg = MSTCNSegmenter(lookahead=0, **TINY).fit([x.modalities["acc"].values[::2] for x in X], y)
    save_model(seg, tmp_path / "seg.stgm")
    code, err = run(
        ["stream", "--model", str(tmp_path / "seg.stgm"), "--input", os.devnull], capsys
    )
    one_line(code, err, "holds a MSTCNSegmenter, not a fitted segmentation pipeline")


@pytest.mark.parametrize(
    "header", ["\ufeffmodality,time,v", "modality, time,v", "Modality,Time", ""]
)
def test_stream_headers_as_spreadsheets_write_them(causal_file, header):
    """Check that a header with a byte-order mark, spaces or capitals, or after a blank
    line, is skipped (it was read as a sample of a modality called 'modality')."""
    model, _ = causal_file
    rng = np.random.RandomState(1)
    rows = [f"acc,{i / 20}," + ",".join(f"{v:.3f}" for v in rng.randn(6)) for i in range(40)]
    lines = ["", header or "modality,time", *rows]
    out = io.StringIO()
    assert stream_csv(model, lines, out) == 20


def test_stream_warns_about_a_frame_rate_other_than_the_models(causal_file):
    """Check that a stream framed at another rate than the training recordings warns, as
    predict does (the model's temporal kernels then span another time)."""
    model, _ = causal_file
    with pytest.warns(StgraphWarning, match="frame_rate=5 but the training recordings were fr"):
        model.stream(frame_rate=5.0)


def test_demo_seed_and_absurd_frame_rates_end_in_one_line(csv_folder, tmp_path, capsys):
    """Check that an out-of-range --random-state is a usage error, and a frame rate that
    does not fit in memory one line (both were tracebacks)."""
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--quick", "--random-state", "-1", "--out", str(tmp_path / "d")])
    assert exc.value.code == 2
    assert "expected an integer from 0 to 2**32 - 1" in capsys.readouterr().err
    code, err = run(
        [
            "fit",
            "--data",
            str(csv_folder),
            *FAST,
            "--frame-rate",
            "1e12",
            "--out",
            str(tmp_path / "m.stgm"),
        ],
        capsys,
    )
    one_line(code, err, "not enough memory", "--frame-rate")


def test_predict_out_and_evaluate_json_are_checked_first(csv_folder, causal_file, tmp_path, capsys):
    """Check that predict --out naming a file, and evaluate --json in a missing folder, are
    named before anything is predicted (bare '[Errno 17] File exists' or an error after
    scoring)."""
    (tmp_path / "file").write_text("x")
    code, err = run(
        [
            "predict",
            "--model",
            "nowhere.stgm",
            "--data",
            str(csv_folder),
            "--out",
            str(tmp_path / "file"),
        ],
        capsys,
    )
    one_line(code, err, "--out", "is a file; expected a folder")
    code, err = run(
        [
            "evaluate",
            "--model",
            "nowhere.stgm",
            "--data",
            str(csv_folder),
            "--json",
            str(tmp_path / "no" / "s.json"),
        ],
        capsys,
    )
    one_line(code, err, "--json", "cannot be written")
    with pytest.raises(SystemExit):
        main(["predict", "--model", "m", "--data", str(csv_folder), "--out", "o", "--fill", "x"])
    capsys.readouterr()


def test_fit_sets_preprocessing_parameters_as_step_params(csv_folder, tmp_path, capsys):
    """Check that --set step__param reaches the preprocessing (the warning about half-second
    windows asked for longer ones, and --set refused every preprocessing parameter), and that
    a per-modality max_gap survives the model file."""
    model = tmp_path / "m.stgm"
    settings = [
        "--set=nodefeatureextractor__windows=[1.0]",
        "--set=modalityaligner__max_gap={'accel': None}",
    ]
    code, err = run(
        ["fit", "--data", str(csv_folder), *FAST, *settings, "--out", str(model)], capsys
    )
    assert code == 0, err
    loaded = load_model(model)
    assert loaded.named_steps["nodefeatureextractor"].windows == [1.0]
    assert loaded.named_steps["modalityaligner"].max_gap_for("accel") == np.inf
    code, err = run(
        ["fit", "--data", str(csv_folder), *FAST, "--set=aligner__x=1", "--out", str(model)], capsys
    )
    one_line(code, err, "--set:", "aligner")


def test_stream_refuses_two_rates_for_one_modality(causal_file, capsys):
    """Check that --rate given twice for a modality is refused (the last one won silently)."""
    _, path = causal_file
    argv = ["stream", "--model", str(path), "--input", os.devnull]
    code, err = run([*argv, "--rate", "acc=20", "--rate", "acc=40"], capsys)
    one_line(code, err, "--rate gives modality 'acc' more than one rate")


def test_the_console_script_prints_warnings_as_one_line(
    csv_folder, causal_file, monkeypatch, capsys
):
    """Check that warnings of the console script (argv None) are one line naming the
    command, without the script's 'sys.exit(main())' source line Python's format added."""
    _, path = causal_file
    argv = ["stgraph-seg", "stream", "--model", str(path), "--input", os.devnull]
    monkeypatch.setattr("sys.argv", [*argv, "--frame-rate", "5"])
    assert main(stream=io.StringIO()) == 1  # an empty input, after the frame-rate warning
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("stgraph-seg stream: StgraphWarning: ")
    assert "frame_rate=5" in err[0] and not any("sys.exit" in line for line in err)


def test_predict_refuses_the_data_folder_as_out(causal_file, csv_folder, capsys):
    """Check that predict --out <the data folder> is refused before anything is written (it
    replaced the folder's segments.csv, the true labels, with the predictions)."""
    _, path = causal_file
    before = (csv_folder / "segments.csv").read_text()
    code, err = run(
        ["predict", "--model", str(path), "--data", str(csv_folder), "--out", str(csv_folder)],
        capsys,
    )
    assert code != 0 and "is the data folder" in err
    assert (csv_folder / "segments.csv").read_text() == before
