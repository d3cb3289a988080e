"""PyTorch Geometric message passing over the nodes of every frame (imported lazily).

This module imports torch_geometric; the rest of :mod:`stgraph_sklearn.nn` imports it only
when a sparse graph path runs, so ``import stgraph_sklearn`` does not pay for it.
"""

from __future__ import annotations

from torch import Tensor
from torch_geometric.nn import MessagePassing


class WeightedSumPropagation(MessagePassing):
    r"""Weighted sum of neighbour messages on frame-batched node features.

    .. math::
        x'_i = \sum_{j \to i} \sum_p w_{ji,p}\, x_{j,p}

    where ``x`` holds ``P`` feature groups of ``C`` channels (one per partition) and every
    edge has one weight per group. Nodes are on axis 2 of ``(B, T, N, P * C)``, so all frames
    share one ``edge_index`` and the weights may differ per frame.
    """

    def __init__(self):
        super().__init__(aggr="add", node_dim=2)

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor) -> Tensor:
        """Aggregate.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, P * C)
            Node features, ``P`` groups of ``C`` channels.
        edge_index : LongTensor of shape (2, E)
            ``[source, target]`` pairs.
        edge_weight : Tensor of shape (E, P) or (B, T, E, P)
            Weight of every edge for every group, shared by all frames or per frame.

        Returns
        -------
        Tensor of shape (B, T, N, C)
        """
        return self.propagate(edge_index, x=x, edge_weight=edge_weight)

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        groups = edge_weight.shape[-1]
        if groups == 1:
            return x_j * edge_weight
        return (x_j.unflatten(-1, (groups, -1)) * edge_weight.unsqueeze(-1)).sum(-2)

    def aggregate(self, inputs: Tensor, index: Tensor, ptr=None, dim_size=None) -> Tensor:
        # PyG's sum aggregation broadcasts ``index`` to the full (B, T, E, C) shape when the
        # nodes are not on axis 0; index_add_ along the node axis reads it once.
        shape = list(inputs.shape)
        shape[self.node_dim] = dim_size
        return inputs.new_zeros(shape).index_add_(self.node_dim, index, inputs)
