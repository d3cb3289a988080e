"""Multi-stage temporal convolutional network (MS-TCN, Abu Farha & Gall, CVPR 2019).

Masks are applied after every layer (and after the input projection), so the outputs on the
valid frames of a zero-padded sequence equal those of the unpadded sequence in eval mode: a
convolution near the end of the sequence sees zeros in both cases.
"""

from __future__ import annotations

import math
from itertools import islice

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_float, check_frame_mask, check_int
from ._dropout import FastDropout
from ._streaming import _taps, causal_context, causal_taps, stream_state
from ._strided import strided_forward, strided_reach


def _apply_mask(x: Tensor, mask: Tensor | None) -> Tensor:
    """Zero the padded frames of x (B, C, T); ``mask`` (B, T) is True on valid frames.

    ``None`` means every frame is valid and returns ``x`` as is: multiplications by all-ones
    masks were 13 % of the graph network's CPU inference time (torch profiler, 6000 frames).
    """
    if mask is None:
        return x
    # a fill, not a product: NaN (or inf) in padded frames must not survive as NaN * 0
    return x.masked_fill(~mask.to(torch.bool).unsqueeze(1), 0.0)


def mask_or_none(mask: Tensor | None) -> Tensor | None:
    """``None`` if ``mask`` is None or all True, else ``mask``: the fast path for unpadded input."""
    if mask is None or bool(mask.all()):
        return None
    return mask


def _pointwise(conv: nn.Conv1d, x: Tensor) -> Tensor:
    """A 1x1 ``Conv1d`` as one matrix product, (B, C_in, T) -> (B, C_out, T).

    The causal layers compute their convolutions as matrix products: a stream calls them on
    chunks of every length, and oneDNN rebuilds a convolution primitive for each new shape.
    """
    return _matmul(conv.weight[:, :, 0], x, conv.bias)


def _matmul(weight: Tensor, x: Tensor, bias: Tensor) -> Tensor:
    """``weight @ x + bias`` over (B, C_in, T); one fused ``addmm`` for a single sequence."""
    if x.shape[0] == 1:
        return torch.addmm(bias[:, None], weight, x[0]).unsqueeze(0)
    return torch.matmul(weight, x) + bias[:, None]


def _dense(conv: nn.Module, kernel_size: int, dilation: int = 1, padding: int = 0) -> bool:
    """Whether ``conv`` is still the dense, zero-padded ``Conv1d`` a layer built, so that its
    matrix-product route computes it (not a module swapped in, e.g. a grouped convolution)."""
    return (
        isinstance(conv, nn.Conv1d)
        and conv.groups == 1
        and conv.kernel_size == (kernel_size,)
        and conv.stride == (1,)
        and conv.dilation == (dilation,)
        and conv.padding == (padding,)
        and conv.padding_mode == "zeros"
    )


def _causal_conv(h: Tensor, conv: nn.Conv1d, t: int) -> Tensor:
    """Kernel-3 dilated ``conv`` on ``h`` (B, C, 2d + t) left context included -> (B, C, t)."""
    d = conv.dilation[0]
    taps = torch.cat([h[:, :, i * d : i * d + t] for i in range(3)], dim=1)  # t - 2d, t - d, t
    weight = conv.weight.permute(0, 2, 1).reshape(conv.out_channels, -1)
    return _matmul(weight, taps, conv.bias)


