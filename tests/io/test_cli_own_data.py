"""stgraph-seg fit / predict / evaluate on a CSV folder, and its one-line errors."""

import io
import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn import load_model
from stgraph_sklearn.cli import main
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.io import read_dataset

FAST = [
    "--model",
    "mstcn",
    "--set",
    "max_epochs=2",
    "--set",
    "hidden_channels=8",
    "--set",
    "n_layers=3",
    "--set",
    "n_stages=1",
    "--set",
    "verbose=0",
]


def run(argv, capsys):
    stream = io.StringIO()
    code = main(argv, stream=stream)
    return code, stream.getvalue(), capsys.readouterr().err


@pytest.fixture
def fitted(csv_folder, tmp_path, capsys):
    model = tmp_path / "model.stgm"
    code, out, err = run(["fit", "--data", str(csv_folder), *FAST, "--out", str(model)], capsys)
    assert code == 0, err
    assert "Training scores" in out and "overall" in out and model.is_file()
    return csv_folder, model


def test_fit_predict_evaluate_from_a_csv_folder(fitted, tmp_path, capsys):
    data, model = fitted
    out_dir = tmp_path / "pred"
    code, out, err = run(
        ["predict", "--model", str(model), "--data", str(data), "--out", str(out_dir)], capsys
    )
    assert code == 0, err
    labels = (out_dir / "trial0.txt").read_text().split()
    assert len(labels) == 12 * 30 and set(labels) <= {"idle", "stir", "pour"}
    X, _ = read_dataset(data, "csv", labels=False)
    for x, y_pred in zip(X, load_model(model).predict(X), strict=True):
        assert (out_dir / f"{x.name}.txt").read_text().split() == y_pred.tolist()
    table = pd.read_csv(out_dir / "segments.csv")
    assert list(table.columns) == [
        "recording",
        "start",
        "end",
        "label",
        "confidence",
        "start_frame",
        "end_frame",
        "start_s",
        "end_s",
    ]
    # the fixture's clock starts at 0 s: start and end are the seconds from frame 0
    np.testing.assert_allclose(table["start"], table["start_frame"] / 30)
    np.testing.assert_allclose(table["start_s"], table["start"], atol=5e-5)
    assert set(table["recording"]) == {f"trial{i}" for i in range(4)}
    assert table.groupby("recording")["end_s"].max().round(3).eq(12.0).all()
    scores = tmp_path / "scores.json"
    code, out, err = run(
        ["evaluate", "--model", str(model), "--data", str(data), "--json", str(scores)], capsys
    )
    assert code == 0, err
    assert "overall" in out and "F1@50" in out
    got = json.loads(scores.read_text())
    assert set(got) == {"trial0", "trial1", "trial2", "trial3", "overall"}
    assert set(got["overall"]) == {"Acc", "Edit", "F1@10", "F1@25", "F1@50"}


