"""SegmentationStream: label raw multi-rate samples as they arrive with a fitted pipeline."""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ..data import Modality, Recording, as_graph_sequences
from ..exceptions import MissingSensorWarning, reraise_as, warn
from ..transformers import (
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
    find_common_rate,
)
from ..utils import check_seconds, is_positive_number, largest_magnitude

__all__ = ["SegmentationStream"]

_FRAME_LOCAL = (SequenceScaler, SensorGraphBuilder)


def _raise_in_chunk(exc, where):
    """Raise ``exc`` again as the same error type, its message prefixed with ``where``.

    Modality's own messages name neither the stream call nor the modality of the chunk.
    """
    msg = str(exc).removeprefix("Modality ")  # "Modality values must ..." -> "values must ..."
    if msg.startswith("'timestamps'"):
        msg = "timestamps" + msg[len("'timestamps'") :]
    reraise_as(exc, f"{where} {msg}")


class _ModalityBuffer:
    """Raw samples of one modality that frames not yet completed may still need."""

    def __init__(self, n_nodes, n_channels, period):
        self.period = period
        self.times = np.empty(0)
        self.values = None  # takes the dtype of the first samples, as a Modality would
        self.shape = (n_nodes, n_channels)
        self.last_time = -np.inf  # newest sample time, valid or not
        self.last_valid = np.full(n_nodes * n_channels, -np.inf)  # newest valid time per column

    def shift(self, origin):
        """Move the buffered times to a clock whose zero is ``origin`` (exact in float64 for
        times near ``origin``: the difference of two close doubles is exact)."""
        self.times = self.times - origin
        self.last_time -= origin
        self.last_valid = self.last_valid - origin

    def append(self, times, values):
        self.times = np.concatenate([self.times, times])
        if self.values is None:
            self.values = np.empty((0, *self.shape), dtype=values.dtype)
        self.values = np.concatenate([self.values, values.astype(self.values.dtype)])
        self.last_time = float(times[-1])
        valid = ~np.isnan(values.reshape(len(times), -1))
        seen = valid.any(axis=0)
        newest = times[valid.shape[0] - 1 - np.argmax(valid[::-1], axis=0)]
        self.last_valid[seen] = np.maximum(self.last_valid[seen], newest[seen])

    def completed_before(self, max_gap, window):
        """Time before which every frame's value is final (its window start for the box filter).

        A column's value at ``s`` is final once a valid sample later than ``s`` has arrived,
        or once the stream has gone ``max(max_gap, period)`` past ``s`` without one (the gap
        is then too long to bridge, whatever comes later).
        """
        horizon = self.last_time - max(max_gap, self.period)
        return float(np.maximum(self.last_valid, horizon).min()) - window

    def forget_before(self, t):
        """Drop samples no frame at or after time ``t`` needs.

        Per column only the last valid sample at or before ``t`` is kept (a frame's value
        depends on the valid samples around it); older rows go, so memory stays bounded
        even while a sensor is missing.
        """
        old = self.times <= t
        if old.sum() <= 1:
            return
        n_old = int(old.sum())
        flat = self.values[:n_old].reshape(n_old, -1)
        valid = ~np.isnan(flat)
        last = n_old - 1 - np.argmax(valid[::-1], axis=0)  # per column, last valid old row
        keep_col = valid.any(axis=0)
        rows = np.unique(last[keep_col])
        kept = np.full((rows.size, flat.shape[1]), np.nan)
        for r_i, r in enumerate(rows):
            cols = keep_col & (last == r)
            kept[r_i, cols] = flat[r, cols]
        self.times = np.concatenate([self.times[rows], self.times[n_old:]])
        self.values = np.concatenate(
            [kept.reshape(rows.size, *self.values.shape[1:]), self.values[n_old:]]
        )


def _frames_before(t, frame_rate):
    """Number of frames ``f >= 0`` with ``f / frame_rate < t``."""
    if not np.isfinite(t):
        return 0 if t < 0 else None
    n = max(0, math.ceil(t * frame_rate))
    while n > 0 and (n - 1) / frame_rate >= t:
        n -= 1
    while n / frame_rate < t:
        n += 1
    return n


