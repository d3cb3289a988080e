"""Tests of load_50salads on tiny trials written in the release's exact on-disk formats."""

import datetime as dt
import re

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold

from stgraph_sklearn.datasets import load_50salads
from stgraph_sklearn.datasets._vocabulary import subject_from_trial
from stgraph_sklearn.exceptions import DataFormatError, MissingSensorWarning, StgraphWarning

N_FRAMES = 150
OBJECT_CODE = {"bowl": 1.0, "glass": 2.0, "knife": 3.0, "peeler": 4.0, "plate": 5.0}
# trial -> (device id -> object); the mapping differs per trial, plate (1-2) never reports
TRIALS = {
    "01-1": {3: "knife", 5: "bowl", 7: "peeler"},
    "01-2": {1: "bowl", 2: "peeler", 3: "knife", 4: "plate"},
    "02-1": {2: "knife", 9: "bowl", 1: "peeler", 6: "glass"},
}
DRIFT_MS = {"01-1": 30.0, "01-2": -20.0, "02-1": 0.0}
MIDNIGHT = dt.datetime(2012, 5, 1)


def frame_time(k, i):
    """Microsecond timestamp of frame i of trial number k."""
    return 1_350_000_000_000_000 + k * 10**9 + round(i * 1e6 / 30)


def trial_clock(k, trial):
    """(a1, o1, a2, o2) in ms: accelerometer time = video time - o."""
    v0 = frame_time(k, 0) / 1000.0
    acc0 = (10 * 3600 + k * 60) * 1000.0 + 250.0  # 10:0k:00.250 at the first frame
    o1 = v0 - acc0
    return v0 + 1000.0, o1, v0 + 4000.0, o1 - DRIFT_MS[trial]


def offset_ms(v, a1, o1, a2, o2):
    return np.interp(v, [a1, a2], [o1, o2])


def annotation_lines(k):
    f = lambda i: frame_time(k, i)  # noqa: E731
    return [
        f"{f(0)} {f(149)} cut_and_mix_ingredients",
        f"{f(20)} {f(60)} cut_tomato_core",
        f"{f(80)} {f(100)} place_tomato_into_bowl_core",
        f"{f(10)} {f(20)} cut_tomato_prep",
        f"{f(110)} {f(140)} prepare_dressing",
        f"{f(60)} {f(70)} cut_tomato_post",
        f"{f(110)} {f(130)} add_salt_core",
        f"{f(130) + 5} {f(135)} mix_dressing_prep",
    ]


def expected_labels(granularity):
    lab = np.full(N_FRAMES, "background", dtype=object)
    lab[10:70] = "cut_tomato" if granularity == "mid" else "cut"
    lab[80:100] = "place_tomato_into_bowl" if granularity == "mid" else "place"
    lab[110:130] = "add_salt" if granularity == "mid" else "background"
    lab[131:135] = "mix_dressing"
    return lab.astype(str)


def write_release(root):
    acc_dir = root / "raw" / "acc-sync" / "accelerometers"
    sync_dir = root / "raw" / "acc-sync" / "synchronization"
    ts_dir = root / "raw" / "ann-ts" / "timestamps"
    seq_dir = root / "labels" / "sequences"
    for d in (acc_dir, sync_dir, ts_dir, seq_dir):
        d.mkdir(parents=True)
    for k, (trial, mapping) in enumerate(TRIALS.items()):
        a1, o1, a2, o2 = trial_clock(k, trial)
        sync = [f"{a1:.0f},{o1:.0f}", f"{a2:.0f},{o2:.0f}"]
        sync += [f"{dev},{name}" for dev, name in mapping.items()]
        (sync_dir / f"{trial}-synchronization.txt").write_text("\n".join(sync) + "\n")
        frames = [f"{frame_time(k, i)} depth-{i:05d}.pgm" for i in range(N_FRAMES)]
        (ts_dir / f"timestamps-{trial}.txt").write_text("\n".join(frames) + "\n")
        (seq_dir / f"{trial}-activityAnnotation.txt").write_text(
            "\n".join(annotation_lines(k)) + "\n"
        )
        rows = []
        v0 = frame_time(k, 0) / 1000.0
        devices = {**mapping, 8: "unmapped"}
        for dev, name in devices.items():
            if name == "plate":
                continue  # listed in the mapping, never reports
            t = np.arange(-0.3, 5.3, 0.02) + 0.003 * dev  # reference seconds
            if trial == "01-1" and name == "knife":
                t = t[(t < 2.0) | (t >= 2.5)]  # half a second without samples
            acc = np.round(v0 + 1000 * t - offset_ms(v0 + 1000 * t, a1, o1, a2, o2))
            for seq, (ti, ms) in enumerate(zip(t, acc, strict=True)):
                stamp = MIDNIGHT + dt.timedelta(milliseconds=float(ms))
                text = stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d}"
                code = OBJECT_CODE.get(name, 9.0)
                rows.append((ms, f"acc,{text},{dev},{seq},{code},{ti:.6f},{dev}"))
        rows.sort()
        (acc_dir / f"{trial}-accelerometer.csv").write_text("\n".join(r for _, r in rows) + "\n")
    return root


