"""NodeFeatureExtractor: centred sliding-window statistics per node, on the stream's own timeline."""

from __future__ import annotations

import numbers
import warnings
from functools import lru_cache, partial

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import maximum_filter1d, minimum_filter1d
from scipy.signal import butter, sosfiltfilt
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..data import LazyValues, is_lazy, node_feature_names
from ..exceptions import StgraphWarning, warn
from ._common import (
    _channel_names,
    _check_input,
    _input_feature_names,
    _ListOutputMixin,
    _replace_values,
    _sequence_feature_names,
    _split_feature_names,
    _transformer_tags,
    fit_context,
    recording_ref,
)

__all__ = ["NodeFeatureExtractor"]

_CHANNEL_STATS = ("mean", "std", "energy", "band_power", "jerk")
_NODE_STATS = ("magnitude",)
_STATS = _CHANNEL_STATS + _NODE_STATS
#: Band edges as fractions of the stream's Nyquist frequency (rate / 2): octave bands.
BAND_EDGES = ((0.0, 0.125), (0.125, 0.25), (0.25, 0.5), (0.5, 1.0))


@lru_cache(maxsize=1)
def _band_filters():
    """Order-4 Butterworth filters of the bands, in second-order sections (rate-relative)."""
    sos = []
    for lo, hi in BAND_EDGES:
        if lo == 0.0:
            sos.append(butter(4, hi, btype="lowpass", output="sos"))
        elif hi == 1.0:
            sos.append(butter(4, lo, btype="highpass", output="sos"))
        else:
            sos.append(butter(4, (lo, hi), btype="bandpass", output="sos"))
    return tuple(sos)


def _window_sums(cum, lo, hi):
    return cum[hi] - cum[lo]


def _prefix(a):
    """Cumulative sums along axis 0 with a leading zero row, in float64."""
    out = np.zeros((a.shape[0] + 1, *a.shape[1:]))
    np.cumsum(a, axis=0, out=out[1:])
    return out


