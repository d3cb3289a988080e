"""Segmentation networks: the spatiotemporal graph network and the MS-TCN early-fusion baseline.

Both take ``forward(x, node_mask, frame_mask)`` with ``x`` a dict of ``(B, T, N_m, F_m)``
tensors and return MS-TCN-style logits of shape ``(S, B, K, T)``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_layout
from ._temporal import MultiStageTCN, mask_or_none


def _check_module(value, name, owner):
    if not isinstance(value, nn.Module):
        raise TypeError(
            f"The '{name}' parameter of {owner} must be a torch.nn.Module. "
            f"Got {type(value).__name__} instead."
        )


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
    """Spatiotemporal graph network for multimodal action segmentation, from its parts.

    ``encoder -> blocks (each reading graph()) -> readout -> temporal``: the modules are built
    by the caller (the graph segmenters compose them) and only wired here, so a new spatial
    operator, read-out or graph is a new module, not a new option.

    Parameters
    ----------
    encoder : ModalityEncoder
        Maps ``dict[str, (B, T, N_m, F_m)]`` and the node mask to node features
        ``(B, T, N, C)``; its ``num_nodes`` dict gives the node order.
    blocks : list of torch.nn.Module
        Applied in order as ``h = block(h, graph, mask)`` on ``(B, T, N, C)`` features, e.g.
        :class:`SpatioTemporalBlock` s. May be empty.
    readout : torch.nn.Module
        Maps ``(B, T, N, C)`` and the node mask to one vector per frame, ``(B, T, C_out)``,
        e.g. :class:`ConcatNodePool`.

        The node mask the encoder, the blocks and the read-out receive is a BoolTensor of
        shape (B, T, N), or ``None`` when every node of the batch is present (after sensor
        dropout), which skips the masking work: a custom module must accept both.
    temporal : torch.nn.Module
        Maps ``(B, C_out, T)`` and the frame mask to logits ``(S, B, K, T)``, e.g.
        :class:`MultiStageTCN`.
    graph : torch.nn.Module, default=None
        Called once per forward pass; its output is what the blocks receive as ``graph``
        (:class:`AdaptiveAdjacency` for a learned graph, :class:`FixedGraph` for a given one).
        Its ``adjacency()`` is exposed by :meth:`adjacency`.
    sensor_dropout : torch.nn.Module, default=None
        Applied to the node mask in training mode only, as
        ``node_mask = sensor_dropout(node_mask, frame_mask)`` before the encoder, e.g.
        :class:`SensorDropout` (hides whole sensors for random spans).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import (AdaptiveAdjacency, ConcatNodePool, GraphSegmentationNetwork,
    ...     MaskedGraphConv, ModalityEncoder, MultiStageTCN, SpatioTemporalBlock)
    >>> net = GraphSegmentationNetwork(
    ...     encoder=ModalityEncoder({"acc": 3}, {"acc": 4}, hidden_channels=4),
    ...     graph=AdaptiveAdjacency(4),
    ...     blocks=[SpatioTemporalBlock(4, MaskedGraphConv(4, 4), dilation=d) for d in (1, 2)],
    ...     readout=ConcatNodePool(4, 4, 8),
    ...     temporal=MultiStageTCN(8, 8, num_classes=5, num_stages=2, num_layers=3, dropout=0.5),
    ... )
    >>> net({"acc": torch.randn(1, 20, 4, 3)}, None, None).shape
    torch.Size([2, 1, 5, 20])
    """

    def __init__(self, encoder, blocks, readout, temporal, graph=None, sensor_dropout=None):
        super().__init__()
        owner = type(self).__name__
        for name, module in (("encoder", encoder), ("readout", readout), ("temporal", temporal)):
            _check_module(module, name, owner)
        for name, module in (("graph", graph), ("sensor_dropout", sensor_dropout)):
            if module is not None:
                _check_module(module, name, owner)
        blocks = list(blocks)
        for i, block in enumerate(blocks):
            _check_module(block, f"blocks[{i}]", owner)
        self.num_nodes = sum(encoder.num_nodes.values())
        width = getattr(encoder, "hidden_channels", None)
        # the sizes the parts declare (modules of this package do; others are not checked)
        wanted = [("graph", graph, "num_nodes", self.num_nodes, "nodes")]
        wanted += [(f"blocks[{i}]", b, "channels", width, "channels") for i, b in enumerate(blocks)]
        wanted += [("readout", readout, "num_nodes", self.num_nodes, "nodes")]
        wanted += [("readout", readout, "channels", width, "channels")]
        for name, module, attr, value, what in wanted:
            got = getattr(module, attr, None)
            if value is not None and isinstance(got, int) and got != value:
                raise ValueError(
                    f"The '{name}' parameter of {owner} must match the encoder's {value} "
                    f"{what}. Got {type(module).__name__} with {attr}={got} instead."
                )
        self.encoder = encoder
        self.graph = graph
        self.blocks = nn.ModuleList(blocks)
        self.readout = readout
        self.temporal = temporal
        self.sensor_dropout = sensor_dropout

    def reset_parameters(self):
        """Reinitialise every submodule."""
        for module in (self.encoder, self.graph, *self.blocks, self.readout, self.temporal):
            if module is not None:
                module.reset_parameters()

    @torch.no_grad()
    def adjacency(self) -> Tensor | None:
        """The graph module's current ``(N, N)`` adjacency ``A[target, source]``, detached.

        Returns
        -------
        Tensor of shape (N, N) or None
            ``graph.adjacency()``; None without a graph module.
        """
        return None if self.graph is None else self.graph.adjacency()

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
            False where a sensor is missing (N = sum of N_m, in the encoder's order).
        frame_mask : BoolTensor of shape (B, T), default=None
            False on padded frames.

        Returns
        -------
        Tensor of shape (S, B, K, T)
            Logits of every stage; zero on padded frames.
        """
        mask, frame_mask = _masks(x, node_mask, frame_mask, self.num_nodes)
        if self.training and self.sensor_dropout is not None:
            mask = self.sensor_dropout(mask, frame_mask)
        mask = mask_or_none(mask)  # None when every node is present: skips the masking work
        h = self.encoder(x, mask)
        graph = None if self.graph is None else self.graph()
        for block in self.blocks:
            h = block(h, graph, mask)
        return self.temporal(self.readout(h, mask).transpose(1, 2), frame_mask)


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
