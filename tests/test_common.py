"""Common tests of every public estimator: scikit-learn's data-free checks for all of them and
the sequence-estimator contract (fit returns self, clone/pickle/joblib round trips, NotFittedError,
no mutation of inputs, Pipeline + GridSearchCV + cross_validate) for the segmenters.

scikit-learn's data-dependent checks feed 2-D tabular X, which sequence estimators reject by
design (a 2-D array is ambiguous; see check_recordings), so only the data-free checks apply.
"""

import io
import pickle

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    check_valid_tag_types,
)

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
DATA_FREE_CHECKS = [
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_valid_tag_types,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
    check_mixin_order,
    check_do_not_raise_errors_in_init_or_set_params,
]
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


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("Estimator", SEGMENTERS + TRANSFORMERS, ids=lambda e: e.__name__)
def test_sklearn_data_free_checks(Estimator, check):
    check(Estimator.__name__, Estimator())


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
