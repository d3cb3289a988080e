"""Shared argument checks of the graph functions."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import InvalidParameterError

from ..data import SensorGraph


def _check_node_names(node_names, caller, what="node_names", n_nodes=None):
    """Return node names as a tuple of unique str, checking the expected count."""
    if node_names is None or isinstance(node_names, str):
        raise TypeError(
            f"{caller}: '{what}' must be a sequence of str (one per node). Got {node_names!r}."
        )
    names = tuple(str(n) for n in node_names)
    if not names:
        raise ValueError(f"{caller}: '{what}' must not be empty.")
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"{caller}: '{what}' must be unique. Got duplicates {dup}.")
    if n_nodes is not None and len(names) != n_nodes:
        raise ValueError(
            f"{caller}: '{what}' must have one name per node ({n_nodes}). Got {len(names)} names."
        )
    return names


def _check_k(k, n_nodes, caller):
    """Check the number of neighbours ``k`` against the number of nodes."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= n_nodes - 1:
        raise InvalidParameterError(
            f"The 'k' parameter of {caller} must be an int in the range [1, n_nodes - 1] "
            f"(n_nodes={n_nodes}). Got {k!r} instead."
        )
    return int(k)


def _as_square(adj, caller, what="adj"):
    """Dense float64 copy of a square adjacency (array-like or SensorGraph)."""
    if isinstance(adj, SensorGraph):
        return adj.to_dense().astype(np.float64)
    try:
        arr = np.array(adj, dtype=np.float64)  # copy: never modify the caller's array
    except (TypeError, ValueError) as exc:  # ragged rows, or not numbers
        raise ValueError(
            f"{caller}: '{what}' must be a square matrix of numbers of shape (n_nodes, n_nodes). "
            f"Got a {type(adj).__name__} that numpy cannot read as one ({exc})."
        ) from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(
            f"{caller}: '{what}' must be a square matrix of shape (n_nodes, n_nodes). "
            f"Got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError(f"{caller}: '{what}' must be finite.")
    return arr


def _top_k_adjacency(score, weight, k, symmetric):
    """Dense ``A[target, source]`` keeping, per target, the k sources of highest ``score``.

    ``score`` is NaN or -inf where an edge is not allowed (the diagonal, undefined pairs);
    such pairs are never selected, so a node may get fewer than k neighbours. Ties are broken
    by the lower source index. ``symmetric`` takes the union of both directions (max weight).
    """
    n = score.shape[0]
    score = np.where(np.isnan(score), -np.inf, score)
    score[np.arange(n), np.arange(n)] = -np.inf
    order = np.argsort(-score, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), order.shape[1])
    cols = order.ravel()
    keep = np.isfinite(score[rows, cols])
    adj = np.zeros((n, n), dtype=np.float64)
    adj[rows[keep], cols[keep]] = weight[rows[keep], cols[keep]]
    if symmetric:
        adj = np.maximum(adj, adj.T)
    return adj
