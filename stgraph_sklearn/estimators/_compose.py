"""The composition of the graph segmenters' network, shared by every graph segmenter."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ..nn import (
    ConcatNodePool,
    GraphSegmentationNetwork,
    ModalityEncoder,
    MultiStageTCN,
    SensorDropout,
    SpatioTemporalBlock,
    StridedTemporal,
)

__all__ = ["StridedStagesMixin", "compose_graph_network", "stride_constraints"]

#: The frames per second the MS-TCN stages are kept at by ``"auto"`` strides: the rate
#: MS-TCN's own code runs its 50 Salads features at (15 of their 30 fps).
_STAGE_RATE = 15


def stride_constraints():
    """The parameter constraints of ``stage_stride`` and ``refinement_stride``."""
    stride = [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})]
    return {"stage_stride": stride, "refinement_stride": list(stride)}


class StridedStagesMixin:
    """``stage_stride`` and ``refinement_stride`` of the graph segmenters, resolved in fit.

    ``fit`` sets ``stage_stride_`` and ``refinement_stride_``; ``build_module`` reads them
    through :meth:`_strides` (restored as they were by ``load_model``).
    """

    def _fit(self, sequences, targets, epochs=None):
        self.stage_stride_, self.refinement_stride_ = self._resolve_strides(sequences)
        return super()._fit(sequences, targets, epochs)

    def _strides(self, sequences):
        """``(stage_stride_, refinement_stride_)``, resolved now if fit has not.

        After fit (or ``load_model``) an ``"auto"`` stride is the one fit resolved; an integer
        is the parameter's, so that a stride changed by ``set_params`` builds another network,
        which continued training and ``save_model`` refuse as for any architecture change.
        """
        if not hasattr(self, "stage_stride_"):
            return self._resolve_strides(sequences)
        fitted = (self.stage_stride_, getattr(self, "refinement_stride_", 1))
        names = ("stage_stride", "refinement_stride")
        return tuple(
            old if getattr(self, name) == "auto" else self._resolve_stride(name, None)
            for name, old in zip(names, fitted, strict=True)
        )

    def _resolve_strides(self, sequences):
        """Both strides as ints, "auto" from the training frame rate (see the docs)."""
        rates = {getattr(seq, "frame_rate", None) for seq in sequences or ()}
        rate = None
        if self.lookahead is None and len(rates) == 1 and None not in rates:
            rate = rates.pop() / self.temporal_stride
        stage = self._resolve_stride("stage_stride", rate)
        refine = self._resolve_stride("refinement_stride", None if rate is None else rate / stage)
        return stage, refine

    def _resolve_stride(self, name, rate):
        value = getattr(self, name)
        if value == "auto":
            return 1 if rate is None else max(1, int(rate // _STAGE_RATE))
        if value > 1 and self.lookahead is not None:
            raise ValueError(
                f"{type(self).__name__}: {name}={value} needs lookahead=None; a causal model "
                f"(lookahead={self.lookahead}) streams frame by frame. Use {name}=1 or 'auto'."
            )
        return int(value)


def compose_graph_network(
    segmenter,
    layout,
    n_classes,
    *,
    make_graph,
    make_spatial,
    sensor_dropout=0.0,
    sensor_dropout_spans=1,
    refinement_channels=None,
    strides=(1, 1),
):
    """Build the graph segmenters' network from the segmenter's parameters.

    Per-modality encoders to ``node_channels``, ``n_spatial_layers`` spatiotemporal blocks
    (temporal dilations 1, 2, 4, ...) around the spatial operator ``make_spatial`` builds, the
    per-node read-out to ``hidden_channels`` and ``n_stages`` MS-TCN stages whose refinement
    stages share their weights (MS-TCN++). With ``lookahead`` not None every temporal
    convolution is causal.

    Parameters
    ----------
    segmenter : NeuralSegmenter
        Gives ``hidden_channels``, ``node_channels``, ``n_spatial_layers``, ``n_stages``,
        ``n_layers``, ``dropout`` and ``lookahead``.
    layout : dict of str to (int, int)
        ``(n_nodes, n_features)`` of each modality, in node order.
    n_classes : int
        Number of classes.
    make_graph : callable
        ``make_graph(n_nodes) -> torch.nn.Module``: the graph module the blocks read.
    make_spatial : callable
        ``make_spatial(channels) -> torch.nn.Module``: the spatial operator of one block.
    sensor_dropout : float, default=0.0
        Probability of :class:`~stgraph_sklearn.nn.SensorDropout` on the training node
        masks; 0 adds none.
    sensor_dropout_spans : int, default=1
        Its spans per recording and node (``n_spans``).
    refinement_channels : int, default=None
        Width of the refinement stages (``None``: ``hidden_channels``).
    strides : (int, int), default=(1, 1)
        Frames per step of the stages and, within them, of the refinement stages: a first
        above 1 runs the stages inside :class:`~stgraph_sklearn.nn.StridedTemporal` on means
        of that many frames, a second is :class:`~stgraph_sklearn.nn.MultiStageTCN`'s
        ``refinement_stride``.

    Returns
    -------
    GraphSegmentationNetwork
    """
    hidden = segmenter.hidden_channels
    node_channels = segmenter.node_channels
    if node_channels is None:
        node_channels = max(hidden // 2, 1)
    encoder = ModalityEncoder(
        {k: f for k, (_, f) in layout.items()},
        {k: n for k, (n, _) in layout.items()},
        node_channels,
    )
    n = sum(encoder.num_nodes.values())
    causal = segmenter.lookahead is not None
    graph = make_graph(n)
    blocks = [
        SpatioTemporalBlock(
            node_channels,
            make_spatial(node_channels),
            dilation=2**i,
            dropout=segmenter.dropout,
            causal=causal,
        )
        for i in range(segmenter.n_spatial_layers)
    ]
    readout = ConcatNodePool(n, node_channels, hidden)
    temporal = MultiStageTCN(
        hidden,
        hidden,
        n_classes,
        segmenter.n_stages,
        segmenter.n_layers,
        segmenter.dropout,
        share_refinement=True,
        causal=causal,
        refinement_channels=refinement_channels,
        refinement_stride=strides[1],
    )
    stage_stride = strides[0]
    if stage_stride > 1:
        temporal = StridedTemporal(temporal, stage_stride)
    return GraphSegmentationNetwork(
        encoder,
        blocks,
        readout,
        temporal,
        graph=graph,
        sensor_dropout=(
            SensorDropout(sensor_dropout, n_spans=sensor_dropout_spans)
            if sensor_dropout > 0
            else None
        ),
    )
