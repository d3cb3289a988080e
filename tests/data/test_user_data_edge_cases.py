"""User data the preprocessing must not misread: time columns by type, repeated columns,
sample-number time levels, panels with gaps, malformed panels, node names, value dtypes."""

import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    Modality,
    Recording,
    check_recordings,
    recording_from_dataframes,
    recordings_from_dataframe,
)
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.transformers import ModalityAligner

T = np.arange(6) / 2.0
START = pd.Timestamp("2024-05-01 10:00")


@pytest.mark.parametrize(
    "table, match",
    [
        (
            pd.DataFrame({"time": T, "recorded_at": START + pd.to_timedelta(T, "s"), "acc": 1.0}),
            "column 'recorded_at' looks like a second time axis next to the time column 'time'",
        ),
        (
            pd.DataFrame({"Timestamp_UTC": START + pd.to_timedelta(T, "s"), "acc": 1.0}),
            "column 'Timestamp_UTC' looks like a time axis .* pass time='Timestamp_UTC'",
        ),
        (
            pd.DataFrame({"elapsed": pd.to_timedelta(T, "s"), "acc": 1.0}),
            "column 'elapsed' looks like a time axis",
        ),
    ],
    ids=["datetime-beside-time", "datetime-alone", "timedelta"],
)
def test_datetime_columns_are_never_sensors(table, match):
    """Check that a datetime or timedelta column is refused as a sensor (it became a channel of
    about 1.7e18 nanoseconds, whatever its name)."""
    with pytest.raises(ValueError, match=match):
        recording_from_dataframes(table, rate=2.0)
    time = next(c for c in table.columns if c != "acc" and c != "time")
    if "time" not in table.columns:  # named as the time axis, it is read as one
        rec = recording_from_dataframes(table, time=time)
        assert rec.modalities["x"].channel_names == ("acc",)


def test_repeated_column_names_are_refused():
    """Check that two columns of one name are an error (each was read twice: 4 channels)."""
    table = pd.concat(
        [pd.DataFrame({"time": T, "acc": 1.0}), pd.DataFrame({"acc": -1.0}, index=range(6))], axis=1
    )
    with pytest.raises(ValueError, match=r"repeated column names \['acc'\]"):
        recording_from_dataframes(table)


def test_integer_time_level_holds_sample_numbers():
    """Check that missing sample numbers stay missing frames (they closed up: sample 90 was
    read as frame 40 and every later frame shifted)."""
    samples = np.r_[0:40, 90:100]
    index = pd.MultiIndex.from_arrays([["r1"] * 50, samples])
    df = pd.DataFrame({"u": samples.astype(float)}, index=index)
    (rec,) = recordings_from_dataframe(df, rate=10.0)
    assert rec.n_frames == 100
    (aligned,) = ModalityAligner().fit_transform([rec])
    u = np.asarray(aligned.modalities["x"].values)[:, 0, 0]
    np.testing.assert_allclose(u[:40], np.arange(40.0))
    assert np.isnan(u[40:90]).all()
    np.testing.assert_allclose(u[90:], np.arange(90.0, 100.0))


def test_a_panel_whose_times_have_gaps_warns():
    """Check that a pd-multiindex panel read row by row says that its time gaps close."""
    times = pd.date_range("2024-01-01", periods=100, freq="20ms").delete(range(40, 90))
    df = pd.DataFrame({"u": np.arange(50.0)}, index=pd.MultiIndex.from_arrays([["r1"] * 50, times]))
    with pytest.warns(StgraphWarning, match=r"time level has gaps \(steps from 0.02 to 1.02 s\)"):
        check_recordings(df)
    regular = pd.DataFrame(
        {"u": np.arange(50.0)},
        index=pd.MultiIndex.from_arrays([["r1"] * 50, pd.date_range("2024-01-01", periods=50)]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_recordings(regular)


def test_malformed_panels_name_x():
    """Check an empty numpy3D panel and a ragged nested list (IndexError and numpy's
    "inhomogeneous shape" came through)."""
    with pytest.raises(ValueError, match=r"^caller: X is a numpy3D panel .* with 0 instances"):
        check_recordings(np.zeros((0, 6, 100)), caller="caller")
    with pytest.raises(ValueError, match=r"^caller: X\[0\] must be an array .* ragged"):
        check_recordings([[[[1.0]], [[1.0], [2.0]]]], caller="caller")


def test_node_names_may_not_hold_the_feature_name_separator():
    """Check that '__' in a node name is refused: feature names read '<node>__<channel>', so
    nodes 'hand__left' and 'hand__right' got the same feature names."""
    with pytest.raises(ValueError, match=r"must not contain '__'.*'hand__left'"):
        Modality(np.zeros((5, 2, 1)), rate=1.0, node_names=["hand__left", "hand__right"])
    table = pd.DataFrame({"time": T, "hand__left_x": 1.0, "hand__left_y": 2.0})
    with pytest.raises(ValueError, match="must not contain '__'"):
        recording_from_dataframes(table)


def test_modality_names_may_not_hold_the_feature_name_separator():
    """Check that '__' in a modality name is refused as in a node name: the feature names of
    modality 'wrist__imu' were split inside it, so two nodes got the same wrong name and the
    flattened frame rows repeated columns."""
    with pytest.raises(ValueError, match=r"modality names must not contain '__'.*'wrist__imu'"):
        Recording({"wrist__imu": Modality(np.zeros((5, 2, 1)), rate=1.0)}, frame_rate=1.0)
    table = pd.DataFrame({"time": T, "x": 1.0})
    with pytest.raises(ValueError, match="must not contain '__'"):
        recording_from_dataframes({"wrist__imu": table})


def test_value_dtypes():
    """Check that long double stays float64 (it became float32), timedeltas are not readings,
    and timestamps in messages read as plain numbers."""
    assert Modality(np.zeros((3, 1, 1), dtype=np.longdouble), rate=1.0).values.dtype == np.float64
    with pytest.raises(TypeError, match=r"must hold numbers. Got an array of dtype timedelta64"):
        Modality(np.arange(3).astype("m8[s]").reshape(3, 1, 1), rate=1.0)
    with pytest.raises(ValueError, match=r"timestamps\[1\]=0.2 >= timestamps\[2\]=0.1"):
        Modality(np.zeros((3, 1, 1)), timestamps=[0.0, 0.2, 0.1])


@pytest.mark.parametrize("kwargs", [{"rate": 0}, {"rate": -1.0}, {"frame_rate": 0}])
def test_the_clock_of_sample_numbers_must_be_positive(kwargs):
    """Check that a zero or negative clock for an integer time level is refused by name (0 fell
    back to 1 Hz silently, and -1 gave a message about decreasing times)."""
    index = pd.MultiIndex.from_arrays([["r1"] * 5, np.arange(5)])
    df = pd.DataFrame({"u": np.arange(5.0)}, index=index)
    name = next(iter(kwargs))
    with pytest.raises(
        ValueError, match=rf"^recordings_from_dataframe: '{name}' must be a positive"
    ):
        recordings_from_dataframe(df, **kwargs)
