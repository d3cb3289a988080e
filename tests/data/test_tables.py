"""DataFrames and segment tables in seconds -> recordings and frame labels."""

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
