"""ModalityAligner: resample every modality onto the recording's reference frames."""

from __future__ import annotations

import numbers
from functools import partial

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data import LazyValues, is_lazy
from ..exceptions import MissingSensorWarning, warn
from ..utils import is_positive_number, largest_magnitude
from ._common import (
    _check_input,
    _KeepsFeatureNamesMixin,
    _sequence_feature_names,
    _transformer_tags,
    fit_context,
    recording_ref,
)

__all__ = ["ModalityAligner"]

_METHODS = ("linear", "hold", "nearest")


# ----------------------------------------------------------------------------- resampling kernels


def _column_groups(valid):
    """Group the columns of a (S, N, C) validity mask by identical missingness pattern.

    Returns a list of ``(sample_indices, column_indices)`` over the flattened ``N * C`` columns,
    so each group is resampled with one vectorised call. NaN usually comes per node (a sensor
    drops out), so groups are few.
    """
    n_s, n_n, n_c = valid.shape
    flat = valid.reshape(n_s, n_n * n_c)
    if flat.all():
        return [(np.arange(n_s), np.arange(n_n * n_c))]
    if (valid == valid[:, :, :1]).all():
        keys = valid[:, :, 0]
        unit_cols = [np.arange(u * n_c, (u + 1) * n_c) for u in range(n_n)]
    else:
        keys = flat
        unit_cols = [np.array([u]) for u in range(n_n * n_c)]
    packed = np.packbits(keys, axis=0)
    groups = {}
    for u in range(keys.shape[1]):
        groups.setdefault(packed[:, u].tobytes(), []).append(u)
    return [
        (np.flatnonzero(keys[:, members[0]]), np.concatenate([unit_cols[u] for u in members]))
        for members in groups.values()
    ]


def _resample_points(tv, vv, s, method, max_gap, dt):
    """Point resampling of valid samples ``vv`` at times ``tv`` onto query times ``s``."""
    out = np.full((s.shape[0], vv.shape[1]), np.nan)
    n = tv.size
    if n == 0:
        return out
    j = np.searchsorted(tv, s, side="right") - 1  # last valid sample at or before s
    before, after = j < 0, j >= n - 1
    mid = ~before & ~after
    jm = j[mid]
    sm = s[mid]
    left, right = tv[jm], tv[jm + 1]
    gap = right - left
    if method == "linear":
        frac = ((sm - left) / gap)[:, None]
        val = vv[jm] + frac * (vv[jm + 1] - vv[jm])
    elif method == "hold":
        val = vv[jm]
    else:  # nearest; ties go to the earlier sample
        val = vv[np.where(right - sm < sm - left, jm + 1, jm)]
    # Across a gap longer than max_gap, a sample covers half a nominal period on its side
    # (at most half the gap), as at the two ends: frames further inside the gap are NaN.
    long = (gap > max_gap) & (sm != left)
    reach = np.minimum(dt / 2, gap / 2)
    near_left = long & (sm - left <= reach)
    near_right = long & ~near_left & (right - sm <= reach)
    val[long] = np.nan
    val[near_left] = vv[jm[near_left]]
    val[near_right] = vv[jm[near_right] + 1]
    out[mid] = val
    out[after] = vv[-1]
    if method == "hold" and np.isinf(max_gap):
        # a state logged at its changes: unknown before its first change (no half-period
        # reach into the past, which would show it before it happened) and held to the end
        return out
    out[before] = vv[0]
    outside = (s < tv[0] - dt / 2) | (s > tv[-1] + dt / 2)
    out[outside] = np.nan
    return out


