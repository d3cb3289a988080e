"""PyTorch and PyTorch Geometric building blocks: encoders, graphs, spatial and temporal
layers, read-outs, segmentation networks and the segmentation loss.

This subpackage depends only on torch, numpy and the standard library; torch_geometric is
imported when a sparse graph path runs. Tensor conventions: a batch is
``x: dict[str, Tensor (B, T, N_m, F_m)]`` with ``node_mask (B, T, N)`` and
``frame_mask (B, T)``; networks return logits ``(S, B, K, T)``; adjacency matrices are
dense ``A[target, source]``, so aggregation over nodes is ``A @ x``.

Networks are composed: :class:`GraphSegmentationNetwork` wires an encoder
(:class:`ModalityEncoder`), a graph module (:class:`AdaptiveAdjacency`,
:class:`FixedGraph`), spatiotemporal blocks (:class:`SpatioTemporalBlock` around a spatial
operator such as :class:`MaskedGraphConv` or :class:`PartitionedGraphConv`), a read-out
(:class:`ConcatNodePool`) and temporal stages (:class:`MultiStageTCN`, at a lower frame
rate inside :class:`StridedTemporal` or with a ``refinement_stride``).
"""

from ._adaptive_adjacency import AdaptiveAdjacency
from ._adjacency import masked_adjacency, spatial_partitions
from ._dropout import FastDropout, SensorDropout, jitter_inputs
from ._encoders import ModalityEncoder
from ._fixed_graph import FixedGraph
from ._graph_conv import MaskedGraphConv
from ._loss import SegmentationLoss
from ._models import EarlyFusionTCN, GraphSegmentationNetwork
from ._partitioned_graph_conv import PartitionedGraphConv
from ._pooling import ConcatNodePool
from ._sparse import EdgeGraph
from ._spatiotemporal_block import NodeTemporalConv, SpatioTemporalBlock
from ._streaming import TemporalStreamer, chunk_alignment, receptive_field, temporal_reach
from ._strided import StridedTemporal
from ._temporal import DilatedResidualLayer, MultiStageTCN, SingleStageTCN

__all__ = [
    "AdaptiveAdjacency",
    "ConcatNodePool",
    "DilatedResidualLayer",
    "EarlyFusionTCN",
    "EdgeGraph",
    "FastDropout",
    "FixedGraph",
    "GraphSegmentationNetwork",
    "MaskedGraphConv",
    "ModalityEncoder",
    "MultiStageTCN",
    "NodeTemporalConv",
    "PartitionedGraphConv",
    "SegmentationLoss",
    "SensorDropout",
    "SingleStageTCN",
    "SpatioTemporalBlock",
    "StridedTemporal",
    "TemporalStreamer",
    "chunk_alignment",
    "jitter_inputs",
    "masked_adjacency",
    "receptive_field",
    "spatial_partitions",
    "temporal_reach",
]
