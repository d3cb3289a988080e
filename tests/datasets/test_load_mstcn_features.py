"""Tests of load_mstcn_features on a tiny bundle in the MS-TCN layout."""

import re

import numpy as np
import pytest

from stgraph_sklearn.data import is_lazy
from stgraph_sklearn.datasets import load_mstcn_features
from stgraph_sklearn.exceptions import DataFormatError, StgraphWarning

CLASSES = ["cut_tomato", "place_tomato_into_bowl", "action_start", "action_end"]
VIDEOS = {"rgb-01-1": 12, "rgb-02-2": 9, "S1_Cheese_C1": 10}


def labels_for(n):
    return [CLASSES[(i // 3) % len(CLASSES)] for i in range(n)]


@pytest.fixture
def bundle(tmp_path):
    root = tmp_path / "50salads"
    for sub in ("features", "groundTruth", "splits"):
        (root / sub).mkdir(parents=True)
    (root / "mapping.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(CLASSES)))
    for k, (name, n) in enumerate(VIDEOS.items()):
        feats = np.arange(5 * (n + 1), dtype=np.float32).reshape(5, n + 1) + 100 * k
        np.save(root / "features" / f"{name}.npy", feats)  # one feature frame too many
        (root / "groundTruth" / f"{name}.txt").write_text("\n".join(labels_for(n)) + "\n")
    (root / "splits" / "train.split1.bundle").write_text("rgb-01-1.txt\nS1_Cheese_C1.txt\n")
    (root / "splits" / "test.split1.bundle").write_text("rgb-02-2.txt\n")
    return root


def test_layout_is_read(bundle):
    """Check names, subjects, shapes, labels and the truncation to the shorter length."""
    X, y = load_mstcn_features(bundle, split=1, subset="train")
    assert [r.name for r in X] == ["rgb-01-1", "S1_Cheese_C1"]
    assert [r.subject for r in X] == [1, "S1"]
    for rec, labels, k in zip(X, y, [0, 2], strict=True):
        n = VIDEOS[rec.name]
        assert rec.frame_rate == 30.0 and rec.n_frames == n
        video = rec.modalities["video"]
        assert video.values.shape == (n, 1, 5) and video.rate == 30.0
        expected = np.arange(5 * (n + 1)).reshape(5, n + 1)[:, :n].T + 100 * k
        np.testing.assert_array_equal(video.values[:, 0], expected)
        np.testing.assert_array_equal(labels, labels_for(n))
    X, y = load_mstcn_features(bundle, subset="test")
    assert [r.name for r in X] == ["rgb-02-2"] and X[0].subject == 2


def test_features_stay_on_disk_and_a_missing_file_names_the_video(bundle):
    """Check the features are lazy (read on access) and a deleted file is reported by name."""
    X, _ = load_mstcn_features(bundle, split=1, subset="train")
    assert all(is_lazy(rec.modalities["video"].values) for rec in X)
    (bundle / "features" / "S1_Cheese_C1.npy").unlink()
    assert X[0].load().modalities["video"].values.shape == (12, 1, 5)
    with pytest.raises(FileNotFoundError, match="recording 'S1_Cheese_C1' modality 'video'"):
        X[1].load()


def test_sample_rate_subsamples_frames(bundle):
    """Check sample_rate keeps every k-th frame and divides the frame rate."""
    X, y = load_mstcn_features(bundle, sample_rate=2, frame_rate=15.0)
    rec = X[0]
    assert rec.frame_rate == 7.5 and rec.modalities["video"].rate == 7.5
    assert rec.n_frames == 6 == len(y[0])
    np.testing.assert_array_equal(y[0], labels_for(12)[::2])
    np.testing.assert_array_equal(rec.modalities["video"].values[:, 0, 0], np.arange(13)[:12:2])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"split": 0}, ValueError, "'split' parameter of load_mstcn_features"),
        ({"split": 1.5}, ValueError, "'split' parameter"),
        ({"subset": "val"}, ValueError, "'subset' parameter"),
        ({"sample_rate": 0}, ValueError, "'sample_rate' parameter"),
        ({"frame_rate": -1.0}, ValueError, "'frame_rate' parameter"),
        ({"sample_rate": True}, ValueError, "'sample_rate' parameter .* not a bool"),
        ({"split": True}, ValueError, "'split' parameter .* not a bool"),
        ({"frame_rate": True}, ValueError, "'frame_rate' parameter .* not a bool"),
        ({"split": 2}, FileNotFoundError, r"train\.split2\.bundle"),
    ],
)
def test_parameter_errors(bundle, kwargs, error, match):
    """Check bad parameters and absent splits raise errors naming them."""
    with pytest.raises(error, match=match):
        load_mstcn_features(bundle, **kwargs)


