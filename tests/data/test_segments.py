"""Tests of labels_to_segments / segments_to_labels and the metrics' segment helper."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stgraph_sklearn.data import labels_to_segments, segments_to_labels
from stgraph_sklearn.metrics._segmentation import _segments_arrays


def test_labels_to_segments_worked_case_1():
    """Check the segments of METRICS.md case 1 (end exclusive, last ends at T)."""
    segs = labels_to_segments([0, 0, 1, 1, 1, 1, 1, 2, 2, 0])
    assert list(segs.columns) == ["start", "end", "label"]
    assert list(segs.itertuples(index=False, name=None)) == [
        (0, 2, 0),
        (2, 7, 1),
        (7, 9, 2),
        (9, 10, 0),
    ]
    assert segs["start"].dtype == np.int64 and segs["end"].dtype == np.int64
    assert segs["label"].dtype == np.int64


def test_labels_to_segments_strings():
    """Check string labels and that the input array is not modified."""
    y = np.array(["bg", "cut", "cut", "bg"])
    before = y.copy()
    segs = labels_to_segments(y)
    assert segs["label"].tolist() == ["bg", "cut", "bg"]
    assert segs["end"].tolist() == [1, 3, 4]
    np.testing.assert_array_equal(y, before)


@pytest.mark.parametrize("y", [[], np.array([], dtype=np.int64), np.array([], dtype=str)])
def test_labels_to_segments_empty(y):
    """Check that an empty sequence gives an empty frame with integer bounds."""
    segs = labels_to_segments(y)
    assert segs.shape == (0, 3)
    assert list(segs.columns) == ["start", "end", "label"]
    assert segs["start"].dtype == np.int64 and segs["end"].dtype == np.int64
    if isinstance(y, np.ndarray) and y.dtype.kind == "i":
        assert segs["label"].dtype == np.int64


def test_segments_arrays_drops_background():
    """Check that background runs are dropped and split runs stay two segments."""
    y = np.array(["bg", "bg", "cut", "cut", "cut", "bg", "mix", "mix", "bg", "cut"])
    labels, starts, ends = _segments_arrays(y, background={"bg"})
    assert labels == ["cut", "mix", "cut"]
    np.testing.assert_array_equal(starts, [2, 6, 9])
    np.testing.assert_array_equal(ends, [5, 8, 10])
    labels, starts, ends = _segments_arrays(y)
    assert len(labels) == 6 and ends[-1] == len(y)


def test_segments_to_labels_from_tuples_with_fill():
    """Check unordered tuples, gaps filled with fill and n_frames padding."""
    y = segments_to_labels([(3, 5, "mix"), (0, 2, "cut")], 6, fill="bg")
    assert y.tolist() == ["cut", "cut", "bg", "mix", "mix", "bg"]


def test_segments_to_labels_from_dataframe_ignores_extra_columns():
    """Check a predict_segments-like frame of one recording."""
    segs = pd.DataFrame(
        {"recording": [0, 0], "start": [0, 2], "end": [2, 3], "label": [1, 2], "confidence": 0.9}
    )
    np.testing.assert_array_equal(segments_to_labels(segs), [1, 1, 2])


def test_segments_to_labels_empty():
    """Check empty segments: empty output, or all fill with n_frames."""
    assert segments_to_labels([]).shape == (0,)
    assert segments_to_labels(labels_to_segments([])).shape == (0,)
    assert segments_to_labels([], 3, fill=0).tolist() == [0, 0, 0]


@pytest.mark.parametrize(
    "segments, n_frames, match",
    [
        (
            [(0, 3, "a"), (2, 5, "b")],
            None,
            r"segments\[0\] \(0, 3\) and segments\[1\] \(2, 5\) overlap",
        ),
        ([(0, 2, "a"), (3, 5, "b")], None, "frame 2 .* uncovered; pass fill="),
        ([(0, 2, "a")], 4, "frame 2 .* uncovered"),
        ([(0, 2, "a"), (2, 2, "b")], None, r"segments\[1\] must satisfy 0 <= start < end"),
        ([(-1, 2, "a")], None, r"segments\[0\] must satisfy"),
        ([(0, 5, "a")], 3, r"segments\[0\] ends at frame 5 but n_frames is 3"),
        ([(0, 5)], None, r"segments\[0\] must be a \(start, end, label\) tuple"),
        (pd.DataFrame({"start": [0], "stop": [1], "label": ["a"]}), None, "missing"),
        (
            pd.DataFrame({"recording": [0, 1], "start": [0, 0], "end": [1, 1], "label": [0, 0]}),
            None,
            "several recordings",
        ),
    ],
)
def test_segments_to_labels_bad_segments(segments, n_frames, match):
    """Check that overlaps, gaps without fill and malformed segments raise ValueError."""
    with pytest.raises(ValueError, match=match):
        segments_to_labels(segments, n_frames)


def test_segments_to_labels_type_errors():
    """Check non-integer bounds, a fill of another type and non-iterables."""
    with pytest.raises(TypeError, match=r"segments\[0\] start must be an integer"):
        segments_to_labels([(0.5, 2, "a")])
    with pytest.raises(TypeError, match="fill is a numeric label but the segments have string"):
        segments_to_labels([(0, 2, "a")], 3, fill=0)
    with pytest.raises(TypeError, match="segments must be a DataFrame"):
        segments_to_labels(5)


@pytest.mark.parametrize(
    "y, error, match",
    [
        ("abc", TypeError, "string"),
        (np.zeros((2, 2)), ValueError, r"shape \(2, 2\)"),
        ([0.0, np.nan], ValueError, "NaN"),
        (np.array(["a", 1], dtype=object), TypeError, "mixes label types"),
    ],
)
def test_labels_to_segments_bad_input(y, error, match):
    """Check that bad label sequences raise with a message naming y."""
    with pytest.raises(error, match=match):
        labels_to_segments(y)


label_lists = st.one_of(
    st.lists(st.integers(-2, 2), max_size=40),
    st.lists(st.sampled_from(["bg", "cut", "mix"]), max_size=40),
)


@settings(max_examples=50, deadline=None)
@given(label_lists)
def test_round_trip(y):
    """Check that segments_to_labels inverts labels_to_segments and runs are maximal."""
    segs = labels_to_segments(y)
    back = segments_to_labels(segs, len(y))
    assert back.tolist() == list(y)
    assert (segs["end"] > segs["start"]).all()
    assert (segs["start"].to_numpy()[1:] == segs["end"].to_numpy()[:-1]).all()
    assert (segs["label"].to_numpy()[1:] != segs["label"].to_numpy()[:-1]).all()
    tuples = list(segs.itertuples(index=False, name=None))
    assert segments_to_labels(tuples, len(y)).tolist() == list(y)
    assert labels_to_segments(back).equals(segs) or len(y) == 0
