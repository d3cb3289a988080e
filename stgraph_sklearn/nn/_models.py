"""Segmentation networks: the spatiotemporal graph network and the MS-TCN early-fusion baseline.

Both take ``forward(x, node_mask, frame_mask)`` with ``x`` a dict of ``(B, T, N_m, F_m)``
tensors and return MS-TCN-style logits of shape ``(S, B, K, T)``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._adaptive_adjacency import AdaptiveAdjacency
from ._adjacency import row_normalize, spatial_partitions
from ._checks import check_int, check_layout, check_option, check_square_matrix
from ._encoders import ModalityEncoder
from ._pooling import AttentionNodePool, ConcatNodePool, masked_node_pool
from ._spatiotemporal_block import SPATIAL_OPERATORS, SpatioTemporalBlock
from ._temporal import MultiStageTCN, mask_or_none

_PARTITIONS = {"uniform": 1, "distance": 2, "spatial": 3}


def _masks(x, node_mask, frame_mask, num_nodes):
    """Fill in default masks and return ``(node_mask & frame_mask, frame_mask)``."""
    first = next(iter(x.values()))
    b, t = first.shape[:2]
    if node_mask is None:
        node_mask = torch.ones(b, t, num_nodes, dtype=torch.bool, device=first.device)
    if frame_mask is None:
        frame_mask = torch.ones(b, t, dtype=torch.bool, device=first.device)
    if tuple(node_mask.shape) != (b, t, num_nodes) or tuple(frame_mask.shape) != (b, t):
        raise ValueError(
            f"Expected node_mask of shape ({b}, {t}, {num_nodes}) and frame_mask of shape "
            f"({b}, {t}) (got {tuple(node_mask.shape)} and {tuple(frame_mask.shape)})."
        )
    node_mask, frame_mask = node_mask.bool(), frame_mask.bool()
    return node_mask & frame_mask.unsqueeze(-1), frame_mask


class GraphSegmentationNetwork(nn.Module):
    """Spatiotemporal graph network for multimodal action segmentation.

    Per-modality encoders -> ``num_spatial_layers`` :class:`SpatioTemporalBlock` s (temporal
    dilations 1, 2, 4, ...) -> node read-out (concatenation or pooling over present nodes)
    -> :class:`MultiStageTCN`.

    Parameters
    ----------
    in_channels : dict of str to int
        Feature size of each modality; its order is the node order.
    num_nodes : dict of str to int
        Number of nodes of each modality (same keys and order).
    num_classes : int
        Number of classes ``K``.
    hidden_channels : int, default=64
        Width of the encoders, blocks and TCN stages.
    num_stages : int, default=4
        MS-TCN stages ``S``.
    num_layers : int, default=10
        Dilated residual layers per stage.
    num_spatial_layers : int, default=2
        Number of spatiotemporal blocks (0 = encoder, pooling and TCN only).
    spatial : {"adaptive", "dense", "partitioned", "attention"}, default="adaptive"
        ``"adaptive"``: learned graph (:class:`AdaptiveAdjacency`), mixed with ``adjacency`` if
        given. ``"dense"``: :class:`DenseGraphConv` on ``adjacency`` (fully connected if None).
        ``"partitioned"``: ST-GCN on :func:`spatial_partitions` of ``adjacency`` (required).
        ``"attention"``: :class:`GraphAttentionFusion` on the structure of ``adjacency`` (fully
        connected if None).
    adjacency : array-like or Tensor of shape (N, N), default=None
        Non-negative prior or given graph ``adjacency[target, source]``.
    embedding_dim : int, default=10
        Node-embedding size of the adaptive adjacency.
    dropout : float, default=0.5
        Dropout probability in the blocks and TCN layers.
    separable : bool or "refinement", default=False
        Depthwise-separable dilated convolutions in the TCN stages (see
        :class:`MultiStageTCN`). They halve the TCN's parameters but are not faster on CPU.
    pool : {"concat", "attention", "mean"}, default="concat"
        :class:`ConcatNodePool` (a per-node read-out: keeps which sensor moves),
        :class:`AttentionNodePool` or :func:`masked_node_pool` (permutation-invariant averages).
    partition_strategy : {"uniform", "distance", "spatial"}, default="distance"
        Partitioning for ``spatial="partitioned"``.
    node_channels : int, default=None
        Width of the per-node features (encoders and spatiotemporal blocks); ``None`` uses
        ``hidden_channels // 2``. With ``pool="concat"`` the TCN then reads
        ``N * (node_channels + 1)`` features per frame.
    share_refinement : bool, default=True
        Share the weights of the refinement stages (MS-TCN++; see :class:`MultiStageTCN`).
    causal : bool, default=False
        Left-padded temporal convolutions in the blocks and the TCN stages: the logits at
        frame ``t`` depend on no input after ``t`` (every other operation is per frame).
        Such a network can run on a live stream through :class:`TemporalStreamer`.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import GraphSegmentationNetwork
    >>> net = GraphSegmentationNetwork({"acc": 3}, {"acc": 4}, num_classes=5, hidden_channels=8,
    ...                                num_stages=2, num_layers=3)
    >>> net({"acc": torch.randn(1, 20, 4, 3)}, None, None).shape
    torch.Size([2, 1, 5, 20])
    """

    def __init__(
        self,
        in_channels,
        num_nodes,
        num_classes,
        hidden_channels=64,
        num_stages=4,
        num_layers=10,
        num_spatial_layers=2,
        spatial="adaptive",
        adjacency=None,
        embedding_dim=10,
        dropout=0.5,
        separable=False,
        pool="concat",
        partition_strategy="distance",
        node_channels=None,
        share_refinement=True,
        causal=False,
    ):
        super().__init__()
        owner = type(self).__name__
        hidden_channels = check_int(hidden_channels, "hidden_channels", owner)
        if node_channels is None:
            node_channels = max(hidden_channels // 2, 1)
        node_channels = check_int(node_channels, "node_channels", owner)
        self.spatial = check_option(spatial, "spatial", owner, SPATIAL_OPERATORS)
        check_option(pool, "pool", owner, {"attention", "mean", "concat"})
        check_option(partition_strategy, "partition_strategy", owner, set(_PARTITIONS))
        num_spatial_layers = check_int(num_spatial_layers, "num_spatial_layers", owner, min_value=0)
        self.encoder = ModalityEncoder(in_channels, num_nodes, node_channels)
        n = self.num_nodes = sum(self.encoder.num_nodes.values())
        if adjacency is not None:
            adjacency = check_square_matrix(adjacency, "adjacency", owner, n)
        self.graph = None
        if spatial == "adaptive":
            self.graph = AdaptiveAdjacency(n, embedding_dim, prior=adjacency)
        elif spatial == "partitioned":
            if adjacency is None:
                raise ValueError(
                    f"The 'adjacency' parameter of {owner} is required for spatial='partitioned' "
                    "(ST-GCN partitions a given graph). Got None instead."
                )
            self.register_buffer("partitions", spatial_partitions(adjacency, partition_strategy))
        else:
            self.register_buffer(
                "given_adjacency", adjacency if adjacency is not None else torch.ones(n, n)
            )
        self.blocks = nn.ModuleList(
            SpatioTemporalBlock(
                self.encoder.hidden_channels,
                spatial,
                dilation=2**i,
                dropout=dropout,
                num_nodes=n,
                num_partitions=_PARTITIONS[partition_strategy],
                causal=causal,
            )
            for i in range(num_spatial_layers)
        )
        if pool == "attention":
            self.pool = AttentionNodePool(node_channels)
        elif pool == "concat":
            self.pool = ConcatNodePool(n, node_channels, hidden_channels)
        else:
            self.pool = None
        self.tcn = MultiStageTCN(
            hidden_channels if pool == "concat" else node_channels,
            hidden_channels,
            num_classes,
            num_stages,
            num_layers,
            dropout,
            separable,
            share_refinement,
            causal,
        )

    def reset_parameters(self):
        """Reinitialise every submodule."""
        for module in (self.encoder, self.graph, *self.blocks, self.pool, self.tcn):
            if module is not None:
                module.reset_parameters()

    def _graph_input(self) -> Tensor:
        if self.spatial == "adaptive":
            return self.graph()
        if self.spatial == "partitioned":
            return self.partitions
        return self.given_adjacency

    @torch.no_grad()
    def adjacency(self) -> Tensor:
        """Current (N, N) row-stochastic adjacency ``A[target, source]``, detached.

        The learned graph for ``"adaptive"``; the normalised given graph otherwise (the sum of
        the partitions for ``"partitioned"``, without edge importance).
        """
        if self.spatial == "adaptive":
            return self.graph().detach().clone()
        if self.spatial == "partitioned":
            return self.partitions.sum(0).clone()
        return row_normalize(self.given_adjacency)

    def forward(
        self,
        x: dict[str, Tensor],
        node_mask: Tensor | None = None,
        frame_mask: Tensor | None = None,
    ) -> Tensor:
        """Segment a batch of recordings.

        Parameters
        ----------
        x : dict of str to Tensor of shape (B, T, N_m, F_m)
            Node features per modality.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a sensor is missing (N = sum of N_m, in ``in_channels`` order).
        frame_mask : BoolTensor of shape (B, T), default=None
            False on padded frames.

        Returns
        -------
        Tensor of shape (S, B, K, T)
            Logits of every stage; zero on padded frames.
        """
        mask, frame_mask = _masks(x, node_mask, frame_mask, self.num_nodes)
        mask = mask_or_none(mask)  # None when every node is present: skips the masking work
        h = self.encoder(x, mask)
        graph = self._graph_input()
        for block in self.blocks:
            h = block(h, graph, mask)
        h = masked_node_pool(h, mask) if self.pool is None else self.pool(h, mask)
        return self.tcn(h.transpose(1, 2), frame_mask)


class EarlyFusionTCN(nn.Module):
    """MS-TCN on all modalities concatenated (early fusion): the baseline.

    Every modality's ``N_m x F_m`` values are flattened and concatenated, the node mask is
    appended as ``N`` extra 0/1 channels (so missing sensors are visible, not just zeros),
    and the result goes through an exact (non-separable) :class:`MultiStageTCN`.

    Parameters
    ----------
    in_channels : dict of str to int
        Feature size of each modality.
    num_nodes : dict of str to int
        Number of nodes of each modality (same keys and order).
    num_classes : int
        Number of classes ``K``.
    hidden_channels : int, default=64
        Width of the TCN stages.
    num_stages : int, default=4
        Number of stages ``S``.
    num_layers : int, default=10
        Dilated residual layers per stage.
    dropout : float, default=0.5
        Dropout probability.
    causal : bool, default=False
        Left-padded (causal) dilated convolutions (see :class:`MultiStageTCN`).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import EarlyFusionTCN
    >>> net = EarlyFusionTCN({"acc": 3}, {"acc": 4}, num_classes=5, hidden_channels=8,
    ...                      num_stages=2, num_layers=3)
    >>> net({"acc": torch.randn(1, 20, 4, 3)}, None, None).shape
    torch.Size([2, 1, 5, 20])
    """

    def __init__(
        self,
        in_channels,
        num_nodes,
        num_classes,
        hidden_channels=64,
        num_stages=4,
        num_layers=10,
        dropout=0.5,
        causal=False,
    ):
        super().__init__()
        owner = type(self).__name__
        self.in_channels, self.num_nodes = check_layout(in_channels, num_nodes, owner)
        n = sum(self.num_nodes.values())
        width = sum(self.num_nodes[k] * f for k, f in self.in_channels.items()) + n
        self.tcn = MultiStageTCN(
            width, hidden_channels, num_classes, num_stages, num_layers, dropout, causal=causal
        )

    def reset_parameters(self):
        """Reinitialise the TCN."""
        self.tcn.reset_parameters()

    def forward(
        self,
        x: dict[str, Tensor],
        node_mask: Tensor | None = None,
        frame_mask: Tensor | None = None,
    ) -> Tensor:
        """Segment a batch of recordings.

        Parameters
        ----------
        x : dict of str to Tensor of shape (B, T, N_m, F_m)
            Node features per modality.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a sensor is missing.
        frame_mask : BoolTensor of shape (B, T), default=None
            False on padded frames.

        Returns
        -------
        Tensor of shape (S, B, K, T)
            Logits of every stage; zero on padded frames.
        """
        if set(x) != set(self.in_channels):
            raise ValueError(f"Expected modalities {sorted(self.in_channels)} (got {sorted(x)}).")
        mask, frame_mask = _masks(x, node_mask, frame_mask, sum(self.num_nodes.values()))
        parts, start = [], 0
        for name, n_m in self.num_nodes.items():
            x_m = x[name]
            if x_m.ndim != 4 or x_m.shape[2:] != (n_m, self.in_channels[name]):
                raise ValueError(
                    f"Expected x[{name!r}] of shape (B, T, {n_m}, {self.in_channels[name]}) "
                    f"(got {tuple(x_m.shape)})."
                )
            x_m = torch.where(mask[..., start : start + n_m, None], x_m, 0.0)
            parts.append(x_m.flatten(2))
            start += n_m
        parts.append(mask.to(parts[0].dtype))
        features = torch.cat(parts, dim=-1).transpose(1, 2)
        return self.tcn(features, frame_mask)
