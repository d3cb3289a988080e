"""Input validation: every malformed input becomes a ValueError or TypeError that names the
argument, the recording index, what was expected and what was got."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._containers import GraphSequence, Modality, Recording
from ._tables import recording_from_dataframes

__all__ = ["check_groups", "check_labels", "check_recordings"]


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


def _is_sktime_dataframe(X):
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
    if isinstance(X, pd.DataFrame) and not _is_sktime_dataframe(X):
        X = _flat_dataframe(X, name, pre)
    if _is_sktime_dataframe(X) or (isinstance(X, np.ndarray) and X.ndim == 3):
        return _from_sktime(X, fr, name, pre)
    if isinstance(X, np.ndarray):
        if X.ndim == 2:
            raise ValueError(pre + _two_d_message(X, name) + " For one recording pass [x].")
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
            arr = np.asarray(item)
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
    """Convert an sktime Panel (pd-multiindex, numpy3D, df-list) to recordings."""
    from sktime.datatypes import check_is_mtype, convert_to

    for mtype in ("numpy3D", "pd-multiindex", "df-list"):
        ok = check_is_mtype(X, mtype, scitype="Panel", return_metadata=False)
        if ok:
            break
    else:
        raise ValueError(
            f"{pre}{name} looks like an sktime Panel but is not a valid 'numpy3D', 'pd-multiindex' "
            "or 'df-list' mtype (check the index levels, equal columns per instance and numeric "
            "values)."
        )
    frames = convert_to(X, to_type="df-list", as_scitype="Panel")
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
        out.append(
            Recording(
                {"x": Modality(arr[:, :, None], rate=frame_rate, node_names=_names(df.columns))},
                frame_rate=frame_rate,
                n_frames=arr.shape[0],
                name=str(i),
            )
        )
    return out


def _names(columns):
    """Variable names as node names (sktime's default integer columns stay ``0, 1, ...``)."""
    names = [str(c) for c in columns]
    return names if len(set(names)) == len(names) else None


def check_labels(y, X=None, *, n_frames=None, name="y", caller=None):
    """Validate per-frame labels: a list of 1-D arrays, one per recording.

    Parameters
    ----------
    y : list of array-like of shape (n_frames_i,)
        Integer or string labels, one per reference frame of each recording.
    X : list of Recording or GraphSequence, default=None
        The already validated recordings whose frame counts y must match.
    n_frames : list of int, default=None
        Frame counts to match, if X is not given.
    name, caller : str
        Used in error messages.

    Returns
    -------
    y : list of ndarray of shape (n_frames_i,)
        Arrays (views of the input where possible, never modified).
    """
    pre = _prefix(caller)
    if X is not None:
        n_frames = [x.n_frames for x in X]
    if isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype != object:
        raise ValueError(
            f"{pre}{name} must be a list of label arrays, one per recording. Got a single 1-D array "
            f"of length {len(y)}; for one recording pass [{name}]."
        )
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"{pre}{name} must be a list of 1-D label arrays. Got {type(y).__name__}.")
    y = list(y)
    if n_frames is not None and len(y) != len(n_frames):
        raise ValueError(
            f"{pre}{name} has {len(y)} label sequences but X has {len(n_frames)} recordings; "
            "expected one label sequence per recording."
        )
    out = []
    kinds = set()
    for i, yi in enumerate(y):
        arr = np.asarray(yi)
        if arr.ndim != 1:
            raise ValueError(
                f"{pre}{name}[{i}] must be 1-D (one label per frame). Got shape {arr.shape}."
            )
        if arr.size == 0:
            raise ValueError(f"{pre}{name}[{i}] is empty: expected at least one label.")
        if n_frames is not None and arr.shape[0] != n_frames[i]:
            raise ValueError(
                f"{pre}{name}[{i}] has {arr.shape[0]} labels but X[{i}] has {n_frames[i]} frames; "
                "expected one label per frame."
            )
        if arr.dtype == object:
            types = {type(v) for v in arr}
            if any(v is None for v in arr) or any(
                isinstance(v, float) and np.isnan(v) for v in arr
            ):
                raise ValueError(f"{pre}{name}[{i}] contains missing labels (None or NaN).")
            if all(issubclass(t, str) for t in types):
                arr = arr.astype(str)
            elif all(issubclass(t, numbers.Integral) for t in types):
                arr = arr.astype(np.int64)
            else:
                raise TypeError(
                    f"{pre}{name}[{i}] mixes label types {sorted(t.__name__ for t in types)}; "
                    "expected all int or all str."
                )
        if np.issubdtype(arr.dtype, np.floating):
            if np.isnan(arr).any():
                raise ValueError(
                    f"{pre}{name}[{i}] contains NaN at frame {int(np.flatnonzero(np.isnan(arr))[0])}; "
                    "every frame needs a label."
                )
            if not np.all(arr == np.round(arr)):
                raise ValueError(
                    f"{pre}{name}[{i}] holds non-integer floats; labels must be classes."
                )
            kind = "number"
        elif np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.bool_):
            kind = "number"
        elif arr.dtype.kind in "US":
            kind = "str"
        else:
            raise TypeError(f"{pre}{name}[{i}] has unsupported label dtype {arr.dtype}.")
        kinds.add(kind)
        out.append(arr)
    if len(kinds) > 1:
        raise TypeError(
            f"{pre}{name} mixes numeric and string labels across recordings; expected one label type."
        )
    return out


def check_groups(groups, n_recordings, *, caller=None):
    """Validate ``groups``: one hashable id per recording. Returns an ndarray of shape (n_recordings,)."""
    pre = _prefix(caller)
    arr = np.asarray(groups)
    if arr.ndim != 1 or arr.shape[0] != n_recordings:
        raise ValueError(
            f"{pre}groups must have one id per recording ({n_recordings}). Got shape {arr.shape}."
        )
    return arr
