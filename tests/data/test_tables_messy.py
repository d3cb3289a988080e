"""Messy tables as users export them: empty time cells, written indexes, second time
columns, rows without a recording id; and messages that show the cells as written."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import recording_from_dataframes, recordings_from_dataframe
from stgraph_sklearn.exceptions import DataFormatError
from stgraph_sklearn.io import read_csv_folder


def _table(n=50):
    t = np.arange(n) / 25
    return pd.DataFrame({"time": t, "wrist_x": np.sin(t), "wrist_y": np.cos(t)})


@pytest.mark.parametrize("row", [0, 7, 49])
def test_an_empty_time_cell_is_named(row):
    """Check that a missing time (first, middle or last row) is a clear error naming the row,
    as seconds, as ISO text (NaT) and in a DatetimeIndex; it was an IndexError."""
    table = _table()
    table.loc[row, "time"] = np.nan
    with pytest.raises(ValueError, match=rf"time column 'time' has no time at row {row} \(1 "):
        recording_from_dataframes(table)
    stamps = pd.Timestamp("2024-05-01", tz="UTC") + pd.to_timedelta(table["time"], "s")
    iso = table.assign(time=stamps.astype(str).where(stamps.notna(), ""))  # text, one empty
    with pytest.raises(ValueError, match=rf"has no time at row {row} "):
        recording_from_dataframes(iso)
    indexed = table.set_index(pd.Timestamp("2024-05-01") + pd.to_timedelta(table.pop("time"), "s"))
    with pytest.raises(ValueError, match=rf"the time index has no time at row {row} "):
        recording_from_dataframes(indexed)


def test_a_written_row_index_is_not_a_sensor(tmp_path):
    """Check that the 'Unnamed: 0' column of a table written with its index (pandas'
    default) is refused, not read as a sensor counting 0, 1, 2, ..."""
    table = _table()
    (tmp_path / "r1").mkdir()
    table.to_csv(tmp_path / "r1" / "acc.csv")  # index=True, the default
    with pytest.raises(DataFormatError, match=r"acc.csv: column 'Unnamed: 0' has no name"):
        read_csv_folder(tmp_path, labels=False)
    with pytest.raises(ValueError, match="column '' has no name"):
        recording_from_dataframes(table.rename(columns={"wrist_y": ""}))


@pytest.mark.parametrize("name", ["timestamp", "time_ms", "unix_time"])
def test_a_second_time_column_is_not_a_sensor(name):
    """Check that an increasing time-like column next to the time column is refused (it was
    read as a channel of values near 1.7e9), and that a sensor named like a time but not
    increasing is still a sensor."""
    table = _table().assign(**{name: 1.7e9 + np.arange(50) / 25})
    with pytest.raises(ValueError, match=rf"column '{name}' looks like a second time axis"):
        recording_from_dataframes(table)
    rec = recording_from_dataframes(table.assign(**{name: np.sin(np.arange(50))}))
    assert rec.modalities["x"].values.shape[1:] == (1, 3)


def test_rows_without_a_recording_id_are_an_error():
    """Check that rows whose id is missing are refused, not dropped by the group-by."""
    table = pd.concat([_table(), _table()], ignore_index=True)
    table["trial"] = ["a"] * 50 + [None] * 50
    with pytest.raises(ValueError, match=r"50 rows have no recording id \(the first is row 50\)"):
        recordings_from_dataframe(table, by="trial")
    table["trial"] = ["a"] * 50 + ["b"] * 50
    assert [r.name for r in recordings_from_dataframe(table, by="trial")] == ["a", "b"]


def test_messages_show_the_cells_as_written(tmp_path):
    """Check that a repeated time shows the values and the file's lines (1 = header), and
    ISO text as written, not np.float64 Unix seconds at 0-based rows."""
    table = _table()
    table.loc[8, "time"] = table.loc[7, "time"]
    (tmp_path / "r1").mkdir()
    table.to_csv(tmp_path / "r1" / "acc.csv", index=False)
    with pytest.raises(DataFormatError, match=r"Got 0.28 then 0.28 at lines 9 and 10\.$"):
        read_csv_folder(tmp_path, labels=False)
    iso = table.assign(time=[f"2024-05-01T10:00:0{min(i, 8)}" for i in range(50)])
    with pytest.raises(ValueError, match=r"Got '2024-05-01T10:00:08' then '2024-05-01T10:00:08' "):
        recording_from_dataframes(iso.iloc[:12])


def test_segments_csv_may_mix_whole_and_decimal_seconds(tmp_path):
    """Check that start in whole seconds and end with decimals are both seconds (the file was
    refused as mixing seconds and datetimes)."""
    (tmp_path / "r1").mkdir()
    _table(250).to_csv(tmp_path / "r1" / "acc.csv", index=False)
    (tmp_path / "segments.csv").write_text("recording,start,end,label\nr1,0,4.5,a\nr1,5,10,b\n")
    _, y = read_csv_folder(tmp_path, fill="gap")
    assert y[0][0] == "a" and y[0][int(4.6 * 25)] == "gap" and y[0][-1] == "b"


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e9])
def test_unix_milliseconds_are_not_read_as_seconds(scale):
    """Check that a time column of Unix milliseconds (micro-, nanoseconds), as phones write
    it, is refused instead of read as a 0.05-Hz clock, and that Unix seconds are fine."""
    table = _table().assign(time=lambda d: (1.7e9 + d["time"]) * scale)
    with pytest.raises(ValueError, match=r"must hold seconds\. Got numbers up to 1\.7e"):
        recording_from_dataframes(table)
    assert (
        recording_from_dataframes(_table().assign(time=lambda d: 1.7e9 + d["time"])).frame_rate
        == 25
    )


def test_tables_of_one_recording_must_share_one_clock():
    """Check that datetimes in one table and seconds in another (or a time zone in one and
    none in another) are refused by table: the seconds were put in 1970, making 51 billion
    frames and then a MemoryError."""
    dates = pd.date_range("2024-05-01 10:00", periods=40, freq="50ms")
    accel = pd.DataFrame({"time": dates.astype(str), "x": np.arange(40.0)})
    video = pd.DataFrame({"time": np.arange(20) / 10, "f": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"modality 'accel' has datetimes .* modality 'video' has"):
        recording_from_dataframes({"accel": accel, "video": video}, name="r0")
    utc = accel.assign(time=dates.tz_localize("UTC").astype(str))
    with pytest.raises(ValueError, match="'accel' has datetimes with a time zone but"):
        recording_from_dataframes({"accel": utc, "video": accel}, name="r0")
    rec = recording_from_dataframes({"accel": accel, "video": accel.rename(columns={"x": "f"})})
    assert rec.n_frames == 40


def test_a_bad_cell_in_a_sensor_column_is_named_by_its_line(tmp_path):
    """Check that one text cell (a decimal comma, 'abc') in a sensor column is named by its
    line with advice for a cell; the error named no line and advised dropping the column."""
    folder = tmp_path / "data" / "r0"
    folder.mkdir(parents=True)
    rows = [f"{i / 10},{i}.5" for i in range(30)]
    rows[10] = '1.0,"1,5"'
    (folder / "acc.csv").write_text("time,x\n" + "\n".join(rows) + "\n")
    (tmp_path / "data" / "segments.csv").write_text("recording,start,end,label\nr0,0,3,a\n")
    with pytest.raises(ValueError, match=r"column 'x' must hold numbers. Got '1,5' at line 12"):
        read_csv_folder(tmp_path / "data")


def test_the_rate_of_burst_delivered_timestamps_is_their_mean_rate():
    """Check that a 50 Hz phone sensor whose samples arrive ten at a time (0.1 ms apart, a
    burst every 200 ms) gets a 50 fps default timeline: the median interval made it 5000 fps
    and 50 times the frames; a drop-out of a few seconds is left out of the estimate, and
    jittered or alternating intervals give their mean rate."""
    from stgraph_sklearn.data import Modality

    bursts = np.repeat(np.arange(0.0, 60.0, 0.2), 10) + np.tile(np.arange(10) * 1e-4, 300)
    alternating = np.cumsum(np.tile([0.015, 0.025], 1500))
    dropout = np.concatenate([np.arange(0, 20, 0.02), np.arange(30, 60, 0.02)])  # 10 s gone
    for times in (bursts, alternating, dropout):
        table = pd.DataFrame({"time": times, "x": np.sin(times)})
        rec = recording_from_dataframes({"imu": table})
        assert rec.frame_rate == pytest.approx(50.0, rel=0.02), rec.frame_rate
        assert rec.n_frames == pytest.approx(60 * 50, rel=0.02)
        assert Modality(np.zeros((times.size, 1)), timestamps=times).period == pytest.approx(
            0.02, rel=0.02
        )
