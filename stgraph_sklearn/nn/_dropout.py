"""Dropout on CPU without ``bernoulli_``, and train-time augmentations: sensor dropout on node
masks, Gaussian jitter on input features."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ._checks import check_float, check_int, check_node_mask


class FastDropout(nn.Dropout):
    """Inverted dropout whose mask is drawn with ``torch.rand`` (same function as nn.Dropout).

    In training, every element is zeroed with probability ``p`` and the others are scaled by
    ``1 / (1 - p)``, so the expectation is unchanged; in eval mode it is the identity. The
    mask is ``rand >= p`` instead of :func:`torch.nn.functional.dropout`'s ``bernoulli_``,
    which was a third of a training step of the graph network on CPU (torch profiler, one
    thread) and about twice as slow as drawing and comparing uniforms.

    Parameters
    ----------
    p : float, default=0.5
        Probability of an element to be zeroed, in ``[0, 1)``.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import FastDropout
    >>> drop = FastDropout(0.5)
    >>> out = drop(torch.ones(1000))
    >>> sorted(set(out.tolist()))
    [0.0, 2.0]
    >>> bool(drop.eval()(torch.ones(3)).eq(1).all())
    True
    """

    def __init__(self, p=0.5):
        check_float(p, "p", type(self).__name__, 0.0, 1.0, include_high=False)
        super().__init__(p)

    def reset_parameters(self):
        """Nothing to reset: dropout has no parameters."""

    def forward(self, x: Tensor) -> Tensor:
        """Apply dropout.

        Parameters
        ----------
        x : Tensor of any shape

        Returns
        -------
        Tensor of the same shape as ``x``
        """
        if not self.training or self.p == 0:
            return x
        keep = (torch.rand_like(x) >= self.p).to(x.dtype).mul_(1.0 / (1.0 - self.p))
        return x * keep


class SensorDropout(nn.Module):
    """Hide whole sensors for random spans of each training recording (a node-mask augmentation).

    In training mode, each node of each recording gets ``n_spans`` independent draws: each,
    with probability ``p``, marks the node missing over one contiguous span of frames whose
    length is uniform in ``[1, ceil(L / n_spans)]`` (``L`` the recording's valid length) and whose
    start is uniform. With one span, gaps range from a few frames to the whole recording, as
    sensors drop out in practice; more spans hide about the same share of frames (``p / 2``
    per node on average) in more, shorter gaps, so that every stretch of a recording is seen
    both with and without each sensor more often per epoch. Spans only ever remove present
    nodes (padding and nodes already missing stay missing); a frame whose every present node
    would be removed keeps its original mask, so no frame loses its last sensor. A model
    trained this way cannot lean on one sensor being there (ModDrop, Neverova et al.; sensor
    dropout). In eval mode the mask passes through unchanged.

    Parameters
    ----------
    p : float, default=0.2
        Probability of each span, per recording and node; in ``[0, 1]``.
    n_spans : int, default=1
        Independent span draws per recording and node, each at most ``ceil(L / n_spans)`` frames.

    References
    ----------
    .. [1] N. Neverova, C. Wolf, G. Taylor and F. Nebout, "ModDrop: Adaptive Multi-Modal
       Gesture Recognition", IEEE TPAMI 2016.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import SensorDropout
    >>> _ = torch.manual_seed(0)
    >>> node_mask = torch.ones(2, 50, 4, dtype=torch.bool)
    >>> out = SensorDropout(p=1.0)(node_mask, torch.ones(2, 50, dtype=torch.bool))
    >>> out.shape, bool(out.any(-1).all()), bool(out.all())
    (torch.Size([2, 50, 4]), True, False)
    """

    def __init__(self, p=0.2, n_spans=1):
        super().__init__()
        self.p = check_float(p, "p", type(self).__name__, 0.0, 1.0)
        self.n_spans = check_int(n_spans, "n_spans", type(self).__name__)

    def reset_parameters(self):
        """Nothing to reset: sensor dropout has no parameters."""

    def forward(self, node_mask: Tensor, frame_mask: Tensor | None = None) -> Tensor:
        """Draw the training-time node mask.

        Parameters
        ----------
        node_mask : BoolTensor of shape (B, T, N)
            False where a node is missing (or the frame is padding).
        frame_mask : BoolTensor of shape (B, T), default=None
            False on padded frames; ``None`` means every frame is valid.

        Returns
        -------
        BoolTensor of shape (B, T, N)
            ``node_mask`` with the drawn spans removed (training), or ``node_mask`` (eval).
        """
        owner = type(self).__name__
        check_node_mask(node_mask, None, owner)
        if frame_mask is not None and (
            tuple(frame_mask.shape) != tuple(node_mask.shape[:2]) or frame_mask.dtype != torch.bool
        ):
            raise ValueError(
                f"{owner}: expected a bool frame_mask of shape (B, T) = "
                f"{tuple(node_mask.shape[:2])}. Got {frame_mask.dtype} of shape "
                f"{tuple(frame_mask.shape)}."
            )
        if not self.training or self.p == 0:
            return node_mask
        b, t, n = node_mask.shape
        k, device = self.n_spans, node_mask.device
        if frame_mask is None:
            lengths = torch.full((b, 1, 1), float(t), device=device)
        else:
            node_mask = node_mask & frame_mask.unsqueeze(-1)
            lengths = frame_mask.sum(1).clamp_min(1).to(torch.float32)[:, None, None]
        # (B, N, k) draws; with k = 1 the same random numbers, in the same order, as before
        hit = torch.rand(b, n, k, device=device) < self.p
        span = (torch.rand(b, n, k, device=device) * (lengths / k)).ceil().clamp_min(1.0)
        start = (torch.rand(b, n, k, device=device) * (lengths - span + 1)).floor()
        frame = torch.arange(t, device=device, dtype=torch.float32)[None, :, None, None]
        start, stop = start.unsqueeze(1), (start + span).unsqueeze(1)
        removed = ((frame >= start) & (frame < stop) & hit.unsqueeze(1)).any(-1)
        dropped = node_mask & ~removed
        return torch.where(dropped.any(-1, keepdim=True), dropped, node_mask)

    def extra_repr(self) -> str:
        spans = f", n_spans={self.n_spans}" if self.n_spans != 1 else ""
        return f"p={self.p}{spans}"


def jitter_inputs(x, std, node_mask=None, frame_mask=None, generator=None):
    """Gaussian noise on the present nodes' input features (jittering, a train-time augmentation).

    Parameters
    ----------
    x : dict of str to Tensor of shape (B, T, N_m, F_m)
        The network input, one tensor per modality in node order.
    std : float
        Standard deviation of the noise, in the features' units (standardised features:
        a fraction of their standard deviation). 0 returns ``x`` itself.
    node_mask : BoolTensor of shape (B, T, N), default=None
        False where a node is missing: its features get no noise. None: every node present.
    frame_mask : BoolTensor of shape (B, T), default=None
        False on padding frames, which get no noise. None: every frame is real.
    generator : torch.Generator, default=None
        Source of the noise (torch's global generator if None).

    Returns
    -------
    dict of str to Tensor
        New tensors (``x`` is not modified): ``x[m] + std * noise`` on present nodes of
        real frames, ``x[m]`` elsewhere.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import jitter_inputs
    >>> x = {"imu": torch.zeros(1, 4, 2, 3)}
    >>> mask = torch.tensor([[[True, False]] * 4])
    >>> out = jitter_inputs(x, 0.1, mask, generator=torch.Generator().manual_seed(0))
    >>> bool(out["imu"][..., 1, :].eq(0).all()), bool(out["imu"][..., 0, :].ne(0).all())
    (True, True)
    """
    if std == 0:
        return x
    out, start = {}, 0
    for name, v in x.items():
        noise = torch.randn(v.shape, generator=generator, device=v.device, dtype=v.dtype)
        keep = None
        if node_mask is not None:
            keep = node_mask[..., start : start + v.shape[2]].bool()
        if frame_mask is not None:
            frames = frame_mask.bool()[..., None]
            keep = frames if keep is None else keep & frames
        if keep is not None:
            noise = noise * keep[..., None].to(v.dtype)
        out[name] = v + std * noise
        start += v.shape[2]
    return out
