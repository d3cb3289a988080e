"""Tests of get_scorer inside scikit-learn's model selection tools."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score, cross_validate
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.metrics import (
    edit_score,
    f1_at_k_score,
    frame_accuracy_score,
    get_scorer,
)

SCORER_NAMES = ["frame_accuracy", "edit", "f1@10", "f1@25", "f1@50"]


class ThresholdSegmenter(ClassifierMixin, BaseEstimator):
    """Labels a frame "active" when its first feature exceeds ``threshold``.

    ``fit`` insists on a list of recordings with one label sequence each, so the tests
    fail if scikit-learn splits anything other than whole recordings.
    """

    def __init__(self, threshold=0.5):
        self.threshold = threshold

    def fit(self, X, y, sample_weight=None):
        if not isinstance(X, list) or not isinstance(y, list) or len(X) != len(y):
            raise TypeError("X and y must be lists of the same length")
        for x, labels in zip(X, y, strict=True):
            if len(x) != len(labels):
                raise ValueError("a recording and its labels differ in length")
        self.classes_ = np.unique(np.concatenate(y))
        self.n_recordings_ = len(X)
        return self

    def predict(self, X):
        return [np.where(np.asarray(x)[:, 0] > self.threshold, "active", "idle") for x in X]


def make_recordings(n_recordings=12, seed=0):
    """Recordings of different lengths (so no 2-D array can hold them), labels, subjects."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(n_recordings):
        levels = np.repeat(rng.choice([0.2, 0.8], size=6), rng.integers(3, 9, size=6))
        X.append(np.column_stack([levels + rng.uniform(-0.05, 0.05, len(levels)), levels]))
        y.append(np.where(levels > 0.5, "active", "idle"))
    groups = np.arange(n_recordings) % 4
    return X, y, groups


def test_scorers_compute_their_metric():
    """Check each scorer against its metric on the estimator's predictions."""
    X, y, _ = make_recordings()
    est = ThresholdSegmenter(threshold=0.8).fit(X, y)
    y_pred = est.predict(X)
    expected = {
        "frame_accuracy": frame_accuracy_score(y, y_pred),
        "edit": edit_score(y, y_pred),
        "f1@10": f1_at_k_score(y, y_pred, k=0.1),
        "f1@25": f1_at_k_score(y, y_pred, k=0.25),
        "f1@50": f1_at_k_score(y, y_pred, k=0.5),
    }
    for name in SCORER_NAMES:
        score = get_scorer(name)(est, X, y)
        assert isinstance(score, float)
        assert score == expected[name]
    assert expected["edit"] < 1.0


def test_scorer_background():
    """Check that background labels are passed to the metric."""
    X, y, _ = make_recordings()
    est = ThresholdSegmenter(threshold=0.8).fit(X, y)
    got = get_scorer("f1@50", background="idle")(est, X, y)
    assert got == f1_at_k_score(y, est.predict(X), background={"idle"})
    assert get_scorer("f1@50", background={"idle"})(est, X, y) == got


def test_scorer_is_sklearn_scorer_pickle_and_unknown_name():
    """Check that scorers are make_scorer's, survive pickling, and that unknown names raise."""
    from sklearn.metrics._scorer import _BaseScorer

    assert isinstance(get_scorer("edit"), _BaseScorer)
    assert repr(get_scorer("f1@50")) == (
        "make_scorer(f1_at_k_score, response_method='predict', k=0.5)"
    )
    assert repr(get_scorer("edit", background=["bg"])) == (
        "make_scorer(edit_score, response_method='predict', background=['bg'])"
    )
    scorer = pickle.loads(pickle.dumps(get_scorer("f1@25")))
    assert repr(scorer) == repr(get_scorer("f1@25"))
    X, y, _ = make_recordings(4)
    assert scorer(ThresholdSegmenter().fit(X, y), X, y) == 1.0
    for bad in ["accuracy", "f1@75", "F1@50", None]:
        with pytest.raises(InvalidParameterError, match=r"The 'name' parameter of get_scorer"):
            get_scorer(bad)
    with pytest.raises(TypeError, match="background"):
        get_scorer("edit", background=[["bg"]])


class CountingSegmenter(ThresholdSegmenter):
    """ThresholdSegmenter that counts its predict calls (in a class attribute, so clones and
    the copies cross_validate makes all add to it)."""

    n_predict = 0

    def predict(self, X):
        type(self).n_predict += 1
        return super().predict(X)


