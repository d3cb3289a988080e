"""load_basic_motions_sequences: real smartwatch recordings concatenated into labelled sequences."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)

from ..data import Modality, Recording
from ..utils import check_not_bool

__all__ = ["load_basic_motions_sequences"]

_CALLER = "load_basic_motions_sequences"
_RATE = 10.0


def _check_segments(segments_per_sequence):
    value = segments_per_sequence
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    msg = (
        f"The 'segments_per_sequence' parameter of {_CALLER} must be an int >= 1 or a pair "
        f"(low, high) of ints with 1 <= low <= high. Got {segments_per_sequence!r} instead."
    )
    if (
        not isinstance(value, tuple | list)
        or len(value) != 2
        or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidParameterError(msg)
    low, high = value
    if not 1 <= low <= high:
        raise InvalidParameterError(msg)
    return int(low), int(high)


def _draw_sequence(rng, labels, n_segments):
    """Instance indices: no class twice in a row, no instance twice while others remain."""
    chosen = []
    for _ in range(n_segments):
        allowed = np.ones(len(labels), dtype=bool)
        if chosen:
            allowed &= labels != labels[chosen[-1]]
        fresh = allowed.copy()
        fresh[chosen] = False
        pool = np.flatnonzero(fresh if fresh.any() else allowed)
        chosen.append(int(pool[rng.randint(len(pool))]))
    return chosen


@validate_params(
    {
        "subset": [StrOptions({"train", "test"})],
        "n_sequences": [Interval(numbers.Integral, 1, None, closed="left")],
        "segments_per_sequence": [Interval(numbers.Integral, 1, None, closed="left"), tuple, list],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_basic_motions_sequences(
    subset="train", *, n_sequences=20, segments_per_sequence=(4, 8), random_state=None
):
    """Real smartwatch accelerometer + gyroscope data, concatenated into labelled sequences.

    BasicMotions (bundled with sktime, no download) holds 80 ten-second recordings of a
    smartwatch worn while standing, walking, running or playing badminton, 40 in the
    official train split and 40 in the test split, sampled at 10 Hz with a 3-axis
    accelerometer and a 3-axis gyroscope. This function turns them into a segmentation
    task by concatenating whole recordings.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        The official split the instances are drawn from; the two never mix, so a model
        fitted on ``"train"`` sequences can be scored on ``"test"`` sequences without
        leakage.
    n_sequences : int, default=20
        Number of sequences to build.
    segments_per_sequence : int or tuple of (int, int), default=(4, 8)
        Number of instances per sequence, drawn uniformly in ``[low, high]`` (an int fixes
        it).
    random_state : int, RandomState instance or None, default=None
        Seed of the recipe.

    Returns
    -------
    X : list of Recording of length n_sequences
        Each with ``frame_rate=10``, ``n_frames = 100 * n_segments``, ``name``
        ``"basicmotions-<subset>-<k>"`` and one modality ``"smartwatch"``: values of shape
        (n_frames, 2, 3), nodes ``("accelerometer", "gyroscope")``, channels x, y, z, at
        10 Hz on the frame clock.
    y : list of ndarray of str of shape (n_frames,)
        ``"standing"``, ``"walking"``, ``"running"`` or ``"badminton"`` per frame.

    Notes
    -----
    The recipe, for each sequence in turn, with one ``RandomState`` seeded by
    ``random_state``: draw the number of segments uniformly in ``[low, high]``; then draw
    each instance uniformly among the instances of ``subset`` whose class differs from the
    previous instance's class and that are not yet used in this sequence (if none is left,
    among all instances of another class). The instances' values (sktime's ``numpy3D``
    layout, variables ``dim_0``-``dim_2`` accelerometer x, y, z and ``dim_3``-``dim_5``
    gyroscope x, y, z) are transposed to time first and concatenated unchanged; labels
    repeat the instance's class over its 100 samples. The junctions are abrupt (the
    recordings were not contiguous) and the subjects are unknown (``subject=None``).

    References
    ----------
    .. [1] Bagnall, A. et al., "The UEA multivariate time series classification archive,
       2018", arXiv:1811.00075 (BasicMotions:
       http://www.timeseriesclassification.com/description.php?Dataset=BasicMotions).

    Examples
    --------
    >>> from stgraph_sklearn.datasets import load_basic_motions_sequences
    >>> X, y = load_basic_motions_sequences("train", n_sequences=2, random_state=0)
    >>> X[0].modalities["smartwatch"].values.shape[1:], X[0].frame_rate
    ((2, 3), 10.0)
    >>> len(y[0]) == X[0].n_frames
    True
    """
    check_not_bool(_CALLER, n_sequences=n_sequences)
    low, high = _check_segments(segments_per_sequence)
    rng = check_random_state(random_state)

    from sktime.datasets import load_basic_motions  # bundled data, no download

    data, labels = load_basic_motions(split=subset, return_X_y=True, return_type="numpy3D")
    data = np.transpose(np.asarray(data, dtype=np.float64), (0, 2, 1))  # (n, 100, 6)
    labels = np.asarray(labels).astype(str)

    X, y = [], []
    for k in range(n_sequences):
        n_segments = rng.randint(low, high + 1)
        chosen = _draw_sequence(rng, labels, n_segments)
        values = np.concatenate([data[i] for i in chosen]).reshape(-1, 2, 3)
        y.append(np.repeat(labels[chosen], data.shape[1]))
        watch = Modality(values, rate=_RATE, node_names=("accelerometer", "gyroscope"))
        X.append(
            Recording(
                {"smartwatch": watch},
                frame_rate=_RATE,
                n_frames=values.shape[0],
                name=f"basicmotions-{subset}-{k:03d}",
            )
        )
    return X, y
