"""The public segmenter API shared by every estimator: input checks, label encoding, outputs.

Subclasses implement ``_fit(sequences, targets)`` and ``_predict_proba_one(sequence)``
(sktime's pattern: the public methods check and convert, the private ones compute).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ..data import (
    as_graph_sequences,
    check_label_sequence,
    check_labels,
    check_layouts,
    default_node_names,
    label_kind,
    labels_to_segments,
    names_conflict,
)
from ..exceptions import MissingSensorWarning, StgraphWarning, warn
from ..metrics import frame_accuracy_score
from ..utils import check_numeric_params, unchanged_on_error

__all__ = ["BaseSegmenter"]


class BaseSegmenter(ClassifierMixin, BaseEstimator):
    """Base class of all segmenters: frame-wise classifiers of lists of recordings.

    Not meant to be used directly. ``fit`` validates inputs and encodes labels, subclasses
    learn in ``_fit``; ``predict``, ``predict_proba``, ``predict_segments`` and ``score``
    are shared.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        return tags

    # ---- input handling -------------------------------------------------------------------
    def _check_X(self, X, *, reset):
        name = type(self).__name__
        seqs = as_graph_sequences(X, caller=name)
        layouts = [s.feature_shapes for s in seqs]
        ref = layouts[0] if reset else self.modalities_
        try:
            check_layouts(
                layouts,
                ref,
                caller=name,
                reference="X[0]" if reset else "the recordings seen in fit",
                what="features",
            )
        except ValueError as exc:
            if not (isinstance(X, np.ndarray) and X.ndim == 3):
                raise
            raise ValueError(
                f"{exc} X is one 3-D array of shape {X.shape}, read as an sktime panel "
                "(n_instances, n_variables, n_timepoints); for one recording of shape "
                "(n_frames, n_nodes, n_channels) pass [x]."
            ) from None
        if reset:
            self.modalities_ = dict(ref)
            self.node_names_ = seqs[0].node_names
        else:
            self._check_node_names(seqs)
        return seqs

    def _check_node_names(self, seqs):
        """Raise if a recording names its nodes otherwise than the recordings seen in fit
        (by :func:`~stgraph_sklearn.data.names_conflict`, modality by modality, as the
        transformers compare them): the same count of nodes in another order would be read
        as the nodes seen in fit."""
        expected = tuple(getattr(self, "node_names_", ()))
        if not expected:
            return
        blocks, start = {}, 0
        for key, (n_nodes, _) in self.modalities_.items():
            blocks[key] = slice(start, start + n_nodes)
            start += n_nodes
        default = default_node_names(self.modalities_)
        for i, seq in enumerate(seqs):
            names = seq.node_names
            for key, sl in blocks.items():
                if names_conflict(names[sl], expected[sl], default[sl]):
                    raise ValueError(
                        f"{type(self).__name__}: X[{i}] modality {key!r} has node names "
                        f"{list(names[sl])}; expected {list(expected[sl])} (same names, same "
                        "order) as in the recordings seen in fit."
                    )

    def _encode_labels(self, y, seqs, *, reset, classes=None):
        name = type(self).__name__
        ys = check_labels(y, seqs, caller=name)
        if classes is not None:  # the rule every label obeys, as labels in y do
            classes = np.unique(check_label_sequence(classes, name="classes", caller=name))
        if not reset and classes is not None and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"{name}.partial_fit: classes={classes.tolist()[:10]} differs from the classes "
                f"the model was first fitted with, {self.classes_.tolist()[:10]}. Pass the same "
                "classes (or none) on later calls, or fit a new model."
            )
        if reset:
            self.classes_ = np.unique(np.concatenate(ys)) if classes is None else classes
            if self.classes_.shape[0] < 2:
                raise ValueError(
                    f"{name} needs labels of at least 2 classes to learn a segmentation. "
                    f"Got only {self.classes_.tolist()}."
                )
        self._check_label_kind(ys)
        out = []
        for i, yi in enumerate(ys):
            idx = np.searchsorted(self.classes_, yi)
            idx_clip = np.minimum(idx, len(self.classes_) - 1)
            unknown = self.classes_[idx_clip] != yi
            if unknown.any():
                raise ValueError(
                    f"{name}: y[{i}] contains labels not in classes_: "
                    f"{np.unique(yi[unknown]).tolist()[:10]}."
                )
            out.append(idx_clip.astype(np.int64))
        return out

    def _check_label_kind(self, ys):
        """Raise if a label sequence is of another :func:`label_kind` than ``classes_`` (string
        labels for numeric classes, or the reverse): its labels could match no class."""
        fitted = label_kind(self.classes_)
        for i, yi in enumerate(ys):
            if label_kind(yi) != fitted:
                raise TypeError(
                    f"{type(self).__name__}: y[{i}] has {label_kind(yi)} labels but the classes "
                    f"seen in fit are {fitted} ({self.classes_.tolist()[:10]})."
                )

    # ---- public API ------------------------------------------------------------------------
    def fit(self, X, y):
        """Fit the segmenter on a list of recordings.

        Parameters
        ----------
        X : list of GraphSequence, aligned Recording, or ndarray of shape \
                (n_frames_i, n_nodes, n_channels)
            The training recordings (see :class:`~stgraph_sklearn.data.GraphSequence`).
        y : list of array-like of shape (n_frames_i,)
            One label (int or str) per frame of each recording.

        Returns
        -------
        self : object
            The fitted segmenter.
        """
        self._validate_params()
        with unchanged_on_error(self):
            seqs = self._check_X(X, reset=True)
            targets = self._encode_labels(y, seqs, reset=True)
            self._fit(seqs, targets)
        return self

    def _validate_params(self):
        """scikit-learn's parameter validation, and no ``True``/``False`` for a number.

        scikit-learn's ``Interval`` accepts bools (``isinstance(True, Integral)``), which
        then reach torch or numpy as numbers (``lookahead=True`` failed inside numpy).
        """
        super()._validate_params()
        check_numeric_params(self)

    def predict_proba(self, X):
        """Class probabilities of every frame.

        Parameters
        ----------
        X : list of GraphSequence, aligned Recording, or ndarray of shape \
                (n_frames_i, n_nodes, n_channels)

        Returns
        -------
        proba : list of ndarray of shape (n_frames_i, n_classes)
            Columns follow ``classes_``.
        """
        return self._predict_probas(X)[1]

    def _predict_probas(self, X):
        """``(sequences, probabilities)`` of the recordings of ``X``, checked.

        Each recording is computed once and one at a time (a lazy one is loaded here, so
        its mask and its frames come from the same computation), and one
        MissingSensorWarning names the frames at which no sensor at all is present (a
        recording without data, modalities that do not overlap in time): they are labelled
        from their context or the model's bias alone, which the probabilities do not show.
        """
        check_is_fitted(self)
        seqs = self._check_X(X, reset=False)
        probas, empty = [], {}
        for i, seq in enumerate(seqs):
            loaded = seq.load()
            n = int((~loaded.node_mask.any(axis=1)).sum())
            if n:
                name = getattr(seq, "name", None)
                empty[f"X[{i}]" + ("" if name is None else f" {name!r}")] = (n, seq.n_frames)
            probas.append(self._predict_proba_one(loaded))
        if empty:
            shown = ", ".join(f"{k}: {n} of {t}" for k, (n, t) in list(empty.items())[:5])
            more = f" and {len(empty) - 5} more recordings" if len(empty) > 5 else ""
            warn(
                f"{type(self).__name__}: some frames have no sensor present at all ({shown}"
                f"{more} frames); their labels come from the surrounding frames or the model "
                "alone, not from data, and are unreliable however confident.",
                MissingSensorWarning,
            )
        return seqs, probas

    def predict(self, X):
        """Label every frame of every recording.

        Parameters
        ----------
        X : list of GraphSequence, aligned Recording, or ndarray of shape \
                (n_frames_i, n_nodes, n_channels)

        Returns
        -------
        y_pred : list of ndarray of shape (n_frames_i,)
            Labels of the same type as the training labels.
        """
        return [self.classes_[p.argmax(axis=1)] for p in self.predict_proba(X)]

    def predict_segments(self, X):
        """Predicted segments of every recording as one table.

        Parameters
        ----------
        X : list of GraphSequence, aligned Recording, or ndarray of shape \
                (n_frames_i, n_nodes, n_channels)

        Returns
        -------
        segments : pandas.DataFrame
            Columns ``recording`` (index in X), ``name`` (the recording's name, None if it has
            none), ``start``, ``end`` (frames, end exclusive), ``start_s``, ``end_s`` (seconds
            on the reference timeline; NaN if the frame rate is unknown), ``label`` and
            ``confidence`` (mean probability of the label over the segment).
        """
        seqs, probas = self._predict_probas(X)
        frames = []
        for i, (seq, proba) in enumerate(zip(seqs, probas, strict=True)):
            idx = proba.argmax(axis=1)
            seg = labels_to_segments(idx)
            conf = [
                float(proba[s:e, c].mean())
                for s, e, c in seg[["start", "end", "label"]].itertuples(index=False)
            ]
            rate = getattr(seq, "frame_rate", None) or np.nan
            seg = seg.assign(label=self.classes_[seg["label"].to_numpy(dtype=int)], confidence=conf)
            seg.insert(0, "recording", i)
            seg.insert(1, "name", seq.name)
            seg.insert(4, "start_s", seg["start"].to_numpy() / rate)
            seg.insert(5, "end_s", seg["end"].to_numpy() / rate)
            frames.append(seg)
        return pd.concat(frames, ignore_index=True)

    def score(self, X, y):
        """Frame accuracy pooled over all frames of all recordings.

        Labels never seen in fit count as errors (with a :class:`~stgraph_sklearn.exceptions.StgraphWarning`); labels of
        another type than the classes seen in fit (strings where they were numbers, or the
        reverse) are a ``TypeError``.

        Parameters
        ----------
        X : list of recordings
        y : list of array-like of shape (n_frames_i,)

        Returns
        -------
        score : float
        """
        y_pred = self.predict(X)
        ys = check_labels(y, n_frames=[len(p) for p in y_pred], caller=type(self).__name__)
        self._check_label_kind(ys)
        unseen = np.setdiff1d(np.unique(np.concatenate(ys)), self.classes_)
        if unseen.size:
            warn(
                f"{type(self).__name__}.score: y contains labels not seen in fit "
                f"{unseen.tolist()[:10]}; their frames count as errors.",
                StgraphWarning,
            )
        return frame_accuracy_score(ys, y_pred)
