"""The data contract: containers, validation, segment conversions."""

from ._containers import GraphSequence, Modality, Recording, SensorGraph
from ._segments import labels_to_segments, segments_to_labels
from ._validation import check_groups, check_labels, check_recordings

__all__ = [
    "GraphSequence",
    "Modality",
    "Recording",
    "SensorGraph",
    "check_groups",
    "check_labels",
    "check_recordings",
    "labels_to_segments",
    "segments_to_labels",
]
