"""Messages and warnings of tables in: segment-table times, clocks that do not overlap,
modalities missing from a recording."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import check_layouts, labels_from_segment_table, recording_from_dataframes
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.io import read_csv_folder
from stgraph_sklearn.transformers import ModalityAligner

T0 = 1_700_000_000.5  # Unix seconds, as loggers write them


def _unix_recording(name="r0"):
    acc = pd.DataFrame({"time": T0 + np.arange(1500) / 50, "x": np.zeros(1500)})
    return recording_from_dataframes({"acc": acc}, frame_rate=10, name=name)


def _datetime_recording():
    tt = pd.Timestamp("2024-05-01T10:00:00+02:00") + pd.to_timedelta(np.arange(300) / 10, unit="s")
    table = pd.DataFrame({"time": tt, "x": np.zeros(300)})
    return recording_from_dataframes({"acc": table}, frame_rate=10, name="r2")


def _message(segments, rec):
    with pytest.raises(ValueError) as info:
        labels_from_segment_table(segments, rec)
    return str(info.value)


def test_overlap_error_names_the_rows_and_exact_bounds_on_a_unix_clock():
    """Check that overlapping segments on a Unix-seconds clock are named by their rows with
    their bounds as the table holds them (the bounds all read ``1.7e+09``, without a row)."""
    seg = pd.DataFrame(
        {
            "start": [T0, T0 + 10, T0 + 20.5],
            "end": [T0 + 10, T0 + 21.0, T0 + 30],
            "label": ["walk", "sit", "walk"],
        }
    )
    message = _message(seg, _unix_recording())
    assert "e+09" not in message
    assert (
        "segments 1 (start=1700000010.5, end=1700000021.5) and 2 (start=1700000021.0, "
        "end=1700000030.5) overlap." in message
    )


def test_overlap_error_names_rows_in_table_order_whatever_the_sort():
    """Check that the rows named by the overlap error are the table's rows, not positions
    after sorting the segments by start (the error named no row at all)."""
    seg = pd.DataFrame(
        {"start": [5.0, 0.0, 4.0], "end": [10.0, 4.0, 6.0], "label": ["a", "b", "c"]},
        index=[10, 11, 12],
    )
    message = _message(seg, (10.0, 100))
    assert "segments 12 (start=4.0, end=6.0) and 10 (start=5.0, end=10.0) overlap" in message


def test_reversed_segment_error_shows_plain_numbers():
    """Check that a segment ending before it starts is named by its row with plain numbers (it
    read ``segment np.int64(12)``, ``start=np.float64(1.0)``)."""
    seg = pd.DataFrame(
        {"start": [0.0, 1.0], "end": [1.0, 0.5], "label": ["a", "b"]}, index=np.array([11, 12])
    )
    message = _message(seg, (10.0, 40))
    assert "segment 12 must have finite start < end" in message
    assert message.endswith("Got start=1.0, end=0.5.")


def test_overlap_error_on_a_datetime_clock_shows_the_datetimes():
    """Check that overlapping segments given as datetimes are shown as those datetimes (they
    were shown as seconds from the earliest sample, ``(0, 12.5) and (12, 30)``)."""
    seg = pd.DataFrame(
        {
            "start": ["2024-05-01T10:00:00+02:00", "2024-05-01T10:00:12+02:00"],
            "end": ["2024-05-01T10:00:12.5+02:00", "2024-05-01T10:00:30+02:00"],
            "label": ["a", "b"],
        }
    )
    message = _message(seg, _datetime_recording())
    assert (
        "segments 0 (start='2024-05-01T10:00:00+02:00', end='2024-05-01T10:00:12.5+02:00') "
        "and 1 (start='2024-05-01T10:00:12+02:00', end='2024-05-01T10:00:30+02:00') overlap"
    ) in message


def test_segments_on_another_clock_error_shows_the_unix_span_exactly():
    """Check that segments relative to the start of a Unix-clock recording are reported with
    the recording's span readable (it read ``1.7e+09 to 1.7e+09 s``)."""
    seg = pd.DataFrame({"start": [0.0, 10.0], "end": [10.0, 30.0], "label": ["walk", "sit"]})
    message = _message(seg, _unix_recording())
    assert "e+09" not in message
    assert (
        "the segments span 0 s to 30 s, the recording 1700000000.5 s to 1700000030.5 s on its "
        "clock" in message
    )


