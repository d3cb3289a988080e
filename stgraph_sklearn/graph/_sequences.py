"""The sensor graph that a segmenter's graph parameter names, checked against its input."""

from __future__ import annotations

from ..data import SensorGraph, default_node_names, names_conflict

__all__ = ["resolve_graph"]


def resolve_graph(graph, sequences, *, node_names, caller="resolve_graph"):
    """The sensor graph a ``graph`` parameter names: the input's own or a given one.

    Parameters
    ----------
    graph : "data" or SensorGraph
        ``"data"``: the graph the GraphSequences carry (from
        :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`), which must be the same for
        all of them. A SensorGraph: that graph, whose node names must be the input's, in
        order (:func:`~stgraph_sklearn.data.names_conflict`); the nodes of arrays, which
        carry default names, are taken by position.
    sequences : list of GraphSequence
        The input (see :func:`~stgraph_sklearn.data.as_graph_sequences`).
    node_names : sequence of str
        The input's node names, in the model's node order.
    caller : str, default="resolve_graph"
        Name used in error messages (the estimator's).

    Returns
    -------
    SensorGraph or None
        None for ``"data"`` when the sequences carry no graph.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import as_graph_sequences
    >>> from stgraph_sklearn.graph import fully_connected, resolve_graph
    >>> seqs = as_graph_sequences([np.zeros((5, 2, 3))])
    >>> print(resolve_graph("data", seqs, node_names=["x:0", "x:1"]))
    None
    >>> resolve_graph(fully_connected(["x:0", "x:1"]), seqs, node_names=["x:0", "x:1"])
    SensorGraph(n_nodes=2, n_edges=2)
    """
    if isinstance(graph, SensorGraph):
        # by name where the input names its nodes (as the transformers compare names), by
        # position for arrays' default names
        default = default_node_names(sequences[0].feature_shapes)
        if (
            sequences[0].graph is not None and graph.node_names != tuple(node_names)
        ) or names_conflict(node_names, graph.node_names, default):
            raise ValueError(
                f"{caller}: the given graph's nodes {list(graph.node_names)[:5]}... do not match "
                f"the input's nodes {list(node_names)[:5]}..."
            )
    elif isinstance(graph, str) and graph == "data":
        graph = sequences[0].graph
        if graph is None:
            return None
        for i, seq in enumerate(sequences):
            if seq.graph != graph:
                raise ValueError(
                    f"{caller}: X[{i}] carries a different sensor graph than X[0]; fit one "
                    "SensorGraphBuilder on all recordings so they share one graph."
                )
    else:
        raise ValueError(
            f"The 'graph' parameter of {caller} must be 'data' or a SensorGraph. "
            f"Got {graph!r} instead."
        )
    if graph.n_nodes != len(node_names):
        raise ValueError(
            f"{caller}: the graph has {graph.n_nodes} nodes but the input has {len(node_names)}."
        )
    return graph
