"""Correlation graph: top-k neighbours by NaN-aware Pearson correlation of node activity."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ..data import SensorGraph
from ._construction import _check_node_modality
from ._utils import _check_k, _check_node_names, _top_k_adjacency

__all__ = ["correlation_graph", "pooled_correlation"]


def _is_row(item):
    """Whether the first item of a list is a row of numbers (the list is then one table)."""
    try:
        return np.ndim(item) <= 1
    except (TypeError, ValueError, RuntimeError):  # ragged: a recording, rejected when read
        return False


def _iter_activity(activity, caller, n_nodes=None):
    """Validate the activity arrays one at a time, as they are consumed (float64, 2-D).

    One table of shape (n_timesteps, n_nodes) is one recording: an ndarray, anything numpy
    converts (a DataFrame, a tensor) or a list or tuple of rows of numbers. Any other iterable
    (a list of 2-D arrays, a generator) holds one recording per item.
    """
    kind = type(activity).__name__
    if hasattr(activity, "__array__") and not isinstance(activity, np.ndarray):
        activity = np.asarray(activity)
    single = (isinstance(activity, np.ndarray) and activity.ndim == 2) or (
        isinstance(activity, (list, tuple)) and len(activity) > 0 and _is_row(activity[0])
    )
    if single:
        activity = [activity]
    elif isinstance(activity, (np.ndarray, str, bytes)) or not isinstance(activity, Iterable):
        shape = f" of shape {activity.shape}" if isinstance(activity, np.ndarray) else ""
        raise TypeError(
            f"{caller}: 'activity' must be an array of shape (n_timesteps, n_nodes) or a "
            f"non-empty list (or iterable) of them. Got {kind}{shape}."
        )
    for i, a in enumerate(activity):
        what = "'activity'" if single else f"'activity'[{i}]"
        try:
            arr = np.asarray(a, dtype=np.float64)
        except (TypeError, ValueError) as exc:  # ragged rows, or not numbers
            raise ValueError(
                f"{caller}: {what} must be an array of numbers of shape (n_timesteps, "
                f"n_nodes). Got a {type(a).__name__} that numpy cannot read as one ({exc})."
            ) from None
        if arr.ndim != 2:
            raise ValueError(
                f"{caller}: {what} must have shape (n_timesteps, n_nodes). Got shape {arr.shape}."
            )
        if n_nodes is None:
            n_nodes = arr.shape[1]
        elif arr.shape[1] != n_nodes and i == 0:
            raise ValueError(
                f"{caller}: 'node_names' must have one name per node ({arr.shape[1]} in "
                f"{what}). Got {n_nodes} names."
            )
        elif arr.shape[1] != n_nodes:
            raise ValueError(
                f"{caller}: {what} has {arr.shape[1]} nodes; expected {n_nodes} as in "
                "'activity'[0]."
            )
        if np.isinf(arr).any():
            raise ValueError(f"{caller}: {what} must be finite or NaN (missing).")
        yield arr


@validate_params(
    {
        "activity": ["array-like", Iterable],
        "min_periods": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def pooled_correlation(activity, *, min_periods=3):
    """NaN-aware Pearson correlation between nodes, pooled over recordings.

    For every pair of nodes only the timesteps where both are observed count
    (pairwise-complete). Each recording is centred on its own pairwise means, and the
    within-recording covariances and variances are summed over recordings before taking the
    ratio, so differences in level between recordings (a different subject, a re-mounted
    sensor) do not create correlation.

    Parameters
    ----------
    activity : array-like of shape (n_timesteps, n_nodes) or list of such arrays
        One scalar per node and timestep; NaN where missing. One 2-D table is one
        recording: an ndarray, anything numpy converts (a DataFrame with one column per
        node, a tensor) or a list of rows (a list whose first item is a row of numbers).
        A list whose items are 2-D arrays, or any other iterable of arrays, holds one
        recording per item and is consumed one array at a time: the statistics are sums
        over recordings, so a generator keeps one recording's activity in memory.
    min_periods : int, default=3
        Pairs observed together at fewer timesteps (in total) get NaN.

    Returns
    -------
    corr : ndarray of shape (n_nodes, n_nodes)
        Correlations in [-1, 1]; NaN where undefined (too few joint observations, or a node
        that is constant wherever the other is observed). The diagonal is 1 where defined.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.graph import pooled_correlation
    >>> t = np.arange(10.0)
    >>> pooled_correlation(np.stack([t, 2 * t, -t], axis=1)).round(2)
    array([[ 1.,  1., -1.],
           [ 1.,  1., -1.],
           [-1., -1.,  1.]])
    """
    return _pooled_correlation(activity, "pooled_correlation", min_periods)


def _pooled_correlation(activity, caller, min_periods=3, n_nodes=None):
    """:func:`pooled_correlation`, sums accumulated one activity array at a time."""
    cov = var_i = var_j = count = None
    for arr in _iter_activity(activity, caller, n_nodes):
        if cov is None:
            n = arr.shape[1]
            cov, var_i, var_j, count = (np.zeros((n, n)) for _ in range(4))
        valid = ~np.isnan(arr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            center = np.nanmean(arr, axis=0)
        x = np.where(valid, arr - np.nan_to_num(center), 0.0)
        v = valid.astype(np.float64)
        n_ij = v.T @ v
        sx = x.T @ v  # sx[i, j]: sum of x_i where both observed
        sxx = (x * x).T @ v
        sxy = x.T @ x
        inv_n = np.divide(1.0, n_ij, out=np.zeros_like(n_ij), where=n_ij > 0)
        cov += sxy - sx * sx.T * inv_n
        var_i += sxx - sx * sx * inv_n
        var_j += sxx.T - sx.T * sx.T * inv_n
        count += n_ij
    if cov is None:
        raise TypeError(
            f"{caller}: 'activity' must be a non-empty list (or iterable) of arrays. Got none."
        )
    denom = np.sqrt(np.clip(var_i, 0, None) * np.clip(var_j, 0, None))
    scale = np.sqrt(np.clip(np.diagonal(var_i), 0, None))
    tiny = 1e-12 * np.maximum(np.outer(scale, scale), 1e-300)
    ok = (count >= min_periods) & (denom > tiny)
    corr = np.full((n, n), np.nan)
    corr[ok] = np.clip(cov[ok] / denom[ok], -1.0, 1.0)
    return corr


@validate_params(
    {
        "activity": ["array-like", Iterable],
        "k": [Interval(Integral, 1, None, closed="left")],
        "node_names": ["array-like"],
        "absolute": ["boolean"],
        "symmetric": ["boolean"],
        "node_modality": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def correlation_graph(
    activity, k, *, node_names, absolute=True, symmetric=True, node_modality=None
):
    """Connect every node to the k nodes whose activity correlates most with its own.

    Parameters
    ----------
    activity : array-like of shape (n_timesteps, n_nodes) or list of such arrays
        One scalar activity per node and timestep (for example the norm of a sensor's
        frame-to-frame change), one array per recording; NaN where missing. One 2-D table
        (an ndarray, a DataFrame, a tensor, a list of rows) is one recording; a list of 2-D
        arrays, or any other iterable of them, is one recording per item (see
        :func:`pooled_correlation`). Correlations are pooled over recordings as in
        :func:`pooled_correlation` (an iterable of arrays is consumed one array at a time).
    k : int
        Neighbours kept per node, in ``[1, n_nodes - 1]``.
    node_names : sequence of str
        One name per node (column).
    absolute : bool, default=True
        Rank by ``|r|`` (anti-correlated sensors are neighbours too). If False, rank by
        ``r`` and keep only positive correlations.
    symmetric : bool, default=True
        Take the union of both directions, so a node can end up with more than k neighbours.
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the node name up to its first ``":"``.

    Returns
    -------
    graph : SensorGraph
        Edge ``j -> i`` with weight ``|r_ij|`` (or ``r_ij``) when ``j`` is among the k best of
        ``i``. Ties are broken by the lower node index. A node whose correlations are all
        undefined (never observed, or constant) gets no edges.

    See Also
    --------
    knn_graph : Neighbours by distance between node descriptors.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.graph import correlation_graph
    >>> t = np.arange(40.0)
    >>> act = np.column_stack([np.sin(t), np.sin(t) + 0.5 * np.cos(3 * t), np.cos(2 * t) - np.sin(t)])
    >>> correlation_graph(act, 1, node_names=["a", "b", "c"]).to_dense().round(2)
    array([[0.  , 0.9 , 0.71],
           [0.9 , 0.  , 0.  ],
           [0.71, 0.  , 0.  ]], dtype=float32)
    """
    names = _check_node_names(node_names, "correlation_graph")
    n = len(names)
    node_modality = _check_node_modality(node_modality, names, "correlation_graph")
    k = _check_k(k, n, "correlation_graph")
    corr = _pooled_correlation(activity, "correlation_graph", n_nodes=n)
    score = np.abs(corr) if absolute else np.where(corr > 0, corr, np.nan)
    score = np.where(score > 0, score, np.nan)
    adj = _top_k_adjacency(score, np.nan_to_num(score), k, symmetric)
    return SensorGraph.from_dense(adj, names, node_modality)
