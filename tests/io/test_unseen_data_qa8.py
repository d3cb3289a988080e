"""Data the library had not seen (a QA pass with PAMAP2- and Opportunity-like folders): models
fitted in Python used from the command line, failed sensors' placeholder files, one value per
sensor, labels typed by hand, and options the data format does not read."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.cli import main
from stgraph_sklearn.data import recording_from_dataframes, recordings_from_dataframe
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.io import read_csv_folder
from stgraph_sklearn.pipeline import make_segmentation_pipeline

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}


def run(argv, capsys):
    code = main(argv, stream=io.StringIO())
    out = capsys.readouterr()
    return code, out.err


def _fit_in_python(csv_folder, tmp_path, *, order=None, numeric=False):
    """A model fitted in Python on the folder's recordings (modalities in ``order``; labels
    as integers with ``numeric``), saved next to the data."""
    X, y = read_csv_folder(csv_folder)
    if order is not None:
        X = [x.replace(modalities={k: x.modalities[k] for k in order}) for x in X]
    if numeric:
        codes = {name: i for i, name in enumerate(sorted(set(np.concatenate(y))))}
        y = [np.array([codes[v] for v in labels]) for labels in y]
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY), k=1).fit(X, y)
    path = tmp_path / "model.stgm"
    save_model(model, path)
    return model, path


def test_evaluate_reads_text_labels_as_the_numeric_classes_of_a_python_model(
    csv_folder, tmp_path, capsys
):
    """Check that evaluate scores a model fitted in Python on integer labels against the
    same labels written as text in segments.csv: it refused them as "labels ['0', '1', '2']
    are not classes of the model (which knows [0, 1, 2])"."""
    _, path = _fit_in_python(csv_folder, tmp_path, numeric=True)
    table = pd.read_csv(csv_folder / "segments.csv")
    codes = {name: str(i) for i, name in enumerate(sorted(set(table["label"])))}
    table.assign(label=table["label"].map(codes)).to_csv(csv_folder / "segments.csv", index=False)
    code, err = run(["evaluate", "--model", str(path), "--data", str(csv_folder)], capsys)
    assert code == 0, err


def test_evaluate_names_the_recording_with_a_label_the_model_never_saw(
    csv_folder, tmp_path, capsys
):
    """Check that a label the model does not know is reported with the recording holding it
    (the message named only the data folder)."""
    _, path = _fit_in_python(csv_folder, tmp_path)
    table = pd.read_csv(csv_folder / "segments.csv")
    table.loc[table["recording"] == "trial2", "label"] = "cycle"
    table.to_csv(csv_folder / "segments.csv", index=False)
    code, err = run(["evaluate", "--model", str(path), "--data", str(csv_folder)], capsys)
    assert code == 1
    assert "recording 'trial2' has labels ['cycle']" in err, err


def test_the_cli_uses_a_python_model_whose_modalities_were_in_another_order(
    csv_folder, tmp_path, capsys
):
    """Check that predict reads the files of a model fitted in Python on modalities in
    non-alphabetical order, as the model has them: the folder's files (sorted) were refused
    for "another order", with no way out. The labels are those the model gives in Python."""
    _, path = _fit_in_python(csv_folder, tmp_path, order=["video", "accel"])
    code, err = run(
        ["predict", "--model", str(path), "--data", str(csv_folder), "--out", str(tmp_path / "p")],
        capsys,
    )
    assert code == 0, err
    X, _ = read_csv_folder(csv_folder)
    X = [x.replace(modalities={k: x.modalities[k] for k in ("video", "accel")}) for x in X]
    expected = load_model(path).predict(X)
    for x, labels in zip(X, expected, strict=True):
        written = (tmp_path / "p" / f"{x.name}.txt").read_text().split()
        assert written == [str(v) for v in labels]


def test_segment_labels_differing_only_by_spaces_are_warned_of(csv_folder):
    """Check that " stir" next to "stir" in segments.csv warns that they are two classes (a
    model silently learnt one activity as two)."""
    table = pd.read_csv(csv_folder / "segments.csv")
    first = table.index[table["label"] == "stir"][0]
    table.loc[first, "label"] = " stir"
    table.to_csv(csv_folder / "segments.csv", index=False)
    with pytest.warns(StgraphWarning, match=r"segments.csv, line \d+: the labels .* differ only"):
        read_csv_folder(csv_folder)


@pytest.mark.parametrize(
    "argv, option",
    [
        (["--format", "50salads", "--frame-rate", "15"], "--frame-rate"),
        (["--format", "mstcn", "--fill", "idle"], "--fill"),
        (["--split", "3"], "--split"),
        (["--subset", "train"], "--subset"),
    ],
)
def test_options_the_format_does_not_read_are_refused(csv_folder, capsys, argv, option):
    """Check that a data option the chosen --format does not read is refused in one line
    (--frame-rate with 50salads gave 30-fps labels, --split with csv read everything)."""
    code, err = run(["evaluate", "--model", "m.stgm", "--data", str(csv_folder), *argv], capsys)
    assert code == 2
    assert err.startswith(f"stgraph-seg evaluate: error: {option} does not apply"), err


def test_a_placeholder_without_values_does_not_lengthen_the_recording():
    """Check that a failed sensor's file holding times without values (the documented
    placeholder) does not set the recording's length: written with the first and last time of
    the other sensors, it doubled a 20-s recording to 40 s."""
    t = np.arange(1000) / 50
    imu = pd.DataFrame({"time": t, "wrist_x": np.sin(t), "wrist_y": np.cos(t)})
    for times in ([0.0, 19.98], np.arange(20.0)):
        video = pd.DataFrame({"time": times, "f0": np.nan, "f1": np.nan})
        rec = recording_from_dataframes({"imu": imu, "video": video}, frame_rate=10.0)
        assert rec.n_frames == 200
    dead = pd.DataFrame({"time": [0.0, 5.0], "f0": np.nan})  # nothing but placeholders
    assert recording_from_dataframes({"video": dead}, frame_rate=1.0).n_frames == 10


def test_one_value_per_sensor_makes_one_node_per_sensor():
    """Check that columns ``<node>_<channel>`` with one channel per node form nodes, as the
    docs say (``kitchen_temp, hall_temp``): they were one node, so one dead sensor masked the
    others at every frame. A lone column stays the default node."""
    t = np.arange(20.0)
    env = pd.DataFrame({"time": t, "kitchen_temp": 20.0, "hall_temp": np.nan, "bath_temp": 22.0})
    rec = recording_from_dataframes({"env": env, "hr": env[["time", "bath_temp"]]})
    assert rec.node_names == ("env:kitchen", "env:hall", "env:bath", "hr")
    np.testing.assert_array_equal(rec.modalities["env"].present.mean(axis=0), [1, 0, 1])


def test_by_column_can_be_the_subject():
    """Check that by="subject", subject="subject" (one recording per subject, as in PAMAP2)
    gives recordings whose subject is their id: it said there was no subject column."""
    df = pd.DataFrame(
        {"subject": np.repeat([101, 102], 50), "time": np.tile(np.arange(50) / 50, 2), "a_x": 0.0}
    )
    kept = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = recordings_from_dataframe(df, by="subject", subject="subject", frame_rate=10.0)
    assert [(r.name, r.subject, r.n_frames) for r in recs] == [(101, 101, 10), (102, 102, 10)]
    assert list(recs[0].modalities) == ["x"] and recs[0].node_names == ("x",)
    pd.testing.assert_frame_equal(df, kept)