def _resample_box(tv, vv, lo, hi, max_gap, dt):
    """Box-filter resampling: the mean of the signal over each window ``[lo, hi)``.

    The signal is the linear interpolant of the valid samples, extended by half a nominal
    period ``dt`` as a constant at both ends and at the edges of gaps longer than ``max_gap``
    (whose middle stays uncovered). The window mean is its exact integral over the window
    divided by the covered length; a window less than half covered is NaN.
    """
    out = np.full((lo.shape[0], vv.shape[1]), np.nan)
    n = tv.size
    if n == 0:
        return out
    half = dt / 2
    gaps = np.diff(tv)
    long_gap = np.append(gaps > max_gap, False)
    reach = np.append(np.minimum(half, gaps / 2), 0.0)
    # knots: a leading one, each sample (+ two more after it if a long gap follows), a trailing one
    count = 1 + 2 * long_gap.astype(np.int64)
    pos = 1 + np.concatenate([[0], np.cumsum(count)[:-1]])
    n_knots = 2 + int(count.sum())
    knot_t = np.empty(n_knots)
    src = np.empty(n_knots, dtype=np.int64)
    knot_t[0], src[0] = tv[0] - half, 0
    knot_t[pos], src[pos] = tv, np.arange(n)
    lk = np.flatnonzero(long_gap)
    knot_t[pos[lk] + 1], src[pos[lk] + 1] = tv[lk] + reach[lk], lk
    knot_t[pos[lk] + 2], src[pos[lk] + 2] = tv[lk + 1] - reach[lk], lk + 1
    knot_t[-1], src[-1] = tv[-1] + half, n - 1
    y = vv[src]
    length = np.diff(knot_t)
    covered = np.ones(n_knots - 1)
    covered[pos[lk] + 1] = 0.0
    del gaps, long_gap, reach, count, pos, src  # the knots are built: (knots,) arrays each
    seg_len = covered * length
    # the segments' integrals seg_len * (y[:-1] + y[1:]) / 2, computed in place: a fast
    # sensor has many knots, and each (knots, columns) array costs as much as its input
    seg_int = y[:-1] + y[1:]
    np.multiply(seg_len[:, None], seg_int, out=seg_int)
    seg_int /= 2
    cum_int = np.zeros((n_knots, vv.shape[1]))
    np.cumsum(seg_int, axis=0, out=cum_int[1:])
    del seg_int
    cum_len = np.concatenate([[0.0], np.cumsum(seg_len)])

    def cumulative(q):
        m = np.clip(np.searchsorted(knot_t, q, side="right") - 1, 0, n_knots - 2)
        d = np.clip(q - knot_t[m], 0.0, length[m]) * covered[m]
        d = np.where(q < knot_t[0], 0.0, d)
        # the segments' slopes where they are read, not for every knot
        step, span = y[m + 1] - y[m], length[m][:, None]
        slope = np.divide(step, span, out=np.zeros_like(step), where=span > 0)
        value = cum_int[m] + y[m] * d[:, None] + slope * (d * d / 2)[:, None]
        return value, cum_len[m] + d, m

    i_hi, c_hi, m_hi = cumulative(hi)
    i_lo, c_lo, m_lo = cumulative(lo)
    cov = c_hi - c_lo
    ok = cov >= 0.5 * (hi - lo)
    out[ok] = (i_hi[ok] - i_lo[ok]) / cov[ok, None]
    # A window whose knots all hold one value has that value as its mean, exactly: the
    # difference of running integrals leaves rounding (4e-13 for a constant 9.81), which
    # the window spreads would keep as a signal and a scaler blow up to unit variance.
    counter = np.int32 if n_knots < np.iinfo(np.int32).max else np.int64
    changes = np.zeros((n_knots, vv.shape[1]), dtype=counter)
    np.cumsum(y[1:] != y[:-1], axis=0, out=changes[1:])
    flat = ok[:, None] & (changes[m_hi + 1] == changes[m_lo])
    out[flat] = y[m_lo][flat]
    return out


