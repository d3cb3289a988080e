"""The on-disk data formats the command line reads and writes.

``read_dataset(path, format)`` reads ``"csv"`` (the generic folder layout below), ``"mstcn"``
(the MS-TCN feature bundle) and ``"50salads"`` (the raw release); ``write_predictions`` writes
one MS-TCN-style label file per recording and one ``segments.csv``.

The generic CSV folder layout::

    DATA/
      <recording>/<modality>.csv   one table per recording and modality: a time column in
                                   seconds ("time", "time_s", "timestamp", "t" or "seconds", in
                                   any case) or ISO datetimes, then the sensor columns
                                   (``<node>_<channel>``, e.g. wrist_x, wrist_y, wrist_z; see
                                   recording_from_dataframes)
      segments.csv                 recording,start,end,label (seconds on the clock of the time
                                   columns, or ISO datetimes where those are datetimes; end
                                   exclusive; recording names and labels are text, as
                                   written); not read for prediction
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import labels_from_segment_table, recording_from_dataframes
from ..exceptions import DataFormatError, StgraphWarning, warn
from ..utils import iso_datetimes

__all__ = ["FORMATS", "read_csv_folder", "read_dataset", "write_predictions"]

#: The data formats :func:`read_dataset` reads.
FORMATS = ("csv", "mstcn", "50salads")
_SEGMENT_COLUMNS = ("recording", "start", "end", "label")


def _nul_line(path):
    """The line of the first NUL byte of a file, or None. pandas cuts a cell at a NUL
    ("3.2\0 99" reads 3.2), and a torn write leaves a block of them that merges rows."""
    line = 1
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            k = chunk.find(b"\0")
            if k >= 0:
                return line + chunk.count(b"\n", 0, k)
            line += chunk.count(b"\n")
    return None


def _read_table(path, **kwargs):
    nul = _nul_line(path)
    if nul is not None:
        raise DataFormatError(
            f"{path}, line {nul}: a NUL byte, which a CSV table does not hold (UTF-16 text, or "
            "a damaged or partly written file?). Write it again as UTF-8 text."
        )
    try:
        df = pd.read_csv(path, **kwargs)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"{path}: not a readable CSV table ({_one_line(exc)}).") from None
    if df.shape[0] == 0:
        raise DataFormatError(f"{path}: the table has a header but no rows.")
    if df.shape[1] == 1:
        sep = next((c for c in ";\t|" if c in str(df.columns[0])), None)
        if sep is not None:  # one column "time;f0;f1": another separator than the comma
            raise DataFormatError(
                f"{path}: one column named {str(df.columns[0])[:40]!r}: the file seems "
                f"separated by {sep!r}; write it with commas."
            )
    if any(re.search(r"\.\d+$", str(c)) for c in df.columns):  # "x.1": a renamed repeat?
        header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
        names = header.iloc[0].tolist()
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:  # pandas renamed the copies "x.1", which then read as sensors
            raise DataFormatError(
                f"{path}: repeated column names {repeated[:5]} in the header; every column "
                "needs its own name."
            )
    return df


def _one_line(exc):
    return " ".join(str(exc).split())


def _segment_times(values):
    """A column of segment bounds: ISO 8601 datetimes if its first cell is one, else seconds;
    cells that are neither become missing (NaT or NaN)."""
    seconds = pd.to_numeric(values, errors="coerce")
    if pd.isna(seconds.iloc[0]):
        dates = iso_datetimes(values, errors="coerce")
        if pd.notna(dates.iloc[0]):
            return dates
    return seconds


def _read_segments(path, names):
    # Every cell as written: recording names such as "001" and labels such as "01", "None"
    # or "NA" stay text (pandas would read them as numbers or missing values).
    df = _read_table(path, dtype=str, keep_default_na=False)
    missing = [c for c in _SEGMENT_COLUMNS if c not in df.columns]
    if missing:
        raise DataFormatError(
            f"{path}: expected columns {list(_SEGMENT_COLUMNS)} (start and end in seconds or "
            f"ISO datetimes). Got {list(df.columns)} (missing {missing})."
        )
    raw = df[["start", "end"]].copy()  # the cells as written, for messages
    kinds = set()
    for col in ("start", "end"):
        values = _segment_times(df[col])
        missing = values.isna().to_numpy()
        if values.dtype.kind == "f":
            missing = missing | np.isinf(values.to_numpy())
        bad = np.flatnonzero(missing)
        kinds.add("datetime" if values.dtype.kind == "M" else "seconds")  # 0 next to 2.5 too
        if bad.size:
            line = int(bad[0]) + 2  # 1-based, after the header
            raise DataFormatError(
                f"{path}, line {line}: {col!r} must be a number of seconds or an ISO 8601 "
                f"datetime, as in the other rows. Got {df[col].iloc[bad[0]]!r}."
            )
        df[col] = values
    if len(kinds) > 1:
        raise DataFormatError(
            f"{path}: 'start' and 'end' must both hold seconds or both ISO 8601 datetimes. Got "
            f"{raw['start'].iloc[0]!r} and {raw['end'].iloc[0]!r}."
        )
    bad = np.flatnonzero(df["end"].to_numpy() <= df["start"].to_numpy())
    if bad.size:
        raise DataFormatError(
            f"{path}, line {int(bad[0]) + 2}: a segment must end after it starts. Got start="
            f"{raw['start'].iloc[bad[0]]!r}, end={raw['end'].iloc[bad[0]]!r}."
        )
    empty = np.flatnonzero(df["label"].str.strip().to_numpy() == "")
    if empty.size:
        raise DataFormatError(
            f"{path}, line {int(empty[0]) + 2}: the label is empty; expected a label for every "
            "segment. Leave unlabelled time out of segments.csv and pass fill= (--fill on the "
            "command line) to label it."
        )
    spelled = {}  # labels are text as written; "walk" and " walk" are two classes
    for label in pd.unique(df["label"]):
        spelled.setdefault(label.strip(), []).append(label)
    twins = [ways for ways in spelled.values() if len(ways) > 1]
    if twins:
        line = int(np.flatnonzero(df["label"] == twins[0][1])[0]) + 2
        warn(
            f"{path}, line {line}: the labels {twins[0]} differ only by the spaces around "
            "them, so they are different classes. Remove the spaces if they name one activity.",
            StgraphWarning,
        )
    unknown = sorted(set(df["recording"]) - set(names))
    if unknown:
        line = int(np.flatnonzero(df["recording"] == unknown[0])[0]) + 2
        raise DataFormatError(
            f"{path}, line {line}: recording {unknown[0]!r} has no folder next to segments.csv "
            f"(folders: {sorted(names)[:5]})."
        )
    return df


def read_csv_folder(path, *, frame_rate=None, fill=None, labels=True):
    """Read the generic CSV folder layout into recordings and frame labels.

    Parameters
    ----------
    path : str or path-like
        The folder: one sub-folder per recording holding one ``<modality>.csv`` per
        modality, and ``segments.csv`` (``recording,start,end,label``; start and end in
        seconds on the clock of the recording's time columns, or ISO 8601 datetimes where
        those are datetimes, see :func:`~stgraph_sklearn.data.labels_from_segment_table`).
    frame_rate : float, default=None
        Rate of the label timeline; defaults to each recording's lowest modality rate.
    fill : str, default=None
        Label of frames no segment covers, a string as the labels read from the file are
        (None: such frames are an error).
    labels : bool, default=True
        Read ``segments.csv`` (required). With False, it is not read and ``y`` is None.

    Returns
    -------
    X : list of Recording
        In sorted folder order, named by their folder; ``start_time`` is the time of each
        recording's earliest sample.
    y : list of ndarray of shape (n_frames_i,) or None
        Frame labels, None if ``labels`` is False. Labels are the text of ``segments.csv``
        exactly as written (``"01"`` stays ``"01"``, ``"None"`` and ``"NA"`` are labels), so
        they are strings even when they look like numbers.

    Raises
    ------
    FileNotFoundError
        If the folder, a recording's CSV file or a required ``segments.csv`` is missing.
    DataFormatError
        If a file is malformed; the message names the file (and line where there is one).
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"data folder not found: {root}")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise FileNotFoundError(
            f"{root}: no recording folders (expected {root}/<recording>/<modality>.csv)."
        )
    X = []
    for folder in folders:
        # any case of the extension: Windows tools write "video.CSV"
        # hidden names skipped, as hidden folders are: editors' lock links (".#acc.csv"),
        # macOS metadata ("._acc.csv")
        entries = [
            p for p in folder.iterdir() if p.suffix.lower() == ".csv" and not p.name.startswith(".")
        ]
        for p in entries:  # skipped, a sensor would be missing without a word
            if not p.is_file():
                what = "a folder" if p.is_dir() else "a broken symbolic link (or a link loop)"
                raise DataFormatError(
                    f"{p}: is {what}, not a <modality>.csv file. Restore the file, or move "
                    "it out of the recording folder."
                )
        files = sorted(entries)
        if not files:
            raise FileNotFoundError(f"{folder}: no <modality>.csv file in this recording folder.")
        tables = {file.stem: _read_table(file) for file in files}
        try:  # an error about a table names its file
            X.append(
                recording_from_dataframes(
                    tables,
                    frame_rate=frame_rate,
                    name=folder.name,
                    sources={file.stem: str(file) for file in files},
                )
            )
        except (TypeError, ValueError) as exc:
            raise DataFormatError(_one_line(exc)) from None
    if not labels:
        return X, None
    seg_path = root / "segments.csv"
    if not seg_path.is_file():
        raise FileNotFoundError(f"segments file not found: {seg_path}")
    table = _read_segments(seg_path, [x.name for x in X])
    by_name = table.groupby("recording", sort=False).indices  # split once, not per recording
    y = []
    for rec in X:
        rows = table.iloc[by_name.get(rec.name, [])]
        if rows.empty:
            raise DataFormatError(f"{seg_path}: no segment for recording {rec.name!r}.")
        try:
            y.append(labels_from_segment_table(rows, rec, fill=fill))
        except (TypeError, ValueError) as exc:
            raise DataFormatError(
                f"{seg_path}: recording {rec.name!r}: {str(exc).split(': ', 1)[-1]}"
            ) from None
    return X, y


