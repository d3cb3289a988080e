"""evaluate_segmenters / summarize_evaluation / count_parameters on degenerate input."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from stgraph_sklearn.estimators import FrameClassifierSegmenter, MSTCNSegmenter
from stgraph_sklearn.model_selection import (
    count_parameters,
    evaluate_segmenters,
    summarize_evaluation,
)
from stgraph_sklearn.pipeline import make_segmentation_pipeline


def _toy():
    rng = np.random.RandomState(0)
    return [rng.randn(40, 3, 2) for _ in range(4)], [np.repeat(["a", "b"], 20)] * 4


def test_evaluate_segmenters_rejects_an_empty_mapping():
    """Check that no segmenters is an error naming the argument, not an empty table."""
    X, y = _toy()
    with pytest.raises(ValueError, match=r"^evaluate_segmenters: 'estimators' must map at least"):
        evaluate_segmenters({}, X, y, groups=[0, 0, 1, 1])


@pytest.mark.parametrize(
    "results, missing",
    [
        (pd.DataFrame(), r"\['model', 'accuracy', .*'frames_per_second'\]"),
        (pd.DataFrame({"model": ["m"], "accuracy": [1.0]}), r"\['edit', "),
    ],
    ids=["empty", "partial"],
)
def test_summarize_evaluation_names_the_missing_columns(results, missing):
    """Check that a table without the columns of evaluate_segmenters gets a ValueError that
    names them, not pandas' KeyError 'model'."""
    with pytest.raises(ValueError, match=r"^summarize_evaluation: 'results' .*lacks the columns "):
        summarize_evaluation(results)
    with pytest.raises(ValueError, match=missing):
        summarize_evaluation(results)


@pytest.mark.parametrize(
    "model", [MSTCNSegmenter(), make_segmentation_pipeline(MSTCNSegmenter())], ids=["alone", "pipe"]
)
def test_count_parameters_of_an_unfitted_neural_segmenter_raises(model):
    """Check that an unfitted neural segmenter raises NotFittedError instead of returning
    None, the value documented for models without a network."""
    with pytest.raises(NotFittedError, match=r"count_parameters: this MSTCNSegmenter instance"):
        count_parameters(model)


def test_count_parameters_of_a_non_neural_segmenter_is_none_fitted_or_not():
    X, y = _toy()
    assert count_parameters(FrameClassifierSegmenter()) is None
    assert count_parameters(FrameClassifierSegmenter(random_state=0).fit(X, y)) is None


def test_evaluate_segmenters_names_the_estimator_whose_parameter_is_bad():
    """Check that an estimator's invalid parameter is reported as that estimator's, with
    the model and fold: scikit-learn's validate_params wrapper renamed it "the 'max_epochs'
    parameter of evaluate_segmenters"."""
    from sklearn.utils._param_validation import InvalidParameterError

    from stgraph_sklearn.estimators import MSTCNSegmenter

    X = [np.random.RandomState(i).randn(40, 2, 2) for i in range(4)]
    y = [np.repeat([0, 1], 20)] * 4
    with pytest.raises(
        InvalidParameterError,
        match=r"model 'ms', fold 0: The 'max_epochs' parameter of MSTCNSegmenter must be",
    ):
        evaluate_segmenters({"ms": MSTCNSegmenter(max_epochs=0)}, X, y, cv=2)


class RecordsTrainingRecordings(FrameClassifierSegmenter):
    """A frame classifier that logs the first frame value of every recording it is fitted on."""

    seen = []

    def fit(self, X, y):
        type(self).seen.append(sorted(float(x[0, 0, 0]) for x in X))
        return super().fit(X, y)


def test_an_int_cv_with_groups_folds_by_subject():
    """Check that cv=2 with groups gives subject-disjoint folds (it was a KFold that ignored
    the groups, with scikit-learn's warning as the only sign of the subject leak)."""
    X, y = _toy()
    X = [np.full_like(x, i) for i, x in enumerate(X)]  # recording i holds the value i
    groups = ["s0", "s1", "s0", "s1"]  # KFold(2) would test recordings 0 and 1 together
    RecordsTrainingRecordings.seen = []
    est = RecordsTrainingRecordings(random_state=0)
    evaluate_segmenters({"m": est}, X, y, groups=groups, cv=2)
    assert sorted(map(tuple, RecordsTrainingRecordings.seen)) == [(0.0, 2.0), (1.0, 3.0)]


@pytest.mark.parametrize(
    "cv, match",
    [
        (
            [([0, 1], [2, 9])],
            r"cv split 0 has test indices \[2, 9\] that are not positions of the 4",
        ),
        ([([0, 1], [])], "cv split 0 has no test recording"),
        ([], r"cv=\[\] gave no split"),
    ],
)
def test_evaluate_segmenters_checks_the_splits(cv, match):
    """Check that splits indexing past X are named (an IndexError came from deep inside)."""
    X, y = _toy()
    with pytest.raises(ValueError, match=f"^evaluate_segmenters: {match}"):
        evaluate_segmenters({"m": FrameClassifierSegmenter()}, X, y, cv=cv)


