"""Tests of SegmentationDisplay and plot_sensor_graph (contents of the figures, not just runs)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection
from sklearn.utils._param_validation import InvalidParameterError

from stgraph_sklearn.data import SensorGraph
from stgraph_sklearn.plotting import SegmentationDisplay, plot_sensor_graph

T1 = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
P1 = [0, 0, 1, 1, 1, 1, 1, 2, 2, 0]
T2 = [2, 2, 1, 1, 1, 1]
P2 = [2, 1, 1, 1, 1, 1]


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def bars(ax):
    """Every drawn bar as (y centre, left, width, facecolor), from the bands' collections."""
    out = []
    for band in ax.collections:
        for path, colour in zip(band.get_paths(), band.get_facecolors(), strict=True):
            (x0, y0), (x1, y1) = path.vertices.min(0), path.vertices.max(0)
            out.append((round((y0 + y1) / 2, 6), x0, x1 - x0, tuple(colour)))
    return out


def bars_by_row(ax):
    """Map the y centre of each bar to its (left, width, facecolor) list."""
    rows = {}
    for y, x, w, colour in bars(ax):
        rows.setdefault(y, []).append((x, w, colour))
    return rows


def test_plotting_imports_matplotlib_lazily(run_without_torch):
    """Check that importing the plotting subpackage imports neither matplotlib nor torch."""
    code = (
        "import stgraph_sklearn.plotting\n"
        "assert 'torch' not in sys.modules\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported at import time'\n"
    )
    result = run_without_torch(code)
    assert result.returncode == 0, result.stderr


def test_from_predictions_draws_one_bar_per_segment():
    """Check bars, bands, legend and the consistent colour of each class."""
    disp = SegmentationDisplay.from_predictions([T1, T2], [P1, P2])
    ax = disp.ax_
    assert disp.figure_ is ax.figure
    assert len(bars(ax)) == 3 + 4 + 2 + 2
    assert legend_texts(ax) == ["0", "1", "2"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "recording 0 · true",
        "recording 0 · pred",
        "recording 1 · true",
        "recording 1 · pred",
    ]
    rows = bars_by_row(ax)
    assert len(rows) == 4
    true_row = sorted(rows[ax.get_yticks()[0]])
    assert [(x, w) for x, w, _ in true_row] == [(0, 3), (3, 4), (7, 3)]
    # a class has the same colour in every band, and classes differ
    colour_of = {}
    for y_pos, seq in zip(ax.get_yticks(), [T1, P1, T2, P2], strict=True):
        for x, _, colour in rows[y_pos]:
            colour_of.setdefault(seq[int(x)], set()).add(tuple(colour))
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({next(iter(c)) for c in colour_of.values()}) == 3
    assert ax.get_xlim() == (0, 10)
    assert ax.get_xlabel() == "Frame"


def test_frame_rate_switches_to_seconds():
    """Check that frame_rate turns the x-axis into seconds."""
    ax = SegmentationDisplay.from_predictions(T1, P1, frame_rate=5).ax_
    assert ax.get_xlabel() == "Time (s)"
    assert ax.get_xlim() == (0, 2)
    assert sorted(x for _, x, _, _ in bars(ax))[-1] == pytest.approx(9 / 5)


