"""Tests of the plotting fixes of QA report 7: many-class legends, explicit modality legends,
cmap and labels checks, colours of unlisted classes, and literal "$" in names."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.plotting import SegmentationDisplay, plot_sensor_graph


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def saved(fig):
    """Save the figure as a plain PNG (warnings are errors) and return its renderer."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")
    return fig.canvas.get_renderer()


def drawn_as(text):
    """The string matplotlib draws for a Text artist, and whether it is drawn as mathtext."""
    return text._preprocess_math(text.get_text())


@pytest.mark.parametrize("n_classes, n_rec", [(48, 1), (48, 2), (35, 1), (60, 3)])
def test_own_figure_holds_a_many_class_legend_and_a_usable_timeline(n_classes, n_rec):
    """Check that a figure the display creates shows every legend entry and keeps at least half
    its width for the timeline (48 classes ran the legend 1000 px off the page, 35 classes left
    the timeline 51 px of 1000, with "constrained_layout not applied")."""
    labels = [f"action_{i:02d}" for i in range(n_classes)]
    y = [np.repeat(labels, 5)] * n_rec
    disp = SegmentationDisplay.from_predictions(y, y)
    fig, ax = disp.figure_, disp.ax_
    renderer = saved(fig)
    frame = fig.bbox
    texts = ax.get_legend().get_texts()
    assert len(texts) == n_classes
    for text in texts:
        box = text.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0
        assert box.y1 <= frame.y1
    timeline = ax.get_window_extent(renderer)
    assert timeline.width >= frame.width / 2
    assert timeline.height >= 0.5 * fig.dpi * n_rec  # the bands keep their height
    # the legend lies below the x-axis (ticks and label), not over it
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y1 <= ax.xaxis.get_tightbbox(renderer).y0
    for label in ax.get_yticklabels():
        assert label.get_window_extent(renderer).x0 >= frame.x0


def test_own_figure_keeps_a_few_class_legend_on_the_right():
    """Check that the common case keeps its look: a 10 x 1.9 in figure, legend on the right."""
    disp = SegmentationDisplay.from_predictions([0, 0, 1, 2, 2], [0, 1, 1, 2, 2])
    renderer = saved(disp.figure_)
    assert tuple(disp.figure_.get_size_inches()) == pytest.approx((10, 1.9))
    legend = disp.ax_.get_legend().get_window_extent(renderer)
    assert legend.x0 >= disp.ax_.get_window_extent(renderer).x1
    assert legend.x1 <= disp.figure_.bbox.x1


def test_given_axes_keep_the_legend_on_the_right_for_many_classes():
    """Check that a user's axes are left as they are: the legend stays beside them."""
    fig, ax = plt.subplots(figsize=(12, 8))
    y = np.repeat([f"c{i}" for i in range(48)], 2)
    disp = SegmentationDisplay.from_predictions(y, y, ax=ax)
    assert tuple(fig.get_size_inches()) == (12, 8)
    fig.canvas.draw()
    assert disp.ax_.get_legend().get_window_extent().x0 >= ax.get_window_extent().x1


def test_sensor_graph_legend_lists_each_modality_once_and_nothing_else():
    """Check one legend entry per modality in its node colour: a modality named "_imu" was left
    out of the legend, and a user's own labelled artists on ``ax`` were listed as modalities."""
    graph = SensorGraph.from_dense(np.ones((3, 3)), ["_imu:left", "_imu:right", "video"])
    ax = plot_sensor_graph(graph)
    assert legend_texts(ax) == ["_imu", "video"]
    nodes = [tuple(c.get_facecolor()[0]) for c in ax.collections[1:]]
    handles = [tuple(h.get_facecolor()[0]) for h in ax.get_legend().legend_handles]
    assert handles == nodes and len(set(nodes)) == 2

    _, ax = plt.subplots()
    ax.axhline(0, label="reference line")
    ax = plot_sensor_graph(np.ones((3, 3)), node_names=["acc:1", "acc:2", "video"], ax=ax)
    assert ax.get_legend().get_title().get_text() == "Modality"
    assert legend_texts(ax) == ["acc", "video"]


def _display(cmap):
    return SegmentationDisplay.from_predictions([0, 1], [0, 1], cmap=cmap)


def _graph(cmap):
    return plot_sensor_graph(np.ones((2, 2)), cmap=cmap)


@pytest.mark.parametrize(
    "draw, cmap, error, match",
    [
        (_display, "Tab20", ValueError, r"SegmentationDisplay.plot: cmap must be a matplotlib "),
        (_display, "Tab20", ValueError, r"Got 'Tab20' \(did you mean 'tab20'"),
        (_display, 42, TypeError, r"SegmentationDisplay.plot: cmap must be .* Got int\."),
        (_graph, "Tab10", ValueError, r"plot_sensor_graph: cmap must be .* Got 'Tab10' \(did"),
        (_graph, len, TypeError, r"plot_sensor_graph: cmap must be .* Colormap .* Got"),
    ],
)
def test_invalid_cmap_is_named(draw, cmap, error, match):
    """Check that an unknown colormap name or a non-colormap is refused naming the function and
    ``cmap`` (matplotlib's raw KeyError, or "'int' object is not callable", came through)."""
    with pytest.raises(error, match=match):
        draw(cmap)


