"""Labels given per sensor sample -> a segment table in seconds (or datetimes).

Public activity data sets (PAMAP2, Opportunity, mHealth, WISDM, Skoda) ship one label per
sensor sample, in a column next to the sensor columns. :func:`segments_from_sample_labels`
turns such a column into the segment table that :func:`labels_from_segment_table` reads.
"""

from __future__ import annotations

import numbers
import re

import numpy as np
import pandas as pd

from ..exceptions import reraise_as
from ..utils import check_seconds, is_positive_number
from ._containers import _dropout_threshold
from ._segments import segment_bounds
from ._tables import _shown
from ._validation import check_background, check_label_sequence

__all__ = ["segments_from_sample_labels"]

_WHERE = "segments_from_sample_labels"


def _one_d(values, arg):
    """``values`` as a 1-D array-like: a Series or an Index as given (read by position), else
    a numpy array."""
    if isinstance(values, (str, bytes)) or not (
        hasattr(values, "__len__") or hasattr(values, "__array__")
    ):
        raise TypeError(
            f"{_WHERE}: '{arg}' must be a 1-D array-like with one value per sample. Got "
            f"{type(values).__name__}."
        )
    if isinstance(values, pd.DataFrame | pd.MultiIndex):
        raise ValueError(
            f"{_WHERE}: '{arg}' must be 1-D (one value per sample). Got a "
            f"{type(values).__name__} of shape {values.shape}; pass one column."
        )
    if isinstance(values, pd.Series | pd.Index):
        return values
    try:
        arr = np.asarray(values)
    except ValueError as exc:  # ragged nested sequences
        raise ValueError(f"{_WHERE}: '{arg}' must be 1-D (one value per sample). {exc}") from None
    if arr.ndim != 1:
        raise ValueError(
            f"{_WHERE}: '{arg}' must be 1-D (one value per sample). Got an array of shape "
            f"{arr.shape}."
        )
    return arr


def _sample_times(times):
    """``(seconds, stamps)``: the sample times as float seconds (from the first sample if
    they are datetimes) and as a DatetimeIndex if they are datetimes, else None."""
    index = pd.Index(_one_d(times, "times"))
    if index.dtype == object:  # a list of Timestamps, or numbers with None: infer the type
        index = pd.Index(index.tolist())
    n = len(index)
    if n == 0:
        raise ValueError(f"{_WHERE}: 'times' is empty; expected at least two samples.")
    dated = pd.api.types.is_datetime64_any_dtype(index)
    if dated or pd.api.types.is_timedelta64_dtype(index):
        missing = np.asarray(index.isna())
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise ValueError(
                f"{_WHERE}: 'times' has no time (NaT) at position {i} ({int(missing.sum())} in "
                "all); expected a time for every sample. Drop the samples without one."
            )
        if dated:
            seconds = np.asarray((index - index[0]).total_seconds(), dtype=np.float64)
        else:  # timedeltas are seconds, as in recording_from_dataframes
            seconds = np.asarray(index.total_seconds(), dtype=np.float64)
    elif pd.api.types.is_numeric_dtype(index) and not pd.api.types.is_bool_dtype(index):
        seconds = index.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(seconds)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{_WHERE}: 'times' must hold finite seconds. Got {_shown(index[i])} at "
                f"position {i} ({int(bad.sum())} NaN or infinite in all); expected a time for "
                "every sample. Drop the samples without one."
            )
        check_seconds(float(np.abs(seconds).max()), f"{_WHERE}: 'times'")
    else:
        text = pd.api.types.is_string_dtype(index)
        raise TypeError(
            f"{_WHERE}: 'times' must hold seconds (numbers) or datetimes. Got dtype "
            f"{index.dtype} (such as {_shown(index[0])})"
            + ("; convert text with pandas.to_datetime." if text else ".")
        )
    if n < 2:
        raise ValueError(
            f"{_WHERE}: 'times' has a single sample; expected at least two, from which the "
            "sample interval is known."
        )
    step = np.diff(seconds)
    if not (step > 0).all():
        i = int(np.flatnonzero(step <= 0)[0]) + 1
        raise ValueError(
            f"{_WHERE}: 'times' must be strictly increasing. Got {_shown(index[i - 1])} at "
            f"position {i - 1} then {_shown(index[i])} at position {i}."
        )
    return seconds, index if dated else None


