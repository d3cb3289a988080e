"""Common tests of every public estimator and transformer.

1. **Every** scikit-learn common check (``sklearn.utils.estimator_checks``, the list
   ``_yield_all_checks`` gives) runs on every estimator and transformer, or is listed in
   :func:`expected_failed_checks` with the reason it does not apply. scikit-learn's own
   generator yields nothing for estimators whose tags say they take no 2-D input, so the list
   is taken as if they did; a check marked not applicable must still fail (if it starts to
   pass, move it to the checks that run).
2. The sequence-estimator contract on lists of recordings (fit returns self, clone / pickle /
   joblib round trips, NotFittedError, no mutation of inputs, Pipeline + GridSearchCV +
   cross_validate), the behaviour the data-dependent checks test on 2-D tables.

scikit-learn's data-dependent checks feed 2-D tabular X, which sequence estimators reject by
design (a 2-D array is ambiguous; see :func:`stgraph_sklearn.data.check_recordings`).
Estimators are built from ``get_test_params()`` (tiny models), so the checks stay fast.
"""

import inspect
import io
import pickle
import warnings
from functools import partial

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks
from sklearn.utils._tags import get_tags

import stgraph_sklearn.estimators
import stgraph_sklearn.transformers
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    NeuralSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.metrics import get_scorer
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)

SEGMENTERS = [
    AdaptiveGraphSegmenter,
    STGCNSegmenter,
    MSTCNSegmenter,
    NeuralSegmenter,
    FrameClassifierSegmenter,
]
TRANSFORMERS = [
    ModalityAligner,
    SequenceScaler,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    FrameFeatureFlattener,
]
# public estimator classes that are not estimators one can fit, with the reason
NOT_TESTED = {
    "BaseSegmenter": "abstract base class of the segmenters (no model to fit)",
}

_TWO_D = (
    "feeds 2-D tabular X, which sequence estimators reject by design (a 2-D array is "
    "ambiguous, see check_recordings); "
)
_COMMON_NOT_APPLICABLE = {
    "check_array_api_input": "inputs are lists of recordings, not array-API arrays",
    "check_complex_data": _TWO_D + "complex values are rejected by the containers",
    "check_dict_unchanged": _TWO_D + "covered by the no-mutation contract test below",
    "check_dont_overwrite_parameters": _TWO_D + "covered by test_fit_returns_self...",
    "check_dtype_object": _TWO_D + "object arrays are a TypeError in check_recordings",
    "check_estimator_sparse_array": _TWO_D + "there is no sparse recording",
    "check_estimator_sparse_matrix": _TWO_D + "there is no sparse recording",
    "check_estimators_dtypes": _TWO_D + "float32 / float64 recordings are tested per estimator",
    "check_estimators_empty_data_messages": _TWO_D + "empty recordings are tested in tests/data",
    "check_estimators_fit_returns_self": _TWO_D + "covered by test_fit_returns_self...",
    "check_estimators_overwrite_params": _TWO_D + "covered by test_fit_returns_self...",
    "check_estimators_pickle": _TWO_D + "covered by the pickle / joblib round-trip test",
    "check_f_contiguous_array_estimator": _TWO_D + "recordings are copied to float32",
    "check_fit2d_1feature": _TWO_D + "one-node recordings are tested per estimator",
    "check_fit2d_1sample": _TWO_D + "one-frame recordings are tested per estimator",
    "check_fit2d_predict1d": _TWO_D + "1-D input is rejected the same way",
    "check_fit_check_is_fitted": _TWO_D + "covered by test_clone_is_unfitted...",
    "check_fit_idempotent": _TWO_D + "covered by the seeded round-trip test",
    "check_fit_score_takes_y": _TWO_D + "fit and score take y (list of label sequences)",
    "check_methods_sample_order_invariance": _TWO_D + "frames are ordered in time",
    "check_methods_subset_invariance": _TWO_D + "predictions depend on temporal context",
    "check_n_features_in": _TWO_D + "layouts are modalities_, not n_features_in_",
    "check_pipeline_consistency": _TWO_D + "covered by the Pipeline + GridSearchCV test",
    "check_positive_only_tag_during_fit": _TWO_D + "any real values are accepted",
    "check_readonly_memmap_input": _TWO_D + "memory-mapped recordings are read by the loaders",
}
_CLASSIFIER_NOT_APPLICABLE = {
    "check_class_weight_classifiers": _TWO_D + "class_weight is tested on recordings",
    "check_classifier_data_not_an_array": _TWO_D + "X must be a list of recordings",
    "check_classifiers_classes": _TWO_D + "int and str labels are tested on recordings",
    "check_classifiers_one_label": _TWO_D + "one class is a ValueError on recordings",
    "check_classifiers_regression_target": _TWO_D + "check_labels rejects continuous labels",
    "check_classifiers_train": _TWO_D + "learning is tested on recordings",
    "check_requires_y_none": _TWO_D + "y=None is rejected by check_labels",
    "check_supervised_y_2d": _TWO_D + "y is a list of 1-D label sequences",
}
_TRANSFORMER_NOT_APPLICABLE = {
    "check_transformer_data_not_an_array": _TWO_D + "X must be a list of recordings",
    "check_transformer_general": _TWO_D + "fit_transform == fit().transform on recordings is "
    "tested in tests/transformers",
}

