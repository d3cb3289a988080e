"""Online segmentation: label a live multimodal stream as its samples arrive.

:class:`SegmentationStream` runs a fitted pipeline (aligner, feature steps, causal
segmenter) incrementally on raw multi-rate chunks, with memory bounded by the receptive
field; :meth:`SegmentationPipeline.stream <stgraph_sklearn.pipeline.SegmentationPipeline.stream>`
builds one.
"""

from ._csv import stream_csv
from ._stream import SegmentationStream

__all__ = ["SegmentationStream", "stream_csv"]
