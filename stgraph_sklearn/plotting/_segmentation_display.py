"""Timeline plot of true versus predicted segmentations (matplotlib imported lazily)."""

from __future__ import annotations

import numbers

import numpy as np

from ..data import check_label_pairs, label_kind, segment_bounds
from ..exceptions import warn

__all__ = ["SegmentationDisplay"]


def _select_recordings(n, recording_index, caller, max_recordings=None):
    """Indices of the recordings to draw, negative ones from the end. ``None`` means all, or the
    first ``max_recordings`` with a warning when there are more (``None``: no limit)."""
    if not (
        max_recordings is None
        or (isinstance(max_recordings, numbers.Integral) and not isinstance(max_recordings, bool))
    ):
        raise TypeError(
            f"{caller}: max_recordings must be a positive int or None. Got {max_recordings!r}."
        )
    if max_recordings is not None and max_recordings < 1:
        raise ValueError(
            f"{caller}: max_recordings must be a positive int or None. Got {max_recordings!r}."
        )
    if recording_index is None:
        if max_recordings is not None and n > max_recordings:
            warn(
                f"{caller}: drawing the first {max_recordings} of {n} recordings (one pair "
                "of bands each); pass recording_index= to choose which ones, or "
                "max_recordings=None to draw all of them."
            )
            return list(range(max_recordings))
        return list(range(n))
    expected = f"an int or a list of ints in [{-n}, {n - 1}] (negative counts from the end)"
    if isinstance(recording_index, numbers.Integral) and not isinstance(recording_index, bool):
        indices = [recording_index]
    elif isinstance(recording_index, (str, bytes, bool, numbers.Number)) or not hasattr(
        recording_index, "__iter__"
    ):
        raise TypeError(f"{caller}: recording_index must be {expected}. Got {recording_index!r}.")
    else:
        indices = list(recording_index)
    for i in indices:
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not -n <= i < n:
            raise ValueError(
                f"{caller}: recording_index must be {expected}. Got {recording_index!r}."
            )
    if not indices:
        raise ValueError(f"{caller}: recording_index is empty; expected at least one recording.")
    return [int(i) % n for i in indices]


def _check_names(names, n, caller):
    """One band name per recording, as a list of str (``"recording {i}"`` if None)."""
    if names is None:
        return [f"recording {i}" for i in range(n)]
    if isinstance(names, (str, bytes)) or not hasattr(names, "__len__"):
        raise TypeError(f"{caller}: names must be a list of {n} recording names. Got {names!r}.")
    if len(names) != n:
        raise ValueError(f"{caller}: names has {len(names)} entries but there are {n} recordings.")
    return [str(name) for name in names]


def _literal(text):
    """``str(text)`` with its dollar signs escaped: matplotlib draws user names as written, not
    as mathtext (a name with two ``$`` would lose them, a malformed one would fail savefig)."""
    return str(text).replace("$", r"\$")


def _check_cmap(cmap, caller):
    """The colormap object named or given by ``cmap``; raise naming ``caller`` otherwise."""
    import difflib

    import matplotlib as mpl
    from matplotlib.colors import Colormap

    expected = "a matplotlib Colormap or the name of a registered one (matplotlib.colormaps)"
    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise TypeError(f"{caller}: cmap must be {expected}. Got {type(cmap).__name__}.")
    if cmap not in mpl.colormaps:
        close = difflib.get_close_matches(cmap, list(mpl.colormaps), n=3)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        raise ValueError(f"{caller}: cmap must be {expected}. Got {cmap!r}{hint}.")
    return mpl.colormaps[cmap]


