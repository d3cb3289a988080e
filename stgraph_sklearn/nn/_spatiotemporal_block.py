"""Spatiotemporal block: spatial graph convolution per frame, temporal convolution per node."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_float, check_int, check_option
from ._dense_graph_conv import DenseGraphConv
from ._graph_attention import GraphAttentionFusion
from ._partitioned_graph_conv import PartitionedGraphConv
from ._streaming import causal_context

SPATIAL_OPERATORS = {"adaptive", "dense", "partitioned", "attention"}


class SpatioTemporalBlock(nn.Module):
    """Spatial graph convolution per frame, then a temporal convolution per node.

    ``out = relu(x + dropout(temporal(relu(spatial(x))))) * mask``, where ``temporal`` is a
    depthwise-separable dilated convolution (kernel 3) shared by all nodes.

    Parameters
    ----------
    channels : int
        Input and output feature size.
    spatial : {"adaptive", "dense", "partitioned", "attention"}
        Spatial operator: :class:`DenseGraphConv` (``"adaptive"`` and ``"dense"``, which differ
        only in where the adjacency comes from), :class:`PartitionedGraphConv` or
        :class:`GraphAttentionFusion`.
    dilation : int, default=1
        Dilation of the temporal convolution.
    dropout : float, default=0.0
        Dropout probability on the temporal branch.
    num_nodes : int, default=None
        Number of nodes; required by ``"partitioned"`` (edge importance).
    num_partitions : int, default=2
        Number of partitions for ``"partitioned"``.
    heads : int, default=2
        Attention heads for ``"attention"``.
    causal : bool, default=False
        Left-padded temporal convolution (taps at ``t - 2d, t - d, t``): the output at frame
        ``t`` depends on no later frame. False centres it (``t - d, t, t + d``).

    Attributes
    ----------
    temporal_span : int
        Past frames the causal temporal convolution reads, ``2 * dilation`` (0 if not causal).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import SpatioTemporalBlock
    >>> block = SpatioTemporalBlock(8, "dense", dilation=2)
    >>> mask = torch.ones(2, 10, 3, dtype=torch.bool)
    >>> block(torch.randn(2, 10, 3, 8), torch.ones(3, 3), mask).shape
    torch.Size([2, 10, 3, 8])
    """

    def __init__(
        self,
        channels,
        spatial,
        dilation=1,
        dropout=0.0,
        *,
        num_nodes=None,
        num_partitions=2,
        heads=2,
        causal=False,
    ):
        super().__init__()
        owner = type(self).__name__
        c = self.channels = check_int(channels, "channels", owner)
        self.spatial_kind = check_option(spatial, "spatial", owner, SPATIAL_OPERATORS)
        d = check_int(dilation, "dilation", owner)
        check_float(dropout, "dropout", owner, 0.0, 1.0, include_high=False)
        if spatial == "partitioned":
            if num_nodes is None:
                raise ValueError(
                    f"The 'num_nodes' parameter of {owner} is required for spatial='partitioned'."
                )
            self.spatial = PartitionedGraphConv(c, c, num_partitions, num_nodes)
        elif spatial == "attention":
            self.spatial = GraphAttentionFusion(c, c, heads=heads)
        else:
            self.spatial = DenseGraphConv(c, c)
        self.causal = bool(causal)
        self.temporal_span = 2 * d if self.causal else 0
        self.temporal = nn.Sequential(
            nn.Conv1d(c, c, 3, padding=d, dilation=d, groups=c),
            nn.Conv1d(c, c, 1),
        )
        self.dropout = nn.Dropout(dropout)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the spatial and temporal operators."""
        self.spatial.reset_parameters()
        for conv in self.temporal:
            conv.reset_parameters()

    def _temporal_channels_last(self, h: Tensor) -> Tensor:
        """``self.temporal`` along axis 1 of a (B, T, N, C) tensor, without a layout change.

        The same function as the two Conv1d modules on the (B * N, C, T) view (zero padding
        included), computed as shifted multiply-adds and one matrix product on the
        contiguous channels-last tensor: permuting to (B * N, C, T) and back cost more than
        the convolutions themselves on CPU.
        """
        depthwise, pointwise = self.temporal
        d = depthwise.dilation[0]
        w = depthwise.weight[:, 0]  # (C, 3): taps at t - d, t, t + d (causal: t - 2d, t - d, t)
        if self.causal:
            full = causal_context(self, h, 2 * d, 1)
            t = h.shape[1]
            out = torch.addcmul(depthwise.bias, full[:, 2 * d :], w[:, 2])
            out = torch.addcmul(out, full[:, d : d + t], w[:, 1])
            out = torch.addcmul(out, full[:, :t], w[:, 0])
            return F.linear(out, pointwise.weight[:, :, 0], pointwise.bias)
        out = torch.addcmul(depthwise.bias, h, w[:, 1])
        if h.shape[1] > d:
            out[:, d:] += h[:, :-d] * w[:, 0]
            out[:, :-d] += h[:, d:] * w[:, 2]
        return F.linear(out, pointwise.weight[:, :, 0], pointwise.bias)

    def forward(self, x: Tensor, adj: Tensor | None, mask: Tensor | None) -> Tensor:
        """Apply the block.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features (zero where ``mask`` is False).
        adj : Tensor of shape (N, N), or (K, N, N) partitions for ``"partitioned"``
            Graph of the spatial operator (``None`` = fully connected for ``"attention"``).
        mask : BoolTensor of shape (B, T, N) or None
            False for missing nodes and padded frames; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, C)
            Output features, zero where ``mask`` is False.
        """
        m = None if mask is None else mask.unsqueeze(-1).to(x.dtype)
        h = F.relu(self.spatial(x, adj, mask))
        if m is not None:
            h = h * m
        h = self._temporal_channels_last(h)
        out = F.relu(x + self.dropout(h))
        return out if m is None else out * m
