"""Tables in and out: pandas DataFrames -> Recording, segment tables in seconds <-> frame labels.

The column rule (documented in the user guide, "Your own data"):

- the time comes from a ``DatetimeIndex``, a ``TimedeltaIndex`` or a time column (``time=``,
  else the first of ``time``, ``time_s``, ``timestamp``, ``t``, ``seconds`` present, in any
  case), in seconds; without any, samples are taken at ``rate`` (or ``frame_rate``) Hz. The
  time column never becomes a sensor, and an increasing column named like a time
  (``Time (s)``, ``time_ms``) that is not one of these names is an error rather than a sensor,
  with or without a time column; so is a column without a name (a written row index);
- a regular clock becomes a rate (Hz), an irregular one stays as timestamps;
- columns named ``<node>_<channel>`` where every node has the same channels become a
  ``(T, n_nodes, n_channels)`` block (``wrist_x, wrist_y, wrist_z, ankle_x, ...`` -> nodes
  ``wrist, ankle``, channels ``x, y, z``; ``kitchen_temp, hall_temp`` -> nodes ``kitchen,
  hall``, channel ``temp``); otherwise, and for a single column, the table is one node whose
  channels are the columns (a feature vector such as ``f0 ... f63``). ``nodes={"wrist": ["ax", "ay", "az"],
  ...}`` states the grouping explicitly (``{c: [c] for c in columns}``: one node per column).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..exceptions import StgraphWarning, warn
from ..utils import check_seconds, iso_datetimes
from ._containers import Modality, Recording, _check_modality_name
from ._segments import _labels_array
from ._validation import check_label_sequence, label_kind

__all__ = [
    "TIME_COLUMNS",
    "labels_from_segment_table",
    "recording_from_dataframes",
    "recordings_from_dataframe",
]

#: Column names recognised as the time axis (seconds) when ``time`` is not given (in any
#: case: ``Time`` is ``time``).
TIME_COLUMNS = ("time", "time_s", "timestamp", "t", "seconds")
_REGULAR_TOLERANCE = 0.1  # deviation from a regular grid, in periods, still read as a rate
# Words that make a column name look like a time axis (``Time (s)``, ``time_ms``, ``date``).
_TIME_WORDS = frozenset(
    {"time", "times", "timestamp", "timestamps", "datetime", "date", "sec", "secs", "seconds"}
    | {"ms", "msec", "elapsed", "ts", "epoch", "unix"}
)


def _time_column(columns):
    """The column recognised as the time axis: the first of ``TIME_COLUMNS``, in any case."""
    for wanted in TIME_COLUMNS:
        for col in columns:
            if isinstance(col, str) and col.strip().lower() == wanted:
                return col
    return None


def _looks_like_time(df, col):
    """Whether ``col`` holds datetimes or timedeltas (a time by its type, whatever its name),
    or is named like a time and holds strictly increasing numbers."""
    words = re.split(r"[^0-9a-z]+", str(col).lower())
    values = df[col]
    if pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values):
        return True
    if not _TIME_WORDS.intersection(words) or len(values) < 2:
        return False
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return False
    diff = np.diff(values.to_numpy(dtype=np.float64, na_value=np.nan))
    return bool((diff > 0).all())


def _at(i, lines, pair=False):
    """Row ``i`` (0-based) of a table as the user sees it, and the next one too if ``pair``:
    a line of a CSV file with a header (``lines``) or a DataFrame row."""
    unit, first = ("line", i + 2) if lines else ("row", i)
    return f"{unit}s {first} and {first + 1}" if pair else f"{unit} {first}"


def _shown(value):
    """A cell for a message: ``1.98`` or ``2024-05-01 10:00:00``, not ``np.float64(1.98)``."""
    if isinstance(value, (np.floating, np.integer, np.str_, np.bytes_, np.bool_)):
        return repr(value.item())
    return repr(str(value)) if isinstance(value, pd.Timestamp | pd.Timedelta) else repr(value)


def _seconds_text(seconds):
    """Seconds for a message, to the microsecond without float noise or an exponent:
    ``1700000000.5``, not ``1.7e+09``; ``0.3``, not ``0.30000000000000004``."""
    return np.format_float_positional(float(seconds), precision=6, unique=True, trim="-")


def _datetime_text(first, seconds):
    """The datetime ``seconds`` after the Timestamp ``first``, to the microsecond, for a
    message; None beyond the datetimes pandas represents."""
    try:
        return str(first + pd.Timedelta(seconds=float(seconds)).round("us"))
    except (OverflowError, ValueError):
        return None


def _check_value_columns(df, columns, time_text, where):
    """Refuse columns that are not sensors: an unnamed one (a written row index) or a second
    time axis next to the time axis (``time_text``, None if there is none)."""
    for col in columns:
        if col is None or str(col).strip() == "" or str(col).startswith("Unnamed: "):
            last_empty = col == df.columns[-1] and df[col].isna().all()
            cause = (
                "every line ends with a comma: an empty last column"
                if last_empty
                else "a table written with its row index, e.g. by pandas' to_csv without "
                "index=False"
            )
            raise ValueError(
                f"{where}: column {col!r} has no name, so it is not a sensor ({cause}). Drop "
                "it, or name it if it is a sensor."
            )
        if time_text is not None and _looks_like_time(df, col):
            raise ValueError(
                f"{where}: column {col!r} looks like a second time axis next to {time_text} "
                "(datetimes or timedeltas, or named like a time and strictly increasing), so "
                "it would be read as a sensor. Drop it, or rename it if it is a sensor."
            )


def _table_times(df, time, where, lines=False):
    """Return ``(seconds or None, value_columns, first, cells)`` of one DataFrame, where
    ``first`` is the first sample's Timestamp if the times are datetimes (else None), the
    seconds of datetimes are Unix times, and ``cells`` are the times as given (for messages)."""
    columns = list(df.columns)
    if isinstance(df.index, pd.DatetimeIndex | pd.TimedeltaIndex):
        time_text, cells, values = "the time index", pd.Series(df.index), columns
    else:
        if time is None:
            time = _time_column(columns)
            timelike = (
                None
                if time is not None
                else next((c for c in columns if _looks_like_time(df, c)), None)
            )
            if timelike is not None:
                raise ValueError(
                    f"{where}: column {timelike!r} looks like a time axis but is not one of the "
                    f"recognised time columns {list(TIME_COLUMNS)}, so it would be read as a "
                    f"sensor. If it holds seconds, rename it to one of them or pass "
                    f"time={timelike!r}; convert it to seconds if it does not, or rename it if it "
                    "is a sensor."
                )
        elif time not in columns:
            raise ValueError(
                f"{where} has no time column {time!r}. Got columns {columns[:10]}"
                f"{'...' if len(columns) > 10 else ''}."
            )
        values = [c for c in columns if c != time]
        time_text = None if time is None else f"the time column {time!r}"
        cells = None if time is None else df[time].reset_index(drop=True)
    _check_value_columns(df, values, time_text, where)
    if cells is None:
        return None, values, None, None
    col = cells
    if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
        # text, as read from a CSV file (dtype object under pandas 2, str under pandas 3):
        # ISO 8601 datetimes become datetimes; anything else is refused below
        try:
            col = iso_datetimes(col)
        except (TypeError, ValueError):
            pass
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
        _check_present(col.isna().to_numpy(), time_text, where, lines)
        if pd.api.types.is_timedelta64_dtype(col):
            return col.dt.total_seconds().to_numpy(), values, None, cells
        first = col.iloc[0]
        seconds = (col - first).dt.total_seconds().to_numpy() + first.timestamp()
        return seconds, values, first, cells
    numbers, text = _as_numbers(col)
    if text.any():
        i = int(np.flatnonzero(text)[0])
        raise ValueError(
            f"{where}: {time_text} must hold seconds (numbers), datetimes or timedeltas. Got "
            f"{_shown(col.iloc[i])} at {_at(i, lines)}."
        )
    seconds = numbers.to_numpy(dtype=np.float64)
    _check_present(~np.isfinite(seconds), time_text, where, lines)
    check_seconds(float(np.abs(seconds).max()), f"{where}: {time_text}")
    return seconds, values, None, cells


def _as_numbers(col):
    """``(numbers, text)``: the cells of ``col`` as numbers (NaN where they are not), and
    where a cell holds something that is not a number (not where it is empty)."""
    numbers = pd.to_numeric(col, errors="coerce")
    return numbers, (col.notna() & numbers.isna()).to_numpy()


def _check_present(missing, time_text, where, lines):
    """Refuse a time axis with empty (or non-finite) cells, naming the first."""
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(
            f"{where}: {time_text} has no time at {_at(i, lines)} ({int(missing.sum())} empty "
            "or non-finite cells in all). Expected a time for every sample; drop the rows "
            "without one."
        )


def _group_columns(columns, nodes, where):
    """``{node: [column, ...]}`` in column order, by ``nodes`` or the ``<node>_<channel>`` rule."""
    if nodes is not None:
        if not isinstance(nodes, Mapping) or not nodes:
            raise TypeError(
                f"{where}: 'nodes' must map node names to lists of columns. Got {nodes!r}."
            )
        groups = {str(k): [v] if isinstance(v, str) else list(v) for k, v in nodes.items()}
        unknown = [c for cols in groups.values() for c in cols if c not in columns]
        if unknown:
            raise ValueError(f"{where}: 'nodes' names columns that do not exist: {unknown[:5]}.")
        widths = {len(c) for c in groups.values()}
        if len(widths) != 1:
            raise ValueError(
                f"{where}: every node in 'nodes' needs the same number of channels. Got "
                f"{ {k: len(v) for k, v in groups.items()} }."
            )
        return groups
    names = [str(c) for c in columns]
    split = [n.rsplit("_", 1) for n in names]
    if all(len(p) == 2 and p[0] and p[1] for p in split):
        groups, channels = {}, {}
        for (node, channel), col in zip(split, columns, strict=True):
            groups.setdefault(node, []).append(col)
            channels.setdefault(node, []).append(channel)
        first = next(iter(channels.values()))
        # one value per sensor (``kitchen_temp, hall_temp``) forms nodes too; a lone
        # column (``heart_rate``) stays the default node
        if len(names) > 1 and all(ch == first for ch in channels.values()):
            return groups
    return {"0": list(columns)}


def _clock(seconds, n, rate, where, cells=None, lines=False):
    """``dict(rate=, start=)`` or ``dict(timestamps=)`` of a modality (``cells``: the times
    as given, for messages)."""
    if seconds is None:
        if rate is None:
            fix = "" if lines else ", a DatetimeIndex, or pass rate="  # a file has only columns
            raise ValueError(
                f"{where} has no time index or time column, so its rate is unknown. Add a time "
                f"column in seconds or ISO 8601 datetimes (one of {list(TIME_COLUMNS)}){fix}."
            )
        return {"rate": float(rate), "start": 0.0}
    if n > 1 and not (np.diff(seconds) > 0).all():
        bad = int(np.flatnonzero(np.diff(seconds) <= 0)[0]) + 1
        shown = pd.Series(seconds) if cells is None else cells
        raise ValueError(
            f"{where}: the time axis must be strictly increasing. Got "
            f"{_shown(shown.iloc[bad - 1])} then {_shown(shown.iloc[bad])} at "
            f"{_at(bad - 1, lines, pair=True)}."
        )
    if n > 2:
        # Regular if every sample lies within a tenth of a period of the straight line
        # through the first and last: rounding in exported files (1/30 s written as 0.0333)
        # is tolerated, a dropped or late sample is not.
        step = float(seconds[-1] - seconds[0]) / (n - 1)
        grid = seconds[0] + step * np.arange(n)
        if np.abs(seconds - grid).max() <= _REGULAR_TOLERANCE * step:
            # 8 significant digits: nanosecond timestamps make 1/30 s steps read 29.99999999
            # Hz; fewer where the clock's numbers resolve the span less finely (Unix seconds,
            # 1.7e9, resolve 2.4e-7 s: 4 s at 10 Hz read 9.9999998 Hz)
            resolution = 4 * np.finfo(np.float64).eps * max(abs(seconds[0]), abs(seconds[-1]))
            digits = int(
                np.clip(np.floor(-np.log10(resolution / (seconds[-1] - seconds[0]))), 4, 8)
            )
            return {"rate": float(f"{1.0 / step:.{digits}g}"), "start": float(seconds[0])}
    return {"timestamps": seconds}


def _check_one_clock(parts, part_where, where):
    """Refuse tables of one recording whose times are not on one clock: datetimes in some
    and seconds (or no time column) in others put the seconds in 1970, and time-zone-aware
    datetimes next to naive ones have no agreed origin."""
    dated = {k: part[4] for k, part in parts.items() if part[4] is not None}
    if not dated:
        return

    def table(key):
        return part_where(key).removeprefix(f"{where}: ")

    undated = [k for k in parts if k not in dated]
    if undated:
        raise ValueError(
            f"{where}: {table(next(iter(dated)))} has datetimes in its time column but "
            f"{table(undated[0])} has seconds (or no time column); all modalities of a "
            "recording share one clock. Give every table datetimes, or every table seconds."
        )
    aware = {k: first.tzinfo is not None for k, first in dated.items()}
    if len(set(aware.values())) > 1:
        with_tz = next(k for k, a in aware.items() if a)
        without = next(k for k, a in aware.items() if not a)
        raise ValueError(
            f"{where}: {table(with_tz)} has datetimes with a time zone but {table(without)} "
            "without one; all modalities of a recording share one clock. Give every table's "
            "times the same time zone (or none)."
        )


def _modality_from_dataframe(df, *, time, nodes, rate, where, lines=False):
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{where} must be a pandas DataFrame. Got {type(df).__name__}.")
    if df.shape[0] == 0:
        raise ValueError(f"{where} is empty: expected at least one row.")
    repeated = df.columns[df.columns.duplicated()].unique().tolist()
    if repeated:  # df[name] would select every copy, once per copy
        raise ValueError(
            f"{where} has repeated column names {repeated[:5]}; every column needs its own "
            "name (a channel of its own). Rename them, e.g. after pd.concat(axis=1)."
        )
    seconds, columns, first, cells = _table_times(df, time, where, lines)
    if not columns:
        raise ValueError(f"{where} has no sensor columns besides its time axis.")
    groups = _group_columns(columns, nodes, where)
    values = []
    for node, cols in groups.items():
        try:
            values.append(df[cols].to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError) as exc:
            bad = next(c for c in cols if not pd.api.types.is_numeric_dtype(df[c]))
            node_text = "" if node == "0" else f" (node {node!r})"
            col = df[bad].reset_index(drop=True)
            text = _as_numbers(col)[1]
            if text.any() and text.sum() < col.notna().sum():  # a few bad cells, not the column
                i = int(np.flatnonzero(text)[0])
                raise ValueError(
                    f"{where}: column {bad!r}{node_text} must hold numbers. Got "
                    f"{_shown(col.iloc[i])} at {_at(i, lines)} ({int(text.sum())} such cells); "
                    "write decimals with a point and leave missing values empty (or NaN)."
                ) from exc
            raise ValueError(
                f"{where}: column {bad!r}{node_text} must hold numbers. Got dtype "
                f"{df[bad].dtype}; drop it, or name it as the time column (time= in Python; "
                f"on the command line, one of the names {list(TIME_COLUMNS)})."
            ) from exc
    arr = np.stack(values, axis=1)  # (T, nodes, channels)
    inf = np.isinf(arr)
    if inf.any():  # named here, where the rows are known (Modality would name no line)
        row, node, ch = (int(v[0]) for v in np.nonzero(inf))
        col = list(groups.values())[node][ch]
        raise ValueError(
            f"{where}: column {col!r} must hold finite numbers or empty cells. Got "
            f"{_shown(arr[row, node, ch])} at {_at(row, lines)}."
        )
    clock = _clock(seconds, arr.shape[0], rate, where, cells, lines)
    return arr, tuple(groups), _channel_names(groups, nodes), clock, first


def _check_spans_overlap(parts, part_where, where):
    """Warn when the tables of one recording fall into groups whose time spans (first to last
    sample) do not overlap, such as one table logged in UTC and one in local time: the
    recording then spans them all, each table's sensors missing outside its own span."""
    if len(parts) < 2:
        return
    spans = {}
    for key, (arr, _, _, clock, first) in parts.items():
        if "start" in clock:
            lo = clock["start"]
            hi = lo + (arr.shape[0] - 1) / clock["rate"]
        else:
            lo, hi = clock["timestamps"][0], clock["timestamps"][-1]
        spans[key] = (float(lo), float(hi), first)
    ordered = sorted(spans.values(), key=lambda span: span[0])
    reach = ordered[0][1]
    for lo, hi, _ in ordered[1:]:
        if lo > reach:
            break
        reach = max(reach, hi)
    else:
        return

    def shown(seconds, first):
        dated = None if first is None else _datetime_text(first, seconds - first.timestamp())
        return f"{_seconds_text(seconds)} s" if dated is None else dated

    listed = "; ".join(
        f"{part_where(key).removeprefix(f'{where}: ')} from {shown(lo, first)} to "
        f"{shown(hi, first)}"
        for key, (lo, hi, first) in spans.items()
    )
    total = max(span[1] for span in ordered) - ordered[0][0]
    warn(
        f"{where}: the time spans of the tables of one recording do not overlap ({listed}), so "
        f"the recording spans them all ({_seconds_text(total)} s) with each table's sensors "
        "missing outside its own span. Expected tables on one clock: check them for an "
        "offset (one logged in UTC and one in local time, say).",
        StgraphWarning,
    )