def _window_moments(cum1, cum2, n, lo, hi, samples=None, h=None):
    """Window mean and variance over valid samples from prefix sums of x0 and x0**2.

    With ``samples`` (``x0``, NaN where not valid) the variances that the prefix sums may
    have cancelled away (see :func:`_cancelled`) are recomputed from the samples of the
    windows of half-width ``h``.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s1 = _window_sums(cum1, lo, hi)
        upper = cum2[hi]
        s2 = upper - cum2[lo]  # NaN where unused squares overflowed (only "mean")
        mean = s1 / n
        var = np.maximum(s2 / n - mean * mean, 0.0)
    if samples is not None:
        cancelled = _cancelled(var, upper, n, hi)
        if cancelled.any():
            _recount(var, cancelled, samples, h)
    return mean, var


#: Relative accuracy kept by the window variances (``_cancelled``).
_VAR_RTOL = 1e-3


def _cancelled(var, upper, n, hi):
    """Windows whose variance from prefix sums may be off by more than ``_VAR_RTOL`` of it.

    ``s2 / n - mean**2`` cancels when a window's spread is small beside the squares summed
    before it (a level change of 1e4 with noise of 0.01, a constant stretch). The rounding
    of a running sum of ``k`` terms is about ``eps * sqrt(k) * sum`` (measured at most 0.82
    of that on level changes of 0 to 1e4 over 1e3 to 1e6 samples), so the difference of the
    sums at ``lo`` and ``hi`` is off by at most about ``2 * eps * sqrt(hi) * upper``
    (``upper``: the sum of the squares up to ``hi``); a margin of 16 on it. Windows without
    valid samples (NaN) are not counted.
    """
    scale = 32 * np.finfo(np.float64).eps * np.sqrt(hi) / _VAR_RTOL
    with np.errstate(invalid="ignore", over="ignore"):
        return upper * scale[:, None] > n * var


def _recount(var, where, samples, h, block=1 << 20):
    """Recompute ``var`` in place at ``where`` from ``samples`` (NaN: not valid), two-pass.

    A window centred on frame ``t`` holds the samples ``t - h`` to ``t + h`` that exist, as
    the prefix sums count them; ``block`` bounds the samples gathered at once.
    """
    width = 2 * h + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # windows without valid samples
        for c in np.flatnonzero(where.any(axis=0)):
            column = samples[:, c]
            # windows whose samples are all equal (a held or quantised signal) have no spread:
            # found by running extremes, without gathering their samples
            missing = np.isnan(column)
            top = maximum_filter1d(
                np.where(missing, -np.inf, column), width, mode="constant", cval=-np.inf
            )
            bottom = minimum_filter1d(
                np.where(missing, np.inf, column), width, mode="constant", cval=np.inf
            )
            var[where[:, c] & (top == bottom), c] = 0.0
            rows = np.flatnonzero(where[:, c] & (top != bottom))
            windows = sliding_window_view(np.pad(column, h, constant_values=np.nan), width)
            for part in np.array_split(rows, max(1, -(-rows.size * width // block))):
                w = windows[part]
                centred = w - np.nanmean(w, axis=1, keepdims=True)
                var[part, c] = np.nanmean(centred * centred, axis=1)


class NodeFeatureExtractor(
    _ListOutputMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Centred sliding-window statistics of every node, keeping the timeline.

    Each modality's values ``(n_samples, n_nodes, n_channels)`` become
    ``(n_samples, n_nodes, n_features)``: the same samples, rate, timestamps and clock, so the
    transformer works on raw streams before a :class:`ModalityAligner` as well as on aligned
    frames after it.

    Parameters
    ----------
    windows : float or sequence of float, default=(0.5,)
        Window lengths in **seconds** (so one setting means the same on a 50 Hz accelerometer
        and on 30 fps frames). A window of ``W`` s at rate ``r`` spans the odd number of samples
        nearest to ``W * r`` (ties go up; at least 1), centred on each sample and truncated at
        the ends of the recording: 0.5 s is 15 frames at 30 fps and 25 samples at 50 Hz.
        :attr:`~stgraph_sklearn.data.Modality.period` gives ``r`` for irregular timestamps
        (their mean interval without gaps). Arrays given
        as X are taken at 1 Hz, so for them windows are in samples.
    stats : sequence of str, default=("mean", "std", "energy")
        Statistics, per node and channel unless noted:

        - ``"mean"``: window mean.
        - ``"std"``: window standard deviation (``ddof=0``).
        - ``"energy"``: mean square of the window-demeaned signal (the AC power, i.e. the
          window variance; the classic activity-recognition energy feature).
        - ``"band_power"``: power of the window-demeaned signal in 4 octave bands relative to
          the stream's Nyquist frequency ``r / 2``: ``[0, 1/8]``, ``[1/8, 1/4]``, ``[1/4, 1/2]``
          and ``[1/2, 1]`` × Nyquist (for 50 Hz: 0-3.1, 3.1-6.25, 6.25-12.5 and 12.5-25 Hz),
          from a zero-phase order-4 Butterworth filter bank (``sosfiltfilt``) run once over
          the whole stream, so the bands do not depend on the window length. 4 values per channel.
        - ``"jerk"``: mean absolute first difference times the rate (``|Δx| / Δt``).
        - ``"magnitude"``: mean Euclidean norm over the node's channels: one value per node.

    Attributes
    ----------
    modalities_ : dict of str to tuple of int
        ``{modality: (n_nodes, n_channels)}`` seen in fit.
    feature_names_ : dict of str to ndarray of str
        Per modality, the names of the output features of every node, in order: windows
        outermost, then ``stats`` in the given order, then channels, named after the input
        channels (``channel_names``, ``"c<j>"`` by default); for example ``"std_0.5s_c2"``,
        ``"band_power1_0.5s_c0"`` (band 1, channel 0), ``"magnitude_0.5s"``. The output
        modalities carry them as ``channel_names``.
    feature_names_in_ : ndarray of str
        ``"<node>__<channel>"`` of the first training recording.
    n_features_out_ : dict of str to int
        Number of output features per node of each modality:
        ``n_windows * (n_channels * (n_channel_stats + 3 * has_band_power) + has_magnitude)``.

    Notes
    -----
    NaN-aware: statistics use the valid samples of each window, and a window with fewer valid
    samples than half its length (fewer valid differences than half, for ``"jerk"``) gives
    NaN, so a sensor drop-out stays a NaN stretch (a False mask downstream). A magnitude sample
    needs all channels of the node. Band filtering fills NaN with the channel mean first.
    Computed with cumulative sums: linear in the number of samples, independent of the window.
    The spreads (``"std"``, ``"energy"``, ``"band_power"``) of windows whose sums the rounding
    may have moved by more than 0.1 % (a spread tiny beside the level changes summed before,
    a constant stretch) are counted again from their samples, at a cost proportional to the
    window: on 100,000 samples switching between 0 and 1e4 with noise of 0.01, about 1 s per
    channel for a 30-s window at 50 Hz (otherwise milliseconds).

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.transformers import NodeFeatureExtractor
    >>> X = [np.random.default_rng(0).normal(size=(100, 4, 3))]
    >>> ext = NodeFeatureExtractor(windows=(5, 11), stats=("mean", "magnitude")).fit(X)
    >>> ext.transform(X)[0].shape
    (100, 4, 8)
    >>> list(ext.feature_names_["x"][:4])
    ['mean_5s_c0', 'mean_5s_c1', 'mean_5s_c2', 'magnitude_5s']
    """

    _parameter_constraints: dict = {
        "windows": [Interval(numbers.Real, 0, None, closed="neither"), "array-like"],
        "stats": ["array-like", str],
    }

    def __init__(self, windows=(0.5,), *, stats=("mean", "std", "energy")):
        self.windows = windows
        self.stats = stats

    def _checked_params(self):
        windows = self.windows
        if isinstance(windows, numbers.Real):
            windows = (windows,)
        windows = tuple(windows)
        if not windows or not all(
            isinstance(w, numbers.Real) and not isinstance(w, bool) and np.isfinite(w) and w > 0
            for w in windows
        ):
            raise ValueError(
                "The 'windows' parameter of NodeFeatureExtractor must be a positive number of "
                f"seconds or a non-empty sequence of them. Got {self.windows!r} instead."
            )
        if len(set(windows)) != len(windows):
            raise ValueError(
                f"The 'windows' parameter of NodeFeatureExtractor must not repeat a window. Got {self.windows!r}."
            )
        if len({f"{w:g}" for w in windows}) != len(windows):  # the names carry {w:g}
            raise ValueError(
                "The 'windows' parameter of NodeFeatureExtractor must hold windows that differ "
                "in their first six significant digits, which name the features (2 and "
                f"2.0000001 both give 'mean_2s'). Got {self.windows!r}."
            )
        stats = (self.stats,) if isinstance(self.stats, str) else tuple(self.stats)
        bad = [s for s in stats if s not in _STATS]
        if not stats or bad or len(set(stats)) != len(stats):
            raise ValueError(
                f"The 'stats' parameter of NodeFeatureExtractor must be a non-empty sequence of "
                f"distinct values among {list(_STATS)}. Got {self.stats!r} instead."
            )
        return windows, stats

    def _names(self, channels, windows, stats):
        """Output channel names from the input channel names ``channels``."""
        names = []
        for w in windows:
            for stat in stats:
                if stat == "magnitude":
                    names.append(f"magnitude_{w:g}s")
                elif stat == "band_power":
                    names += [
                        f"band_power{b}_{w:g}s_{c}"
                        for b in range(len(BAND_EDGES))
                        for c in channels
                    ]
                else:
                    names += [f"{stat}_{w:g}s_{c}" for c in channels]
        return np.asarray(names, dtype=object)

    @fit_context
    def fit(self, X, y=None):
        """Check the parameters and record the modality layout.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_timesteps, n_nodes, n_channels)
            The recordings.
        y : None
            Ignored.

        Returns
        -------
        self : NodeFeatureExtractor
        """
        windows, stats = self._checked_params()
        items, _, layout = _check_input(X, "NodeFeatureExtractor")
        self.modalities_ = layout
        self.feature_names_in_ = _sequence_feature_names(items[0])
        channels = _channel_names(items[0])
        self.feature_names_ = {k: self._names(channels[k], windows, stats) for k in layout}
        self.n_features_out_ = {k: len(v) for k, v in self.feature_names_.items()}
        self._names_checked_for = (windows, stats)  # what feature_names_ were computed from
        return self

    def get_feature_names_out(self, input_features=None):
        """Output feature names of every node, as ``"<node>__<feature>"``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names ``"<node>__<channel>"`` of the input features (what the previous step of a
            Pipeline gives), as many as seen in fit; None uses ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str
            ``feature_names_[modality]`` of every node, prefixed with the node name
            (:func:`~stgraph_sklearn.data.node_feature_names`), modality by modality, node-major:
            ``"accel:bowl__mean_0.5s_c0"``. The output recordings carry ``feature_names_`` as
            their modalities' ``channel_names``, so
            :class:`FrameFeatureFlattener` keeps these names.
        """
        names_in = _input_feature_names(self, input_features)
        names = []
        for key, (nodes, _) in _split_feature_names(names_in, self.modalities_).items():
            names += node_feature_names(nodes, self.feature_names_[key])  # what fit computes
        return np.asarray(names, dtype=object)

    def _check_names_unchanged(self, windows, stats, caller):
        """Refuse ``windows``/``stats`` set after fit that compute other features than the
        fitted ``feature_names_`` name (from fit's input channels: unnamed ones, as a stream's,
        are the same channels)."""
        names_in = getattr(self, "feature_names_in_", None)
        if names_in is None:  # fitted before feature_names_in_ was kept: nothing to check by
            return
        split = _split_feature_names(names_in, self.modalities_)
        for key, fitted in self.feature_names_.items():
            now = self._names(split[key][1], windows, stats)
            if not np.array_equal(now, fitted):
                raise ValueError(
                    f"{caller}.transform: windows={self.windows!r} and stats={self.stats!r} "
                    f"compute other features than fit named ({list(fitted[:3])}... for "
                    f"modality {key!r}, now {list(now[:3])}...): set_params after fit changes "
                    "the parameters, not the fitted feature_names_. Fit again, or set them back."
                )

    def transform(self, X):
        """Compute the window statistics of every node.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_timesteps, n_nodes, n_channels)
            Recordings with the modalities seen in fit.

        Returns
        -------
        Xt : list of Recording or list of ndarray
            Same kind as the items of X; every modality's values become
            ``(n_samples, n_nodes, n_features_out_[modality])`` on the same timeline. Lazy
            values (see :func:`~stgraph_sklearn.data.is_lazy`) give lazy features,
            computed from the input on each access.

        Raises
        ------
        ValueError
            If a statistic overflows the dtype of the values (squares of values beyond
            about 1e19 in float32 or 1e154 in float64): scale such values first.
        """
        check_is_fitted(self)
        windows, stats = self._checked_params()
        caller = "NodeFeatureExtractor"
        items, as_array, _ = _check_input(
            X, caller, self.modalities_, feature_names=getattr(self, "feature_names_in_", None)
        )
        # checked once per (windows, stats): a stream transforms every chunk
        if getattr(self, "_names_checked_for", None) != (windows, stats):
            self._check_names_unchanged(windows, stats, caller)
            self._names_checked_for = (windows, stats)
        out = []
        short = []
        for i, rec in enumerate(items):
            new = {}
            for key, mod in rec.modalities.items():
                times = mod.times
                if mod.rate is not None:
                    rate = mod.rate
                else:
                    rate = rec.frame_rate if mod.period is None else 1.0 / mod.period
                halves = _halves(windows, rate)
                short += [(i, key, w, rate) for w, h in zip(windows, halves, strict=True) if h < 1]
                if is_lazy(mod.values):
                    where = f"recording {rec.name!r} modality {key!r}"
                    new[key] = LazyValues(
                        partial(_lazy_node_features, mod, halves, stats, where),
                        (mod.n_samples, mod.n_nodes, self.n_features_out_[key]),
                        mod.values.dtype,
                        where=f"recording {rec.name!r} modality {key!r} after {caller}",
                    )
                else:
                    where = f"{recording_ref(rec, i)} modality {key!r}"
                    new[key] = _node_features(mod.values, times, halves, stats, where)
            out.append(_replace_values(rec, new, as_array[i], self.feature_names_))
        if short:
            i, key, w, rate = short[0]
            warn(
                f"{caller}: the {w:g} s window covers a single sample of modality {key!r} of X[{i}] "
                f"(rate {rate:g} Hz), so 'std', 'energy' and 'jerk' are degenerate "
                f"({len(short)} such windows in this call). Use longer windows; arrays are taken "
                "at 1 Hz, so give their windows in samples.",
                StgraphWarning,
            )
        return out

    def temporal_context(self, rate):
        """Samples before and after a sample that its features depend on.

        Every statistic but ``"band_power"`` is computed from the samples of a centred window
        (``"jerk"`` also from the one before it), so a stream can compute a sample's features
        once ``after`` more samples have arrived, from a buffer of ``before + after + 1``.

        Parameters
        ----------
        rate : float
            Sampling rate in Hz of the stream the features are computed on.

        Returns
        -------
        before, after : int

        Raises
        ------
        ValueError
            With ``"band_power"``, whose filters run over the whole stream.
        """
        windows, stats = self._checked_params()
        if "band_power" in stats:
            raise ValueError(
                "NodeFeatureExtractor: the 'band_power' statistic filters the whole stream "
                "(forward and backward), so it has no bounded temporal context and cannot be "
                "computed on a live stream. Remove it from 'stats'."
            )
        h = max(_halves(windows, rate))
        return h + int("jerk" in stats), h

    def __sklearn_tags__(self):
        return _transformer_tags(super().__sklearn_tags__())


