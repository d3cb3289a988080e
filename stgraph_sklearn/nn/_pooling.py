"""Pooling over the present nodes of every frame."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_int


def masked_node_pool(x: Tensor, node_mask: Tensor | None = None) -> Tensor:
    """Mean over the present nodes of every frame.

    Parameters
    ----------
    x : Tensor of shape (B, T, N, C)
        Node features.
    node_mask : BoolTensor of shape (B, T, N), default=None
        False where a node is missing; ``None`` means all present.

    Returns
    -------
    Tensor of shape (B, T, C)
        Mean of the present nodes' features; zero on frames with no present node.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import masked_node_pool
    >>> x = torch.tensor([[[[1.0], [3.0], [100.0]]]])
    >>> masked_node_pool(x, torch.tensor([[[True, True, False]]]))
    tensor([[[2.]]])
    """
    if node_mask is None:
        return x.mean(dim=2)
    m = node_mask.unsqueeze(-1).to(x.dtype)
    total = torch.where(node_mask.unsqueeze(-1), x, 0.0).sum(dim=2)
    return total / m.sum(dim=2).clamp_min(1.0)


class AttentionNodePool(nn.Module):
    """Learned softmax attention over the present nodes of every frame.

    ``out[b, t] = sum_i softmax_i(w . x[b, t, i] + c) x[b, t, i]``, the softmax taken over
    present nodes only; frames with no present node give zero.

    Parameters
    ----------
    channels : int
        Feature size ``C``.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import AttentionNodePool
    >>> pool = AttentionNodePool(8)
    >>> pool(torch.randn(2, 5, 3, 8), torch.ones(2, 5, 3, dtype=torch.bool)).shape
    torch.Size([2, 5, 8])
    """

    def __init__(self, channels):
        super().__init__()
        self.channels = check_int(channels, "channels", type(self).__name__)
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
