"""DataFrames and segment tables in seconds -> recordings and frame labels."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    check_recordings,
    labels_from_segment_table,
    recording_from_dataframes,
    recordings_from_dataframe,
)


def _accel(n=100, rate=50.0, start=0.0):
    t = start + np.arange(n) / rate
    cols = {
        f"{node}_{ch}": np.random.RandomState(0).randn(n)
        for node in ("wrist", "ankle")
        for ch in "xyz"
    }
    return pd.DataFrame({"time_s": t, **cols})


def test_time_column_sets_the_rate_and_never_becomes_a_sensor():
    rec = recording_from_dataframes({"accel": _accel()})
    mod = rec.modalities["accel"]
    assert mod.rate == 50.0 and mod.values.shape == (100, 2, 3)
    assert rec.node_names == ("accel:wrist", "accel:ankle")
    assert mod.channel_names == ("x", "y", "z")
    assert rec.frame_rate == 50.0 and rec.n_frames == 100


def test_datetime_and_timedelta_indexes_and_multimodal_rates():
    video = pd.DataFrame(
        np.ones((60, 5)),
        columns=[f"f{i}" for i in range(5)],
        index=pd.date_range("2026-01-01 10:00:00", periods=60, freq=pd.Timedelta(seconds=1 / 30)),
    )
    accel = _accel().drop(columns="time_s")
    accel.index = pd.date_range("2026-01-01 10:00:00", periods=100, freq="20ms")
    rec = recording_from_dataframes({"accel": accel, "video": video}, name="r1")
    assert rec.modalities["accel"].rate == 50.0 and rec.modalities["video"].rate == 30.0
    assert rec.frame_rate == 30.0 and rec.n_frames == 60
    assert rec.node_names[-1] == "video" and rec.modalities["video"].n_channels == 5
    td = accel.set_axis(pd.to_timedelta(np.arange(100) * 20, unit="ms"))
    assert recording_from_dataframes(td).modalities["x"].rate == 50.0


def test_rounded_times_are_a_rate_and_gaps_stay_timestamps():
    df = _accel(n=90, rate=30.0)
    df["time_s"] = df["time_s"].round(4)  # as exported to CSV
    assert recording_from_dataframes(df).modalities["x"].rate == pytest.approx(30.0, rel=1e-4)
    gappy = df.drop(index=[40, 41, 42])
    mod = recording_from_dataframes(gappy, frame_rate=30.0).modalities["x"]
    assert mod.rate is None and mod.timestamps.shape == (87,)


def test_later_start_is_kept_relative_to_the_earliest_modality():
    rec = recording_from_dataframes({"a": _accel(), "b": _accel(start=0.5)})
    assert rec.modalities["a"].start == 0.0 and rec.modalities["b"].start == pytest.approx(0.5)


def test_explicit_nodes_mapping():
    df = pd.DataFrame({"t": np.arange(10) / 10, "ax": 1.0, "ay": 2.0, "gx": 3.0, "gy": 4.0})
    rec = recording_from_dataframes(df, nodes={"acc": ["ax", "ay"], "gyro": ["gx", "gy"]})
    assert rec.node_names == ("x:acc", "x:gyro")
    np.testing.assert_array_equal(rec.modalities["x"].values[0], [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="do not exist"):
        recording_from_dataframes(df, nodes={"acc": ["nope"]})


def test_table_errors_name_the_problem():
    with pytest.raises(ValueError, match="rate is unknown"):
        recording_from_dataframes(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(ValueError, match=r"column 'label' must hold numbers"):
        recording_from_dataframes(pd.DataFrame({"time": [0.0, 0.1], "a": 1.0, "label": ["x", "y"]}))
    with pytest.raises(ValueError, match="strictly increasing"):
        recording_from_dataframes(pd.DataFrame({"time": [0.0, 0.2, 0.1], "a": 1.0}))


def test_long_dataframe_and_pd_multiindex_give_one_recording_per_id():
    long = pd.concat([_accel().assign(trial=k, who=i % 2) for i, k in enumerate("abc")])
    recs = recordings_from_dataframe(long, by="trial", subject="who")
    assert [r.name for r in recs] == ["a", "b", "c"] and recs[0].n_nodes == 2
    panel = long.drop(columns="who").set_index(["trial", "time_s"])
    recs = recordings_from_dataframe(panel)
    assert len(recs) == 3 and recs[1].modalities["x"].rate == 50.0
    with pytest.raises(ValueError, match="'by' must name"):
        recordings_from_dataframe(long)


def test_check_recordings_reads_dataframes_and_explains_flat_tables():
    recs = check_recordings([_accel(), {"accel": _accel(), "video": _accel(60, 30.0)}])
    assert recs[0].node_names == ("x:wrist", "x:ankle") and recs[1].frame_rate == 30.0
    with pytest.raises(TypeError, match=r"recordings_from_dataframe\(X, by="):
        check_recordings(_accel())
    with pytest.raises(ValueError, match=r"2-D array .* x\[:, None, :\]"):
        check_recordings([np.zeros((10, 3))])


def test_sktime_nested_univ_panel_is_converted():
    from sktime.datatypes import convert_to

    panel = np.random.RandomState(0).randn(3, 2, 10)
    nested = convert_to(panel, to_type="nested_univ", as_scitype="Panel")
    recs = check_recordings(nested)
    assert len(recs) == 3 and recs[0].modalities["x"].values.shape == (10, 2, 1)


def test_sktime_pd_multiindex_panel_keeps_the_instance_ids_as_names():
    frames = [pd.DataFrame(np.ones((t, 2)), columns=["a", "b"]) for t in (5, 7, 6)]
    panel = pd.concat(
        [
            df.set_index(pd.MultiIndex.from_product([[key], range(len(df))]))
            for key, df in zip(["b", "a", "c"], frames, strict=True)
        ]
    )
    recs = check_recordings(panel)
    assert [(r.name, r.n_frames) for r in recs] == [("b", 5), ("a", 7), ("c", 6)]
    assert recs[0].node_names == ("x:a", "x:b")


def test_labels_from_segment_table_in_seconds():
    table = pd.DataFrame(
        {
            "recording": ["r1", "r1", "r2"],
            "start": [0.0, 1.0, 0.0],
            "end": [1.0, 2.0, 2.0],
            "label": ["cut", "mix", "cut"],
        }
    )
    recs = [recording_from_dataframes(_accel(100), name=n) for n in ("r1", "r2")]
    y = labels_from_segment_table(table, recs)
    assert [len(v) for v in y] == [100, 100]
    assert y[0][49] == "cut" and y[0][50] == "mix" and set(y[1]) == {"cut"}
    short = pd.DataFrame({"start": [0.0], "end": [1.5], "label": ["cut"]})
    with pytest.raises(ValueError, match="no segment covers frame 75"):
        labels_from_segment_table(short, (50.0, 100))
    assert labels_from_segment_table(short, (50.0, 100), fill="bg")[-1] == "bg"
    overlap = pd.DataFrame({"start": [0.0, 0.5], "end": [1.0, 2.0], "label": ["a", "b"]})
    with pytest.raises(ValueError, match="overlap"):
        labels_from_segment_table(overlap, (50.0, 100))


@pytest.mark.parametrize(
    ("after", "frame_41"), [(0.0, "b"), (1e-7, "b"), (2e-4, "b"), (5e-3, "a"), (-1e-7, "b")]
)
def test_a_bound_a_hair_after_a_frame_time_is_at_that_frame(after, frame_41):
    """Check that a bound up to a thousandth of a frame after frame 41's time (41 / 30 s,
    as computed on another clock or rounded from nanoseconds) starts the segment at frame 41,
    and that half a percent of a frame after it does not."""
    bound = 41 / 30 + after / 30
    table = pd.DataFrame({"start": [0.0, bound], "end": [bound, 3.0], "label": ["a", "b"]})
    y = labels_from_segment_table(table, (30.0, 90))
    assert y[40] == "a" and y[41] == frame_41 and y[42] == "b"
    # the same from datetimes: bounds rounded to the nanosecond
    origin = pd.Timestamp("2024-05-01 10:00", tz="UTC")
    rec = recording_from_dataframes(
        pd.DataFrame({"x": np.zeros(90)}, index=origin + pd.to_timedelta(np.arange(90) / 30, "s"))
    )
    dates = table.assign(
        start=origin + pd.to_timedelta(table["start"], "s"),
        end=origin + pd.to_timedelta(table["end"], "s"),
    )
    assert labels_from_segment_table(dates, rec).tolist() == y.tolist()


def test_predict_segments_reports_seconds_and_names():
    from stgraph_sklearn.estimators import FrameClassifierSegmenter

    recs = [recording_from_dataframes(_accel(100), name=n) for n in ("r1", "r2")]
    y = [np.repeat(["a", "b"], 50)] * 2
    table = FrameClassifierSegmenter(random_state=0).fit(recs, y).predict_segments(recs)
    assert set(table["name"]) == {"r1", "r2"}
    np.testing.assert_allclose(table["start_s"], table["start"] / 50.0)


def test_sktime_panels_keep_their_variable_names_as_nodes():
    idx = pd.MultiIndex.from_product([range(2), range(5)], names=["instance", "time"])
    df = pd.DataFrame(np.ones((10, 2)), index=idx, columns=["heart_rate", "spo2"])
    assert check_recordings(df)[0].node_names == ("x:heart_rate", "x:spo2")


def test_segment_labels_are_used_as_given_and_missing_ones_are_an_error():
    """Check that 'None' / 'NA' are labels and a None or NaN label is a ValueError."""
    table = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 2.0], "label": ["None", "NA"]})
    assert labels_from_segment_table(table, (2.0, 4)).tolist() == ["None", "None", "NA", "NA"]
    for missing in (None, np.nan):
        table = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 2.0], "label": ["a", missing]})
        with pytest.raises(ValueError, match="segment 1 has no label"):
            labels_from_segment_table(table, (2.0, 4))
    floats = pd.DataFrame({"start": [0.0], "end": [2.0], "label": [0.5]})
    with pytest.raises(ValueError, match="non-integer float labels"):
        labels_from_segment_table(floats, (2.0, 4))


def test_fill_must_be_a_label_of_the_segments_kind():
    """Check that numeric labels stay numbers with a numeric fill, and a string fill is refused."""
    table = pd.DataFrame({"start": [0.0], "end": [1.0], "label": [3]})
    y = labels_from_segment_table(table, (2.0, 4), fill=0)
    assert y.tolist() == [3, 3, 0, 0] and y.dtype.kind == "i"
    with pytest.raises(
        ValueError, match=r"fill='bg' is a string label but the segments have numeric"
    ):
        labels_from_segment_table(table, (2.0, 4), fill="bg")
    text = table.assign(label=["3"])
    with pytest.raises(ValueError, match=r"fill=0 is a numeric label"):
        labels_from_segment_table(text, (2.0, 4), fill=0)


@pytest.mark.parametrize("start", [0.0, 2.0, 1.7e9])
def test_segment_times_are_on_the_clock_of_the_tables(start):
    """Check that Recording.start_time is the earliest sample and segments are read on it."""
    rec = recording_from_dataframes({"a": _accel(start=start), "b": _accel(start=start + 0.5)})
    assert rec.start_time == start and rec.modalities["b"].start == pytest.approx(0.5)
    table = pd.DataFrame(
        {
            "start": [start - 1.0, start + 1.0],
            "end": [start + 1.0, start + 3.0],
            "label": ["a", "b"],
        }
    )
    y = labels_from_segment_table(table, rec)
    assert y.tolist() == ["a"] * 50 + ["b"] * 75  # 2.5 s at 50 Hz
    if start:
        with pytest.raises(ValueError, match=r"no segment of the recording overlaps its frames"):
            labels_from_segment_table(table, rec.replace(start_time=start + 100.0), fill="bg")
        relative = table.assign(start=[0.0, 1.0], end=[1.0, 3.0])
        y = labels_from_segment_table(relative, rec.replace(start_time=0.0))
        assert y.tolist() == ["a"] * 50 + ["b"] * 75


def test_datetime_clock_counts_segment_seconds_from_the_start():
    df = _accel().drop(columns="time_s")
    df.index = pd.date_range("2026-01-01 10:00:00", periods=100, freq="20ms")
    rec = recording_from_dataframes(df)
    assert rec.start_time == 0.0 and rec.replace(n_frames=50).start_time == 0.0
    table = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 2.0], "label": ["a", "b"]})
    assert labels_from_segment_table(table, rec)[50] == "b"
    with pytest.raises(ValueError, match="'start_time' must be a finite number"):
        rec.replace(start_time=np.nan)


@pytest.mark.parametrize("tz", [None, "Europe/Berlin"])
def test_datetime_segments_are_read_against_the_first_sample(tz):
    """Check that segment bounds given as datetimes (ISO text or datetime columns, naive or
    time-zone aware as the sensor tables are) label the frames their seconds would."""
    df = _accel().drop(columns="time_s")
    df.index = pd.date_range("2026-01-01 10:00:00", periods=100, freq="20ms", tz=tz)
    video = pd.DataFrame({"f0": np.arange(15.0)})
    video.index = pd.date_range("2026-01-01 09:59:59.5", periods=15, freq="100ms", tz=tz)
    rec = recording_from_dataframes({"accel": df, "video": video}, frame_rate=10.0)
    assert rec.start_datetime == video.index[0]  # the earliest sample of every table
    assert rec.start_time == 0.0 and rec.replace(name="x").start_datetime == rec.start_datetime
    assert "start_datetime='2026-01-01 09:59:59.500" in repr(rec)
    seconds = pd.DataFrame({"start": [0.0, 1.2], "end": [1.2, 2.5], "label": ["a", "b"]})
    expected = labels_from_segment_table(seconds, rec)
    assert expected.tolist() == ["a"] * 12 + ["b"] * 13
    bounds = {
        k: rec.start_datetime + pd.to_timedelta(seconds[k], unit="s") for k in ("start", "end")
    }
    as_datetimes = seconds.assign(**bounds)
    assert labels_from_segment_table(as_datetimes, rec).tolist() == expected.tolist()
    iso = seconds.assign(**{k: v.map(pd.Timestamp.isoformat) for k, v in bounds.items()})
    assert labels_from_segment_table(iso, rec).tolist() == expected.tolist()
    # a naive bound against an aware clock (or the reverse) is ambiguous: refused
    other = seconds.assign(
        **{
            k: (v.dt.tz_localize(None) if tz else v.dt.tz_localize("UTC"))
            for k, v in bounds.items()
        }
    )
    with pytest.raises(ValueError, match="both carry a time zone or both not"):
        labels_from_segment_table(other, rec)


def test_datetime_segments_need_a_datetime_clock_and_both_bounds_alike():
    rec = recording_from_dataframes(_accel())  # seconds: no start_datetime
    assert rec.start_datetime is None
    table = pd.DataFrame(
        {"start": ["2026-01-01T10:00:00"], "end": ["2026-01-01T10:00:01"], "label": ["a"]}
    )
    with pytest.raises(ValueError, match=r"the recording has no start_datetime"):
        labels_from_segment_table(table, rec)
    with pytest.raises(ValueError, match="must both hold seconds or both hold datetimes"):
        labels_from_segment_table(table.assign(start=[0.0]), rec)
    with pytest.raises(TypeError, match=r"'start_datetime' must be a datetime\.datetime"):
        rec.replace(start_datetime="2026-01-01")
    with pytest.raises(ValueError, match="'start_datetime' must be a time, not NaT"):
        rec.replace(start_datetime=pd.NaT)


def test_one_sample_tables_without_numpy_warnings():
    """Check that a one-sample table is read next to another and is a clear error alone."""
    one = pd.DataFrame({"time": [0.0], "temp": [21.5]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = recording_from_dataframes({"accel": _accel(), "thermo": one})
        assert rec.frame_rate == 50.0 and rec.modalities["thermo"].n_samples == 1
        for frame_rate in (None, 10.0):
            with pytest.raises(ValueError, match=r"modality 'thermo'\), so no sampling rate"):
                recording_from_dataframes({"thermo": one}, frame_rate=frame_rate)


def test_time_column_names_in_any_case_and_time_like_columns():
    """Check that 'Time' is the clock and an unrecognised time column is not a sensor."""
    t = np.arange(10) / 10
    rec = recording_from_dataframes(pd.DataFrame({"Time": t, "a": 1.0}), frame_rate=5.0)
    assert rec.modalities["x"].rate == 10.0 and rec.modalities["x"].n_channels == 1
    for name in ("Time (s)", "time_ms", "elapsed"):
        with pytest.raises(ValueError, match=rf"column '{re.escape(name)}' looks like a time"):
            recording_from_dataframes(pd.DataFrame({name: t, "a": 1.0}), frame_rate=5.0)
    # no time axis: sampled at the rate, as documented; a decreasing "*_time" is a sensor
    table = pd.DataFrame({"reaction_time": t[::-1], "a": 1.0})
    mod = recording_from_dataframes(table, rate=5.0).modalities["x"]
    assert mod.rate == 5.0 and mod.n_channels == 2
    assert recording_from_dataframes(table.set_axis(["a", "b"], axis=1), rate=5.0).n_frames == 10


def test_a_flat_nodes_mapping_next_to_several_tables_is_an_error():
    """It was ignored silently: the table became one node."""
    acc = _accel()
    groups = {
        "wrist": ["wrist_x", "wrist_y", "wrist_z"],
        "ankle": ["ankle_x", "ankle_y", "ankle_z"],
    }
    with pytest.raises(ValueError, match=r"'nodes' names \['wrist', 'ankle'\].*modality"):
        recording_from_dataframes({"accel": acc}, nodes=groups)
    rec = recording_from_dataframes({"accel": acc}, nodes={"accel": groups})
    assert rec.node_names == ("accel:wrist", "accel:ankle")


def test_the_repr_shows_a_start_time_off_zero():
    rec = recording_from_dataframes({"accel": _accel(start=2.0)})
    assert rec.start_time == 2.0 and "start_time=2.0" in repr(rec)
    assert "start_time" not in repr(rec.replace(start_time=0.0))


def test_a_label_column_mixing_numbers_and_strings_is_a_type_error():
    """The label rule applies to segment tables too (the column became ["3", "a"])."""
    table = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 2.0], "label": [3, "a"]})
    rec = recording_from_dataframes(_accel(100))
    with pytest.raises(TypeError, match="mixes label types"):
        labels_from_segment_table(table, [rec])
