"""Graph attention over the sensor graph of every frame, for cross-modal fusion."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch_geometric.nn import GATv2Conv

from ._checks import check_float, check_int


def frame_edge_index(adj: Tensor | None, node_mask: Tensor) -> Tensor:
    """Batched ``edge_index`` of all frames, without self-loops and edges of missing nodes.

    Parameters
    ----------
    adj : Tensor of shape (N, N) or None
        ``adj[target, source] != 0`` marks an edge; ``None`` means fully connected.
    node_mask : BoolTensor of shape (B, T, N)
        False where a node is missing.

    Returns
    -------
    LongTensor of shape (2, E_total)
        PyG ``[source, target]`` pairs over the ``B * T * N`` flattened nodes (frame ``f``'s
        node ``i`` has index ``f * N + i``).
    """
    n = node_mask.shape[-1]
    device = node_mask.device
    if adj is None:
        adj = torch.ones(n, n, device=device)
    structure = (adj != 0) & ~torch.eye(n, dtype=torch.bool, device=device)
    target, source = structure.nonzero(as_tuple=True)
    mask = node_mask.reshape(-1, n)
    offset = (torch.arange(mask.shape[0], device=device) * n).unsqueeze(1)
    keep = mask[:, source] & mask[:, target]  # (B * T, E)
    return torch.stack([(source + offset)[keep], (target + offset)[keep]])


class GraphAttentionFusion(nn.Module):
    """GATv2 attention over the sensor graph of every frame (cross-modal fusion).

    All ``B * T`` frame graphs are batched into one disjoint graph; edges touching a missing
    node are dropped for that frame. Each node attends over its present neighbours and itself
    (``GATv2Conv`` adds the self-loops). Edge weights of ``adj`` are not used: the attention
    learns them, ``adj`` only gives the structure. Slower than :class:`DenseGraphConv`.

    Parameters
    ----------
    in_channels : int
        Input feature size.
    out_channels : int
        Output feature size; must be divisible by ``heads`` (heads are concatenated).
    heads : int, default=2
        Number of attention heads.
    dropout : float, default=0.0
        Dropout on the attention coefficients.

    References
    ----------
    S. Brody, U. Alon and E. Yahav, "How Attentive are Graph Attention Networks?", ICLR 2022.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import GraphAttentionFusion
    >>> gat = GraphAttentionFusion(4, 8, heads=2)
    >>> gat(torch.randn(2, 5, 3, 4), None, torch.ones(2, 5, 3, dtype=torch.bool)).shape
    torch.Size([2, 5, 3, 8])
    """

    def __init__(self, in_channels, out_channels, heads=2, dropout=0.0):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_int(in_channels, "in_channels", owner)
        self.out_channels = check_int(out_channels, "out_channels", owner)
        self.heads = check_int(heads, "heads", owner)
        check_float(dropout, "dropout", owner, 0.0, 1.0, include_high=False)
        if self.out_channels % self.heads:
            raise ValueError(
                f"The 'out_channels' parameter of {owner} must be divisible by heads={self.heads}. "
                f"Got {self.out_channels} instead."
            )
        self.conv = GATv2Conv(
            self.in_channels,
            self.out_channels // self.heads,
            heads=self.heads,
            concat=True,
            dropout=dropout,
            add_self_loops=True,
        )
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the attention layer."""
        self.conv.reset_parameters()

    def forward(
        self, x: Tensor, adj: Tensor | None = None, node_mask: Tensor | None = None
    ) -> Tensor:
        """Attend over the graph of every frame.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C_in)
            Node features.
        adj : Tensor of shape (N, N), default=None
            Graph structure ``adj[target, source] != 0``; ``None`` means fully connected.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, C_out)
            Output features, zero for missing nodes.
        """
        b, t, n, _ = x.shape
        if node_mask is None:
            node_mask = torch.ones(b, t, n, dtype=torch.bool, device=x.device)
        x = torch.where(node_mask.unsqueeze(-1), x, 0.0)
        edge_index = frame_edge_index(adj, node_mask)
        out = self.conv(x.reshape(b * t * n, -1), edge_index).view(b, t, n, -1)
        return out * node_mask.unsqueeze(-1).to(out.dtype)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, heads={self.heads}"