def test_evaluate_segmenters_names_a_splitter_that_cannot_split():
    """Check that a splitter's own error gets the function's name and a hint."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    X, y = _toy()
    with pytest.raises(ValueError, match=r"^evaluate_segmenters: cv=StratifiedKFold.*stratif"):
        evaluate_segmenters({"m": FrameClassifierSegmenter()}, X, y, cv=StratifiedKFold(2))
    with pytest.raises(ValueError, match=r"^evaluate_segmenters: cv=GroupKFold.*groups"):
        evaluate_segmenters({"m": FrameClassifierSegmenter()}, X, y, cv=GroupKFold(2))


class FailsWithKeyError(FrameClassifierSegmenter):
    def fit(self, X, y):
        raise KeyError("boom")


@pytest.mark.skipif(not hasattr(Exception, "add_note"), reason="exception notes: Python 3.11")
def test_evaluate_segmenters_names_model_and_fold_for_any_error():
    """Check that an error other than ValueError / TypeError / RuntimeError keeps its type and
    says which model and fold raised it (it had no context)."""
    X, y = _toy()
    with pytest.raises(KeyError) as info:
        evaluate_segmenters({"bad": FailsWithKeyError()}, X, y, groups=[0, 0, 1, 1])
    assert info.value.__notes__ == ["raised by evaluate_segmenters: model 'bad', fold 0"]


def test_summarize_evaluation_shows_the_parameter_range_and_keeps_every_model():
    """Check that folds with different parameter counts show both, and that no row is dropped."""
    scores = {k: [0.5, 0.7] for k in ["accuracy", "edit", "f1@10", "f1@25", "f1@50"]}
    results = pd.DataFrame(
        {
            "model": ["a", "a"],
            "n_parameters": [100, 120],
            "fit_time": 1.0,
            "frames_per_second": 10.0,
            **scores,
        }
    )
    table = summarize_evaluation(results)
    assert table.loc["a", "params"] == "100-120"
    assert table.loc["a", "accuracy"] == "60.0 ± 10.0"  # ddof=0, as documented
    results["model"] = [None, "b"]
    assert len(summarize_evaluation(results)) == 2


@pytest.mark.parametrize("bad", [None, "MSTCNSegmenter", 42, MSTCNSegmenter])
def test_count_parameters_refuses_what_is_not_an_estimator(bad):
    """Check that a name, a class or None is refused (they returned None, the value for
    fitted models without a network)."""
    with pytest.raises(TypeError, match=r"^count_parameters: 'estimator' must be a segmenter"):
        count_parameters(bad)


@pytest.mark.parametrize("cv", [0, 1])
def test_an_int_cv_below_two_with_groups_names_the_function(cv):
    """Check that cv=1 with groups gets the function's message, as without groups: the
    GroupKFold built for it raised scikit-learn's bare n_splits error."""
    X, y = _toy()
    with pytest.raises(ValueError, match=rf"^evaluate_segmenters: cv={cv} could not split"):
        evaluate_segmenters({"m": FrameClassifierSegmenter()}, X, y, groups=[0, 0, 1, 1], cv=cv)


def test_count_parameters_sees_through_a_fitted_search():
    """Check that a tuned model counts its best network: a search (alone, at the end of a
    pipeline, or of pipelines) gave None, the value for models without a network, so
    evaluate_segmenters showed a tuned neural model's size as '-'."""
    from sklearn.model_selection import GridSearchCV, GroupKFold

    X, y = _toy()
    seg = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, random_state=0)
    grid = {"hidden_channels": [4]}
    search = GridSearchCV(seg, grid, cv=GroupKFold(2))
    with pytest.raises(NotFittedError, match=r"count_parameters: this GridSearchCV instance"):
        count_parameters(search)
    expected = count_parameters(MSTCNSegmenter(**seg.get_params()).fit(X, y))
    groups = [0, 0, 1, 1]
    assert count_parameters(search.fit(X, y, groups=groups)) == expected
    outer = make_segmentation_pipeline(GridSearchCV(seg, grid, cv=GroupKFold(2)))
    in_pipeline = count_parameters(
        make_segmentation_pipeline(MSTCNSegmenter(**seg.get_params())).fit(X, y)
    )
    assert count_parameters(outer.fit(X, y, gridsearchcv__groups=groups)) == in_pipeline
    of_pipes = GridSearchCV(
        make_segmentation_pipeline(seg), {"mstcnsegmenter__hidden_channels": [4]}, cv=GroupKFold(2)
    )
    assert count_parameters(of_pipes.fit(X, y, groups=groups)) == in_pipeline
