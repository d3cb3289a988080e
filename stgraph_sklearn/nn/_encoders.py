"""Per-modality input encoder: every modality's node features to one shared width."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_int, check_layout, check_node_mask


class ModalityEncoder(nn.Module):
    """Map each modality's node features to ``hidden_channels`` and stack all nodes.

    One :class:`~torch.nn.Linear` per modality (``F_m -> hidden_channels``), shared across that
    modality's nodes, plus an optional learnable embedding per node, added so that nodes of one
    modality stay distinguishable.

    Parameters
    ----------
    in_channels : dict of str to int
        Feature size ``F_m`` of each modality. Its order is the node order of the output.
    num_nodes : dict of str to int
        Number of nodes ``N_m`` of each modality (same keys as ``in_channels``).
    hidden_channels : int
        Output feature size ``H``.
    node_embedding : bool, default=True
        Whether to add a learnable ``(N, H)`` node embedding.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import ModalityEncoder
    >>> enc = ModalityEncoder({"acc": 3, "video": 16}, {"acc": 4, "video": 1}, hidden_channels=8)
    >>> x = {"acc": torch.randn(2, 5, 4, 3), "video": torch.randn(2, 5, 1, 16)}
    >>> enc(x, torch.ones(2, 5, 5, dtype=torch.bool)).shape
    torch.Size([2, 5, 5, 8])
    """

    def __init__(self, in_channels, num_nodes, hidden_channels, node_embedding=True):
        super().__init__()
        owner = type(self).__name__
        self.in_channels, self.num_nodes = check_layout(in_channels, num_nodes, owner)
        self.hidden_channels = check_int(hidden_channels, "hidden_channels", owner)
        # nn.ModuleDict keys may not contain "."; a list in modality order avoids that.
        self.lins = nn.ModuleList(
            nn.Linear(f, self.hidden_channels) for f in self.in_channels.values()
        )
        total = sum(self.num_nodes.values())
        self.node_emb = (
            nn.Parameter(torch.empty(total, self.hidden_channels)) if node_embedding else None
        )
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the linear maps and the node embedding (normal, std 0.1)."""
        for lin in self.lins:
            lin.reset_parameters()
        if self.node_emb is not None:
            nn.init.normal_(self.node_emb, std=0.1)

    def forward(self, x: dict[str, Tensor], node_mask: Tensor | None = None) -> Tensor:
        """Encode and concatenate all modalities along the node axis.

        Parameters
        ----------
        x : dict of str to Tensor of shape (B, T, N_m, F_m)
            Node features per modality (looked up by name; node order follows ``in_channels``).
            Values of missing nodes are ignored, NaN included.
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, H)
            Encoded nodes, exactly zero where ``node_mask`` is False.
        """
        owner = type(self).__name__
        if set(x) != set(self.in_channels):
            raise ValueError(
                f"{owner}: expected x with the modalities {sorted(self.in_channels)}. Got "
                f"{sorted(x)}."
            )
        b, t = next(iter(x.values())).shape[:2]
        check_node_mask(node_mask, (b, t, sum(self.num_nodes.values())), owner)
        outs, start = [], 0
        for (name, n_m), lin in zip(self.num_nodes.items(), self.lins, strict=True):
            x_m = x[name]
            f_m = self.in_channels[name]
            if x_m.ndim != 4 or tuple(x_m.shape[:2]) != (b, t) or x_m.shape[2:] != (n_m, f_m):
                raise ValueError(
                    f"{owner}: expected x[{name!r}] of shape (B, T, {n_m}, {f_m}) with the B, T "
                    f"= {b}, {t} of every modality. Got {tuple(x_m.shape)}."
                )
            if node_mask is not None:
                x_m = torch.where(node_mask[..., start : start + n_m, None], x_m, 0.0)
            outs.append(lin(x_m))
            start += n_m
        out = torch.cat(outs, dim=2)
        if self.node_emb is not None:
            out = out + self.node_emb
        if node_mask is not None:
            out = out * node_mask.unsqueeze(-1).to(out.dtype)
        return out

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, num_nodes={self.num_nodes}"