def test_recording_index_labels_names_and_given_ax():
    """Check selection of recordings, a fixed label order with extra labels, names and ax."""
    fig, ax = plt.subplots()
    disp = SegmentationDisplay.from_predictions(
        [T1, T2],
        [P1, P2],
        recording_index=1,
        labels=[2, 1, 0, 7],
        names=["salad-a", "salad-b"],
        ax=ax,
        legend=True,
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    assert len(bars(ax)) == 4
    assert legend_texts(ax) == ["2", "1", "0", "7"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["salad-b · true", "salad-b · pred"]
    # labels present but not listed are appended
    disp = SegmentationDisplay.from_predictions(T1, P1, labels=[2], legend=True)
    assert disp.labels_ == [2, 0, 1]


def test_string_labels_and_plot_on_constructed_display():
    """Check the constructor + plot route with string labels and no legend."""
    disp = SegmentationDisplay(["a", "a", "b"], ["a", "b", "b"], names=["one"])
    assert not hasattr(disp, "ax_")
    disp.plot(legend=False, cmap="viridis")
    assert disp.ax_.get_legend() is None
    assert len(bars(disp.ax_)) == 4
    assert disp.labels_ == ["a", "b"]


class ConstantSegmenter:
    """Predicts ``label`` everywhere and records what it was asked to predict."""

    classes_ = np.array(["cut", "mix", "peel"])

    def __init__(self, label="mix"):
        self.label = label
        self.seen = []

    def predict(self, X):
        self.seen.append(len(X))
        return [np.full(len(x), self.label) for x in X]


def test_from_estimator_predicts_selected_recordings():
    """Check from_estimator: predicts only the selected recordings, uses classes_ order."""
    X = [np.zeros((4, 2)), np.zeros((6, 2)), np.zeros((3, 2))]
    y = [["cut"] * 4, ["cut"] * 3 + ["mix"] * 3, ["peel"] * 3]
    est = ConstantSegmenter()
    disp = SegmentationDisplay.from_estimator(est, X, y, recording_index=[2, 1])
    assert est.seen == [2]
    assert legend_texts(disp.ax_) == ["cut", "mix", "peel"]
    assert [t.get_text() for t in disp.ax_.get_yticklabels()][::2] == [
        "recording 2 · true",
        "recording 1 · true",
    ]
    assert len(bars(disp.ax_)) == 1 + 1 + 2 + 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"recording_index": 5}, r"recording_index must be an int or a list of ints in \[-2, 1\]"),
        ({"recording_index": []}, "recording_index is empty"),
        ({"names": ["only one"]}, "names has 1 entries but there are 2 recordings"),
        ({"frame_rate": 0}, "frame_rate must be a positive number"),
    ],
)
def test_display_bad_arguments(kwargs, match):
    """Check that bad display arguments raise a ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        SegmentationDisplay.from_predictions([T1, T2], [P1, P2], **kwargs)


def test_display_validates_sequences():
    """Check that mismatched predictions are reported with their index."""
    with pytest.raises(ValueError, match=r"y_pred\[1\] has 5 frames but y_true\[1\] has 6"):
        SegmentationDisplay.from_predictions([T1, T2], [P1, P2[:5]])
    with pytest.raises(TypeError, match="predict"):
        SegmentationDisplay.from_estimator(object(), [np.zeros((2, 1))], [[0, 0]])


def edge_segments(ax):
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    return lines


def test_plot_sensor_graph_from_sensor_graph():
    """Check nodes, modality colours, legend and one line per undirected edge."""
    names = ["accel:knife", "accel:bowl", "accel:plate", "video:0"]
    graph = SensorGraph(
        [[0, 1, 0, 2, 3], [1, 0, 2, 0, 3]],  # 0-1 both ways, 0->2, 2->0, self-loop on 3
        edge_weight=[1.0, 1.0, 0.5, 0.25, 2.0],
        node_names=names,
    )
    ax = plot_sensor_graph(graph)
    lines = edge_segments(ax)
    assert len(lines.get_segments()) == 2  # self-loops are not drawn
    widths = sorted(lines.get_linewidths())
    assert widths[-1] == pytest.approx(4.0) and widths[0] < widths[-1]
    nodes = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(c.get_offsets()) for c in nodes] == [3, 1]
    assert not np.allclose(nodes[0].get_facecolor(), nodes[1].get_facecolor())
    assert legend_texts(ax) == ["accel", "video"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(names)
    # nodes lie on the unit circle
    offsets = np.concatenate([c.get_offsets() for c in nodes])
    np.testing.assert_allclose(np.hypot(offsets[:, 0], offsets[:, 1]), 1.0)


def test_plot_sensor_graph_dense_threshold_and_options():
    """Check a dense adjacency: threshold, default names, explicit modalities, given ax."""
    adjacency = np.array(
        [[0.0, 0.9, 0.1, 0.0], [0.9, 0.0, 0.0, 0.4], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.6, 0.0]]
    )
    _, ax = plt.subplots()
    out = plot_sensor_graph(
        adjacency, node_modality=["a", "a", "b", "c"], ax=ax, threshold=0.2, with_labels=False
    )
    assert out is ax
    assert len(edge_segments(ax).get_segments()) == 3  # 0-1, 1-3, 2-3; 0-2 below threshold
    assert legend_texts(ax) == ["a", "b", "c"]
    assert len(ax.texts) == 0
    ax = plot_sensor_graph(np.zeros((3, 3)), legend=False)
    assert len(edge_segments(ax).get_segments()) == 0
    assert ax.get_legend() is None


@pytest.mark.parametrize(
    "adjacency, kwargs, error, match",
    [
        (np.zeros((2, 3)), {}, ValueError, r"square adjacency .* Got shape \(2, 3\)"),
        (np.zeros((2, 2)), {"node_names": ["a"]}, ValueError, "node_names has 1 entries"),
        (np.zeros((2, 2)), {"node_modality": ["a"]}, ValueError, "node_modality has 1 entries"),
        (np.full((2, 2), np.nan), {}, ValueError, "finite"),
        (np.zeros((2, 2)), {"threshold": "high"}, InvalidParameterError, "'threshold' parameter"),
        (np.zeros((2, 2)), {"node_size": 0}, InvalidParameterError, "'node_size' parameter"),
        ("not a graph", {}, InvalidParameterError, "'graph_or_adjacency' parameter"),
    ],
)
def test_plot_sensor_graph_bad_input(adjacency, kwargs, error, match):
    """Check that malformed graphs and arguments raise with a message naming them."""
    with pytest.raises(error, match=match):
        plot_sensor_graph(adjacency, **kwargs)


def test_more_classes_than_the_colormap_has_colours_keep_distinct_colours():
    """40 classes on the default tab20: no two share a colour (tab20 alone repeated them)."""
    y = [np.repeat([f"act{i:02d}" for i in range(40)], 3)]
    disp = SegmentationDisplay.from_predictions(y, y)
    handles = disp.ax_.get_legend().legend_handles
    assert len(handles) == 40
    assert len({tuple(h.get_facecolor()) for h in handles}) == 40
    plt.close("all")


def node_colors(ax):
    return [tuple(c.get_facecolor()[0]) for c in ax.collections if isinstance(c, PathCollection)]


@pytest.mark.parametrize("n_modalities", [3, 10, 12, 30])
def test_plot_sensor_graph_gives_every_modality_its_own_colour(n_modalities):
    """Check one distinct colour per modality beyond tab10's ten (tab10 alone repeated them)
    and tab10's own colours while it has enough."""
    names = [f"m{i}:x" for i in range(n_modalities)]
    colors = node_colors(plot_sensor_graph(np.ones((n_modalities, n_modalities)), node_names=names))
    assert len(colors) == len(set(colors)) == n_modalities
    if n_modalities <= 10:
        tab10 = matplotlib.colormaps["tab10"]
        np.testing.assert_allclose(colors, [tab10(i) for i in range(n_modalities)])


