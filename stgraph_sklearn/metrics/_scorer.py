"""Scorers for model selection: ``scoring=get_scorer("edit")`` in GridSearchCV and friends.

:func:`get_scorer` returns scikit-learn scorers built with :func:`sklearn.metrics.make_scorer`,
so a multi-metric ``cross_validate`` or ``GridSearchCV`` calls ``predict`` once per fold and
shares the predictions between all its metrics. ``X`` is a list of recordings and ``y`` a list
of label sequences, which scikit-learn's cross-validation indexes by recording; the
prediction is a list of label sequences, which the segmentation scores compare sequence by
sequence.
"""

from __future__ import annotations

from numbers import Real

from sklearn.metrics import make_scorer
from sklearn.utils._param_validation import StrOptions, validate_params

from ..data import check_background
from ._segmentation import edit_score, f1_at_k_score, frame_accuracy_score

__all__ = ["get_scorer"]

# name -> (score function, its fixed keyword arguments, whether it takes ``background``)
_SCORERS = {
    "frame_accuracy": (frame_accuracy_score, {}, False),
    "edit": (edit_score, {}, True),
    "f1@10": (f1_at_k_score, {"k": 0.10}, True),
    "f1@25": (f1_at_k_score, {"k": 0.25}, True),
    "f1@50": (f1_at_k_score, {"k": 0.50}, True),
}


@validate_params(
    {
        "name": [StrOptions(set(_SCORERS))],
        "background": [None, str, bytes, Real, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def get_scorer(name, *, background=None):
    """Return a scikit-learn scorer for ``scoring=`` in GridSearchCV, cross_validate and friends.

    Parameters
    ----------
    name : {"frame_accuracy", "edit", "f1@10", "f1@25", "f1@50"}
        The score: frame accuracy (pooled over recordings), edit score (mean over
        recordings) or segmental F1 at IoU 0.10, 0.25 or 0.50 (pooled counts).
    background : None, label or collection of labels, default=None
        Labels excluded from segments (ignored by ``"frame_accuracy"``).

    Returns
    -------
    scorer : callable
        The scorer :func:`sklearn.metrics.make_scorer` builds from the metric:
        ``scorer(estimator, X, y) -> float`` calls ``estimator.predict(X)`` on the list of
        recordings and compares each predicted sequence with its true sequence. In a
        ``scoring`` dict (multi-metric search, with ``refit=``) all scorers share one
        ``predict`` call per fold.

    Raises
    ------
    InvalidParameterError
        If ``name`` is not one of the names above (a ``ValueError``).

    See Also
    --------
    frame_accuracy_score, edit_score, f1_at_k_score

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from stgraph_sklearn.metrics import get_scorer
    >>> class Constant(BaseEstimator):
    ...     def predict(self, X):
    ...         return [np.zeros(len(x), dtype=int) for x in X]
    >>> scorer = get_scorer("f1@50")
    >>> scorer
    make_scorer(f1_at_k_score, response_method='predict', k=0.5)
    >>> scorer(Constant(), [np.ones((4, 3)), np.ones((2, 3))], [[0, 0, 1, 1], [0, 0]])
    0.8
    """
    func, kwargs, takes_background = _SCORERS[name]
    kwargs = dict(kwargs)
    # checked for every name (fail now, not in the middle of a search), though
    # frame accuracy ignores it
    check_background(background, caller="get_scorer")
    if takes_background and background is not None:
        kwargs["background"] = background
    return make_scorer(func, **kwargs)