class DilatedResidualLayer(nn.Module):
    """Dilated residual layer of MS-TCN.

    ``out = (x + dropout(conv_1x1(relu(dilated_conv(x))))) * mask``, with a kernel-3 dilated
    convolution padded to keep the length.

    Parameters
    ----------
    channels : int
        Number of input and output channels.
    dilation : int
        Dilation of the kernel-3 convolution.
    dropout : float
        Dropout probability.
    causal : bool, default=False
        False: the kernel is centred (taps at ``t - d, t, t + d``). True: it is left-padded
        (taps at ``t - 2d, t - d, t``), so the output at ``t`` depends on no later input;
        under :class:`TemporalStreamer` the padding is the previous chunk's last frames.

    Attributes
    ----------
    temporal_span : int
        Past frames the causal convolution reads, ``2 * dilation`` (0 if not causal).
    """

    def __init__(self, channels, dilation, dropout, causal=False):
        super().__init__()
        owner = type(self).__name__
        self.channels = check_int(channels, "channels", owner)
        self.dilation = check_int(dilation, "dilation", owner)
        check_float(dropout, "dropout", owner, 0.0, 1.0, include_high=False)
        self.causal = bool(causal)
        c, d = self.channels, self.dilation
        self.temporal_span = 2 * d if self.causal else 0
        self.conv_dilated = nn.Conv1d(c, c, 3, padding=0 if self.causal else d, dilation=d)
        self.conv_1x1 = nn.Conv1d(c, c, 1)
        self.dropout = FastDropout(dropout)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise the convolutions (PyTorch defaults)."""
        self.conv_dilated.reset_parameters()
        self.conv_1x1.reset_parameters()

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Apply the layer.

        Parameters
        ----------
        x : Tensor of shape (B, C, T)
            Input features, zero on padded frames: the dilated convolution reads a valid
            frame's neighbours, padding included, and ``mask`` zeroes only the output
            (:class:`SingleStageTCN` and :class:`MultiStageTCN` zero their input first).
        mask : Tensor of shape (B, T), default=None
            True (1) on valid frames, False (0) on padding. ``None`` means all valid.

        Returns
        -------
        Tensor of shape (B, C, T)
            Output features, zero on padded frames.
        """
        if self.causal:
            state = stream_state(self)
            if state is not None and x.shape[0] == 1:
                return _apply_mask(self._stream_step(x[0], state).unsqueeze(0), mask)
        if self._matmul_route(x):
            # Inference on one sequence: three matrix products of shifted views, the same
            # function as the convolution and faster than oneDNN's on CPU (inference.py).
            # 2d frames of context: all on the left (causal) or d on each side (centred).
            d = self.dilation
            h = causal_context(self, x, 2 * d, 2)[0] if self.causal else F.pad(x[0], (d, d))
            taps = _taps(h, 2 * d, 1, d)
            return _apply_mask(self._residual(self._matrices(), *taps, x[0])[None], mask)
        if self.causal:
            h = causal_context(self, x, self.temporal_span, 2)
            out = _causal_conv(h, self.conv_dilated, x.shape[2])
            out = _pointwise(self.conv_1x1, out.relu_())
            if not self.training:  # dropout is the identity: skip its dispatch
                return _apply_mask(x + out, mask)
        else:
            out = self.conv_1x1(F.relu(self.conv_dilated(x)))
        return _apply_mask(x + self.dropout(out), mask)

    def _matmul_route(self, x: Tensor) -> bool:
        """Whether to compute the layer on ``x`` as matrix products (:meth:`_residual`): one
        sequence in eval mode with autograd off, and the convolutions still the ones built
        here (see :func:`_dense`)."""
        if x.shape[0] != 1 or self.training or torch.is_grad_enabled():
            return False
        d = self.dilation
        padding = 0 if self.causal else d
        return _dense(self.conv_dilated, 3, d, padding) and _dense(self.conv_1x1, 1)

    def _matrices(self) -> tuple:
        """The convolutions as matrices: the three taps' weights, bias, 1x1 weight, bias."""
        conv, pw = self.conv_dilated, self.conv_1x1
        return (
            *(conv.weight[:, :, k].contiguous() for k in range(3)),
            conv.bias[:, None],
            pw.weight[:, :, 0],
            pw.bias[:, None],
        )

    @staticmethod
    def _residual(mats: tuple, old: Tensor, mid: Tensor, new: Tensor, x: Tensor) -> Tensor:
        """The layer in eval mode on one sequence, (C, t), from its taps ``old, mid, new``."""
        w_old, w_mid, w_new, bias, weight_1x1, bias_1x1 = mats
        out = torch.addmm(bias, w_old, old).addmm_(w_mid, mid).addmm_(w_new, new)
        return torch.addmm(bias_1x1, weight_1x1, out.relu_()).add_(x)

    def _stream_step(self, x: Tensor, state: dict) -> Tensor:
        """The causal layer on one chunk ``x`` (C, t) of one stream, as 2-D matrix products.

        The same function as the causal branch of :meth:`forward` in eval mode, with the
        weight matrices built once per stream and the taps cached views of the stream's
        buffer (:func:`~stgraph_sklearn.nn._streaming.causal_taps`): a 1-s chunk is ~30
        frames, so per-call overhead and copies, not arithmetic, are what a layer costs.
        """
        mats = state.get("mats")
        if mats is None:
            mats = state["mats"] = self._matrices()
        old, mid, new = causal_taps(self, x, self.temporal_span, 1, self.dilation)
        return self._residual(mats, old, mid, new, x)