def _labelled(labels, n, unlabelled):
    """``(kept, values)``: which samples carry a label, and those labels as check_label_sequence
    reads them (a list for a list, so that mixed types are seen as given)."""
    given = _one_d(labels, "labels")
    if len(given) != n:
        raise ValueError(
            f"{_WHERE}: 'labels' must have one label per sample of 'times'. Got {len(given)} "
            f"labels for {n} times."
        )
    if isinstance(given, pd.Series | pd.Index):
        # extension dtypes (nullable Int64, str, category) as objects: ints stay ints
        numpy_dtype = isinstance(given.dtype, np.dtype)
        arr = given.to_numpy() if numpy_dtype else given.to_numpy(dtype=object)
    elif isinstance(labels, (list, tuple)):  # as given: numpy makes ["a", nan] ["a", "nan"]
        arr = np.empty(n, dtype=object)
        arr[:] = list(labels)
    else:
        arr = given
    if unlabelled is None:
        unlabelled = []
    elif isinstance(unlabelled, (str, bytes)) or not np.iterable(unlabelled):
        unlabelled = [unlabelled]
    values = pd.Series(arr, copy=False)
    kept = ~(values.isna() | values.isin(list(unlabelled))).to_numpy()
    if isinstance(labels, (list, tuple)):
        return kept, arr[kept].tolist()
    return kept, arr[kept]


