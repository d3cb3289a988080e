"""Input validation: every malformed input becomes a ValueError or TypeError that names the
argument, the recording index, what was expected and what was got."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Set

import numpy as np
import pandas as pd

from ..exceptions import StgraphWarning, warn
from ._containers import GraphSequence, Modality, Recording
from ._lazy import is_lazy

__all__ = [
    "check_aligned",
    "check_background",
    "check_groups",
    "check_label_pairs",
    "check_label_sequence",
    "check_labels",
    "check_layouts",
    "check_recordings",
]


def _prefix(caller):
    return f"{caller}: " if caller else ""


def _two_d_message(arr, where):
    t, c = arr.shape
    return (
        f"{where} is a 2-D array of shape {arr.shape}, which is ambiguous: it could be one node "
        f"with {c} channels, reshaped with x[:, None, :] to {(t, 1, c)}, or {c} nodes with one "
        f"channel each, reshaped with x[:, :, None] to {(t, c, 1)}. Reshape it to "
        "(n_timesteps, n_nodes, n_channels) explicitly."
    )


def is_multiindex_panel(X):
    """Whether ``X`` is an sktime ``pd-multiindex`` panel: a DataFrame indexed by (instance,
    time), whose rows are time points of the recordings, not recordings.

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> from stgraph_sklearn.data import is_multiindex_panel
    >>> index = pd.MultiIndex.from_product([[0, 1], [0, 1, 2]], names=["instance", "time"])
    >>> is_multiindex_panel(pd.DataFrame({"x": range(6)}, index=index))
    True
    """
    return isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex)


def check_recordings(X, *, frame_rate=None, name="X", caller=None, allow_graph_sequences=False):
    """Validate X and convert it to a list of :class:`Recording`.

    Parameters
    ----------
    X : list of Recording, list of ndarray of shape (n_timesteps, n_nodes, n_channels), \
            list of DataFrame (or of dicts of modality name to DataFrame), \
            or an sktime Panel (``pd-multiindex`` DataFrame, ``numpy3D`` ndarray of shape \
            (n_instances, n_variables, n_timepoints), ``nested_univ`` DataFrame)
        The recordings. Arrays and sktime panels are one stream already at the frame rate and
        become recordings with a single modality named ``"x"``; in sktime panels each variable
        is one node with one channel (the multivariate-time-series-as-graph view). DataFrames
        are read by :func:`recording_from_dataframes` (time index or time column, column names
        -> node and channel names; a table without a time axis is sampled at ``frame_rate``).
        Memory-mapped arrays are not read here: they stay lazy (see :func:`is_lazy`).
    frame_rate : float, default=None
        Frame rate given to recordings built from arrays (1.0 if None). Ignored for Recordings.
    name : str, default="X"
        Argument name used in error messages.
    caller : str, default=None
        Estimator or function name used in error messages.
    allow_graph_sequences : bool, default=False
        If True, :class:`GraphSequence` items are accepted and returned unchanged.

    Returns
    -------
    recordings : list of Recording (or GraphSequence where allowed)
        A new list; the items given are never modified.

    Raises
    ------
    TypeError
        If X or one of its items is of an unsupported type.
    ValueError
        If an item has the wrong shape, is empty, or X is empty or 2-D.
    """
    pre = _prefix(caller)
    fr = 1.0 if frame_rate is None else frame_rate
    if isinstance(X, pd.DataFrame) and not is_multiindex_panel(X):
        X = _flat_dataframe(X, name, pre)
    if is_multiindex_panel(X) or (isinstance(X, np.ndarray) and X.ndim == 3):
        return _from_sktime(X, fr, name, pre)
    if isinstance(X, np.ndarray):
        if X.ndim == 2:
            raise ValueError(
                pre + _two_d_message(X, name) + " For one recording pass a list, [x[:, None, :]] "
                "or [x[:, :, None]]: a 3-D array is a panel of recordings (sktime's numpy3D)."
            )
        if X.ndim == 4:
            X = list(X)
        else:
            raise ValueError(
                f"{pre}{name} must be a list of recordings or of (n_timesteps, n_nodes, n_channels) "
                f"arrays. Got an ndarray of shape {X.shape}."
            )
    if isinstance(X, (Recording, GraphSequence)):
        raise TypeError(
            f"{pre}{name} must be a list of recordings. Got a single {type(X).__name__}; pass [{name}]."
        )
    if (
        isinstance(X, (str, bytes, dict))
        or not hasattr(X, "__len__")
        or not hasattr(X, "__getitem__")
    ):
        raise TypeError(
            f"{pre}{name} must be a list of recordings (Recording objects or "
            f"(n_timesteps, n_nodes, n_channels) arrays). Got {type(X).__name__}."
        )
    if len(X) == 0:
        raise ValueError(
            f"{pre}{name} must contain at least one recording. Got an empty {type(X).__name__}."
        )
    out = []
    for i, item in enumerate(X):
        where = f"{name}[{i}]"
        if isinstance(item, Recording):
            out.append(item)
        elif isinstance(item, pd.DataFrame) or (
            isinstance(item, dict) and all(isinstance(v, pd.DataFrame) for v in item.values())
        ):
            from ._tables import recording_from_dataframes  # _tables -> _segments -> here

            try:
                out.append(recording_from_dataframes(item, frame_rate=frame_rate, rate=fr))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{pre}{where}: {exc}") from exc
        elif isinstance(item, GraphSequence):
            if not allow_graph_sequences:
                raise TypeError(
                    f"{pre}{where} is a GraphSequence, which is not accepted here. "
                    "Expected a Recording or an (n_timesteps, n_nodes, n_channels) array."
                )
            out.append(item)
        elif isinstance(item, (np.ndarray, list, tuple)) or hasattr(item, "__array__"):
            try:
                arr = item if is_lazy(item) else np.asarray(item)  # lazy: read on access
            except ValueError as exc:  # ragged nesting
                raise ValueError(
                    f"{pre}{where} must be an array of shape (n_timesteps, n_nodes, "
                    f"n_channels); it is a ragged nested sequence ({exc})."
                ) from None
            if arr.dtype == object or not (
                np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
            ):
                raise TypeError(
                    f"{pre}{where} must hold numbers. Got an array of dtype {arr.dtype}."
                )
            if arr.ndim == 2:
                raise ValueError(pre + _two_d_message(arr, where))
            if arr.ndim != 3:
                raise ValueError(
                    f"{pre}{where} must have shape (n_timesteps, n_nodes, n_channels). "
                    f"Got shape {arr.shape}."
                )
            if arr.shape[0] == 0:
                raise ValueError(
                    f"{pre}{where} is empty: expected at least one timestep. Got shape {arr.shape}."
                )
            try:
                out.append(Recording({"x": arr}, frame_rate=fr, n_frames=arr.shape[0]))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{pre}{where}: {exc}") from exc
        else:
            raise TypeError(
                f"{pre}{where} must be a Recording or an array of shape "
                f"(n_timesteps, n_nodes, n_channels). Got {type(item).__name__}."
            )
    return out


def _flat_dataframe(X, name, pre):
    """An sktime ``nested_univ`` panel -> ``pd-multiindex``; any other flat table is an error."""
    if X.shape[0] and X.shape[1] and all(isinstance(v, pd.Series) for v in X.iloc[0]):
        from sktime.datatypes import convert_to

        try:
            return convert_to(X, to_type="pd-multiindex", as_scitype="Panel")
        except Exception as exc:  # sktime raises several types for invalid panels
            raise ValueError(
                f"{pre}{name} looks like an sktime 'nested_univ' panel (a Series per cell) but "
                "sktime could not convert it; pass sktime.datatypes.convert_to(X, "
                f"to_type='pd-multiindex') instead. sktime said: {exc}"
            ) from exc
    raise TypeError(
        f"{pre}{name} is a single flat DataFrame, which does not say where one recording ends. "
        f"Pass [{name}] for one recording, recordings_from_dataframe({name}, by='<id column>') for "
        "a long table of many recordings, or a (recording id, time) MultiIndex (sktime's "
        "'pd-multiindex')."
    )


def _from_sktime(X, frame_rate, name, pre):
    """Convert an sktime Panel (pd-multiindex, numpy3D) to recordings; a list of DataFrames
    (sktime's df-list) never comes here: it is read as tables by recording_from_dataframes."""
    from sktime.datatypes import check_is_mtype, convert_to

    mtype = "numpy3D" if isinstance(X, np.ndarray) else "pd-multiindex"
    if mtype == "numpy3D" and X.shape[0] == 0:
        raise ValueError(
            f"{pre}{name} is a numpy3D panel (n_instances, n_variables, n_timepoints) with 0 "
            f"instances (shape {X.shape}); expected at least one recording."
        )
    _check_panel_values(X, mtype, name, pre)
    try:
        ok, reason, _ = check_is_mtype(X, mtype, scitype="Panel", return_metadata=True)
    except Exception as exc:  # sktime raises several types for what it cannot read
        ok, reason = False, f"{type(exc).__name__}: {exc}"
    if not ok:
        hint = ""
        if mtype == "pd-multiindex" and pd.api.types.is_float_dtype(X.index.get_level_values(-1)):
            hint = f" For a time level in seconds, use recordings_from_dataframe({name})."
        raise ValueError(
            f"{pre}{name} looks like an sktime Panel but is not a valid {mtype!r} mtype; "
            f"sktime said: {reason}{hint}"
        )
    if mtype == "pd-multiindex":
        _warn_ignored_times(X.index, name, pre)
    try:
        frames = convert_to(X, to_type="df-list", as_scitype="Panel")
    except Exception as exc:  # sktime raises several types
        raise ValueError(
            f"{pre}{name}: sktime could not convert this {mtype!r} panel: {exc}"
        ) from exc
    if mtype == "pd-multiindex":  # the instance ids name the recordings, in sktime's order
        ids = [str(i) for i in X.index.get_level_values(0).unique()]
    else:
        ids = [str(i) for i in range(len(frames))]
    out = []
    for i, df in enumerate(frames):
        try:
            arr = df.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{pre}{name} instance {i} must hold numeric values only. Got: {exc}."
            ) from exc
        if arr.shape[0] == 0:
            raise ValueError(f"{pre}{name} instance {i} is empty.")
        try:
            out.append(
                Recording(
                    {
                        "x": Modality(
                            arr[:, :, None], rate=frame_rate, node_names=_names(df.columns)
                        )
                    },
                    frame_rate=frame_rate,
                    n_frames=arr.shape[0],
                    name=ids[i],
                )
            )
        except (TypeError, ValueError) as exc:
            named = f" ({ids[i]!r})" if mtype == "pd-multiindex" else ""
            raise type(exc)(f"{pre}{name} instance {i}{named}: {exc}") from exc
    return out


