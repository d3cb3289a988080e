"""Sensor graph construction: pure numpy functions returning SensorGraph objects or arrays.

Dense adjacency convention: ``A[target, source]``, so that aggregation is ``A @ x``.
``edge_index`` follows PyTorch Geometric (``[source, target]``); ``to_edge_index``,
``to_pyg_data`` and their inverses convert (torch and torch_geometric imported lazily).
"""

from ._construction import from_edges, fully_connected, modality_graph
from ._correlation import correlation_graph, pooled_correlation
from ._knn import knn_graph
from ._normalization import add_self_loops, normalized_adjacency
from ._pyg import from_edge_index, from_pyg_data, to_edge_index, to_pyg_data
from ._sequences import resolve_graph

__all__ = [
    "add_self_loops",
    "correlation_graph",
    "from_edge_index",
    "from_edges",
    "from_pyg_data",
    "fully_connected",
    "knn_graph",
    "modality_graph",
    "normalized_adjacency",
    "pooled_correlation",
    "resolve_graph",
    "to_edge_index",
    "to_pyg_data",
]
