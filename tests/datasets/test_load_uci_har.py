"""Tests of load_uci_har on a tiny release written in the UCI HAPT layout."""

import re

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.datasets import load_uci_har
from stgraph_sklearn.exceptions import DataFormatError

ACTIVITIES = ["WALKING", "SITTING", "STANDING", "STAND_TO_SIT"]  # ids 1..4
# experiment -> (user, number of 50 Hz samples)
EXPERIMENTS = {1: (1, 60), 2: (1, 45), 3: (7, 52)}
# experiment user activity start end (1-based, inclusive)
LABELS = [
    (1, 1, 3, 6, 20),
    (1, 1, 4, 21, 30),
    (1, 1, 2, 31, 55),
    (2, 1, 1, 1, 45),
    (3, 7, 3, 11, 20),
    (3, 7, 4, 21, 25),
]


def samples(exp, n, sensor):
    """Distinct, recognisable values: 1000*exp + 10*row + channel (+0.5 for the gyroscope)."""
    base = 1000.0 * exp + 10.0 * np.arange(n)[:, None] + np.arange(3)[None, :]
    return base + (0.5 if sensor == "gyro" else 0.0)


def write_release(root, experiments=EXPERIMENTS, labels=LABELS):
    raw = root / "RawData"
    raw.mkdir(parents=True)
    (root / "activity_labels.txt").write_text(
        "".join(f"{i} {name}   \n" for i, name in enumerate(ACTIVITIES, start=1))
    )
    for exp, (user, n) in experiments.items():
        for sensor in ("acc", "gyro"):
            rows = samples(exp, n, sensor)
            text = "".join(" ".join(f"{v:.8e}" for v in row) + "\n" for row in rows)
            (raw / f"{sensor}_exp{exp:02d}_user{user:02d}.txt").write_text(text)
    (raw / "labels.txt").write_text("".join(" ".join(map(str, r)) + "\n" for r in labels))
    return root


@pytest.fixture
def release(tmp_path):
    return write_release(tmp_path / "HAPT")


def expected_sample_labels(exp, n, include_transitions=True):
    out = np.full(n, "background", dtype=object)
    for e, _, act, start, end in LABELS:
        if e == exp:
            name = ACTIVITIES[act - 1]
            if not include_transitions and "_TO_" in name:
                name = "background"
            out[start - 1 : end] = name
    return out


