"""Read-out of the nodes of every frame into one vector per frame."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_int, check_node_features, check_node_mask


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
        owner = type(self).__name__
        check_node_features(x, self.channels, owner)
        b, t, n, _ = x.shape
        if n != self.num_nodes:
            raise ValueError(
                f"{owner}: expected x with {self.num_nodes} nodes, (B, T, {self.num_nodes}, "
                f"{self.channels}). Got shape {tuple(x.shape)}."
            )
        check_node_mask(node_mask, (b, t, n), owner)
        nc = n * self.channels
        if node_mask is None:
            # Every presence flag is 1: their weights fold into the bias (no concatenation).
            bias = self.lin.bias + self.lin.weight[:, nc:].sum(1)
            return F.linear(x.reshape(b, t, nc), self.lin.weight[:, :nc], bias)
        x = torch.where(node_mask.unsqueeze(-1), x, 0.0)
        flat = torch.cat([x.reshape(b, t, nc), node_mask.to(x.dtype)], dim=-1)
        return self.lin(flat)

    def extra_repr(self) -> str:
        return f"num_nodes={self.num_nodes}, {self.channels} -> {self.out_channels}"
