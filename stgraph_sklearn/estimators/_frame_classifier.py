"""FrameClassifierSegmenter: any scikit-learn classifier on per-frame features."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.ndimage import uniform_filter1d
from sklearn.base import clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, InvalidParameterError
from sklearn.utils.validation import check_is_fitted

from ..exceptions import StgraphWarning, warn
from ..transformers import FrameFeatureFlattener
from ..utils import seed_from
from ._base import BaseSegmenter
from ._stream import FrameLocalStream

__all__ = ["FrameClassifierSegmenter"]


class FrameClassifierSegmenter(BaseSegmenter):
    """Classify every frame independently with a scikit-learn classifier (the classical baseline).

    Each frame becomes one row of features
    (:class:`~stgraph_sklearn.transformers.FrameFeatureFlattener`: node features, node-mask columns and, optionally, graph-smoothed
    features and graph total variation); ``classifier`` is fitted on the rows of all training
    recordings. Optionally the predicted class probabilities are smoothed over time with a
    centred moving average before taking the most likely class. Put a
    :class:`~stgraph_sklearn.transformers.NodeFeatureExtractor` before it in a pipeline to give
    each frame some temporal context.

    Parameters
    ----------
    classifier : scikit-learn classifier instance, default=None
        A classifier (``sklearn.base.is_classifier`` is True) with ``fit`` and ``predict``;
        its ``predict_proba`` is used when it has one, otherwise each frame gets probability 1
        for its predicted class. Regressors, clusterers and classes (``LogisticRegression``
        instead of ``LogisticRegression()``) are refused in ``fit``. Cloned in ``fit``.
        None means ``HistGradientBoostingClassifier(random_state=...)``,
        which handles the NaN of missing sensors natively; for a classifier whose tags say it
        cannot take NaN, missing sensors' features are 0 and the node-mask columns show them.
    graph_features : bool, default=True
        Add graph-smoothed features and graph total variation (see FrameFeatureFlattener).
    smoothing_window : int or None, default=None
        Width in frames of the centred moving average applied to the probabilities (an even
        width reaches one frame further back than ahead), truncated at the ends of the
        recording (the mean of the frames the window holds); None or 1 disables smoothing.
    temporal_stride : int, default=1
        Fit on every ``temporal_stride``-th frame only (for speed); predictions cover every frame.
    random_state : int, RandomState instance or None, default=None
        Passed to the default classifier (and to ``classifier`` if it has a ``random_state``
        parameter left at None).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    modalities_ : dict of str to tuple (n_nodes, n_features)
    node_names_ : tuple of str
    flattener_ : FrameFeatureFlattener
        The fitted feature flattener.
    feature_mask_ : ndarray of shape (n_flattened_features,) of bool
        Flattened feature columns observed at least once in training (the others are dropped).
    classifier_ : classifier
        The fitted classifier.
    graph_ : SensorGraph or None
        The graph of the training sequences, if they carried one.

    See Also
    --------
    MSTCNSegmenter : A temporal model on the same inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.estimators import FrameClassifierSegmenter
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(60, 3, 2) + np.repeat([[0.0], [2.0]], 30, axis=0)[:, :, None]
    ...      for _ in range(4)]
    >>> y = [np.repeat(["a", "b"], 30) for _ in range(4)]
    >>> seg = FrameClassifierSegmenter(smoothing_window=5, random_state=0).fit(X, y)
    >>> float(seg.score(X, y)) > 0.9
    True
    """

    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict"]), None],
        "graph_features": ["boolean"],
        "smoothing_window": [Interval(Integral, 1, None, closed="left"), None],
        "temporal_stride": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        classifier=None,
        *,
        graph_features=True,
        smoothing_window=None,
        temporal_stride=1,
        random_state=None,
    ):
        self.classifier = classifier
        self.graph_features = graph_features
        self.smoothing_window = smoothing_window
        self.temporal_stride = temporal_stride
        self.random_state = random_state

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Fast configurations for the common tests (sktime's convention).

        Parameters
        ----------
        parameter_set : str, default="default"
            The set to return; every name gives the same configurations (sktime's
            signature).

        Returns
        -------
        params : list of dict
        """
        from sklearn.linear_model import LogisticRegression

        return [
            {"classifier": HistGradientBoostingClassifier(max_iter=10), "random_state": 0},
            {
                "classifier": LogisticRegression(max_iter=200),
                "graph_features": False,
                "smoothing_window": 5,
            },
        ]

    def _validate_params(self):
        """The common checks, then: ``classifier`` must be a classifier instance.

        ``HasMethods`` lets a regressor, a clusterer or a class through (they all have ``fit``
        and ``predict``); predict then needs ``classes_`` and the class cannot be cloned.
        """
        super()._validate_params()
        clf = self.classifier
        if clf is None:
            return
        prefix = f"The 'classifier' parameter of {type(self).__name__} must be a"
        if isinstance(clf, type):
            raise InvalidParameterError(
                f"{prefix} scikit-learn classifier instance, or None. Got the class "
                f"{clf.__name__} instead; pass an instance, e.g. {clf.__name__}()."
            )
        try:
            kind = get_tags(clf).estimator_type
            ok = is_classifier(clf)
        except (AttributeError, TypeError):  # not a scikit-learn estimator: no tags
            kind, ok = None, False
        if not ok:
            what = f"{clf!r}, a {kind}," if kind else f"{clf!r}, not a classifier,"
            raise InvalidParameterError(
                f"{prefix} scikit-learn classifier instance (is_classifier is True) with fit "
                f"and predict (predict_proba is used when present), or None. Got {what} "
                "instead."
            )

    def _fit(self, sequences, targets):
        seed = seed_from(self.random_state)
        if self.classifier is None:
            clf = HistGradientBoostingClassifier(random_state=seed)
        else:
            clf = clone(self.classifier)
            if "random_state" in clf.get_params() and clf.get_params()["random_state"] is None:
                clf.set_params(random_state=seed)
        # NaN marks missing sensors; classifiers that cannot take NaN get zeros instead (the
        # node-mask columns still show what is missing).
        missing = "nan" if get_tags(clf).input_tags.allow_nan else "zero"
        # arrays whatever sklearn.set_config(transform_output=...) says: rows are sliced below
        self.flattener_ = (
            FrameFeatureFlattener(graph_features=self.graph_features, missing=missing)
            .set_output(transform="default")
            .fit(sequences)
        )
        rows = self.flattener_.transform(sequences)
        s = self.temporal_stride
        Xf = np.concatenate([r[::s] for r in rows])
        yf = np.concatenate([t[::s] for t in targets])
        kept = np.unique(yf)
        if kept.size < 2:
            raise ValueError(
                f"FrameClassifierSegmenter: with temporal_stride={s} the training frames hold "
                f"only the class {self.classes_[yf[0]].item()!r}; a classifier needs at least 2. Use "
                "a smaller temporal_stride or longer recordings."
            )
        if kept.size < len(self.classes_):  # their probability columns would stay zero
            lost = np.setdiff1d(np.arange(len(self.classes_)), kept)
            warn(
                f"FrameClassifierSegmenter: with temporal_stride={s} no training frame holds "
                f"the classes {self.classes_[lost].tolist()[:10]} ({lost.size} of "
                f"{len(self.classes_)}), so they can never be predicted. Use a smaller "
                "temporal_stride.",
                StgraphWarning,
            )
        # a column never observed in training (e.g. graph smoothing of an isolated node)
        # carries nothing and breaks some classifiers' binning: keep observed columns only
        self.feature_mask_ = ~np.isnan(Xf).all(axis=0)
        self.classifier_ = clf.fit(Xf[:, self.feature_mask_], yf)
        self.graph_ = sequences[0].graph
        return self

    def stream(self):
        """Start labelling a live stream of frames, each frame on its own.

        Without smoothing every frame's label depends on that frame's features only, so the
        model streams without look-ahead. For raw multi-rate samples use
        :meth:`SegmentationPipeline.stream
        <stgraph_sklearn.pipeline.SegmentationPipeline.stream>`.

        Returns
        -------
        stream : FrameLocalStream
            ``stream.partial_predict_proba(frames)`` returns the probabilities of the given
            frames; together they equal ``predict_proba`` on the whole stream.

        Raises
        ------
        ValueError
            If ``smoothing_window`` is above 1: the centred moving average reads later frames.
        """
        check_is_fitted(self)
        if self.smoothing_window is not None and self.smoothing_window > 1:
            raise ValueError(
                "FrameClassifierSegmenter.stream needs smoothing_window=None or 1 (the "
                "centred moving average of the probabilities reads later frames). Got "
                f"{self.smoothing_window} instead."
            )
        return FrameLocalStream(self)

    def _predict_proba_one(self, seq):
        check_is_fitted(self)
        (rows,) = self.flattener_.transform([seq])
        rows = rows[:, self.feature_mask_]
        n_classes = len(self.classes_)
        proba = np.zeros((rows.shape[0], n_classes), dtype=np.float64)
        seen = np.asarray(self.classifier_.classes_, dtype=np.int64)
        if hasattr(self.classifier_, "predict_proba"):
            proba[:, seen] = self.classifier_.predict_proba(rows)
        else:
            proba[np.arange(rows.shape[0]), self.classifier_.predict(rows).astype(np.int64)] = 1.0
        if self.smoothing_window is not None and self.smoothing_window > 1:
            # the mean over the frames of the window that exist: an edge frame is not repeated
            # to fill it (with a window as long as the recording, edge classes took over)
            w = self.smoothing_window
            counts = uniform_filter1d(np.ones(proba.shape[0]), size=w, mode="constant")
            proba = uniform_filter1d(proba, size=w, axis=0, mode="constant") / counts[:, None]
        return proba.astype(np.float32)