class SegmentationStream:
    """Label a live multimodal stream with a fitted segmentation pipeline, chunk by chunk.

    Raw samples go in as they arrive, each modality at its own rate with its own timestamps;
    every frame that the chunk completes comes out with its label and class probabilities.
    The labels of a finished stream equal those of ``pipeline.predict`` on the same
    recording. Memory is bounded: raw samples are kept only until the frames around them are
    resampled, aligned frames only for the feature windows, and the network keeps its
    receptive field as per-layer state (:class:`~stgraph_sklearn.estimators.FrameStream`).

    The stream's timeline starts at its first sample: frame ``f`` is at ``start_time_ + f /
    frame_rate`` s on the stream's clock, where ``start_time_`` is the earliest first
    timestamp of the modalities, as
    :func:`~stgraph_sklearn.data.recording_from_dataframes` starts a recording. A clock
    that starts at 0 gives the frames of a :class:`~stgraph_sklearn.data.Recording` (which
    start at 0), and timestamps on an absolute clock (Unix seconds, say) give the same
    labels as the same samples shifted to start at 0.

    Frame ``f`` is complete when

    - every modality has resampled it: for each sensor channel, a valid sample after the
      frame (after its averaging window, for a modality faster than the frames) has
      arrived, or the stream has gone ``max(max_gap, period)`` past it without one;
    - the feature windows around it are complete (``NodeFeatureExtractor``);
    - ``lookahead`` more frames have gone through the causal segmenter (none for a frame
      classifier).

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline ``ModalityAligner -> [NodeFeatureExtractor, SequenceScaler,
        SensorGraphBuilder, in any order] -> segmenter``, as
        :func:`~stgraph_sklearn.pipeline.make_segmentation_pipeline` builds, whose segmenter
        is causal (a neural segmenter with ``lookahead`` not None, or a
        ``FrameClassifierSegmenter`` without smoothing). It is not copied: do not refit it while
        streaming.
    frame_rate : float, default=None
        Reference frame rate in Hz. None uses the training recordings' frame rate (the
        aligner's ``frame_rate_``).
    rates : dict of str to float, default=None
        Nominal sampling rate in Hz of the modalities (what ``Modality(rate=...)`` would be;
        for irregular timestamps, one over their typical interval). The aligner needs it
        for the half-period a sample covers and for its anti-aliasing decision. Modalities
        left out (all of them with None) get the training recordings' rate (the aligner's
        ``rates_``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The segmenter's classes, the order of the probability columns.
    n_frames_ : int
        Frames returned so far.
    receptive_field_ : int
        Frames of network input one decision depends on.
    modalities_ : dict of str to tuple (n_nodes, n_channels)
        The modalities a chunk may contain, with their shapes (as the pipeline was fitted).
    start_time_ : float or None
        Time of frame 0 on the stream's clock, in seconds: the earliest first timestamp of
        the modalities. None until every modality has sent a sample (no frame can be
        resampled before).

    See Also
    --------
    stgraph_sklearn.pipeline.SegmentationPipeline.stream : Builds this object.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> from stgraph_sklearn.pipeline import make_segmentation_pipeline
    >>> rng = np.random.RandomState(0)
    >>> recs = [Recording({"acc": Modality(rng.randn(100, 2, 3), rate=50.0)}, frame_rate=10.0)
    ...         for _ in range(3)]
    >>> y = [np.repeat(["idle", "work"], 10) for _ in range(3)]
    >>> seg = MSTCNSegmenter(hidden_channels=8, n_stages=2, n_layers=3, max_epochs=2,
    ...                      lookahead=0, random_state=0)
    >>> model = make_segmentation_pipeline(seg, k=1).fit(recs, y)
    >>> stream = model.stream()  # the frame rate and sampling rates of the training data
    >>> values, times = recs[0].modalities["acc"].values, recs[0].modalities["acc"].times
    >>> out = [stream.partial_predict({"acc": (times[a:a + 25], values[a:a + 25])})
    ...        for a in range(0, 100, 25)]
    >>> out.append(stream.close())
    >>> labels = np.concatenate([o["label"].to_numpy() for o in out])
    >>> bool((labels == model.predict(recs[:1])[0]).all())
    True
    """

    def __init__(self, pipeline, *, frame_rate=None, rates=None):
        caller = "SegmentationStream"
        steps = [est for _, est in pipeline.steps if est not in (None, "passthrough")]
        aligner, *middle, segmenter = steps
        if not isinstance(aligner, ModalityAligner):
            raise ValueError(
                f"{caller}: the pipeline's first step must be a ModalityAligner (raw samples "
                f"are resampled onto frames). Got {type(aligner).__name__} instead."
            )
        check_is_fitted(aligner)
        if callable(aligner.clock):
            raise ValueError(
                f"{caller}: a ModalityAligner with a 'clock' callable cannot stream (it sees "
                "whole recordings); stream timestamps must be on the reference clock."
            )
        learned_frame_rate = getattr(aligner, "frame_rate_", None)
        learned_rates = getattr(aligner, "rates_", None) or {}
        if frame_rate is None:
            if learned_frame_rate is None:
                raise ValueError(
                    f"{caller}: pass 'frame_rate' (in Hz): the training recordings do not share "
                    "one frame rate, or the pipeline was fitted by a version that did not record it."
                )
            frame_rate = learned_frame_rate
        if not is_positive_number(frame_rate):
            raise ValueError(
                f"The 'frame_rate' parameter of {caller} must be a positive number of Hz. "
                f"Got {frame_rate!r} instead."
            )
        if (
            learned_frame_rate is not None
            and find_common_rate([frame_rate, learned_frame_rate]) is None
        ):
            warn(
                f"{caller}: frame_rate={frame_rate:g} but the training recordings were framed at "
                f"{learned_frame_rate:g} fps, so the model's temporal kernels span another time "
                "(as when predicting recordings framed at another rate). The frame rate is the "
                "model's timeline, not the sensors' rate: give those with 'rates'."
            )
        self._before = self._after = 0
        for step in middle:
            if isinstance(step, NodeFeatureExtractor):
                before, after = step.temporal_context(frame_rate)
                self._before += before
                self._after += after
            elif not isinstance(step, _FRAME_LOCAL):
                raise ValueError(
                    f"{caller}: {type(step).__name__} is not supported between the aligner and "
                    "the segmenter (only NodeFeatureExtractor, SequenceScaler and "
                    "SensorGraphBuilder, whose outputs depend on bounded windows of frames)."
                )
        if not hasattr(segmenter, "stream"):
            raise ValueError(
                f"{caller}: the final step {type(segmenter).__name__} cannot stream; use a "
                "neural segmenter with lookahead=0 (or a number of frames), or a "
                "FrameClassifierSegmenter."
            )
        layout = aligner.modalities_
        if rates is None:
            rates = {}
        if not isinstance(rates, dict) or not set(rates) <= set(layout):
            got = sorted(rates) if isinstance(rates, dict) else rates
            raise ValueError(
                f"The 'rates' parameter of {caller} must map modalities of {list(layout)} to "
                f"their nominal rates in Hz. Got {got!r} instead."
            )
        unknown = [k for k in layout if k not in rates and learned_rates.get(k) is None]
        if unknown:
            raise ValueError(
                f"{caller}: pass the nominal rate in Hz of modalities {unknown} in 'rates': the "
                "training recordings do not share one rate for them, or the pipeline was "
                "fitted by a version that did not record it."
            )
        rates = {k: rates[k] if k in rates else learned_rates[k] for k in layout}
        for key, rate in rates.items():
            if not is_positive_number(rate):
                raise ValueError(
                    f"The 'rates' parameter of {caller} must map modalities to finite positive rates "
                    f"in Hz. Got {rate!r} for modality {key!r}."
                )
        self.pipeline = pipeline
        self.frame_rate = float(frame_rate)
        self.rates = dict(rates)
        self._aligner = aligner
        self._middle = list(middle)  # fitted, checked above; applied step by step
        self._frames = segmenter.stream()
        self.classes_ = segmenter.classes_
        self.receptive_field_ = self._frames.receptive_field_
        self.modalities_ = dict(layout)
        self._buffers = {
            k: _ModalityBuffer(n, c, 1.0 / float(rates[k])) for k, (n, c) in layout.items()
        }
        self._last_stamp = dict.fromkeys(layout, -np.inf)  # newest timestamp, stream's clock
        self.start_time_ = None  # buffers hold times relative to it once it is set
        self._aligned = {}  # aligned frames still needed by the feature windows
        self._aligned_start = 0  # frame index of the first buffered aligned frame
        self._n_aligned = 0  # frames resampled so far
        self._n_featured = 0  # frames given to the segmenter so far
        self.n_frames_ = 0
        self._closed = False

    # ---- input ----------------------------------------------------------------------------
    def _check_chunk(self, chunk):
        caller = "SegmentationStream.partial_predict"
        if not isinstance(chunk, dict):
            raise TypeError(
                f"{caller}: a chunk must be a dict {{modality: (timestamps, values)}}. Got "
                f"{type(chunk).__name__} instead."
            )
        unknown = sorted(set(chunk) - set(self._buffers))
        if unknown:
            raise ValueError(
                f"{caller}: the chunk has modalities {unknown} that the pipeline was not fitted "
                f"on; expected a subset of {list(self._buffers)}."
            )
        out = {}
        for key, item in chunk.items():
            if not isinstance(item, tuple) or len(item) != 2:
                raise TypeError(
                    f"{caller}: chunk[{key!r}] must be a tuple (timestamps, values). Got "
                    f"{type(item).__name__} instead."
                )
            raw = np.asarray(item[0]) if item[0] is not None else None
            if raw is None or raw.dtype.kind not in "biuf" or raw.ndim > 1:
                got = (
                    "None"
                    if raw is None
                    else f"an array of shape {raw.shape}"
                    if raw.ndim > 1
                    else f"dtype {raw.dtype}"
                )
                raise ValueError(
                    f"{caller}: chunk[{key!r}] timestamps must be array-like of numbers: a 1-D "
                    f"array of seconds (datetimes converted to seconds first). Got {got}."
                )
            times = raw.astype(np.float64).reshape(-1)
            if times.size == 0:
                if np.size(item[1]):
                    raise ValueError(
                        f"{caller}: chunk[{key!r}] has no timestamps but {np.shape(item[1])[0]} "
                        "samples of values; expected one timestamp per sample."
                    )
                continue
            if np.isfinite(times).all():
                check_seconds(float(np.abs(times).max()), f"{caller}: chunk[{key!r}] timestamps")
            try:
                mod = Modality(item[1], timestamps=times)
            except (ValueError, TypeError) as exc:
                _raise_in_chunk(exc, f"{caller}: chunk[{key!r}]")
            # float32 and smaller stay within float32
            big = largest_magnitude(mod.values) if mod.values.dtype.itemsize > 4 else 0.0
            if big > np.finfo(np.float32).max:
                raise ValueError(
                    f"{caller}: chunk[{key!r}] has a value of magnitude {big:.3g}, beyond the "
                    "float32 range the pipeline's features are stored in: a glitch in the data. "
                    "Clip it or send NaN (missing) instead."
                )
            n, c = self._aligner.modalities_[key]
            if (mod.n_nodes, mod.n_channels) != (n, c):
                raise ValueError(
                    f"{caller}: chunk[{key!r}] has {mod.n_nodes} nodes and {mod.n_channels} "
                    f"channels; expected {n} nodes and {c} channels as in fit."
                )
            if mod.times[0] <= self._last_stamp[key]:
                raise ValueError(
                    f"{caller}: chunk[{key!r}] starts at {float(mod.times[0])!r} s, not after "
                    f"the previous sample at {self._last_stamp[key]!r} s; timestamps must "
                    "increase strictly across chunks."
                )
            out[key] = (mod.times, mod.values)
        return out

    def _append(self, chunk):
        """Buffer a checked chunk; fix the stream's start once every modality has begun."""
        for key, (times, values) in chunk.items():
            self._last_stamp[key] = float(times[-1])
            if self.start_time_ is not None:
                times = times - self.start_time_
            self._buffers[key].append(times, values)
        if self.start_time_ is None and all(np.isfinite(list(self._last_stamp.values()))):
            # nothing is resampled before every modality has started, so no frame time has
            # been used yet; the buffers still hold every sample, the first ones included
            self.start_time_ = min(float(b.times[0]) for b in self._buffers.values())
            for buf in self._buffers.values():
                buf.shift(self.start_time_)

    # ---- pipeline stages ------------------------------------------------------------------
    def _resample_until(self, n_frames):
        """Resample frames ``[n_aligned, n_frames)`` of every modality from the buffers."""
        if n_frames <= self._n_aligned:
            return
        fr = self.frame_rate
        t = np.arange(self._n_aligned, n_frames) / fr
        for key, buf in self._buffers.items():
            new = self._aligner.resample(key, buf.times, buf.values, t, buf.period, fr)
            old = self._aligned.get(key)
            self._aligned[key] = new if old is None else np.concatenate([old, new])
            window = self._aligner.frame_window(key, buf.period, fr)
            buf.forget_before(n_frames / fr - window)
        self._n_aligned = n_frames

    def _features_until(self, n_frames):
        """Frames ``[n_featured, n_frames)`` as a GraphSequence, from the aligned buffer."""
        start = max(0, self._n_featured - self._before)
        stop = min(self._n_aligned, n_frames + self._after)
        a = start - self._aligned_start
        rec = Recording(
            {
                k: Modality(v[a : a + stop - start], rate=self.frame_rate)
                for k, v in self._aligned.items()
            },
            frame_rate=self.frame_rate,
            n_frames=stop - start,
        )
        # Each step's transform, not Pipeline.transform: that re-checks that every step is
        # fitted on each call, a tenth of a chunk's preprocessing.
        out = [rec]
        for step in self._middle:
            out = step.transform(out)
        out = out[0]
        (seq,) = as_graph_sequences([out], caller="SegmentationStream")
        seq = seq.slice_frames(self._n_featured - start, n_frames - start)
        self._n_featured = n_frames
        keep = max(0, n_frames - self._before) - self._aligned_start
        self._aligned = {k: v[keep:] for k, v in self._aligned.items()}
        self._aligned_start += keep
        return seq

    def _emit(self, n_frames):
        """Push frames up to ``n_frames`` through features and model; the completed ones."""
        if n_frames > self._n_featured:
            seq = self._features_until(n_frames)
            if not getattr(self, "_sensorless_warned", False):
                empty = int((~seq.node_mask.any(axis=1)).sum())
                if empty:  # once per stream, as predict warns once per call
                    self._sensorless_warned = True
                    warn(
                        "SegmentationStream: frames with no sensor present at all have come in "
                        f"({empty} in the chunk that ends at frame {n_frames}); their labels "
                        "come from the surrounding frames or the model alone, not from data "
                        "(warned once per stream).",
                        MissingSensorWarning,
                    )
            proba = self._frames.partial_predict_proba(seq)
        else:
            proba = np.empty((0, len(self.classes_)), dtype=np.float32)
        return self._table(proba)

    def _table(self, proba):
        frames = np.arange(self.n_frames_, self.n_frames_ + proba.shape[0])
        self.n_frames_ += proba.shape[0]
        columns = {
            "frame": frames,
            "time": (self.start_time_ or 0.0) + frames / self.frame_rate,
            "label": self.classes_[proba.argmax(axis=1)] if len(proba) else self.classes_[:0],
        }
        columns.update({f"proba_{c}": proba[:, j] for j, c in enumerate(self.classes_)})
        return pd.DataFrame(columns, copy=False)

    # ---- public API -----------------------------------------------------------------------
    def partial_predict(self, chunk):
        """Add the next samples of the stream; label the frames they complete.

        Parameters
        ----------
        chunk : dict of str to tuple (timestamps, values)
            New samples of any subset of the modalities: ``timestamps`` of shape
            ``(n_samples,)`` in seconds on the reference clock (strictly increasing, also
            across chunks; irregular is fine; any origin, frame 0 being at the earliest
            first sample) and ``values`` of shape
            ``(n_samples, n_nodes, n_channels)`` or ``(n_samples, n_channels)``, NaN where a
            sensor is missing. Any number of samples, possibly none.

        Returns
        -------
        frames : pandas.DataFrame
            One row per newly completed frame, in order: ``frame`` (index from 0), ``time``
            (the frame's time on the stream's clock in seconds, ``start_time_ + frame /
            frame_rate``), ``label`` and ``proba_<class>`` for every class of ``classes_``.
        """
        if self._closed:
            raise ValueError("SegmentationStream: the stream is closed.")
        self._append(self._check_chunk(chunk))
        if self.start_time_ is None:  # a modality has not started: no frame can be final
            return self._table(np.empty((0, len(self.classes_))))
        fr = self.frame_rate
        started = list(self._buffers.values())
        limits = [
            _frames_before(
                b.completed_before(
                    self._aligner.max_gap_for(k), self._aligner.frame_window(k, b.period, fr)
                ),
                fr,
            )
            for k, b in self._buffers.items()
        ]
        # never past the recording's length so far (last sample plus a period, in frames)
        length = round(max(b.last_time + b.period for b in started) * fr)
        ready = min(length, *(n for n in limits if n is not None))
        with self._frames_fit_in_memory(ready, "partial_predict"):
            self._resample_until(ready)
            return self._emit(self._n_aligned - self._after)

    @contextlib.contextmanager
    def _frames_fit_in_memory(self, n_frames, caller):
        """Name the time jump behind a MemoryError (a stream labels every frame of a gap),
        and close the stream on any error while labelling: its buffered samples would fail
        the same way on every later call."""
        first = self._n_aligned
        try:
            yield
        except ValueError as exc:  # the pipeline refused buffered samples
            self._closed = True
            reraise_as(
                exc,
                f"SegmentationStream.{caller}: frames {first} to {n_frames} could not be "
                f"labelled, so this stream is closed (start a new one): {exc}",
            )
        except MemoryError as exc:
            self._closed = True  # the buffered samples would fail the same way on every call
            newest = max(self._last_stamp, key=self._last_stamp.get)
            raise MemoryError(
                f"SegmentationStream.{caller}: not enough memory to label frames {first} to "
                f"{n_frames} at once ({(n_frames - first) / self.frame_rate:.6g} s of the "
                f"timeline, up to the {newest!r} sample at {self._last_stamp[newest]!r} s): a "
                "stream labels every frame of a gap in its timestamps. Check them for a jump "
                "(a clock reset, or Unix times on a stream that began near 0); this stream is "
                f"closed, start a new one. ({exc})"
            ) from exc

    def close(self, n_frames=None):
        """End the stream and label its remaining frames.

        Parameters
        ----------
        n_frames : int, default=None
            Length of the recording in frames, if it is fixed (a Recording built with
            ``n_frames``). None counts as :class:`~stgraph_sklearn.data.Recording` does:
            ``round(max over modalities of (last sample + period - start_time_) *
            frame_rate)``.

        Returns
        -------
        frames : pandas.DataFrame
            The remaining frames, as :meth:`partial_predict` returns them.
        """
        if self._closed:
            raise ValueError("SegmentationStream: the stream is already closed.")
        missing = [k for k, b in self._buffers.items() if not np.isfinite(b.last_time)]
        if missing:
            raise ValueError(
                f"SegmentationStream.close: modalities {missing} never sent a sample, so the "
                "stream has no frames to label."
            )
        fr = self.frame_rate
        n_total = round(max(b.last_time + b.period for b in self._buffers.values()) * fr)
        if n_frames is not None:
            if (
                isinstance(n_frames, bool)
                or not isinstance(n_frames, numbers.Integral)
                or n_frames < self._n_aligned
            ):
                raise ValueError(
                    f"SegmentationStream.close: 'n_frames' must be an int >= {self._n_aligned} "
                    f"(the frames already resampled). Got {n_frames!r} instead."
                )
            n_total = int(n_frames)
        self._closed = True
        with self._frames_fit_in_memory(n_total, "close"):
            self._resample_until(n_total)
            head = self._emit(n_total)
        tail = self._table(self._frames.close())
        return pd.concat([head, tail], ignore_index=True)