def _one_line_error(code, err, *needles):
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stgraph-seg "), err
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_paths_and_files_end_in_one_line(fitted, tmp_path, capsys):
    data, model = fitted
    code, _, err = run(
        [
            "predict",
            "--model",
            str(tmp_path / "nope.stgm"),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    _one_line_error(code, err, "nope.stgm")
    code, _, err = run(
        ["evaluate", "--model", str(model), "--data", str(tmp_path / "missing")], capsys
    )
    _one_line_error(code, err, "missing")
    (tmp_path / "junk.stgm").write_text("junk")
    code, _, err = run(
        ["evaluate", "--model", str(tmp_path / "junk.stgm"), "--data", str(data)], capsys
    )
    _one_line_error(code, err, "junk.stgm", "not a model file")

    bad = tmp_path / "bad"
    shutil.copytree(data, bad)
    seg = (bad / "segments.csv").read_text().splitlines()
    seg[3] = "trial0,abc,2.0,stir"
    (bad / "segments.csv").write_text("\n".join(seg) + "\n")
    code, _, err = run(["evaluate", "--model", str(model), "--data", str(bad)], capsys)
    _one_line_error(code, err, "segments.csv, line 4", "'start'")

    shutil.rmtree(bad)
    shutil.copytree(data, bad)
    (bad / "trial1" / "accel.csv").write_text('time,a_x\n0.0,1\n0.02,"x\n')
    code, _, err = run(
        ["predict", "--model", str(model), "--data", str(bad), "--out", str(tmp_path / "o")], capsys
    )
    _one_line_error(code, err, "accel.csv")

    shutil.rmtree(bad)
    shutil.copytree(data, bad)
    acc = pd.read_csv(bad / "trial2" / "accel.csv").rename(
        columns=lambda c: c.replace("cup", "pan")
    )
    acc.to_csv(bad / "trial2" / "accel.csv", index=False)
    code, _, err = run(
        ["predict", "--model", str(model), "--data", str(bad), "--out", str(tmp_path / "o")], capsys
    )
    _one_line_error(code, err, "do not match the model", "accel:pan")

    shutil.rmtree(bad)
    shutil.copytree(data, bad)
    segs = pd.read_csv(bad / "segments.csv")
    segs["label"] = segs["label"].replace("stir", "whisk")
    segs.to_csv(bad / "segments.csv", index=False)
    code, _, err = run(["evaluate", "--model", str(model), "--data", str(bad)], capsys)
    _one_line_error(code, err, "whisk", "not classes of the model")


def test_usage_errors_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fit", "--data", "x", "--format", "nope", "--out", "m"])
    assert exc.value.code == 2 and "invalid choice: 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and "stgraph-seg" in capsys.readouterr().out
    for command in ("fit", "predict", "evaluate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "--data" in capsys.readouterr().out
    code, _, err = run(["fit", "--data", "x", "--set", "max_epochs", "--out", "m"], capsys)
    _one_line_error(code, err, "key=value")


def test_mstcn_bundle_format(tmp_path, capsys):
    import numpy as np

    root = tmp_path / "bundle"
    for sub in ("features", "groundTruth", "splits"):
        (root / sub).mkdir(parents=True)
    (root / "mapping.txt").write_text("0 idle\n1 cut\n")
    rng = np.random.RandomState(0)
    names = [f"vid{i}" for i in range(3)]
    for name in names:
        labels = np.repeat(["idle", "cut"], 20)
        feats = rng.randn(6, 40) + (labels == "cut")[None] * 2
        np.save(root / "features" / f"{name}.npy", feats)
        (root / "groundTruth" / f"{name}.txt").write_text("\n".join(labels) + "\n")
    for subset in ("train", "test"):
        (root / "splits" / f"{subset}.split1.bundle").write_text(
            "".join(f"{n}.txt\n" for n in names)
        )
    model = tmp_path / "m.stgm"
    common = ["--data", str(root), "--format", "mstcn"]
    code, out, err = run(["fit", *common, *FAST, "--out", str(model)], capsys)
    assert code == 0, err
    code, out, err = run(["evaluate", "--model", str(model), *common], capsys)
    assert code == 0 and "overall" in out, err
    # the features' frame rate (15 fps for GTEA and Breakfast) reaches the loader
    assert read_dataset(root, "mstcn", frame_rate=15.0)[0][0].frame_rate == 15.0
    assert read_dataset(root, "mstcn")[0][0].frame_rate == 30.0
    # a model fitted at 15 fps evaluates at 15 fps without --frame-rate (it read the bundle
    # at 30 and warned about a resampling that did not happen)
    code, out, err = run(["fit", *common, "--frame-rate", "15", *FAST, "--out", str(model)], capsys)
    assert code == 0, err
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        code, out, err = run(["evaluate", "--model", str(model), *common], capsys)
    assert code == 0 and "overall" in out, err
    # predict labels features without ground truth or mapping: every feature frame
    shutil.rmtree(root / "groundTruth")
    (root / "mapping.txt").unlink()
    out_dir = tmp_path / "predicted"
    code, out, err = run(["predict", "--model", str(model), *common, "--out", str(out_dir)], capsys)
    assert code == 0, err
    assert len((out_dir / "vid0.txt").read_text().splitlines()) == 40


def test_50salads_release_format(tmp_path, capsys):
    """Check fit / predict / evaluate on the raw 50 Salads layout (the loader's fixture)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "_salads_fixture", Path(__file__).parents[1] / "datasets" / "test_load_50salads.py"
    )
    fixture = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fixture)
    root = fixture.write_release(tmp_path / "50salads")
    model, out_dir = tmp_path / "m.stgm", tmp_path / "pred"
    common = ["--data", str(root), "--format", "50salads"]
    code, out, err = run(["fit", *common, *FAST, "--out", str(model)], capsys)
    assert code == 0, err
    code, out, err = run(["predict", "--model", str(model), *common, "--out", str(out_dir)], capsys)
    assert code == 0, err
    segments = pd.read_csv(out_dir / "segments.csv")
    assert {"recording", "start", "end", "start_s", "end_s", "label"} <= set(segments.columns)
    code, out, err = run(["evaluate", "--model", str(model), *common], capsys)
    assert code == 0 and "overall" in out, err


def test_numeric_looking_labels_with_fill_and_predict_ignores_segments(
    csv_folder, tmp_path, capsys
):
    """Check that --fill labels gaps among labels such as '01' (text, as written) and that
    predict reads no segments.csv, so its gaps need no --fill."""
    segs = pd.read_csv(csv_folder / "segments.csv")
    codes = {"idle": "01", "stir": "10", "pour": "2"}
    segs["label"] = segs["label"].map(codes)
    segs.drop(index=1).to_csv(csv_folder / "segments.csv", index=False)  # a gap in trial0
    model, out_dir = tmp_path / "m.stgm", tmp_path / "pred"
    code, _, err = run(
        ["fit", "--data", str(csv_folder), *FAST, "--fill", "00", "--out", str(model)], capsys
    )
    assert code == 0, err
    assert set(load_model(model).classes_) == {"00", *codes.values()}
    code, _, err = run(
        ["predict", "--model", str(model), "--data", str(csv_folder), "--out", str(out_dir)],
        capsys,
    )
    assert code == 0, err
    assert set((out_dir / "trial0.txt").read_text().split()) <= {"00", *codes.values()}


def test_predict_frames_new_data_at_the_models_frame_rate(fitted, tmp_path, capsys):
    """Video at 60 fps next to 50 Hz accelerometers would put the label timeline at 50 fps
    (the lowest rate); predict and evaluate frame it at the model's 30 fps instead, unless
    --frame-rate says otherwise."""
    data, model = fitted
    faster = tmp_path / "faster"
    shutil.copytree(data, faster)
    for folder in faster.glob("trial*"):
        video = pd.read_csv(folder / "video.csv")
        t = np.arange(2 * len(video)) / 60
        fast = {"time": t.round(5)}
        fast.update({c: np.interp(t, video["time"], video[c]) for c in video.columns[1:]})
        pd.DataFrame(fast).to_csv(folder / "video.csv", index=False)
    out_dir = tmp_path / "pred"
    code, _, err = run(
        ["predict", "--model", str(model), "--data", str(faster), "--out", str(out_dir)], capsys
    )
    assert code == 0, err
    assert len((out_dir / "trial0.txt").read_text().split()) == 12 * 30
    code, out, err = run(["evaluate", "--model", str(model), "--data", str(faster)], capsys)
    assert code == 0 and "overall" in out, err
    argv = ["predict", "--model", str(model), "--data", str(faster), "--out", str(out_dir)]
    with pytest.warns(StgraphWarning, match="framed at 50 fps"):
        code, _, err = run([*argv, "--frame-rate", "50"], capsys)
    assert code == 0 and len((out_dir / "trial0.txt").read_text().split()) == 12 * 50


def test_demo_with_an_unwritable_output_folder_ends_in_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    code, _, err = run(["demo", "--quick", "--out", str(tmp_path / "file" / "out")], capsys)
    _one_line_error(code, err, "file")


@pytest.mark.parametrize("clock", ["seconds", "epoch", "iso"])
def test_predicted_segments_read_back_as_the_predicted_labels(fitted, clock, tmp_path, capsys):
    """Check that predict's segments.csv is a valid segments.csv for its data folder: read
    back as labels, it gives every frame the label predicted for it, on a clock of seconds,
    on a large one (Unix time) and on one of ISO datetimes."""
    data, model = fitted
    if clock != "seconds":
        moved = tmp_path / f"data_{clock}"
        shutil.copytree(data, moved)
        for table in moved.glob("*/*.csv"):
            df = pd.read_csv(table)
            t = df["time"] + 1_714_550_400.0
            if clock == "iso":
                t = pd.to_datetime(t, unit="s").dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
            df.assign(time=t).to_csv(table, index=False)
        data = moved
    out_dir = tmp_path / "pred"
    code, _, err = run(
        ["predict", "--model", str(model), "--data", str(data), "--out", str(out_dir)], capsys
    )
    assert code == 0, err
    predicted = pd.read_csv(out_dir / "segments.csv")
    assert list(predicted.columns[:4]) == ["recording", "start", "end", "label"]
    shutil.copy(out_dir / "segments.csv", data / "segments.csv")
    rate = load_model(model)[0].frame_rate_  # the aligner's, as predict reads
    X, y = read_dataset(data, "csv", frame_rate=rate)
    assert len(X) == 4
    for x, labels in zip(X, y, strict=True):
        assert labels.tolist() == (out_dir / f"{x.name}.txt").read_text().split()


def test_fit_on_recordings_framed_at_different_rates_ends_in_one_line(csv_folder, tmp_path, capsys):
    """Check that fit refuses recordings framed at different rates (video at 25 fps in one
    recording puts its timeline at 25 fps, the others' at 30 fps): one line naming the data
    folder, the recordings and their rates, and --frame-rate, which then frames them all on
    one timeline, the model's training frame rate."""
    video = pd.read_csv(csv_folder / "trial1" / "video.csv")
    t = np.arange(12 * 25) / 25
    slow = {"time": t.round(5)}
    slow.update({c: np.interp(t, video["time"], video[c]) for c in video.columns[1:]})
    pd.DataFrame(slow).to_csv(csv_folder / "trial1" / "video.csv", index=False)
    model = tmp_path / "model.stgm"
    argv = ["fit", "--data", str(csv_folder), *FAST, "--out", str(model)]
    code, _, err = run(argv, capsys)
    _one_line_error(
        code, err, str(csv_folder), "trial0, trial2, trial3 at 30 fps", "trial1 at 25 fps"
    )
    assert "--frame-rate HZ" in err and not model.exists()
    code, _, err = run([*argv, "--frame-rate", "30"], capsys)
    assert code == 0, err
    assert load_model(model)[0].frame_rate_ == 30.0


def test_fit_on_recordings_with_other_sensors_or_modalities_names_the_folder(
    csv_folder, tmp_path, capsys
):
    """Check that fit on recordings whose sensors or modality files differ from the first
    recording's ends in one line naming the recording's folder or file, before training."""
    accel = pd.read_csv(csv_folder / "trial2" / "accel.csv")
    accel.columns = [c.replace("cup_", "mug_") for c in accel.columns]
    accel.to_csv(csv_folder / "trial2" / "accel.csv", index=False)
    argv = ["fit", "--data", str(csv_folder), *FAST, "--out", str(tmp_path / "m.stgm")]
    code, out, err = run(argv, capsys)
    _one_line_error(
        code,
        err,
        f"{csv_folder / 'trial2' / 'accel.csv'}: node names ['accel:spoon', 'accel:mug'] do "
        f"not match the first recording {csv_folder / 'trial0'}, which has ['accel:spoon', "
        "'accel:cup'] (same names, same order).",
    )
    assert "X[" not in err and "Training" not in out
    (csv_folder / "trial2" / "accel.csv").unlink()
    code, _, err = run(argv, capsys)
    _one_line_error(
        code,
        err,
        f"{csv_folder / 'trial2'}: modality files ['video.csv'] do not match the first",
        "which has ['accel.csv', 'video.csv'] (missing ['accel.csv'])",
        "To mark a sensor missing for the whole recording, write accel.csv with the time column",
    )


def test_predict_on_reordered_channel_columns_names_the_file(fitted, tmp_path, capsys):
    """Check that predict and evaluate on a recording whose channel columns come in another
    order than in fit end in one line naming the CSV file (columns are not reordered)."""
    data, model = fitted
    moved = tmp_path / "reordered"
    shutil.copytree(data, moved)
    accel = pd.read_csv(moved / "trial1" / "accel.csv")
    order = ["time"] + [f"{n}_{c}" for n in ("spoon", "cup") for c in "yxz"]
    accel[order].to_csv(moved / "trial1" / "accel.csv", index=False)
    expected = (
        f"{moved / 'trial1' / 'accel.csv'}: channel names ['y', 'x', 'z'] do not match the "
        f"model {model}, which has ['x', 'y', 'z'] (same names, same order)."
    )
    argv = ["predict", "--model", str(model), "--data", str(moved), "--out", str(tmp_path / "p")]
    code, _, err = run(argv, capsys)
    _one_line_error(code, err, expected)
    code, _, err = run(["evaluate", "--model", str(model), "--data", str(moved)], capsys)
    _one_line_error(code, err, expected)


def test_home_folder_paths_on_the_command_line(fitted, tmp_path, monkeypatch, capsys):
    """Check '~' in --model, --data, --out and --json (unexpanded by the shell in --out=~/x):
    the label files went to a literal ./~/pred while pandas wrote segments.csv to $HOME/pred."""
    data, model = fitted
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    shutil.copytree(data, tmp_path / "mydata")
    shutil.copy(model, tmp_path / "m.stgm")
    code, _, err = run(
        ["predict", "--model", "~/m.stgm", "--data", "~/mydata", "--out=~/pred"], capsys
    )
    assert code == 0, err
    assert (tmp_path / "pred" / "segments.csv").is_file()
    assert (tmp_path / "pred" / "trial0.txt").is_file() and not (tmp_path / "~").exists()
    code, _, err = run(
        ["evaluate", "--model", "~/m.stgm", "--data", "~/mydata", "--json", "~/s.json"], capsys
    )
    assert code == 0, err
    assert "overall" in json.loads((tmp_path / "s.json").read_text())


def test_repeated_csv_header_names_are_refused(csv_folder, tmp_path, capsys):
    """Check a header naming one column twice (pandas renamed the copy 'spoon_x.1', which
    then read as a sensor and merged two nodes into one)."""
    path = csv_folder / "trial1" / "accel.csv"
    text = path.read_text().splitlines()
    text[0] += ",spoon_x"
    path.write_text("\n".join(line + ",0" if i else line for i, line in enumerate(text)) + "\n")
    code, _, err = run(
        ["fit", "--data", str(csv_folder), *FAST, "--out", str(tmp_path / "m")], capsys
    )
    _one_line_error(code, err, "accel.csv: repeated column names ['spoon_x']")


def test_segment_errors_name_the_recording(csv_folder, tmp_path, capsys):
    """Check that an uncovered frame is named by its recording, not 'recordings[0]' (which
    every recording was called)."""
    table = pd.read_csv(csv_folder / "segments.csv")
    table = table[~((table["recording"] == "trial2") & (table["end"] == table["end"].max()))]
    table.to_csv(csv_folder / "segments.csv", index=False)
    code, _, err = run(
        ["fit", "--data", str(csv_folder), *FAST, "--out", str(tmp_path / "m")], capsys
    )
    _one_line_error(code, err, "of recording 'trial2' (")
    assert "recordings[0]" not in err


def test_a_modality_file_named_with_the_separator_is_named(csv_folder, tmp_path, capsys):
    """Check that a modality file whose name holds '__' (refused: it would split the feature
    names) is named in the error; it named only the recording."""
    data = tmp_path / "renamed"
    shutil.copytree(csv_folder, data)
    (data / "trial0" / "accel.csv").rename(data / "trial0" / "wrist__accel.csv")
    code, _, err = run(["fit", "--data", str(data), *FAST, "--out", str(tmp_path / "m")], capsys)
    _one_line_error(code, err, "wrist__accel.csv", "must not contain '__'")


class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_output_pipe_ends_quietly(fitted, capsys):
    """Check that a reader that closes the output early (`... | head`) ends the command
    without an error line: '[Errno 32] Broken pipe' was printed as an error."""
    data, model = fitted
    code = main(["evaluate", "--model", str(model), "--data", str(data)], stream=_ClosedPipe())
    assert code == 1 and capsys.readouterr().err == ""
