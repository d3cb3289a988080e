"""One label per sensor sample (PAMAP2, Opportunity, ...) -> segment table -> frame labels."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    Modality,
    labels_from_segment_table,
    recording_from_dataframes,
    segments_from_sample_labels,
)


def _table(times, activity):
    """A sensor table at ``times`` with two sensor columns and an activity column."""
    t = np.asarray(times, dtype=float) if not isinstance(times, pd.DatetimeIndex) else times
    n = len(t)
    return pd.DataFrame(
        {"time": t, "wrist_x": np.linspace(0, 1, n), "wrist_y": 1.0, "activity": activity}
    )


def test_round_trip_frames_to_samples_to_frames():
    """Check that frame labels at 30 fps, sampled per sample on a jittered 50 Hz clock, come
    back from the segment table: a frame may differ only if it is the first frame of a true
    segment (a sample interval, under 28 ms here, is shorter than one frame of 33 ms, so the
    segment's start lies after that frame's time by less than a frame)."""
    rng = np.random.RandomState(0)
    lengths = rng.randint(10, 60, size=12)
    y_true = np.repeat(np.arange(12) % 4, lengths)  # neighbours always differ
    n_frames = y_true.size
    n_samples = int(n_frames / 30 * 50)
    times = np.arange(n_samples) / 50 + rng.uniform(-0.004, 0.004, n_samples)
    times[0] = 0.0
    sample_labels = y_true[np.minimum((times * 30).astype(int), n_frames - 1)]

    segments = segments_from_sample_labels(times, sample_labels)
    assert len(segments) == 12
    assert segments["label"].tolist() == (np.arange(12) % 4).tolist()
    y = labels_from_segment_table(segments, (30.0, n_frames))

    first_frames = np.flatnonzero(np.diff(y_true)) + 1
    wrong = np.flatnonzero(y != y_true)
    assert set(wrong) <= set(first_frames), wrong
    assert (y == y_true).mean() > 0.97


def test_unlabelled_values_and_missing_labels_get_no_segment():
    """Check that samples labelled 0 (``unlabelled=0``), NaN or None get no segment, and that a
    run of one label does not continue across an unlabelled sample."""
    times = np.arange(10) * 0.1
    labels = [0, 1, 1, 0, 1, np.nan, 2, 2, None, 2]
    segments = segments_from_sample_labels(times, labels, unlabelled=0)
    assert segments["label"].tolist() == [1, 1, 2, 2]
    np.testing.assert_allclose(segments["start"], [0.1, 0.4, 0.6, 0.9])
    np.testing.assert_allclose(segments["end"], [0.3, 0.5, 0.8, 1.0])

    several = segments_from_sample_labels(
        times, [0, 1, 1, -1, 1, 2, 2, 2, 0, 2], unlabelled=[0, -1]
    )
    assert several["label"].tolist() == [1, 1, 2, 2]
    assert segments_from_sample_labels(times, [0] * 10, unlabelled=0).empty
    nan_only = segments_from_sample_labels(
        times, np.array([np.nan, 1, 1, 1, 1, 1, 1, 1, 1, np.nan])
    )
    assert nan_only[["start", "end"]].to_numpy().tolist() == [[0.1, 0.9]]

    y = labels_from_segment_table(segments, (10.0, 10), fill=0)
    assert y.tolist() == [0, 1, 1, 0, 1, 0, 2, 2, 0, 2]
    with pytest.raises(ValueError, match="no segment covers frame 0"):
        labels_from_segment_table(segments, (10.0, 10))


def test_drop_out_gap_stays_unlabelled():
    """Check that a drop-out (3 s without samples in a 50 Hz stream, all labelled 'walk')
    stays unlabelled: the sample before it labels one median interval only, so the frames in
    the gap are an error without ``fill`` and get the fill label with it."""
    times = np.r_[np.arange(100) / 50, 5.0 + np.arange(100) / 50]
    df = _table(times, "walk")
    rec = recording_from_dataframes({"imu": df.drop(columns="activity")}, frame_rate=10)
    segments = segments_from_sample_labels(df["time"], df["activity"])
    assert segments["label"].tolist() == ["walk", "walk"]
    np.testing.assert_allclose(segments[["start", "end"]].to_numpy(), [[0.0, 2.0], [5.0, 7.0]])

    with pytest.raises(ValueError, match=r"no segment covers frame 20 \(at 2 s\)"):
        labels_from_segment_table(segments, rec)
    y = labels_from_segment_table(segments, rec, fill="none")
    assert rec.n_frames == 70
    assert y.tolist() == ["walk"] * 20 + ["none"] * 30 + ["walk"] * 20

    bridged = segments_from_sample_labels(df["time"], df["activity"], max_gap=5.0)
    assert bridged[["start", "end"]].to_numpy().tolist() == [[0.0, 7.0]]


def test_default_max_gap_is_the_drop_out_rule_of_modality_period():
    """Check that without ``max_gap`` a drop-out is what Modality.period leaves out: an
    interval longer than both 1 s and ten times the median interval (at 5 Hz: 2 s), so a
    1.5 s gap is labelled through and a 2.5 s gap is not; ``max_gap`` sets the limit."""
    base = np.arange(20) * 0.2
    for gap, dropped in ((1.5, False), (2.5, True)):
        times = np.r_[base, base[-1] + gap + base]
        intervals = np.diff(times)
        period = Modality(np.zeros((times.size, 1)), timestamps=times).period
        assert np.isclose(period, intervals.mean()) != dropped  # the rule the default follows
        segments = segments_from_sample_labels(times, ["a"] * times.size)
        assert len(segments) == (2 if dropped else 1)
        if dropped:
            assert np.isclose(segments["end"].iloc[0], base[-1] + 0.2)
    times = np.r_[base, base[-1] + 0.5 + base]
    assert len(segments_from_sample_labels(times, ["a"] * times.size)) == 1
    cut = segments_from_sample_labels(times, ["a"] * times.size, max_gap=0.3)
    np.testing.assert_allclose(cut["end"], [base[-1] + 0.2, times[-1] + 0.2])


def test_datetimes_with_a_time_zone():
    """Check that tz-aware datetimes give datetime bounds in the same time zone, which
    labels_from_segment_table reads against a recording from a datetime time column."""
    times = pd.date_range("2024-05-01 10:00", periods=150, freq="20ms", tz="Europe/Berlin")
    activity = np.repeat(["idle", "stir", "idle"], 50)
    activity[:10] = ""
    df = _table(times, activity)
    rec = recording_from_dataframes({"imu": df.drop(columns="activity")}, frame_rate=25)
    assert rec.start_datetime == times[0]
    segments = segments_from_sample_labels(df["time"], df["activity"], unlabelled="")
    assert str(segments["start"].dt.tz) == "Europe/Berlin"
    assert segments["start"].tolist() == [times[10], times[50], times[100]]
    assert segments["end"].tolist() == [times[50], times[100], times[-1] + pd.Timedelta("20ms")]
    y = labels_from_segment_table(segments, rec, fill="unknown")
    assert y.tolist() == ["unknown"] * 5 + ["idle"] * 20 + ["stir"] * 25 + ["idle"] * 25
    # numpy datetime64 (naive) and a list of Timestamps are datetimes too
    naive = segments_from_sample_labels(times.tz_localize(None).to_numpy(), df["activity"])
    assert naive["start"].dt.tz is None and naive["end"].iloc[-1] == pd.Timestamp(
        "2024-05-01 10:00:03"
    )
    assert segments_from_sample_labels(list(times), df["activity"], unlabelled="").equals(segments)


@pytest.mark.parametrize(
    "labels",
    [
        ["cut", "cut", "", "mix"],
        np.array(["cut", "cut", "", "mix"]),
        pd.Series(["cut", "cut", "", "mix"], dtype="category"),
        pd.Series(["cut", "cut", None, "mix"], dtype="str"),
    ],
)
def test_string_labels_stay_strings(labels):
    """Check that string labels stay strings, whatever container holds them."""
    segments = segments_from_sample_labels([0.0, 0.5, 1.0, 1.5], labels, unlabelled="")
    assert segments["label"].tolist() == ["cut", "mix"]
    assert all(isinstance(v, str) for v in segments["label"])
    y = labels_from_segment_table(segments, (2.0, 4), fill="none")
    assert y.tolist() == ["cut", "cut", "none", "mix"]


@pytest.mark.parametrize(
    "labels",
    [
        [3, 3, 0, 7],
        np.array([3, 3, 0, 7], dtype=np.int32),
        pd.Series([3, 3, 0, 7]),
        pd.Series([3, 3, None, 7], dtype="Int64"),  # nullable: not floats through NaN
        [3, 3, None, 7],
    ],
)
def test_int_labels_stay_ints(labels):
    """Check that int labels stay ints (not floats, not text), whatever container holds them,
    missing values included."""
    segments = segments_from_sample_labels([0.0, 0.5, 1.0, 1.5], labels, unlabelled=0)
    assert segments["label"].dtype.kind == "i"
    assert segments["label"].tolist() == [3, 7]
    y = labels_from_segment_table(segments, (2.0, 4), fill=0)
    assert y.dtype.kind == "i" and y.tolist() == [3, 3, 0, 7]


@pytest.mark.parametrize(
    "times, labels, kwargs, error, match",
    [
        (
            [0.0, 1.0],
            [1],
            {},
            ValueError,
            "'labels' must have one label per sample of 'times'. Got 1 labels for 2 times",
        ),
        ([], [], {}, ValueError, "'times' is empty"),
        ([0.0], [1], {}, ValueError, "'times' has a single sample"),
        (
            [0.0, 1.0, 1.0, 2.0],
            [1] * 4,
            {},
            ValueError,
            "strictly increasing. Got 1.0 at position 1 then 1.0 at position 2",
        ),
        ([0.0, 2.0, 1.0], [1] * 3, {}, ValueError, "Got 2.0 at position 1 then 1.0 at position 2"),
        (
            [0.0, np.nan, 1.0],
            [1] * 3,
            {},
            ValueError,
            "'times' must hold finite seconds. Got nan at position 1",
        ),
        (
            [pd.Timestamp("2024-01-01"), pd.NaT],
            [1, 1],
            {},
            ValueError,
            r"'times' has no time \(NaT\) at position 1",
        ),
        (np.zeros((3, 2)), [1] * 3, {}, ValueError, r"'times' must be 1-D .* shape \(3, 2\)"),
        (
            pd.DataFrame({"t": [0.0, 1.0]}),
            [1, 1],
            {},
            ValueError,
            "'times' must be 1-D .* DataFrame",
        ),
        ([0.0, 1.0], np.ones((2, 2)), {}, ValueError, r"'labels' must be 1-D .* shape \(2, 2\)"),
        ([0.0, 1.0], "ab", {}, TypeError, "'labels' must be a 1-D array-like .* Got str"),
        (3.0, [1], {}, TypeError, "'times' must be a 1-D array-like .* Got float"),
        (
            ["10:00", "10:01"],
            [1, 1],
            {},
            TypeError,
            "'times' must hold seconds \\(numbers\\) or datetimes. Got dtype .*pandas.to_datetime",
        ),
        (
            [0.0, 1.7e12],
            [1, 1],
            {},
            ValueError,
            "'times' must hold seconds. Got numbers up to 1.7e\\+12",
        ),
        ([0.0, 1.0], [1, "a"], {}, TypeError, "'labels' mixes label types"),
        (
            [0.0, 1.0, 2.0],
            [0, 0.5, 1],
            {"unlabelled": 0},
            ValueError,
            r"'labels' holds non-integer float labels \(0.5 at sample 1\)",
        ),
        (
            [0.0, 1.0],
            [1, 1],
            {"max_gap": 0},
            ValueError,
            "'max_gap' must be a positive number of seconds or None. Got 0",
        ),
        (
            [0.0, 1.0],
            [1, 1],
            {"max_gap": np.nan},
            ValueError,
            "'max_gap' must be a positive number of seconds or None. Got nan",
        ),
        (
            [0.0, 1.0],
            [1, 1],
            {"max_gap": "1s"},
            TypeError,
            "'max_gap' must be a positive number of seconds or None. Got '1s'",
        ),
    ],
)
def test_errors_name_the_function_the_argument_and_what_came(times, labels, kwargs, error, match):
    """Check that each malformed input is a ValueError or TypeError naming
    segments_from_sample_labels, the argument, what was expected and what was got."""
    with pytest.raises(error, match="^segments_from_sample_labels: .*" + match):
        segments_from_sample_labels(times, labels, **kwargs)


def test_inputs_are_not_mutated():
    """Check that the Series and arrays passed in are left as they were."""
    times = pd.Series(np.arange(6) * 0.02, index=[10, 11, 12, 13, 14, 15])
    labels = pd.Series([0, 1, 1, np.nan, 2, 2], index=times.index)
    stamps = pd.date_range("2024-01-01", periods=6, freq="20ms", tz="UTC")
    array_labels = np.array(["a", "a", "", "b", "b", "b"])
    kept = times.copy(), labels.copy(), stamps.copy(), array_labels.copy()
    segments_from_sample_labels(times, labels, unlabelled=[0])
    segments_from_sample_labels(stamps, array_labels, unlabelled="", max_gap=1.0)
    pd.testing.assert_series_equal(times, kept[0])
    pd.testing.assert_series_equal(labels, kept[1])
    pd.testing.assert_index_equal(stamps, kept[2])
    np.testing.assert_array_equal(array_labels, kept[3])


def test_series_with_a_non_default_index_is_read_by_position():
    """Check that Series whose index is not 0..n-1 (a slice of a longer table, shuffled
    labels of the index) are read by position, not aligned by index."""
    df = _table(np.arange(8) * 0.25, ["a", "a", "b", "b", "b", "a", "a", "a"])
    part = df.iloc[2:].set_axis([7, 6, 5, 4, 3, 2])  # index not 0..5, and descending
    segments = segments_from_sample_labels(part["time"], part["activity"])
    expected = segments_from_sample_labels(
        part["time"].to_numpy(), part["activity"].to_numpy().tolist()
    )
    pd.testing.assert_frame_equal(segments, expected)
    assert segments[["start", "end"]].to_numpy().tolist() == [[0.5, 1.25], [1.25, 2.0]]
    assert segments["label"].tolist() == ["b", "a"]
    assert segments.index.tolist() == [0, 1]


@pytest.mark.parametrize(
    "labels, unlabelled, got",
    [
        (np.array(["0", "3", "3", "0", "4"]), 0, "numeric"),
        (np.array([0, 3, 3, 0, 4]), "0", "string"),
    ],
)
def test_unlabelled_of_another_label_type_is_refused(labels, unlabelled, got):
    """Check that an unlabelled value that can match no label (0 for "0") is an error.

    It was ignored: every no-label sample became a segment of a class "0".
    """
    times = np.arange(labels.size) / 10
    with pytest.raises(
        TypeError, match=rf"^segments_from_sample_labels: unlabelled=.* holds {got}"
    ):
        segments_from_sample_labels(times, labels, unlabelled=unlabelled)


@pytest.mark.parametrize("largest, unit", [(1.7e12, "ms"), (1.7e15, "us"), (1.7e18, "ns")])
def test_times_in_a_finer_unit_get_the_unit_of_their_size(largest, unit):
    """Check that the hint for times too large to be seconds names the unit of their size.

    It always said unit='ms', which turns nanosecond Unix times into dates 50 million years
    ahead without an error.
    """
    times = largest + np.arange(5.0) * 1e3
    with pytest.raises(ValueError, match=rf"would be {unit}: .*unit='{unit}'"):
        segments_from_sample_labels(times, np.zeros(5, dtype=int))


def test_label_kind_reads_lists_and_pandas_strings():
    """Check that label_kind reads what pandas and lists give: strings in an object array were
    "numeric", and a list was an AttributeError."""
    from stgraph_sklearn.data import label_kind

    assert label_kind(pd.Series(["a", "b"], dtype=object).to_numpy()) == "string"
    assert label_kind(["a", "b"]) == "string"
    assert label_kind([0, 1]) == "numeric"
    assert label_kind(np.array([b"a"])) == "bytes"