def test_missing_and_malformed_files(bundle, tmp_path):
    """Check missing or malformed files raise errors naming the file (and line)."""
    with pytest.raises(FileNotFoundError, match=r"^load_mstcn_features: the 'root' folder"):
        load_mstcn_features(tmp_path / "nowhere")
    gt = bundle / "groundTruth" / "S1_Cheese_C1.txt"
    lines = gt.read_text().splitlines()
    lines[4] = "cut_onion"
    gt.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=r"S1_Cheese_C1\.txt, line 5: label not listed"):
        load_mstcn_features(bundle)
    (bundle / "mapping.txt").write_text("0 cut_tomato\nx place\n")
    with pytest.raises(DataFormatError, match=re.escape("mapping.txt, line 2")):
        load_mstcn_features(bundle)
    (bundle / "mapping.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(CLASSES)))
    np.save(bundle / "features" / "rgb-01-1.npy", np.zeros(4))
    with pytest.raises(DataFormatError, match=r"rgb-01-1\.npy.*shape \(n_features, n_frames\)"):
        load_mstcn_features(bundle)
    (bundle / "features" / "rgb-01-1.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"rgb-01-1\.npy"):
        load_mstcn_features(bundle)


@pytest.mark.parametrize("name", ["groundTruth/S1_Cheese_C1.txt", "mapping.txt"])
def test_text_that_is_not_utf8_names_the_file_and_line(bundle, name):
    """Check a byte that is not UTF-8 gives a DataFormatError naming the file and line."""
    path = bundle / name
    lines = path.read_bytes().split(b"\n")
    lines[1] = b"\xff" + lines[1]
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(
        DataFormatError, match=re.escape(str(path)) + ", line 2: expected UTF-8 text; byte 0xff"
    ):
        load_mstcn_features(bundle)


def test_home_folder_byte_order_mark_and_complex_features(bundle, monkeypatch):
    """Check '~' in root, a byte-order mark in mapping.txt (it read as the class id
    '\\ufeff0'), and complex features named by file (a TypeError named no file)."""
    monkeypatch.setenv("HOME", str(bundle.parent))
    mapping = bundle / "mapping.txt"
    mapping.write_text("\ufeff" + mapping.read_text(), encoding="utf-8")
    X, _ = load_mstcn_features(f"~/{bundle.name}", split=1, subset="train")
    assert [r.name for r in X] == ["rgb-01-1", "S1_Cheese_C1"]
    np.save(bundle / "features" / "rgb-01-1.npy", np.ones((5, 13), dtype=np.complex64))
    with pytest.raises(DataFormatError, match=r"rgb-01-1.npy: expected .* real numbers"):
        load_mstcn_features(bundle, split=1, subset="train")


def test_features_much_shorter_than_their_labels_warn(bundle):
    """Check that features saved (n_frames, n_features) are flagged: both were silently cut to
    the shorter length, losing most of the video."""
    n = VIDEOS["rgb-02-2"]  # 9 labels; 64 features of 9 frames saved as (n_frames, 64)
    np.save(bundle / "features" / "rgb-02-2.npy", np.ones((n, 64), dtype=np.float32))
    with pytest.warns(StgraphWarning, match=r"rgb-02-2.npy has 64 frames but .* 9 labels"):
        load_mstcn_features(bundle, subset="test")


def test_features_without_labels_need_no_ground_truth(bundle):
    """Check that ``labels=False`` reads features of videos without ground truth or mapping.

    The loader required ``mapping.txt`` and every ``groundTruth/<name>.txt`` even for features
    to be labelled, and cut the features to the label count.
    """
    for path in (bundle / "groundTruth").iterdir():
        path.unlink()
    (bundle / "mapping.txt").unlink()
    X, y = load_mstcn_features(bundle, split=1, subset="train", labels=False)
    assert y is None
    assert [rec.n_frames for rec in X] == [VIDEOS[rec.name] + 1 for rec in X]  # uncut
    X, y = load_mstcn_features(bundle, subset="test", sample_rate=2, labels=False)
    assert y is None and X[0].n_frames == len(range(0, VIDEOS["rgb-02-2"] + 1, 2))


def test_a_features_file_that_is_not_npy_is_named(bundle):
    """Check that a features file that is not a .npy array (a Git LFS pointer left by a clone
    without LFS) says so, instead of numpy's advice to load it with allow_pickle=True."""
    (bundle / "features" / "rgb-01-1.npy").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 10\n"
    )
    with pytest.raises(DataFormatError, match=r"not a NumPy .npy file .*git lfs pull"):
        load_mstcn_features(bundle)
