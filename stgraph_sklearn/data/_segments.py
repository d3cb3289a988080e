"""Conversions between dense frame labels and segments (see METRICS.md).

A segment is a maximal run of equal labels ``(start, end, label)`` with ``end`` exclusive;
the last segment of a sequence ends at ``T``. :func:`labels_to_segments` and
:func:`segments_to_labels` convert both ways and round-trip. Labels are validated by :func:`~stgraph_sklearn.data.check_label_sequence`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._validation import check_label_sequence, label_kind

__all__ = ["labels_to_segments", "segment_bounds", "segments_to_labels"]

_SEGMENT_COLUMNS = ("start", "end", "label")


def segment_bounds(y):
    """Start and exclusive end frame of every segment of a validated 1-D label array.

    A segment is a maximal run of equal labels (METRICS.md); this is the run finder behind
    :func:`labels_to_segments`, for callers that need arrays rather than a DataFrame (the
    metrics and plots).

    Parameters
    ----------
    y : ndarray of shape (n_frames,)
        One label sequence, already validated (:func:`check_label_sequence`).

    Returns
    -------
    starts, ends : ndarray of shape (n_segments,), int64
        ``y[starts[i]:ends[i]]`` is segment ``i``; the last one ends at ``n_frames``.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import segment_bounds
    >>> segment_bounds(np.array(["cut", "cut", "mix", "cut"]))
    (array([0, 2, 3]), array([2, 3, 4]))
    """
    n = len(y)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    change = np.flatnonzero(np.asarray(y[1:] != y[:-1], dtype=bool)) + 1
    starts = np.concatenate(([0], change)).astype(np.int64, copy=False)
    ends = np.concatenate((change, [n])).astype(np.int64, copy=False)
    return starts, ends


def _labels_array(values):
    """A 1-D numpy array holding ``values`` (object dtype if numpy would add dimensions)."""
    values = list(values)
    arr = np.asarray(values) if values else np.zeros(0, dtype=object)
    if arr.ndim != 1:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
    return arr


def labels_to_segments(y):
    """Convert one sequence of frame labels to its segments.

    A segment is a maximal run of equal labels; ``end`` is exclusive and the last
    segment ends at ``len(y)``.

    Parameters
    ----------
    y : array-like of shape (n_frames,)
        One label per frame, ints or strings (one type per sequence).

    Returns
    -------
    segments : pandas.DataFrame of shape (n_segments, 3)
        Columns ``start`` (int64), ``end`` (int64, exclusive) and ``label`` in temporal
        order. An empty ``y`` gives an empty frame with the same columns.

    Raises
    ------
    ValueError
        If ``y`` is not 1-D or contains NaN.
    TypeError
        If ``y`` is a string or mixes label types.

    See Also
    --------
    segments_to_labels : The inverse conversion.

    Examples
    --------
    >>> from stgraph_sklearn.data import labels_to_segments
    >>> labels_to_segments(["cut", "cut", "mix", "mix", "mix", "cut"])
       start  end label
    0      0    2   cut
    1      2    5   mix
    2      5    6   cut
    """
    is_array = isinstance(y, (np.ndarray, pd.Series, pd.Index))
    arr = check_label_sequence(y, name="y", allow_empty=True)
    starts, ends = segment_bounds(arr)
    labels = arr[starts]
    if arr.size == 0 and not (is_array and arr.dtype.kind in "biu"):
        labels = np.zeros(0, dtype=object)
    return pd.DataFrame({"start": starts, "end": ends, "label": labels})


def _segment_rows(segments):
    """Return (starts, ends, labels) lists from a DataFrame or an iterable of triples."""
    if isinstance(segments, pd.DataFrame):
        missing = [c for c in _SEGMENT_COLUMNS if c not in segments.columns]
        if missing:
            raise ValueError(
                f"segments must have columns {list(_SEGMENT_COLUMNS)}. "
                f"Got columns {list(segments.columns)} (missing {missing})."
            )
        if "recording" in segments.columns and segments["recording"].nunique() > 1:
            raise ValueError(
                "segments holds several recordings (column 'recording' has "
                f"{segments['recording'].nunique()} values); convert one recording at a time, "
                "for example with segments.groupby('recording')."
            )
        return (
            segments["start"].tolist(),
            segments["end"].tolist(),
            segments["label"].tolist(),
        )
    if isinstance(segments, (str, bytes)) or not isinstance(segments, Iterable):
        raise TypeError(
            "segments must be a DataFrame with columns start, end, label or an iterable of "
            f"(start, end, label) tuples. Got {type(segments).__name__}."
        )
    starts, ends, labels = [], [], []
    for i, row in enumerate(segments):
        if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
            raise TypeError(f"segments[{i}] must be a (start, end, label) tuple. Got {row!r}.")
        row = tuple(row)
        if len(row) != 3:
            raise ValueError(
                f"segments[{i}] must be a (start, end, label) tuple. Got {len(row)} items: {row!r}."
            )
        starts.append(row[0])
        ends.append(row[1])
        labels.append(row[2])
    return starts, ends, labels


def _as_frame_index(value, what):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            return int(value)
        raise TypeError(f"{what} must be an integer frame index. Got {value!r}.")
    return int(value)


def segments_to_labels(segments, n_frames=None, *, fill=None):
    """Convert segments back to one label per frame.

    Parameters
    ----------
    segments : pandas.DataFrame or iterable of (start, end, label)
        A frame with columns ``start``, ``end`` (exclusive) and ``label`` (other columns are
        ignored; a ``recording`` column must hold a single value), or an iterable of
        ``(start, end, label)`` tuples. Order does not matter; segments must not overlap.
    n_frames : int, default=None
        Length of the output. Defaults to the largest ``end`` (0 without segments).
    fill : label, default=None
        Label of the frames that no segment covers. With ``None``, uncovered frames are
        an error.

    Returns
    -------
    y : ndarray of shape (n_frames,)
        One label per frame.

    Raises
    ------
    ValueError
        If a segment is empty or negative, segments overlap, a segment ends after
        ``n_frames``, or frames are uncovered and ``fill`` is None.
    TypeError
        If a bound is not an integer or labels mix types.

    See Also
    --------
    labels_to_segments : The inverse conversion.

    Examples
    --------
    >>> from stgraph_sklearn.data import segments_to_labels
    >>> segments_to_labels([(0, 2, "cut"), (3, 5, "mix")], 6, fill="bg").tolist()
    ['cut', 'cut', 'bg', 'mix', 'mix', 'bg']
    """
    starts, ends, labels = _segment_rows(segments)
    starts = np.array([_as_frame_index(s, f"segments[{i}] start") for i, s in enumerate(starts)])
    ends = np.array([_as_frame_index(e, f"segments[{i}] end") for i, e in enumerate(ends)])
    starts = starts.astype(np.int64).reshape(-1)
    ends = ends.astype(np.int64).reshape(-1)
    for i in np.flatnonzero((starts < 0) | (ends <= starts)):
        raise ValueError(
            f"segments[{i}] must satisfy 0 <= start < end. Got start={starts[i]}, end={ends[i]}."
        )
    max_end = int(ends.max()) if ends.size else 0
    if n_frames is None:
        n_frames = max_end
    else:
        n_frames = _as_frame_index(n_frames, "n_frames")
        if n_frames < 0:
            raise ValueError(f"n_frames must be non-negative. Got {n_frames}.")
        if max_end > n_frames:
            i = int(np.argmax(ends))
            raise ValueError(f"segments[{i}] ends at frame {max_end} but n_frames is {n_frames}.")
    order = np.argsort(starts, kind="stable")
    s_sorted, e_sorted = starts[order], ends[order]
    overlap = np.flatnonzero(s_sorted[1:] < e_sorted[:-1])
    if overlap.size:
        a, b = order[overlap[0]], order[overlap[0] + 1]
        raise ValueError(
            f"segments[{a}] ({starts[a]}, {ends[a]}) and segments[{b}] ({starts[b]}, {ends[b]}) "
            "overlap; expected disjoint segments."
        )
    label_values = check_label_sequence(
        _labels_array(labels), name="segments labels", allow_empty=True
    )
    kind = label_kind(label_values) if label_values.size else None
    covered = int((ends - starts).sum())
    codes = np.full(n_frames, len(labels), dtype=np.int64)
    for code, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        codes[s:e] = code
    if covered < n_frames:
        if fill is None:
            gap = int(np.flatnonzero(codes == len(labels))[0])
            raise ValueError(
                f"segments leave frame {gap} (and {n_frames - covered - 1} more) of {n_frames} "
                "uncovered; pass fill= (--fill on the command line) to label the gaps."
            )
        fill_kind = label_kind(check_label_sequence(_labels_array([fill]), name="fill"))
        if kind is not None and fill_kind != kind:
            raise TypeError(f"fill is a {fill_kind} label but the segments have {kind} labels.")
        label_values = _labels_array([*labels, fill])
    return label_values[codes]