def test_segments_on_another_day_error_shows_datetimes():
    """Check that datetime segments that miss a datetime recording are reported as datetimes,
    not as seconds from the recording's earliest sample."""
    seg = pd.DataFrame(
        {
            "start": ["2024-05-02T10:00:00+02:00"],
            "end": ["2024-05-02T10:00:30+02:00"],
            "label": ["a"],
        }
    )
    message = _message(seg, _datetime_recording())
    assert (
        "the segments span 2024-05-02 10:00:00+02:00 to 2024-05-02 10:00:30+02:00, the recording "
        "2024-05-01 10:00:00+02:00 to 2024-05-01 10:00:30+02:00 on its clock" in message
    )


def test_uncovered_frame_shows_a_jittered_time_precisely():
    """Check that a first frame 0.4 ms before the first segment shows its time precisely (it
    read ``frame 0 (1234.500 s)``, the same as the segment's start, hiding the cause)."""
    t1 = 1234.5
    imu = pd.DataFrame({"time": t1 + np.arange(2000) / 200, "x": np.zeros(2000)})
    imu.loc[0, "time"] = t1 - 0.0004
    rec = recording_from_dataframes({"imu": imu}, frame_rate=10, name="r1")
    seg = pd.DataFrame({"start": [t1], "end": [t1 + 10], "label": ["walk"]})
    assert "no segment covers frame 0 (at 1234.4996 s) of recording 'r1'" in _message(seg, rec)


def test_uncovered_frame_on_a_datetime_clock_shows_its_datetime():
    """Check that an uncovered frame of a datetime recording is shown as its datetime (it read
    ``0.000 s``, seconds from the earliest sample, next to segments given as datetimes)."""
    seg = pd.DataFrame(
        {
            "start": ["2024-05-01T10:00:00.3+02:00"],
            "end": ["2024-05-01T10:00:30+02:00"],
            "label": ["a"],
        }
    )
    message = _message(seg, _datetime_recording())
    assert (
        "no segment covers frame 0 (at 2024-05-01 10:00:00+02:00, 0 s into the recording)"
        in message
    )
    seg["start"] = ["2024-05-01T10:00:00+02:00"]
    seg["end"] = ["2024-05-01T10:00:12.3+02:00"]
    seg.loc[1] = ["2024-05-01T10:00:12.4+02:00", "2024-05-01T10:00:30+02:00", "b"]
    message = _message(seg, _datetime_recording())
    assert (
        "no segment covers frame 123 (at 2024-05-01 10:00:12.300000+02:00, 12.3 s into the "
        "recording)" in message
    )


def _utc_and_local_tables():
    t = pd.Timestamp("2024-05-01T10:00:00") + pd.to_timedelta(np.arange(600) / 10, unit="s")
    acc = pd.DataFrame({"time": [x.isoformat() for x in t], "x": np.sin(np.arange(600) / 5)})
    cam = pd.DataFrame(
        {"time": [(x - pd.Timedelta("2h")).isoformat() for x in t], "f": np.ones(600)}
    )
    return acc, cam


def test_tables_whose_spans_do_not_overlap_warn():
    """Check that two tables of one recording 2 h apart (UTC next to local time) warn, naming
    the recording, the tables and their spans (the 2-h recording was built without a word)."""
    acc, cam = _utc_and_local_tables()
    expected = (
        "recording_from_dataframes ('r0'): the time spans of the tables of one recording do not "
        "overlap (modality 'acc' from 2024-05-01 10:00:00 to 2024-05-01 10:00:59.900000; "
        "modality 'cam' from 2024-05-01 08:00:00 to 2024-05-01 08:00:59.900000)"
    )
    with pytest.warns(StgraphWarning, match=re.escape(expected)):
        rec = recording_from_dataframes({"acc": acc, "cam": cam}, frame_rate=10, name="r0")
    assert rec.n_frames == 72600  # the recording itself is unchanged


