"""Scorers for model selection: ``scoring=get_scorer("edit")`` in GridSearchCV and friends.

A scorer is a plain callable ``scorer(estimator, X, y) -> float``: scikit-learn accepts such
callables directly as ``scoring=`` and as values of a ``scoring`` dict for multi-metric search
(``_MultimetricScorer`` calls non-``_BaseScorer`` values as they are). ``X`` is a list of
recordings and ``y`` a list of label sequences, which scikit-learn's cross-validation indexes
by recording.
"""

from __future__ import annotations

from functools import partial

from ..data import check_background
from ._segmentation import edit_score, f1_at_k_score, frame_accuracy_score

__all__ = ["get_scorer"]

_SCORE_FUNCS = {
    "edit": edit_score,
    "f1@10": partial(f1_at_k_score, k=0.10),
    "f1@25": partial(f1_at_k_score, k=0.25),
    "f1@50": partial(f1_at_k_score, k=0.50),
    "frame_accuracy": frame_accuracy_score,
}
_SCORER_NAMES = ("frame_accuracy", "edit", "f1@10", "f1@25", "f1@50")


class _SegmentationScorer:
    """Callable ``scorer(estimator, X, y_true) -> float`` built by :func:`get_scorer`.

    It calls ``estimator.predict(X)`` (a list of 1-D label arrays, one per recording) and
    compares it with ``y_true`` sequence by sequence. Greater is better.
    """

    def __init__(self, name, background=None):
        self._name = name
        self._background = background

    def _score(self, y_true, y_pred):
        func = _SCORE_FUNCS[self._name]
        if self._name == "frame_accuracy":
            return float(func(y_true, y_pred))
        return float(func(y_true, y_pred, background=self._background))

    def __call__(self, estimator, X, y_true):
        """Score ``estimator.predict(X)`` against ``y_true``.

        Parameters
        ----------
        estimator : object
            A fitted sequence estimator with ``predict(X) -> list of (n_frames_i,)``.
        X : list of recordings
            The recordings to predict.
        y_true : list of array-like of shape (n_frames_i,)
            True labels, one sequence per recording.

        Returns
        -------
        score : float
            The score in [0, 1]; greater is better.
        """
        return self._score(y_true, estimator.predict(X))

    def _accept_sample_weight(self):
        # scikit-learn asks every scorer of a multi-metric dict this when fit gets
        # sample_weight; per-frame weights are not part of METRICS.md.
        return False

    def __repr__(self):
        args = repr(self._name)
        if self._background is not None:
            args += f", background={self._background!r}"
        return f"get_scorer({args})"

    def __eq__(self, other):
        return (
            type(other) is type(self)
            and other._name == self._name
            and other._background == self._background
        )

    def __hash__(self):
        try:
            return hash((self._name, self._background))
        except TypeError:
            return hash(self._name)


def get_scorer(name, *, background=None):
    """Return a scorer usable as ``scoring=`` in GridSearchCV, cross_validate and cross_val_score.

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
        ``scorer(estimator, X, y) -> float``: calls ``estimator.predict(X)`` on the list of
        recordings and compares each predicted sequence with its true sequence. Works alone
        and as a value of a ``scoring`` dict (multi-metric search with ``refit=``).

    Raises
    ------
    ValueError
        If ``name`` is not one of the names above.

    See Also
    --------
    frame_accuracy_score, edit_score, f1_at_k_score

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.metrics import get_scorer
    >>> class Constant:
    ...     def predict(self, X):
    ...         return [np.zeros(len(x), dtype=int) for x in X]
    >>> scorer = get_scorer("f1@50")
    >>> scorer
    get_scorer('f1@50')
    >>> scorer(Constant(), [np.ones((4, 3)), np.ones((2, 3))], [[0, 0, 1, 1], [0, 0]])
    0.8
    """
    if not isinstance(name, str) or name not in _SCORE_FUNCS:
        valid = ", ".join(repr(n) for n in _SCORER_NAMES)
        raise ValueError(f"{name!r} is not a valid scorer name. Valid names are {valid}.")
    check_background(background)  # fail now, not in the middle of a search
    return _SegmentationScorer(name, background=background)
