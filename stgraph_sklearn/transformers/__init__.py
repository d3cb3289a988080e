"""Sequence transformers: list of recordings in, list out, one item per recording.

All follow the scikit-learn transformer API and compose in a Pipeline, which indexes X by
recording. Typical chain: ``ModalityAligner -> NodeFeatureExtractor -> SequenceScaler ->
SensorGraphBuilder`` (GraphSequences for graph segmenters), optionally followed by
``FrameFeatureFlattener`` for classical per-frame classifiers.
"""

from ._aligner import ModalityAligner, find_common_rate
from ._flattener import FrameFeatureFlattener
from ._graph_builder import SensorGraphBuilder
from ._node_features import NodeFeatureExtractor
from ._scaler import SequenceScaler

__all__ = [
    "FrameFeatureFlattener",
    "ModalityAligner",
    "NodeFeatureExtractor",
    "SensorGraphBuilder",
    "SequenceScaler",
    "find_common_rate",
]