@pytest.mark.parametrize("search", ["cross_validate", "grid_search"])
def test_multimetric_scoring_predicts_once_per_fold(search):
    """Check that five scorers in a dict share one predict call per fold."""
    X, y, groups = make_recordings()
    scoring = {name: get_scorer(name) for name in SCORER_NAMES}
    CountingSegmenter.n_predict = 0
    if search == "cross_validate":
        result = cross_validate(
            CountingSegmenter(threshold=0.8), X, y, groups=groups, cv=GroupKFold(2), scoring=scoring
        )
        assert set(SCORER_NAMES) <= {k[len("test_") :] for k in result if k.startswith("test_")}
    else:
        GridSearchCV(
            CountingSegmenter(),
            {"threshold": [0.5, 0.8]},
            scoring=scoring,
            refit=False,
            cv=GroupKFold(2),
        ).fit(X, y, groups=groups)
    # 5 scorers x 2 folds (x 2 candidates for the search): one predict per fit
    assert CountingSegmenter.n_predict == (2 if search == "cross_validate" else 4)


def test_grid_search_single_scorer_with_group_kfold():
    """Check GridSearchCV with one scorer: splits by recording, best threshold found."""
    X, y, groups = make_recordings()
    search = GridSearchCV(
        ThresholdSegmenter(),
        {"threshold": [0.0, 0.5, 0.9]},
        scoring=get_scorer("edit"),
        cv=GroupKFold(n_splits=4),
    ).fit(X, y, groups=groups)
    assert search.best_params_ == {"threshold": 0.5}
    assert search.best_score_ == 1.0
    assert search.best_estimator_.n_recordings_ == len(X)
    assert search.cv_results_["mean_test_score"][2] < 1.0


def test_grid_search_multimetric_dict_with_refit():
    """Check a dict of scorers with refit=: every metric reported, refit on the chosen one."""
    X, y, groups = make_recordings()
    scoring = {name: get_scorer(name) for name in SCORER_NAMES}
    search = GridSearchCV(
        ThresholdSegmenter(),
        {"threshold": [0.0, 0.5, 0.9]},
        scoring=scoring,
        refit="f1@50",
        cv=GroupKFold(n_splits=3),
    ).fit(X, y, groups=groups)
    for name in SCORER_NAMES:
        assert f"mean_test_{name}" in search.cv_results_
        assert search.cv_results_[f"mean_test_{name}"][1] == 1.0
    assert search.best_params_ == {"threshold": 0.5}
    assert search.best_score_ == 1.0
    # the refit scorer is used by search.score
    assert search.score(X, y) == 1.0


def test_cross_validate_dict_matches_per_fold_metrics():
    """Check cross_validate scores equal the metrics computed by hand on each held-out fold."""
    X, y, groups = make_recordings()
    est = ThresholdSegmenter(threshold=0.8)
    cv = GroupKFold(n_splits=4)
    scoring = {"acc": get_scorer("frame_accuracy"), "edit": get_scorer("edit")}
    result = cross_validate(est, X, y, groups=groups, cv=cv, scoring=scoring)
    for fold, (_, test) in enumerate(cv.split(X, y, groups)):
        y_test = [y[i] for i in test]
        y_pred = ThresholdSegmenter(threshold=0.8).predict([X[i] for i in test])
        assert result["test_acc"][fold] == frame_accuracy_score(y_test, y_pred)
        assert result["test_edit"][fold] == edit_score(y_test, y_pred)
    assert result["test_edit"].min() < 1.0


def test_cross_val_score_single_scorer():
    """Check cross_val_score with a scorer object."""
    X, y, groups = make_recordings()
    scores = cross_val_score(
        ThresholdSegmenter(), X, y, groups=groups, cv=GroupKFold(3), scoring=get_scorer("f1@25")
    )
    np.testing.assert_array_equal(scores, [1.0, 1.0, 1.0])


def test_multimetric_with_sample_weight_and_metadata_routing():
    """Check the two code paths where scikit-learn inspects scorers beyond calling them."""
    X, y, groups = make_recordings()
    scoring = {"edit": get_scorer("edit"), "f1": get_scorer("f1@50")}
    search = GridSearchCV(
        ThresholdSegmenter(), {"threshold": [0.5, 0.9]}, scoring=scoring, refit="edit", cv=3
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y, sample_weight=np.ones(len(X)))
    assert search.best_params_ == {"threshold": 0.5}
    assert any("does not support sample_weight" in str(w.message) for w in caught)
    with sklearn.config_context(enable_metadata_routing=True):
        result = cross_validate(
            ThresholdSegmenter(),
            X,
            y,
            cv=GroupKFold(3),
            scoring=scoring,
            params={"groups": groups},
        )
    np.testing.assert_array_equal(result["test_f1"], [1.0, 1.0, 1.0])


def test_get_scorer_checks_background_for_every_name():
    """Check that frame accuracy, which ignores background, still refuses an invalid one."""
    with pytest.raises(TypeError, match=r"^get_scorer: background must be None, a label"):
        get_scorer("frame_accuracy", background={"bg": 1})
