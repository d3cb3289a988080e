"""Graph convolution over the node axis of every frame, with per-frame node masks."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._adjacency import masked_adjacency, row_normalize
from ._checks import check_int, check_node_features, check_node_mask
from ._sparse import EdgeGraph, masked_edge_weight, propagate


class MaskedGraphConv(nn.Module):
    r"""Graph convolution of PyG's ``GraphConv`` on a dense, masked, per-frame adjacency.

    .. math::
        X' = \hat{A} X W_{\mathrm{rel}} + X W_{\mathrm{root}} + b

    where :math:`\hat{A}` is :func:`masked_adjacency` of ``adj`` (edges of missing nodes removed
    per frame, rows renormalised over present neighbours).

    The graph is a dense ``(N, N)`` tensor or an :class:`EdgeGraph` (what :class:`FixedGraph`
    returns for a large sparse graph): the edge list is aggregated by PyTorch Geometric
    message passing, with the same per-frame masking and normalisation.

    Parameters
    ----------
    in_channels : int
        Input feature size.
    out_channels : int
        Output feature size.
    bias : bool, default=True
        Whether to learn an additive bias.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import MaskedGraphConv
    >>> conv = MaskedGraphConv(4, 8)
    >>> conv(torch.randn(2, 5, 3, 4), torch.ones(3, 3), torch.ones(2, 5, 3, dtype=torch.bool)).shape
    torch.Size([2, 5, 3, 8])
    """

    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_int(in_channels, "in_channels", owner)
        self.out_channels = check_int(out_channels, "out_channels", owner)
        self.lin_rel = nn.Linear(self.in_channels, self.out_channels, bias=False)
        self.lin_root = nn.Linear(self.in_channels, self.out_channels, bias=bool(bias))
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise both linear maps."""
        self.lin_rel.reset_parameters()
        self.lin_root.reset_parameters()

    def forward(self, x: Tensor, adj: Tensor, node_mask: Tensor | None = None) -> Tensor:
        """Aggregate neighbours frame by frame.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C_in)
            Node features.
        adj : Tensor of shape (N, N) or (B, T, N, N), or EdgeGraph
            Non-negative edge weights ``adj[target, source]``, or an edge list with
            ``edge_weight`` of shape (E, 1).
        node_mask : BoolTensor of shape (B, T, N), default=None
            False where a node is missing; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, C_out)
            Output features, zero for missing nodes.
        """
        self._check_inputs(x, adj, node_mask)
        # Missing nodes are zeroed by fills, not products: NaN (or inf) in a missing node's
        # features must not reach its neighbours or its own output as NaN * 0.
        missing = None if node_mask is None else ~node_mask.unsqueeze(-1)
        if missing is not None and not bool(torch.isfinite(x).all()):
            # ... nor the weights' gradients (x^T grad): such inputs are filled first. Finite
            # inputs are left as they are (the fills below drop them), so the networks'
            # computation, and its float rounding, does not change.
            x = x.masked_fill(missing, 0.0)
        if isinstance(adj, EdgeGraph) and node_mask is None and adj.dense is not None:
            adj = adj.dense
        if isinstance(adj, EdgeGraph):
            h = self.lin_rel(x)
            h = h if missing is None else h.masked_fill(missing, 0.0)
            weight, empty = masked_edge_weight(adj, node_mask)
            # A node left with no edge keeps itself, as the identity rows of masked_adjacency.
            rel = propagate(h, adj, weight) + empty.unsqueeze(-1).to(h.dtype) * h
            out = rel + self.lin_root(x)
            return out if missing is None else out.masked_fill(missing, 0.0)
        xw = self.lin_rel(x)
        if adj.ndim == 2:
            rel = self._aggregate_shared(adj, xw, node_mask)
        else:
            xw = xw if missing is None else xw.masked_fill(missing, 0.0)
            rel = torch.matmul(masked_adjacency(adj, node_mask), xw)
        if not torch.is_grad_enabled():  # inference: the same sum, in place (no new tensor)
            out = self.lin_root(x).add_(rel)
            return out if missing is None else out.masked_fill_(missing, 0.0)
        out = rel + self.lin_root(x)
        return out if missing is None else out.masked_fill(missing, 0.0)

    def _check_inputs(self, x: Tensor, adj, node_mask: Tensor | None) -> None:
        """Raise ``ValueError`` naming the argument whose shape does not fit ``x``: a mask or
        graph of another shape would broadcast silently or fail deep inside torch."""
        owner = type(self).__name__
        check_node_features(x, self.in_channels, owner)
        b, t, n = x.shape[:3]
        check_node_mask(node_mask, (b, t, n), owner)
        if not isinstance(adj, (Tensor, EdgeGraph)):
            raise TypeError(
                f"{owner}: adj must be a Tensor of shape (N, N) or (B, T, N, N), or an "
                f"EdgeGraph. Got {type(adj).__name__} instead (a network whose graph blocks "
                "read no graph module gives None: pass one, e.g. "
                "GraphSegmentationNetwork(graph=...))."
            )
        if isinstance(adj, Tensor) and tuple(adj.shape) not in ((n, n), (b, t, n, n)):
            raise ValueError(
                f"{owner}: expected adj of shape (N, N) = {(n, n)} or (B, T, N, N) = "
                f"{(b, t, n, n)} for x of shape {tuple(x.shape)}. Got {tuple(adj.shape)}."
            )

    @staticmethod
    def _aggregate_shared(adj: Tensor, xw: Tensor, node_mask: Tensor | None) -> Tensor:
        """``masked_adjacency(adj, node_mask) @ xw`` for one (N, N) graph, without the
        per-frame (B, T, N, N) adjacency.

        With missing nodes' rows of ``xw`` zeroed, ``adj @ xw`` drops their edges; dividing
        by the degree over present neighbours, ``adj @ node_mask``, renormalises each row. A row with no present neighbour
        keeps the node itself, as :func:`masked_adjacency` does. One (N, N) x (N, B*T*C) product
        instead of B*T small ones: about twice as fast on CPU with missing sensors.
        """
        if node_mask is None:
            if not torch.is_grad_enabled():  # the same products; a contiguous result
                return torch.matmul(row_normalize(adj), xw)
            return torch.einsum("ij,btjc->btic", row_normalize(adj), xw)
        present = node_mask.to(xw.dtype)
        xw = xw.masked_fill(~node_mask.unsqueeze(-1), 0.0)
        degree = torch.einsum("ij,btj->bti", adj, present).unsqueeze(-1)
        agg = torch.einsum("ij,btjc->btic", adj, xw)
        out = agg / degree.clamp_min(1e-12)
        linked = degree > 0
        # The select (and its two-pass backward) only when some node has no present
        # neighbour: a learned graph links every pair, so it rarely has one.
        return out if bool(linked.all()) else torch.where(linked, out, xw)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}"