def _check_panel_values(X, mtype, name, pre):
    """Refuse panel values that are not real numbers (or bools) before sktime or numpy cast
    them: a complex numpy3D lost its imaginary part; datetime or timedelta columns of a
    pd-multiindex became sensors (1.7e15 microseconds); others raised sktime's bare error."""
    if mtype == "numpy3D":
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.iscomplexobj(X):
            raise TypeError(
                f"{pre}{name} is a numpy3D panel and must hold real numbers. Got dtype {X.dtype}."
            )
        return
    for col, dtype in X.dtypes.items():  # duplicate names too (refused by sktime next)
        timelike = (
            pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)
            or isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype)
        )
        if timelike or pd.api.types.is_complex_dtype(dtype):
            hint = (
                " Times belong in the index's time level (the panel's rows are its time points)."
                if timelike
                else ""
            )
            raise TypeError(
                f"{pre}{name} is a pd-multiindex panel whose columns are sensors and must hold "
                f"real numbers; column {col!r} holds {dtype}.{hint}"
            )


def _warn_ignored_times(index, name, pre):
    """Warn when a pd-multiindex panel's time level has gaps, which sktime's reading (one
    frame per row, times ignored) closes: steps within a recording that differ by more than
    half of the smallest (datetimes, timedeltas or sample numbers)."""
    inner = index.get_level_values(-1)
    if not (
        pd.api.types.is_datetime64_any_dtype(inner)
        or pd.api.types.is_timedelta64_dtype(inner)
        or pd.api.types.is_integer_dtype(inner)
    ):
        return
    timed = inner.dtype.kind in "mM"
    ticks = (inner - inner.min()) / pd.Timedelta(seconds=1) if timed else inner
    ticks = pd.Series(np.asarray(ticks, dtype=np.float64))
    steps = ticks.groupby(np.asarray(index.get_level_values(0))).diff().dropna()
    if steps.empty or steps.max() <= 1.5 * steps.min():
        return
    warn(
        f"{pre}{name} is an sktime 'pd-multiindex' panel whose time level has gaps (steps "
        f"from {steps.min():g} to {steps.max():g} {'s' if timed else 'samples'}"
        "), which its reading as a panel closes: each row is one frame at frame_rate (1 Hz "
        f"unless given). recordings_from_dataframe({name}) reads the times (with rate= for "
        "sample numbers) and leaves the gaps missing.",
        StgraphWarning,
    )


