"""Adjacency normalisation and self-loops."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..data import SensorGraph
from ._utils import _as_square

__all__ = ["add_self_loops", "normalized_adjacency"]


@validate_params(
    {"adj": [SensorGraph, "array-like"], "weight": [Interval(Real, 0, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def add_self_loops(adj, *, weight=1.0):
    """Give every node without a self-loop one of the given weight.

    Nodes that already have a self-loop keep its weight (PyTorch Geometric's
    ``add_remaining_self_loops``).

    Parameters
    ----------
    adj : SensorGraph or array-like of shape (n_nodes, n_nodes)
        The graph, or its dense ``A[target, source]`` matrix.
    weight : float, default=1.0
        Weight of the added loops.

    Returns
    -------
    SensorGraph or ndarray of shape (n_nodes, n_nodes)
        Same kind as ``adj`` (a new object; ``adj`` is not modified). Arrays come back as float64.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.graph import add_self_loops
    >>> add_self_loops(np.array([[0.0, 2.0], [2.0, 3.0]]))
    array([[1., 2.],
           [2., 3.]])
    """
    dense = _as_square(adj, "add_self_loops")
    diag = np.diagonal(dense).copy()
    np.fill_diagonal(dense, np.where(diag != 0, diag, float(weight)))
    if isinstance(adj, SensorGraph):
        return SensorGraph.from_dense(dense, adj.node_names, adj.node_modality)
    return dense


@validate_params(
    {
        "adj": [SensorGraph, "array-like"],
        "kind": [StrOptions({"sym", "row"})],
        "self_loops": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def normalized_adjacency(adj, *, kind="sym", self_loops=True):
    """Normalised dense adjacency, as used by graph convolutions.

    With ``Â = A + I`` (when ``self_loops``; existing loops are kept) and ``D`` the diagonal
    of row sums of ``Â`` (the weighted in-degree of each target node):

    - ``kind="sym"``: ``D^{-1/2} Â D^{-1/2}`` (Kipf & Welling's GCN),
    - ``kind="row"``: ``D^{-1} Â`` (each node averages its neighbours; rows sum to 1).

    A node whose normalised row is all zero (no incoming edge, possible only without
    ``self_loops``; or, with ``"sym"`` on a directed graph, edges only from sources that no
    edge reaches, whose ``D^-1/2`` is 0) gets the identity row: it keeps its own value
    instead of becoming zero.
    This is the package's one row-normalisation convention, shared with the networks
    (:func:`stgraph_sklearn.nn.masked_adjacency`: a node whose neighbours are all missing keeps
    only itself); a test checks that both agree.

    Parameters
    ----------
    adj : SensorGraph or array-like of shape (n_nodes, n_nodes)
        Non-negative weights ``A[target, source]``.
    kind : {"sym", "row"}, default="sym"
        The normalisation.
    self_loops : bool, default=True
        Add a unit self-loop to every node without one before normalising.

    Returns
    -------
    ndarray of shape (n_nodes, n_nodes), float64
        The normalised matrix, ``A_norm[target, source]``.

    Examples
    --------
    >>> from stgraph_sklearn.graph import normalized_adjacency
    >>> normalized_adjacency([[0, 1], [1, 0]], kind="row")
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    dense = _as_square(adj, "normalized_adjacency")
    negative = dense < 0
    if negative.any():
        tgt, src = (int(v[0]) for v in np.nonzero(negative))
        raise ValueError(
            "normalized_adjacency: 'adj' must hold non-negative weights. Got "
            f"{dense[tgt, src].item()!r} at [{tgt}, {src}]."
        )
    if self_loops:
        dense = add_self_loops(dense)
    degree = dense.sum(axis=1)
    if kind == "row":
        inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        out = dense * inv[:, None]
    else:
        inv_sqrt = np.divide(1.0, np.sqrt(degree), out=np.zeros_like(degree), where=degree > 0)
        out = inv_sqrt[:, None] * dense * inv_sqrt[None, :]
    # a row left empty keeps its node: no edge at all, or (sym, directed) only edges from
    # sources that no edge reaches, whose D^-1/2 is 0
    isolated = np.flatnonzero(~out.any(axis=1))
    out[isolated, isolated] = 1.0
    return out