def _class_colors(cmap, n, *, caller, n_extra=0):
    """``n`` distinct colours from a colormap name or object: a listed colormap's own colours
    while it has enough, else evenly spaced colours of a continuous one ("turbo" in place of a
    listed colormap with fewer colours than classes, which would repeat colours).

    ``n_extra`` more colours follow for classes outside the caller's list; they leave the first
    ``n`` as they are without them: the listed colormap's next colours while it has enough,
    else the colours of the continuous one farthest from those already taken.
    """
    import matplotlib as mpl
    from matplotlib.colors import ListedColormap

    cmap = _check_cmap(cmap, caller)
    listed = isinstance(cmap, ListedColormap) and cmap.N < 256

    def spread(k):
        if listed and k <= cmap.N:
            return [cmap(i) for i in range(k)]
        smooth = mpl.colormaps["turbo"] if listed else cmap
        return [smooth(x) for x in np.linspace(0.0, 1.0, max(k, 2))[:k]]

    if n == 0 or (listed and n + n_extra <= cmap.N):
        return spread(n + n_extra)
    colors = spread(n)
    pool = (mpl.colormaps["turbo"] if listed else cmap)(np.linspace(0.0, 1.0, 256))
    for _ in range(n_extra):
        taken = np.array(colors)[:, :3]
        gap = np.linalg.norm(pool[:, None, :3] - taken[None], axis=-1).min(axis=1)
        colors.append(tuple(pool[int(np.argmax(gap))]))
    return colors