def read_dataset(path, format, *, split=1, subset="test", frame_rate=None, fill=None, labels=True):
    """Read recordings and frame labels in one of the formats of :data:`FORMATS`.

    Parameters
    ----------
    path : str or path-like
        The data folder.
    format : {"csv", "mstcn", "50salads"}
        ``"csv"``: :func:`read_csv_folder`; ``"mstcn"``:
        :func:`~stgraph_sklearn.datasets.load_mstcn_features` (``split``, ``subset``);
        ``"50salads"``: :func:`~stgraph_sklearn.datasets.load_50salads`.
    split : int, default=1
        The MS-TCN split to read (``"mstcn"`` only).
    subset : {"train", "test"}, default="test"
        The MS-TCN list to read (``"mstcn"`` only).
    frame_rate : float, default=None
        For ``"csv"``, the label timeline's rate (see :func:`read_csv_folder`); for
        ``"mstcn"``, the features' frame rate (None: 30 fps; GTEA and Breakfast are 15 fps,
        see :func:`~stgraph_sklearn.datasets.load_mstcn_features`). Not used by ``"50salads"``.
    fill : str, default=None
        For ``"csv"``, the label of frames no segment covers (see :func:`read_csv_folder`).
    labels : bool, default=True
        Read the labels. With False, ``"csv"`` does not read ``segments.csv`` and
        ``"mstcn"`` neither ``groundTruth/`` nor ``mapping.txt``; ``"50salads"`` reads its
        annotations either way (the release always has them). ``y`` is None.

    Returns
    -------
    X : list of Recording
    y : list of ndarray of shape (n_frames_i,) or None
        One label per frame of each recording; None with ``labels=False``.
    """
    from ..datasets import load_50salads, load_mstcn_features

    if format not in FORMATS:
        raise ValueError(f"unknown data format {format!r}; expected one of {list(FORMATS)}.")
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"data folder not found: {path}")
    if format == "csv":
        return read_csv_folder(path, frame_rate=frame_rate, fill=fill, labels=labels)
    if format == "mstcn":
        rate = {} if frame_rate is None else {"frame_rate": frame_rate}
        return load_mstcn_features(path, split=split, subset=subset, labels=labels, **rate)
    X, y, _ = load_50salads(path)
    return X, (y if labels else None)


