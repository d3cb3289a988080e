"""Tests of the plotting fixes of QA report 9: a sensor-graph legend of many modalities inside
its figure, and a bounded number of recordings in a SegmentationDisplay."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from stgraph_sklearn.plotting import SegmentationDisplay, plot_sensor_graph


def _inside(box, frame, tol=1.0):
    return (
        box.x0 >= frame.x0 - tol
        and box.x1 <= frame.x1 + tol
        and box.y0 >= frame.y0 - tol
        and box.y1 <= frame.y1 + tol
    )


@pytest.mark.parametrize(
    "modalities",
    [
        [f"m{i}" for i in range(3)],
        [f"modality_{i:02d}" for i in range(30)],
        [f"imu_sensor_{i:03d}" for i in range(120)],
        ["an accelerometer on the left wrist of the cook, sampled at 100 Hz, with a long name"],
    ],
    ids=["3", "30", "120", "one-wider-than-the-figure"],
)
def test_sensor_graph_legend_fits_the_figure_it_creates(modalities):
    """Check that the modality legend lies inside the figure the function creates and leaves
    the circle its room (30 modalities ran the one-column legend 75 px below a 6 x 6 in
    figure and squashed the circle to 3 in, 120 ran it 2058 px below)."""
    names = [f"{m}:{j}" for m in modalities for j in range(1 + (len(modalities) < 10))]
    ax = plot_sensor_graph(np.ones((len(names), len(names))), node_names=names)
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend()
    assert len(legend.get_texts()) == len(modalities)
    frame = fig.bbox
    assert _inside(legend.get_window_extent(), frame)
    circle = ax.get_window_extent()
    assert _inside(circle, frame)
    assert circle.height >= 4 * fig.dpi and circle.width >= 4 * fig.dpi
    # the legend is below the circle, not over it
    assert legend.get_window_extent().y1 <= circle.y0 + 1
    for text in ax.texts:  # node names
        assert _inside(text.get_window_extent(), frame)


def test_sensor_graph_legend_goes_below_its_own_figure_and_beside_given_axes():
    """Check that the legend goes below the circle in a figure the function creates, and that
    a user's axes keep their figure size and the legend to their right."""
    names = [f"m{i:02d}:x" for i in range(30)]
    ax = plot_sensor_graph(np.ones((30, 30)), node_names=names)
    ax.figure.canvas.draw()
    legend, circle = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 <= circle.y0 + 1 and legend.x0 < circle.x1

    fig, ax = plt.subplots(figsize=(8, 5))
    plot_sensor_graph(np.ones((30, 30)), node_names=names, ax=ax)
    assert tuple(fig.get_size_inches()) == (8, 5)
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1


def _many(n_rec=700):
    y = [np.array([0, 0, 1, 1, 2])] * n_rec
    return y, [np.array([0, 1, 1, 1, 2])] * n_rec


def test_many_recordings_draw_the_first_max_recordings_with_a_warning():
    """Check that 700 recordings draw 20 pairs of bands by default, with a warning saying how
    many of how many and how to choose (they drew 1400 bands in a 77,080 px tall figure)."""
    y_true, y_pred = _many()
    names = [f"rec{i}" for i in range(700)]
    with pytest.warns(UserWarning, match=r"first 20 of 700 recordings") as record:
        disp = SegmentationDisplay.from_predictions(y_true, y_pred, names=names)
    message = str(record[0].message)
    assert "SegmentationDisplay.from_predictions" in message
    assert "recording_index=" in message and "max_recordings=None" in message
    ticks = [t.get_text() for t in disp.ax_.get_yticklabels()]
    assert len(ticks) == 40 and ticks[-1] == "rec19 · pred"
    assert disp.figure_.get_size_inches()[1] * disp.figure_.dpi < 3000

    with pytest.warns(UserWarning, match=r"first 5 of 700"):
        disp = SegmentationDisplay.from_predictions(y_true, y_pred, max_recordings=5)
    assert len(disp.ax_.get_yticks()) == 10


def test_max_recordings_none_recording_index_and_few_recordings_do_not_warn():
    """Check that max_recordings=None draws all, that recording_index picks any recordings
    beyond the limit, and that 20 recordings or fewer draw as before, all without warning."""
    y_true, y_pred = _many(25)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        disp = SegmentationDisplay.from_predictions(y_true, y_pred, max_recordings=None)
        assert len(disp.ax_.get_yticks()) == 50
        disp = SegmentationDisplay.from_predictions(y_true, y_pred, recording_index=[24, 21])
        assert disp.ax_.get_yticklabels()[0].get_text() == "recording 24 · true"
        disp = SegmentationDisplay.from_predictions(y_true[:20], y_pred[:20])
        assert len(disp.ax_.get_yticks()) == 40


class _Constant:
    """Predicts class 0 everywhere and records how many recordings it was asked for."""

    def __init__(self):
        self.seen = []

    def predict(self, X):
        self.seen.append(len(X))
        return [np.zeros(len(x), dtype=int) for x in X]


def test_from_estimator_predicts_only_the_drawn_recordings():
    """Check that from_estimator bounds the recordings too, and predicts only those drawn."""
    X = [np.zeros((5, 2))] * 30
    y = [np.array([0, 0, 1, 1, 2])] * 30
    est = _Constant()
    with pytest.warns(UserWarning, match=r"from_estimator: drawing the first 4 of 30"):
        disp = SegmentationDisplay.from_estimator(est, X, y, max_recordings=4)
    assert est.seen == [4]
    assert len(disp.ax_.get_yticks()) == 8


@pytest.mark.parametrize("method", ["from_predictions", "from_estimator"])
@pytest.mark.parametrize(
    "value, error, got",
    [
        (0, ValueError, "Got 0."),
        (-3, ValueError, "Got -3."),
        (2.0, TypeError, "Got 2.0."),
        (True, TypeError, "Got True."),
        ("5", TypeError, "Got '5'."),
    ],
)
def test_invalid_max_recordings_is_named(method, value, error, got):
    """Check that a bad max_recordings is refused naming the display, the parameter, what was
    expected and what came."""
    y = [np.array([0, 1])] * 3
    args = (y, y) if method == "from_predictions" else (_Constant(), [np.zeros((2, 1))] * 3, y)
    match = rf"SegmentationDisplay.{method}: max_recordings must be a positive int or None\. "
    with pytest.raises(error, match=match + got.replace(".", r"\.")):
        getattr(SegmentationDisplay, method)(*args, max_recordings=value)