def _names(columns):
    """Variable names as node names (sktime's default integer columns stay ``0, 1, ...``)."""
    names = [str(c) for c in columns]
    return names if len(set(names)) == len(names) else None


def label_kind(labels):
    """The label type of a validated label array: ``"numeric"``, ``"string"`` or ``"bytes"``.

    The one rule by which label sequences, backgrounds, fill labels, display labels and a
    segmenter's ``classes_`` are compared: labels of different kinds never match (``0`` is
    not ``"0"``).

    Parameters
    ----------
    labels : array-like of shape (n_labels,)
        Labels; other than a numpy array of numbers or strings, they are read by
        :func:`check_label_sequence` first (a list, or strings in an object array as pandas
        gives them).

    Returns
    -------
    kind : {"numeric", "string", "bytes"}

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import label_kind
    >>> label_kind(np.array(["cut", "mix"])), label_kind(np.array([0, 1]))
    ('string', 'numeric')
    """
    if not isinstance(labels, np.ndarray) or labels.dtype == object:  # a list, pandas' strings
        labels = check_label_sequence(labels, name="labels", caller="label_kind", allow_empty=True)
    return {"U": "string", "S": "bytes"}.get(labels.dtype.kind, "numeric")


def _object_labels(arr, where):
    """Convert an object array of labels to a typed array; raise on missing or mixed labels."""
    values = arr.tolist()
    if any(v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) for v in values):
        raise ValueError(f"{where} contains missing labels (None, NaN or pd.NA).")
    types = {type(v) for v in values}
    for base, dtype in ((str, str), (bytes, bytes), (numbers.Integral, np.int64)):
        if all(issubclass(t, base) for t in types):
            try:
                return arr.astype(dtype)
            except OverflowError:  # Python ints beyond int64
                big = next(v for v in values if not -(2**63) <= v < 2**63)
                raise ValueError(
                    f"{where} holds the integer label {big}, which does not fit a 64-bit "
                    "integer; use smaller integers or strings as class labels."
                ) from None
    if all(issubclass(t, numbers.Real) for t in types):
        return arr.astype(np.float64)
    kinds = sorted({"string" if issubclass(t, str) else t.__name__ for t in types})
    raise TypeError(
        f"{where} mixes label types ({' and '.join(kinds)}); expected labels of one type "
        "(all ints or all strings)."
    )


