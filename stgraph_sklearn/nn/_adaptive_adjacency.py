"""Learned adjacency from node embeddings (Graph WaveNet / AGCRN), optionally mixed with a prior."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._adjacency import row_normalize
from ._checks import check_int, check_square_matrix


class AdaptiveAdjacency(nn.Module):
    r"""A row-stochastic adjacency learned from two node embeddings.

    .. math::
        A_{\mathrm{adp}} = \mathrm{softmax}(\mathrm{relu}(E_1 E_2^\top), \mathrm{dim}=1)

    so ``A[target, source]`` sums to one over sources. With a prior graph ``P`` the output is
    :math:`\alpha \hat{P} + (1 - \alpha) A_{\mathrm{adp}}`, where :math:`\hat{P}` is ``P``
    row-normalised and :math:`\alpha = \mathrm{sigmoid}(w)` with ``w`` learnable and
    initialised to 0 (``alpha = 0.5``). Either way every row sums to one.

    Parameters
    ----------
    num_nodes : int
        Number of nodes ``N``.
    embedding_dim : int, default=10
        Size of the node embeddings ``E_1, E_2`` (Graph WaveNet uses 10).
    prior : array-like or Tensor of shape (N, N), default=None
        Non-negative prior edge weights ``prior[target, source]`` (e.g. a correlation graph).
    learn_mix : bool, default=True
        Learn ``alpha``; if False it stays 0.5. Ignored without a prior.

    References
    ----------
    Z. Wu et al., "Graph WaveNet for Deep Spatial-Temporal Graph Modeling", IJCAI 2019.
    L. Bai et al., "Adaptive Graph Convolutional Recurrent Network for Traffic Forecasting",
    NeurIPS 2020.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import AdaptiveAdjacency
    >>> adj = AdaptiveAdjacency(5, embedding_dim=4)()
    >>> adj.shape
    torch.Size([5, 5])
    >>> bool(torch.allclose(adj.sum(dim=1), torch.ones(5)))
    True
    """

    def __init__(self, num_nodes, embedding_dim=10, prior=None, learn_mix=True):
        super().__init__()
        owner = type(self).__name__
        self.num_nodes = check_int(num_nodes, "num_nodes", owner)
        self.embedding_dim = check_int(embedding_dim, "embedding_dim", owner)
        self.source_emb = nn.Parameter(torch.empty(self.num_nodes, self.embedding_dim))
        self.target_emb = nn.Parameter(torch.empty(self.num_nodes, self.embedding_dim))
        if prior is None:
            self.register_buffer("prior", None)
            self.register_parameter("mix_logit", None)
        else:
            prior = check_square_matrix(prior, "prior", owner, self.num_nodes)
            self.register_buffer("prior", row_normalize(prior))
            if learn_mix:
                self.mix_logit = nn.Parameter(torch.zeros(()))
            else:
                self.register_buffer("mix_logit", torch.zeros(()))
        self.reset_parameters()

    def reset_parameters(self):
        """Redraw the embeddings (standard normal, as Graph WaveNet) and reset ``alpha`` to 0.5."""
        nn.init.normal_(self.source_emb)
        nn.init.normal_(self.target_emb)
        if self.mix_logit is not None:
            with torch.no_grad():
                self.mix_logit.zero_()

    @property
    def mix(self) -> float | None:
        """Current weight ``alpha`` of the prior, or None without a prior."""
        if self.mix_logit is None:
            return None
        return float(torch.sigmoid(self.mix_logit.detach()))

    def forward(self) -> Tensor:
        """Compute the current adjacency.

        Returns
        -------
        Tensor of shape (N, N)
            Row-stochastic adjacency ``A[target, source]``.
        """
        adaptive = F.softmax(F.relu(self.target_emb @ self.source_emb.T), dim=1)
        if self.prior is None:
            return adaptive
        alpha = torch.sigmoid(self.mix_logit)
        return alpha * self.prior + (1 - alpha) * adaptive

    @torch.no_grad()
    def adjacency(self) -> Tensor:
        """Current adjacency, detached.

        Returns
        -------
        Tensor of shape (N, N)
            Row-stochastic adjacency ``A[target, source]``.
        """
        return self().detach().clone()

    def extra_repr(self) -> str:
        return (
            f"{self.num_nodes}, embedding_dim={self.embedding_dim}, prior={self.prior is not None}"
        )
