"""A given sensor graph held as a buffer: the graph module of models over a fixed graph."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ._adjacency import row_normalize
from ._checks import check_square_matrix


class FixedGraph(nn.Module):
    """A fixed (non-learned) graph that the spatial operators of a network read.

    The counterpart of :class:`AdaptiveAdjacency` for a graph given in advance: it stores
    the graph as a buffer (so it follows ``.to(device)`` and the state dict) and returns it
    on every call.

    Parameters
    ----------
    graph : array-like or Tensor of shape (N, N) or (K, N, N)
        Non-negative edge weights ``graph[target, source]``, or ``K`` partitions of them
        (``graph[k, target, source]``, e.g. from :func:`spatial_partitions`).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import FixedGraph, spatial_partitions
    >>> FixedGraph(torch.ones(3, 3))().shape
    torch.Size([3, 3])
    >>> FixedGraph(spatial_partitions(torch.ones(3, 3))).adjacency().sum(dim=1)
    tensor([1., 1., 1.])
    """

    def __init__(self, graph):
        super().__init__()
        owner = type(self).__name__
        shape = tuple(graph.shape) if torch.is_tensor(graph) else np.shape(graph)
        if len(shape) == 3:
            parts = [check_square_matrix(g, "graph", owner, shape[-1]) for g in graph]
            tensor = torch.stack(parts)
        else:
            n = shape[-1] if shape else 0
            tensor = check_square_matrix(graph, "graph", owner, n)
        self.num_nodes = tensor.shape[-1]
        self.register_buffer("graph", tensor)

    def reset_parameters(self):
        """Nothing to reset: the graph is given."""

    def forward(self) -> Tensor:
        """Return the graph.

        Returns
        -------
        Tensor of shape (N, N) or (K, N, N)
            The graph as given.
        """
        return self.graph

    @torch.no_grad()
    def adjacency(self) -> Tensor:
        """The graph as one row-stochastic adjacency (partitions summed), detached.

        Returns
        -------
        Tensor of shape (N, N)
            ``A[target, source]``, every row summing to one.
        """
        graph = self.graph.sum(0) if self.graph.ndim == 3 else self.graph
        return row_normalize(graph).clone()

    def extra_repr(self) -> str:
        return f"shape={tuple(self.graph.shape)}"