def check_label_sequence(y, *, name="y", caller=None, allow_empty=False):
    """Validate one sequence of frame labels: THE label rule of the package.

    Estimators (through :func:`check_labels`), metrics, plotting and the segment conversions
    all validate labels here, so they accept and reject the same inputs:

    - a label sequence is 1-D (a list, tuple, ndarray, pandas Series or Index);
    - labels are all integers (bool included), or all strings (or all bytes); a sequence that
      mixes types is a ``TypeError``;
    - float labels are accepted when they are whole numbers (``[0.0, 1.0]``, as
      :func:`sklearn.utils.multiclass.type_of_target` calls them multiclass); non-integer
      floats (``[0.5, 1.0]``, continuous targets) are a ``ValueError``;
    - a missing label (``None`` or NaN) is a ``ValueError``: every frame needs a label.

    Parameters
    ----------
    y : array-like of shape (n_frames,)
        The labels of one recording.
    name : str, default="y"
        Argument name used in error messages (for example ``"y[3]"``).
    caller : str, default=None
        Estimator or function name used in error messages.
    allow_empty : bool, default=False
        Whether an empty sequence is valid.

    Returns
    -------
    y : ndarray of shape (n_frames,)
        The labels as a typed array (int, float, str or bytes dtype; object arrays are
        converted). The input is never modified.

    Raises
    ------
    TypeError
        If ``y`` is a string or not array-like, or mixes label types.
    ValueError
        If ``y`` is not 1-D, is empty, has a missing label or non-integer float labels.

    See Also
    --------
    check_labels : Validate a list of label sequences against recordings.

    Examples
    --------
    >>> from stgraph_sklearn.data import check_label_sequence
    >>> check_label_sequence([0.0, 1.0, 1.0])
    array([0., 1., 1.])
    >>> check_label_sequence([0.5, 1.0])
    Traceback (most recent call last):
    ...
    ValueError: y holds non-integer float labels (0.5 at frame 0); labels must be classes, not continuous values.
    """
    where = f"{_prefix(caller)}{name}"
    if isinstance(y, (str, bytes)):
        raise TypeError(
            f"{where} must be a 1-D array-like of labels. Got the string {y!r}; "
            f"use a list of labels such as list({y!r}) if each character is a frame."
        )
    if isinstance(y, (pd.Series, pd.Index)):
        arr = y.to_numpy()
    elif isinstance(y, numbers.Number) or not (hasattr(y, "__len__") or hasattr(y, "__array__")):
        raise TypeError(f"{where} must be a 1-D array-like of labels. Got {type(y).__name__}.")
    else:
        try:
            arr = np.asarray(y)
        except ValueError as exc:
            raise ValueError(f"{where} must be a 1-D array-like of labels. Got {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(
            f"{where} must be 1-D (one label per frame). Got an array of shape {arr.shape}."
        )
    if arr.size == 0:
        if not allow_empty:
            raise ValueError(f"{where} is empty: expected at least one label.")
        return arr
    if (
        arr.dtype.kind in "US"
        and isinstance(y, (list, tuple))
        and not all(isinstance(v, (str, bytes)) for v in y)
    ):  # numpy turned numbers mixed with strings into strings: check the originals
        arr = np.empty(len(y), dtype=object)
        arr[:] = y
    if arr.dtype == object:
        arr = _object_labels(arr, where)
    if arr.dtype.kind == "f":
        nan = np.isnan(arr)
        if nan.any():
            raise ValueError(
                f"{where} contains NaN at frame {int(np.flatnonzero(nan)[0])}; "
                "every frame needs a label."
            )
        inf = np.isinf(arr)
        if inf.any():
            raise ValueError(
                f"{where} contains inf at frame {int(np.flatnonzero(inf)[0])}; labels must be "
                "classes, not continuous values."
            )
        frac = arr != np.round(arr)
        if frac.any():
            i = int(np.flatnonzero(frac)[0])
            raise ValueError(
                f"{where} holds non-integer float labels ({arr[i].item()!r} at frame {i}); labels must "
                "be classes, not continuous values."
            )
    elif arr.dtype.kind not in "biuUS":
        raise TypeError(
            f"{where} has unsupported label dtype {arr.dtype}; expected integer or string labels."
        )
    return arr


