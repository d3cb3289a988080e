"""evaluate_segmenters / summarize_evaluation / count_parameters."""

import numpy as np

from stgraph_sklearn.estimators import FrameClassifierSegmenter, MSTCNSegmenter
from stgraph_sklearn.model_selection import (
    count_parameters,
    evaluate_segmenters,
    fit_and_score,
    summarize_evaluation,
)


def _toy(n=6, seed=0):
    rng = np.random.RandomState(seed)
    X, y = [], []
    for _ in range(n):
        lab = np.repeat([0, 1, 0], 20)
        x = 0.3 * rng.randn(60, 2, 2)
        x[lab == 1, 0] += 2.0
        X.append(x)
        y.append(lab)
    return X, y, np.repeat([0, 1, 2], n // 3)


def test_evaluate_segmenters_scores_every_model_on_every_subject_fold():
    X, y, groups = _toy()
    tiny = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=2, random_state=0)
    results = evaluate_segmenters(
        {"tcn": tiny, "frame": FrameClassifierSegmenter(random_state=0)}, X, y, groups
    )
    assert len(results) == 6  # 2 models x GroupKFold(3)
    assert set(results["model"]) == {"tcn", "frame"}
    assert results.loc[results["model"] == "frame", "accuracy"].mean() > 0.9
    assert results["n_parameters"].iloc[0] == count_parameters(tiny.fit(X, y)) > 0
    assert results["frames_per_second"].gt(0).all()
    table = summarize_evaluation(results)
    assert list(table.index) == ["tcn", "frame"]
    assert table.loc["frame", "params"] == "-" and "±" in table.loc["tcn", "f1@50"]


def test_fit_and_score_fits_in_place_and_returns_predictions():
    X, y, _ = _toy()
    model = FrameClassifierSegmenter(random_state=0)
    scores, y_pred = fit_and_score(model, X[:4], y[:4], X[4:], y[4:])
    assert hasattr(model, "classes_")
    assert [p.shape for p in y_pred] == [yi.shape for yi in y[4:]]
    assert scores["accuracy"] == model.score(X[4:], y[4:])
    assert scores["n_parameters"] is None and scores["frames_per_second"] > 0


def test_count_parameters_of_a_non_neural_segmenter_is_none():
    X, y, _ = _toy(3)
    assert count_parameters(FrameClassifierSegmenter().fit(X, y)) is None


def test_evaluate_segmenters_names_the_failing_model_and_fold_and_checks_groups():
    import pytest

    X, y, groups = _toy()
    bad = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, lr=-1.0)
    with pytest.raises(ValueError, match=r"evaluate_segmenters: model 'bad', fold 0: .*'lr'"):
        evaluate_segmenters({"bad": bad}, X, y, groups)
    frame = {"frame": FrameClassifierSegmenter(random_state=0)}
    with pytest.raises(ValueError, match=r"needs at least 2 subjects in 'groups'\. Got 1"):
        evaluate_segmenters(frame, X, y, np.zeros(len(X)))
    with pytest.raises(ValueError, match="'groups' has a missing subject id"):
        evaluate_segmenters(frame, X, y, ["a", None, "b", "a", "b", "c"])
    results = evaluate_segmenters(frame, X[:4], y[:4])  # no groups: 4 folds, not 5
    assert sorted(results["fold"]) == [0, 1, 2, 3]


def test_evaluate_segmenters_checks_its_arguments_before_fitting():
    """Check that a list of estimators, or y and groups of the wrong length, are errors that
    name evaluate_segmenters and the argument, not sklearn's "inconsistent numbers of samples"
    or an AttributeError."""
    import pytest
    from sklearn.utils._param_validation import InvalidParameterError

    X, y, groups = _toy()
    frame = FrameClassifierSegmenter(random_state=0)
    with pytest.raises(InvalidParameterError, match="'estimators' parameter of evaluate_segm"):
        evaluate_segmenters([frame], X, y, groups)
    with pytest.raises(ValueError, match=r"evaluate_segmenters: y has 5 label sequences but X"):
        evaluate_segmenters({"frame": frame}, X, y[:5], groups)
    with pytest.raises(ValueError, match=r"evaluate_segmenters: y\[2\] has 59 labels but X\[2\]"):
        evaluate_segmenters({"frame": frame}, X, [*y[:2], y[2][:-1], *y[3:]], groups)
    with pytest.raises(ValueError, match=r"evaluate_segmenters: groups must have one id per rec"):
        evaluate_segmenters({"frame": frame}, X, y, groups[:4])


def test_fit_and_score_checks_y_test_against_x_test_before_fitting():
    """Check that y_test with fewer sequences than X_test is an error naming fit_and_score,
    y_test and X_test, raised before the model is fitted."""
    import pytest

    X, y, _ = _toy()
    model = FrameClassifierSegmenter(random_state=0)
    with pytest.raises(ValueError, match=r"fit_and_score: y_test has 1 label sequences but X_test"):
        fit_and_score(model, X[:4], y[:4], X[4:], y[4:5])
    assert not hasattr(model, "classes_")
