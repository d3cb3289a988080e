"""The composition of the graph segmenters' network, shared by every graph segmenter."""

from __future__ import annotations

from ..nn import (
    ConcatNodePool,
    GraphSegmentationNetwork,
    ModalityEncoder,
    MultiStageTCN,
    SensorDropout,
    SpatioTemporalBlock,
    StridedTemporal,
)

__all__ = ["compose_graph_network"]


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
    stage_stride=1,
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
    stage_stride : int, default=1
        Frames per step of the stages: above 1 they run inside
        :class:`~stgraph_sklearn.nn.StridedTemporal` on means of that many frames.

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
    )
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
