"""The data contract: containers, validation, segment conversions."""

from ._containers import GraphSequence, Modality, Recording, SensorGraph
from ._graph_sequences import as_graph_sequences
from ._segments import labels_to_segments, segments_to_labels
from ._validation import check_groups, check_labels, check_recordings

__all__ = [
    "GraphSequence",
    "Modality",
    "Recording",
    "SensorGraph",
    "as_graph_sequences",
    "check_groups",
    "check_labels",
    "check_recordings",
    "labels_to_segments",
    "segments_to_labels",
]