_PARTIAL_FIT_NOT_APPLICABLE = {
    "check_estimators_partial_fit_n_features": _TWO_D + "partial_fit takes recordings",
}


def expected_failed_checks(estimator):
    """``{check name: reason}`` of the scikit-learn checks that do not apply to ``estimator``.

    The format of ``parametrize_with_checks(..., expected_failed_checks=...)``.
    """
    out = dict(_COMMON_NOT_APPLICABLE)
    if is_classifier(estimator):
        out.update(_CLASSIFIER_NOT_APPLICABLE)
    if hasattr(estimator, "transform"):
        out.update(_TRANSFORMER_NOT_APPLICABLE)
    if hasattr(estimator, "partial_fit"):  # without partial_fit the check has nothing to test
        out.update(_PARTIAL_FIT_NOT_APPLICABLE)
    return out


def _check_name(check):
    return (check.func if isinstance(check, partial) else check).__name__


def all_sklearn_checks(estimator):
    """Every check of ``_yield_all_checks`` for ``estimator``, taken as if it accepted 2-D X
    (otherwise scikit-learn yields none for a sequence estimator)."""
    listing = clone(estimator)
    tags = get_tags(estimator)
    tags.input_tags.two_d_array = True
    listing.__sklearn_tags__ = lambda: tags
    return list(estimator_checks._yield_all_checks(listing, legacy=True))


def _instances():
    for cls in SEGMENTERS:
        yield cls(**cls.get_test_params()[0])
    for cls in TRANSFORMERS:
        yield cls()


CHECK_CASES = [
    pytest.param(
        est,
        check,
        id=f"{type(est).__name__}-{estimator_checks._get_check_estimator_ids(check)}",
    )
    for est in _instances()
    for check in all_sklearn_checks(est)
]


@pytest.mark.parametrize("estimator, check", CHECK_CASES)
def test_sklearn_common_check(estimator, check):
    """Run one scikit-learn check, or check that a not-applicable one still fails."""
    name = _check_name(check)
    reason = expected_failed_checks(estimator).get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if reason is None:
            check(type(estimator).__name__, clone(estimator))
        else:
            with pytest.raises(Exception):  # noqa: B017 - any failure: the check does not apply
                check(type(estimator).__name__, clone(estimator))


def test_every_public_estimator_is_checked_and_every_reason_is_used():
    """Check that the lists above cover every public estimator and hold no stale entry."""
    public = {
        name
        for module in (stgraph_sklearn.estimators, stgraph_sklearn.transformers)
        for name in module.__all__
        if inspect.isclass(getattr(module, name))
        and issubclass(getattr(module, name), BaseEstimator)
    }
    tested = {cls.__name__ for cls in SEGMENTERS + TRANSFORMERS}
    assert public == tested | (public & set(NOT_TESTED)), public - tested - set(NOT_TESTED)
    yielded = {_check_name(c) for est in _instances() for c in all_sklearn_checks(est)}
    listed = {
        **_COMMON_NOT_APPLICABLE,
        **_CLASSIFIER_NOT_APPLICABLE,
        **_TRANSFORMER_NOT_APPLICABLE,
        **_PARTIAL_FIT_NOT_APPLICABLE,
    }
    assert set(listed) <= yielded, set(listed) - yielded
    assert len(yielded) >= 50  # the whole list, not a hand-picked subset


