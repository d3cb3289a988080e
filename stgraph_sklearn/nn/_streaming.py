"""Causal temporal context: zero left-padding offline, cached history when streaming.

A causal temporal layer asks :func:`causal_context` for ``span`` frames of left context.
Offline these are zeros (the left padding of a causal convolution). Inside
:class:`TemporalStreamer` they are the last ``span`` input frames that this layer saw in the
previous chunks, so running the unchanged ``forward`` of a causal network on consecutive
chunks gives exactly the outputs of one offline run on their concatenation, with memory
bounded by the receptive field instead of the stream length.
"""

from __future__ import annotations

import math
import threading

import torch
from torch import Tensor, nn

__all__ = ["TemporalStreamer", "causal_context", "causal_taps", "receptive_field"]


# The stream states attached in this thread, by id of their causal layer: thread-local, so a
# stream in one thread never reaches the same network predicting offline, or running another
# stream, in another thread (on the layers themselves, each read and overwrote the other's).
_ATTACHED = threading.local()


def stream_state(layer: nn.Module):
    """The stream state :class:`TemporalStreamer` attached to ``layer`` in this thread, or
    None offline."""
    states = getattr(_ATTACHED, "states", None)
    return None if states is None else states.get(id(layer))


def causal_context(layer: nn.Module, x: Tensor, span: int, dim: int) -> Tensor:
    """Prepend ``span`` frames of left context to ``x`` along ``dim``.

    While streaming, each call of the layer keeps a buffer along ``dim`` with room for
    ``span`` frames of context and at least 64 new frames; a chunk is written after the
    previous one and the result is a view of the buffer. Only when the buffer is full are its
    last ``span`` frames moved to its start, so the context is copied once every ``~(span +
    64) / t`` chunks of ``t`` frames instead of at every chunk (which was most of the cost of
    a layer with a large dilation).

    Parameters
    ----------
    layer : nn.Module
        The causal layer asking (its streaming state, if any, is kept on it).
    x : Tensor
        The layer's input; ``dim`` is the time axis.
    span : int
        Frames of past context the layer needs (``(kernel_size - 1) * dilation``).
    dim : int
        Time axis of ``x``.

    Returns
    -------
    Tensor
        ``x`` with ``span`` more frames at the start of ``dim``: zeros offline, the previous
        chunks' last frames while streaming (zeros before the first chunk). While streaming
        it is a view, valid until the layer's next call on the stream.
    """
    state = stream_state(layer)
    if state is None or span == 0:
        shape = list(x.shape)
        shape[dim] = span
        return torch.cat([x.new_zeros(shape), x], dim=dim)
    return _stream_views(state, x, span, dim, 0)[0]


def causal_taps(layer: nn.Module, x: Tensor, span: int, dim: int, step: int) -> tuple:
    """The ``t``-frame windows of ``x`` with left context that a causal kernel reads.

    With ``h = causal_context(layer, x, span, dim)`` (``t + span`` frames), the windows
    ``h[..., k * step : k * step + t]`` for ``k = 0, ..., span // step``: the taps at
    ``t - span, ..., t`` of a causal convolution of dilation ``step``. While streaming the
    views are cached per buffer position, so a chunk of the usual length costs one copy and
    no view construction (a 1-s chunk is ~30 frames: per-call overhead, not arithmetic, is
    what a layer costs).

    Parameters
    ----------
    layer, x, span, dim
        As in :func:`causal_context`.
    step : int
        Frames between taps (the dilation); ``span`` must be a multiple of it.

    Returns
    -------
    tuple of Tensor
        ``span // step + 1`` tensors shaped like ``x``, oldest tap first; while streaming
        they are views, valid until the layer's next call on the stream.
    """
    state = stream_state(layer)
    if state is not None and span > 0:
        return _stream_views(state, x, span, dim, step)
    return _taps(causal_context(layer, x, span, dim), span, dim, step)


def _taps(h, span, dim, step):
    """The windows of ``h`` (``span`` context frames, then ``t``) at ``0, step, ..., span``,
    oldest first. The newest is built first, as the layers did before: autograd sums the
    taps' gradients into ``h`` in the reverse order, and another order changes trained
    weights in the last float bits."""
    t = h.shape[dim] - span
    return tuple(reversed([h.narrow(dim, k, t) for k in range(span, -1, -step)]))


