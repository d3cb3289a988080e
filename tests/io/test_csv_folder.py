"""read_csv_folder: names and labels as written, segments on the sensors' clock, clear errors."""

import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.exceptions import DataFormatError
from stgraph_sklearn.io import read_csv_folder


def _folder(root, segments, *, recordings=("r1",), start=0.0, n=300, rate=30.0, time="time"):
    """``root/<recording>/video.csv`` (``n`` samples at ``rate`` Hz from ``start`` s, a step
    at 6 s on that clock) and ``root/segments.csv`` written from ``segments`` rows."""
    t = start + np.arange(n) / rate
    for name in recordings:
        (root / name).mkdir(parents=True)
        video = pd.DataFrame({time: t, "f0": (t >= start + 6.0).astype(float), "f1": 1.0})
        video.to_csv(root / name / "video.csv", index=False)
    table = pd.DataFrame(segments, columns=["recording", "start", "end", "label"])
    table.to_csv(root / "segments.csv", index=False)
    return root


def test_labels_are_kept_as_written_and_an_empty_one_is_an_error(tmp_path):
    """Check that 'None', 'NA' and 'null' are labels, not one merged missing class."""
    rows = [("r1", 0, 3, "None"), ("r1", 3, 6, "NA"), ("r1", 6, 8, "null"), ("r1", 8, 10, "w")]
    _, y = read_csv_folder(_folder(tmp_path / "a", rows))
    assert y[0][0] == "None" and y[0][100] == "NA" and y[0][200] == "null"
    assert sorted(np.unique(y[0]).tolist()) == ["NA", "None", "null", "w"]
    rows[2] = ("r1", 6, 8, "")
    with pytest.raises(DataFormatError, match=r"segments.csv, line 4: the label is empty"):
        read_csv_folder(_folder(tmp_path / "b", rows))


def test_zero_padded_recording_names_and_labels_stay_text(tmp_path):
    """Check that folder '001' matches '001' and labels '01', '10' stay strings."""
    rows = [("001", 0, 5, "01"), ("001", 5, 10, "10")]
    X, y = read_csv_folder(_folder(tmp_path, rows, recordings=("001",)))
    assert X[0].name == "001"
    assert y[0].dtype.kind == "U" and y[0][0] == "01" and y[0][-1] == "10"


@pytest.mark.parametrize("start", [2.0, 1.7e9])
def test_segments_are_on_the_clock_of_the_time_column(tmp_path, start):
    """Check that a clock starting at 2 s (or on Unix time) does not shift the labels."""
    rows = [("r1", start - 2.0, start + 6.0, "a"), ("r1", start + 6.0, start + 10.0, "b")]
    X, y = read_csv_folder(_folder(tmp_path, rows, start=start))
    assert X[0].start_time == start
    signal = X[0].modalities["video"].values[:, 0, 0]
    assert np.argmax(y[0] == "b") == np.argmax(signal > 0.5) == 180


def test_segments_starting_at_zero_label_as_before(tmp_path):
    rows = [("r1", 0.0, 6.0, "a"), ("r1", 6.0, 10.0, "b")]
    X, y = read_csv_folder(_folder(tmp_path, rows))
    assert X[0].start_time == 0.0 and np.argmax(y[0] == "b") == 180 and len(y[0]) == 300


@pytest.mark.parametrize("fill", [None, "bg"])
def test_segments_outside_the_recording_are_an_error_even_with_fill(tmp_path, fill):
    """Check that segments relative to 0 on a Unix-time clock are refused, never all-fill."""
    rows = [("r1", 0.0, 6.0, "a"), ("r1", 6.0, 10.0, "b")]
    root = _folder(tmp_path, rows, start=1.7e9)
    with pytest.raises(DataFormatError, match=r"recording 'r1': no segment .* overlaps its frames"):
        read_csv_folder(root, fill=fill)


