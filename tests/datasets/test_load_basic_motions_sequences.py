"""Tests of load_basic_motions_sequences (sktime's bundled BasicMotions, no download)."""

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.datasets import load_basic_motions_sequences

load_basic_motions = pytest.importorskip("sktime.datasets").load_basic_motions


def split_instances(split):
    data, labels = load_basic_motions(split=split, return_X_y=True, return_type="numpy3D")
    return np.transpose(data, (0, 2, 1)), np.asarray(labels).astype(str)


@pytest.mark.parametrize("subset", ["train", "test"])
def test_segments_come_from_the_split_only(subset):
    """Check every 100-sample segment equals one instance of the requested split only."""
    own, own_labels = split_instances(subset)
    other, _ = split_instances("test" if subset == "train" else "train")
    X, y = load_basic_motions_sequences(
        subset, n_sequences=5, segments_per_sequence=(2, 6), random_state=0
    )
    for rec, labels in zip(X, y, strict=True):
        values = rec.modalities["smartwatch"].values.reshape(-1, 100, 6)
        segment_labels = labels.reshape(-1, 100)
        assert 2 <= len(values) <= 6
        assert (segment_labels == segment_labels[:, :1]).all()
        assert (segment_labels[1:, 0] != segment_labels[:-1, 0]).all()  # no class twice in a row
        for seg, lab in zip(values, segment_labels[:, 0], strict=True):
            match = np.flatnonzero(np.all(own == seg, axis=(1, 2)))
            assert match.size >= 1 and own_labels[match[0]] == lab
            assert not np.all(other == seg, axis=(1, 2)).any()


def test_shapes_rates_and_names():
    """Check the recording layout: 10 Hz, two nodes of three channels, labels per frame."""
    X, y = load_basic_motions_sequences(n_sequences=3, segments_per_sequence=4, random_state=1)
    assert len(X) == len(y) == 3
    for k, (rec, labels) in enumerate(zip(X, y, strict=True)):
        watch = rec.modalities["smartwatch"]
        assert rec.frame_rate == 10.0 and rec.n_frames == 400 == len(labels)
        assert watch.values.shape == (400, 2, 3) and watch.rate == 10.0
        assert watch.node_names == ("accelerometer", "gyroscope")
        assert rec.name == f"basicmotions-train-{k:03d}" and rec.subject is None
        assert set(labels) <= {"standing", "walking", "running", "badminton"}


def test_deterministic_for_a_seed():
    """Check the same seed gives the same sequences and another seed different ones."""
    a = load_basic_motions_sequences(n_sequences=4, random_state=3)
    b = load_basic_motions_sequences(n_sequences=4, random_state=np.random.RandomState(3))
    c = load_basic_motions_sequences(n_sequences=4, random_state=4)
    for ra, rb, ya, yb in zip(a[0], b[0], a[1], b[1], strict=True):
        np.testing.assert_array_equal(
            ra.modalities["smartwatch"].values, rb.modalities["smartwatch"].values
        )
        np.testing.assert_array_equal(ya, yb)
    assert any(ya.shape != yc.shape or (ya != yc).any() for ya, yc in zip(a[1], c[1], strict=True))


def test_long_sequences_reuse_instances_but_never_repeat_a_class():
    """Check sequences longer than the split still avoid the same class twice in a row."""
    _, y = load_basic_motions_sequences(
        "test", n_sequences=1, segments_per_sequence=60, random_state=0
    )
    seg = y[0].reshape(60, 100)[:, 0]
    assert (seg[1:] != seg[:-1]).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"subset": "validation"}, ValueError, "'subset' parameter"),
        ({"n_sequences": 0}, ValueError, "'n_sequences' parameter"),
        ({"segments_per_sequence": (5, 2)}, ValueError, "'segments_per_sequence' parameter"),
        ({"segments_per_sequence": 0}, ValueError, "'segments_per_sequence' parameter"),
        ({"segments_per_sequence": "4"}, ValueError, "'segments_per_sequence' parameter"),
        ({"segments_per_sequence": (1.0, 2)}, ValueError, "'segments_per_sequence' parameter"),
        (
            {"segments_per_sequence": True},
            InvalidParameterError,
            "'segments_per_sequence' parameter of load_basic_motions_sequences .* Got True",
        ),
        ({"segments_per_sequence": 2.0}, ValueError, "'segments_per_sequence' parameter"),
        ({"n_sequences": True}, ValueError, "'n_sequences' parameter .* not a bool"),
    ],
)
def test_parameter_errors(kwargs, error, match):
    """Check bad parameters raise errors naming the parameter."""
    with pytest.raises(error, match=match):
        load_basic_motions_sequences(**kwargs)