SEGMENTER_CASES = [
    pytest.param(cls(**params), id=f"{cls.__name__}-{i}")
    for cls in SEGMENTERS
    for i, params in enumerate(cls.get_test_params())
]


def _toy(n_recordings=6, seed=0):
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n_recordings):
        t = 60 + 10 * (i % 3)
        lab = (np.arange(t) * 3 // t).astype(int)
        x = 0.3 * rng.randn(t, 3, 2)
        x[lab == 1, 0] += 2.0
        x[lab == 2, 2] -= 2.0
        X.append(x)
        y.append(np.array(["a", "b", "c"])[lab])
    return X, y, np.repeat(np.arange(3), n_recordings // 3)


@pytest.mark.parametrize("estimator", SEGMENTER_CASES)
def test_fit_returns_self_and_round_trips_give_identical_predictions(estimator):
    X, y, _ = _toy()
    X_before = [x.copy() for x in X]
    y_before = [yi.copy() for yi in y]
    params_before = estimator.get_params()
    assert estimator.fit(X, y) is estimator
    for a, b in zip(X, X_before, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(y, y_before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert estimator.get_params().keys() == params_before.keys()
    pred = estimator.predict(X)
    proba = estimator.predict_proba(X)
    restored = pickle.loads(pickle.dumps(estimator))
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    buffer.seek(0)
    from_joblib = joblib.load(buffer)
    for other in (restored, from_joblib):
        for p, q in zip(proba, other.predict_proba(X), strict=True):
            np.testing.assert_allclose(p, q, rtol=1e-6, atol=1e-7)
        for p, q in zip(pred, other.predict(X), strict=True):
            np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("estimator", SEGMENTER_CASES)
def test_clone_is_unfitted_and_not_fitted_error(estimator):
    X, _, _ = _toy(3)
    fresh = clone(estimator)
    assert repr(fresh) == repr(estimator) and not hasattr(fresh, "classes_")
    for method in ("predict", "predict_proba", "predict_segments"):
        with pytest.raises(NotFittedError):
            getattr(fresh, method)(X)


@pytest.mark.parametrize("estimator", SEGMENTER_CASES)
def test_pipeline_grid_search_and_cross_validate_by_subject(estimator):
    X, y, groups = _toy(6)
    pipe = make_pipeline(SequenceScaler(), SensorGraphBuilder(k=1), clone(estimator))
    search = GridSearchCV(
        pipe,
        {"sensorgraphbuilder__k": [1, 2]},
        cv=GroupKFold(n_splits=3),
        scoring={"f1@50": get_scorer("f1@50"), "acc": get_scorer("frame_accuracy")},
        refit="f1@50",
    )
    search.fit(X, y, groups=groups)
    assert search.best_params_["sensorgraphbuilder__k"] in (1, 2)
    assert len(search.predict(X)) == len(X)
    scores = cross_validate(
        pipe,
        X,
        y,
        groups=groups,
        cv=GroupKFold(n_splits=3),
        scoring={"edit": get_scorer("edit"), "f1@10": get_scorer("f1@10")},
    )
    assert scores["test_edit"].shape == (3,)
    assert np.all((scores["test_f1@10"] >= 0) & (scores["test_f1@10"] <= 1))


@pytest.mark.parametrize("Estimator", SEGMENTERS + TRANSFORMERS, ids=lambda e: e.__name__)
def test_docstring_documents_every_parameter(Estimator):
    """Check that the numpydoc Parameters section names every constructor parameter."""
    import re

    doc = Estimator.__doc__
    section = doc[doc.index("Parameters\n") : doc.index("Attributes\n")]
    documented = set(re.findall(r"^    (\w+) :", section, flags=re.MULTILINE))
    assert set(Estimator().get_params(deep=False)) == documented
