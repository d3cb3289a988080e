"""Graphs from node lists: fully connected, user edge lists, modality structure."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ..data import SensorGraph
from ._utils import _check_node_names

__all__ = ["from_edges", "fully_connected", "modality_graph"]


def _check_node_modality(node_modality, node_names, caller):
    if node_modality is None:
        return None
    if isinstance(node_modality, str) or len(node_modality) != len(node_names):
        raise ValueError(
            f"{caller}: 'node_modality' must have one modality name per node "
            f"({len(node_names)}). Got {node_modality!r}."
        )
    return tuple(str(m) for m in node_modality)


@validate_params(
    {
        "node_names": ["array-like"],
        "self_loops": ["boolean"],
        "node_modality": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def fully_connected(node_names, *, self_loops=False, node_modality=None):
    """Complete graph: every node receives an edge of weight 1 from every other node.

    Parameters
    ----------
    node_names : sequence of str
        One unique name per node.
    self_loops : bool, default=False
        Whether every node also gets an edge to itself.
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the node name up to its first ``":"``.

    Returns
    -------
    graph : SensorGraph
        ``n_nodes * (n_nodes - 1)`` edges (plus ``n_nodes`` self-loops if asked).

    See Also
    --------
    modality_graph : Complete within modalities, one averaged neighbour across them.

    Examples
    --------
    >>> from stgraph_sklearn.graph import fully_connected
    >>> fully_connected(["a", "b", "c"]).to_dense()
    array([[0., 1., 1.],
           [1., 0., 1.],
           [1., 1., 0.]], dtype=float32)
    """
    names = _check_node_names(node_names, "fully_connected")
    node_modality = _check_node_modality(node_modality, names, "fully_connected")
    adj = np.ones((len(names), len(names)))
    if not self_loops:
        np.fill_diagonal(adj, 0.0)
    return SensorGraph.from_dense(adj, names, node_modality)


def _edge_endpoint(value, index, names, position, i):
    if isinstance(value, str):
        if value not in index:
            raise ValueError(
                f"from_edges: 'pairs'[{i}] names an unknown {position} node {value!r}. "
                f"Valid node names are: {list(names)}."
            )
        return index[value]
    raise TypeError(
        f"from_edges: 'pairs'[{i}] must hold node names (str). Got {type(value).__name__} "
        f"{value!r} as the {position}."
    )


@validate_params(
    {
        "pairs": ["array-like"],
        "node_names": ["array-like"],
        "weights": ["array-like", None],
        "symmetric": ["boolean"],
        "self_loops": ["boolean"],
        "node_modality": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def from_edges(
    pairs, node_names, *, weights=None, symmetric=True, self_loops=False, node_modality=None
):
    """Graph from a list of ``(source, target)`` node-name pairs.

    Parameters
    ----------
    pairs : sequence of (str, str)
        Edges as pairs of node names, for example ``("accel:knife", "accel:board")``.
    node_names : sequence of str
        All node names, in graph order.
    weights : array-like of shape (n_pairs,), default=None
        Non-negative weight of each pair; all ones if omitted.
    symmetric : bool, default=True
        Add the reverse of every edge with the same weight (sensor graphs are undirected).
    self_loops : bool, default=False
        Give every node a self-loop of weight 1 (nodes that already have one keep its weight).
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the node name up to its first ``":"``.

    Returns
    -------
    graph : SensorGraph
        A pair given more than once (in either direction when ``symmetric``) keeps its
        largest weight.

    Raises
    ------
    ValueError
        If a pair names a node that is not in ``node_names`` (the message lists the valid
        names), is not a pair, or a weight is negative or not finite.

    Examples
    --------
    >>> from stgraph_sklearn.graph import from_edges
    >>> g = from_edges([("accel:knife", "accel:board")], ["accel:knife", "accel:board", "video"])
    >>> g.to_dense()
    array([[0., 1., 0.],
           [1., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    names = _check_node_names(node_names, "from_edges")
    node_modality = _check_node_modality(node_modality, names, "from_edges")
    pairs = list(pairs)
    if weights is None:
        w = np.ones(len(pairs))
    else:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (len(pairs),):
            raise ValueError(
                f"from_edges: 'weights' must be {len(pairs)} numbers, one per pair. "
                f"Got shape {w.shape}."
            )
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"from_edges: 'weights' must be finite non-negative numbers. Got "
                f"{w[i].item()!r} for pair {i} {pairs[i]!r}."
            )
    index = {n: i for i, n in enumerate(names)}
    adj = np.zeros((len(names), len(names)))
    for i, pair in enumerate(pairs):
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(
                f"from_edges: 'pairs'[{i}] must be a (source, target) pair of node names. "
                f"Got {pair!r}."
            )
        src = _edge_endpoint(pair[0], index, names, "source", i)
        tgt = _edge_endpoint(pair[1], index, names, "target", i)
        adj[tgt, src] = max(adj[tgt, src], w[i])
        if symmetric:
            adj[src, tgt] = max(adj[src, tgt], w[i])
    if self_loops:
        diag = np.diagonal(adj).copy()
        np.fill_diagonal(adj, np.where(diag > 0, diag, 1.0))
    return SensorGraph.from_dense(adj, names, node_modality)


@validate_params(
    {
        "node_names": ["array-like"],
        "node_modality": ["array-like"],
        "cross_weight": [Interval(Real, 0, None, closed="left")],
        "self_loops": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def modality_graph(node_names, node_modality, *, cross_weight=1.0, self_loops=False):
    """Complete within each modality, plus a cross-modal star between modalities.

    Every node receives an edge of weight 1 from every other node of its own modality, and
    sees each *other* modality as one averaged neighbour: an edge from each of that
    modality's ``n_b`` nodes with weight ``cross_weight / n_b``. A single-node modality (a
    video feature stream, say) is thus the hub of a star that reaches every sensor with
    weight ``cross_weight``, while a 10-node accelerometer modality reaches the video node as
    ten edges of weight ``cross_weight / 10``. The dense matrix is not symmetric when
    modalities differ in size.

    Parameters
    ----------
    node_names : sequence of str
        One unique name per node.
    node_modality : sequence of str
        The modality of each node.
    cross_weight : float, default=1.0
        Total weight a node receives from each other modality. 0 gives disconnected
        modality cliques.
    self_loops : bool, default=False
        Give every node a self-loop of weight 1.

    Returns
    -------
    graph : SensorGraph

    Examples
    --------
    >>> from stgraph_sklearn.graph import modality_graph
    >>> modality_graph(["a:0", "a:1", "v"], ["a", "a", "v"]).to_dense()
    array([[0. , 1. , 1. ],
           [1. , 0. , 1. ],
           [0.5, 0.5, 0. ]], dtype=float32)
    """
    names = _check_node_names(node_names, "modality_graph")
    mods = _check_node_modality(node_modality, names, "modality_graph")
    mods_arr = np.asarray(mods)
    same = mods_arr[:, None] == mods_arr[None, :]
    _, inverse, counts = np.unique(mods_arr, return_inverse=True, return_counts=True)
    size_of_source = counts[inverse][None, :].astype(np.float64)
    adj = np.where(same, 1.0, float(cross_weight) / size_of_source)
    np.fill_diagonal(adj, 1.0 if self_loops else 0.0)
    return SensorGraph.from_dense(adj, names, mods)
