"""k-nearest-neighbour graph on node descriptors."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.utils._param_validation import Interval, validate_params

from ..data import SensorGraph
from ._construction import _check_node_modality
from ._utils import _check_k, _check_node_names, _top_k_adjacency

__all__ = ["knn_graph"]


@validate_params(
    {
        "features": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "node_names": ["array-like"],
        "metric": [str, callable],
        "symmetric": ["boolean"],
        "node_modality": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def knn_graph(features, k, *, node_names, metric="euclidean", symmetric=True, node_modality=None):
    """Connect every node to the k nodes with the nearest descriptors.

    Parameters
    ----------
    features : array-like of shape (n_nodes, n_descriptors)
        One descriptor vector per node (for example quantiles of its activity).
    k : int
        Neighbours kept per node, in ``[1, n_nodes - 1]``.
    node_names : sequence of str
        One name per node (row of ``features``).
    metric : str, default="euclidean"
        Any metric of :func:`scipy.spatial.distance.cdist`.
    symmetric : bool, default=True
        Take the union of both directions, so a node can end up with more than k neighbours.
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the node name up to its first ``":"``.

    Returns
    -------
    graph : SensorGraph
        Unweighted (weight 1) edges ``j -> i`` for the k nearest ``j`` of every ``i``, as in
        PyTorch Geometric's ``knn_graph``. Ties are broken by the lower node index. A node
        with a NaN descriptor gets no edges.

    Examples
    --------
    >>> from stgraph_sklearn.graph import knn_graph
    >>> knn_graph([[0.0], [0.1], [5.0]], 1, node_names=["a", "b", "c"]).to_dense()
    array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    feats = np.asarray(features, dtype=np.float64)
    if feats.ndim == 1:
        feats = feats[:, None]
    if feats.ndim != 2 or feats.shape[0] == 0 or feats.shape[1] == 0:
        raise ValueError(
            f"knn_graph: 'features' must have shape (n_nodes, n_descriptors). "
            f"Got shape {feats.shape}."
        )
    if np.isinf(feats).any():
        raise ValueError("knn_graph: 'features' must be finite or NaN (missing).")
    n = feats.shape[0]
    names = _check_node_names(node_names, "knn_graph", n_nodes=n)
    node_modality = _check_node_modality(node_modality, names, "knn_graph")
    k = _check_k(k, n, "knn_graph")
    ok = ~np.isnan(feats).any(axis=1)
    dist = np.full((n, n), np.inf)
    if ok.any():
        try:
            dist[np.ix_(ok, ok)] = cdist(feats[ok], feats[ok], metric=metric)
        except ValueError as exc:  # scipy's "Unknown Distance Metric: ..."
            raise ValueError(
                f"knn_graph: 'metric' must be a distance scipy.spatial.distance.cdist knows, "
                f"e.g. 'euclidean' or 'cosine'. Got {metric!r} ({exc})."
            ) from None
    score = np.where(np.isfinite(dist), -dist, -np.inf)
    adj = _top_k_adjacency(score, np.ones((n, n)), k, symmetric)
    return SensorGraph.from_dense(adj, names, node_modality)