def _offset_function(clock, caller, where):
    """Return ``offset(t)`` for anchors ``(reference_time, offset)`` (None: no offset)."""
    if clock is None:
        return lambda t: np.zeros_like(t)
    try:
        clk = np.asarray(clock, dtype=np.float64)
    except (TypeError, ValueError):  # not numbers: a dict, text, ragged lists
        clk = None
    if (
        clk is None
        or clk.ndim != 2
        or clk.shape[1] != 2
        or clk.shape[0] == 0
        or not np.isfinite(clk).all()
    ):
        got = f"shape {clk.shape}" if clk is not None else f"{type(clock).__name__} {clock!r:.80}"
        raise ValueError(
            f"{caller}: the 'clock' callable must return None or finite (reference_time, offset) "
            f"anchors of shape (n_anchors, 2) for {where}. Got {got}."
        )
    if clk.shape[0] > 1 and not (np.diff(clk[:, 0]) > 0).all():
        raise ValueError(
            f"{caller}: the 'clock' anchors for {where} must have strictly increasing reference times."
        )
    return lambda t: np.interp(t, clk[:, 0], clk[:, 1])


# ----------------------------------------------------------------------------- estimator


# Rates within this share of each other are one rate: training recordings whose frame rates
# agree so closely share a frame rate (find_common_rate), and a modality sampled so close to
# the frame rate is interpolated, not window-averaged (_is_box): NTSC video at 30000/1001 fps
# on 29.97-fps frames, or a rate read from timestamps on a clock of large numbers, is not a
# faster modality.
_SAME_RATE = 0.01

_DEFAULT_MAX_GAP = 0.25  # seconds: what ModalityAligner bridges unless told otherwise


def _check_modality_keys(param, mapping, modalities):
    """Refuse a per-modality parameter that names modalities the recordings do not have."""
    unknown = sorted(set(mapping) - set(modalities))
    if unknown:
        raise ValueError(
            f"The {param!r} parameter of ModalityAligner names modalities {unknown} that the "
            f"recordings do not have. Valid modalities are: {list(modalities)}."
        )


def find_common_rate(rates):
    """The median of ``rates`` (Hz) if they agree within 1 %, else None.

    The rule by which :class:`ModalityAligner` records the frame rate and modality rates of
    its training recordings (``frame_rate_``, ``rates_``), and by which a stream's or the
    command line's frame rate counts as the training recordings'.

    Parameters
    ----------
    rates : array-like of float
        Rates in Hz.

    Returns
    -------
    float or None

    Examples
    --------
    >>> from stgraph_sklearn.transformers import find_common_rate
    >>> find_common_rate([30.0, 30000 / 1001])
    29.985014985014985
    >>> print(find_common_rate([30.0, 15.0]))
    None
    """
    rates = np.asarray(rates, dtype=float)
    return float(np.median(rates)) if rates.max() <= rates.min() * (1 + _SAME_RATE) else None


def _nominal_period(mod, frame_rate):
    """A modality's nominal sampling period in s (``Modality.period``; one frame for a single
    sample)."""
    return mod.period if mod.period is not None else 1.0 / frame_rate


