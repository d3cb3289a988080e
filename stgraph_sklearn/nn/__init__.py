"""PyTorch and PyTorch Geometric building blocks: encoders, spatial and temporal layers,
segmentation networks and the segmentation loss.

This subpackage depends only on torch, torch_geometric, numpy and the standard library. Tensor
conventions: a batch is ``x: dict[str, Tensor (B, T, N_m, F_m)]`` with ``node_mask (B, T, N)``
and ``frame_mask (B, T)``; networks return logits ``(S, B, K, T)``; adjacency matrices are
dense ``A[target, source]``, so aggregation over nodes is ``A @ x``.
"""

from ._adaptive_adjacency import AdaptiveAdjacency
from ._adjacency import masked_adjacency, spatial_partitions
from ._dense_graph_conv import DenseGraphConv
from ._dropout import FastDropout, SensorDropout
from ._encoders import ModalityEncoder
from ._graph_attention import GraphAttentionFusion
from ._loss import SegmentationLoss
from ._models import EarlyFusionTCN, GraphSegmentationNetwork
from ._partitioned_graph_conv import PartitionedGraphConv
from ._pooling import AttentionNodePool, ConcatNodePool, masked_node_pool
from ._spatiotemporal_block import SpatioTemporalBlock
from ._temporal import DilatedResidualLayer, MultiStageTCN, SingleStageTCN

__all__ = [
    "AdaptiveAdjacency",
    "AttentionNodePool",
    "ConcatNodePool",
    "DenseGraphConv",
    "DilatedResidualLayer",
    "EarlyFusionTCN",
    "FastDropout",
    "GraphAttentionFusion",
    "GraphSegmentationNetwork",
    "ModalityEncoder",
    "MultiStageTCN",
    "PartitionedGraphConv",
    "SegmentationLoss",
    "SensorDropout",
    "SingleStageTCN",
    "SpatioTemporalBlock",
    "masked_adjacency",
    "masked_node_pool",
    "spatial_partitions",
]
