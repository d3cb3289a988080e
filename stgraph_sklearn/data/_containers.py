"""Containers of the data contract: Modality, Recording, SensorGraph, GraphSequence.

Axis order is time first everywhere: ``(n_timesteps, n_nodes, n_channels)``.
Containers validate themselves on construction (so a malformed one never exists),
hold numpy arrays, and are cheap to copy, slice and pickle.
"""

from __future__ import annotations

import datetime
import numbers
from collections.abc import Mapping
from functools import partial
from types import MappingProxyType

import numpy as np

from ..exceptions import reraise_as
from ._lazy import LazyValues, is_lazy, lazy_values, named_file_values

__all__ = [
    "GraphSequence",
    "Modality",
    "Recording",
    "SensorGraph",
    "node_feature_names",
    "present_nodes",
    "qualified_node_names",
]


def _float_dtype(dtype):
    """The dtype of values: float64 for floats of 8 bytes or more (either byte order; long
    double would lose its precision in float32) and for integers of 4 bytes or more (float32
    holds integers exactly only up to 2**24: int32 GPS coordinates in 1e-7 degrees would
    collapse; numpy promotes them with float32 to float64 too), else float32."""
    wide = dtype.itemsize >= 8 if dtype.kind == "f" else dtype.kind in "iu" and dtype.itemsize >= 4
    return np.float64 if wide else np.float32


def _dropout_threshold(intervals):
    """The longest interval between samples of one clock that is not a drop-out: an interval
    longer than both 1 s and ten times the median interval is a gap (a sensor that dropped
    out). The one rule for drop-outs, used by :attr:`Modality.period` and
    :func:`~stgraph_sklearn.data.segments_from_sample_labels`.

    Parameters
    ----------
    intervals : ndarray of shape (n_intervals,)
        Differences between consecutive sample times in seconds, at least one.

    Returns
    -------
    float
        Seconds; longer intervals are drop-outs.
    """
    return max(1.0, 10.0 * float(np.median(intervals)))


def _as_float_values(values, what):
    try:
        arr = np.asarray(values)
    except Exception as exc:  # pragma: no cover - numpy raises many types
        raise TypeError(
            f"{what} must be array-like of numbers. Got {type(values).__name__}."
        ) from exc
    if (
        arr.dtype == object
        or arr.dtype.kind in "mM"  # timedelta64 is a numpy integer type, but not a reading
        or not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_))
    ):
        raise TypeError(f"{what} must hold numbers. Got an array of dtype {arr.dtype}.")
    if np.iscomplexobj(arr):
        raise TypeError(f"{what} must hold real numbers. Got dtype {arr.dtype}.")
    return arr.astype(_float_dtype(arr.dtype), copy=False)


def _all_missing(values):
    """Whether in-memory values hold no number at all (lazy values are not read: False)."""
    return (
        isinstance(values, np.ndarray)
        and values.dtype.kind == "f"
        and bool(np.isnan(values.flat[0]))  # a first value: not all missing, without a pass
        and bool(np.isnan(values).all())
    )


def _add_node_axis(values):
    return np.asarray(values)[:, None, :]


def _as_lazy_float_values(values, what):
    """Lazy values (:func:`~stgraph_sklearn.data.is_lazy`) as float LazyValues, 2-D made 3-D.

    Only the dtype and shape are checked here; the values are checked (no inf) on access.
    """
    dtype = values.dtype
    if dtype.kind == "c":
        raise TypeError(f"{what} must hold real numbers. Got dtype {dtype}.")
    if dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numbers. Got an array of dtype {dtype}.")
    dtype = _float_dtype(dtype)
    if isinstance(values, np.ndarray):
        return lazy_values(
            values[:, None, :] if values.ndim == 2 else values, where=what, dtype=dtype
        )
    if values.ndim == 2:
        t, c = values.shape
        return LazyValues(partial(_add_node_axis, values), (t, 1, c), dtype, where=values.where)
    if values.dtype != dtype:
        return LazyValues(values.compute, values.shape, dtype, where=values.where)
    return values


def _mask_missing(arr, given, what="GraphSequence block"):
    """THE NaN -> mask rule of a block: ``(values with missing nodes zeroed, float32; mask)``."""
    mask = present_nodes(arr)
    if given is not None:
        mask = mask & given
    if not mask.all():
        # every feature of a missing node, not only its NaN ones (nor only the NaN-free
        # nodes a given mask hides): custom networks may read the features without the mask
        arr = np.where(mask[:, :, None], arr, 0.0)
    with np.errstate(over="ignore"):  # the error below says it
        out = arr.astype(np.float32, copy=False)
    if out is not arr and arr.dtype.kind == "f":  # the input has no inf
        beyond = np.isinf(out)
        if beyond.any():
            t, node, channel = np.argwhere(beyond)[0]
            raise ValueError(
                f"{what} holds values beyond the float32 range (+-3.4e38) in which the "
                f"segmenters compute (first at frame {t}, node {node}, channel {channel}: "
                f"{arr[t, node, channel]:.3g}). Such values are a glitch in the data or "
                "features far outside those a scaler was fitted on; clip or remove them."
            )
    return out, mask


def _lazy_block(raw, given):
    return _mask_missing(raw.load(), given)[0]


def _lazy_mask(raw, given):
    return _mask_missing(raw.load(), given)[1]


def qualified_node_names(modality_nodes):
    """Graph node names from per-modality node names: THE node-naming rule of the package.

    A node is named ``"<modality>:<node>"``; a modality with a single node of the default name
    ``"0"`` (a vector stream such as a video feature) is just ``"<modality>"``. Recordings
    (``Recording.node_names``), graph sequences without a graph
    (:attr:`GraphSequence.node_names`) and every transformer and estimator name nodes this way.

    Parameters
    ----------
    modality_nodes : iterable of (str, sequence of str)
        ``(modality, node_names)`` pairs in graph order.

    Returns
    -------
    node_names : tuple of str

    Examples
    --------
    >>> from stgraph_sklearn.data import qualified_node_names
    >>> qualified_node_names([("accel", ("knife", "bowl")), ("video", ("0",))])
    ('accel:knife', 'accel:bowl', 'video')
    """
    names = []
    for key, nodes in modality_nodes:
        nodes = tuple(nodes)
        names.extend([key] if nodes == ("0",) else [f"{key}:{n}" for n in nodes])
    return tuple(names)