def _stream_views(state, x, span, dim, step):
    """Write ``x`` into this call's stream buffer; the (cached) views that read it.

    ``step == 0``: the one view of the ``span + t`` frames; otherwise the taps of
    :func:`causal_taps`.
    """
    call = state["calls"]
    state["calls"] += 1
    t = x.shape[dim]
    entry = state["history"].get(call)
    if entry is None:
        buf, end, views = _context_buffer(x, dim, span, zeros=True), span, {}
    else:
        buf, end, views = entry
    # narrow and copy_, not slicing syntax: tensor indexing costs microseconds per call
    if end + t > buf.shape[dim]:
        context = buf.narrow(dim, end - span, span)
        if buf.shape[dim] < 2 * span + t:  # too small to move the context within: grow
            buf, views = _context_buffer(x, dim, span, zeros=False), {}
        # else end > 2 * span: the source and target frames do not overlap
        buf.narrow(dim, 0, span).copy_(context)
        end = span
    key = (end, t, step)
    cached = views.get(key)
    if cached is None:
        if len(views) >= _MAX_CACHED_VIEWS:  # chunks of ever-changing lengths: stay bounded
            views.clear()
        h = buf.narrow(dim, end - span, span + t)
        reads = (h,) if step == 0 else _taps(h, span, dim, step)
        cached = views[key] = (buf.narrow(dim, end, t), reads)
    cached[0].copy_(x)
    state["history"][call] = (buf, end + t, views)
    return cached[1]


_MAX_CACHED_VIEWS = 256


def _context_buffer(x, dim, span, *, zeros):
    """A streaming buffer shaped like ``x`` with ``2 * span + max(t, 64)`` frames along ``dim``."""
    shape = list(x.shape)
    shape[dim] = 2 * span + max(x.shape[dim], 64)
    return x.new_zeros(shape) if zeros else x.new_empty(shape)


def _temporal_layers(module):
    """Every occurrence of a temporal layer (those with a ``temporal_span``; shared modules
    once per use)."""
    return [
        m for _, m in module.named_modules(remove_duplicate=False) if hasattr(m, "temporal_span")
    ]


def _causal_layers(module, caller):
    """Every occurrence of a temporal layer of a causal network (shared modules once per
    use); ``ValueError`` if one is not causal or another layer may mix frames."""
    _check_known_layers(module, caller)
    pooled = chunk_alignment(module)
    if pooled > 1:
        raise ValueError(
            f"{caller}: {type(module).__name__} runs stages on means of groups of frames "
            f"(chunk_alignment {pooled}), which read frames ahead; a causal network keeps "
            "every frame (stride 1)."
        )
    layers = _temporal_layers(module)
    centred = [m for m in layers if not getattr(m, "causal", False)]
    if centred:
        what = (
            "no causal temporal layers"
            if len(centred) == len(layers)
            else (f"{len(centred)} temporal layers that are not causal (of {len(layers)})")
        )
        raise ValueError(
            f"{caller}: {type(module).__name__} has {what}; build every one with causal=True."
        )
    return layers


# Layers that may mix frames without a kernel: recurrences, attention, normalisations whose
# statistics run over the last (time) axis of a (B, C, T) input, adaptive pooling, resampling.
_FRAME_MIXING = (
    nn.RNNBase,
    nn.RNNCellBase,
    nn.MultiheadAttention,
    nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm,
    nn.LocalResponseNorm,
    nn.modules.pooling._AdaptiveAvgPoolNd,
    nn.modules.pooling._AdaptiveMaxPoolNd,
    nn.Upsample,
)


def _mixes_frames(layer):
    """Whether a torch layer may mix frames: one of ``_FRAME_MIXING``, or a kernel wider
    than 1."""
    if isinstance(layer, _FRAME_MIXING):
        return True
    kernel = getattr(layer, "kernel_size", None)
    if kernel is None:
        return False
    return any(k != 1 for k in (kernel if isinstance(kernel, tuple) else (kernel,)))


def _unknown_layer(module, path=""):
    """``(path, layer)`` of the first torch layer outside this package's temporal layers that
    may mix frames (so no reach can be read from the network), or None."""
    if hasattr(module, "temporal_span"):
        return None
    if _mixes_frames(module):
        return path, module
    for name, child in module._modules.items():
        found = None if child is None else _unknown_layer(child, f"{path}.{name}".lstrip("."))
        if found is not None:
            return found
    return None


def _check_known_layers(module, caller):
    """Raise ``ValueError`` if ``module`` holds a layer of unknown temporal reach."""
    found = _unknown_layer(module)
    if found is not None:
        path, layer = found
        raise ValueError(
            f"{caller}: {type(module).__name__} holds a {type(layer).__name__} at "
            f"{path or 'its top'!r}, which may mix frames in a way the package cannot measure "
            "(only its own temporal layers, such as DilatedResidualLayer and "
            "NodeTemporalConv, have a known reach)."
        )


