"""Network variants that no segmenter uses, kept for the ablation in ``graph_ablation.py``.

The library builds the graph segmenters from modules of :mod:`stgraph_sklearn.nn`; the
variants below are the alternatives the ablation compares the defaults against:
attention pooling over sensors instead of the per-node read-out, and depthwise-separable
dilated convolutions in the MS-TCN stages.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from stgraph_sklearn.nn import MultiStageTCN

__all__ = ["AttentionNodePool", "make_separable"]


class AttentionNodePool(nn.Module):
    """Learned softmax attention over the present nodes of every frame.

    ``out[b, t] = sum_i softmax_i(w . x[b, t, i] + c) x[b, t, i]``, the softmax taken over
    present nodes only; frames with no present node give zero.

    Parameters
    ----------
    channels : int
        Feature size ``C``.
    """

    def __init__(self, channels):
        super().__init__()
        self.channels = int(channels)
        self.score = nn.Linear(self.channels, 1)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the scoring layer."""
        self.score.reset_parameters()

    def attention(self, x: Tensor, node_mask: Tensor | None = None) -> Tensor:
        """Attention weights of the nodes.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing.

        Returns
        -------
        Tensor of shape (B, T, N)
            Weights summing to one over present nodes (all zero on frames with none).
        """
        scores = self.score(x).squeeze(-1)
        if node_mask is None:
            return torch.softmax(scores, dim=-1)
        # A finite fill value (not -inf) keeps frames with no present node free of NaN.
        scores = scores.masked_fill(~node_mask, torch.finfo(scores.dtype).min)
        return torch.softmax(scores, dim=-1) * node_mask.to(scores.dtype)

    def forward(self, x: Tensor, node_mask: Tensor | None = None) -> Tensor:
        """Pool the nodes of every frame.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, C)
            Attention-weighted sum of the present nodes' features.
        """
        weights = self.attention(x, node_mask)
        if node_mask is not None:
            x = torch.where(node_mask.unsqueeze(-1), x, 0.0)
        return (weights.unsqueeze(-1) * x).sum(dim=2)


def make_separable(tcn: MultiStageTCN) -> MultiStageTCN:
    """Factorise every dilated convolution of ``tcn`` into depthwise + pointwise, in place.

    Each ``DilatedResidualLayer``'s kernel-3 convolution (4C**2 + 2C parameters with its 1x1)
    becomes a depthwise kernel-3 convolution followed by a 1x1 convolution, before the ReLU
    (2C**2 + 6C): half the parameters, channels still mixed before the non-linearity.

    Returns
    -------
    MultiStageTCN
        ``tcn`` itself.
    """
    for stage in tcn.stages:
        for layer in stage.layers:
            c, d = layer.channels, layer.dilation
            layer.conv_dilated = nn.Sequential(
                nn.Conv1d(c, c, 3, padding=d, dilation=d, groups=c), nn.Conv1d(c, c, 1)
            )
    return tcn
