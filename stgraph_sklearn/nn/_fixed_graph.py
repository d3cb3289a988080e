"""A given sensor graph held as a buffer: the graph module of models over a fixed graph."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ._adjacency import row_normalize
from ._checks import check_square_matrix
from ._sparse import EdgeGraph, dense_to_edge_graph


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
    sparse : bool or None, default=None
        Return the graph as an :class:`EdgeGraph` (edge list, aggregated by PyTorch
        Geometric message passing) instead of the dense tensor. ``None`` chooses the sparse
        form for graphs of at least ``min_sparse_nodes`` nodes and at most
        ``max_sparse_density`` of the possible edges, the crossover measured by
        ``benchmarks/sparse_crossover.py``. Both forms give the same outputs.

    Attributes
    ----------
    sparse : bool
        The form chosen.
    min_sparse_nodes : int
        Class attribute, 384: the node count from which the sparse form was faster in every
        case with missing sensors (``benchmarks/results/sparse_crossover.txt``).
    max_sparse_density : float
        Class attribute, 0.25: the largest share of the ``N**2`` possible edges for which
        the sparse form is chosen.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import FixedGraph, spatial_partitions
    >>> FixedGraph(torch.ones(3, 3))().shape
    torch.Size([3, 3])
    >>> FixedGraph(spatial_partitions(torch.ones(3, 3))).adjacency().sum(dim=1)
    tensor([1., 1., 1.])
    """

    min_sparse_nodes = 384
    max_sparse_density = 0.25

    def __init__(self, graph, sparse=None):
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
        if sparse is not None and not isinstance(sparse, bool):
            raise ValueError(
                f"The 'sparse' parameter of {owner} must be a bool or None. Got {sparse!r} instead."
            )
        if sparse is None:
            n_edges = int((tensor != 0).any(0).sum() if tensor.ndim == 3 else (tensor != 0).sum())
            n = self.num_nodes
            sparse = n >= self.min_sparse_nodes and n_edges <= self.max_sparse_density * n * n
        self.sparse = sparse
        if self.sparse:
            edges = dense_to_edge_graph(tensor)
            # Derived from ``graph``: not saved, so both forms share one state dict.
            self.register_buffer("edge_index", edges.edge_index, persistent=False)
            self.register_buffer("edge_weight", edges.edge_weight, persistent=False)

    def reset_parameters(self):
        """Nothing to reset: the graph is given."""

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # the edge list is derived from ``graph`` (not saved): rebuild it from the loaded one,
        # or the masked (edge list) and unmasked (dense) paths would use different graphs
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if self.sparse:
            edges = dense_to_edge_graph(self.graph)
            self.edge_index, self.edge_weight = edges.edge_index, edges.edge_weight

    def forward(self) -> Tensor | EdgeGraph:
        """Return the graph.

        Returns
        -------
        Tensor of shape (N, N) or (K, N, N), or EdgeGraph
            The graph as given, or its edge list (``edge_weight`` of shape (E, K)) when
            ``sparse``.
        """
        if self.sparse:
            return EdgeGraph(self.edge_index, self.edge_weight, self.num_nodes, self.graph)
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
        return f"shape={tuple(self.graph.shape)}, sparse={self.sparse}"