def test_iso_datetime_time_column(tmp_path):
    """Check that ISO datetimes in a CSV time column are read (text is dtype str in pandas 3)."""
    root = _folder(tmp_path, [("r1", 0.0, 6.0, "a"), ("r1", 6.0, 10.0, "b")])
    video = pd.read_csv(root / "r1" / "video.csv")
    stamps = pd.Timestamp("2024-05-01 10:00:00") + pd.to_timedelta(video["time"], unit="s")
    video["time"] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    video.to_csv(root / "r1" / "video.csv", index=False)
    X, y = read_csv_folder(root)
    assert X[0].frame_rate == 30.0 and X[0].n_frames == 300
    assert X[0].start_time == 0.0 and np.argmax(y[0] == "b") == 180  # seconds from the start


def test_iso_datetime_segments(tmp_path):
    """Check that segments.csv may give ISO datetimes on a clock of ISO datetimes, and that a
    bad cell names its line."""
    root = _folder(tmp_path, [("r1", 0.0, 6.0, "a"), ("r1", 6.0, 10.0, "b")])
    video = pd.read_csv(root / "r1" / "video.csv")
    stamps = pd.Timestamp("2024-05-01 10:00:00") + pd.to_timedelta(video["time"], unit="s")
    video["time"] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    video.to_csv(root / "r1" / "video.csv", index=False)
    rows = [
        ("r1", "2024-05-01T10:00:00", "2024-05-01T10:00:06", "a"),
        ("r1", "2024-05-01T10:00:06", "2024-05-01T10:00:10", "b"),
    ]
    pd.DataFrame(rows, columns=["recording", "start", "end", "label"]).to_csv(
        root / "segments.csv", index=False
    )
    X, y = read_csv_folder(root)
    assert str(X[0].start_datetime) == "2024-05-01 10:00:00"
    assert np.argmax(y[0] == "b") == 180 and (y[0][:180] == "a").all() and len(y[0]) == 300
    rows[1] = ("r1", "2024-05-01T10:00:06", "soon", "b")
    pd.DataFrame(rows, columns=["recording", "start", "end", "label"]).to_csv(
        root / "segments.csv", index=False
    )
    with pytest.raises(
        DataFormatError, match=r"line 3: 'end' must be a number of seconds or an ISO"
    ):
        read_csv_folder(root)
    rows[1] = ("r1", "2024-05-01T10:00:06", 10.0, "b")
    rows[0] = ("r1", "2024-05-01T10:00:00", 6.0, "a")
    pd.DataFrame(rows, columns=["recording", "start", "end", "label"]).to_csv(
        root / "segments.csv", index=False
    )
    with pytest.raises(DataFormatError, match="must both hold seconds or both ISO 8601 datetimes"):
        read_csv_folder(root)


def test_fill_of_text_labels_that_look_numeric(tmp_path):
    """Check that --fill (a string) fills labels read as text, so one label kind results."""
    rows = [("r1", 0, 4, "3"), ("r1", 5, 10, "7"), ("r2", 0, 5, "3"), ("r2", 5, 10, "7")]
    _, y = read_csv_folder(_folder(tmp_path, rows, recordings=("r1", "r2")), fill="0")
    assert all(v.dtype.kind == "U" for v in y)
    assert y[0][130] == "0" and y[0][0] == "3" and set(y[1]) == {"3", "7"}


def test_labels_false_does_not_read_segments(tmp_path):
    """Check that prediction reads no segments.csv: gaps or junk in it are not an error."""
    root = _folder(tmp_path, [("r1", 0, 4, "a"), ("r1", 5, 10, "b")])
    with pytest.raises(DataFormatError, match="no segment covers frame 120"):
        read_csv_folder(root)
    X, y = read_csv_folder(root, labels=False)
    assert y is None and X[0].n_frames == 300
    (root / "segments.csv").write_text("recording,start\nr1,abc\n")
    assert read_csv_folder(root, labels=False)[1] is None


