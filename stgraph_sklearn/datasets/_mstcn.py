"""load_mstcn_features: the MS-TCN data bundle (precomputed video features and frame labels)."""

from __future__ import annotations

import os
import re
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..data import Modality, Recording
from ..exceptions import StgraphWarning, warn
from ..utils import check_not_bool
from ._files import data_root, format_error, load_npy, read_lines, require_file
from ._vocabulary import subject_from_trial

__all__ = ["load_mstcn_features"]

_CALLER = "load_mstcn_features"
_PERSON_RE = re.compile(r"^([SP]\d+)_")


def _subject(name):
    """50 Salads ``rgb-SS-R`` -> int SS; GTEA ``S1_...`` / Breakfast ``P03_...`` -> "S1"/"P03"."""
    subject = subject_from_trial(name)
    if subject is not None:
        return subject
    match = _PERSON_RE.match(name)
    return match.group(1) if match else None


def _read_mapping(path):
    names = {}
    for number, line in read_lines(path):
        fields = line.split()
        if len(fields) != 2:
            raise format_error(path, number, "expected '<id> <name>'.", line)
        try:
            index = int(fields[0])
        except ValueError:
            raise format_error(path, number, "the class id must be an integer.", line) from None
        if fields[1] in names:
            raise format_error(path, number, f"class {fields[1]!r} is listed twice.", line)
        names[fields[1]] = index
    if not names:
        raise format_error(path, None, "no class is listed.")
    return names


def _read_ground_truth(path, classes):
    lines = [line for _, line in read_lines(path, skip_blank=False)]
    while lines and not lines[-1]:
        lines.pop()
    if not lines:
        raise format_error(path, None, "no frame label.")
    for number, label in enumerate(lines, start=1):
        if label not in classes:
            raise format_error(path, number, "label not listed in mapping.txt.", label)
    return lines


@validate_params(
    {
        "root": [str, os.PathLike],
        "split": [Interval(Integral, 1, None, closed="left")],
        "subset": [StrOptions({"train", "test"})],
        "sample_rate": [Interval(Integral, 1, None, closed="left")],
        "frame_rate": [Interval(Real, 0, None, closed="neither")],
        "labels": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mstcn_features(
    root, *, split=1, subset="train", sample_rate=1, frame_rate=30.0, labels=True
):
    """Load a data set in the MS-TCN bundle layout: per-video features and frame labels.

    The bundle distributed with MS-TCN [1]_ (50 Salads, GTEA, Breakfast with I3D features)
    is read as is; nothing is downloaded.

    Parameters
    ----------
    root : str or path-like
        The data set folder, holding ``features/<name>.npy`` (shape ``(D, T)``),
        ``groundTruth/<name>.txt`` (one label per line), ``splits/<subset>.split<k>.bundle``
        (one ``<name>.txt`` per line) and ``mapping.txt`` (``"<id> <name>"`` per line).
    split : int, default=1
        Cross-validation split ``k`` (1 to 5 for 50 Salads, 1 to 4 for GTEA and Breakfast).
    subset : {"train", "test"}, default="train"
        Which list of the split to read.
    sample_rate : int, default=1
        Keep every ``sample_rate``-th frame (features and labels), as MS-TCN does (it uses 2
        for 50 Salads). The frame rate becomes ``frame_rate / sample_rate``.
    frame_rate : float, default=30.0
        Frame rate of the features before subsampling (30 for 50 Salads; 15 for GTEA and
        Breakfast).
    labels : bool, default=True
        Read the frame labels. With False, neither ``groundTruth/`` nor ``mapping.txt`` is
        read (features to be labelled need neither), every feature frame is kept and ``y``
        is None.

    Returns
    -------
    X : list of Recording
        In bundle order, with ``frame_rate = frame_rate / sample_rate``, ``name`` = the
        video name (without ``.txt``), ``subject`` where the name tells it
        (``rgb-SS-R`` -> int SS, ``S1_...`` / ``P03_...`` -> ``"S1"`` / ``"P03"``, else
        None) and one modality ``"video"``: values of shape (n_frames, 1, D) (one node) at the frame rate
        (lazy: a :class:`~stgraph_sklearn.data.LazyValues` that reads the .npy file on each
        access, so a data set larger than memory flows through a pipeline one recording at a
        time; ``np.asarray(values)`` reads it).
    y : list of ndarray of str of shape (n_frames,) or None
        Class names per frame; None if ``labels`` is False.

    Raises
    ------
    FileNotFoundError
        If a needed file is missing (the message names it).
    DataFormatError
        If a file is malformed (the message names the file and line), e.g. a label that
        ``mapping.txt`` does not list.

    Notes
    -----
    Where a video's feature and label counts differ, both are cut to the shorter, as MS-TCN
    does (with ``labels=False`` nothing is cut).

    References
    ----------
    .. [1] Farha, Y. A. and Gall, J., "MS-TCN: Multi-stage temporal convolutional network
       for action segmentation", CVPR 2019.

    Examples
    --------
    >>> from stgraph_sklearn.datasets import load_mstcn_features
    >>> X, y = load_mstcn_features("data/50salads", split=1, sample_rate=2)  # doctest: +SKIP
    >>> X[0].frame_rate  # doctest: +SKIP
    15.0
    """
    check_not_bool(_CALLER, split=split, sample_rate=sample_rate, frame_rate=frame_rate)
    split, sample_rate, frame_rate = int(split), int(sample_rate), float(frame_rate)
    root = data_root(root, "load_mstcn_features", "features")
    if labels:
        classes = _read_mapping(require_file(root / "mapping.txt", "MS-TCN class mapping"))
    bundle = require_file(root / "splits" / f"{subset}.split{split}.bundle", "MS-TCN split bundle")
    rate = frame_rate / sample_rate
    X, y = [], []
    for _, entry in read_lines(bundle):
        name = entry[:-4] if entry.endswith(".txt") else entry
        features = load_npy(root / "features" / f"{name}.npy", "MS-TCN features")
        if not labels:
            frames = None
            n = features.shape[1]
        else:
            frames = _read_ground_truth(
                require_file(root / "groundTruth" / f"{name}.txt", "MS-TCN ground truth"),
                classes,
            )
            n = min(features.shape[1], len(frames))
        if frames is not None and abs(features.shape[1] - len(frames)) > max(5, 0.01 * len(frames)):
            # MS-TCN's bundles differ by a frame or two; more is a transposed or wrong file
            warn(
                f"load_mstcn_features: {root / 'features' / f'{name}.npy'} has "
                f"{features.shape[1]} frames but its ground truth {len(frames)} labels; both "
                f"are cut to {n}. Features are stored (n_features, n_frames): was the array "
                "saved transposed?",
                StgraphWarning,
            )
        values = features.T[:n:sample_rate]
        X.append(
            Recording(
                {"video": Modality(values, rate=rate)},
                rate,
                n_frames=values.shape[0],
                name=name,
                subject=_subject(name),
            )
        )
        if frames is not None:
            y.append(np.asarray(frames[:n:sample_rate]))
    if not X:
        raise format_error(bundle, None, "lists no video.")
    return X, (y if labels else None)