def _halves(windows, rate):
    """Half-widths in samples of the windows: the odd count nearest ``w * rate``, ties up."""
    return [max(0, int(np.floor((w * rate - 1) / 2 + 0.5))) for w in windows]


def _lazy_node_features(mod, halves, stats, where):
    """The features of a lazy modality (the computation of its :class:`LazyValues`)."""
    return _node_features(mod.values.load(), mod.times, halves, stats, where)


def _node_features(values, times, halves, stats, where):
    """Window statistics of one modality: (T, N, C) -> (T, N, F), in the dtype of ``values``.

    Raises a ValueError naming ``where`` when the squares of the values (``"std"``,
    ``"energy"``, ``"band_power"``, ``"magnitude"``) or the features overflow: inf in the output or NaN from
    ``inf - inf`` would otherwise pass for a valid feature or a missing sensor.
    """
    n_t, n_n, n_c = values.shape
    x = values.reshape(n_t, n_n * n_c).astype(np.float64)
    valid = ~np.isnan(x)
    valid_f = valid.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.nan_to_num(np.nanmean(x, axis=0))
        # a constant channel is centred on its value, so its spreads and band powers are 0
        # exactly, not the rounding of its mean (which a scaler would blow up)
        low = np.nanmin(x, axis=0)
        constant = low == np.nanmax(x, axis=0)
    center[constant] = low[constant]
    x0 = np.where(valid, x - center, 0.0)
    idx = np.arange(n_t)
    need = set(stats)
    # the samples the spreads of cancelled windows are counted again from (NaN: not valid)
    samples = np.where(valid, x0, np.nan) if need & {"std", "energy"} else None
    with np.errstate(over="ignore"):
        cum_n, cum1, cum2 = _prefix(valid_f), _prefix(x0), _prefix(x0 * x0)
    # the last row of a prefix sum is inf (or NaN) if any of its terms overflowed
    sums = [cum1, cum2] if need & {"std", "energy"} else [cum1]
    if "band_power" in need:
        # one band at a time: its prefix sums and its samples (NaN: not valid) are kept,
        # not the filtered copies they come from (a long fast stream has many samples)
        band_cums, band_samples = [], []
        for sos in _band_filters():
            if n_t > 1:
                b = sosfiltfilt(sos, x0, axis=0, padlen=min(3 * (2 * len(sos) + 1), n_t - 1))
            else:
                b = np.zeros_like(x0)
            masked = np.where(valid, b, 0.0)
            with np.errstate(over="ignore"):
                band_cums.append((_prefix(masked), _prefix(masked * masked)))
            del masked
            b[~valid] = np.nan
            band_samples.append(b)
        sums += [c for pair in band_cums for c in pair]
    if "jerk" in need:
        dt = np.diff(times)
        d = np.abs(np.diff(x, axis=0)) / dt[:, None]
        d_valid = ~np.isnan(d)
        d_abs = np.vstack([np.zeros((1, d.shape[1])), np.where(d_valid, d, 0.0)])
        d_cnt = np.vstack([np.zeros((1, d.shape[1])), d_valid.astype(np.float64)])
        cum_d, cum_dn = _prefix(d_abs), _prefix(d_cnt)
        sums.append(cum_d)
    if "magnitude" in need:
        node_valid = valid.reshape(n_t, n_n, n_c).all(axis=2)
        with np.errstate(over="ignore"):  # inf: the error below
            mag = np.sqrt((np.where(valid, x, 0.0).reshape(n_t, n_n, n_c) ** 2).sum(axis=2))
        mag = np.where(node_valid, mag, 0.0)
        cum_m, cum_mn = _prefix(mag), _prefix(node_valid.astype(np.float64))
        sums.append(cum_m)
    if not all(np.isfinite(c[-1]).all() for c in sums):
        raise _too_large(x, where)
    # the output in the values' dtype, written block by block (not float64 blocks, their
    # concatenation and its cast: three copies of a possibly large output)
    widths = {"band_power": len(_band_filters()) * n_c, "magnitude": 1}
    width = sum(widths.get(stat, n_c) for stat in stats)
    out = np.empty((n_t, n_n, len(halves) * width), dtype=values.dtype)
    start = 0

    def put(block):
        nonlocal start
        stop = start + block.shape[2]
        with np.errstate(over="ignore"):  # inf: the error below
            out[:, :, start:stop] = block
        start = stop

    for h in halves:
        lo = np.maximum(idx - h, 0)
        hi = np.minimum(idx + h + 1, n_t)
        length = (hi - lo)[:, None]
        n = _window_sums(cum_n, lo, hi)
        mean, var = _window_moments(cum1, cum2, n, lo, hi, samples, h)
        enough = 2 * n >= length
        nan = np.nan
        for stat in stats:
            if stat == "mean":
                res = np.where(enough, mean + center, nan)
            elif stat == "std":
                res = np.where(enough, np.sqrt(var), nan)
            elif stat == "energy":
                res = np.where(enough, var, nan)
            elif stat == "band_power":
                # (T, N, B*C): bands outer, channels inner, so band after band
                for (c1, c2), b in zip(band_cums, band_samples, strict=True):
                    power = np.where(enough, _window_moments(c1, c2, n, lo, hi, b, h)[1], nan)
                    put(power.reshape(n_t, n_n, n_c))
                continue
            elif stat == "jerk":
                lo1 = np.minimum(lo + 1, hi)
                nd = _window_sums(cum_dn, lo1, hi)
                sd = _window_sums(cum_d, lo1, hi)
                pairs = (hi - lo1)[:, None]
                with np.errstate(invalid="ignore", divide="ignore"):
                    res = np.where((2 * nd >= pairs) & (nd > 0), sd / nd, nan)
            else:  # magnitude: one value per node
                nm = _window_sums(cum_mn, lo, hi)
                sm = _window_sums(cum_m, lo, hi)
                with np.errstate(invalid="ignore", divide="ignore"):
                    res = np.where(2 * nm >= length, sm / nm, nan)
                put(res[:, :, None])
                continue
            put(res.reshape(n_t, n_n, n_c))
    if np.isinf(out).any():
        raise _too_large(x, where, values.dtype)
    return out


def _too_large(x, where, dtype=np.float64):
    """The error of window statistics that overflow ``dtype``."""
    return ValueError(
        f"NodeFeatureExtractor: {where} has values too large for window statistics in "
        f"{np.dtype(dtype)} (largest |value| {np.nanmax(np.abs(x)):.3g}; 'std', 'energy', "
        "'band_power' and 'magnitude' square them). Scale the values first, for example with a "
        "SequenceScaler before the NodeFeatureExtractor, or give them in other units."
    )