def test_tables_in_two_groups_that_do_not_overlap_warn_on_a_seconds_clock():
    """Check that four tables in two groups on clocks 100 s apart warn, with their spans in
    seconds (each table overlapped one other, and nothing was said)."""

    def table(start, n, rate):
        return pd.DataFrame({"time": start + np.arange(n) / rate, "v": np.zeros(n)})

    frames = {
        "acc": table(T0, 500, 50),
        "gyro": table(T0 + 1, 500, 50),
        "cam": table(T0 + 100, 300, 30),
        "audio": table(T0 + 101, 300, 30),
    }
    with pytest.warns(
        StgraphWarning, match=r"modality 'acc' from 1700000000\.5 s to 1700000010\.48 s;"
    ):
        recording_from_dataframes(frames)


def test_read_csv_folder_warns_naming_the_files(tmp_path):
    """Check that a folder recording whose CSV files do not overlap in time warns naming the
    recording and its files."""
    acc, cam = _utc_and_local_tables()
    (tmp_path / "r0").mkdir()
    acc.to_csv(tmp_path / "r0" / "acc.csv", index=False)
    cam.to_csv(tmp_path / "r0" / "cam.csv", index=False)
    expected = f"('r0'): the time spans of the tables of one recording do not overlap ({tmp_path / 'r0' / 'acc.csv'} from"
    with pytest.warns(StgraphWarning, match=re.escape(expected)):
        read_csv_folder(tmp_path, labels=False)


def test_ordinary_multi_rate_tables_do_not_warn():
    """Check that tables of ordinary data (sensors starting late, stopping early, slow and
    irregular ones, each overlapping another) build a recording without a warning."""
    rng = np.random.RandomState(0)
    acc = pd.DataFrame({"time": T0 + np.arange(3000) / 50, "x": rng.randn(3000)})
    video = pd.DataFrame({"time": T0 + 0.7 + np.arange(1700) / 30, "f": rng.randn(1700)})
    temp = pd.DataFrame({"time": T0 + 2 + np.arange(30.0), "c": 20.0})
    door = pd.DataFrame({"time": T0 + np.array([3.1, 17.9, 40.2]), "open": [1.0, 0.0, 1.0]})
    late = pd.DataFrame({"time": T0 + 55 + np.arange(100) / 10, "y": rng.randn(100)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = recording_from_dataframes(
            {"acc": acc, "video": video, "temp": temp, "door": door, "late": late}, name="ok"
        )
        recording_from_dataframes({"acc": acc}, name="one table")
        tt = pd.Timestamp("2024-05-01T10:00:00+02:00") + pd.to_timedelta(
            np.arange(300) / 10, unit="s"
        )
        recording_from_dataframes(
            {
                "acc": pd.DataFrame({"time": tt, "x": 0.0}),
                "cam": pd.DataFrame({"time": tt[5::3], "f": 1.0}),
            }
        )
    assert rec.frame_rate == 1.0


def test_missing_modality_error_says_how_to_mark_it_missing():
    """Check that a recording without one of the expected modalities is refused with how to
    mark the sensor missing (an all-NaN table), which then works (the error did not say)."""
    with pytest.raises(ValueError) as info:
        check_layouts(
            [{"acc": (1, 1)}], {"acc": (1, 1), "gyro": (1, 1)}, caller="Est", reference="fit"
        )
    assert str(info.value) == (
        "Est: X[0] has modalities ['acc']; expected ['acc', 'gyro'] (same names, same order) as "
        "in fit. To mark a sensor missing for a whole recording, give its modality (here "
        "'gyro') all NaN values (from a table: the time column with empty values)."
    )
    with pytest.raises(ValueError) as info:  # another order: nothing is missing, no hint
        check_layouts(
            [{"gyro": (1, 1), "acc": (1, 1)}],
            {"acc": (1, 1), "gyro": (1, 1)},
            caller="Est",
            reference="fit",
        )
    assert "missing" not in str(info.value)

    t = np.arange(300) / 10

    def recording(gyro):
        tables = {"acc": pd.DataFrame({"time": t, "x": np.sin(t)})}
        if gyro is not None:
            tables["gyro"] = pd.DataFrame({"time": t, "g": gyro})
        return recording_from_dataframes(tables, frame_rate=10)

    aligner = ModalityAligner().fit([recording(np.cos(t))])
    with pytest.raises(ValueError, match=r"give its modality \(here 'gyro'\) all NaN"):
        aligner.transform([recording(None)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the aligner warns about the missing sensor
        (out,) = aligner.transform([recording(np.nan)])
    assert out.n_frames == 300