@pytest.fixture
def release(tmp_path):
    return write_release(tmp_path / "50salads")


def load(root, **kwargs):
    with pytest.warns(MissingSensorWarning):
        return load_50salads(root, **kwargs)


def test_recordings_subjects_and_groups(release):
    """Check one recording per annotated trial, in order, with subjects and frame timeline."""
    X, y, groups = load(release)
    assert [r.name for r in X] == ["01-1", "01-2", "02-1"]
    assert [r.subject for r in X] == [1, 1, 2]
    assert groups.tolist() == [1, 1, 2]
    for rec, labels in zip(X, y, strict=True):
        assert rec.frame_rate == 30.0
        assert rec.n_frames == N_FRAMES == len(labels)
        assert list(rec.modalities) == ["accel"]


@pytest.mark.parametrize("granularity", ["mid", "eval"])
def test_labels_from_unsorted_mixed_level_annotations(release, granularity):
    """Check labels merge phases, ignore high-level activities and follow the eval mapping."""
    _, y, _ = load(release, granularity=granularity)
    for labels in y:
        np.testing.assert_array_equal(labels, expected_labels(granularity))


def test_node_order_mapping_and_missing_devices(release):
    """Check nodes are the sorted union of objects and per-trial device mappings are used."""
    with pytest.warns(MissingSensorWarning) as record:
        X, _, _ = load_50salads(release)
    messages = " ".join(str(w.message) for w in record)
    assert "'plate' (device 4) never reports" in messages
    assert "'glass' is not in the synchronization mapping" in messages
    for rec, mapping in zip(X, TRIALS.values(), strict=True):
        acc = rec.modalities["accel"]
        assert acc.node_names == ("bowl", "glass", "knife", "peeler", "plate")
        assert acc.rate == 50.0 and acc.n_channels == 3
        assert np.isnan(acc.values[:, 4]).all()  # plate: never reports / not mapped
        assert np.isnan(acc.values[:, 1]).all() == ("glass" not in mapping.values())
        device_of = {name: dev for dev, name in mapping.items()}
        for node, name in enumerate(acc.node_names):
            finite = np.isfinite(acc.values[:, node, 0])
            if name not in device_of or name == "plate":
                continue
            assert finite.mean() > 0.9
            np.testing.assert_allclose(acc.values[finite, node, 0], OBJECT_CODE[name])
            np.testing.assert_allclose(acc.values[finite, node, 2], device_of[name])


def test_clock_anchors_follow_synchronization(release):
    """Check the clock anchors, and that stamp = t + offset(t) holds for every sample."""
    X, _, _ = load(release)
    for rec, trial in zip(X, TRIALS, strict=True):
        acc = rec.modalities["accel"]
        expected = [[1.0, 0.0], [4.0, DRIFT_MS[trial] / 1000.0]]
        np.testing.assert_allclose(acc.clock, expected, atol=1e-6)
        ref = acc.values[:, :, 1]  # channel y holds each sample's reference time
        times = np.broadcast_to(acc.times[:, None], ref.shape)
        ok = np.isfinite(ref)
        np.testing.assert_allclose(times[ok], ref[ok] + acc.offset_at(ref[ok]), atol=2e-3)
        assert abs(acc.start - (-0.3 + acc.offset_at(-0.3) + 0.003)) < 0.03


def test_gap_in_a_device_becomes_nan(release):
    """Check a half-second without samples of one device is NaN there, and only there."""
    X, _, _ = load(release)
    acc = X[0].modalities["accel"]
    knife = acc.node_names.index("knife")
    missing = np.isnan(acc.values[:, knife, 0])
    t = acc.times - acc.offset_at(acc.times)
    inside = (t > 2.05) & (t < 2.45)
    assert missing[inside].all()
    assert not missing[(t > 0.0) & (t < 1.9)].any()
    assert not missing[(t > 2.6) & (t < 5.0)].any()


