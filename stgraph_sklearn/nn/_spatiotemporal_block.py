"""Spatiotemporal block: spatial graph convolution per frame, temporal convolution per node."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_float, check_int, check_node_features, check_node_mask
from ._dropout import FastDropout
from ._streaming import causal_context, causal_taps, stream_state


def _tap_sum(old: Tensor, mid: Tensor, new: Tensor, rows: Tensor, bias: Tensor) -> Tensor:
    """``bias + new * rows[2] + mid * rows[1] + old * rows[0]`` as three out-of-place
    multiply-adds of shifted views, in that order; ``rows`` is the (3, C) transposed kernel,
    contiguous: broadcasting a strided column of the (C, 3) kernel halved their speed on CPU.
    """
    out = torch.addcmul(bias, new, rows[2])
    out = torch.addcmul(out, mid, rows[1])
    return torch.addcmul(out, old, rows[0])


class _DepthwiseTaps(torch.autograd.Function):
    """The depthwise taps of :class:`NodeTemporalConv` with autograd on, with a hand-written
    backward.

    ``forward(h, weight, bias, d)`` reads the windows of ``h`` (B, t + 2d, N, C) at 0, d and 2d
    along time (zero padding or causal context included) and returns :func:`_tap_sum` of them.
    The backward computes what autograd computes for those operations, to the last bit (the
    same products, the same reductions, the taps' gradients summed into ``h`` in autograd's
    order), without its three zero-filled copies of ``h`` and their sum, reading the kernel
    as contiguous rows.
    """

    @staticmethod
    def forward(ctx, h, weight, bias, dilation):
        t = h.shape[1] - 2 * dilation
        rows = weight.t().contiguous()
        ctx.save_for_backward(h, rows)
        ctx.dilation = dilation
        taps = (h.narrow(1, k * dilation, t) for k in range(3))
        return _tap_sum(*taps, rows, bias)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        h, rows = ctx.saved_tensors
        d, t = ctx.dilation, grad.shape[1]
        dims = tuple(range(grad.ndim - 1))
        grad_h = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_h = grad.new_zeros(h.shape)
            for k in range(3):  # oldest tap first, as autograd accumulates them
                grad_h.narrow(1, k * d, t).add_(grad * rows[k])
        if ctx.needs_input_grad[1]:
            products = [(grad * h.narrow(1, k * d, t)).sum(dims) for k in range(3)]
            grad_weight = torch.stack(products, dim=1)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum(dims)
        return grad_h, grad_weight, grad_bias, None


class NodeTemporalConv(nn.Module):
    """Depthwise-separable dilated temporal convolution of every node, channels last.

    A depthwise kernel-3 convolution along time (taps at ``t - d``, ``t``, ``t + d``, zero
    padding), then a pointwise linear map of the channels, shared by all nodes. It is the
    function of ``Conv1d(C, C, 3, dilation=d, padding=d, groups=C)`` followed by
    ``Conv1d(C, C, 1)`` on the ``(B * N, C, T)`` view, with the same parameter count and
    initialisation, computed on the ``(B, T, N, C)`` tensor as shifted multiply-adds and one
    matrix product: permuting to ``(B * N, C, T)`` and back costs more than the convolutions
    themselves on CPU.

    Parameters
    ----------
    channels : int
        Input and output feature size ``C``.
    dilation : int, default=1
        Temporal dilation ``d``.
    causal : bool, default=False
        Left-padded taps at ``t - 2d``, ``t - d``, ``t`` (same weights, shifted): the output
        at ``t`` depends on no later frame; under :class:`TemporalStreamer` the padding is
        the previous chunk's last frames.

    Attributes
    ----------
    temporal_span : int
        Past frames the causal convolution reads, ``2 * dilation`` (0 if not causal).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import NodeTemporalConv
    >>> NodeTemporalConv(8, dilation=2)(torch.randn(2, 10, 3, 8)).shape
    torch.Size([2, 10, 3, 8])
    """

    def __init__(self, channels, dilation=1, causal=False):
        super().__init__()
        owner = type(self).__name__
        c = self.channels = check_int(channels, "channels", owner)
        self.dilation = check_int(dilation, "dilation", owner)
        self.causal = bool(causal)
        self.temporal_span = 2 * self.dilation if self.causal else 0
        self.weight = nn.Parameter(torch.empty(c, 3))  # depthwise taps at t - d, t, t + d
        self.bias = nn.Parameter(torch.empty(c))
        self._reset_depthwise()
        self.pointwise = nn.Linear(c, c)

    def _reset_depthwise(self):
        # PyTorch's Conv1d initialisation of a depthwise kernel-3 filter (fan-in 3).
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(3)
        nn.init.uniform_(self.bias, -bound, bound)

    def reset_parameters(self):
        """Reinitialise as PyTorch initialises the two ``Conv1d`` it computes."""
        self._reset_depthwise()
        self.pointwise.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        """Convolve every node's channels along time.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features.

        Returns
        -------
        Tensor of shape (B, T, N, C)
        """
        check_node_features(x, self.channels, type(self).__name__)
        d = self.dilation
        if self.causal and (not torch.is_grad_enabled() or stream_state(self) is not None):
            # causal inference, offline or streaming (views of the stream's buffer): taps at
            # t - 2d, t - d, t
            taps = causal_taps(self, x, 2 * d, 1, d)
            return self.pointwise(_tap_sum(*taps, self.weight.t().contiguous(), self.bias))
        if not torch.is_grad_enabled():
            return self.pointwise(self._depthwise_conv(x))
        # autograd on: 2d frames of left context (causal) or d zero frames on each side
        h = causal_context(self, x, 2 * d, 1) if self.causal else F.pad(x, (0, 0, 0, 0, d, d))
        return self.pointwise(_DepthwiseTaps.apply(h, self.weight, self.bias, d))

    def _depthwise_conv(self, x: Tensor) -> Tensor:
        """The depthwise taps as one grouped convolution (no autograd graph: inference).

        The ``(B, T, N, C)`` tensor is, in memory, the ``(B, N * C, T, 1)`` tensor in
        channels-last format, which the convolution backends read without a copy: on CPU
        2-3.5x faster than the three multiply-adds (``benchmarks/inference.py --routes``). Its
        backward is slower than theirs, so training keeps the multiply-adds.
        """
        b, t, n, c = x.shape
        d = self.dilation
        flat = x.reshape(b, t, 1, n * c).permute(0, 3, 1, 2)
        weight = self.weight.repeat(n, 1)[:, None, :, None]
        out = F.conv2d(
            flat, weight, self.bias.repeat(n), padding=(d, 0), dilation=(d, 1), groups=n * c
        )
        return out.permute(0, 2, 3, 1).reshape(b, t, n, c)

    def extra_repr(self) -> str:
        causal = ", causal=True" if self.causal else ""
        return f"{self.channels}, dilation={self.dilation}{causal}"


class SpatioTemporalBlock(nn.Module):
    """A spatial operator per frame, then a temporal convolution per node, with a residual.

    ``out = relu(x + dropout(temporal(relu(spatial(x, graph))))) * mask``, where ``temporal``
    is a :class:`NodeTemporalConv` shared by all nodes.

    Parameters
    ----------
    channels : int
        Input and output feature size ``C``.
    spatial : torch.nn.Module
        The spatial operator, e.g. :class:`MaskedGraphConv` or :class:`PartitionedGraphConv`:
        ``spatial(x, graph, node_mask)`` maps ``(B, T, N, C)`` to ``(B, T, N, C)``, zero for
        missing nodes, and has ``reset_parameters()``.
    dilation : int, default=1
        Dilation of the temporal convolution.
    dropout : float, default=0.0
        Dropout probability on the temporal branch.
    causal : bool, default=False
        A causal temporal convolution (see :class:`NodeTemporalConv`).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import MaskedGraphConv, SpatioTemporalBlock
    >>> block = SpatioTemporalBlock(8, MaskedGraphConv(8, 8), dilation=2)
    >>> mask = torch.ones(2, 10, 3, dtype=torch.bool)
    >>> block(torch.randn(2, 10, 3, 8), torch.ones(3, 3), mask).shape
    torch.Size([2, 10, 3, 8])
    """

    def __init__(self, channels, spatial, dilation=1, dropout=0.0, causal=False):
        super().__init__()
        owner = type(self).__name__
        c = self.channels = check_int(channels, "channels", owner)
        if not isinstance(spatial, nn.Module):
            raise TypeError(
                f"The 'spatial' parameter of {owner} must be a torch.nn.Module. "
                f"Got {type(spatial).__name__} instead."
            )
        sizes = (getattr(spatial, "in_channels", c), getattr(spatial, "out_channels", c))
        if sizes != (c, c):
            raise ValueError(
                f"The 'spatial' parameter of {owner} must map channels={c} to {c} channels "
                f"(the residual adds its output to its input). Got {type(spatial).__name__} "
                f"with in_channels={sizes[0]}, out_channels={sizes[1]} instead."
            )
        check_float(dropout, "dropout", owner, 0.0, 1.0, include_high=False)
        self.spatial = spatial
        self.temporal = NodeTemporalConv(c, dilation, causal=causal)
        self.dropout = FastDropout(dropout)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the spatial and temporal operators."""
        self.spatial.reset_parameters()
        self.temporal.reset_parameters()

    def forward(self, x: Tensor, graph, mask: Tensor | None) -> Tensor:
        """Apply the block.

        Parameters
        ----------
        x : Tensor of shape (B, T, N, C)
            Node features (zero where ``mask`` is False).
        graph : Tensor of shape (N, N), (K, N, N), or what the spatial operator reads
            The graph, passed to the spatial operator as is.
        mask : BoolTensor of shape (B, T, N) or None
            False for missing nodes and padded frames; ``None`` means all present.

        Returns
        -------
        Tensor of shape (B, T, N, C)
            Output features, zero where ``mask`` is False.
        """
        owner = type(self).__name__
        check_node_features(x, self.channels, owner)
        check_node_mask(mask, x.shape[:3], owner, name="mask")
        # The spatial operator's output is zero for missing nodes, and so is its ReLU.
        h = F.relu(self.spatial(x, graph, mask))
        if not torch.is_grad_enabled():
            # Inference: the same values, computed in the temporal branch's own new tensor.
            out = self.dropout(self.temporal(h)).add_(x).relu_()
            return out if mask is None else out.mul_(mask.unsqueeze(-1))
        out = F.relu(x + self.dropout(self.temporal(h)))
        return out if mask is None else out * mask.unsqueeze(-1).to(out.dtype)
