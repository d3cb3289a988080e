"""Parameter checks with scikit-learn style messages, shared by the dataset functions."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_int", "check_real"]


def check_int(value, name, caller, low, high=None, high_name=None):
    """Return ``value`` as int if it is an integer in ``[low, high]``, else raise.

    Raises TypeError for non-integers (bools included) and ValueError out of range.
    """
    upper = "inf)" if high is None else f"{high_name or high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"The '{name}' parameter of {caller} must be an int in the range [{low}, {upper}. "
            f"Got {value!r} instead."
        )
    if value < low or (high is not None and value > high):
        raise ValueError(
            f"The '{name}' parameter of {caller} must be an int in the range [{low}, {upper}. "
            f"Got {value!r} instead."
        )
    return int(value)


def check_real(value, name, caller, low, high=None, low_open=False):
    """Return ``value`` as float if it is a finite real in the range, else raise."""
    lower = f"({low}" if low_open else f"[{low}"
    upper = "inf)" if high is None else f"{high}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"The '{name}' parameter of {caller} must be a float in the range {lower}, {upper}. "
            f"Got {value!r} instead."
        )
    value = float(value)
    bad = (
        not np.isfinite(value)
        or (value <= low if low_open else value < low)
        or (high is not None and value > high)
    )
    if bad:
        raise ValueError(
            f"The '{name}' parameter of {caller} must be a float in the range {lower}, {upper}. "
            f"Got {value!r} instead."
        )
    return value