class ModalityAligner(
    _KeepsFeatureNamesMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Resample every modality of each recording onto its reference frames.

    The output recordings are *aligned* (:meth:`~stgraph_sklearn.data.Recording.is_aligned`): every modality has
    one sample per reference frame (``rate=frame_rate``, ``start=0``, no clock, ``n_frames``
    samples), with its node names kept. Reference frame ``f`` is at ``t_f = f / frame_rate``
    seconds; its sample is taken at ``s_f = t_f + offset(t_f)`` on the modality's clock.

    Parameters
    ----------
    method : {"linear", "hold", "nearest"} or dict of str to str, default="linear"
        How samples become frame values:

        - ``"linear"`` (signals): linear interpolation between the two valid samples around
          ``s_f`` when the modality is sampled at or below the frame rate (or less than 1 %
          above it: NTSC video at 30000/1001 fps on 29.97-fps frames keeps its values). When
          it is sampled *faster* than the frames (a 50 Hz accelerometer onto 30 fps video),
          each frame gets the **mean of the signal over its window**
          ``[t_f - 1/(2 fps), t_f + 1/(2 fps))`` instead: a box anti-aliasing filter, so a
          vibration above the frames' Nyquist frequency is attenuated rather than aliased
          onto a slow false rhythm, while slower
          motion keeps most of its amplitude (a 9 Hz sinusoid at 50 Hz keeps about 77 % of its
          amplitude on 30 fps frames, a 20 Hz one about 23 % instead of aliasing at full power
          to 10 Hz). The window edges are mapped through the clock correction too.
        - ``"hold"`` (categorical streams): the last valid sample at or before ``s_f``
          (sample-and-hold). With ``max_gap=None`` (a state logged at its changes) frames
          before the first sample are NaN and the last sample holds to the end of the
          timeline; otherwise the first and last samples cover half a sampling period
          beyond them, as for the other methods.
        - ``"nearest"``: the nearest valid sample (the earlier one on ties).
        - a dict ``{modality: method}``: per modality; unlisted modalities use ``"linear"``.
    max_gap : float, None or dict, default=0.25
        Longest stretch in seconds between two consecutive *valid* samples that is bridged.
        Frames inside a longer gap (missing samples, NaN in the input, or sparse timestamps)
        become NaN, and so do frames outside the modality's time coverage (its first sample
        minus half a sampling period to its last sample plus half a period): a modality
        shorter than the timeline gets a NaN tail. ``None`` bridges any gap.
        For ``"linear"`` downsampling, the window mean integrates the linear interpolant of
        the valid samples (held for half a period at the ends and at the edges of long gaps),
        and a frame is NaN when less than half of its window is covered. A modality sampled
        more sparsely than ``max_gap`` (and neither one sample per frame nor faster than the
        frames) is therefore not interpolated: each of its samples covers half its nominal
        period on either side, so frames near a sample take it (a step signal) and frames
        inside longer gaps between samples (an event stream logged at changes) are missing;
        this raises one :class:`~stgraph_sklearn.exceptions.MissingSensorWarning` per
        modality and call. A dict ``{modality: max_gap}`` sets it per modality (unlisted
        modalities use 0.25): ``max_gap={"door": None}`` with ``method={"door": "hold"}``
        holds a sensor logged at its changes until its next one.
    clock : None, "ignore" or callable, default=None
        Clock correction between the reference timeline and each modality:

        - ``None``: use each modality's own ``Modality.clock`` anchors (see
          :meth:`~stgraph_sklearn.data.Modality.offset_at`; constant offsets and piecewise-linear drift);
        - ``"ignore"``: assume all clocks agree;
        - a callable ``clock(recording, modality_name)`` returning ``(reference_time, offset)``
          anchors of shape (n_anchors, 2), or None for no offset; it overrides the
          modalities' own anchors.

    Attributes
    ----------
    modalities_ : dict of str to tuple of int
        ``{modality: (n_nodes, n_channels)}`` of the training recordings; ``transform``
        requires the same modalities with the same shapes and, where both name them, the
        same node and channel names in the same order.
    feature_names_in_ : ndarray of str
        ``"<node>__<channel>"`` of every channel of every node of the first training
        recording (:func:`~stgraph_sklearn.data.node_feature_names`), which the output keeps:
        :meth:`get_feature_names_out` returns them.
    methods_ : dict of str to str
        The resampling method used for each modality.
    frame_rate_ : float or None
        The frame rate of the training recordings (their median if they agree within 1 %,
        else None, with a :class:`~stgraph_sklearn.exceptions.StgraphWarning` in ``fit``):
        what :meth:`SegmentationPipeline.stream
        <stgraph_sklearn.pipeline.SegmentationPipeline.stream>` uses by default, and the rate
        ``transform`` expects.
    rates_ : dict of str to float or None
        Each modality's nominal sampling rate in Hz over the training recordings (the median
        if they agree within 1 %, else None), the default rates of a stream.

    See Also
    --------
    SensorGraphBuilder : Builds the sensor graph on aligned recordings.

    Notes
    -----
    The transformer is stateless apart from the layout check: fitting only records the
    modality layout. Sample times may be irregular (``Modality.timestamps``); NaN in the
    input is treated per value, so a sensor dropping out for a second is a NaN stretch in
    the output, which :class:`~stgraph_sklearn.data.GraphSequence` masks.
    The nominal sampling period of a modality is
    :attr:`~stgraph_sklearn.data.Modality.period`: ``1 / rate``, or for irregular timestamps
    their mean interval without gaps.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording
    >>> from stgraph_sklearn.transformers import ModalityAligner
    >>> rec = Recording({"accel": Modality(np.ones((100, 2, 3)), rate=50.0),
    ...                  "video": Modality(np.zeros((60, 4)), rate=30.0)}, frame_rate=30.0)
    >>> (out,) = ModalityAligner().fit_transform([rec])
    >>> out.is_aligned(), out.modalities["accel"].values.shape
    (True, (60, 2, 3))
    """

    _parameter_constraints: dict = {
        "method": [StrOptions(set(_METHODS)), dict],
        "max_gap": [Interval(numbers.Real, 0, None, closed="neither"), None, dict],
        "clock": [StrOptions({"ignore"}), callable, None],
    }

    def __init__(self, method="linear", *, max_gap=_DEFAULT_MAX_GAP, clock=None):
        self.method = method
        self.max_gap = max_gap
        self.clock = clock

    def _methods_for(self, modalities):
        if isinstance(self.method, str):
            return {k: self.method for k in modalities}
        _check_modality_keys("method", self.method, modalities)
        for key, value in self.method.items():
            if value not in _METHODS:
                raise ValueError(
                    f"The 'method' parameter of ModalityAligner must map modalities to one of "
                    f"{list(_METHODS)}. Got {value!r} for modality {key!r}."
                )
        return {k: self.method.get(k, "linear") for k in modalities}

    def _check_max_gap(self, modalities):
        """Refuse a ``max_gap`` dict naming unknown modalities or holding bad values."""
        if not isinstance(self.max_gap, dict):
            return
        _check_modality_keys("max_gap", self.max_gap, modalities)
        for key, value in self.max_gap.items():
            if value is not None and not is_positive_number(value):
                raise ValueError(
                    f"The 'max_gap' parameter of ModalityAligner must map modalities to a "
                    f"positive number of seconds or None. Got {value!r} for modality {key!r}."
                )

    def max_gap_for(self, modality):
        """The longest gap in seconds bridged in ``modality`` (``inf`` for None).

        Parameters
        ----------
        modality : str
            A modality of the recordings.

        Returns
        -------
        float
        """
        gap = self.max_gap
        if isinstance(gap, dict):
            gap = gap.get(modality, _DEFAULT_MAX_GAP)
        return np.inf if gap is None else float(gap)

    @fit_context
    def fit(self, X, y=None):
        """Record the modality layout of the training recordings.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_frames, n_nodes, n_channels)
            The recordings.
        y : None
            Ignored.

        Returns
        -------
        self : ModalityAligner
        """
        items, as_array, layout = _check_input(X, "ModalityAligner")
        self.feature_names_in_ = _sequence_feature_names(items[0])
        self.methods_ = self._methods_for(layout)
        self._check_max_gap(layout)
        self.modalities_ = layout
        self.frame_rate_, self.rates_ = self._common_rates(items, as_array)
        return self

    def transform(self, X):
        """Resample every modality onto the reference frames.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_frames, n_nodes, n_channels)
            The recordings, with the modalities seen in ``fit``.

        Returns
        -------
        Xt : list of Recording
            Aligned recordings (arrays for array items, which are already one stream at the
            frame rate and only get the ``max_gap`` rule applied), one per input recording.
            Lazy modalities (memory-mapped, see :func:`~stgraph_sklearn.data.is_lazy`) stay
            lazy: their aligned values are :class:`~stgraph_sklearn.data.LazyValues`,
            resampled from the source on each access.
        """
        check_is_fitted(self)
        if self._methods_for(self.modalities_) != self.methods_:
            raise ValueError(
                f"ModalityAligner.transform: method={self.method!r} gives other methods than "
                f"fit resolved ({self.methods_}): set_params after fit changes the parameter, "
                "not the fitted methods_. Fit again, or set it back."
            )
        items, as_array, _ = _check_input(
            X,
            "ModalityAligner",
            self.modalities_,
            feature_names=getattr(self, "feature_names_in_", None),
        )
        self._check_frame_rates(items)
        out, sparse = [], {}
        for i, rec in enumerate(items):
            mods = {}
            for key, mod in rec.modalities.items():
                max_gap = self.max_gap_for(key)
                offset, dt = self._clock(rec, key, mod, i, check=True)
                mods[key] = self._align_modality(rec, key, mod, i, max_gap, offset, dt)
                if self._is_sparse(rec, key, mod, offset, dt, max_gap):
                    sparse.setdefault(key, []).append((i, dt))
            if as_array[i]:
                out.append(mods["x"].values)
            else:
                out.append(rec.replace(modalities=mods))
        for key, where in sparse.items():
            self._warn_sparse(key, where, len(items))
        return out

    def _is_sparse(self, rec, key, mod, offset, dt, max_gap):
        """Whether ``mod`` is sampled more sparsely than ``max_gap`` and point-resampled
        (not one sample per frame, not averaged over frame windows)."""
        fr = rec.frame_rate
        if dt <= max_gap * (1 + 1e-9) or _is_box(self.methods_[key], dt, fr):
            return False
        on_grid = (
            mod.rate == fr
            and mod.start == 0.0
            and mod.n_samples == rec.n_frames
            and not np.any(offset(rec.frame_times))
        )
        return not on_grid

    def _warn_sparse(self, key, where, n_items):
        """One warning per modality: what sparse sampling does to its frames, and the fix."""
        i, dt = where[0]
        gap = self.max_gap_for(key)
        warn(
            f"ModalityAligner: modality {key!r} is sampled every {dt:.3g} s in X[{i}] "
            f"({len(where)} of {n_items} recordings sampled more sparsely than its "
            f"max_gap={gap:g} s), so it is not interpolated: frames within half a sampling "
            "period of a sample take that sample (a step signal), and frames inside longer "
            "gaps between its samples are missing (NaN). For a sensor logged only when it "
            f"changes, pass max_gap={{{key!r}: None}} and method={{{key!r}: 'hold'}}; to "
            "interpolate, raise its max_gap.",
            MissingSensorWarning,
        )

    def _check_frame_rates(self, items):
        """Warn when recordings are framed at another rate than the training recordings
        (more than 1 % apart): the segmenter's temporal kernels then span another time."""
        fitted = getattr(self, "frame_rate_", None)  # None: rates differed, or an old file
        if fitted is None:
            return
        other = [i for i, rec in enumerate(items) if abs(rec.frame_rate - fitted) > 0.01 * fitted]
        if other:
            first = items[other[0]].frame_rate
            warn(
                f"ModalityAligner: X[{other[0]}] is framed at {first:g} fps "
                f"({len(other)} of {len(items)} recordings at another rate), the training "
                f"recordings at {fitted:g} fps, so the model's temporal kernels span another "
                f"time. Give these recordings frame_rate={fitted:g} (Recording, "
                "recording_from_dataframes, or --frame-rate on the command line) to resample "
                "them onto the training frames."
            )

    @staticmethod
    def _common_rates(items, as_array):
        """The frame rate and modality rates all training recordings share, or None each;
        warn when recordings (not arrays, whose frame rate is not known) differ in frame rate."""
        frame_rate = find_common_rate([rec.frame_rate for rec in items])
        framed = [i for i, array in enumerate(as_array) if not array]
        if framed and find_common_rate([items[i].frame_rate for i in framed]) is None:
            by_rate = {}
            for i in framed:
                by_rate.setdefault(f"{items[i].frame_rate:g}", []).append(i)
            detail = "; ".join(
                f"X{recs[:5]}{'...' if len(recs) > 5 else ''} at {fps} fps"
                for fps, recs in list(by_rate.items())[:4]
            )
            warn(
                "ModalityAligner: the training recordings are framed at different rates "
                f"({detail}), so the model's temporal kernels span a different time in each, "
                "and frame_rate_ is None: there is no training frame rate to frame new "
                "recordings or a stream at. Give every recording the same frame_rate "
                "(Recording, recording_from_dataframes, or --frame-rate on the command line)."
            )
        rates = {
            key: find_common_rate(
                [1.0 / _nominal_period(rec.modalities[key], rec.frame_rate) for rec in items]
            )
            for key in items[0].modalities
        }
        return frame_rate, rates

    def _align_modality(self, rec, key, mod, i, max_gap, offset, dt):
        """``mod`` resampled onto the frames of ``rec`` (lazily for lazy values), given its
        clock ``offset`` and nominal period ``dt`` from :meth:`_clock`."""
        fr = rec.frame_rate
        if is_lazy(mod.values):
            result = LazyValues(
                partial(_aligned_values, self, rec, key, i, max_gap),
                (rec.n_frames, mod.n_nodes, mod.n_channels),
                mod.values.dtype,
                where=f"recording {rec.name!r} modality {key!r} after ModalityAligner",
            )
        else:
            result = _resample(
                mod.times,
                mod.values,
                rec.frame_times,
                offset,
                self.methods_[key],
                max_gap,
                dt,
                fr,
                f"{recording_ref(rec, i)} modality {key!r}",
            )
        return mod.replace(values=result, rate=fr, start=0.0, clock=None)

    def _clock(self, rec, key, mod, i, *, check):
        """``(offset function, nominal sampling period)`` of a modality; with ``check``, the
        checks of its timestamps and sampling (from its metadata, values are not read)."""
        caller = "ModalityAligner"
        where = f"{recording_ref(rec, i)} modality {key!r}"
        times = mod.times
        if check and times.size > 1 and not (np.diff(times) > 0).all():
            raise ValueError(
                f"{caller}: {where} has timestamps that are not strictly increasing "
                f"(first at index {int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1})."
            )
        if self.clock is None:
            offset = mod.offset_at
        elif isinstance(self.clock, str):  # "ignore"
            offset = _offset_function(None, caller, where)
        else:
            offset = _offset_function(self.clock(rec, key), caller, where)
        return offset, _nominal_period(mod, rec.frame_rate)

    def frame_window(self, modality, period, frame_rate):
        """Half-width in seconds of the window a frame's value averages, beyond point sampling.

        ``0.5 / frame_rate`` for a ``"linear"`` modality sampled faster than the frames (the
        box filter), else 0. With :meth:`resample`, what a stream needs to know when a frame
        is final (see :class:`~stgraph_sklearn.streaming.SegmentationStream`).

        Parameters
        ----------
        modality : str
            A modality seen in fit.
        period : float
            Its nominal sampling period in seconds.
        frame_rate : float
            The reference frame rate in Hz.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        return 0.5 / frame_rate if _is_box(self.methods_[modality], period, frame_rate) else 0.0

    def resample(self, modality, times, values, frame_times, period, frame_rate):
        """Resample samples of one modality onto given frame times (no clock offset).

        The computation of :meth:`transform` for one modality, on any subset of samples and
        frames: a frame's value depends only on the valid samples next to its time (or its
        window), so a stream can resample the frames it has completed from a bounded buffer.

        Parameters
        ----------
        modality : str
            A modality seen in fit (selects the method).
        times : ndarray of shape (n_samples,)
            Strictly increasing sample times in seconds.
        values : ndarray of shape (n_samples, n_nodes, n_channels)
            The samples; NaN where missing.
        frame_times : ndarray of shape (n_frames,)
            Times of the frames to compute, in seconds.
        period : float
            The modality's nominal sampling period in seconds (``1 / rate``).
        frame_rate : float
            The reference frame rate in Hz.

        Returns
        -------
        ndarray of shape (n_frames, n_nodes, n_channels)
            Same dtype as ``values``.
        """
        check_is_fitted(self)
        max_gap = self.max_gap_for(modality)
        offset = _offset_function(None, "ModalityAligner", modality)
        return _resample(
            times,
            values,
            frame_times,
            offset,
            self.methods_[modality],
            max_gap,
            period,
            frame_rate,
            f"modality {modality!r}",
        )

    def __sklearn_tags__(self):
        return _transformer_tags(super().__sklearn_tags__())


def _aligned_values(aligner, rec, key, i, max_gap):
    """The aligned values of a lazy modality (the computation of :class:`LazyValues`)."""
    mod = rec.modalities[key]
    offset, dt = aligner._clock(rec, key, mod, i, check=False)
    method = aligner.methods_[key]
    return _resample(
        mod.times,
        mod.values.load(),
        rec.frame_times,
        offset,
        method,
        max_gap,
        dt,
        rec.frame_rate,
        f"{recording_ref(rec, i)} modality {key!r}",
    )


def _is_box(method, dt, fr):
    """Whether frames average a window (linear method, modality more than 1 % faster than
    the frames)."""
    return method == "linear" and 1.0 / dt > fr * (1 + _SAME_RATE)


def _check_magnitude(times, values, where):
    """Refuse float64 values so large that the window integrals or the interpolation would
    overflow (they came out inf, or NaN frames from finite input)."""
    if values.dtype.itemsize < 8:
        return  # float32 cannot come near float64's limit
    big = largest_magnitude(values)  # 0 for no value at all
    span = max(1.0, float(times[-1] - times[0])) if times.size else 1.0
    if big * 4 * span >= np.finfo(np.float64).max:
        raise ValueError(
            f"ModalityAligner: {where} has values too large to average or interpolate in "
            f"float64 (largest |value| {big:.3g}). Such values are a glitch in the data; clip "
            "or remove them, or give the values in other units."
        )


def _resample(times, values, t, offset, method, max_gap, dt, fr, where):
    """Values (S, N, C) at ``times`` -> (len(t), N, C) at reference frame times ``t``."""
    _check_magnitude(times, values, where)
    box = _is_box(method, dt, fr)
    if box:
        lo_ref, hi_ref = t - 0.5 / fr, t + 0.5 / fr
        lo, hi = lo_ref + offset(lo_ref), hi_ref + offset(hi_ref)
    else:
        s = t + offset(t)
    n_s, n_n, n_c = values.shape
    flat = values.reshape(n_s, n_n * n_c)
    result = np.empty((t.size, n_n * n_c))
    for idx, cols in _column_groups(~np.isnan(values)):
        tv = times[idx]
        if idx.size == n_s and cols.size == flat.shape[1]:
            vv = flat.astype(np.float64, copy=False)
        else:
            vv = flat[np.ix_(idx, cols)].astype(np.float64, copy=False)
        if box:
            result[:, cols] = _resample_box(tv, vv, lo, hi, max_gap, dt)
        else:
            result[:, cols] = _resample_points(tv, vv, s, method, max_gap, dt)
    return result.reshape(t.size, n_n, n_c).astype(values.dtype, copy=False)
