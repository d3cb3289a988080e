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


class ConcatNodePool(nn.Module):
    """Per-node linear read-out summed over present nodes (concatenation pooling).

    ``out[b, t] = sum_i m[b, t, i] (W_i x[b, t, i] + u_i) + c``: equivalent to concatenating
    the ``N`` node vectors (missing ones zeroed) and the node mask, then one linear map. Unlike
    a mean or attention average, it keeps which sensor carries which pattern (a per-node
    ``W_i``), and ``u_i`` tells the read-out which sensors are present at each frame.

    Parameters
    ----------
    num_nodes : int
        Number of nodes ``N``.
    channels : int
        Node feature size ``C``.
    out_channels : int
        Output feature size.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import ConcatNodePool
    >>> pool = ConcatNodePool(3, 8, 16)
    >>> pool(torch.randn(2, 5, 3, 8), torch.ones(2, 5, 3, dtype=torch.bool)).shape
    torch.Size([2, 5, 16])
    """

    def __init__(self, num_nodes, channels, out_channels):
        super().__init__()
        owner = type(self).__name__
        self.num_nodes = check_int(num_nodes, "num_nodes", owner)
        self.channels = check_int(channels, "channels", owner)
        self.out_channels = check_int(out_channels, "out_channels", owner)
        self.lin = nn.Linear(self.num_nodes * (self.channels + 1), self.out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the read-out (PyTorch's Linear default)."""
        self.lin.reset_parameters()

    def forward(self, x: Tensor, node_mask: Tensor | None = None) -> Tensor:
        """Read out every frame.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, out_channels)
        """
        b, t, n, _ = x.shape
        if n != self.num_nodes:
            raise ValueError(f"Expected {self.num_nodes} nodes (got {n}).")
        if node_mask is None:
            node_mask = torch.ones(b, t, n, dtype=torch.bool, device=x.device)
        x = torch.where(node_mask.unsqueeze(-1), x, 0.0)
        flat = torch.cat([x.reshape(b, t, -1), node_mask.to(x.dtype)], dim=-1)
        return self.lin(flat)

    def extra_repr(self) -> str:
        return f"num_nodes={self.num_nodes}, {self.channels} -> {self.out_channels}"