def _n_frames_of(X, name):
    """Frame counts of already validated recordings, or of anything check_recordings takes."""
    if not all(isinstance(x, (Recording, GraphSequence)) for x in X):
        X = check_recordings(X, name=name, allow_graph_sequences=True)
    return [x.n_frames for x in X]


def check_labels(y, X=None, *, n_frames=None, name="y", x_name="X", caller=None):
    """Validate per-frame labels: a list of 1-D label sequences, one per recording.

    Each sequence follows :func:`check_label_sequence`; in addition all sequences of one call
    share one label type (they define one set of classes), and each has as many labels as its
    recording has frames.

    Parameters
    ----------
    y : list of array-like of shape (n_frames_i,)
        Integer or string labels, one per reference frame of each recording.
    X : list of Recording, GraphSequence or ndarray, or an sktime Panel, default=None
        The recordings whose frame counts y must match (anything :func:`check_recordings`
        accepts).
    n_frames : list of int, default=None
        Frame counts to match, if X is not given.
    name, x_name, caller : str
        Used in error messages: the names of the labels, of the recordings and of the
        estimator or function.

    Returns
    -------
    y : list of ndarray of shape (n_frames_i,)
        Typed arrays (the input is never modified).

    Raises
    ------
    TypeError
        If y is not a list of sequences or its labels mix types.
    ValueError
        If a sequence is malformed or its length differs from its recording's.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import check_labels
    >>> [a.tolist() for a in check_labels([["a", "b"]], [np.zeros((2, 3, 1))])]
    [['a', 'b']]
    """
    pre = _prefix(caller)
    if X is not None:
        n_frames = _n_frames_of(X, x_name)
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype != object:
        raise ValueError(
            f"{pre}{name} must be a list of label arrays, one per recording. Got a single 1-D array "
            f"of length {len(y)}; for one recording pass [{name}]."
        )
    if (
        isinstance(y, pd.Series | pd.Index | pd.Categorical)
        and len(y)
        and np.ndim(np.asarray(y, dtype=object)[0]) == 0
    ):  # a pandas column of labels: one recording's, or a panel's rows
        kind = type(y).__name__
        if isinstance(getattr(y, "index", None), pd.MultiIndex) and y.index.nlevels == 2:
            hint = (
                f"; for labels on a (recording, time) MultiIndex pass [g.to_numpy() for _, g in "
                f"{name}.groupby(level=0, sort=False)]"
            )
        else:
            hint = f"; for one recording pass [{name}]"
        raise ValueError(
            f"{pre}{name} must be a list of label arrays, one per recording. Got a single "
            f"pandas {kind} of {len(y)} labels{hint}."
        )
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"{pre}{name} must be a list of 1-D label arrays. Got {type(y).__name__}.")
    y = list(y)
    if n_frames is not None and len(y) != len(n_frames):
        raise ValueError(
            f"{pre}{name} has {len(y)} label sequences but {x_name} has {len(n_frames)} "
            "recordings; expected one label sequence per recording."
        )
    out = []
    for i, yi in enumerate(y):
        arr = check_label_sequence(yi, name=f"{name}[{i}]", caller=caller)
        if n_frames is not None and arr.shape[0] != n_frames[i]:
            raise ValueError(
                f"{pre}{name}[{i}] has {arr.shape[0]} labels but {x_name}[{i}] has {n_frames[i]} "
                "frames; expected one label per frame. (Inside permutation_test_score, which "
                "moves labels between recordings, this means recordings of different lengths: "
                "see the model selection guide.)"
            )
        out.append(arr)
    if len({label_kind(a) for a in out}) > 1:
        raise TypeError(
            f"{pre}{name} mixes numeric and string labels across recordings; expected one label "
            "type."
        )
    return out


