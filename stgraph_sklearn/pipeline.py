"""make_segmentation_pipeline: the standard preprocessing in front of a segmenter."""

from __future__ import annotations

from sklearn.pipeline import make_pipeline

from .transformers import ModalityAligner, NodeFeatureExtractor, SensorGraphBuilder, SequenceScaler

__all__ = ["make_segmentation_pipeline"]


def make_segmentation_pipeline(
    segmenter, *, windows=(0.5,), stats=("mean", "std"), graph="correlation", k=3
):
    """Build ``ModalityAligner -> NodeFeatureExtractor -> SequenceScaler -> SensorGraphBuilder
    -> segmenter``, the preprocessing used by the demo and the benchmarks.

    Raw multimodal recordings go in; every modality is resampled onto the frame timeline,
    summarised per node over centred windows, standardised on the training recordings and
    connected by a sensor graph, which the segmenter consumes. Steps are named as
    :func:`sklearn.pipeline.make_pipeline` names them, so ``GridSearchCV`` can tune e.g.
    ``sensorgraphbuilder__k`` or ``nodefeatureextractor__windows``.

    Parameters
    ----------
    segmenter : segmenter
        The final estimator (any of :mod:`stgraph_sklearn.estimators`).
    windows : tuple of float, default=(0.5,)
        Window lengths in seconds for :class:`~stgraph_sklearn.transformers.NodeFeatureExtractor`.
    stats : tuple of str, default=("mean", "std")
        Window statistics.
    graph : str, default="correlation"
        ``strategy`` of :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`.
    k : int, default=3
        Neighbours per node for the "correlation" and "knn" strategies.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline

    Examples
    --------
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> from stgraph_sklearn.pipeline import make_segmentation_pipeline
    >>> [name for name, _ in make_segmentation_pipeline(MSTCNSegmenter()).steps]
    ['modalityaligner', 'nodefeatureextractor', 'sequencescaler', 'sensorgraphbuilder', 'mstcnsegmenter']
    """
    return make_pipeline(
        ModalityAligner(),
        NodeFeatureExtractor(windows=windows, stats=stats),
        SequenceScaler(),
        SensorGraphBuilder(strategy=graph, k=k),
        segmenter,
    )
