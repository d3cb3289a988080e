"""Temporal stages at a lower frame rate: pool frames, run the stages, interpolate back."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_frame_mask, check_int


class StridedTemporal(nn.Module):
    """Run temporal stages on the masked mean of every ``stride`` consecutive frames.

    The ``(B, C, T)`` input is cut into groups of ``stride`` frames (the last one shorter if
    ``T`` is not a multiple), each group's present frames are averaged, ``temporal`` runs on
    the ``ceil(T / stride)`` group means, and its logits are linearly interpolated back to
    every frame, each frame between the centres of the two groups around it. A group with no
    present frame is masked for ``temporal`` and, for the interpolation, takes the logits of
    the last present group before it, so the frames next to padding read the edge of their
    own recording, as an unpadded recording does. The stages then cost ``1 / stride`` of
    their arithmetic and see ``stride`` times farther back and ahead for the same depth;
    labels can still change at any frame, but the stages resolve time only to ``stride``
    frames (MS-TCN runs its 50 Salads features at 15 of their 30 fps the same way).

    Parameters
    ----------
    temporal : torch.nn.Module
        Maps ``(B, C, T')`` and a ``(B, T')`` mask to logits ``(S, B, K, T')``, e.g.
        :class:`MultiStageTCN` built with ``causal=False``.
    stride : int
        Frames per group, at least 1 (1 runs ``temporal`` on the frames as given).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import MultiStageTCN, StridedTemporal
    >>> tcn = MultiStageTCN(4, 8, num_classes=3, num_stages=2, num_layers=3, dropout=0.0)
    >>> StridedTemporal(tcn, stride=2)(torch.randn(1, 4, 25)).shape
    torch.Size([2, 1, 3, 25])
    """

    def __init__(self, temporal, stride):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(temporal, nn.Module):
            raise TypeError(
                f"The 'temporal' parameter of {owner} must be a torch.nn.Module. "
                f"Got {type(temporal).__name__} instead."
            )
        check_int(stride, "stride", owner, 1)
        self.temporal = temporal
        self.stride = int(stride)

    def reset_parameters(self):
        """Reinitialise the stages."""
        self.temporal.reset_parameters()

    def extra_repr(self) -> str:
        return f"stride={self.stride}"

    def reach(self, inner_reach: int) -> int:
        """Frames each way an output depends on, given the stages' reach in groups.

        A frame reads the centres of the two groups around it, each of which reads
        ``inner_reach`` groups each way; the farthest frame a frame reads is then
        ``stride * (inner_reach + 1) + floor(stride / 2) - 1`` away.

        Parameters
        ----------
        inner_reach : int
            Groups each way an output of the wrapped stages depends on.

        Returns
        -------
        int
            Frames each way.
        """
        return strided_reach(self.stride, inner_reach)

    def _combine_reach(self, walk):
        # the reach walk of nn._streaming: the stages' reach, in input frames
        return self.reach(walk(self.temporal))

    def _combine_alignment(self, walk):
        # the frames a chunk must start on so that every group pools the same frames
        return self.stride * walk(self.temporal)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Run the stages on group means and interpolate their logits to every frame.

        Parameters
        ----------
        x : Tensor of shape (B, C, T)
        mask : BoolTensor of shape (B, T), default=None
            False on padded frames (None: every frame present).

        Returns
        -------
        Tensor of shape (S, B, K, T)
            The stages' logits at every frame; zero where ``mask`` is False.
        """
        check_frame_mask(x, mask, type(self).__name__)
        return strided_forward(self.temporal, x, mask, self.stride)


def strided_reach(stride: int, inner_reach: int) -> int:
    """The reach in frames of stages of reach ``inner_reach`` (in groups) run on groups of
    ``stride`` frames (see :meth:`StridedTemporal.reach`)."""
    if stride == 1:
        return inner_reach
    return stride * (inner_reach + 1) + stride // 2 - 1


def strided_forward(temporal, x: Tensor, mask: Tensor | None, stride: int) -> Tensor:
    """``temporal`` on the masked means of groups of ``stride`` frames of ``x`` (B, C, T), its
    ``(S, B, K, T')`` logits interpolated back to every frame (:class:`StridedTemporal`)."""
    s = stride
    if s == 1:
        return temporal(x, mask)
    b, c, t = x.shape
    pad = -t % s
    groups = (t + pad) // s
    if mask is None:
        pooled = F.pad(x, (0, pad)).reshape(b, c, groups, s).sum(-1)
        counts = torch.full((groups,), float(s), dtype=x.dtype, device=x.device)
        counts[-1] = s - pad
        pooled = pooled / counts
        pooled_mask = None
    else:
        m = mask.to(x.dtype)
        present = mask.to(torch.bool)
        # filled, not multiplied: NaN or inf on padded frames must not reach present ones
        pooled = F.pad(x.masked_fill(~present[:, None, :], 0), (0, pad)).reshape(b, c, groups, s)
        pooled = pooled.sum(-1)
        counts = F.pad(m, (0, pad)).reshape(b, groups, s).sum(-1)
        pooled = pooled / counts.clamp(min=1)[:, None, :]
        pooled_mask = counts > 0
    out = temporal(pooled, pooled_mask)  # (S, B, K, groups)
    if not torch.is_tensor(out) or out.dim() != 4 or out.shape[1] != b or out.shape[3] != groups:
        got = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
        raise ValueError(
            f"StridedTemporal: its temporal module ({type(temporal).__name__}) must return the "
            f"stages' logits of shape (S, B, K, T') = (S, {b}, K, {groups}) for its input of "
            f"shape (B, C, T') = {tuple(pooled.shape)}. Got {got} instead (a single stage's "
            "(B, K, T') logits need a leading stage axis, e.g. MultiStageTCN)."
        )
    if pooled_mask is not None and not bool(pooled_mask.all()):
        # a masked group takes the last present group's logits (edge replication)
        steps = torch.arange(groups, device=x.device).expand(b, groups)
        last = torch.where(pooled_mask, steps, torch.zeros_like(steps)).cummax(-1).values
        out = out.gather(-1, last[None, :, None, :].expand_as(out))
    sb, k = out.shape[0] * b, out.shape[2]
    up = F.interpolate(
        out.reshape(sb, k, groups), scale_factor=s, mode="linear", align_corners=False
    )
    up = up[..., :t].reshape(out.shape[0], b, k, t)
    return up if mask is None else up.masked_fill(~present[None, :, None, :], 0)