def recording_names(recordings):
    """The name of every recording, or its position for an unnamed one, as strings.

    What names the label files of :func:`write_predictions` and the rows of the command
    line's score tables.

    Parameters
    ----------
    recordings : list of Recording
        Recordings, named (``Recording(name=...)``) or not.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording
    >>> from stgraph_sklearn.io import recording_names
    >>> rec = Recording({"acc": Modality(np.zeros((5, 3)), rate=5.0)}, frame_rate=5.0)
    >>> recording_names([rec, rec.replace(name="rec-b")])
    ['0', 'rec-b']
    """
    return [str(i) if r.name is None else str(r.name) for i, r in enumerate(recordings)]


def write_predictions(out, recordings, y_pred, segments):
    """Write one label file per recording and ``segments.csv``.

    Parameters
    ----------
    out : str or path-like
        Output folder (created).
    recordings : list of Recording
        The recordings predicted (their names name the files; unnamed ones are numbered).
    y_pred : list of ndarray of shape (n_frames_i,)
        Predicted labels.
    segments : pandas.DataFrame
        ``predict_segments`` output (of :class:`~stgraph_sklearn.pipeline.SegmentationPipeline`
        given the recordings, so with ``start_time`` and ``end_time``).

    Returns
    -------
    paths : list of Path
        The files written.

    Raises
    ------
    ValueError
        If two recordings have the same name (or names differing only in case), or a name
        is not a plain file name (it holds ``"/"`` or ``"\\"``, or is ``"."``, ``".."`` or
        empty); checked before anything is written.

    Notes
    -----
    ``segments.csv`` is in the layout :func:`read_csv_folder` reads: ``recording``, ``start``,
    ``end``, ``label`` with ``start`` and ``end`` on the recordings' own clock (``start_time``
    and ``end_time`` of the segments; ISO datetimes where those are Timestamps, else seconds
    at full precision), then ``confidence``, ``start_frame`` and ``end_frame`` (frame indices,
    end exclusive) and ``start_s`` and ``end_s`` (seconds from frame 0). Copied next to the
    recordings, it labels every frame as predicted, so corrected predictions can be trained on.
    """
    names = recording_names(recordings)
    for i, name in enumerate(names):  # each names a file in `out`, and only there
        if name in ("", ".", "..") or "/" in name or "\\" in name:
            raise ValueError(
                f"write_predictions: the name of recordings[{i}] names its label file "
                "<name>.txt in out, so it must be a plain file name (no '/' or '\\', not '.', "
                f"'..' or empty). Got {name!r}; rename it with recording.replace(name=...)."
            )
    # names of one file: file systems that ignore case (macOS, Windows) write "Rec" and "rec"
    # to one file
    by_file = {}
    for name in names:
        by_file.setdefault(unicodedata.normalize("NFC", name).casefold(), []).append(name)
    clashes = [group for group in by_file.values() if len(group) > 1]
    repeated = sorted({n for group in clashes for n in group if group.count(n) > 1})
    if repeated:
        raise ValueError(
            "write_predictions: the names of 'recordings' must be distinct, as each names its "
            f"label file <name>.txt. Got {repeated[:5]} more than once; rename them with "
            "recording.replace(name=...)."
        )
    if clashes:
        raise ValueError(
            "write_predictions: the names of 'recordings' must differ by more than case, as "
            "each names its label file <name>.txt and file systems that ignore case (macOS, "
            f"Windows) would write them to one file. Got {clashes[:3]}; rename them with "
            "recording.replace(name=...)."
        )
    out = Path(out).expanduser()  # one destination: pandas would expand "~" for segments.csv
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, labels in zip(names, y_pred, strict=True):
        file = out / f"{name}.txt"
        file.write_text("".join(f"{v}\n" for v in labels.tolist()), encoding="utf-8")
        paths.append(file)
    clock = ("start_time", "end_time") if "start_time" in segments else ("start_s", "end_s")
    table = pd.DataFrame({"recording": [names[i] for i in segments["recording"]]})
    for col, src in zip(("start", "end"), clock, strict=True):
        values = segments[src].reset_index(drop=True)
        # full precision: a bound rounded to 4 decimals may land on the other side of a frame
        table[col] = values if values.dtype.kind == "M" else values.map(lambda v: repr(float(v)))
    table["label"] = segments["label"].to_numpy()
    if "confidence" in segments:
        table["confidence"] = segments["confidence"].round(4).to_numpy()
    table["start_frame"] = segments["start"].to_numpy()
    table["end_frame"] = segments["end"].to_numpy()
    table["start_s"] = segments["start_s"].round(4).to_numpy()
    table["end_s"] = segments["end_s"].round(4).to_numpy()
    file = out / "segments.csv"
    table.to_csv(file, index=False)
    paths.append(file)
    return paths
