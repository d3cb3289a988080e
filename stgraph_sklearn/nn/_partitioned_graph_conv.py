"""ST-GCN spatial graph convolution with neighbour partitions and learnable edge importance."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_int, check_node_features, check_node_mask
from ._sparse import EdgeGraph, masked_edge_weight, propagate


class PartitionedGraphConv(nn.Module):
    r"""Spatial graph convolution of ST-GCN (Yan et al., AAAI 2018).

    .. math::
        X' = \sum_k (\hat{A}_k \odot M_k)\, X W_k + b

    with partitions :math:`A_k` (see :func:`spatial_partitions`) and learnable edge importance
    :math:`M_k`, initialised to ones. Per frame, edges from and to missing nodes are removed and
    each row of the partitions is rescaled so that :math:`\sum_k \hat{A}_k` stays
    row-stochastic over present neighbours; :math:`M_k` multiplies after that normalisation.
    The partitions are a dense ``(K, N, N)`` tensor or an :class:`EdgeGraph` with ``K``
    weights per edge (what :class:`FixedGraph` returns for a large sparse graph), aggregated
    by PyTorch Geometric message passing with the same masking and rescaling.

    Parameters
    ----------
    in_channels : int
        Input feature size.
    out_channels : int
        Output feature size.
    num_partitions : int
        Number of partitions ``K`` (1 uniform, 2 distance, 3 spatial).
    num_nodes : int
        Number of nodes ``N`` (the size of the edge-importance weights).
    edge_importance : bool, default=True
        Whether to learn the ``(K, N, N)`` edge-importance weights ``M_k``.

    Notes
    -----
    Partitions from :func:`spatial_partitions` always contain the self-loop, so a present node
    keeps at least itself when all its neighbours are missing.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import PartitionedGraphConv, spatial_partitions
    >>> parts = spatial_partitions(torch.ones(3, 3), strategy="distance")
    >>> conv = PartitionedGraphConv(4, 8, num_partitions=2, num_nodes=3)
    >>> conv(torch.randn(2, 5, 3, 4), parts, torch.ones(2, 5, 3, dtype=torch.bool)).shape
    torch.Size([2, 5, 3, 8])
    """

    def __init__(self, in_channels, out_channels, num_partitions, num_nodes, edge_importance=True):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_int(in_channels, "in_channels", owner)
        self.out_channels = check_int(out_channels, "out_channels", owner)
        self.num_partitions = check_int(num_partitions, "num_partitions", owner)
        self.num_nodes = check_int(num_nodes, "num_nodes", owner)
        self.lin = nn.Linear(self.in_channels, self.num_partitions * self.out_channels, bias=False)
        self.bias = nn.Parameter(torch.empty(self.out_channels))
        if edge_importance:
            shape = (self.num_partitions, self.num_nodes, self.num_nodes)
            self.edge_importance = nn.Parameter(torch.empty(shape))
        else:
            self.register_parameter("edge_importance", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the weights; edge importance back to ones."""
        self.lin.reset_parameters()
        nn.init.zeros_(self.bias)
        if self.edge_importance is not None:
            nn.init.ones_(self.edge_importance)

    def forward(self, x: Tensor, partitions: Tensor, node_mask: Tensor | None = None) -> Tensor:
        """Convolve every frame over the partitioned graph.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C_in)
            Node features.
        partitions : Tensor of shape (K, N, N), or EdgeGraph
            ``partitions[k, target, source]``, e.g. from :func:`spatial_partitions`, or an
            edge list with ``edge_weight`` of shape (E, K).
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, C_out)
            Output features, zero for missing nodes.
        """
        k, n = self.num_partitions, self.num_nodes
        owner = type(self).__name__
        check_node_features(x, self.in_channels, owner)
        check_node_mask(node_mask, (*x.shape[:2], n), owner)
        if node_mask is not None:
            # missing nodes zeroed by a fill, not a product: their NaN must not reach a
            # neighbour (or the weights' gradients) as NaN * 0
            x = x.masked_fill(~node_mask.unsqueeze(-1), 0.0)
        if isinstance(partitions, EdgeGraph):
            if node_mask is not None or partitions.dense is None:
                return self._forward_sparse(x, partitions, node_mask)
            partitions = partitions.dense
        if x.shape[2] != n or partitions.shape != (k, n, n):
            raise ValueError(
                f"{owner}: expected x of shape (B, T, {n}, C) and partitions of shape "
                f"({k}, {n}, {n}). Got {tuple(x.shape)} and {tuple(partitions.shape)}."
            )
        h = self.lin(x).unflatten(-1, (k, self.out_channels))  # (B, T, N, K, C_out)
        if node_mask is None:
            a = partitions
            if self.edge_importance is not None:
                a = a * self.edge_importance
            return torch.einsum("kij,btjko->btio", a, h) + self.bias
        m = node_mask.to(x.dtype)
        pair = (m.unsqueeze(-1) * m.unsqueeze(-2)).unsqueeze(2)  # (B, T, 1, N, N)
        a = partitions * pair  # (B, T, K, N, N)
        # Rescale each row so that the partitions keep their original row sum over present nodes.
        full = partitions.sum(dim=(0, 2)).view(n, 1)
        kept = a.sum(dim=(2, 4)).unsqueeze(2).unsqueeze(-1)  # (B, T, 1, N, 1)
        a = a * (full / kept.clamp_min(1e-12))
        if self.edge_importance is not None:
            a = a * self.edge_importance
        out = torch.einsum("btkij,btjko->btio", a, h) + self.bias
        return out.masked_fill(~node_mask.unsqueeze(-1), 0.0)

    def _forward_sparse(self, x: Tensor, graph: EdgeGraph, node_mask: Tensor | None) -> Tensor:
        k, n = self.num_partitions, self.num_nodes
        if x.shape[2] != n or graph.num_nodes != n or graph.edge_weight.shape[-1] != k:
            raise ValueError(
                f"Expected x of shape (B, T, {n}, C) and an edge list over {n} nodes with {k} "
                f"weights per edge (got {tuple(x.shape)}, {graph.num_nodes} nodes and "
                f"{graph.edge_weight.shape[-1]} weights)."
            )
        h = self.lin(x)  # (B, T, N, K * C_out)
        weight = graph.edge_weight
        if node_mask is not None:
            source, target = graph.edge_index
            full = weight.new_zeros(n).index_add_(0, target, weight.sum(-1))
            weight, _ = masked_edge_weight(graph, node_mask, row_sum=full)
        if self.edge_importance is not None:
            source, target = graph.edge_index
            weight = weight * self.edge_importance[:, target, source].T
        out = propagate(h, graph, weight) + self.bias
        return out if node_mask is None else out.masked_fill(~node_mask.unsqueeze(-1), 0.0)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, num_partitions={self.num_partitions}"