def _check_names(names, count, what, unit, prefix=""):
    """``count`` unique names as a tuple of str; None gives ``prefix + "0"``, ``prefix + "1"``, ..."""
    if names is None:
        return tuple(f"{prefix}{j}" for j in range(count))
    if isinstance(names, str) or len(names) != count:
        raise ValueError(
            f"{what} must be a sequence of {count} names (one per {unit}). Got {names!r}."
        )
    names = tuple(str(n) for n in names)
    if len(set(names)) != len(names):
        raise ValueError(f"{what} must be unique. Got {names!r}.")
    return names


def _check_node_names(names, count, what):
    """``_check_names`` of node names, which may not hold ``"__"`` nor end with ``"_"``:
    feature names read ``"<node>__<channel>"`` and are split at the first ``"__"`` (the node
    ``"wrist_"`` would read as ``"wrist"``)."""
    names = _check_names(names, count, what, "node")
    joined = [n for n in names if "__" in n or n.endswith("_")]
    if joined:
        raise ValueError(
            f"{what} must not contain '__' or end with '_': '__' separates the node from the "
            f"channel in feature names '<node>__<channel>'. Got {joined[:3]!r}; rename them (a "
            "table column 'hand__left_x' makes the node 'hand__left', 'hand__x' the node "
            "'hand_')."
        )
    return names


def _check_modality_name(key):
    """Refuse ``"__"`` in a modality name, or a final ``"_"``: it starts the qualified node names that feature
    names ``"<modality>:<node>__<channel>"`` are split by."""
    if "__" in key or key.endswith("_"):
        raise ValueError(
            "Recording modality names must not contain '__' or end with '_': '__' separates "
            "the node from the channel in feature names '<modality>:<node>__<channel>'. Got "
            f"{key!r}; rename the modality (a file 'wrist__imu.csv' names the modality "
            "'wrist__imu')."
        )


def _check_channel_names(channel_names, n_channels, what):
    return _check_names(channel_names, n_channels, f"{what} 'channel_names'", "channel", "c")


def default_node_names(layout):
    """The node names of arrays and unnamed modalities of a layout: ``"<modality>:0"``, ...

    Parameters
    ----------
    layout : mapping of str to tuple of int
        ``{modality: (n_nodes, ...)}`` (e.g. :attr:`GraphSequence.feature_shapes`).

    Returns
    -------
    node_names : tuple of str
        :func:`qualified_node_names` of ``("0", "1", ...)`` for every modality.

    Examples
    --------
    >>> from stgraph_sklearn.data import default_node_names
    >>> default_node_names({"acc": (2, 3), "video": (1, 16)})
    ('acc:0', 'acc:1', 'video')
    """
    return qualified_node_names(
        (key, tuple(str(j) for j in range(shape[0]))) for key, shape in layout.items()
    )


def names_conflict(got, expected, default):
    """Whether two lists of names disagree: THE rule by which node and channel names are compared.

    Names are compared only where both sides give them, as scikit-learn compares feature
    names only when both have them: arrays and unnamed modalities carry the default names
    (``"0", "1", ...``, qualified by :func:`qualified_node_names`, or ``"c0", "c1", ...``),
    which match any names. Two given lists conflict when they differ, in content or order:
    the same count of nodes in another order would otherwise be read as the nodes seen in
    fit.

    Parameters
    ----------
    got, expected : sequence of str
        The names of the input and the names it is checked against.
    default : sequence of str
        The default names of that many nodes or channels.

    Returns
    -------
    bool

    Examples
    --------
    >>> from stgraph_sklearn.data import names_conflict
    >>> names_conflict(["acc:knife", "acc:bowl"], ["acc:bowl", "acc:knife"], ["acc:0", "acc:1"])
    True
    >>> names_conflict(["acc:0", "acc:1"], ["acc:bowl", "acc:knife"], ["acc:0", "acc:1"])
    False
    """
    got, expected, default = list(got), list(expected), list(default)
    return got != expected and got != default and expected != default


def node_feature_names(node_names, channel_names):
    """Feature names of nodes: THE feature-naming rule of the sequence transformers.

    Every channel (feature) of every node is named ``"<node>__<channel>"``; a channel without a
    name is ``"c<j>"``. :class:`~stgraph_sklearn.transformers.NodeFeatureExtractor` names its
    output channels after the statistic, window and input channel (``"mean_0.5s_c0"``), so
    ``get_feature_names_out`` along a pipeline and the columns of
    :class:`~stgraph_sklearn.transformers.FrameFeatureFlattener` read
    ``"accel:bowl__mean_0.5s_c0"``.

    Parameters
    ----------
    node_names : sequence of str
        Qualified node names (:func:`qualified_node_names`) of one modality.
    channel_names : sequence of str
        Names of the modality's channels.

    Returns
    -------
    names : list of str
        Node-major: all channels of the first node, then of the second, and so on.

    Examples
    --------
    >>> from stgraph_sklearn.data import node_feature_names
    >>> node_feature_names(["accel:bowl", "accel:knife"], ["mean_0.5s_c0"])
    ['accel:bowl__mean_0.5s_c0', 'accel:knife__mean_0.5s_c0']
    """
    return [f"{node}__{ch}" for node in node_names for ch in channel_names]


def present_nodes(values):
    """Where each node is present: THE NaN -> mask rule of the package.

    A node is missing at a sample where *any* of its channels is NaN (a partial reading, such
    as one axis of an accelerometer dropping out, counts as missing rather than being silently
    zero-filled). :class:`Modality`, :class:`GraphSequence`, the transformers and the
    estimators all mask nodes with this rule.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_nodes, n_channels)

    Returns
    -------
    present : ndarray of shape (n_samples, n_nodes) of bool
        False where the node is missing.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import present_nodes
    >>> present_nodes(np.array([[[1.0, np.nan], [2.0, 3.0]]]))
    array([[False,  True]])
    """
    return ~np.isnan(values).any(axis=-1)


