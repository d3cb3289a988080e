"""Conversions between SensorGraph and PyTorch Geometric's ``edge_index`` and ``Data``.

torch and torch_geometric are imported inside the functions, so ``stgraph_sklearn.graph``
stays importable without them.
"""

from __future__ import annotations

from sklearn.utils._param_validation import validate_params

from ..data import SensorGraph

__all__ = ["from_edge_index", "from_pyg_data", "to_edge_index", "to_pyg_data"]


@validate_params({"graph": [SensorGraph]}, prefer_skip_nested_validation=True)
def to_edge_index(graph):
    """The edges of a sensor graph as PyTorch Geometric tensors.

    Parameters
    ----------
    graph : SensorGraph
        The graph.

    Returns
    -------
    edge_index : LongTensor of shape (2, n_edges)
        ``[source, target]`` node indices (PyG's convention, as ``graph.edge_index``).
    edge_weight : FloatTensor of shape (n_edges,)
        Edge weights.

    See Also
    --------
    from_edge_index : The inverse.
    to_pyg_data : The graph as a PyG ``Data`` object.

    Examples
    --------
    >>> from stgraph_sklearn.data import SensorGraph
    >>> from stgraph_sklearn.graph import to_edge_index
    >>> edge_index, edge_weight = to_edge_index(SensorGraph([[0], [1]], [0.5], ["a", "b"]))
    >>> edge_index
    tensor([[0],
            [1]])
    >>> edge_weight
    tensor([0.5000])
    """
    import torch

    return torch.as_tensor(graph.edge_index.copy()), torch.as_tensor(graph.edge_weight.copy())


@validate_params(
    {
        "edge_index": ["array-like"],
        "edge_weight": ["array-like", None],
        "node_names": ["array-like"],
        "node_modality": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def from_edge_index(edge_index, edge_weight=None, *, node_names, node_modality=None):
    """A sensor graph from PyG's ``edge_index`` (tensors or arrays).

    Parameters
    ----------
    edge_index : array-like or LongTensor of shape (2, n_edges)
        ``[source, target]`` node indices.
    edge_weight : array-like or Tensor of shape (n_edges,), default=None
        Non-negative weights; all ones if None.
    node_names : sequence of str
        One unique name per node (the graph's node count).
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the name up to its first ``":"``.

    Returns
    -------
    SensorGraph

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.graph import from_edge_index
    >>> from_edge_index(torch.tensor([[0, 1], [1, 0]]), node_names=["a", "b"]).to_dense()
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    """
    # SensorGraph reads tensors (detached, on the CPU) as arrays
    return SensorGraph(edge_index, edge_weight, node_names, node_modality)


@validate_params({"graph": [SensorGraph]}, prefer_skip_nested_validation=True)
def to_pyg_data(graph):
    """The sensor graph as a PyTorch Geometric ``Data`` object (no node features).

    Parameters
    ----------
    graph : SensorGraph
        The graph.

    Returns
    -------
    torch_geometric.data.Data
        With ``edge_index``, ``edge_weight``, ``num_nodes``, and the lists ``node_names``
        and ``node_modality``; :func:`from_pyg_data` reads it back.

    Examples
    --------
    >>> from stgraph_sklearn.graph import fully_connected, to_pyg_data
    >>> data = to_pyg_data(fully_connected(["a", "b", "c"]))
    >>> data.num_nodes, data.num_edges, data.node_names
    (3, 6, ['a', 'b', 'c'])
    """
    from torch_geometric.data import Data

    edge_index, edge_weight = to_edge_index(graph)
    return Data(
        edge_index=edge_index,
        edge_weight=edge_weight,
        num_nodes=graph.n_nodes,
        node_names=list(graph.node_names),
        node_modality=list(graph.node_modality),
    )


def from_pyg_data(data, node_names=None):
    """A sensor graph from a PyTorch Geometric ``Data`` object.

    Parameters
    ----------
    data : torch_geometric.data.Data
        Reads ``edge_index``, ``edge_weight`` (or a one-column ``edge_attr``; all ones if
        neither), ``num_nodes`` and, if present, ``node_names`` and ``node_modality``.
    node_names : sequence of str, default=None
        Node names; None takes ``data.node_names``, or ``"node:0"``, ``"node:1"``, ... when
        ``data`` has none.

    Returns
    -------
    SensorGraph

    Examples
    --------
    >>> from stgraph_sklearn.graph import from_pyg_data, fully_connected, to_pyg_data
    >>> graph = fully_connected(["a", "b", "c"])
    >>> from_pyg_data(to_pyg_data(graph)) == graph
    True
    """
    edge_index = getattr(data, "edge_index", None)
    if edge_index is None or getattr(data, "num_nodes", None) is None:
        raise TypeError(
            "from_pyg_data: 'data' must be a torch_geometric.data.Data with edge_index and "
            f"num_nodes. Got {type(data).__name__} instead."
        )
    weight = getattr(data, "edge_weight", None)
    if weight is None and getattr(data, "edge_attr", None) is not None:
        attr = data.edge_attr
        if attr.ndim == 2 and attr.shape[1] == 1:
            weight = attr[:, 0]
        elif attr.ndim == 1:
            weight = attr
        else:
            raise ValueError(
                "from_pyg_data: 'data.edge_attr' must hold one weight per edge, shape "
                f"(n_edges,) or (n_edges, 1). Got shape {tuple(attr.shape)} instead."
            )
    if node_names is None:
        node_names = getattr(data, "node_names", None)
        if node_names is None:
            node_names = [f"node:{i}" for i in range(int(data.num_nodes))]
    if len(node_names) != int(data.num_nodes):
        raise ValueError(
            f"from_pyg_data: 'node_names' must have one name per node ({int(data.num_nodes)}). "
            f"Got {len(node_names)} instead."
        )
    return SensorGraph(edge_index, weight, node_names, getattr(data, "node_modality", None))