def temporal_reach(module: nn.Module) -> int:
    """Frames on each side of a frame that its output depends on, causal or not.

    Every temporal layer of the networks is a kernel-3 convolution of dilation ``d``,
    reaching ``d`` frames each way when centred (``2 * d`` into the past when causal); they
    are chained with per-frame operations and identity residuals in between, so the reaches
    add up, a stage whose weights are shared once per use. A centred network's output at
    ``t`` depends on the inputs at ``t - r, ..., t + r``; a causal one's on
    ``t - 2 r, ..., t`` (:func:`receptive_field` ``= 2 r + 1`` either way).

    Parameters
    ----------
    module : nn.Module
        A network of this package, causal or not.

    Returns
    -------
    int
        The reach ``r``, the sum of the dilations of every application of a temporal layer;
        stages that run on pooled frames (:class:`StridedTemporal`) count in input frames.

    Notes
    -----
    The reach is read from the layers a module holds, not from what its ``forward`` does: a
    layer called several times in one ``forward`` counts once (register it once per use,
    as :class:`~torch.nn.ModuleList` entries, to count every use), and frames mixed by functional
    operations (``F.conv1d`` on a parameter, a mean over time, a loop over frames) are not
    seen. A network that mixes frames only that way is taken for per-frame.

    Raises
    ------
    ValueError
        If ``module`` holds another layer that may mix frames (a recurrent layer or cell, an
        attention layer, a convolution or pooling with a kernel wider than 1, an instance,
        group or local-response normalisation, adaptive pooling, ``Upsample``), whose reach it
        cannot read; a per-frame network (no such layers) has reach 0.

    Examples
    --------
    >>> from stgraph_sklearn.nn import MultiStageTCN, temporal_reach
    >>> temporal_reach(MultiStageTCN(4, 8, num_classes=3, num_stages=2, num_layers=3,
    ...                              dropout=0.0))  # 2 stages x (1 + 2 + 4)
    14
    """
    _check_known_layers(module, "temporal_reach")
    return _reach(module)


def _reach(module):
    combine = getattr(module, "_combine_reach", None)
    if combine is not None:  # stages on pooled frames (StridedTemporal, MultiStageTCN)
        return combine(_reach)
    if hasattr(module, "temporal_span"):
        return module.dilation
    # _modules, not children(): a shared stage counts once per use
    return sum(_reach(m) for m in module._modules.values() if m is not None)


def chunk_alignment(module: nn.Module) -> int:
    """Frames a window of the input must start on for ``module`` to pool the same frames.

    Stages on groups of ``s`` frames (:class:`StridedTemporal`, a :class:`MultiStageTCN`
    with ``refinement_stride``) group the frames from the start of their input, so a window
    that starts on a multiple of ``s`` groups them as the whole recording does; nested
    strides multiply, side by side ones take their least common multiple. Windows that
    start on such multiples and hold :func:`temporal_reach` frames of context on each side
    give the predictions of the whole recording (the estimators' ``chunk_size``).

    Parameters
    ----------
    module : nn.Module
        A network of this package.

    Returns
    -------
    int
        The alignment in input frames; 1 for a network that keeps every frame.

    Examples
    --------
    >>> from stgraph_sklearn.nn import MultiStageTCN, StridedTemporal, chunk_alignment
    >>> tcn = MultiStageTCN(4, 8, num_classes=3, num_stages=3, num_layers=3, dropout=0.0,
    ...                     refinement_stride=2)
    >>> chunk_alignment(tcn), chunk_alignment(StridedTemporal(tcn, stride=3))
    (2, 6)
    """
    combine = getattr(module, "_combine_alignment", None)
    if combine is not None:
        return combine(chunk_alignment)
    return math.lcm(*(chunk_alignment(m) for m in module._modules.values() if m is not None))


def receptive_field(module: nn.Module) -> int:
    """Number of input frames that one output frame of a causal network depends on.

    ``1 + sum of (kernel_size - 1) * dilation`` over every application of a causal temporal
    layer (a stage whose weights are shared is counted once per use): the network is a chain
    of temporal layers with per-frame operations and identity residuals in between.

    Parameters
    ----------
    module : nn.Module
        A network built with ``causal=True``.

    Returns
    -------
    int
        The receptive field ``R``: the output at frame ``t`` depends on the inputs at frames
        ``t - R + 1, ..., t`` only.

    Raises
    ------
    ValueError
        If a temporal layer of ``module`` is not causal, or another layer may mix frames (as
        in :func:`temporal_reach`). A per-frame network (no temporal layers) has ``R = 1``.

    Examples
    --------
    >>> from stgraph_sklearn.nn import MultiStageTCN, receptive_field
    >>> tcn = MultiStageTCN(4, 8, num_classes=3, num_stages=2, num_layers=3, dropout=0.0,
    ...                     causal=True)
    >>> receptive_field(tcn)  # 2 stages x 2 * (1 + 2 + 4) past frames, plus the current one
    29
    """
    return 1 + sum(m.temporal_span for m in _causal_layers(module, "receptive_field"))