def test_video_features(release, tmp_path):
    """Check MS-TCN-named video features become a 30 fps one-node modality."""
    folder = tmp_path / "features"
    folder.mkdir()
    feats = {}
    for k, trial in enumerate(TRIALS):
        feats[trial] = np.arange(4 * N_FRAMES, dtype=np.float32).reshape(4, N_FRAMES) + k
        name = f"rgb-{trial}.npy" if k < 2 else f"{trial}.npy"
        np.save(folder / name, feats[trial])
    X, _, _ = load_50salads(release, modalities=(), video_features=folder)
    for rec, trial in zip(X, TRIALS, strict=True):
        assert list(rec.modalities) == ["video"]
        video = rec.modalities["video"]
        assert video.rate == 30.0 and video.values.shape == (N_FRAMES, 1, 4)
        np.testing.assert_array_equal(video.values[:, 0], feats[trial].T)
    X, _, _ = load(release, video_features=folder)
    assert list(X[0].modalities) == ["accel", "video"]
    (folder / "02-1.npy").unlink()
    with pytest.raises(FileNotFoundError, match="02-1"):
        load_50salads(release, modalities=(), video_features=folder)


def test_subject_from_trial():
    """Check both trial naming schemes give the subject."""
    assert subject_from_trial("rgb-03-2") == 3
    assert subject_from_trial("27-1") == 27
    assert subject_from_trial("S1_Cheese_C1") is None


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"granularity": "fine"}, ValueError, "'granularity' parameter of load_50salads"),
        ({"modalities": ("depth",)}, ValueError, "'modalities' parameter"),
        ({"modalities": ()}, ValueError, "nothing to load"),
    ],
)
def test_parameter_errors(release, kwargs, error, match):
    """Check bad parameters raise errors naming the parameter."""
    with pytest.raises(error, match=match):
        load_50salads(release, **kwargs)


