"""The data contract: containers, THE validation layer, segment conversions.

Every rule about input data is implemented once, here, and imported by name:

- labels: :func:`check_label_sequence` (one sequence), :func:`check_labels` (a list, one per
  recording, one label type), :func:`check_label_pairs` (true vs predicted, for scoring),
  :func:`check_background`, all comparing label types by :func:`label_kind`;
- recordings: :func:`check_recordings` (sktime panels: :func:`is_multiindex_panel`),
  alignment :func:`check_aligned` (:meth:`Recording.unaligned_modalities`),
  :func:`check_groups`; conversion to what the
  neural segmenters consume: :func:`as_graph_sequences`;
- lazy values (memory-mapped, or computed on access): :class:`LazyValues`, :func:`is_lazy`,
  :func:`lazy_values`;
- node names: :func:`qualified_node_names` (arrays': :func:`default_node_names`), compared
  by :func:`names_conflict`; feature
  names: :func:`node_feature_names`;
  missing sensors: :func:`present_nodes`
  (a node with a NaN channel is missing);
- labels given per sensor sample: :func:`segments_from_sample_labels` (runs of equal
  labels, read by :func:`labels_from_segment_table`; drop-outs by the rule of
  :attr:`Modality.period`).
"""

from ._containers import (
    GraphSequence,
    Modality,
    Recording,
    SensorGraph,
    default_node_names,
    names_conflict,
    node_feature_names,
    present_nodes,
    qualified_node_names,
)
from ._graph_sequences import as_graph_sequences
from ._lazy import LazyValues, is_lazy, lazy_values
from ._sample_labels import segments_from_sample_labels
from ._segments import labels_to_segments, segment_bounds, segments_to_labels
from ._tables import (
    TIME_COLUMNS,
    labels_from_segment_table,
    recording_from_dataframes,
    recordings_from_dataframe,
)
from ._validation import (
    check_aligned,
    check_background,
    check_groups,
    check_label_pairs,
    check_label_sequence,
    check_labels,
    check_layouts,
    check_recordings,
    is_multiindex_panel,
    label_kind,
)

__all__ = [
    "TIME_COLUMNS",
    "GraphSequence",
    "LazyValues",
    "Modality",
    "Recording",
    "SensorGraph",
    "as_graph_sequences",
    "check_aligned",
    "check_background",
    "check_groups",
    "check_label_pairs",
    "check_label_sequence",
    "check_labels",
    "check_layouts",
    "check_recordings",
    "default_node_names",
    "is_lazy",
    "is_multiindex_panel",
    "label_kind",
    "labels_from_segment_table",
    "labels_to_segments",
    "lazy_values",
    "names_conflict",
    "node_feature_names",
    "present_nodes",
    "qualified_node_names",
    "recording_from_dataframes",
    "recordings_from_dataframe",
    "segment_bounds",
    "segments_from_sample_labels",
    "segments_to_labels",
]