class TemporalStreamer:
    """Run a causal network on consecutive chunks of one stream, exactly.

    Every causal temporal layer keeps its last ``(kernel_size - 1) * dilation`` input frames
    between calls (a constant-size state per layer; their sum is the receptive field), so
    ``step`` on chunks ``x[0:a], x[a:b], ...`` returns the outputs of the offline forward on
    the whole ``x``, chunk by chunk. The state belongs to the streamer, not to the module:
    several streams can share one network, and the network predicts offline between steps,
    also in other threads (the state is attached only in the thread that steps).

    Parameters
    ----------
    module : nn.Module
        A network built with ``causal=True``, in eval mode (a ``ValueError`` as in
        :func:`receptive_field` otherwise). Batch size 1 is assumed (one stream).

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import MultiStageTCN, TemporalStreamer
    >>> tcn = MultiStageTCN(4, 8, num_classes=3, num_stages=2, num_layers=3, dropout=0.0,
    ...                     causal=True).eval()
    >>> x = torch.randn(1, 4, 50)
    >>> streamer = TemporalStreamer(tcn)
    >>> parts = [streamer.step(x[:, :, a:a + 7]) for a in range(0, 50, 7)]
    >>> torch.allclose(torch.cat(parts, dim=-1), tcn(x), atol=1e-5)
    True
    """

    def __init__(self, module: nn.Module):
        self.module = module
        layers = _causal_layers(module, "TemporalStreamer")
        self.layers = list({id(m): m for m in layers}.values())
        self._outer = None  # the states attached in this thread before a step's own
        self.reset()

    def reset(self):
        """Forget the stream: the next chunk starts a new one (zero left context)."""
        self._states = [{"calls": 0, "history": {}} for _ in self.layers]

    def _context(self, device=None):
        """The layers' stream states, their buffers moved to ``device`` (None: where they are),
        without the views cached from the buffers and the weights (the next call rebuilds
        them where the buffers are)."""
        return [
            {
                "calls": layer["calls"],
                "history": {
                    c: (buf if device is None else buf.to(device), end, {})
                    for c, (buf, end, _) in layer["history"].items()
                },
            }
            for layer in self._states
        ]

    def to(self, device):
        """Move the stream's context to ``device``, where the module has been moved.

        Parameters
        ----------
        device : str or torch.device

        Returns
        -------
        self : TemporalStreamer
        """
        device = torch.device(device)
        history = [buf for layer in self._states for buf, _, _ in layer["history"].values()]
        if any(buf.device != device for buf in history):
            self._states = self._context(device)
        return self

    def __getstate__(self):
        # The cached views alias their layer's buffer; pickle would store each with its own
        # copy of the storage, so that after loading, frames written through a view no longer
        # reach the buffer the taps read. Drop them: the next call rebuilds them.
        state = dict(self.__dict__)
        state["_states"] = self._context()
        return state

    def _attach(self):
        """Attach the states in this thread (runs for every chunk); the ones attached before
        are kept, to be restored by :meth:`_detach`."""
        self._outer = getattr(_ATTACHED, "states", None)
        mine = {id(layer): state for layer, state in zip(self.layers, self._states, strict=True)}
        _ATTACHED.states = mine if self._outer is None else {**self._outer, **mine}

    def _detach(self):
        _ATTACHED.states = self._outer
        self._outer = None

    def __enter__(self):
        """Attach this stream's state: every call of the module inside, in this thread,
        continues the stream."""
        self._attach()
        self._thread = threading.get_ident()
        self._hook = self.module.register_forward_pre_hook(self._new_call)
        return self

    def __exit__(self, *exc):
        self._hook.remove()
        self._detach()

    def _new_call(self, module, args):
        if threading.get_ident() != getattr(self, "_thread", None):
            return  # the hook is the module's: a call in another thread is not this stream's
        self._reset_calls()

    def _reset_calls(self):
        for state in self._states:
            state["calls"] = 0

    @torch.inference_mode()
    def step(self, *args, **kwargs):
        """Forward the next chunk (arguments as the module's ``forward``; time = new frames)."""
        self._attach()
        try:
            self._reset_calls()
            return self.module(*args, **kwargs)
        finally:
            self._detach()
