"""Frame-wise and segmental scores of temporal action segmentation (exact definitions: METRICS.md).

The definitions follow the ``eval.py`` of MS-TCN (Abu Farha & Gall, CVPR 2019) so that numbers
compare with published tables; scores are fractions in [0, 1]. No torch here.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..data import check_background, check_label_pairs, segment_bounds

__all__ = ["edit_score", "f1_at_k_score", "frame_accuracy_score", "segmentation_report"]

_AVERAGE = [StrOptions({"micro", "macro"})]
# y_true / y_pred are data, validated by stgraph_sklearn.data.check_label_pairs (which names
# the sequence index); check_background checks the labels of background.
_LABELS = {"y_true": "no_validation", "y_pred": "no_validation"}
_BACKGROUND = [None, str, bytes, Real, "array-like"]
_REPORT_KS = (("f1@10", 0.10), ("f1@25", 0.25), ("f1@50", 0.50))


# ----------------------------------------------------------------------------- validation


def _encode_pair(t, p):
    """Integer codes of two label arrays over their joint label set, and the joint labels."""
    codes, uniques = pd.factorize(np.concatenate([t.astype(object), p.astype(object)]))
    return codes[: len(t)], codes[len(t) :], list(uniques)


def _segments_arrays(codes, background=None):
    """Segments of one sequence of label codes as ``(labels, starts, ends)``, background dropped.

    Two runs of ``a`` split by background stay two segments.
    """
    codes = np.asarray(codes)
    starts, ends = segment_bounds(codes)
    labels = codes[starts].tolist()
    if background:
        keep = np.fromiter((lab not in background for lab in labels), dtype=bool, count=len(labels))
        labels = [lab for lab, k in zip(labels, keep, strict=True) if k]
        starts, ends = starts[keep], ends[keep]
    return labels, starts, ends


def _encoded_segments(trues, preds, background, caller):
    """Per sequence: ``(true_segments, pred_segments)``, each ``(labels, starts, ends)``."""
    bg = check_background(background, labels=trues, caller=caller)
    out = []
    for t, p in zip(trues, preds, strict=True):
        ct, cp, uniques = _encode_pair(t, p)
        bg_codes = {c for c, lab in enumerate(uniques) if lab in bg} if bg else None
        out.append((_segments_arrays(ct, bg_codes), _segments_arrays(cp, bg_codes)))
    return out


# ----------------------------------------------------------------------------- kernels


def _levenshtein(a, b):
    """Levenshtein distance between two integer sequences (unit costs), numpy row DP."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.size > b.size:  # the distance is symmetric: loop over the shorter sequence
        a, b = b, a
    if a.size == 0:
        return int(b.size)
    offsets = np.arange(b.size + 1)
    prev = offsets.copy()
    cand = np.empty(b.size + 1, dtype=np.int64)
    for i, ai in enumerate(a.tolist(), start=1):
        cand[0] = i
        # substitution (or match) and deletion
        np.minimum(prev[:-1] + (b != ai), prev[1:] + 1, out=cand[1:])
        # insertion: cur[j] = min over l <= j of cand[l] + (j - l), a running minimum
        prev = np.minimum.accumulate(cand - offsets) + offsets
    return int(prev[-1])


def _edit_one(true_labels, pred_labels):
    n = max(len(true_labels), len(pred_labels))
    if n == 0:
        return 1.0
    return 1.0 - _levenshtein(pred_labels, true_labels) / n


def _n_correct(t, p):
    return int(np.count_nonzero(np.asarray(t == p, dtype=bool)))


_MAX_IOU_CELLS = 1 << 22  # bounds the memory of the IoU matrix (in chunks of predictions)


