"""Sensor graph construction: pure numpy functions returning SensorGraph objects or arrays.

Dense adjacency convention: ``A[target, source]``, so that aggregation is ``A @ x``.
"""

from ._construction import from_edges, fully_connected, modality_graph
from ._correlation import correlation_graph, pooled_correlation
from ._knn import knn_graph
from ._normalization import add_self_loops, normalized_adjacency

__all__ = [
    "add_self_loops",
    "correlation_graph",
    "from_edges",
    "fully_connected",
    "knn_graph",
    "modality_graph",
    "normalized_adjacency",
    "pooled_correlation",
]