class Modality:
    """One sensing stream of a recording, on its own clock.

    Parameters
    ----------
    values : array-like of shape (n_samples, n_nodes, n_channels) or (n_samples, n_channels)
        The samples. A 2-D array is one node (for example a video feature vector per frame).
        Stored as float32, or float64 for float64 values and integers of 32 or 64 bits.
        NaN marks a missing sample; a node with a NaN channel at a sample is missing there
        (:func:`present_nodes`). Values that view a memory-mapped file, and
        :class:`LazyValues`, stay lazy (:func:`is_lazy`): ``values`` is then a
        :class:`LazyValues` that reads the file on each access, and the check for inf
        happens on access (:meth:`load`) instead of here.
    rate : float, default=None
        Sampling rate in Hz. Exactly one of ``rate`` and ``timestamps`` must be given.
    timestamps : array-like of shape (n_samples,), default=None
        Sample times in seconds on the modality's own clock, strictly increasing, possibly irregular.
    start : float, default=0.0
        Time of the first sample in seconds, used with ``rate``.
    node_names : sequence of str, default=None
        One name per node. Defaults to ``("0", "1", ...)``; the recording prefixes node
        names with the modality name when it builds the graph's node list.
    clock : array-like of shape (n_anchors, 2), default=None
        Clock correction from the reference timeline to this modality's clock, as anchor pairs
        ``(reference_time, offset)``: the sample that belongs to reference time ``t`` was stamped
        ``t + offset(t)`` on this modality's clock, with ``offset`` linear between anchors and
        constant outside them (one anchor is a constant offset). This is the format of the
        50 Salads synchronization files. ``None`` means the clocks agree.
    channel_names : sequence of str, default=None
        One name per channel, kept by the transformers that keep the channels and set by
        :class:`~stgraph_sklearn.transformers.NodeFeatureExtractor`. Defaults to
        ``("c0", "c1", ...)``; see :func:`node_feature_names`.

    Attributes
    ----------
    n_samples, n_nodes, n_channels : int
        Shape of ``values``.
    times : ndarray of shape (n_samples,)
        Sample times in seconds on the modality's clock.
    period : float or None
        Nominal sampling period in seconds (see the property).

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality
    >>> accel = Modality(np.zeros((100, 10, 3)), rate=50.0)
    >>> accel.n_nodes, accel.duration
    (10, 2.0)
    """

    def __init__(
        self,
        values,
        rate=None,
        timestamps=None,
        start=0.0,
        node_names=None,
        clock=None,
        channel_names=None,
    ):
        lazy = is_lazy(values)
        if lazy:
            arr = _as_lazy_float_values(values, "Modality values")
        else:
            arr = _as_float_values(values, "Modality values")
            if arr.ndim == 2:
                arr = arr[:, None, :]
        if arr.ndim != 3:
            raise ValueError(
                "Modality values must have shape (n_samples, n_nodes, n_channels) or "
                f"(n_samples, n_channels). Got an array of shape {arr.shape}."
            )
        if arr.shape[0] == 0 or arr.shape[1] == 0 or arr.shape[2] == 0:
            raise ValueError(f"Modality values must not be empty. Got shape {arr.shape}.")
        if not lazy and np.isinf(arr).any():
            raise ValueError("Modality values must be finite or NaN (missing). Got inf.")
        self.values = arr
        if (rate is None) == (timestamps is None):
            raise ValueError(
                "Modality needs exactly one of 'rate' (Hz) and 'timestamps' (s). "
                f"Got rate={rate!r} and timestamps={'None' if timestamps is None else 'an array'}."
            )
        if rate is not None:
            if (
                isinstance(rate, bool | np.bool_)
                or not isinstance(rate, numbers.Real)
                or not np.isfinite(rate)
                or rate <= 0
            ):
                raise ValueError(f"Modality 'rate' must be a positive number of Hz. Got {rate!r}.")
            self.rate = float(rate)
            self.timestamps = None
        else:
            ts = np.asarray(timestamps, dtype=np.float64)
            if ts.shape != (arr.shape[0],):
                raise ValueError(
                    f"Modality 'timestamps' must have shape ({arr.shape[0]},) to match values. "
                    f"Got shape {ts.shape}."
                )
            if not np.isfinite(ts).all():
                raise ValueError("Modality 'timestamps' must be finite.")
            if ts.size > 1 and not (np.diff(ts) > 0).all():
                bad = int(np.flatnonzero(np.diff(ts) <= 0)[0]) + 1
                raise ValueError(
                    "Modality 'timestamps' must be strictly increasing. Got "
                    f"timestamps[{bad - 1}]={ts[bad - 1].item()!r} >= "
                    f"timestamps[{bad}]={ts[bad].item()!r}."
                )
            self.rate = None
            self.timestamps = ts
        if (
            isinstance(start, bool | np.bool_)
            or not isinstance(start, numbers.Real)
            or not np.isfinite(start)
        ):
            raise ValueError(f"Modality 'start' must be a finite number of seconds. Got {start!r}.")
        self.start = float(start)
        self.node_names = _check_node_names(node_names, arr.shape[1], "Modality 'node_names'")
        if clock is not None:
            clk = np.asarray(clock, dtype=np.float64)
            if (
                clk.ndim != 2
                or clk.shape[1] != 2
                or clk.shape[0] == 0
                or not np.isfinite(clk).all()
            ):
                raise ValueError(
                    "Modality 'clock' must be finite (reference_time, offset) anchor pairs of shape "
                    f"(n_anchors, 2). Got {np.shape(clock)}."
                )
            if clk.shape[0] > 1 and not (np.diff(clk[:, 0]) > 0).all():
                raise ValueError("Modality 'clock' anchor times must be strictly increasing.")
            clock = clk
        self.clock = clock
        self.channel_names = _check_channel_names(channel_names, arr.shape[2], "Modality")

    @property
    def n_samples(self):
        return self.values.shape[0]

    @property
    def n_nodes(self):
        return self.values.shape[1]

    @property
    def n_channels(self):
        return self.values.shape[2]

    @property
    def present(self):
        """Bool array of shape (n_samples, n_nodes): False where a node is missing (NaN).

        See :func:`present_nodes` for the rule.
        """
        return present_nodes(self.values)

    @property
    def times(self):
        """Sample times in seconds on the modality's own clock."""
        if self.timestamps is not None:
            return self.timestamps
        return self.start + np.arange(self.n_samples) / self.rate

    @property
    def period(self):
        """Nominal sampling period in seconds: ``1 / rate``, else estimated from the timestamps.

        For irregular timestamps it is the mean interval between samples, leaving out gaps:
        intervals longer than both 1 s and ten times the median interval (a sensor that
        dropped out). The mean, not the median, because phone and wireless sensors deliver
        samples in bursts: a 50 Hz stream arriving ten samples at a time has a median
        interval of a fraction of a millisecond but a mean interval of 20 ms. None for a
        single timestamped sample.

        Examples
        --------
        >>> import numpy as np
        >>> from stgraph_sklearn.data import Modality
        >>> bursts = np.repeat(np.arange(0.0, 10.0, 0.2), 10) + np.tile(np.arange(10) * 1e-4, 50)
        >>> mod = Modality(np.zeros((500, 1)), timestamps=bursts)  # 50 Hz, 10 samples a time
        >>> round(mod.period, 3), round(float(np.median(np.diff(bursts))), 4)
        (0.02, 0.0001)
        """
        if self.rate is not None:
            return 1.0 / self.rate
        intervals = np.diff(self.times)
        if intervals.size == 0:
            return None
        kept = intervals[intervals <= _dropout_threshold(intervals)]
        return float(kept.mean())

    @property
    def duration(self):
        """Time span covered, in seconds (last sample plus one :attr:`period`)."""
        return float(self.times[-1] + (self.period or 0.0))

    def offset_at(self, reference_times):
        """Clock offset (s) of this modality at the given reference times.

        Parameters
        ----------
        reference_times : array-like of float
            Times on the reference timeline (s).

        Returns
        -------
        offsets : ndarray of the same shape
            The offset interpolated between the ``clock`` anchors (0 without a clock).
        """
        reference_times = np.asarray(reference_times, dtype=np.float64)
        if self.clock is None:
            return np.zeros_like(reference_times)
        return np.interp(reference_times, self.clock[:, 0], self.clock[:, 1])

    def replace(self, **changes):
        """Return a new Modality with some fields replaced (values are not copied).

        Parameters
        ----------
        **changes
            New values of any of the constructor's parameters (``values``, ``rate``,
            ``timestamps``, ``start``, ``node_names``, ``clock``, ``channel_names``). New
            ``timestamps`` drop the old ``rate`` and a new ``rate`` the old ``timestamps``
            unless both are given; values with another number of channels drop the old
            ``channel_names``.

        Returns
        -------
        Modality
        """
        fields = {
            "values": self.values,
            "rate": self.rate,
            "timestamps": self.timestamps,
            "start": self.start,
            "node_names": self.node_names,
            "clock": self.clock,
            "channel_names": self.channel_names,
        }
        new_values = changes.get("values")
        if (
            new_values is not None
            and "channel_names" not in changes
            and np.ndim(new_values) >= 2
            and np.shape(new_values)[-1] != self.n_channels
        ):
            fields["channel_names"] = None  # other channels: the old names do not apply
        if "timestamps" in changes and changes["timestamps"] is not None and "rate" not in changes:
            fields["rate"] = None
        if "rate" in changes and changes["rate"] is not None and "timestamps" not in changes:
            fields["timestamps"] = None
        fields.update(changes)
        return Modality(**fields)

    def load(self):
        """This modality with its values in memory: ``self`` unless they are lazy.

        Returns
        -------
        Modality
            With the values read or computed (and checked) once.
        """
        return self.replace(values=self.values.load()) if is_lazy(self.values) else self

    def __repr__(self):
        clock = f"rate={self.rate:g}" if self.rate is not None else "timestamps=..."
        return (
            f"Modality(n_samples={self.n_samples}, n_nodes={self.n_nodes}, "
            f"n_channels={self.n_channels}, {clock})"
        )