def _channel_names(groups, nodes):
    """Channel names: the ``<channel>`` suffixes of the first node, else its column names."""
    node, cols = next(iter(groups.items()))
    names = [str(c) for c in cols]
    if nodes is None and node != "0":
        names = [n[len(node) + 1 :] for n in names]
    return names if len(set(names)) == len(names) else None


def recording_from_dataframes(
    frames,
    *,
    frame_rate=None,
    time=None,
    nodes=None,
    rate=None,
    name=None,
    subject=None,
    sources=None,
):
    """Build one :class:`Recording` from one DataFrame per modality, without reshaping by hand.

    Parameters
    ----------
    frames : pandas.DataFrame or mapping of str to pandas.DataFrame
        One table per modality (a single table is the modality ``"x"``), each with its own
        sampling: a ``DatetimeIndex``, a ``TimedeltaIndex`` or a time column in seconds. A
        regular clock becomes a rate in Hz, an irregular one is kept as timestamps. Times of
        all modalities are on one clock; the reference timeline starts at the earliest first
        sample, whose time is kept as ``Recording.start_time`` (see Returns).
    frame_rate : float, default=None
        Rate of the reference timeline (labels are one per frame). Defaults to the lowest
        modality rate to 4 significant digits (for example 30 for video features next to 50
        Hz accelerometers, 29.97 for NTSC video, 0.03333 for a sample every 30 s), so the
        recordings of one device share a frame rate despite jitter in their timestamps. When
        no table is regular, the rate is estimated (:attr:`Modality.period`) and may differ
        between recordings by a percent or so: give ``frame_rate`` then.
    time : str, default=None
        Name of the time column, else the first of ``TIME_COLUMNS`` present in any case
        (``"time"``, ``"time_s"``, ``"timestamp"``, ``"t"``, ``"seconds"``; ``"Time"`` too).
        Never read as a sensor; every row needs a time. Another column named like a time
        that holds increasing numbers (``"Time (s)"``, ``"time_ms"``) is an error rather than
        a sensor: without a time axis, pass its name here (if it holds seconds) or rename it;
        next to one, drop it. A column without a name (``"Unnamed: 0"``, the row index
        pandas writes) is an error too.
    nodes : mapping, default=None
        Explicit grouping of columns into nodes: ``{node: [column, ...]}`` for a single table,
        or ``{modality: {node: [column, ...]}}``. By default columns ``<node>_<channel>`` that
        share their channels form nodes (``wrist_x, wrist_y, wrist_z`` -> node ``wrist``);
        otherwise the table is one node whose channels are its columns (a feature vector).
    rate : float or mapping of str to float, default=None
        Sampling rate of tables without a time axis (then required).
    name : str, default=None
        Name of the recording.
    subject : hashable, default=None
        Who was recorded (``groups`` for subject-disjoint splits).
    sources : mapping of str to str, default=None
        Where each modality's table came from (a file path, say): an error about a table
        names it instead of ``modality '<name>'``, counting its lines. Such a table needs a
        time column or a ``rate``: ``frame_rate`` is not taken as its sampling rate (a file
        written without times would be read at whatever rate the frames have).

    Returns
    -------
    recording : Recording
        Node and channel names come from the columns (``"accel:wrist"``, channels
        ``("x", "y", "z")``); channel order follows the columns. ``start_time`` is the time in
        seconds of the earliest sample (frame 0), so that
        :func:`labels_from_segment_table` reads segments on the tables' clock; it is 0 when the
        clock is made of datetimes (segment seconds then count from the earliest sample) and
        for tables sampled at ``rate``. On a datetime clock ``start_datetime`` is the earliest
        sample's Timestamp (time-zone aware if the tables were), against which
        :func:`labels_from_segment_table` reads segment bounds given as datetimes.

    Raises
    ------
    ValueError
        If a table is malformed (the message names its modality), or every modality has a
        single timestamped sample, from which no sampling rate can be inferred.

    Warns
    -----
    StgraphWarning
        If the tables' time spans (first to last sample) do not overlap, as for tables logged
        on clocks with an offset (UTC and local time): the recording spans them all.

    See Also
    --------
    recordings_from_dataframe : One long table holding many recordings.
    labels_from_segment_table : Frame labels from segments in seconds.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stgraph_sklearn.data import recording_from_dataframes
    >>> t = np.arange(100) / 50
    >>> accel = pd.DataFrame({"time": t, "wrist_x": np.sin(t), "wrist_y": t, "wrist_z": 1.0,
    ...                       "ankle_x": 0.0, "ankle_y": t, "ankle_z": 1.0})
    >>> video = pd.DataFrame(np.zeros((60, 4)), columns=["f0", "f1", "f2", "f3"],
    ...                      index=pd.to_timedelta(np.arange(60) / 30, unit="s"))
    >>> rec = recording_from_dataframes({"accel": accel, "video": video}, name="trial-1")
    >>> rec.frame_rate, rec.n_frames, rec.modalities["accel"].rate
    (30.0, 60, 50.0)
    >>> rec.node_names[:2], rec.modalities["accel"].values.shape
    (('accel:wrist', 'accel:ankle'), (100, 2, 3))
    """
    where = "recording_from_dataframes" + ("" if name is None else f" ({name!r})")
    sources = sources or {}

    def part_where(key):  # one table: its source (a file), or its modality
        return sources.get(key, f"{where}: modality {key!r}")

    if isinstance(frames, pd.DataFrame):
        frames = {"x": frames}
        nodes = None if nodes is None else {"x": nodes}
        rate = None if rate is None else {"x": rate}
    if not isinstance(frames, Mapping) or not frames:
        raise TypeError(
            f"{where}: 'frames' must be a DataFrame or a non-empty mapping of modality name to "
            f"DataFrame. Got {type(frames).__name__}."
        )
    if nodes is not None and not isinstance(nodes, Mapping):
        raise TypeError(f"{where}: 'nodes' must be a mapping. Got {type(nodes).__name__}.")
    unknown = [] if nodes is None else [k for k in nodes if k not in frames]
    if unknown:  # a flat {node: columns} mapping next to a dict of tables was ignored
        raise ValueError(
            f"{where}: 'nodes' names {unknown[:5]}, which are not modalities "
            f"{list(frames)[:10]}. With one table per modality it maps each modality to its "
            "own grouping: nodes={modality: {node: [column, ...]}}."
        )
    if rate is not None and not isinstance(rate, Mapping):
        rate = dict.fromkeys(frames, rate)
    for key in frames:  # Recording's rule, checked here to name the file
        try:
            if isinstance(key, str):
                _check_modality_name(key)
        except ValueError as exc:
            raise ValueError(f"{part_where(key)}: {exc}") from None
    parts = {}
    for key, df in frames.items():
        part_nodes = None if nodes is None else nodes.get(key)
        part_rate = None if rate is None else rate.get(key)
        if part_rate is None and frame_rate is not None and key not in sources:
            part_rate = frame_rate  # a table without times at the frames (a file has none)
        parts[key] = _modality_from_dataframe(
            df,
            time=time,
            nodes=part_nodes,
            rate=part_rate,
            where=part_where(key),
            lines=key in sources,  # a file: its lines, not the DataFrame's rows
        )
    _check_one_clock(parts, part_where, where)
    clocks = [part[3] for part in parts.values()]
    if all("timestamps" in c and c["timestamps"].size == 1 for c in clocks):
        raise ValueError(
            f"{where}: every table has a single timestamped sample "
            f"({', '.join(part_where(k) for k in parts)}), so no sampling rate can be inferred "
            "and the recording spans no time. Expected at least two samples in one table."
        )
    _check_spans_overlap(parts, part_where, where)
    origin = min(c["start"] if "start" in c else c["timestamps"][0] for c in clocks)
    modalities = {}
    for key, (arr, node_names, channel_names, clock, _) in parts.items():
        if "start" in clock:
            clock = {**clock, "start": float(clock["start"] - origin)}
        else:
            clock = {"timestamps": clock["timestamps"] - origin}
        try:
            modalities[key] = Modality(
                arr, node_names=node_names, channel_names=channel_names, **clock
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{part_where(key)}: {exc}") from None
    if frame_rate is None:
        rates = [m.rate for m in modalities.values() if m.rate is not None]
        if not rates:
            rates = [1.0 / m.period for m in modalities.values() if m.n_samples > 1]
        frame_rate = float(f"{min(rates):.4g}")
    # Segment seconds are on the tables' clock, except on a datetime clock: seconds since
    # the earliest sample (a segment table does not hold Unix times), or datetimes.
    firsts = [part[4] for part in parts.values() if part[4] is not None]
    start_datetime = None
    if firsts:
        start_datetime = min(firsts, key=lambda first: first.timestamp())
    try:
        return Recording(
            modalities,
            frame_rate=frame_rate,
            name=name,
            subject=subject,
            start_time=0.0 if firsts else float(origin),
            start_datetime=start_datetime,
        )
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None


def recordings_from_dataframe(
    df, *, by=None, frame_rate=None, time=None, nodes=None, rate=None, subject=None
):
    """Split one long DataFrame into one :class:`Recording` per recording id.

    Parameters
    ----------
    df : pandas.DataFrame
        All recordings stacked: either a ``by`` column of recording ids, or a two-level
        ``MultiIndex`` (sktime's ``pd-multiindex``: recording id, then time).
    by : str, default=None
        The recording-id column (required unless ``df`` has a two-level ``MultiIndex``).
    frame_rate : float, default=None
        As in :func:`recording_from_dataframes`.
    time : str, default=None
        As in :func:`recording_from_dataframes`.
    nodes : mapping, default=None
        As in :func:`recording_from_dataframes` (``{node: [column, ...]}``).
    rate : float, default=None
        As in :func:`recording_from_dataframes`. For a ``MultiIndex`` whose time level holds
        integers (sample numbers), ``rate`` (or ``frame_rate``, else 1 Hz) gives the clock:
        sample ``n`` is at ``n / rate`` seconds, so missing sample numbers are missing frames.
    subject : str, default=None
        A column holding the subject of each recording (constant within a recording); the
        ``by`` column itself when every recording is one subject's.

    Returns
    -------
    recordings : list of Recording
        In order of first appearance, named by their id.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stgraph_sklearn.data import recordings_from_dataframe
    >>> df = pd.DataFrame({"trial": np.repeat(["a", "b"], 50), "time": np.tile(np.arange(50) / 50, 2),
    ...                    "hand_x": 0.0, "hand_y": 1.0, "cup_x": 2.0, "cup_y": 3.0})
    >>> recs = recordings_from_dataframe(df, by="trial")
    >>> [r.name for r in recs], recs[0].node_names, recs[0].frame_rate
    (['a', 'b'], ('x:hand', 'x:cup'), 50.0)
    """
    where = "recordings_from_dataframe"
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{where}: 'df' must be a pandas DataFrame. Got {type(df).__name__}.")
    if isinstance(df.index, pd.MultiIndex):
        if df.index.nlevels != 2:
            raise ValueError(
                f"{where}: a MultiIndex must have two levels (recording id, time). Got "
                f"{df.index.nlevels} levels."
            )
        ids = df.index.get_level_values(0)
        inner = df.index.get_level_values(1)
        df = df.reset_index(level=0, drop=True)
        if pd.api.types.is_integer_dtype(inner):
            # sample numbers: times of rate (or frame_rate, else 1 Hz), so gaps stay gaps
            given, hz = ("rate", rate) if rate is not None else ("frame_rate", frame_rate)
            hz = 1.0 if hz is None else hz
            if isinstance(hz, bool) or not isinstance(hz, numbers.Real) or not 0 < hz < np.inf:
                raise ValueError(
                    f"{where}: {given!r} must be a positive number of Hz (the clock of the "
                    f"sample numbers in the time level). Got {hz!r}."
                )
            df = df.reset_index(drop=True)
            df.insert(0, "__time__", np.asarray(inner, dtype=np.float64) / float(hz))
            time, rate = "__time__", None
        elif pd.api.types.is_float_dtype(inner):
            df = df.reset_index(names="__time__")
            time = "__time__"
        elif isinstance(inner.dtype, pd.PeriodDtype):  # sktime allows periods: their starts
            df.index = pd.DatetimeIndex(inner.to_timestamp(), name=inner.name)
        elif not (
            pd.api.types.is_datetime64_any_dtype(inner) or pd.api.types.is_timedelta64_dtype(inner)
        ):
            raise ValueError(
                f"{where}: the MultiIndex's time level must hold seconds (floats), sample "
                f"numbers (integers), datetimes or timedeltas. Got dtype {inner.dtype} (such as "
                f"{inner[0]!r}); convert it, for example with pd.to_datetime for ISO 8601 text."
            )
        keys = ids
    else:
        if by is None or by not in df.columns:
            raise ValueError(
                f"{where}: 'by' must name the recording-id column. Got by={by!r}; columns are "
                f"{list(df.columns)[:10]}."
            )
        keys = df[by]
        df = df.drop(columns=[by])
        if subject == by:  # one recording per subject (PAMAP2): its id is the subject
            df[by] = keys.to_numpy()  # after the data columns: dropped again per recording
    if subject is not None and subject not in df.columns:
        raise ValueError(f"{where}: no subject column {subject!r}.")
    no_id = pd.isna(pd.Series(keys)).to_numpy()
    if no_id.any():  # groupby would drop these rows without a word
        raise ValueError(
            f"{where}: {int(no_id.sum())} rows have no recording id (the first is row "
            f"{int(np.flatnonzero(no_id)[0])}). Expected an id in every row; drop the rows or "
            "give them one."
        )
    out = []
    for key, part in df.groupby(np.asarray(keys), sort=False):
        subj = None
        if subject is not None:
            values = part[subject].unique()
            if len(values) != 1:
                raise ValueError(
                    f"{where}: recording {key!r} has several subjects {values.tolist()[:5]}."
                )
            subj = values[0].item() if hasattr(values[0], "item") else values[0]
            part = part.drop(columns=[subject])
        out.append(
            recording_from_dataframes(
                part.reset_index(drop=True) if time is not None or rate is not None else part,
                frame_rate=frame_rate,
                time=time,
                nodes=nodes,
                rate=rate,
                name=key.item() if hasattr(key, "item") else key,
                subject=subj,
            )
        )
    return out


def _frame_rate_and_count(recording, where):
    if isinstance(recording, Recording):
        return recording.frame_rate, recording.n_frames
    if (
        isinstance(recording, tuple)
        and len(recording) == 2
        and all(isinstance(v, numbers.Real) for v in recording)
    ):
        return float(recording[0]), int(recording[1])
    raise TypeError(
        f"{where}: expected a Recording or a (frame_rate, n_frames) pair. Got "
        f"{type(recording).__name__}."
    )


def _is_missing(value):
    """Whether one label is missing: None, NaN, pandas' NA or NaT."""
    if value is None or isinstance(value, (str, bytes)):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # an array-like "label": check_label_sequence refuses it
        return False


def _segment_labels(rows, where):
    """The ``label`` column of a segment table as a validated, typed array."""
    values = rows["label"].tolist()
    missing = [i for i, v in enumerate(values) if _is_missing(v)]
    if missing:
        i = missing[0]
        raise ValueError(
            f"{where}: segment {_shown(rows.index[i])} has no label (got {values[i]!r}; "
            f"{len(missing)} segment(s) without one); expected a label for every segment. "
            "Leave unlabelled time out of the table and pass fill= (--fill on the command "
            "line) to label it."
        )
    # the list itself, not numpy's array of it: numpy turns [3, "a"] into ["3", "a"]
    return check_label_sequence(values, name="the 'label' column", caller=where)


def _fill_labels(labels, fill, where):
    """``labels`` followed by ``fill``, which must be a label of the same kind."""
    fill_arr = check_label_sequence(_labels_array([fill]), name="fill", caller=where)
    kind, fill_kind = label_kind(labels), label_kind(fill_arr)
    if fill_kind != kind:
        raise ValueError(
            f"{where}: fill={fill!r} is a {fill_kind} label but the segments have {kind} labels "
            f"(such as {labels[0].item()!r}); expected a fill label of the same kind."
        )
    return _labels_array([*labels.tolist(), fill_arr[0].item()])


def _as_datetimes(values):
    """``values`` as a datetime Series if they are datetimes (a datetime dtype, or ISO 8601
    text that is not all numbers), else None."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return None
    if pd.to_numeric(values, errors="coerce").notna().all():
        return None  # numbers written as text ("2024" is a second count here, not a year)
    try:
        return iso_datetimes(values)
    except (TypeError, ValueError):
        return None


_BOUND_TOLERANCE = 1e-3  # in frames; see labels_from_segment_table


def _clock_time(t, origin, start_datetime):
    """Time ``t`` (seconds after frame 0) of a recording for a message: the datetime on a
    datetime clock (``start_datetime`` at frame 0), else the seconds on its clock (``origin``
    at frame 0)."""
    dated = None if start_datetime is None else _datetime_text(start_datetime, t)
    return f"{_seconds_text(origin + t)} s" if dated is None else dated


def _bound_seconds(values):
    """Segment bounds in seconds: numbers as they are, timedeltas (whatever their unit)
    converted; anything else NaN (refused by the caller with the row)."""
    if pd.api.types.is_timedelta64_dtype(values):
        return values.dt.total_seconds().to_numpy(dtype=np.float64)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


def _segment_bounds(rows, rec, start, end, where, which):
    """Segment bounds of the recording ``which`` names as float seconds and the time of its
    frame 0.

    Numbers are seconds on the recording's clock (frame 0 at ``start_time``); datetimes are
    read against the recording's ``start_datetime`` (frame 0 at 0 s).
    """
    dates = [_as_datetimes(rows[col]) for col in (start, end)]
    if all(d is None for d in dates):
        s, e = (_bound_seconds(rows[col]) for col in (start, end))
        return s, e, rec.start_time if isinstance(rec, Recording) else 0.0
    if any(d is None for d in dates):
        raise ValueError(
            f"{where}: columns {start!r} and {end!r} must both hold seconds or both hold "
            f"datetimes. Got {rows[start].iloc[0]!r} and {rows[end].iloc[0]!r}."
        )
    origin = getattr(rec, "start_datetime", None)
    if origin is None:
        raise ValueError(
            f"{where}: the segment bounds are datetimes, but {which} has no "
            "start_datetime (it was not read from tables whose times are datetimes). Give "
            "start and end in seconds on the recording's clock."
        )
    aware = [d.dt.tz is not None for d in dates]
    if any(a != (origin.tzinfo is not None) for a in aware):
        raise ValueError(
            f"{where}: the segment bounds and the sensor tables of {which} must both "
            "carry a time zone or both not (a naive time is ambiguous against an aware one). "
            f"Got segments like {str(dates[0].iloc[0])!r} and the recording starting at "
            f"{str(origin)!r}."
        )
    s, e = ((d - origin).dt.total_seconds().to_numpy(dtype=np.float64) for d in dates)
    return s, e, 0.0


def labels_from_segment_table(segments, recordings, *, fill=None, start="start", end="end"):
    """Frame labels from segments in seconds (``start``, ``end``, ``label``), as tools export them.

    Segment times are on the clock of the recording's data: frame ``i`` is at
    ``start_time + i / frame_rate`` seconds (``Recording.start_time``, the time of the
    earliest sample as :func:`recording_from_dataframes` read it; 0 for a
    ``(frame_rate, n_frames)`` pair) and gets the label of the segment with
    ``start <= start_time + i / frame_rate < end``; a bound a thousandth of a frame or less
    after a frame's time counts as at that frame, so bounds computed from frame times (on a
    clock of large numbers, or as datetimes to the nanosecond) keep their frames. Segments
    relative to the recording's start on an absolute sensor clock need
    ``recording.replace(start_time=0.0)`` (or shifted bounds). Timedelta bounds are seconds
    too, whatever their unit.
    Bounds given as datetimes (a datetime column, or ISO 8601 text such as
    ``"2024-05-01T10:00:02.5"``) are read against ``Recording.start_datetime``, which
    :func:`recording_from_dataframes` sets for tables whose times are datetimes: frame ``i``
    is then at ``start_datetime + i / frame_rate`` seconds.

    Parameters
    ----------
    segments : pandas.DataFrame
        Columns ``start``, ``end`` (seconds, or datetimes for a recording with a
        ``start_datetime``; end exclusive) and ``label``; with several
        recordings also a ``recording`` column holding each recording's name. Labels are used
        as they are (``"None"`` and ``"NA"`` are labels like any other); a missing label
        (None, NaN) is an error.
    recordings : Recording, list of Recording, or (frame_rate, n_frames)
        The recordings to label (their frame rate, frame count and ``start_time``).
    fill : label, default=None
        Label of frames no segment covers (for example ``"background"``), of the same kind as
        the segments' labels (a string for string labels, a number for numeric ones); None
        makes uncovered frames an error.
    start, end : str, default="start", "end"
        Column names of the segment bounds.

    Returns
    -------
    y : ndarray of shape (n_frames,) or list of such arrays
        One array per recording (a list if ``recordings`` is a list).

    Raises
    ------
    ValueError
        If a segment has bounds that are not finite with ``start < end``, has no label, or
        overlaps another; if the bounds are datetimes and the recording has no
        ``start_datetime``, or only one of them carries a time zone; if no segment of a
        recording overlaps its frames (segments on another clock); if frames are uncovered
        and ``fill`` is None; or if ``fill`` is not a label of the segments' kind.
    TypeError
        If the labels mix types.

    See Also
    --------
    recording_from_dataframes : Recordings, with their ``start_time``, from DataFrames.

    Examples
    --------
    >>> import pandas as pd
    >>> from stgraph_sklearn.data import labels_from_segment_table
    >>> table = pd.DataFrame({"start": [0.0, 0.5], "end": [0.5, 1.0], "label": ["cut", "mix"]})
    >>> labels_from_segment_table(table, (4.0, 4)).tolist()
    ['cut', 'cut', 'mix', 'mix']
    """
    where = "labels_from_segment_table"
    if not isinstance(segments, pd.DataFrame):
        raise TypeError(f"{where}: 'segments' must be a DataFrame. Got {type(segments).__name__}.")
    missing = [c for c in (start, end, "label") if c not in segments.columns]
    if missing:
        raise ValueError(
            f"{where}: 'segments' needs columns {[start, end, 'label']}. Got "
            f"{list(segments.columns)} (missing {missing})."
        )
    single = not isinstance(recordings, list)
    recs = [recordings] if single else recordings
    if not single or "recording" in segments.columns:
        if "recording" not in segments.columns and len(recs) > 1:
            raise ValueError(
                f"{where}: several recordings need a 'recording' column naming each segment's "
                "recording."
            )
    by_name = None  # the rows of every recording, split once (a scan per recording was
    if "recording" in segments.columns:  # quadratic: 39 s for 4,000 recordings)
        names = segments["recording"].astype(str)
        by_name = names.groupby(names, sort=False).indices
    out = []
    for j, rec in enumerate(recs):
        fr, n = _frame_rate_and_count(rec, where)
        name = rec.name if isinstance(rec, Recording) else None
        if single:
            which = "the recording" if name is None else f"recording {name!r}"
        else:
            which = f"recordings[{j}]" + ("" if name is None else f" ({name!r})")
        rows = segments
        if "recording" in segments.columns and (len(recs) > 1 or isinstance(rec, Recording)):
            rows = segments.iloc[by_name.get(str(name), [])]
            if rows.empty:
                raise ValueError(
                    f"{where}: no segments for {which}; the "
                    f"'recording' column holds {list(by_name)[:5]}."
                )
        s, e, origin = _segment_bounds(rows, rec, start, end, where, which)
        bad = np.flatnonzero(~np.isfinite(s) | ~np.isfinite(e) | (e <= s))
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"{where}: segment {_shown(rows.index[i])} must have finite start < end in "
                "seconds (or as datetimes). "
                f"Got start={_shown(rows[start].iloc[i])}, end={_shown(rows[end].iloc[i])}."
            )
        labels = _segment_labels(rows, where)
        order = np.argsort(s, kind="stable")
        s, e, labels = s[order], e[order], labels[order]
        overlap = np.flatnonzero(s[1:] < e[:-1] - 1e-9)
        if overlap.size:
            pair = [
                f"{_shown(rows.index[k])} (start={_shown(rows[start].iloc[k])}, "
                f"end={_shown(rows[end].iloc[k])})"
                for k in order[overlap[0] : overlap[0] + 2]
            ]
            raise ValueError(
                f"{where}: segments {pair[0]} and {pair[1]} overlap. Expected segments that do "
                "not overlap (end is exclusive: a segment may start where another ends)."
            )
        if fill is not None:
            labels = _fill_labels(labels, fill, where)
        duration = n / fr
        start_datetime = getattr(rec, "start_datetime", None)
        # Frame times relative to frame 0; with origin 0 the segment times are used unchanged.
        s, e = (s, e) if origin == 0 else (s - origin, e - origin)
        if not ((e > 0) & (s < duration)).any():
            raise ValueError(
                f"{where}: no segment of {which} overlaps its frames: the segments span "
                f"{_clock_time(s.min(), origin, start_datetime)} to "
                f"{_clock_time(e.max(), origin, start_datetime)}, the recording "
                f"{_clock_time(0.0, origin, start_datetime)} to "
                f"{_clock_time(duration, origin, start_datetime)} on its clock. Expected segment "
                "times on the clock of the recording's time column."
            )
        outside = np.flatnonzero((e <= 0) | (s >= duration))
        if outside.size:  # labels no frame gets: data that ends early, or a stray segment
            i = outside[0]
            warn(
                f"{where}: {outside.size} segment{'s' if outside.size > 1 else ''} of {which} "
                f"lie{'' if outside.size > 1 else 's'} outside its frames, so no frame gets "
                f"{'their labels' if outside.size > 1 else 'its label'} (first: "
                f"{_shown(labels[i])} from {_clock_time(s[i], origin, start_datetime)} to "
                f"{_clock_time(e[i], origin, start_datetime)}; the recording spans "
                f"{_clock_time(0.0, origin, start_datetime)} to "
                f"{_clock_time(duration, origin, start_datetime)}). Check that its data does "
                "not end early (a sensor that failed) and the segments' clock.",
                StgraphWarning,
            )
        # A bound a thousandth of a frame or less after a frame's time is read as at that
        # frame: bounds computed from frame times (on a large clock, or from datetimes to the
        # nanosecond) carry rounding errors that would otherwise move a frame across them.
        t = np.arange(n) / fr + _BOUND_TOLERANCE / fr
        k = np.searchsorted(s, t, side="right") - 1
        covered = (k >= 0) & (t < e[np.maximum(k, 0)])
        if not covered.all():
            if fill is None:
                i = int(np.flatnonzero(~covered)[0])
                at = _clock_time(i / fr, origin, start_datetime)
                if start_datetime is not None:
                    at = f"{at}, {_seconds_text(i / fr)} s into the recording"
                raise ValueError(
                    f"{where}: no segment covers frame {i} (at {at}) of "
                    f"{which} ({int((~covered).sum())} of {n} frames uncovered); pass "
                    "fill= (--fill on the command line) to label them."
                )
            k = np.where(covered, k, len(labels) - 1)
        out.append(labels[k])
    return out[0] if single else out
