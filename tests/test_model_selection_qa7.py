"""evaluate_segmenters / fit_and_score: positional folds, and arguments checked before any fit."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.estimators import FrameClassifierSegmenter, MSTCNSegmenter
from stgraph_sklearn.model_selection import evaluate_segmenters, fit_and_score

_SCORES = ["accuracy", "edit", "f1@10", "f1@25", "f1@50"]


def _toy():
    """Four recordings of 60 frames whose features follow their own labels: paired with
    another recording's labels, a model scores differently."""
    rng = np.random.RandomState(0)
    X, y = [], []
    for i in range(4):
        lab = np.repeat(np.roll(["a", "b", "c"], i), 20)
        code = np.searchsorted(["a", "b", "c"], lab)
        X.append(0.3 * rng.randn(60, 2, 2) + code[:, None, None])
        y.append(lab)
    return X, y, [0, 1, 0, 1]


class RecordsFits(FrameClassifierSegmenter):
    """A frame classifier that counts its fits."""

    n_fits = 0

    def fit(self, X, y):
        type(self).n_fits += 1
        return super().fit(X, y)


@pytest.mark.parametrize(
    "as_series",
    [
        ("y", [3, 2, 1, 0]),
        ("y", ["r0", "r1", "r2", "r3"]),
        ("X", [3, 2, 1, 0]),
    ],
    ids=["y-reversed-index", "y-named-index", "X-reversed-index"],
)
def test_evaluate_segmenters_reads_a_series_by_position(as_series):
    """Check that a pandas Series y (or X) is read by position, as check_labels validated it
    and as cross_validate indexes it: its folds were built with y[i], by index label, so a
    non-default integer index trained and scored recordings on other recordings' labels
    (silently wrong scores) and an index of names gave a raw KeyError."""
    X, y, groups = _toy()
    model = {"frame": FrameClassifierSegmenter(random_state=0)}
    expected = evaluate_segmenters(model, X, y, groups, cv=2)
    which, index = as_series
    if which == "y":
        y = pd.Series(y, index=index)
    else:
        X = pd.Series(X, index=index)
    results = evaluate_segmenters(model, X, y, groups, cv=2)
    pd.testing.assert_frame_equal(results[_SCORES], expected[_SCORES])


@pytest.mark.parametrize(
    "background, match",
    [
        (0, r"background=0 holds numeric labels but the sequences hold string labels"),
        ({"background": 1}, r"background must be None, a label, or a collection of labels"),
    ],
    ids=["wrong-type", "dict"],
)
def test_evaluate_segmenters_checks_background_before_any_fit(background, match):
    """Check that a background that can match no frame, or that is not a collection of
    labels, is refused before any model is fitted: segmentation_report refused it only after
    the first model had trained on fold 0."""
    X, y, groups = _toy()
    RecordsFits.n_fits = 0
    with pytest.raises(TypeError, match=rf"^evaluate_segmenters: {match}"):
        evaluate_segmenters({"m": RecordsFits()}, X, y, groups, background=background)
    assert RecordsFits.n_fits == 0


@pytest.mark.parametrize(
    "bad, got",
    [
        (None, r"Got None \(NoneType\) instead\."),
        ("MSTCNSegmenter", r"Got 'MSTCNSegmenter' \(str\) instead\."),
        (MSTCNSegmenter, r"Got <class '.*MSTCNSegmenter'> \(type\) instead\."),
    ],
    ids=["None", "name", "class"],
)
def test_evaluate_segmenters_checks_every_estimator_before_any_fit(bad, got):
    """Check that a value of estimators that is not an estimator is an error naming
    evaluate_segmenters, its key and what was got, raised before any fit: it was found only
    when its turn came, after the models before it had trained on fold 0."""
    X, y, groups = _toy()
    RecordsFits.n_fits = 0
    with pytest.raises(
        TypeError, match=rf"^evaluate_segmenters: estimators\['typo'\] must be a segmenter .*{got}"
    ):
        evaluate_segmenters({"ok": RecordsFits(), "typo": bad}, X, y, groups)
    assert RecordsFits.n_fits == 0


def test_fit_and_score_checks_background_before_fitting():
    """Check that fit_and_score refuses a background that can match no frame before the
    fit: it was found by segmentation_report, after the model had trained."""
    X, y, _ = _toy()
    model = FrameClassifierSegmenter(random_state=0)
    with pytest.raises(TypeError, match=r"^fit_and_score: background=0 holds numeric labels"):
        fit_and_score(model, X[:2], y[:2], X[2:], y[2:], background=0)
    assert not hasattr(model, "classes_")


def test_evaluate_segmenters_splits_an_sktime_panel_by_instance():
    """Check that a pd-multiindex panel (rows are time points) is split by instance and
    scores as its numpy3D form does: its rows were counted as recordings, so groups of one
    id per instance were refused ("one id per recording (300)")."""
    rng = np.random.default_rng(0)
    n, T = 6, 50
    X3 = rng.normal(size=(n, 2, T))
    y = [np.repeat(["a", "b"], T // 2) for _ in range(n)]
    index = pd.MultiIndex.from_product([range(n), range(T)], names=["instance", "time"])
    panel = pd.DataFrame(X3.transpose(0, 2, 1).reshape(n * T, 2), index=index, columns=["u", "v"])
    groups = [0, 0, 1, 1, 2, 2]
    models = {"frame": FrameClassifierSegmenter(random_state=0)}
    timing = ["fit_time", "predict_time", "frames_per_second"]
    got = evaluate_segmenters(models, panel, y, groups, cv=3).drop(columns=timing)
    want = evaluate_segmenters(models, X3, y, groups, cv=3).drop(columns=timing)
    pd.testing.assert_frame_equal(got, want)
