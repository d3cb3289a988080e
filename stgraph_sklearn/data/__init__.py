"""The data contract: containers, validation, segment conversions."""

from ._containers import GraphSequence, Modality, Recording, SensorGraph
from ._segments import labels_to_segments, segments_to_labels
from ._tables import (
    TIME_COLUMNS,
    labels_from_segment_table,
    recording_from_dataframes,
    recordings_from_dataframe,
)
from ._validation import check_groups, check_labels, check_recordings

__all__ = [
    "TIME_COLUMNS",
    "GraphSequence",
    "Modality",
    "Recording",
    "SensorGraph",
    "check_groups",
    "check_labels",
    "check_recordings",
    "labels_from_segment_table",
    "labels_to_segments",
    "recording_from_dataframes",
    "recordings_from_dataframe",
    "segments_to_labels",
]