def test_colormap_object_and_name_still_work():
    """Check that a Colormap object gives the same colours as its registered name."""
    by_name = _display("Set2").colors_
    by_object = _display(matplotlib.colormaps["Set2"]).colors_
    assert by_name == by_object
    assert by_name[1] == matplotlib.colormaps["Set2"](1)


@pytest.mark.parametrize("n_listed", [5, 19, 20, 24, 40])
def test_unlisted_classes_leave_the_listed_colours_unchanged(n_listed):
    """Check that the same ``labels`` list gives the listed classes the same colours whether or
    not a recording holds a class missing from it (20 listed + 1 unseen class switched every
    colour from tab20 to turbo, 24 + 1 shifted 23 of them)."""
    classes = [f"a{i:02d}" for i in range(n_listed)]
    known = np.repeat(classes[:5], 4)
    alone = SegmentationDisplay.from_predictions(known, known, labels=classes).colors_
    extra = np.concatenate([known[:-8], ["new_action"] * 4, ["other"] * 4])
    disp = SegmentationDisplay.from_predictions(extra, extra, labels=classes)
    assert disp.labels_ == [*classes, "new_action", "other"]
    assert [to_hex(disp.colors_[c], keep_alpha=True) for c in classes] == [
        to_hex(alone[c], keep_alpha=True) for c in classes
    ]
    # the unlisted classes get colours of their own, which the legend shows
    hexes = [to_hex(c, keep_alpha=True) for c in disp.colors_.values()]
    assert len(set(hexes)) == n_listed + 2
    handles = disp.ax_.get_legend().legend_handles
    assert [to_hex(h.get_facecolor(), keep_alpha=True) for h in handles] == hexes
    if n_listed + 2 <= 20:  # tab20's next free colours
        tab20 = matplotlib.colormaps["tab20"]
        assert disp.colors_["new_action"] == tab20(n_listed)
        assert disp.colors_["other"] == tab20(n_listed + 1)


def test_default_labels_keep_their_colours():
    """Check that without ``labels`` the colours are still a colormap's first colours."""
    disp = SegmentationDisplay.from_predictions(["b", "a", "c"], ["a", "a", "c"])
    tab20 = matplotlib.colormaps["tab20"]
    assert disp.colors_ == {"a": tab20(0), "b": tab20(1), "c": tab20(2)}


def test_labels_of_another_type_than_the_sequences_are_refused():
    """Check that int ``labels`` for string labels are refused naming the caller and
    ``labels`` (they matched nothing: every class appeared twice in the legend), and that the
    duplicate-labels error names the caller too."""
    y_true = [["0", "0", "1", "1", "2"]]
    y_pred = [["0", "1", "1", "1", "2"]]
    with pytest.raises(
        TypeError,
        match=r"SegmentationDisplay.plot: labels=\[0, 1, 2\] holds numeric labels but the "
        r"sequences hold string labels",
    ):
        SegmentationDisplay.from_predictions(y_true, y_pred, labels=[0, 1, 2])
    with pytest.raises(
        ValueError, match=r"SegmentationDisplay.plot: labels must be unique. Got \['0', '1', '0'\]"
    ):
        SegmentationDisplay.from_predictions(y_true, y_pred, labels=["0", "1", "0"])
    # as for check_background, one label of the sequences' type is enough (a list shared by
    # figures of recordings with labels of different types)
    disp = SegmentationDisplay.from_predictions(y_true, y_pred, labels=["2", 7])
    assert disp.labels_ == ["2", 7, "0", "1"]


def test_dollar_signs_in_names_are_drawn_literally():
    """Check that class labels, recording names, node names and modalities with "$" are drawn
    as written: two "$" were drawn as mathtext, a malformed pair made savefig fail."""
    y_true = ["pay $5 tip", "cost $x$ up", "idle"]
    y_pred = ["idle", "pay $5 tip", "idle"]
    disp = SegmentationDisplay.from_predictions(y_true, y_pred, names=["till_$2^$"])
    saved(disp.figure_)
    drawn = [drawn_as(t) for t in disp.ax_.get_legend().get_texts()]
    assert drawn == [(lab, False) for lab in ["cost $x$ up", "idle", "pay $5 tip"]]
    bands = [drawn_as(t) for t in disp.ax_.get_yticklabels()]
    assert bands == [("till_$2^$ · true", False), ("till_$2^$ · pred", False)]

    ax = plot_sensor_graph(np.ones((2, 2)), node_names=["acc$:tool$a^$", "video"])
    saved(ax.figure)
    assert [drawn_as(t) for t in ax.texts] == [("acc$:tool$a^$", False), ("video", False)]
    assert [drawn_as(t) for t in ax.get_legend().get_texts()] == [
        ("acc$", False),
        ("video", False),
    ]