def _inside_figure(artist):
    fig = artist.figure
    fig.canvas.draw()
    box, frame = artist.get_window_extent(), fig.bbox
    return box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1 + 1 and box.y0 >= frame.y0 - 1


def test_timeline_legend_and_band_names_fit_the_figure():
    """Check that a plain savefig shows the whole legend of 18 classes and the band names (the
    legend ran 250 px below a one-recording figure and its first letters were cut off)."""
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(18), 20)
    disp = SegmentationDisplay.from_predictions(y, rng.permutation(y))
    assert _inside_figure(disp.ax_.get_legend())
    for label in disp.ax_.get_yticklabels():
        assert _inside_figure(label)
    assert _inside_figure(
        plot_sensor_graph(np.ones((4, 4)), node_modality=list("abcd")).get_legend()
    )


def test_timeline_draws_one_collection_per_band():
    """Check that a fragmented recording is drawn as one collection per band (a bar artist per
    segment took about 1.5 ms and 11 kB each: minutes for a noisy million-frame recording)."""
    y = np.arange(20_000) % 7
    disp = SegmentationDisplay.from_predictions([y, y[:50]], [y[::-1], y[:50]])
    assert len(disp.ax_.collections) == 4 and not disp.ax_.patches
    assert len(bars(disp.ax_)) == 2 * 20_000 + 2 * 50


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"recording_index": 1.0}, TypeError, "from_predictions: recording_index must be an int"),
        ({"recording_index": True}, TypeError, "recording_index must be an int"),
        ({"recording_index": [0, 2.0]}, ValueError, r"in \[-2, 1\]"),
        ({"names": "ab"}, TypeError, "from_predictions: names must be a list of 2"),
        ({"ax": "left"}, TypeError, "plot: ax must be a matplotlib Axes or None. Got str"),
    ],
)
def test_display_argument_types(kwargs, error, match):
    """Check that arguments of the wrong type are named (they gave "'float' object is not
    iterable" and "'str' object has no attribute 'barh'")."""
    with pytest.raises(error, match=match):
        SegmentationDisplay.from_predictions([T1, T2], [P1, P2], **kwargs)


def test_display_negative_index_and_bar_height():
    """Check that -1 draws the last recording and that bar_height must be in (0, 1]."""
    disp = SegmentationDisplay.from_predictions([T1, T2], [P1, P2], recording_index=-1)
    assert disp.ax_.get_yticklabels()[0].get_text() == "recording 1 · true"
    with pytest.raises(ValueError, match=r"bar_height must be in \(0, 1\]. Got -1"):
        SegmentationDisplay(T1, P1).plot(bar_height=-1)


def test_from_estimator_names_the_users_recording():
    """Check that a wrong y[2] is named as y[2] and X[2] (it read "y_pred[0] ... y_true[0]")."""
    X = [np.zeros((4, 2)), np.zeros((6, 2)), np.zeros((3, 2))]
    y = [["cut"] * 4, ["mix"] * 6, ["peel"] * 4]
    with pytest.raises(
        ValueError, match=r"from_estimator: .* 3 labels for X\[2\] but y\[2\] has 4"
    ):
        SegmentationDisplay.from_estimator(ConstantSegmenter(), X, y, recording_index=2)
    with pytest.raises(ValueError, match=r"from_estimator: y\[1\] contains missing labels"):
        SegmentationDisplay.from_estimator(ConstantSegmenter(), X, [y[0], [None] * 6, y[2]])