def test_layout_is_read(release):
    """Check recordings, nodes, values, frame counts, labels and groups."""
    X, y, groups = load_uci_har(release)
    assert [r.name for r in X] == ["exp01_user01", "exp02_user01", "exp03_user07"]
    np.testing.assert_array_equal(groups, [1, 1, 7])
    assert [r.subject for r in X] == [1, 1, 7]
    for rec, labels, (exp, (_, n)) in zip(X, y, EXPERIMENTS.items(), strict=True):
        phone = rec.modalities["smartphone"]
        assert list(rec.modalities) == ["smartphone"]
        assert phone.node_names == ("accelerometer", "gyroscope")
        assert phone.rate == 50.0 and phone.values.shape == (n, 2, 3)
        np.testing.assert_allclose(phone.values[:, 0], samples(exp, n, "acc"))
        np.testing.assert_allclose(phone.values[:, 1], samples(exp, n, "gyro"))
        assert rec.frame_rate == 10.0 and rec.n_frames == n // 5 == len(labels)
        # frame i (0.1 i s) takes the label of sample 5 i (0-based)
        np.testing.assert_array_equal(labels, expected_sample_labels(exp, n)[::5][: n // 5])


def test_label_boundaries_are_one_based_inclusive(tmp_path):
    """Check a row 'start end' covers samples start-1 .. end-1 (0-based), at 50 fps."""
    root = write_release(tmp_path / "h", {1: (2, 10)}, [(1, 2, 1, 3, 4), (1, 2, 2, 10, 10)])
    X, y, groups = load_uci_har(root, frame_rate=50.0)
    expected = ["background"] * 2 + ["WALKING"] * 2 + ["background"] * 5 + ["SITTING"]
    np.testing.assert_array_equal(y[0], expected)
    assert X[0].n_frames == 10 and groups.tolist() == [2]


def test_transitions_become_background(release):
    """Check include_transitions=False relabels the '_TO_' activities as background."""
    _, y_with, _ = load_uci_har(release)
    _, y_without, _ = load_uci_har(release, include_transitions=False)
    assert "STAND_TO_SIT" in np.concatenate(y_with)
    assert "STAND_TO_SIT" not in np.concatenate(y_without)
    for exp, labels in zip(EXPERIMENTS, y_without, strict=True):
        n = EXPERIMENTS[exp][1]
        np.testing.assert_array_equal(labels, expected_sample_labels(exp, n, False)[::5][: n // 5])


def test_frame_rate_picks_the_nearest_sample(release):
    """Check frame i takes the label of sample round(50 i / frame_rate)."""
    X, y, _ = load_uci_har(release, frame_rate=20.0)
    n = EXPERIMENTS[1][1]
    assert X[0].n_frames == 24 == len(y[0])
    idx = np.round(np.arange(24) * 2.5).astype(int)
    np.testing.assert_array_equal(y[0], expected_sample_labels(1, n)[idx])


def test_unequal_sensor_lengths_pad_with_nan(release):
    """Check a gyroscope file shorter than its accelerometer file leaves the node NaN."""
    path = release / "RawData" / "gyro_exp02_user01.txt"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:40]))
    X, _, _ = load_uci_har(release)
    gyro = X[1].modalities["smartphone"].values[:, 1]
    assert np.isnan(gyro[40:]).all() and np.isfinite(gyro[:40]).all()
    assert X[1].n_frames == 9


@pytest.mark.filterwarnings("ignore:SensorGraphBuilder. k=3")
def test_pipeline_runs_on_loaded_recordings(release):
    """Check the loaded recordings go through the default preprocessing and a segmenter."""
    from stgraph_sklearn.estimators import MSTCNSegmenter
    from stgraph_sklearn.pipeline import make_segmentation_pipeline

    X, y, _ = load_uci_har(release)
    seg = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, random_state=0)
    pred = make_segmentation_pipeline(seg).fit(X, y).predict(X)
    assert [len(p) for p in pred] == [len(t) for t in y]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"include_transitions": "yes"}, "'include_transitions' parameter of load_uci_har"),
        ({"frame_rate": 0.0}, "'frame_rate' parameter of load_uci_har"),
        ({"frame_rate": 60.0}, r"range \(0.0, 50.0\]"),
        ({"frame_rate": "10"}, "'frame_rate' parameter of load_uci_har"),
        (
            {"frame_rate": True},
            "'frame_rate' parameter of load_uci_har must be a number, not a bool",
        ),
        ({"root": 3}, "'root' parameter of load_uci_har"),
    ],
)
def test_bad_parameters(release, kwargs, match):
    """Check bad parameters raise sklearn's InvalidParameterError (a ValueError)."""
    kwargs = {"root": release, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        load_uci_har(**kwargs)


def test_missing_files(tmp_path, release):
    with pytest.raises(
        FileNotFoundError, match=r"load_uci_har: the .root. folder .* does not exist"
    ):
        load_uci_har(tmp_path / "nowhere")
    (release / "RawData" / "gyro_exp03_user07.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"gyroscope file not found: .*gyro_exp03_user07"):
        load_uci_har(release)
    (release / "activity_labels.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"does not hold .activity_labels.txt."):
        load_uci_har(release)


def test_labels_for_an_experiment_without_files(tmp_path):
    root = write_release(tmp_path / "h", {1: (1, 20)}, [(1, 1, 1, 1, 5), (4, 2, 1, 1, 5)])
    with pytest.raises(FileNotFoundError, match=r"labels.txt, line 2: .*acc_exp04_user02.txt"):
        load_uci_har(root)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ("1 1 1 5", "line 2: expected five integers"),
        ("1 1 1 5 x", "line 2: expected five integers"),
        ("1 1 9 5 6", "line 2: activity 9 is not in activity_labels.txt"),
        ("1 3 1 5 6", "line 2: experiment 1 belongs to user 1"),
        ("1 1 1 0 6", r"line 2: expected 1 <= start <= end"),
        ("1 1 1 7 6", r"line 2: expected 1 <= start <= end"),
        ("1 1 1 5 61", "line 2: end sample 61 is beyond the 60 samples of experiment 1"),
    ],
)
def test_bad_label_rows(release, row, match):
    path = release / "RawData" / "labels.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], row, *lines[1:]]) + "\n")
    with pytest.raises(DataFormatError, match=re.escape(str(path)) + ", " + match):
        load_uci_har(release)


@pytest.mark.parametrize("bad", ["1.0 2.0", "1.0 2.0 abc", "1.0 2.0 3.0 4.0"])
def test_bad_sensor_rows(release, bad):
    path = release / "RawData" / "acc_exp02_user01.txt"
    lines = path.read_text().splitlines()
    lines[6] = bad
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=re.escape(str(path)) + ", line 7: expected three"):
        load_uci_har(release)