def _legend_ncols(ax, handles, width, **kwargs):
    """How many columns of a legend of ``handles`` on ``ax`` fit in ``width`` pixels (at least
    one), evened out so that the rows are as full as they can be; ``kwargs`` go to
    ``ax.legend`` (``labels``, ``title``). Leaves a one-column legend on ``ax``."""
    fig = ax.figure
    one = ax.legend(handles=handles, frameon=False, ncols=1, **kwargs)
    font = one.prop.get_size_in_points() * fig.dpi / 72  # px
    pad, spacing = one.borderpad * font, one.columnspacing * font
    # the widest entry (or the title): every column of a wider legend is at most as wide
    column = one.get_window_extent().width - 2 * pad
    fits = int((width - 2 * pad + spacing) // (column + spacing))
    rows = -(-len(handles) // max(1, min(fits, len(handles))))
    return -(-len(handles) // rows)


def _legend_below(ax, handles):
    """Draw the class legend centred below the axes and their x-axis, in as many columns as the
    figure's width holds, and make the figure taller by the legend's height."""
    from matplotlib.transforms import blended_transform_factory, offset_copy

    fig = ax.figure
    ncols = _legend_ncols(ax, handles, 0.96 * fig.bbox.width, title="Class")
    below = ax.get_window_extent().y0 - ax.xaxis.get_tightbbox().y0  # px: ticks and xlabel
    anchor = blended_transform_factory(fig.transFigure, ax.transAxes)
    legend = ax.legend(
        handles=handles,
        title="Class",
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=offset_copy(anchor, fig=fig, y=-below * 72 / fig.dpi, units="points"),
        frameon=False,
        ncols=ncols,
    )
    fig.set_figheight(fig.get_figheight() + legend.get_window_extent().height / fig.dpi + 0.1)


class SegmentationDisplay:
    """Timeline of true and predicted segmentations, one pair of bands per recording.

    Build it with :meth:`from_predictions` or :meth:`from_estimator`, or construct it and call
    :meth:`plot`. Each class keeps one colour in every band, shown once in the legend.

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels of one recording or of several.
    y_pred : same structure as ``y_true``
        Predicted labels, one per frame.
    labels : array-like of shape (n_classes,), default=None
        Classes in legend and colour order. Defaults to the sorted labels present (in order of
        appearance when they cannot be sorted); labels present but not listed are appended, in
        colours of their own that leave the listed classes' colours unchanged. Pass the same
        list to several displays to keep colours consistent between figures.
    names : list of str, default=None
        One name per recording for the band labels; defaults to ``"recording {i}"``.

    Attributes
    ----------
    labels_ : list
        The classes in colour order, set by :meth:`plot`.
    colors_ : dict
        Colour (RGBA) of each class.
    ax_ : matplotlib.axes.Axes
        The axes with the timeline.
    figure_ : matplotlib.figure.Figure
        The figure holding ``ax_``.

    See Also
    --------
    stgraph_sklearn.metrics.segmentation_report : The scores of the same predictions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from stgraph_sklearn.plotting import SegmentationDisplay
    >>> disp = SegmentationDisplay.from_predictions(
    ...     [[0, 0, 1, 1, 1], [2, 2, 2, 0]], [[0, 1, 1, 1, 1], [2, 2, 0, 0]]
    ... )
    >>> [len(band.get_paths()) for band in disp.ax_.collections]  # one bar per segment
    [2, 2, 2, 2]
    >>> [t.get_text() for t in disp.ax_.get_legend().get_texts()]
    ['0', '1', '2']
    """

    def __init__(self, y_true, y_pred, *, labels=None, names=None):
        self.y_true = y_true
        self.y_pred = y_pred
        self.labels = labels
        self.names = names

    def _resolve_labels(self, trues, preds, caller):
        """The classes in colour order, and how many of them come from ``labels``."""
        seen = {}
        for seq in [*trues, *preds]:
            for lab in seq[segment_bounds(seq)[0]].tolist():
                seen.setdefault(lab, None)
        if self.labels is not None:
            labels = list(self.labels)
            if len(set(labels)) != len(labels):
                raise ValueError(f"{caller}: labels must be unique. Got {labels!r}.")
            # as check_background: labels all of another type than every sequence's (0 for
            # "0") match no frame, and each class would be appended again under the same name
            kinds = {label_kind(seq) for seq in [*trues, *preds]}
            given = {label_kind(np.asarray([lab])) for lab in labels}
            if labels and not given & kinds:
                raise TypeError(
                    f"{caller}: labels={labels!r} holds {' and '.join(sorted(given))} labels "
                    f"but the sequences hold {' and '.join(sorted(kinds))} labels, so they "
                    "would match no frame; give the labels as they appear in the sequences."
                )
            known = set(labels)
            return labels + [lab for lab in seen if lab not in known], len(labels)
        try:
            labels = sorted(seen)
        except TypeError:  # labels of different types across recordings
            labels = list(seen)
        return labels, len(labels)

    def plot(self, ax=None, *, cmap="tab20", frame_rate=None, legend=True, bar_height=0.8):
        """Draw the timeline.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; a new figure is created if None.
        cmap : str or matplotlib.colors.Colormap, default="tab20"
            Colormap of the classes. A listed colormap with fewer colours than classes (20
            for ``tab20``) gives way to ``"turbo"``, so that no two classes share a colour.
        frame_rate : float, default=None
            Frames per second; if given the x-axis is in seconds, otherwise in frames.
        legend : bool, default=True
            Whether to draw the class legend, outside the axes on the right. In a figure the
            display creates (``ax=None``), a legend that would leave the timeline less than
            half the width goes below the timeline instead, and the figure grows to hold it.
        bar_height : float, default=0.8
            Height of a band, in units of the distance between bands.

        Returns
        -------
        display : SegmentationDisplay
            The display, with ``ax_``, ``figure_``, ``labels_`` and ``colors_`` set.
        """
        import matplotlib.pyplot as plt
        from matplotlib.axes import Axes
        from matplotlib.patches import Patch

        caller = f"{type(self).__name__}.plot"
        trues, preds = check_label_pairs(self.y_true, self.y_pred, caller=caller)
        n_rec = len(trues)
        names = _check_names(self.names, n_rec, caller)
        if frame_rate is not None and (
            isinstance(frame_rate, bool)
            or not isinstance(frame_rate, numbers.Real)
            or not frame_rate > 0
        ):
            raise ValueError(f"{caller}: frame_rate must be a positive number. Got {frame_rate!r}.")
        if (
            isinstance(bar_height, bool)
            or not isinstance(bar_height, numbers.Real)
            or not 0 < bar_height <= 1
        ):
            raise ValueError(f"{caller}: bar_height must be in (0, 1]. Got {bar_height!r}.")
        if ax is not None and not isinstance(ax, Axes):
            raise TypeError(
                f"{caller}: ax must be a matplotlib Axes or None. Got {type(ax).__name__}."
            )
        labels, n_listed = self._resolve_labels(trues, preds, caller)
        colors = _class_colors(cmap, n_listed, caller=caller, n_extra=len(labels) - n_listed)
        colors = dict(zip(labels, colors, strict=True))
        scale = 1.0 if frame_rate is None else 1.0 / float(frame_rate)

        own_figure = ax is None
        if own_figure:  # constrained: the legend and the band names stay inside the figure
            _, ax = plt.subplots(figsize=(10, 0.8 + 0.55 * 2 * n_rec), layout="constrained")
        ticks, tick_labels = [], []
        for r, (t, p) in enumerate(zip(trues, preds, strict=True)):
            for row, (seq, kind) in enumerate(((t, "true"), (p, "pred"))):
                y_pos = 2.5 * r + row
                starts, ends = segment_bounds(seq)
                # one collection per band, not one patch per segment: a long, fragmented
                # recording has tens of thousands of segments
                ax.broken_barh(
                    np.column_stack([starts * scale, (ends - starts) * scale]),
                    (y_pos - bar_height / 2, bar_height),
                    facecolors=[colors[lab] for lab in seq[starts].tolist()],
                    edgecolor="none",
                )
                ticks.append(y_pos)
                tick_labels.append(_literal(f"{names[r]} · {kind}"))
        ax.set_yticks(ticks, tick_labels)
        ax.set_ylim(2.5 * n_rec - 1.5 + bar_height / 2 + 0.2, -bar_height / 2 - 0.2)
        ax.set_xlim(0, max(len(t) for t in trues) * scale)
        ax.set_xlabel("Time (s)" if frame_rate is not None else "Frame")
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        if legend:
            handles = [Patch(facecolor=colors[lab], label=_literal(lab)) for lab in labels]
            # as many columns as the figure's height needs (about 0.25 in per entry)
            rows = max(1, int((ax.figure.get_figheight() - 0.4) / 0.25))
            box = ax.legend(
                handles=handles,
                title="Class",
                loc="upper left",
                bbox_to_anchor=(1.01, 1.0),
                frameon=False,
                ncols=-(-len(handles) // rows),
            ).get_window_extent()
            # in a figure of its own, a legend that leaves the timeline less than half the
            # width goes below it instead
            if own_figure and box.width + ax.yaxis.get_tightbbox().width > ax.figure.bbox.width / 2:
                _legend_below(ax, handles)
        self.labels_ = labels
        self.colors_ = colors
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_pred,
        *,
        recording_index=None,
        max_recordings=20,
        labels=None,
        names=None,
        ax=None,
        cmap="tab20",
        frame_rate=None,
        legend=True,
    ):
        """Plot true against predicted labels.

        Parameters
        ----------
        y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
            True labels of one recording or of several.
        y_pred : same structure as ``y_true``
            Predicted labels.
        recording_index : int or list of int, default=None
            The recordings to draw; if None, all of them up to ``max_recordings``.
        max_recordings : int or None, default=20
            Without ``recording_index``, draw at most this many recordings (a pair of bands
            each, about 1.1 in of figure height): the first ``max_recordings``, with a
            warning that says how many are drawn. None draws every recording. Not used when
            ``recording_index`` is given (it must still be valid).
        labels : array-like of shape (n_classes,), default=None
            Classes in legend and colour order.
        names : list of str, default=None
            One name per recording (of all recordings, before selection).
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; a new figure is created if None.
        cmap : str or matplotlib.colors.Colormap, default="tab20"
            Colormap of the classes.
        frame_rate : float, default=None
            Frames per second; if given the x-axis is in seconds.
        legend : bool, default=True
            Whether to draw the class legend.

        Returns
        -------
        display : SegmentationDisplay
        """
        caller = f"{cls.__name__}.from_predictions"
        trues, preds = check_label_pairs(y_true, y_pred, caller=caller)
        keep = _select_recordings(len(trues), recording_index, caller, max_recordings)
        names = _check_names(names, len(trues), caller)
        disp = cls(
            [trues[i] for i in keep],
            [preds[i] for i in keep],
            labels=labels,
            names=[names[i] for i in keep],
        )
        return disp.plot(ax=ax, cmap=cmap, frame_rate=frame_rate, legend=legend)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        recording_index=None,
        max_recordings=20,
        labels=None,
        names=None,
        ax=None,
        cmap="tab20",
        frame_rate=None,
        legend=True,
    ):
        """Plot the predictions of a fitted sequence estimator against the true labels.

        Parameters
        ----------
        estimator : object
            Fitted estimator with ``predict(X) -> list of (n_frames_i,)``.
        X : list of recordings
            Recordings to predict (only the selected ones are predicted when ``X`` is a list).
        y : list of array-like of shape (n_frames_i,)
            True labels, one sequence per recording.
        recording_index : int or list of int, default=None
            The recordings to draw; if None, all of them up to ``max_recordings``.
        max_recordings : int or None, default=20
            Without ``recording_index``, draw at most this many recordings (only those are
            predicted when ``X`` is a list): the first ``max_recordings``, with a warning
            that says how many are drawn. None draws every recording. Not used when
            ``recording_index`` is given (it must still be valid).
        labels : array-like of shape (n_classes,), default=None
            Classes in legend and colour order; defaults to ``estimator.classes_`` when present.
        names : list of str, default=None
            One name per recording; defaults to the recordings' ``name`` attributes when they
            all have one.
        ax, cmap, frame_rate, legend
            As in :meth:`from_predictions`.

        Returns
        -------
        display : SegmentationDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        if not hasattr(estimator, "predict"):
            raise TypeError(
                f"{caller}: estimator must have a predict method. Got {type(estimator).__name__}."
            )
        trues, _ = check_label_pairs(y, y, caller=caller, names=("y", "y"))
        keep = _select_recordings(len(trues), recording_index, caller, max_recordings)
        if isinstance(X, (list, tuple)):
            if len(X) != len(trues):
                raise ValueError(
                    f"{caller}: X has {len(X)} recordings but y has {len(trues)} sequences."
                )
            y_pred = list(estimator.predict([X[i] for i in keep]))
            if names is None and all(getattr(x, "name", None) is not None for x in X):
                names = [str(x.name) for x in X]
        else:
            y_pred = list(estimator.predict(X))
            if len(y_pred) != len(trues):
                raise ValueError(
                    f"{caller}: estimator.predict(X) returned {len(y_pred)} sequences but y "
                    f"has {len(trues)}."
                )
            y_pred = [y_pred[i] for i in keep]
        if len(y_pred) != len(keep):
            raise ValueError(
                f"{caller}: estimator.predict returned {len(y_pred)} sequences for "
                f"{len(keep)} recordings."
            )
        for i, pred in zip(keep, y_pred, strict=True):  # named by the user's own indices
            if len(pred) != len(trues[i]):
                raise ValueError(
                    f"{caller}: estimator.predict gave {len(pred)} labels for X[{i}] but y[{i}] "
                    f"has {len(trues[i])}; y[{i}] must have one label per frame of X[{i}]."
                )
        names = _check_names(names, len(trues), caller)
        if labels is None and hasattr(estimator, "classes_"):
            labels = list(np.asarray(estimator.classes_).tolist())
        disp = cls(
            [trues[i] for i in keep],
            y_pred,
            labels=labels,
            names=[names[i] for i in keep],
        )
        return disp.plot(ax=ax, cmap=cmap, frame_rate=frame_rate, legend=legend)