#: A recording whose first sample comes more than this many seconds (11.6 days) after its
#: frame 0, and more than 100 times its own span, is read as having absolute timestamps.
_ABSOLUTE_TIME_S = 1e6


class Recording:
    """One recorded session: several modalities and a reference timeline of frames.

    Labels are given one per reference frame; frame ``i`` is at time ``i / frame_rate``
    seconds on the reference clock.

    Parameters
    ----------
    modalities : mapping of str to Modality
        The streams, keyed by modality name. Their order is the node order of the graph.
        Arrays are accepted and wrapped as ``Modality(values, rate=frame_rate)``.
    frame_rate : float
        Rate of the reference timeline in Hz (30 for 50 Salads' video).
    n_frames : int, default=None
        Number of reference frames. Defaults to the longest modality's duration times
        ``frame_rate``, rounded; in-memory modalities holding no value at all (all NaN, a
        failed sensor's placeholder) count only when every modality is such (memory-mapped
        values are not read for this).
    name : str, default=None
        Identifier of the recording (for example the trial name).
    subject : hashable, default=None
        Who was recorded; used as ``groups`` for subject-disjoint splits.
    start_time : float, default=0.0
        Time of frame 0, in seconds, on the clock of the data the recording was read from:
        frame ``i`` is at ``start_time + i / frame_rate`` on that clock.
        :func:`~stgraph_sklearn.data.recording_from_dataframes` sets it to the earliest
        sample of tables whose time is in seconds, and
        :func:`~stgraph_sklearn.data.labels_from_segment_table` reads segment times on that
        clock. It does not change the modalities, whose times are relative to frame 0.
    start_datetime : datetime.datetime or None, default=None
        Wall-clock time of frame 0 (a :class:`pandas.Timestamp` is a ``datetime``), for
        recordings read from tables whose times are datetimes:
        :func:`~stgraph_sklearn.data.recording_from_dataframes` sets it to the earliest
        sample (time-zone aware if the tables were), and
        :func:`~stgraph_sklearn.data.labels_from_segment_table` reads segment bounds given as
        datetimes against it. Frame ``i`` is at ``start_datetime + i / frame_rate`` seconds.

    Attributes
    ----------
    node_names : tuple of str
        ``"<modality>:<node>"`` for every node of every modality, in graph order
        (a modality with one unnamed node is just ``"<modality>"``).
    node_modality : tuple of str
        The modality of each node.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording
    >>> rec = Recording({"accel": Modality(np.zeros((500, 10, 3)), rate=50.0),
    ...                  "video": Modality(np.zeros((300, 8)), rate=30.0)}, frame_rate=30.0)
    >>> rec.n_frames, len(rec.node_names)
    (300, 11)
    """

    #: Defaults for recordings pickled before ``start_time`` / ``start_datetime`` existed.
    start_time = 0.0
    start_datetime = None

    def __init__(
        self,
        modalities,
        frame_rate,
        n_frames=None,
        name=None,
        subject=None,
        start_time=0.0,
        start_datetime=None,
    ):
        if not isinstance(modalities, Mapping) or len(modalities) == 0:
            raise TypeError(
                "Recording 'modalities' must be a non-empty mapping of name to Modality. "
                f"Got {type(modalities).__name__}."
            )
        if (
            isinstance(frame_rate, bool | np.bool_)
            or not isinstance(frame_rate, numbers.Real)
            or not np.isfinite(frame_rate)
            or frame_rate <= 0
        ):
            raise ValueError(
                f"Recording 'frame_rate' must be a positive number of Hz. Got {frame_rate!r}."
            )
        self.frame_rate = float(frame_rate)
        mods = {}
        for key, mod in modalities.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"Recording modality names must be non-empty strings. Got {key!r}.")
            _check_modality_name(key)
            if not isinstance(mod, Modality):
                mod = Modality(mod, rate=self.frame_rate)
            named = named_file_values(mod.values, f"recording {name!r} modality {key!r}")
            mods[key] = mod if named is mod.values else mod.replace(values=named)
        self.modalities = mods
        names = self.node_names
        if len(set(names)) != len(names):  # modality "a:0" next to modality "a"'s node "0"
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(
                f"Recording {name!r}: the qualified node names '<modality>:<node>' must be "
                f"unique. Got {twice[:5]} twice, from modalities {list(mods)[:10]}; rename the "
                "modality or the nodes."
            )
        if n_frames is None:
            # a modality without a single value (a failed sensor's placeholder) does not
            # lengthen the recording, unless every one is such
            spanning = [m for m in mods.values() if not _all_missing(m.values)] or list(
                mods.values()
            )
            end = max(m.duration for m in spanning)
            first = min(float(m.times[0]) for m in spanning)
            if first > _ABSOLUTE_TIME_S and first > 100 * (end - first):
                raise ValueError(
                    f"Recording {name!r}: its first sample is at {first:.10g} s, "
                    f"{first / 86400:.0f} days after frame 0 (time 0 of the modalities' "
                    "clock), so it would have "
                    f"{round(end * self.frame_rate):,} frames, almost all before the data. Are "
                    "these absolute times (e.g. Unix time)? Subtract the first time from the "
                    "modalities' timestamps or start and pass it as start_time=, or give "
                    "n_frames."
                )
            n_frames = round(end * self.frame_rate)
            if n_frames < 1:
                raise ValueError(
                    f"Recording {name!r}: its modalities span {end:g} s (a single timestamped "
                    "sample spans none), so the number of frames cannot be inferred. Pass "
                    "n_frames."
                )
        if isinstance(n_frames, bool) or not isinstance(n_frames, numbers.Integral) or n_frames < 1:
            raise ValueError(f"Recording 'n_frames' must be a positive integer. Got {n_frames!r}.")
        self.n_frames = int(n_frames)
        self.name = name
        self.subject = subject
        if (
            isinstance(start_time, bool)
            or not isinstance(start_time, numbers.Real)
            or not np.isfinite(start_time)
        ):
            raise ValueError(
                f"Recording 'start_time' must be a finite number of seconds. Got {start_time!r}."
            )
        self.start_time = float(start_time)
        if start_datetime is not None and not isinstance(start_datetime, datetime.datetime):
            raise TypeError(
                "Recording 'start_datetime' must be a datetime.datetime (or pandas.Timestamp) "
                f"or None. Got {type(start_datetime).__name__}: {start_datetime!r}."
            )
        if start_datetime is not None and start_datetime != start_datetime:  # NaT
            raise ValueError("Recording 'start_datetime' must be a time, not NaT.")
        self.start_datetime = start_datetime

    @property
    def frame_times(self):
        """Times of the reference frames in seconds, shape (n_frames,)."""
        return np.arange(self.n_frames) / self.frame_rate

    @property
    def node_names(self):
        return qualified_node_names((k, m.node_names) for k, m in self.modalities.items())

    @property
    def node_modality(self):
        return tuple(k for k, m in self.modalities.items() for _ in range(m.n_nodes))

    @property
    def n_nodes(self):
        return sum(m.n_nodes for m in self.modalities.values())

    def unaligned_modalities(self):
        """Names of the modalities not sampled once per reference frame on the frame clock.

        A modality is aligned when its rate is the frame rate, it starts at 0 s, has no clock
        correction and has exactly ``n_frames`` samples. This is the one alignment rule of
        the package (:meth:`is_aligned`, :func:`~stgraph_sklearn.data.check_aligned`).
        """
        return [
            key
            for key, m in self.modalities.items()
            if not (
                m.rate == self.frame_rate
                and m.start == 0.0
                and m.clock is None
                and m.n_samples == self.n_frames
            )
        ]

    def is_aligned(self):
        """True if every modality has exactly one sample per reference frame on the frame clock."""
        return not self.unaligned_modalities()

    def replace(self, **changes):
        """Return a new Recording with some fields replaced (arrays are not copied).

        Parameters
        ----------
        **changes
            New values of any of the constructor's parameters (``modalities``,
            ``frame_rate``, ``n_frames``, ``name``, ``subject``, ``start_time``,
            ``start_datetime``).

        Returns
        -------
        Recording
        """
        fields = {
            "modalities": self.modalities,
            "frame_rate": self.frame_rate,
            "n_frames": self.n_frames,
            "name": self.name,
            "subject": self.subject,
            "start_time": self.start_time,
            "start_datetime": self.start_datetime,
        }
        fields.update(changes)
        return Recording(**fields)

    def load(self):
        """This recording with all values in memory: ``self`` unless some are lazy.

        Returns
        -------
        Recording
            Lazy modality values (:class:`LazyValues`) read or computed once and checked.
        """
        if not any(is_lazy(m.values) for m in self.modalities.values()):
            return self
        return self.replace(modalities={k: m.load() for k, m in self.modalities.items()})

    def __repr__(self):
        mods = ", ".join(f"{k}: {m.n_nodes}x{m.n_channels}" for k, m in self.modalities.items())
        return (
            f"Recording(name={self.name!r}, subject={self.subject!r}, n_frames={self.n_frames}, "
            f"frame_rate={self.frame_rate:g}, "
            + (f"start_time={self.start_time!r}, " if self.start_time else "")
            + (
                f"start_datetime={str(self.start_datetime)!r}, "
                if self.start_datetime is not None
                else ""
            )
            + f"modalities={{{mods}}})"
        )