def _is_label_scalar(value):
    if isinstance(value, (str, bytes)):
        return True
    try:
        return np.ndim(value) == 0
    except ValueError:  # ragged nesting: not a scalar
        return False


def _as_sequence_list(y, name, pre=""):
    """Normalise one sequence or a list of sequences to a list of raw sequences (``pre``:
    the caller's prefix of messages; the hints' code names the argument alone)."""
    if isinstance(y, (str, bytes)):
        raise TypeError(
            f"{pre}{name} must be a label sequence or a list of label sequences. Got the string "
            f"{y!r}."
        )
    if isinstance(y, (Mapping, Set)):  # iterating gives keys (in hash order for a set)
        kind = "dict" if isinstance(y, Mapping) else "set"
        raise TypeError(
            f"{pre}{name} must be a label sequence or a list of label sequences. Got a {kind}"
            + (
                f", whose keys would be read as labels: pass list({name}.values())."
                if kind == "dict"
                else ", which has no order."
            )
        )
    if isinstance(y, (pd.Series, pd.Index)):
        y = y.to_numpy()  # one sequence, or (object values that are sequences) a list of them
    if isinstance(y, np.ndarray):
        if y.ndim == 2 and y.shape[1] == 1 and y.shape[0] > 1:
            raise ValueError(
                f"{pre}{name} is an array of shape {y.shape}: a column, which would read as "
                f"{y.shape[0]} sequences of one frame each. Pass {name}.ravel() for one "
                f"sequence of {y.shape[0]} frames, or list({name}) for one-frame sequences."
            )
        if y.ndim == 2:
            return list(y)
        if y.ndim != 1:
            raise ValueError(
                f"{pre}{name} must be a 1-D label sequence, a list of sequences or a 2-D array of "
                f"equal-length sequences. Got an array of shape {y.shape}."
            )
        if y.dtype != object or all(_is_label_scalar(v) for v in y):
            return [y]
        return list(y)
    if isinstance(y, pd.DataFrame) or not hasattr(y, "__iter__"):
        raise TypeError(
            f"{pre}{name} must be a label sequence or a list of label sequences. Got "
            f"{type(y).__name__}."
        )
    items = list(y)
    if not items:
        raise ValueError(f"{pre}{name} is empty; expected a label sequence or a list of sequences.")
    scalar = [_is_label_scalar(v) for v in items]
    if all(scalar):
        return [items]
    if any(scalar):
        i = scalar.index(True)
        raise ValueError(
            f"{pre}{name} mixes labels and sequences: {name}[{i}] is the label {items[i]!r} while "
            f"{name}[{scalar.index(False)}] is a sequence. Pass one sequence or a list of "
            "sequences."
        )
    return items


