"""make_segmentation_pipeline: the standard preprocessing in front of a segmenter."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .data import Recording
from .transformers import ModalityAligner, NodeFeatureExtractor, SensorGraphBuilder, SequenceScaler

__all__ = ["SegmentationPipeline", "make_segmentation_pipeline"]


def _on_recording_clocks(segments, recordings):
    """``segments`` with ``start_time`` / ``end_time``: ``start_s`` / ``end_s`` on each
    recording's own clock (Timestamps from ``start_datetime`` if every recording has one)."""
    rows = segments["recording"].to_numpy()
    out = segments.copy()
    at = out.columns.get_loc("end_s") + 1
    if all(r.start_datetime is not None for r in recordings):
        origin = pd.Series([recordings[i].start_datetime for i in rows], index=out.index)
        bounds = [origin + pd.to_timedelta(out[c], unit="s") for c in ("start_s", "end_s")]
    else:
        origin = np.array([recordings[i].start_time for i in rows], dtype=np.float64)
        bounds = [origin + out[c].to_numpy() for c in ("start_s", "end_s")]
    out.insert(at, "start_time", bounds[0])
    out.insert(at + 1, "end_time", bounds[1])
    return out


def _final_estimator_has(attr):
    """``available_if`` check: the final step has ``attr``."""

    def check(pipeline):
        return hasattr(pipeline.steps[-1][1], attr)

    return check


class SegmentationPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that also forwards ``predict_segments``.

    Identical to scikit-learn's Pipeline (same parameters, slicing, ``clone`` and
    ``GridSearchCV`` behaviour), plus :meth:`predict_segments` when the final step is a
    segmenter: scikit-learn only forwards its standard methods.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        The transformers, then the segmenter, as in :class:`~sklearn.pipeline.Pipeline`
        (:func:`make_segmentation_pipeline` builds the standard ones).
    transform_input : list of str, default=None
        As in :class:`~sklearn.pipeline.Pipeline` (metadata routing only).
    memory : str or object with the joblib.Memory interface, default=None
        Caches the fitted transformers, as in :class:`~sklearn.pipeline.Pipeline`.
    verbose : bool, default=False
        Print the time each step takes to fit.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.estimators import FrameClassifierSegmenter
    >>> from stgraph_sklearn.pipeline import SegmentationPipeline
    >>> from stgraph_sklearn.transformers import SequenceScaler
    >>> X = [np.random.RandomState(0).randn(40, 2, 3)]
    >>> y = [np.repeat(["idle", "stir"], 20)]
    >>> model = SegmentationPipeline(
    ...     [("scale", SequenceScaler()), ("seg", FrameClassifierSegmenter())]
    ... ).fit(X, y)
    >>> list(model.predict_segments(X).columns)
    ['recording', 'name', 'start', 'end', 'start_s', 'end_s', 'label', 'confidence']
    """

    @available_if(_final_estimator_has("predict_segments"))
    def predict_segments(self, X):
        """Transform ``X`` with all steps but the last, then ``predict_segments`` of the last.

        Parameters
        ----------
        X : list of recordings
            What the first step accepts.

        Returns
        -------
        segments : pandas.DataFrame
            As the segmenter's: ``recording``, ``name``, ``start``, ``end`` (exclusive), ``start_s``,
            ``end_s`` (seconds from frame 0), ``label``, ``confidence``. When ``X`` holds
            :class:`~stgraph_sklearn.data.Recording` objects, also ``start_time`` and
            ``end_time`` after ``end_s``: the bounds on the clock of the data the recordings
            were read from, the clock of the segment tables
            :func:`~stgraph_sklearn.data.labels_from_segment_table` reads. They are
            Timestamps if every recording has a ``start_datetime`` (tables whose times are
            datetimes), else seconds (``start_time + start_s``).
        """
        segments = self.steps[-1][1].predict_segments(self[:-1].transform(X))
        if isinstance(X, (list, tuple)) and X and all(isinstance(r, Recording) for r in X):
            segments = _on_recording_clocks(segments, X)
        return segments

    @available_if(_final_estimator_has("stream"))
    def stream(self, *, frame_rate=None, rates=None):
        """Start labelling a live stream of raw samples (the segmenter must be causal).

        Parameters
        ----------
        frame_rate : float, default=None
            Reference frame rate in Hz; None: that of the training recordings.
        rates : dict of str to float, default=None
            Nominal sampling rate in Hz of modalities whose stream differs from the training
            recordings (or whose training recordings differ from each other); the others
            keep the rate learned in fit.

        Returns
        -------
        stream : SegmentationStream
            ``stream.partial_predict(chunk)`` labels the frames each chunk of samples
            completes and ``stream.close()`` the rest; see
            :class:`~stgraph_sklearn.streaming.SegmentationStream`.
        """
        from .streaming import SegmentationStream

        check_is_fitted(self)  # names the pipeline, not its first step
        return SegmentationStream(self, frame_rate=frame_rate, rates=rates)


def make_segmentation_pipeline(
    segmenter,
    *,
    windows=(0.5,),
    stats=("mean", "std"),
    graph="correlation",
    k="auto",
    edges=None,
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
    graph : {"correlation", "full", "edges", "knn", "modality"}, default="correlation"
        ``strategy`` of :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`.
    k : int or "auto", default="auto"
        Neighbours per node for the "correlation" and "knn" strategies; ``"auto"`` is
        ``min(3, n_nodes - 1)``, so the pipeline fits any sensor count without a warning.
    edges : list of (str, str), default=None
        The (source, target) node-name pairs of ``graph="edges"`` (``edges`` of
        :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`).

    Raises
    ------
    TypeError
        If ``segmenter`` is not an estimator instance with ``fit`` and ``predict``.
    ValueError
        If ``graph`` is not a strategy, or is ``"edges"`` without ``edges``.

    Returns
    -------
    pipeline : SegmentationPipeline
        A scikit-learn Pipeline that also forwards ``predict_segments``.

    Examples
    --------
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> from stgraph_sklearn.pipeline import make_segmentation_pipeline
    >>> [name for name, _ in make_segmentation_pipeline(MSTCNSegmenter()).steps]
    ['modalityaligner', 'nodefeatureextractor', 'sequencescaler', 'sensorgraphbuilder', 'mstcnsegmenter']
    """
    where = "make_segmentation_pipeline"
    if isinstance(segmenter, type) or not (
        hasattr(segmenter, "fit") and hasattr(segmenter, "predict")
    ):
        raise TypeError(
            f"{where}: 'segmenter' must be a segmenter instance (with fit and predict), e.g. "
            f"AdaptiveGraphSegmenter(). Got {segmenter!r}."
        )
    module = type(segmenter).__module__
    # a scikit-learn model reads tables, not GraphSequences (its searches, pipelines and
    # FrozenEstimator may wrap a segmenter)
    if module.startswith("sklearn.") and not module.startswith(
        ("sklearn.model_selection", "sklearn.pipeline", "sklearn.compose", "sklearn.frozen")
    ):
        raise TypeError(
            f"{where}: 'segmenter' must read the sequences of graph features the pipeline "
            f"makes; {type(segmenter).__name__} reads tables of samples. Wrap it as "
            f"FrameClassifierSegmenter(classifier={type(segmenter).__name__}(...))."
        )
    strategies = sorted(SensorGraphBuilder._parameter_constraints["strategy"][0].options)
    if not isinstance(graph, str) or graph not in strategies:
        raise ValueError(f"{where}: 'graph' must be one of {strategies}. Got {graph!r}.")
    if graph == "edges" and edges is None:
        raise ValueError(
            f"{where}: graph='edges' needs edges=[(source, target), ...], the node-name pairs "
            "to connect."
        )
    steps = make_pipeline(
        ModalityAligner(),
        NodeFeatureExtractor(windows=windows, stats=stats),
        SequenceScaler(),
        SensorGraphBuilder(strategy=graph, k=k, edges=edges),
        segmenter,
    ).steps
    return SegmentationPipeline(steps)
