"""FrameStream: a causal neural segmenter applied to a live stream of frames."""

from __future__ import annotations

import numpy as np

from ..nn import TemporalStreamer, receptive_field
from ._base import as_graph_sequences
from ._batching import append_empty_frames, sequence_tensors

__all__ = ["FrameLocalStream", "FrameStream"]


class _SegmenterStream:
    """What the frame streams share: their counters, the closed state and the chunk checks."""

    def __init__(self, segmenter):
        self.segmenter = segmenter
        self.n_frames_in_ = 0
        self.n_frames_out_ = 0
        self._closed = False

    def _sequence(self, X):
        """The chunk as a GraphSequence checked against the fitted layout; None if empty."""
        if self._closed:
            raise ValueError(
                f"{type(self).__name__}: the stream is closed; start a new one with stream()."
            )
        if getattr(X, "n_frames", None) == 0 or (isinstance(X, np.ndarray) and len(X) == 0):
            return None
        (seq,) = as_graph_sequences([X], caller=f"{type(self.segmenter).__name__}.stream")
        return self.segmenter._check_X([seq], reset=False)[0]

    def _close(self):
        if self._closed:
            raise ValueError(f"{type(self).__name__}: the stream is already closed.")
        self._closed = True


class FrameStream(_SegmenterStream):
    """Frame probabilities of a causal segmenter, chunk by chunk (from ``segmenter.stream()``).

    Each chunk of frames goes once through the network; every causal layer keeps its last
    ``2 * dilation`` inputs (:class:`~stgraph_sklearn.nn.TemporalStreamer`), so memory is
    bounded by the receptive field and the probabilities are those of ``predict_proba`` on
    the whole stream. With ``lookahead = k`` a frame's probabilities come ``k`` frames
    later; :meth:`close` gives the last ``k``.

    Parameters
    ----------
    segmenter : NeuralSegmenter
        A fitted segmenter with ``lookahead`` not None and ``temporal_stride=1``.

    Attributes
    ----------
    receptive_field_ : int
        Frames of input (up to the decision frame ``t + lookahead``) one output depends on.
    n_frames_in_ : int
        Frames received so far.
    n_frames_out_ : int
        Frames whose probabilities have been returned.
    """

    def __init__(self, segmenter):
        super().__init__(segmenter)
        segmenter._move_to_inference_device()
        module = segmenter.net_.module_.eval()
        self._streamer = TemporalStreamer(module)
        self.receptive_field_ = receptive_field(module)
        self._n_run = 0  # frames through the network, the appended empty ones included

    def __getstate__(self):
        # The streamer refers to the network: pickled by plain pickle it would be a second
        # copy, which from a GPU run only a machine with CUDA loads. Pickle its context on
        # the CPU, and give it back to a streamer of the segmenter's network when loaded.
        state = dict(self.__dict__)
        state["_streamer"] = self._streamer._context("cpu")
        return state

    def __setstate__(self, state):
        context = state.pop("_streamer")
        self.__dict__.update(state)
        self._streamer = TemporalStreamer(self.segmenter.net_.module_.eval())
        self._streamer._states = context

    def _run(self, x, mask):
        if mask.shape[0] == 0:
            return np.empty((0, len(self.segmenter.classes_)), dtype=np.float32)
        # predict may have moved the network, or the stream was unpickled on the CPU
        self._streamer.to(next(self._streamer.module.parameters()).device)
        proba = self.segmenter._infer_proba(x, mask, forward=self._streamer.step)
        skip = max(0, min(self.segmenter.lookahead - self._n_run, proba.shape[0]))
        self._n_run += mask.shape[0]
        return proba[skip:]

    def partial_predict_proba(self, X):
        """Probabilities of the frames completed by the next frames of the stream.

        Parameters
        ----------
        X : GraphSequence, aligned Recording or ndarray of shape (n_frames, n_nodes, n_channels)
            The next frames (any number, possibly none), in the layout seen in fit.

        Returns
        -------
        proba : ndarray of shape (n_completed, n_classes)
            For the ``n_completed`` frames after the ``n_frames_out_`` already returned.
        """
        seq = self._sequence(X)
        if seq is None:
            return self._run({}, np.zeros((0, 0), dtype=bool))
        x, mask = sequence_tensors(seq)
        self.n_frames_in_ += mask.shape[0]
        proba = self._run(x, mask)
        self.n_frames_out_ += proba.shape[0]
        return proba

    def close(self):
        """End the stream: the probabilities of its last ``lookahead`` frames.

        They are computed as ``predict_proba`` computes them, with ``lookahead`` frames
        without any sensor after the end.

        Returns
        -------
        proba : ndarray of shape (n_remaining, n_classes)
        """
        self._close()
        k = self.segmenter.lookahead
        layout = self.segmenter.modalities_
        x = {m: np.zeros((0, n, f), dtype=np.float32) for m, (n, f) in layout.items()}
        n_nodes = sum(n for n, _ in layout.values())
        x, mask = append_empty_frames(x, np.zeros((0, n_nodes), dtype=bool), k)
        proba = self._run(x, mask)[: self.n_frames_in_ - self.n_frames_out_]
        self.n_frames_out_ += proba.shape[0]
        return proba


class FrameLocalStream(_SegmenterStream):
    """Frame probabilities of a segmenter whose frames are independent, chunk by chunk.

    For segmenters that label every frame from that frame's features alone (from
    ``FrameClassifierSegmenter.stream()`` without smoothing): each chunk's probabilities are
    ``predict_proba`` of those frames, and nothing is kept between chunks.

    Parameters
    ----------
    segmenter : BaseSegmenter
        A fitted segmenter whose ``predict_proba`` of a frame depends on that frame only.

    Attributes
    ----------
    receptive_field_ : int
        1: a decision depends on its own frame only.
    n_frames_in_ : int
        Frames received so far.
    n_frames_out_ : int
        Frames whose probabilities have been returned (all received ones).
    """

    receptive_field_ = 1

    def partial_predict_proba(self, X):
        """Probabilities of the next frames of the stream.

        Parameters
        ----------
        X : GraphSequence, aligned Recording or ndarray of shape (n_frames, n_nodes, n_channels)
            The next frames (any number, possibly none), in the layout seen in fit.

        Returns
        -------
        proba : ndarray of shape (n_frames, n_classes)
        """
        seq = self._sequence(X)
        if seq is None:
            return np.empty((0, len(self.segmenter.classes_)), dtype=np.float32)
        proba = self.segmenter._predict_proba_one(seq)
        self.n_frames_in_ += proba.shape[0]
        self.n_frames_out_ += proba.shape[0]
        return proba

    def close(self):
        """End the stream; every frame has been labelled already.

        Returns
        -------
        proba : ndarray of shape (0, n_classes)
        """
        self._close()
        return np.empty((0, len(self.segmenter.classes_)), dtype=np.float32)
