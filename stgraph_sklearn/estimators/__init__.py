"""Segmenters: frame-wise classifiers of lists of recordings in the scikit-learn API.

The neural segmenters wrap :mod:`stgraph_sklearn.nn` models through skorch; the skorch net is
built in ``fit`` and kept in ``net_``. :class:`NeuralSegmenter` is the extension point: give it
a torch module factory (``module=``) or subclass it and override ``build_module``.
"""

from ._adaptive import AdaptiveGraphSegmenter
from ._base import BaseSegmenter
from ._frame_classifier import FrameClassifierSegmenter
from ._mstcn import MSTCNSegmenter
from ._neural import NeuralSegmenter
from ._stgcn import STGCNSegmenter
from ._stream import FrameLocalStream, FrameStream

__all__ = [
    "AdaptiveGraphSegmenter",
    "BaseSegmenter",
    "FrameClassifierSegmenter",
    "FrameLocalStream",
    "FrameStream",
    "MSTCNSegmenter",
    "NeuralSegmenter",
    "STGCNSegmenter",
]