def _best_matches(true_seg, pred_seg):
    """For each predicted segment: index and IoU of its best true segment of the same label.

    IoU is 0 against segments of other labels; ties go to the first true segment. This does
    not depend on the threshold ``k``, so the F1 of several thresholds shares it.
    """
    t_lab, t_start, t_end = true_seg
    p_lab, p_start, p_end = pred_seg
    t_lab, p_lab = np.asarray(t_lab), np.asarray(p_lab)
    n_pred = len(p_lab)
    best = np.zeros(n_pred, dtype=np.int64)
    best_iou = np.zeros(n_pred)
    if len(t_lab) == 0:
        return best, best_iou
    step = max(1, _MAX_IOU_CELLS // len(t_lab))
    for lo in range(0, n_pred, step):
        ps, pe = p_start[lo : lo + step, None], p_end[lo : lo + step, None]
        inter = np.minimum(pe, t_end) - np.maximum(ps, t_start)
        union = np.maximum(pe, t_end) - np.minimum(ps, t_start)
        same = p_lab[lo : lo + step, None] == t_lab
        iou = np.where(same, np.clip(inter, 0, None) / union, 0.0)
        best[lo : lo + step] = iou.argmax(axis=1)
        best_iou[lo : lo + step] = iou[np.arange(iou.shape[0]), best[lo : lo + step]]
    return best, best_iou


def _f1_counts(matches, n_true, k):
    """(tp, fp, fn) of one sequence at IoU threshold ``k`` (MS-TCN's greedy matching)."""
    best, best_iou = matches
    hit = best_iou >= k
    # in temporal order, the first prediction that reaches a true segment matches it and
    # later ones are false positives (no fall-back to their second-best true segment)
    tp = int(np.unique(best[hit]).size)
    return tp, len(best) - tp, n_true - tp


def _f1(tp, fp, fn):
    denom = 2 * tp + fp + fn
    return 1.0 if denom == 0 else 2.0 * tp / denom


def _f1_from_matches(matches, k, average):
    """F1 at threshold ``k`` from per-sequence ``(best, best_iou, n_true)``."""
    counts = np.array([_f1_counts((b, iou), n_true, k) for b, iou, n_true in matches])
    if average == "micro":
        return float(_f1(*counts.sum(axis=0)))
    return float(np.mean([_f1(*c) for c in counts]))


def _all_matches(segs):
    return [(*_best_matches(ts, ps), len(ts[0])) for ts, ps in segs]


# ----------------------------------------------------------------------------- public


@validate_params(
    {**_LABELS, "average": _AVERAGE},
    prefer_skip_nested_validation=True,
)
def frame_accuracy_score(y_true, y_pred, *, average="micro"):
    """Fraction of correctly labelled frames.

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels of one sequence or of several (one per recording). A 2-D array is a list
        of equal-length sequences.
    y_pred : same structure as ``y_true``
        Predicted labels, one per frame.
    average : {"micro", "macro"}, default="micro"
        ``"micro"`` pools the frames of all sequences; ``"macro"`` is the mean of the
        per-sequence accuracies. Background frames always count.

    Returns
    -------
    score : float
        Accuracy in [0, 1].

    See Also
    --------
    edit_score, f1_at_k_score, segmentation_report

    Examples
    --------
    >>> from stgraph_sklearn.metrics import frame_accuracy_score
    >>> frame_accuracy_score([0, 0, 0, 1, 1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 2, 2, 0])
    0.8
    """
    trues, preds = check_label_pairs(y_true, y_pred, caller="frame_accuracy_score")
    correct = np.array([_n_correct(t, p) for t, p in zip(trues, preds, strict=True)])
    lengths = np.array([len(t) for t in trues])
    if average == "micro":
        return float(correct.sum() / lengths.sum())
    return float(np.mean(correct / lengths))


@validate_params(
    {**_LABELS, "background": _BACKGROUND},
    prefer_skip_nested_validation=True,
)
def edit_score(y_true, y_pred, *, background=None):
    """Segmental edit score: ``1 - Levenshtein / max(n_segments)``, mean over sequences.

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels of one sequence or of several (one per recording).
    y_pred : same structure as ``y_true``
        Predicted labels, one per frame.
    background : None, label or collection of labels, default=None
        Labels whose segments are dropped before comparing (a single string is one label).

    Returns
    -------
    score : float
        Edit score in [0, 1]; 1.0 for a sequence whose true and predicted segment lists are
        both empty, 0.0 when only one of them is.

    See Also
    --------
    frame_accuracy_score, f1_at_k_score

    Notes
    -----
    The Levenshtein distance counts unit-cost insertions, deletions and substitutions between
    the label lists of the predicted and true segments. MS-TCN reports this ×100.

    Examples
    --------
    >>> from stgraph_sklearn.metrics import edit_score
    >>> edit_score([0, 0, 0, 1, 1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 2, 2, 0])
    0.75
    """
    trues, preds = check_label_pairs(y_true, y_pred, caller="edit_score")
    segs = _encoded_segments(trues, preds, background, "edit_score")
    return float(np.mean([_edit_one(ts[0], ps[0]) for ts, ps in segs]))


@validate_params(
    {
        **_LABELS,
        "k": [Interval(Real, 0, 1, closed="right")],
        "background": _BACKGROUND,
        "average": _AVERAGE,
    },
    prefer_skip_nested_validation=True,
)
def f1_at_k_score(y_true, y_pred, *, k=0.5, background=None, average="micro"):
    """Segmental F1 score at IoU threshold ``k`` (F1@k).

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels of one sequence or of several (one per recording).
    y_pred : same structure as ``y_true``
        Predicted labels, one per frame.
    k : float, default=0.5
        IoU threshold in (0, 1]; tables report k = 0.10, 0.25 and 0.50.
    background : None, label or collection of labels, default=None
        Labels whose segments are dropped before matching.
    average : {"micro", "macro"}, default="micro"
        ``"micro"`` sums true positives, false positives and false negatives over sequences
        (MS-TCN); ``"macro"`` is the mean of per-sequence F1 (Lea et al.).

    Returns
    -------
    score : float
        F1 in [0, 1]; 1.0 when there are no segments at all.

    See Also
    --------
    edit_score, segmentation_report

    Notes
    -----
    Each predicted segment, in temporal order, is matched to the true segment of the same
    label with the highest IoU (the first on ties). It is a true positive if that IoU is at
    least ``k`` and the true segment is not matched yet, otherwise a false positive. Unmatched
    true segments are false negatives.

    Examples
    --------
    >>> from stgraph_sklearn.metrics import f1_at_k_score
    >>> y_true = ["bg", "cut", "cut", "cut", "bg", "mix", "mix", "mix"]
    >>> y_pred = ["bg", "cut", "cut", "bg", "bg", "mix", "mix", "mix"]
    >>> f1_at_k_score(y_true, y_pred, k=0.5, background={"bg"})
    1.0
    """
    k = float(k)
    trues, preds = check_label_pairs(y_true, y_pred, caller="f1_at_k_score")
    return _f1_from_matches(
        _all_matches(_encoded_segments(trues, preds, background, "f1_at_k_score")), k, average
    )


@validate_params(
    {**_LABELS, "background": _BACKGROUND, "output_dict": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def segmentation_report(y_true, y_pred, *, background=None, output_dict=False):
    """The five scores of segmentation tables: accuracy, edit, F1@{10, 25, 50}.

    Parameters
    ----------
    y_true : array-like of shape (n_frames,) or list of array-like of shape (n_frames_i,)
        True labels of one sequence or of several (one per recording).
    y_pred : same structure as ``y_true``
        Predicted labels, one per frame.
    background : None, label or collection of labels, default=None
        Labels excluded from segments (edit and F1; accuracy counts every frame).
    output_dict : bool, default=False
        Return a dict instead of a DataFrame.

    Returns
    -------
    report : pandas.DataFrame of shape (1, 5) or dict
        Columns (or keys) ``accuracy``, ``edit``, ``f1@10``, ``f1@25``, ``f1@50``, each a
        fraction in [0, 1] with the default (micro) averaging of each score.

    See Also
    --------
    frame_accuracy_score, edit_score, f1_at_k_score

    Examples
    --------
    >>> from stgraph_sklearn.metrics import segmentation_report
    >>> segmentation_report([0, 0, 0, 1, 1, 1, 1, 2, 2, 2], [0, 0, 1, 1, 1, 1, 1, 2, 2, 0]).round(3)
       accuracy  edit  f1@10  f1@25  f1@50
    0       0.8  0.75  0.857  0.857  0.857
    """
    trues, preds = check_label_pairs(y_true, y_pred, caller="segmentation_report")
    segs = _encoded_segments(trues, preds, background, "segmentation_report")
    correct = sum(_n_correct(t, p) for t, p in zip(trues, preds, strict=True))
    report = {
        "accuracy": correct / sum(len(t) for t in trues),
        "edit": float(np.mean([_edit_one(ts[0], ps[0]) for ts, ps in segs])),
    }
    matches = _all_matches(segs)
    for name, k in _REPORT_KS:
        report[name] = _f1_from_matches(matches, k, "micro")
    if output_dict:
        return report
    return pd.DataFrame([report])
