"""Sparse (edge-list) graphs for the spatial operators: the path for large sensor graphs.

A masked dense adjacency materialises ``(B, T, N, N)`` (time and memory ``N**2`` per frame
whatever the graph); an edge list costs the number of edges. Below
``FixedGraph.min_sparse_nodes`` nodes the dense path is faster (``benchmarks/sparse_crossover.py`` measures the crossover;
its results are in ``benchmarks/results/sparse_crossover.txt``).
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class EdgeGraph(NamedTuple):
    """A graph as an edge list with one weight per edge and partition.

    Attributes
    ----------
    edge_index : LongTensor of shape (2, E)
        ``[source, target]`` node indices (PyTorch Geometric's convention).
    edge_weight : Tensor of shape (E, P)
        Non-negative weight of every edge in each of ``P`` partitions (``P = 1`` for a plain
        graph).
    num_nodes : int
        Number of nodes ``N``.
    dense : Tensor of shape (N, N) or (P, N, N), default=None
        The same graph, dense. When given, the operators use it for batches without missing
        nodes: one dense product over the node axis is faster there at every node count
        ``benchmarks/sparse_crossover.py`` measures, and the edge list serves the masked
        batches, where the dense path would build a ``(B, T, N, N)`` adjacency.
    """

    edge_index: Tensor
    edge_weight: Tensor
    num_nodes: int
    dense: Tensor | None = None


def dense_to_edge_graph(graph: Tensor) -> EdgeGraph:
    """Edge list of a dense ``(N, N)`` graph or ``(P, N, N)`` partitions.

    An edge is kept where any partition has a non-zero weight.

    Parameters
    ----------
    graph : Tensor of shape (N, N) or (P, N, N)
        ``graph[..., target, source]``.

    Returns
    -------
    EdgeGraph
    """
    parts = graph if graph.ndim == 3 else graph.unsqueeze(0)
    target, source = (parts != 0).any(0).nonzero(as_tuple=True)
    weight = parts[:, target, source].T.contiguous()
    return EdgeGraph(torch.stack([source, target]), weight, parts.shape[-1])


def masked_edge_weight(
    graph: EdgeGraph, node_mask: Tensor | None, row_sum: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Per-frame edge weights without the edges of missing nodes, rows rescaled.

    The edge-list form of :func:`masked_adjacency`: every edge from or to a missing node is
    removed at that frame, then the weights into each target are rescaled so that they sum
    to ``row_sum`` (1 when None) over all partitions.

    Parameters
    ----------
    graph : EdgeGraph
        Edge weights of shape (E, P).
    node_mask : BoolTensor of shape (B, T, N) or None
        False where a node is missing; ``None`` means all present.
    row_sum : Tensor of shape (N,), default=None
        Target sum of every row; ``None`` row-normalises.

    Returns
    -------
    weight : Tensor of shape (E, P), or (B, T, E, P) with a node mask
        Rescaled weights.
    empty : BoolTensor of shape (N,), or (B, T, N) with a node mask
        True for targets left with no edge (their weights are all zero).
    """
    source, target = graph.edge_index
    weight = graph.edge_weight
    if node_mask is not None:
        m = node_mask.to(weight.dtype)
        weight = weight * (m[..., source] * m[..., target]).unsqueeze(-1)
    total = weight.sum(-1)
    degree = total.new_zeros(*total.shape[:-1], graph.num_nodes).index_add_(-1, target, total)
    scale = 1.0 / degree.clamp_min(1e-12)
    if row_sum is not None:
        scale = scale * row_sum
    return weight * scale[..., target].unsqueeze(-1), degree <= 0


def propagate(x: Tensor, graph: EdgeGraph, weight: Tensor) -> Tensor:
    """Weighted sum of neighbour features with PyTorch Geometric's message passing.

    Parameters
    ----------
    x : Tensor of shape (B, T, N, P * C)
        Node features, one group of ``C`` channels per partition.
    graph : EdgeGraph
    weight : Tensor of shape (E, P) or (B, T, E, P)

    Returns
    -------
    Tensor of shape (B, T, N, C)
    """
    global _PROPAGATION
    if _PROPAGATION is None:
        from ._propagation import WeightedSumPropagation

        _PROPAGATION = WeightedSumPropagation()
    return _PROPAGATION(x, graph.edge_index, weight)


_PROPAGATION = None  # one stateless WeightedSumPropagation, built on first use