def test_bad_activity_file(release):
    path = release / "activity_labels.txt"
    path.write_text("1 WALKING\n1 SITTING\n")
    with pytest.raises(DataFormatError, match="line 2: activity id 1 is listed twice"):
        load_uci_har(release)
    path.write_text("1 WALKING\n2 background\n")
    with pytest.raises(DataFormatError, match="line 2: 'background' is reserved"):
        load_uci_har(release)
    path.write_text("one WALKING\n")
    with pytest.raises(DataFormatError, match="line 1: the activity id must be an integer"):
        load_uci_har(release)


def test_file_names_without_zero_padding_are_read(release):
    """acc_exp1_user1.txt (a re-export without padding) is read with its own gyro file."""
    raw = release / "RawData"
    for path in sorted(raw.glob("*_exp*_user*.txt")):
        sensor, exp, user = re.match(r"(\w+)_exp0*(\d+)_user0*(\d+)\.txt", path.name).groups()
        path.rename(raw / f"{sensor}_exp{exp}_user{user}.txt")
    X, y, _ = load_uci_har(release)
    assert [r.name for r in X] == ["exp1_user1", "exp2_user1", "exp3_user7"]
    np.testing.assert_allclose(X[2].modalities["smartphone"].values[:, 1], samples(3, 52, "gyro"))
    np.testing.assert_array_equal(y[0], expected_sample_labels(1, 60)[::5][:12])


@pytest.mark.parametrize(
    ("name", "line"),
    [("activity_labels.txt", 2), ("RawData/labels.txt", 3), ("RawData/acc_exp02_user01.txt", 5)],
)
def test_text_that_is_not_utf8_names_the_file_and_line(release, name, line):
    """Check a byte that is not UTF-8 gives a DataFormatError naming the file and line."""
    path = release / name
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1] + b"\xc9"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(
        DataFormatError,
        match=re.escape(str(path)) + f", line {line}: expected UTF-8 text; byte 0xc9 is not",
    ):
        load_uci_har(release)


def test_home_folder_byte_order_marks_and_a_frame_rate_too_low(tmp_path, release, monkeypatch):
    """Check '~' in root (it was not expanded), byte-order marks in labels.txt and
    activity_labels.txt (read as part of the first id), and that a frame rate giving no frame
    names load_uci_har and frame_rate (it blamed a data file)."""
    monkeypatch.setenv("HOME", str(release.parent))
    expected = load_uci_har(release)
    for path in (release / "activity_labels.txt", release / "RawData" / "labels.txt"):
        path.write_text("\ufeff" + path.read_text(), encoding="utf-8")
    X, y, _ = load_uci_har(f"~/{release.name}")
    assert [x.name for x in X] == [x.name for x in expected[0]]
    for a, b in zip(y, expected[1], strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"^load_uci_har: frame_rate=0.001 Hz gives no frame"):
        load_uci_har(release, frame_rate=0.001)


def test_a_wrong_root_names_the_folder_to_pass(tmp_path, release):
    """Check that the usual wrong roots name what to pass (the release's parent, its RawData
    folder, the archive file, a lower-case rawdata folder said only that a file was
    missing, or that an existing file did not exist)."""
    with pytest.raises(FileNotFoundError, match=r"It is in '.*HAPT': pass that folder"):
        load_uci_har(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"It is in '.*HAPT': pass that folder"):
        load_uci_har(release / "RawData")
    archive = tmp_path / "HAPT Data Set.zip"
    archive.write_bytes(b"PK\x03\x04")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder; unpack the archive"):
        load_uci_har(archive)
    (release / "RawData").rename(release / "rawdata")
    with pytest.raises(FileNotFoundError, match=r"holds no 'RawData' folder .*'rawdata'"):
        load_uci_har(release)


def test_a_gyroscope_file_without_its_accelerometer_file_is_named(release):
    """Check that an experiment with only a gyroscope file is an error, as one with only an
    accelerometer file is (it was dropped without a word unless labels.txt named it)."""
    (release / "RawData" / "acc_exp03_user07.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"gyro_exp03_user07.txt has no accelerometer"):
        load_uci_har(release)
