"""sktime panels and pandas tables as users hand them in (a QA pass over interop): timedelta
segment bounds, panels holding times or complex numbers, datetime clocks, pandas labels."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    check_labels,
    check_recordings,
    labels_from_segment_table,
    recording_from_dataframes,
    recordings_from_dataframe,
)
from stgraph_sklearn.estimators import FrameClassifierSegmenter


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timedelta_segment_bounds_are_seconds(unit):
    """Check that Timedelta segment bounds label the frames the same bounds in seconds do,
    whatever their unit: they were read as counts of the unit, so [ns] labelled 1,199 of
    1,200 frames wrong without a word."""
    rec = recording_from_dataframes(
        pd.DataFrame({"a": np.zeros(1200)}, index=pd.to_timedelta(np.arange(1200), unit="s"))
    )
    seconds = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 1200.0], "label": ["a", "b"]})
    expected = labels_from_segment_table(seconds, rec)
    bounds = seconds.assign(
        start=pd.to_timedelta(seconds["start"], unit="s").astype(f"timedelta64[{unit}]"),
        end=pd.to_timedelta(seconds["end"], unit="s").astype(f"timedelta64[{unit}]"),
    )
    np.testing.assert_array_equal(labels_from_segment_table(bounds, rec), expected)


def _panel(**columns):
    index = pd.MultiIndex.from_product([[0, 1], range(5)], names=["rec", "t"])
    return pd.DataFrame({"acc": np.arange(10.0), **columns}, index=index)


@pytest.mark.parametrize(
    "column",
    [
        pd.date_range("2024-05-01", periods=10, freq="s"),
        pd.to_timedelta(np.arange(10), unit="s"),
        pd.period_range("2024-05-01", periods=10, freq="D"),
        np.arange(10) + 1j,
    ],
    ids=["datetime", "timedelta", "period", "complex"],
)
def test_a_panel_column_that_is_not_sensor_values_is_refused(column):
    """Check that a pd-multiindex column of datetimes, timedeltas, periods or complex numbers
    is refused naming the column: datetimes were fitted as a sensor of values around 1.7e15,
    timedeltas read as seconds, the others raised sktime's bare TypeError."""
    with pytest.raises(TypeError, match=r"Seg: X is a pd-multiindex panel .* column 'when'"):
        check_recordings(_panel(when=column), caller="Seg")


def test_a_complex_numpy3d_panel_is_refused():
    """Check that a complex numpy3D panel is refused as a list of arrays is (its imaginary
    part was dropped with numpy's ComplexWarning only)."""
    with pytest.raises(TypeError, match=r"Seg: X is a numpy3D panel and must hold real numbers"):
        check_recordings(np.ones((2, 3, 4)) + 1j, caller="Seg")


def test_errors_building_a_panels_recordings_name_the_instance():
    """Check that a bad value in a panel names the caller, X and the instance (it named
    neither)."""
    X = np.zeros((3, 2, 8))
    X[1, 0, 3] = np.inf
    with pytest.raises(ValueError, match=r"^Seg: X instance 1: Modality values must be finite"):
        check_recordings(X, caller="Seg")
    panel = _panel()
    panel.iloc[7, 0] = np.inf
    with pytest.raises(ValueError, match=r"^Seg: X instance 1 \('1'\): Modality values"):
        check_recordings(panel, caller="Seg")


def test_a_regular_datetime_clock_gives_the_rate_a_seconds_clock_gives():
    """Check that 40 samples at 10 Hz on a DatetimeIndex in 2024 read as 10 Hz, aligned, as the
    same samples on a seconds clock: Unix seconds resolve 2.4e-7 s, so the rate read 9.9999998
    Hz and segmenters refused the recording ("40 samples at 10 Hz; ... 40 frames at 10 Hz")."""
    values = np.random.RandomState(0).randn(40)
    seconds = recording_from_dataframes(pd.DataFrame({"time": np.arange(40) / 10, "a": values}))
    index = pd.date_range("2024-05-01 10:00:00.123", periods=40, freq="100ms")
    dated = recording_from_dataframes(pd.DataFrame({"a": values}, index=index))
    assert dated.modalities["x"].rate == seconds.modalities["x"].rate == 10.0
    assert dated.unaligned_modalities() == []
    seg = FrameClassifierSegmenter(random_state=0).fit([seconds], [np.repeat([0, 1], 20)])
    np.testing.assert_array_equal(seg.predict_proba([dated])[0], seg.predict_proba([seconds])[0])


def test_pandas_labels_of_one_recording_get_the_list_hint():
    """Check that y given as one pandas Series of labels gets the "pass [y]" hint a 1-D array
    gets, and labels on a panel's MultiIndex a groupby hint (both were counted as that many
    label sequences)."""
    with pytest.raises(
        ValueError, match=r"pandas Series of 20 labels; for one recording pass \[y\]"
    ):
        check_labels(pd.Series(np.repeat(["a", "b"], 10)))
    y = _panel()["acc"].astype(int)
    with pytest.raises(ValueError, match=r"pass \[g.to_numpy\(\) for _, g in y.groupby\(level=0"):
        check_labels(y)
    series_of_arrays = pd.Series([np.array(["a", "b"]), np.array(["b"])])
    assert [a.tolist() for a in check_labels(series_of_arrays)] == [["a", "b"], ["b"]]


def test_a_period_time_level_is_read_and_text_is_refused_by_name():
    """Check that a (recording, period) MultiIndex reads the periods' starts as datetimes
    (sktime allows them) and a text time level is refused naming its dtype (both were
    dropped, then reported as "no time index")."""
    ids = np.repeat(["a", "b"], 6)
    periods = pd.period_range("2024-05-01 10:00", periods=6, freq="s").tolist() * 2
    df = pd.DataFrame({"acc": np.arange(12.0)}, index=pd.MultiIndex.from_arrays([ids, periods]))
    recs = recordings_from_dataframe(df)
    assert [(r.name, r.n_frames, r.frame_rate) for r in recs] == [("a", 6, 1.0), ("b", 6, 1.0)]
    df.index = pd.MultiIndex.from_arrays([ids, [f"2024-05-01T10:00:0{i}" for i in range(6)] * 2])
    with pytest.raises(ValueError, match=r"time level must hold .* Got dtype (str|object)"):
        recordings_from_dataframe(df)