class SensorGraph:
    """A weighted directed graph over all nodes of all modalities.

    The arrays are copied: changing the ones passed in does not change the graph.

    Parameters
    ----------
    edge_index : array-like of shape (2, n_edges)
        Source (row 0) and target (row 1) node indices, PyTorch Geometric's convention.
    edge_weight : array-like of shape (n_edges,), default=None
        Non-negative edge weights; all ones if omitted. An edge given twice counts with the
        sum of its weights (as message passing adds them), in ``to_dense`` and ``==``.
        Tensors are read detached, on the CPU (a learned weight may require grad).
    node_names : sequence of str
        One unique name per node. Required: its default None (it follows ``edge_weight``) is
        refused.
    node_modality : sequence of str, default=None
        The modality of each node; defaults to the node name up to its first ``":"``.

    Examples
    --------
    >>> from stgraph_sklearn.data import SensorGraph
    >>> g = SensorGraph([[0, 1], [1, 0]], node_names=["accel:knife", "accel:board"])
    >>> g.to_dense()
    array([[0., 1.],
           [1., 0.]], dtype=float32)
    """

    def __init__(self, edge_index, edge_weight=None, node_names=None, node_modality=None):
        node_names = self._check_node_names(node_names, "SensorGraph 'node_names'")
        n = len(node_names)
        ei = self._as_array(
            edge_index, "SensorGraph 'edge_index'", "an integer array of shape (2, n_edges)"
        )
        if ei.size == 0:
            ei = np.zeros((2, 0), dtype=np.int64)
        if ei.ndim != 2 or ei.shape[0] != 2 or not np.issubdtype(ei.dtype, np.integer):
            raise ValueError(
                f"SensorGraph 'edge_index' must be an integer array of shape (2, n_edges). "
                f"Got dtype {ei.dtype} and shape {ei.shape}."
            )
        if ei.size and (ei.min() < 0 or ei.max() >= n):
            raise ValueError(
                f"SensorGraph 'edge_index' must hold node indices in [0, {n - 1}]. "
                f"Got values in [{ei.min()}, {ei.max()}]."
            )
        if edge_weight is None:
            ew = np.ones(ei.shape[1], dtype=np.float32)
        else:
            # float32 would overflow 1e39 to inf
            ew = self._as_array(
                edge_weight,
                "SensorGraph 'edge_weight'",
                f"an array of shape ({ei.shape[1]},), one weight per edge",
                np.float64,
            )
            if ew.shape != (ei.shape[1],):
                raise ValueError(
                    f"SensorGraph 'edge_weight' must hold {ei.shape[1]} weights, one per edge. "
                    f"Got shape {ew.shape}."
                )
            bad = ~np.isfinite(ew) | (ew < 0) | (np.abs(ew) > np.finfo(np.float32).max)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ValueError(
                    "SensorGraph 'edge_weight' must hold finite non-negative weights (that fit "
                    f"float32). Got {ew[i].item()!r} for edge {i} (source "
                    f"{node_names[ei[0, i]]!r}, target {node_names[ei[1, i]]!r})."
                )
            ew = ew.astype(np.float32)
        if node_modality is None:
            node_modality = tuple(name.split(":", 1)[0] for name in node_names)
        if isinstance(node_modality, str):
            raise TypeError(
                f"SensorGraph 'node_modality' must be a sequence of str, one per node. Got "
                f"{node_modality!r}."
            )
        node_modality = tuple(str(m) for m in node_modality)
        if len(node_modality) != n:
            raise ValueError(
                f"SensorGraph 'node_modality' must have one entry per node ({n}). Got {len(node_modality)}."
            )
        self.edge_index = ei.astype(np.int64)  # a copy, as edge_weight
        self.edge_weight = ew
        self.node_names = node_names
        self.node_modality = node_modality

    @staticmethod
    def _check_node_names(node_names, what):
        """Node names as a non-empty tuple of unique str."""
        if node_names is None or isinstance(node_names, str) or not hasattr(node_names, "__iter__"):
            raise TypeError(f"{what} must be a sequence of str. Got {node_names!r}.")
        node_names = tuple(str(n) for n in node_names)
        if not node_names or len(set(node_names)) != len(node_names):
            raise ValueError(f"{what} must be non-empty and unique. Got {node_names!r}.")
        return node_names

    @staticmethod
    def _as_array(value, what, expected, dtype=None):
        """``value`` as an ndarray; a tensor is detached first (a learned weight requires
        grad) and moved to the CPU."""
        if hasattr(value, "detach"):
            value = value.detach().cpu().numpy()
        try:
            return np.asarray(value, dtype=dtype)
        except (TypeError, ValueError) as exc:  # ragged rows, or not numbers
            raise ValueError(
                f"{what} must be {expected}. Got a {type(value).__name__} that numpy cannot "
                f"read as an array ({exc})."
            ) from None

    @property
    def n_nodes(self):
        return len(self.node_names)

    @property
    def n_edges(self):
        return self.edge_index.shape[1]

    def to_dense(self):
        """Dense adjacency ``A[target, source] = weight`` of shape (n_nodes, n_nodes).

        Rows are receivers, so ``A @ x`` aggregates messages from sources (PyG's flow
        ``source_to_target``).
        """
        adj = np.zeros((self.n_nodes, self.n_nodes), dtype=np.float32)
        np.add.at(adj, (self.edge_index[1], self.edge_index[0]), self.edge_weight)
        return adj

    @classmethod
    def from_dense(cls, adjacency, node_names, node_modality=None):
        """Build a graph from a dense ``A[target, source]`` matrix (zeros are no edge).

        Parameters
        ----------
        adjacency : array-like of shape (n_nodes, n_nodes)
            Edge weights, finite and >= 0: ``adjacency[target, source]`` is the weight of the
            edge from ``source`` to ``target``; 0 is no edge.
        node_names : sequence of str
            One name per node, in the order of the rows and columns.
        node_modality : sequence of str, default=None
            The modality of every node (see :class:`SensorGraph`).

        Returns
        -------
        graph : SensorGraph

        Examples
        --------
        >>> from stgraph_sklearn.data import SensorGraph
        >>> g = SensorGraph.from_dense([[0, 1], [0.5, 0]], ["acc", "video"])
        >>> g.n_nodes, g.n_edges
        (2, 2)
        """
        node_names = cls._check_node_names(node_names, "SensorGraph.from_dense: 'node_names'")
        square = f"square, one row and column per node ({len(node_names)})"
        adj = cls._as_array(adjacency, "SensorGraph.from_dense: 'adjacency'", square, np.float64)
        if adj.ndim != 2 or adj.shape[0] != adj.shape[1] or adj.shape[0] != len(node_names):
            raise ValueError(
                f"SensorGraph.from_dense: 'adjacency' must be {square}. Got shape {adj.shape}."
            )
        bad = ~np.isfinite(adj) | (adj < 0)
        if bad.any():
            tgt, src = (int(v[0]) for v in np.nonzero(bad))
            raise ValueError(
                "SensorGraph.from_dense: 'adjacency' must hold finite non-negative weights. "
                f"Got {adj[tgt, src].item()!r} at [{tgt}, {src}]."
            )
        tgt, src = np.nonzero(adj)
        return cls(np.stack([src, tgt]), adj[tgt, src], node_names, node_modality)

    def __eq__(self, other):
        """Same nodes, modalities and weighted adjacency: the float32 ``to_dense`` matrices
        are exactly equal (edge order does not matter, no tolerance)."""
        return (
            isinstance(other, SensorGraph)
            and self.node_names == other.node_names
            and self.node_modality == other.node_modality
            and np.array_equal(self.to_dense(), other.to_dense())
        )

    __hash__ = None

    def __repr__(self):
        return f"SensorGraph(n_nodes={self.n_nodes}, n_edges={self.n_edges})"