def check_label_pairs(y_true, y_pred, *, caller=None, names=("y_true", "y_pred")):
    """Validate true and predicted labels for scoring; return two lists of matching arrays.

    Each of ``y_true`` and ``y_pred`` is one label sequence or a list of sequences (a 2-D
    array is a list of equal-length sequences). Every sequence follows
    :func:`check_label_sequence`. ``y_true[i]`` and ``y_pred[i]`` must have the same length
    and label type; different recordings may use different label types (unlike
    :func:`check_labels`, whose sequences define one set of classes).

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels.
    y_pred : same structure as ``y_true``
        Predicted labels.
    caller : str, default=None
        Function or estimator name used in error messages.
    names : tuple of two str, default=("y_true", "y_pred")
        The arguments' names in error messages.

    Returns
    -------
    y_true, y_pred : list of ndarray of shape (n_frames_i,)
        The validated sequences.

    Raises
    ------
    ValueError
        For mismatched numbers of sequences or lengths (naming the index), empty sequences,
        missing or continuous labels.
    TypeError
        When a sequence mixes label types or ``y_true[i]`` and ``y_pred[i]`` differ in type.

    Examples
    --------
    >>> from stgraph_sklearn.data import check_label_pairs
    >>> check_label_pairs([0, 1], [1, 1])
    ([array([0, 1])], [array([1, 1])])
    """
    pre, (tn, pn) = _prefix(caller), names
    true_list = _as_sequence_list(y_true, tn, pre)
    pred_list = _as_sequence_list(y_pred, pn, pre)
    if len(true_list) != len(pred_list):
        raise ValueError(
            f"{pre}{tn} has {len(true_list)} sequences but {pn} has {len(pred_list)}; "
            "expected one predicted sequence per true sequence."
        )
    trues, preds = [], []
    for i, (t, p) in enumerate(zip(true_list, pred_list, strict=True)):
        t = check_label_sequence(t, name=f"{tn}[{i}]", caller=caller)
        p = check_label_sequence(p, name=f"{pn}[{i}]", caller=caller)
        if len(p) != len(t):
            raise ValueError(f"{pre}{pn}[{i}] has {len(p)} frames but {tn}[{i}] has {len(t)}.")
        if label_kind(p) != label_kind(t):
            raise TypeError(
                f"{pre}{pn}[{i}] has {label_kind(p)} labels but {tn}[{i}] has "
                f"{label_kind(t)} labels; expected labels of one type in each pair of "
                "sequences."
            )
        trues.append(t)
        preds.append(p)
    return trues, preds


def check_background(background, *, labels=None, name="background", caller=None):
    """Validate a set of background labels; return it as a frozenset.

    Parameters
    ----------
    background : None, label or collection of labels
        Labels excluded from segments. A single string or number is one label.
    labels : list of ndarray, default=None
        Validated label sequences the background applies to. A background whose labels are
        all of another type than every sequence's (``0`` for the string labels of MS-TCN
        ground-truth files) could match no frame: it is refused rather than silently
        ignored. A label of the right type that no sequence holds is fine.
    name : str, default="background"
        Argument name used in error messages.
    caller : str, default=None
        Function or estimator name used in error messages.

    Returns
    -------
    background : frozenset
        Empty for None.

    Raises
    ------
    TypeError
        If ``background`` is a mapping, not a collection, holds unhashable labels, or is (or
        holds) a bool: ``True`` would silently stand for the label 1; or if none of its labels
        has the type of ``labels``.

    Examples
    --------
    >>> from stgraph_sklearn.data import check_background
    >>> sorted(check_background(["bg", "idle"]))
    ['bg', 'idle']
    """
    where = f"{_prefix(caller)}{name}"
    if background is None:
        return frozenset()
    if isinstance(background, (str, bytes, numbers.Number)):
        found = frozenset([background])
    elif isinstance(background, Mapping) or not isinstance(background, Iterable):
        raise TypeError(
            f"{where} must be None, a label, or a collection of labels. "
            f"Got {type(background).__name__}."
        )
    else:
        try:
            found = frozenset(background)
        except TypeError as exc:
            raise TypeError(f"{where} must hold hashable labels. Got {background!r}.") from exc
    if any(isinstance(b, (bool, np.bool_)) for b in found):
        raise TypeError(
            f"{where} must hold class labels, not booleans (True would stand for the label 1). "
            f"Got {background!r}."
        )
    if labels is not None and found:
        kinds = {label_kind(y) for y in labels}
        bg_kinds = {label_kind(np.asarray([b])) for b in found}
        if not bg_kinds & kinds:
            raise TypeError(
                f"{where}={background!r} holds {' and '.join(sorted(bg_kinds))} labels but the "
                f"sequences hold {' and '.join(sorted(kinds))} labels, so it would match no "
                f"frame; give {name} as it appears in the labels."
            )
    return found