def test_one_sample_table(tmp_path):
    """Check that a one-row table next to others is read, and alone is a clear error."""
    root = _folder(tmp_path, [("r1", 0.0, 10.0, "a")])
    pd.DataFrame({"time": [0.0], "temp": [21.5]}).to_csv(root / "r1" / "thermo.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, y = read_csv_folder(root)
        assert len(y[0]) == 300
        assert X[0].frame_rate == 30.0 and X[0].modalities["thermo"].n_samples == 1
        (root / "r1" / "video.csv").unlink()
        with pytest.raises(DataFormatError, match=r"thermo.csv\), so no sampling rate"):
            read_csv_folder(root)


def test_time_column_in_any_case_and_unrecognised_time_columns(tmp_path):
    """Check that 'Time' is the clock and 'Time (s)' is refused, not read as a sensor."""
    rows = [("r1", 0.0, 10.0, "a")]
    X, _ = read_csv_folder(_folder(tmp_path / "a", rows, time="Time"), frame_rate=10.0)
    assert X[0].modalities["video"].rate == 30.0 and X[0].modalities["video"].n_channels == 2
    root = _folder(tmp_path / "b", rows, time="Time (s)")
    with pytest.raises(DataFormatError, match=r"video.csv: column 'Time \(s\)' looks like a time"):
        read_csv_folder(root, frame_rate=30.0)


def test_iso_datetimes_across_a_daylight_saving_change(tmp_path):
    """Check that UTC offsets changing within a recording (+01:00 to +02:00) are one clock,
    in the sensor tables and in segments.csv."""
    (tmp_path / "r1").mkdir()
    t = pd.date_range("2024-03-31T01:59:50", periods=600, freq="50ms", tz="Europe/Berlin")
    video = pd.DataFrame({"time": [x.isoformat() for x in t], "f0": 1.0})
    video.to_csv(tmp_path / "r1" / "video.csv", index=False)
    assert video["time"].iloc[0].endswith("+01:00") and video["time"].iloc[-1].endswith("+02:00")
    bounds = [t[0], t[300], t[-1] + pd.Timedelta("50ms")]  # 10:00 wall clock is 3:00 CEST
    rows = [("r1", bounds[0].isoformat(), bounds[1].isoformat(), "a")]
    rows.append(("r1", bounds[1].isoformat(), bounds[2].isoformat(), "b"))
    pd.DataFrame(rows, columns=["recording", "start", "end", "label"]).to_csv(
        tmp_path / "segments.csv", index=False
    )
    X, y = read_csv_folder(tmp_path)
    assert X[0].n_frames == 600 and X[0].start_datetime == t[0]
    assert np.argmax(y[0] == "b") == 300 and (y[0][:300] == "a").all()


def _one_table(root, text, name="video.csv"):
    (root / "r1").mkdir(parents=True)
    (root / "r1" / name).write_text(text)
    return root


@pytest.mark.parametrize(
    "text, match",
    [
        ("time;f0;f1\n0;1;2\n0.1;1;2\n", r"seems separated by ';'; write it with commas"),
        ("time,f0,f1,\n0,1,2,\n0.1,1,2,\n", "every line ends with a comma"),
        ("time,f0,f1\n0,1,2\n0.1,inf,2\n", r"column 'f0' must hold finite numbers .* line 3"),
    ],
    ids=["semicolons", "trailing-commas", "inf"],
)
def test_common_csv_mistakes_are_named(tmp_path, text, match):
    """Check messages for another separator (it blamed a column 'time;f0;f1'), trailing
    commas (blamed a written row index) and an inf cell (named no line)."""
    with pytest.raises((DataFormatError, ValueError), match=match):
        read_csv_folder(_one_table(tmp_path / "d", text), frame_rate=10.0, labels=False)


def test_upper_case_csv_extension_is_read(tmp_path):
    """Check that 'video.CSV' is a modality file (it was skipped, then reported missing)."""
    root = _one_table(tmp_path / "d", "time,f0\n0,1\n0.1,2\n0.2,3\n", name="video.CSV")
    X, _ = read_csv_folder(root, labels=False)
    assert list(X[0].modalities) == ["video"]
