"""stgraph_sklearn: spatiotemporal graph neural networks for temporal action segmentation of
multimodal sensor data, in the scikit-learn API.

The handful of names a notebook needs are re-exported here and imported lazily, so that
``import stgraph_sklearn.metrics`` (or plotting) does not import torch.

Subpackages: ``data`` (containers, validation), ``graph`` (graph construction),
``transformers`` (alignment, scaling, graphs, node features), ``nn`` (torch modules),
``estimators`` (segmenters), ``pipeline`` (the standard preprocessing), ``model_selection``
(comparing segmenters), ``metrics``, ``datasets``, ``plotting``, ``io`` (model files and
the data formats of the command line).
"""

import importlib

from ._version import __version__ as __version__

_LAZY = {
    "Modality": "data",
    "Recording": "data",
    "SensorGraph": "data",
    "GraphSequence": "data",
    "AdaptiveGraphSegmenter": "estimators",
    "FrameClassifierSegmenter": "estimators",
    "MSTCNSegmenter": "estimators",
    "STGCNSegmenter": "estimators",
    "FrameFeatureFlattener": "transformers",
    "ModalityAligner": "transformers",
    "NodeFeatureExtractor": "transformers",
    "SensorGraphBuilder": "transformers",
    "SequenceScaler": "transformers",
    "get_scorer": "metrics",
    "segmentation_report": "metrics",
    "make_kitchen_activities": "datasets",
    "SegmentationDisplay": "plotting",
    "make_segmentation_pipeline": "pipeline",
    "SegmentationPipeline": "pipeline",
    "load_model": "io",
    "save_model": "io",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