def check_aligned(X, *, caller, name="X", before=None):
    """Check that every Recording of X is aligned to its reference frames.

    The alignment rule itself is :meth:`Recording.unaligned_modalities`; GraphSequence and
    other items are aligned by construction and pass.

    Parameters
    ----------
    X : list of Recording or GraphSequence
        Validated recordings (the output of :func:`check_recordings`).
    caller : str
        Estimator or transformer name used in the message.
    name : str, default="X"
        Argument name used in error messages.
    before : str, default=None
        What the suggested ``make_pipeline(ModalityAligner(), ...)`` ends with (``caller()`` if
        None).

    Returns
    -------
    X : list
        ``X`` itself.

    Raises
    ------
    ValueError
        Naming the first unaligned recording, its modalities off the frame clock and the fix.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording, check_aligned
    >>> rec = Recording({"accel": Modality(np.zeros((100, 2, 3)), rate=50.0)}, frame_rate=25.0)
    >>> check_aligned([rec], caller="Demo")
    Traceback (most recent call last):
    ...
    ValueError: Demo: X[0] is not aligned to its reference frames: modalities ['accel'] ...
    """
    for i, rec in enumerate(X):
        if not isinstance(rec, Recording):
            continue
        bad = rec.unaligned_modalities()
        if bad:
            m = rec.modalities[bad[0]]
            rate = f"{m.rate:.10g} Hz" if m.rate is not None else "irregular timestamps"
            raise ValueError(
                f"{caller}: {name}[{i}] is not aligned to its reference frames: modalities {bad} "
                f"are not sampled once per frame at the frame rate ({bad[0]!r} has "
                f"{m.n_samples} samples at {rate}; the recording has {rec.n_frames} frames at "
                f"{rec.frame_rate:.10g} Hz). Put a ModalityAligner before {caller} (for example "
                f"make_pipeline(ModalityAligner(), {before or caller + '()'}))."
            )
    return X


def check_layouts(layouts, expected, *, caller, reference, what="channels"):
    """Check that every recording has the expected modalities, node counts and widths.

    Parameters
    ----------
    layouts : list of dict of str to (int, int)
        ``{modality: (n_nodes, n_channels)}`` of each recording of ``X``, in order.
    expected : dict of str to (int, int)
        The layout every recording must have.
    caller : str
        Name used in error messages (an estimator or transformer).
    reference : str
        Where ``expected`` comes from, for the message (e.g. ``"the recordings seen in fit"``).
    what : str, default="channels"
        What the second number counts, for the message (``"features"`` after feature
        extraction).

    Raises
    ------
    ValueError
        Naming the first recording index whose modality names (or their order), node count or
        width differ, and how to mark a missing modality missing (all NaN).

    Examples
    --------
    >>> from stgraph_sklearn.data import check_layouts
    >>> check_layouts([{"acc": (3, 2)}], {"acc": (3, 2)}, caller="Est", reference="fit")
    >>> check_layouts([{"acc": (4, 2)}], {"acc": (3, 2)}, caller="Est", reference="fit")
    Traceback (most recent call last):
    ...
    ValueError: Est: X[0] has modalities {'acc': 4 nodes x 2 channels}; expected {'acc': 3 nodes x 2 channels} as in fit. Every recording needs the same modalities, node counts and channels.
    """
    for i, got in enumerate(layouts):
        if list(got) != list(expected):
            missing = [k for k in expected if k not in got]
            if list(got) == ["x"] and len(expected) > 1:  # how bare arrays are read
                hint = (
                    " A bare array is read as the one modality 'x'; give recordings with the "
                    f"modalities {list(expected)} instead."
                )
            elif missing:
                hint = (
                    " To mark a sensor missing for a whole recording, give its modality (here "
                    f"{missing[0]!r}) all NaN values (from a table: the time column with empty "
                    "values)."
                )
            else:
                hint = ""
            raise ValueError(
                f"{caller}: X[{i}] has modalities {list(got)}; expected {list(expected)} "
                f"(same names, same order) as in {reference}.{hint}"
            )
        if any(tuple(got[k]) != tuple(v) for k, v in expected.items()):
            raise ValueError(
                f"{caller}: X[{i}] has modalities {_fmt_layout(got, what)}; expected "
                f"{_fmt_layout(expected, what)} as in {reference}. Every recording needs the "
                f"same modalities, node counts and {what}."
            )


def _fmt_layout(layout, what):
    return "{" + ", ".join(f"{k!r}: {n} nodes x {f} {what}" for k, (n, f) in layout.items()) + "}"


def check_groups(groups, n_recordings, *, caller=None):
    """Validate ``groups``: one hashable id (a subject, say) per recording.

    Parameters
    ----------
    groups : array-like of shape (n_recordings,)
        The group of every recording.
    n_recordings : int
        The number of recordings of ``X``.
    caller : str, default=None
        Name used in error messages (an estimator or function).

    Returns
    -------
    groups : ndarray of shape (n_recordings,)

    Raises
    ------
    ValueError
        If ``groups`` is not one-dimensional with one id per recording.
    """
    pre = _prefix(caller)
    arr = np.asarray(groups)
    if arr.ndim != 1 or arr.shape[0] != n_recordings:
        raise ValueError(
            f"{pre}groups must have one id per recording ({n_recordings}). Got shape {arr.shape}."
        )
    return arr