def test_missing_files(release, tmp_path):
    """Check missing folders and files raise FileNotFoundError naming them."""
    with pytest.raises(
        FileNotFoundError, match=r"load_50salads: the .root. folder .* does not exist"
    ):
        load_50salads(tmp_path / "nowhere")
    (release / "raw" / "ann-ts" / "timestamps" / "timestamps-01-2.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"timestamps-01-2\.txt"):
        load(release)
    (release / "raw" / "acc-sync" / "synchronization" / "02-1-synchronization.txt").unlink()
    with pytest.raises(FileNotFoundError, match=r"02-1-synchronization\.txt"):
        load_50salads(release)


def replace_line(path, line, text):
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")


ANN = ("labels", "sequences", "01-2-activityAnnotation.txt")
SYNC = ("raw", "acc-sync", "synchronization", "01-2-synchronization.txt")
CSV = ("raw", "acc-sync", "accelerometers", "01-2-accelerometer.csv")
TS = ("raw", "ann-ts", "timestamps", "timestamps-01-2.txt")


@pytest.mark.parametrize(
    "parts, line, text, match",
    [
        (ANN, 3, "1350001000000000 1350001000100000", "expected 'start end label'"),
        (ANN, 2, "1350001000000000 1350001000100000 cut_onion_core", "unknown label"),
        (ANN, 4, "1350001000100000 1350001000000000 add_oil_core", "start <= end"),
        (ANN, 5, "12a 1350001000000000 add_oil_core", "must be numbers"),
        (SYNC, 1, "1350001000000,abc", "anchor"),
        (SYNC, 4, "1,knife", "device 1 is listed twice"),
        (SYNC, 3, "x,bowl", "device id must be an integer"),
        (CSV, 5, "acc,2012-05-01 10:01:00.250,1,4,abc,0.1,1", "7 comma-separated fields"),
        (CSV, 7, "acc,2012-05-01 25:01:00.250,1,6,1.0,0.1,1", "7 comma-separated fields"),
        (CSV, 9, "acc,2012-05-01 10:01:00.250,1,8,1.0,0.1,1,7", "7 comma-separated fields"),
        (CSV, 11, "acc,2012-05-01 10:01:00.250,1,10", "7 comma-separated fields"),
        (TS, 6, "1350001000000000 depth.pgm", "increase strictly"),
        (TS, 8, "later depth.pgm", "numeric time"),
    ],
)
@pytest.mark.filterwarnings("ignore::stgraph_sklearn.exceptions.MissingSensorWarning")
def test_malformed_lines(release, parts, line, text, match):
    """Check a malformed line raises DataFormatError naming the file and the line."""
    path = release.joinpath(*parts)
    replace_line(path, line, text)
    with pytest.raises(DataFormatError, match=match) as info:
        load_50salads(release)
    message = str(info.value)
    assert path.name in message
    assert re.search(rf"line {line}\b", message)


def test_the_command_line_reads_the_release(release):
    """``--format 50salads`` reads what load_50salads reads."""
    from stgraph_sklearn.io import read_dataset

    with pytest.warns(MissingSensorWarning):
        X, y = read_dataset(release, "50salads")
    X_ref, y_ref, _ = load(release)
    assert [r.name for r in X] == [r.name for r in X_ref]
    for a, b in zip(y, y_ref, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("ignore::stgraph_sklearn.exceptions.MissingSensorWarning")
def test_whitespace_only_lines_are_blank_in_every_file(release):
    """A line of spaces at the end of a file is skipped in the accelerometer CSV too, as it is
    in the annotation, synchronisation and timestamp files."""
    X0, y0, _ = load_50salads(release)
    for parts in (ANN, SYNC, CSV, TS):
        path = release.joinpath(*parts)
        path.write_text(path.read_text() + "  \n")
    X, y, _ = load_50salads(release)
    assert [x.n_frames for x in X] == [x.n_frames for x in X0]
    assert all(np.array_equal(a, b) for a, b in zip(y, y0, strict=True))


@pytest.mark.parametrize("parts", [ANN, SYNC, CSV, TS])
@pytest.mark.filterwarnings("ignore::stgraph_sklearn.exceptions.MissingSensorWarning")
def test_text_that_is_not_utf8_names_the_file_and_line(release, parts):
    """Check a byte that is not UTF-8 gives a DataFormatError naming the file and line."""
    path = release.joinpath(*parts)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b"\xe9"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(
        DataFormatError, match=re.escape(str(path)) + ", line 3: expected UTF-8 text; byte 0xe9"
    ):
        load_50salads(release)


def test_groups_equal_the_subjects_when_trial_names_mix(release, tmp_path):
    """Check groups[i] == X[i].subject when one trial name lacks the SS-R pattern (all text
    then, so that GroupKFold can sort them), and that groups stay ints when every trial
    follows it."""
    (release / "labels/sequences/zz-activityAnnotation.txt").write_text("0 1 cut_tomato_core\n")
    (release / "raw/ann-ts/timestamps/timestamps-zz.txt").write_text("0 a\n1 b\n")
    folder = tmp_path / "features"
    folder.mkdir()
    for trial, n in (*((t, N_FRAMES) for t in TRIALS), ("zz", 2)):
        np.save(folder / f"rgb-{trial}.npy", np.zeros((4, n)))
    X, _, groups = load_50salads(release, modalities=(), video_features=folder)
    assert [r.subject for r in X] == ["1", "1", "2", "zz"]
    assert groups.tolist() == ["1", "1", "2", "zz"]
    assert all(g == r.subject for g, r in zip(groups, X, strict=True))
    assert len(list(GroupKFold(2).split(X, groups=groups))) == 2
    (release / "labels/sequences/zz-activityAnnotation.txt").unlink()
    _, _, groups = load_50salads(release, modalities=(), video_features=folder)
    assert groups.dtype.kind == "i" and groups.tolist() == [1, 1, 2]


@pytest.mark.parametrize("transposed", [True, False])
def test_video_features_of_another_length_warn(release, tmp_path, transposed):
    """Check that a features file whose frame count is not the trial's warns, saying when it
    looks transposed (a (T, D) file became T channels of D frames, 74 of 90 frames masked,
    silently)."""
    folder = tmp_path / "features"
    folder.mkdir()
    for k, trial in enumerate(TRIALS):
        n = N_FRAMES if k else (N_FRAMES if transposed else 3 * N_FRAMES)
        feats = np.zeros((4, n), dtype=np.float32)
        np.save(folder / f"{trial}.npy", feats.T if transposed and not k else feats)
    match = "looks saved transposed" if transposed else "Is it the features file of this trial"
    with pytest.warns(StgraphWarning, match=match):
        load_50salads(release, modalities=(), video_features=folder)