class SingleStageTCN(nn.Module):
    """One MS-TCN stage: 1x1 input projection, dilated residual layers, 1x1 classifier.

    Parameters
    ----------
    in_channels : int
        Input feature size.
    hidden_channels : int
        Width of the residual layers.
    num_classes : int
        Number of output classes ``K``.
    num_layers : int
        Number of dilated residual layers; dilations are 1, 2, 4, ..., 2**(num_layers - 1).
    dropout : float
        Dropout probability in every layer.
    causal : bool, default=False
        Left-padded (causal) dilated convolutions (see :class:`DilatedResidualLayer`).
    """

    def __init__(
        self, in_channels, hidden_channels, num_classes, num_layers, dropout, causal=False
    ):
        super().__init__()
        owner = type(self).__name__
        in_channels = check_int(in_channels, "in_channels", owner)
        hidden_channels = check_int(hidden_channels, "hidden_channels", owner)
        num_classes = check_int(num_classes, "num_classes", owner)
        num_layers = check_int(num_layers, "num_layers", owner)
        self.causal = bool(causal)
        self.conv_in = nn.Conv1d(in_channels, hidden_channels, 1)
        self.layers = nn.ModuleList(
            DilatedResidualLayer(hidden_channels, 2**i, dropout, causal) for i in range(num_layers)
        )
        self.conv_out = nn.Conv1d(hidden_channels, num_classes, 1)
        self.reset_parameters()

    def reset_parameters(self):
        """Reinitialise every convolution."""
        self.conv_in.reset_parameters()
        for layer in self.layers:
            layer.reset_parameters()
        self.conv_out.reset_parameters()

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Compute the stage's logits.

        Parameters
        ----------
        x : Tensor of shape (B, C_in, T)
            Input features.
        mask : Tensor of shape (B, T), default=None
            True on valid frames, False on padding.

        Returns
        -------
        Tensor of shape (B, K, T)
            Logits, zero on padded frames.
        """
        if self.causal and mask is None and x.shape[0] == 1 and self._streaming():
            # One stream's chunk: the layers' 2-D steps in a loop, without a module call
            # and a batch axis per layer (a tenth of a chunk's latency).
            out = _pointwise(self.conv_in, x)[0]
            for layer in self.layers:
                out = layer._stream_step(out, stream_state(layer))
            return _pointwise(self.conv_out, out.unsqueeze(0))
        # Matrix products for causal layers (see _pointwise) and in inference (no copy of a
        # transposed input, no convolution primitive); Conv1d in training.
        matmul = self.causal or not torch.is_grad_enabled()
        matmul = matmul and _dense(self.conv_in, 1) and _dense(self.conv_out, 1)
        conv = _pointwise if matmul else (lambda module, h: module(h))
        out = _apply_mask(conv(self.conv_in, x), mask)
        for layer in self.layers:
            out = layer(out, mask)
        return _apply_mask(conv(self.conv_out, out), mask)

    def _streaming(self):
        """True inside a :class:`TemporalStreamer` step (its state is on every layer)."""
        return all(stream_state(layer) is not None for layer in self.layers)


class MultiStageTCN(nn.Module):
    """MS-TCN: a prediction stage followed by refinement stages.

    Stage ``s > 1`` takes the softmax of stage ``s - 1``'s logits, times the mask.

    Parameters
    ----------
    in_channels : int
        Input feature size.
    hidden_channels : int
        Width of every stage.
    num_classes : int
        Number of classes ``K``.
    num_stages : int
        Number of stages ``S`` (MS-TCN uses 4).
    num_layers : int
        Dilated residual layers per stage (MS-TCN uses 10).
    dropout : float
        Dropout probability.
    share_refinement : bool, default=False
        One set of weights for all refinement stages (MS-TCN++): the parameters of two stages
        for any ``num_stages >= 2``, at the same compute. False is exactly MS-TCN.
    causal : bool, default=False
        Left-padded dilated convolutions in every stage: the logits at frame ``t`` depend on
        no input after ``t`` (online use; see :class:`TemporalStreamer`).
    refinement_channels : int, default=None
        Width of the refinement stages; ``None`` uses ``hidden_channels`` (MS-TCN). A
        refinement stage reads only the previous stage's ``K`` class probabilities, so it
        can be narrower than the prediction stage: its cost falls with the square of its
        width.
    refinement_stride : int, default=1
        Run the refinement stages on the masked mean of every ``refinement_stride``
        consecutive frames of the previous stage's class probabilities, their logits
        linearly interpolated back to every frame, as :class:`StridedTemporal` does: they
        then cost ``1 / refinement_stride`` and reach that many times farther, while the
        prediction stage keeps every frame. Needs ``causal=False``.

    References
    ----------
    Y. Abu Farha and J. Gall, "MS-TCN: Multi-Stage Temporal Convolutional Network for Action
    Segmentation", CVPR 2019.
    S. Li et al., "MS-TCN++: Multi-Stage Temporal Convolutional Network for Action
    Segmentation", TPAMI 2020 (shared refinement stages).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import MultiStageTCN
    >>> tcn = MultiStageTCN(6, 8, num_classes=3, num_stages=2, num_layers=3, dropout=0.0)
    >>> tcn(torch.randn(2, 6, 20), torch.ones(2, 20, dtype=torch.bool)).shape
    torch.Size([2, 2, 3, 20])
    """

    def __init__(
        self,
        in_channels,
        hidden_channels,
        num_classes,
        num_stages,
        num_layers,
        dropout,
        share_refinement=False,
        causal=False,
        refinement_channels=None,
        refinement_stride=1,
    ):
        super().__init__()
        owner = type(self).__name__
        num_stages = check_int(num_stages, "num_stages", owner)
        self.refinement_stride = check_int(refinement_stride, "refinement_stride", owner)
        if causal and self.refinement_stride > 1:
            raise ValueError(
                f"{owner}: refinement_stride={self.refinement_stride} needs causal=False; a "
                "causal network streams frame by frame, and a group mean reads frames ahead."
            )
        hidden_channels = check_int(hidden_channels, "hidden_channels", owner)
        if refinement_channels is None:
            refinement_channels = hidden_channels
        refinement_channels = check_int(refinement_channels, "refinement_channels", owner)
        self.share_refinement = bool(share_refinement)
        self.stages = nn.ModuleList(
            SingleStageTCN(
                in_channels if s == 0 else num_classes,
                hidden_channels if s == 0 else refinement_channels,
                num_classes,
                num_layers,
                dropout,
                causal,
            )
            for s in range(min(num_stages, 2) if self.share_refinement else num_stages)
        )
        if self.share_refinement and num_stages > 2:
            # The same module object at every refinement position: parameters() counts it once.
            self.stages.extend([self.stages[1]] * (num_stages - 2))

    def reset_parameters(self):
        """Reinitialise every stage."""
        for stage in self.stages[:2] if self.share_refinement else self.stages:
            stage.reset_parameters()

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Compute the logits of every stage.

        Parameters
        ----------
        x : Tensor of shape (B, C_in, T)
            Input features.
        mask : Tensor of shape (B, T), default=None
            True on valid frames, False on padding. ``None`` means all valid.

        Returns
        -------
        Tensor of shape (S, B, K, T)
            Logits of each stage, zero on padded frames; the last stage is the prediction.
        """
        owner = type(self).__name__
        c_in = self.stages[0].conv_in.in_channels
        if x.ndim != 3 or x.shape[1] != c_in:
            raise ValueError(
                f"{owner}: expected x of shape (B, C_in, T) with C_in = {c_in}. Got shape "
                f"{tuple(x.shape)}."
            )
        check_frame_mask(x, mask, owner)
        mask = mask_or_none(mask)
        out = self.stages[0](x, mask)
        if len(self.stages) == 1:
            return out[None]
        p = _apply_mask(F.softmax(out, dim=1), mask)
        if not self._strided_refinement():
            return torch.stack([out, *self._refinements(p, mask)])
        refined = strided_forward(self._refine, p, mask, self.refinement_stride)
        return torch.cat([out[None], refined])

    def _refinements(self, p: Tensor, mask: Tensor | None):
        """Yield each refinement stage's logits ``(B, K, T)``, the first from the prediction
        stage's masked class probabilities ``p``, each later one from its predecessor's."""
        last = len(self.stages) - 1
        for i, stage in enumerate(islice(self.stages, 1, None), start=1):  # no new ModuleList
            out = stage(p, mask)
            yield out
            if i < last:
                p = _apply_mask(F.softmax(out, dim=1), mask)

    def _refine(self, p: Tensor, mask: Tensor | None) -> Tensor:
        """The refinement stages' logits ``(S - 1, B, K, T)`` stacked (on pooled frames)."""
        return torch.stack(list(self._refinements(p, mask)))

    def _strided_refinement(self):
        return self.refinement_stride > 1 and len(self.stages) > 1

    def extra_repr(self) -> str:
        return f"refinement_stride={self.refinement_stride}" if self._strided_refinement() else ""

    def _combine_reach(self, walk):
        # the reach walk of nn._streaming: strided refinement stages count in input frames
        first, rest = walk(self.stages[0]), [walk(s) for s in islice(self.stages, 1, None)]
        if not self._strided_refinement():
            return first + sum(rest)
        return first + strided_reach(self.refinement_stride, sum(rest))

    def _combine_alignment(self, walk):
        first, rest = walk(self.stages[0]), [walk(s) for s in islice(self.stages, 1, None)]
        stride = self.refinement_stride if self._strided_refinement() else 1
        return math.lcm(first, stride * math.lcm(*rest))