def _per_block(mapping, blocks, name):
    """``mapping`` (None: empty) as a dict whose keys are blocks of a GraphSequence."""
    mapping = {} if mapping is None else dict(mapping)
    unknown = set(mapping) - set(blocks)
    if unknown:
        raise ValueError(f"GraphSequence {name!r} has keys without a block: {sorted(unknown)}.")
    return mapping


class GraphSequence:
    """Per-frame node features of one recording plus the sensor graph: what GNN segmenters consume.

    Parameters
    ----------
    blocks : mapping of str to array-like of shape (n_frames, n_nodes_m, n_features_m)
        One block per modality, all on the same reference timeline. Modalities keep their
        own feature width (a 3-channel accelerometer is never padded to a video feature's width).
        Missing entries may be NaN: a node with any NaN feature at a frame is missing there;
        its features are set to 0 and it is marked False in ``masks`` (never a silent zero).
        Lazy blocks (:func:`is_lazy`: memory-mapped, or :class:`LazyValues`) stay lazy:
        ``blocks`` and ``masks`` then hold :class:`LazyValues`, and :meth:`load` computes
        and checks them.
    masks : mapping of str to array-like of shape (n_frames, n_nodes_m) of bool, default=None
        False where a sensor is missing, combined (logical and) with the NaN rule above.
    graph : SensorGraph, default=None
        Graph over the concatenated nodes of all blocks, in block order.
    name, subject : optional
        Carried over from the recording.
    channel_names : mapping of str to sequence of str, default=None
        Names of the features of each block (the modality's ``channel_names``); blocks not
        in the mapping get ``("c0", "c1", ...)``.
    frame_rate : float, default=None
        Rate of the reference timeline in Hz, carried over from the recording so that
        predictions can be reported in seconds (None if unknown).
    node_names : mapping of str to sequence of str, default=None
        Names of the nodes of each block (the modality's ``node_names``, unqualified); blocks
        not in the mapping get ``("0", "1", ...)``. With a ``graph``, they must qualify to the
        graph's node names.

    Attributes
    ----------
    n_frames : int
    node_mask : ndarray of shape (n_frames, n_nodes) of bool
        All masks concatenated in block order.
    block_node_names : dict of str to tuple of str
        The unqualified node names of every block (``node_names``, with the defaults).
    node_names : tuple of str
        The graph's node names, else :func:`qualified_node_names` of ``block_node_names``.
    """

    #: ``{modality: (lazy raw block, given mask)}`` of the lazy blocks (none: in memory); a
    #: class default so that sequences pickled before lazy blocks existed still load
    _lazy_sources = MappingProxyType({})
    #: ``{modality: node names}`` as given (blocks not in it have the default names); a class
    #: default so that sequences pickled before GraphSequences named their nodes still load
    _node_names = MappingProxyType({})

    def __init__(
        self,
        blocks,
        masks=None,
        graph=None,
        name=None,
        subject=None,
        channel_names=None,
        frame_rate=None,
        node_names=None,
    ):
        if not isinstance(blocks, Mapping) or len(blocks) == 0:
            raise TypeError(
                f"GraphSequence 'blocks' must be a non-empty mapping. Got {type(blocks).__name__}."
            )
        if frame_rate is not None and (
            not isinstance(frame_rate, numbers.Real)
            or not np.isfinite(frame_rate)
            or frame_rate <= 0
        ):
            raise ValueError(
                f"GraphSequence 'frame_rate' must be a positive number of Hz or None. Got {frame_rate!r}."
            )
        self.frame_rate = None if frame_rate is None else float(frame_rate)
        out_blocks, out_masks, sources = {}, {}, {}
        n_frames = None
        for key, block in blocks.items():
            what = f"GraphSequence block {key!r}"
            lazy = is_lazy(block)
            if lazy:
                arr = _as_lazy_float_values(block, what)
                arr = named_file_values(arr, f"recording {name!r} block {key!r}")
            else:
                arr = _as_float_values(block, what)
                if arr.ndim == 2:
                    arr = arr[:, None, :]
            if arr.ndim != 3 or 0 in arr.shape:
                raise ValueError(
                    f"{what} must have shape (n_frames, n_nodes, n_features). Got {arr.shape}."
                )
            if n_frames is None:
                n_frames = arr.shape[0]
            elif arr.shape[0] != n_frames:
                raise ValueError(
                    f"GraphSequence blocks must share n_frames. Block {key!r} has {arr.shape[0]}, "
                    f"expected {n_frames}."
                )
            if not lazy and np.isinf(arr).any():
                raise ValueError(f"{what} must be finite or NaN (missing). Got inf.")
            given = None
            if masks is not None and key in masks:
                given = np.asarray(masks[key], dtype=bool)
                if given.shape != arr.shape[:2]:
                    raise ValueError(
                        f"GraphSequence mask {key!r} must have shape {arr.shape[:2]}. "
                        f"Got {given.shape}."
                    )
            if lazy:
                # blocks and masks computed on access; load() computes each block once
                sources[key] = (arr, given)
                out_blocks[key] = LazyValues(
                    partial(_lazy_block, arr, given), arr.shape, np.float32, where=arr.where
                )
                out_masks[key] = LazyValues(
                    partial(_lazy_mask, arr, given), arr.shape[:2], bool, where=arr.where
                )
            else:
                out_blocks[key], out_masks[key] = _mask_missing(arr, given, what)
        _per_block(masks, blocks, "masks")
        self.blocks = out_blocks
        self.masks = out_masks
        self._lazy_sources = sources
        n_nodes = sum(b.shape[1] for b in out_blocks.values())
        if graph is not None:
            if not isinstance(graph, SensorGraph):
                raise TypeError(
                    f"GraphSequence 'graph' must be a SensorGraph. Got {type(graph).__name__}."
                )
            if graph.n_nodes != n_nodes:
                raise ValueError(
                    f"GraphSequence 'graph' has {graph.n_nodes} nodes but the blocks have {n_nodes}."
                )
        self.graph = graph
        self.name = name
        self.subject = subject
        channel_names = _per_block(channel_names, out_blocks, "channel_names")
        self.channel_names = {
            k: _check_channel_names(channel_names.get(k), b.shape[2], f"GraphSequence block {k!r}")
            for k, b in out_blocks.items()
        }
        node_names = _per_block(node_names, out_blocks, "node_names")
        self._node_names = {
            k: _check_node_names(
                names, out_blocks[k].shape[1], f"GraphSequence block {k!r} 'node_names'"
            )
            for k, names in node_names.items()
        }
        if graph is not None and node_names:
            qualified = qualified_node_names(self.block_node_names.items())
            if qualified != graph.node_names:
                raise ValueError(
                    f"GraphSequence 'graph' names the nodes {list(graph.node_names)[:5]}... but "
                    f"'node_names' names them {list(qualified)[:5]}...: expected the same names "
                    "in the same order."
                )

    @property
    def n_frames(self):
        return next(iter(self.blocks.values())).shape[0]

    @property
    def n_nodes(self):
        return sum(b.shape[1] for b in self.blocks.values())

    @property
    def node_mask(self):
        return np.concatenate(list(self.masks.values()), axis=1)

    @property
    def block_node_names(self):
        """``{modality: node names}``: the unqualified names of every block's nodes
        (``node_names`` as given, ``("0", "1", ...)`` for the other blocks, as
        :func:`default_node_names`)."""
        return {
            k: self._node_names.get(k) or tuple(str(j) for j in range(b.shape[1]))
            for k, b in self.blocks.items()
        }

    @property
    def node_names(self):
        """Names of the nodes: the graph's, else :func:`qualified_node_names` of the blocks."""
        if self.graph is not None:
            return self.graph.node_names
        return qualified_node_names(self.block_node_names.items())

    @property
    def feature_shapes(self):
        """``{modality: (n_nodes_m, n_features_m)}``, the layout a model is built for."""
        return {k: b.shape[1:] for k, b in self.blocks.items()}

    def load(self):
        """This sequence with its blocks and masks in memory: ``self`` unless it is lazy.

        A GraphSequence built from lazy blocks (:func:`is_lazy`: memory-mapped, or the
        output of transformers given memory-mapped recordings) holds :class:`LazyValues`
        in ``blocks`` and ``masks``; this computes every block once and applies the NaN ->
        mask rule, as the constructor does for in-memory blocks.

        Returns
        -------
        GraphSequence
        """
        if not self._lazy_sources:
            return self
        blocks, given = {}, {}
        for key, block in self.blocks.items():
            if key in self._lazy_sources:
                raw, mask = self._lazy_sources[key]
                blocks[key] = raw.load()
                if mask is not None:
                    given[key] = mask
            else:  # an in-memory block next to lazy ones: already masked
                blocks[key], given[key] = block, self.masks[key]
        try:
            return GraphSequence(
                blocks,
                given or None,
                self.graph,
                self.name,
                self.subject,
                self.channel_names,
                self.frame_rate,
                self._node_names,
            )
        except ValueError as exc:  # values beyond float32, found when the file is read
            if self.name is None:
                raise
            reraise_as(exc, f"recording {self.name!r}: {exc}")

    def slice_frames(self, start, stop, step=1):
        """A new GraphSequence over frames ``start:stop:step`` (views, no copy; a lazy
        sequence is computed first, see :meth:`load`).

        Parameters
        ----------
        start, stop : int or None
            The frames, as in a Python slice.
        step : int, default=1
            A positive step; the frame rate is divided by it.

        Returns
        -------
        GraphSequence
        """
        if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 1:
            raise ValueError(
                f"GraphSequence.slice_frames: 'step' must be a positive integer (frames keep "
                f"their order). Got {step!r}."
            )
        if self._lazy_sources:
            return self.load().slice_frames(start, stop, step)
        sl = slice(start, stop, step)
        return GraphSequence(
            {k: b[sl] for k, b in self.blocks.items()},
            {k: m[sl] for k, m in self.masks.items()},
            self.graph,
            self.name,
            self.subject,
            self.channel_names,
            None if self.frame_rate is None else self.frame_rate / step,
            self._node_names,
        )

    def __len__(self):
        return self.n_frames

    def __repr__(self):
        blocks = ", ".join(f"{k}: {b.shape}" for k, b in self.blocks.items())
        return f"GraphSequence(n_frames={self.n_frames}, blocks={{{blocks}}}, graph={self.graph!r})"
