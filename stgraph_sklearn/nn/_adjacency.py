"""Functional graph helpers: per-frame masking of an adjacency and ST-GCN partitions.

Adjacency convention everywhere in :mod:`stgraph_sklearn.nn`: a dense matrix ``A[target, source]``,
so that aggregation over the node axis is ``A @ x``.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import Tensor

from ._checks import check_node_mask, check_option, check_square_matrix


def row_normalize(adj: Tensor) -> Tensor:
    """Divide each row by its sum; a row that sums to zero becomes the identity row.

    Parameters
    ----------
    adj : Tensor of shape (..., N, N)
        Non-negative edge weights, ``adj[..., target, source]``.

    Returns
    -------
    Tensor of shape (..., N, N)
        Row-stochastic matrix.
    """
    eye = torch.eye(adj.shape[-1], dtype=adj.dtype, device=adj.device)
    degree = adj.sum(dim=-1, keepdim=True)
    return torch.where(degree > 0, adj / degree.clamp_min(1e-12), eye)


def masked_adjacency(adj: Tensor, node_mask: Tensor | None = None) -> Tensor:
    """Remove the edges of missing nodes frame by frame and renormalise the rows.

    Parameters
    ----------
    adj : Tensor of shape (N, N) or (B, T, N, N)
        Non-negative edge weights ``adj[target, source]`` (self-loops included if wanted).
    node_mask : BoolTensor of shape (B, T, N), default=None
        False where a node (sensor) is missing at that frame. ``None`` means all present.

    Returns
    -------
    Tensor of shape (B, T, N, N), or (N, N) when ``node_mask`` is None
        Row-stochastic adjacency: for each frame, every edge from or to a missing node is
        removed, then each row is divided by its sum, so a node averages over its *present*
        neighbours with the original relative weights. A row left with no edge (a node with no
        present neighbour, or a missing node) becomes the identity row: the node keeps only
        itself. Missing nodes therefore never reach present ones.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import masked_adjacency
    >>> adj = torch.ones(3, 3)
    >>> mask = torch.tensor([[[True, True, False]]])
    >>> masked_adjacency(adj, mask)[0, 0]
    tensor([[0.5000, 0.5000, 0.0000],
            [0.5000, 0.5000, 0.0000],
            [0.0000, 0.0000, 1.0000]])
    """
    if node_mask is None:
        return row_normalize(adj)
    n = adj.shape[-1]
    frames = tuple(adj.shape[:2]) if adj.ndim == 4 else tuple(node_mask.shape[:2])
    check_node_mask(node_mask, (*frames, n), "masked_adjacency")
    mask = node_mask.to(adj.dtype)
    adj = adj * mask.unsqueeze(-1) * mask.unsqueeze(-2)
    return row_normalize(adj)


def _hop_distances(binary: np.ndarray) -> np.ndarray:
    """All-pairs hop distances of an undirected binary graph (``inf`` when unreachable)."""
    n = binary.shape[0]
    dist = np.full((n, n), np.inf)
    reach = np.eye(n, dtype=bool)
    frontier = reach.copy()
    dist[reach] = 0
    hop = 0
    while frontier.any():
        hop += 1
        frontier = (frontier.astype(np.int64) @ binary.astype(np.int64) > 0) & ~reach
        dist[frontier] = hop
        reach |= frontier
    return dist


def _distances_to_centres(binary: Tensor, center: int | None) -> np.ndarray:
    """Each node's hop distance to the centre of its connected component.

    A component's centre is ``center`` if it is in that component, else its node of smallest
    eccentricity within the component (lowest index on ties); a connected graph has one.
    """
    dist = _hop_distances(binary.numpy())
    reachable = np.isfinite(dist)
    component = np.argmax(reachable, axis=1)  # the lowest index each node reaches
    eccentricity = np.where(reachable, dist, -1.0).max(axis=1)
    out = np.empty(dist.shape[0])
    for label in np.unique(component):
        members = np.flatnonzero(component == label)
        if center is not None and component[center] == label:
            centre = center
        else:
            centre = members[np.argmin(eccentricity[members])]
        out[members] = dist[members, centre]
    return out


def spatial_partitions(adj, strategy: str = "distance", center: int | None = None) -> Tensor:
    """Split a graph into the neighbour partitions of ST-GCN (Yan et al., 2018).

    Every node's neighbour set is itself plus its 1-hop neighbours (edges in either direction
    of ``adj``, with their weights; the self-loop has weight 1 whatever the diagonal of ``adj``).
    The whole neighbourhood matrix is row-normalised once, then split, so the partitions sum to
    a row-stochastic matrix, as in ST-GCN.

    Parameters
    ----------
    adj : array-like or Tensor of shape (N, N)
        Non-negative edge weights ``adj[target, source]``; the graph is symmetrised
        (``max(adj, adj.T)``) because sensor graphs are undirected.
    strategy : {"uniform", "distance", "spatial"}, default="distance"
        - ``"uniform"`` (K=1): one partition, plain normalised neighbourhood.
        - ``"distance"`` (K=2): the node itself vs. its neighbours. The sensible default for
          sensor graphs, which have no skeleton centre or geometry.
        - ``"spatial"`` (K=3): ST-GCN's root / centripetal / centrifugal split by hop distance
          to ``center``: a neighbour at the same distance as the node (and the node itself) goes
          to partition 0, a closer one to partition 1, a farther one to partition 2.
    center : int, default=None
        Centre node for ``"spatial"``. ``None`` picks the node of smallest eccentricity
        (lowest index on ties). A graph in several connected components (a sensor left
        without edges, say) has one centre per component, the one ``center`` names being its
        own component's, so that each component is split as it would be alone. Ignored by
        the other strategies.

    Returns
    -------
    Tensor of shape (K, N, N), float32
        ``partitions[k, target, source]``.

    Examples
    --------
    >>> from stgraph_sklearn.nn import spatial_partitions
    >>> parts = spatial_partitions([[0, 1, 0], [1, 0, 1], [0, 1, 0]], strategy="distance")
    >>> parts.shape
    torch.Size([2, 3, 3])
    >>> parts.sum(dim=(0, 2))
    tensor([1., 1., 1.])
    """
    check_option(strategy, "strategy", "spatial_partitions", {"uniform", "distance", "spatial"})
    if hasattr(adj, "to_dense") and not torch.is_tensor(adj):  # a SensorGraph
        adj = adj.to_dense()
    shape = tuple(adj.shape) if torch.is_tensor(adj) else np.shape(adj)
    n = shape[0] if len(shape) > 0 else 0
    weights = check_square_matrix(adj, "adj", "spatial_partitions", n)
    weights = torch.maximum(weights, weights.T)
    weights.fill_diagonal_(0.0)
    eye = torch.eye(n)
    full = row_normalize(weights + eye)
    if strategy == "uniform":
        return full.unsqueeze(0)
    if strategy == "distance":
        return torch.stack([full * eye, full * (1 - eye)])
    if center is not None and (
        isinstance(center, bool) or not isinstance(center, numbers.Integral) or not 0 <= center < n
    ):
        raise ValueError(
            "The 'center' parameter of spatial_partitions must be an int in the range "
            f"[0, {n - 1}] or None. Got {center!r} instead."
        )
    to_center = torch.as_tensor(_distances_to_centres(weights > 0, center), dtype=torch.float32)
    d_target, d_source = to_center[:, None], to_center[None, :]
    same = d_source == d_target
    closer = d_source < d_target
    farther = ~same & ~closer
    return torch.stack([full * same, full * closer, full * farther])