def segments_from_sample_labels(times, labels, *, unlabelled=None, max_gap=None):
    """Segments (``start``, ``end``, ``label``) from one label per sensor sample.

    Data sets such as PAMAP2, Opportunity, mHealth, WISDM or Skoda label every sensor sample
    (a label column next to the sensor columns, unlabelled samples as 0, NaN or empty). This
    turns such a column into the segment table that :func:`labels_from_segment_table` reads,
    which gives one label per frame of a :class:`Recording`.

    A sample labels the interval from its time to the next sample's time; the last sample's
    interval, and that of a sample before a drop-out (see ``max_gap``), has the length of the
    median interval between samples. A segment is a maximal run of consecutive samples with
    equal labels, from its first sample's time to the end of its last sample's interval; an
    unlabelled sample or a drop-out ends a run.

    Parameters
    ----------
    times : array-like of shape (n_samples,)
        The sample times, strictly increasing, on the clock of the recording's time column:
        seconds (numbers; timedeltas are read as seconds) or datetimes (numpy
        ``datetime64``, pandas Timestamps or a ``DatetimeIndex``, with or without a time
        zone). A pandas Series or Index is read by position, whatever its index.
    labels : array-like of shape (n_samples,)
        The label of each sample: ints or strings (one type), or a value in ``unlabelled``,
        or missing (None, NaN, ``pd.NA``). Read by position, like ``times``.
    unlabelled : label or collection of labels, default=None
        Label value(s) that mean "no label", such as 0 for PAMAP2's ``activityID``. Missing
        values (None, NaN) are always unlabelled. Unlabelled samples get no segment, so the
        frames there are unlabelled: ``fill`` of :func:`labels_from_segment_table` labels
        them, or they are an error.
    max_gap : float, default=None
        Seconds: where two consecutive samples are further apart (a drop-out), the earlier
        sample's interval ends after the median interval, so the gap stays unlabelled. None
        applies the package's rule for drop-outs (as in :attr:`Modality.period`): intervals
        longer than both 1 s and ten times the median interval.

    Returns
    -------
    segments : pandas.DataFrame of shape (n_segments, 3)
        Columns ``start``, ``end`` (end exclusive) and ``label``, in temporal order. ``start``
        and ``end`` are float seconds, or datetimes (in the time zone of ``times``) when the
        times are datetimes, which :func:`labels_from_segment_table` reads against
        ``Recording.start_datetime``. Labels keep their type (strings stay strings, ints
        stay ints). Without any labelled sample the table has no rows.

    Raises
    ------
    ValueError
        If ``times`` or ``labels`` is not 1-D, they differ in length, ``times`` has fewer
        than two samples, a missing (NaN, NaT) or infinite time, is not strictly increasing
        or holds numbers too large to be seconds, labels hold non-integer floats, or
        ``max_gap`` is not a positive number.
    TypeError
        If ``times`` holds neither numbers nor datetimes, the labels mix types, or
        ``max_gap`` is not a number.

    See Also
    --------
    labels_from_segment_table : Frame labels from this table.
    recording_from_dataframes : A recording, with its clock, from the sensor columns.
    labels_to_segments : Segments of frame labels, in frames.

    Notes
    -----
    Keep the label column out of the sensor table given to
    :func:`recording_from_dataframes` (``df.drop(columns="activity")``), or it is read as a
    sensor.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import labels_from_segment_table, segments_from_sample_labels
    >>> times = np.arange(10) / 5  # 5 Hz
    >>> activity = [0, 0, 3, 3, 3, 0, 4, 4, 4, 4]  # 0: unlabelled
    >>> segments = segments_from_sample_labels(times, activity, unlabelled=0)
    >>> segments
       start  end  label
    0    0.4  1.0      3
    1    1.2  2.0      4
    >>> labels_from_segment_table(segments, (5.0, 10), fill=-1).tolist()
    [-1, -1, 3, 3, 3, -1, 4, 4, 4, 4]
    """
    seconds, stamps = _sample_times(times)
    n = seconds.size
    if max_gap is not None and not is_positive_number(max_gap):
        kind = TypeError if not isinstance(max_gap, numbers.Real) else ValueError
        raise kind(
            f"{_WHERE}: 'max_gap' must be a positive number of seconds or None. Got {max_gap!r}."
        )
    kept, values = _labelled(labels, n, unlabelled)
    if not kept.any():
        start = pd.Series(stamps[:0] if stamps is not None else np.zeros(0))
        return pd.DataFrame(
            {"start": start, "end": start.copy(), "label": pd.Series([], dtype=object)}
        )
    try:
        y = check_label_sequence(values, name="'labels'", caller=_WHERE)
    except ValueError as exc:  # its positions count the labelled samples: name the sample
        index = np.flatnonzero(kept)
        message = re.sub(r"at frame (\d+)", lambda m: f"at sample {index[int(m[1])]}", str(exc))
        reraise_as(exc, message)
    # as a background: an unlabelled value of another type (0 for "0") would match no sample
    check_background(unlabelled, labels=[y], name="unlabelled", caller=_WHERE)

    step = np.diff(seconds)
    median = float(np.median(step))
    limit = _dropout_threshold(step) if max_gap is None else float(max_gap)
    # A sample labels the time up to the next sample, except before a drop-out and at the
    # end (cut), where it labels the median interval (or less: never past the next sample).
    cut = np.append(step > limit, True)
    cut_length = np.minimum(np.append(step, median), median)

    index = np.flatnonzero(kept)
    first, _ = segment_bounds(y)
    # a run also ends at an unlabelled sample (a jump in index) and at a drop-out
    broken = (np.diff(index) != 1) | cut[index[:-1]]
    first = np.union1d(first, np.flatnonzero(broken) + 1)
    last = np.append(first[1:], y.size) - 1
    begin, end = index[first], index[last]
    following = np.minimum(end + 1, n - 1)
    if stamps is None:
        starts = seconds[begin]
        ends = np.where(cut[end], seconds[end] + cut_length[end], seconds[following])
    else:
        starts = stamps[begin]
        ends = stamps[following].where(
            ~cut[end], stamps[end] + pd.to_timedelta(cut_length[end], unit="s")
        )
    return pd.DataFrame({"start": starts, "end": ends, "label": y[first]})
