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
