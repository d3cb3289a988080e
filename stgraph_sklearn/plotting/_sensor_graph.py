"""Circular drawing of a sensor graph (matplotlib imported lazily)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from ._segmentation_display import _class_colors, _legend_ncols, _literal

__all__ = ["plot_sensor_graph"]


def _graph_arrays(graph_or_adjacency, node_names, node_modality):
    """Dense adjacency, node names and node modalities from a SensorGraph or an array."""
    if hasattr(graph_or_adjacency, "to_dense"):
        adjacency = np.asarray(graph_or_adjacency.to_dense(), dtype=float)
        if node_names is None:
            node_names = getattr(graph_or_adjacency, "node_names", None)
        if node_modality is None:
            node_modality = getattr(graph_or_adjacency, "node_modality", None)
    else:
        try:
            adjacency = np.asarray(graph_or_adjacency, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                "graph_or_adjacency must be a SensorGraph (with to_dense()) or a square array. "
                f"Got {type(graph_or_adjacency).__name__}."
            ) from exc
    if adjacency.ndim != 2 or adjacency.shape[0] != adjacency.shape[1] or adjacency.size == 0:
        raise ValueError(
            f"graph_or_adjacency must be a non-empty square adjacency of shape (n_nodes, n_nodes). "
            f"Got shape {adjacency.shape}."
        )
    if not np.isfinite(adjacency).all():
        raise ValueError("graph_or_adjacency must hold finite edge weights. Got NaN or inf.")
    n = adjacency.shape[0]
    if node_names is None:
        # default names are numbers: their nodes share the modality "node"
        node_names = [str(i) for i in range(n)]
        if node_modality is None:
            node_modality = ["node"] * n
    node_names = [str(v) for v in node_names]
    if len(node_names) != n:
        raise ValueError(f"node_names has {len(node_names)} entries but the graph has {n} nodes.")
    if node_modality is None:
        node_modality = [name.split(":", 1)[0] for name in node_names]
    node_modality = [str(m) for m in node_modality]
    if len(node_modality) != n:
        raise ValueError(
            f"node_modality has {len(node_modality)} entries but the graph has {n} nodes."
        )
    return adjacency, node_names, node_modality


def _legend_under_circle(ax, handles, labels):
    """Draw the modality legend centred below the circle of a figure of its own, in as many
    columns as the figure's width holds, and make the figure taller by the legend's height.

    The legend stays out of the constrained layout, which lays the circle out in the figure's
    top square only: with the legend in the layout and an equal aspect, the layout misjudged
    the space it needs and let it run off the figure.
    """
    fig = ax.figure
    kwargs = {"labels": labels, "title": "Modality"}
    ncols = _legend_ncols(ax, handles, 0.96 * fig.bbox.width, **kwargs)
    legend = ax.legend(handles=handles, loc="upper center", ncols=ncols, frameon=False, **kwargs)
    legend.set_in_layout(False)
    box = legend.get_window_extent()
    margin = 0.1  # in, below the legend and either side of a legend wider than the figure
    width = max(fig.get_figwidth(), box.width / fig.dpi + 2 * margin)
    square = fig.get_figheight()
    gap = legend.borderaxespad * legend.prop.get_size_in_points() / 72  # in, under the anchor
    below = gap + box.height / fig.dpi + margin
    fig.set_size_inches(width, square + below)
    bottom = below / (square + below)  # figure fraction under the circle's square
    legend.set_bbox_to_anchor((0.5, bottom), transform=fig.transFigure)
    fig.get_layout_engine().set(rect=(0.0, bottom, 1.0, 1.0 - bottom))


@validate_params(
    {
        "graph_or_adjacency": ["array-like", HasMethods(["to_dense"])],
        "node_names": ["array-like", None],
        "node_modality": ["array-like", None],
        "ax": [HasMethods(["plot"]), None],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "cmap": [str, HasMethods(["__call__"])],
        "node_size": [Interval(Real, 0, None, closed="neither")],
        "max_edge_width": [Interval(Real, 0, None, closed="neither")],
        "with_labels": ["boolean"],
        "legend": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def plot_sensor_graph(
    graph_or_adjacency,
    *,
    node_names=None,
    node_modality=None,
    ax=None,
    threshold=0.0,
    cmap="tab10",
    node_size=300.0,
    max_edge_width=4.0,
    with_labels=True,
    legend=True,
):
    """Draw a sensor graph with its nodes on a circle, coloured by modality.

    Edges are drawn undirected: the pair ``(i, j)`` gets the larger of ``|A[i, j]|`` and
    ``|A[j, i]|``, and its line width and opacity grow with that weight. Self-loops are not
    drawn.

    Parameters
    ----------
    graph_or_adjacency : SensorGraph or array-like of shape (n_nodes, n_nodes)
        A graph with ``to_dense()``, ``node_names`` and ``node_modality`` (such as
        :class:`~stgraph_sklearn.data.SensorGraph` or a fitted ``graph_``), or a dense
        adjacency matrix (a learned ``adjacency_``, for example).
    node_names : list of str, default=None
        Node labels; taken from the graph, or ``"0", "1", ...`` for an array.
    node_modality : list of str, default=None
        The modality of each node (one colour each); taken from the graph, or the node name
        up to its first ``":"`` (the whole name when it has none, as the node ``"video"`` of
        a one-node modality); ``"node"`` for all nodes when the names are the defaults.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new 6 x 6 in figure is created if None (taller with a legend).
    threshold : float, default=0.0
        Only edges whose weight is strictly greater than ``threshold`` are drawn.
    cmap : str or matplotlib.colors.Colormap, default="tab10"
        Colormap of the modalities. A listed colormap with fewer colours than modalities
        (more than 10 for ``tab10``) gives way to ``"turbo"``, so that no two modalities
        share a colour, as in :class:`~stgraph_sklearn.plotting.SegmentationDisplay`.
    node_size : float, default=300.0
        Marker area of the nodes, in points².
    max_edge_width : float, default=4.0
        Line width of the heaviest edge.
    with_labels : bool, default=True
        Whether to write the node names next to the nodes.
    legend : bool, default=True
        Whether to draw a legend of the modalities. On given axes it goes to the right of
        them. In a figure the function creates (``ax=None``) it goes below the circle, in as
        many columns as the figure's width holds, and the figure grows taller to hold it.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes with the drawing.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from stgraph_sklearn.plotting import plot_sensor_graph
    >>> adjacency = np.array([[0, 1, 0.2], [1, 0, 0], [0.2, 0, 0]])
    >>> ax = plot_sensor_graph(adjacency, node_names=["accel:knife", "accel:bowl", "video:0"])
    >>> len(ax.collections[0].get_segments())  # edges (0, 1) and (0, 2)
    2
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['accel', 'video']
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    adjacency, node_names, node_modality = _graph_arrays(
        graph_or_adjacency, node_names, node_modality
    )
    n = adjacency.shape[0]
    angles = np.pi / 2 - 2 * np.pi * np.arange(n) / n
    pos = np.column_stack([np.cos(angles), np.sin(angles)])

    weight = np.abs(adjacency)
    weight = np.maximum(weight, weight.T)
    src, dst = np.triu_indices(n, k=1)
    w = weight[src, dst]
    keep = w > threshold
    src, dst, w = src[keep], dst[keep], w[keep]
    rel = w / w.max() if w.size and w.max() > 0 else w

    own_figure = ax is None
    if own_figure:  # constrained: the node names stay inside the figure
        _, ax = plt.subplots(figsize=(6, 6), layout="constrained")
    edge_colors = np.zeros((len(w), 4))
    edge_colors[:, 3] = 0.15 + 0.75 * rel
    ax.add_collection(
        LineCollection(
            np.stack([pos[src], pos[dst]], axis=1) if len(w) else np.zeros((0, 2, 2)),
            linewidths=0.3 + (max_edge_width - 0.3) * rel,
            colors=edge_colors,
            zorder=1,
        )
    )
    modalities = list(dict.fromkeys(node_modality))
    colors = _class_colors(cmap, len(modalities), caller="plot_sensor_graph")
    handles = []  # one legend entry per modality, and nothing else the axes hold
    for modality, color in zip(modalities, colors, strict=True):
        members = np.array([m == modality for m in node_modality])
        scatter = ax.scatter(
            pos[members, 0],
            pos[members, 1],
            s=node_size,
            color=color,
            edgecolors="white",
            linewidths=1.0,
            label=modality,
            zorder=2,
        )
        handles.append(scatter)
    if with_labels:
        for (x, y), name in zip(pos, node_names, strict=True):
            ax.annotate(
                _literal(name),
                (x, y),
                xytext=(x * 1.14, y * 1.14),
                ha="left" if x > 0.05 else ("right" if x < -0.05 else "center"),
                va="bottom" if y > 0.05 else ("top" if y < -0.05 else "center"),
                fontsize=8,
            )
    if legend and own_figure:
        _legend_under_circle(ax, handles, [_literal(m) for m in modalities])
    elif legend:
        ax.legend(
            handles=handles,
            labels=[_literal(m) for m in modalities],
            title="Modality",
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            frameon=False,
        )
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.45, 1.45)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
