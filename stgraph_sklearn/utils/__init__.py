"""Helpers shared by the subpackages that are not specific to one of them.

``check_device`` validates a torch device (torch imported when called), ``seed_from``
turns a scikit-learn ``random_state`` into an int seed for torch, ``final_estimator``
returns the segmenter at the end of a pipeline (or the estimator itself),
``is_positive_number`` says whether a parameter is a finite number > 0,
``iso_datetimes`` reads ISO 8601 text as datetimes (the sensor tables and segment tables),
``check_seconds`` refuses times that cannot be seconds (Unix milliseconds) and
``check_not_bool`` refuses ``True``/``False`` for a numeric parameter (of an estimator:
``check_numeric_params``), ``largest_magnitude`` gives an array's largest absolute value
(NaN ignored) and ``unchanged_on_error`` puts an estimator back as it was when a ``fit``
raises.
"""

from __future__ import annotations

import contextlib
import math
import numbers

__all__ = [
    "check_device",
    "check_not_bool",
    "check_numeric_params",
    "check_seconds",
    "final_estimator",
    "is_positive_number",
    "iso_datetimes",
    "largest_magnitude",
    "seed_from",
    "unchanged_on_error",
]

# Seconds beyond this (Unix time after the year 5138) are another unit: Unix milliseconds
# (~1.7e12), microseconds or nanoseconds.
_LARGEST_SECONDS = 1e11


def check_not_bool(caller, **params):
    """Raise if a numeric parameter is ``True`` or ``False``.

    scikit-learn's ``Interval`` constraint accepts bools (``isinstance(True, Integral)``),
    so ``validate_params`` and ``_validate_params`` let ``frame_rate=True`` through as 1;
    the estimators and the data set functions refuse them with this rule.

    Parameters
    ----------
    caller : str
        The function or estimator named in the message.
    **params
        The numeric parameters to check, by name.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If one of ``params`` is a bool (a ``ValueError`` and ``TypeError``, as scikit-learn's
        parameter errors).

    Examples
    --------
    >>> from stgraph_sklearn.utils import check_not_bool
    >>> check_not_bool("load_uci_har", frame_rate=10.0)
    >>> check_not_bool("load_uci_har", frame_rate=True)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'frame_rate' parameter of load_uci_har must be a number, not a bool. Got True instead.
    """
    import numpy as np
    from sklearn.utils._param_validation import InvalidParameterError

    for name, value in params.items():
        if isinstance(value, bool | np.bool_):
            raise InvalidParameterError(
                f"The {name!r} parameter of {caller} must be a number, not a bool. "
                f"Got {value!r} instead."
            )


def check_numeric_params(estimator):
    """:func:`check_not_bool` on every numeric parameter of a scikit-learn estimator.

    A parameter is numeric if its ``_parameter_constraints`` hold an ``Interval`` and not
    ``"boolean"``; call it after ``_validate_params``.

    Parameters
    ----------
    estimator : BaseEstimator
        An estimator with ``_parameter_constraints``.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        If a numeric parameter is ``True`` or ``False``.

    Examples
    --------
    >>> from stgraph_sklearn.transformers import SensorGraphBuilder
    >>> from stgraph_sklearn.utils import check_numeric_params
    >>> check_numeric_params(SensorGraphBuilder(k=3))
    >>> check_numeric_params(SensorGraphBuilder(k=True))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'k' parameter of SensorGraphBuilder must be a number, not a bool. Got True instead.
    """
    from sklearn.utils._param_validation import Interval

    constraints = getattr(estimator, "_parameter_constraints", {})
    numeric = {
        name: value
        for name, value in estimator.get_params(deep=False).items()
        if any(isinstance(c, Interval) for c in constraints.get(name, []))
        and "boolean" not in constraints.get(name, [])
    }
    check_not_bool(type(estimator).__name__, **numeric)


def check_seconds(largest, what):
    """Raise if times whose largest magnitude is ``largest`` cannot be seconds.

    Parameters
    ----------
    largest : float
        The largest absolute time given.
    what : str
        What holds the times, for the message (``"data.csv: the time column 'time'"``).

    Raises
    ------
    ValueError
        If ``largest`` exceeds 1e11: as seconds of Unix time that is after the year 5000, so
        the times are Unix milliseconds (as phones and loggers write them) or finer.

    Examples
    --------
    >>> from stgraph_sklearn.utils import check_seconds
    >>> check_seconds(1.7e9, "the time column 'time'")  # Unix seconds
    >>> check_seconds(1.7e12, "the time column 'time'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the time column 'time' must hold seconds. Got numbers up to 1.7e+12, ...
    """
    if largest > _LARGEST_SECONDS:
        # the finest unit in which these would still be seconds before the year 5000
        unit, per_second = ("ms", 1e3) if largest < 1e14 else ("us", 1e6)
        if largest >= 1e17:
            unit, per_second = "ns", 1e9
        raise ValueError(
            f"{what} must hold seconds. Got numbers up to {largest:.4g}, which as seconds of "
            "Unix time would be after the year 5000: milliseconds or finer (as phones and "
            f"loggers write Unix time)? As Unix times they would be {unit}: divide them by "
            f"{per_second:.0e} to seconds, or convert them to datetimes "
            f"(pandas.to_datetime(values, unit='{unit}'))."
        )


def iso_datetimes(values, *, errors="raise"):
    """ISO 8601 text as datetimes; text whose UTC offset changes (a clock across a
    daylight-saving change, ``+01:00`` then ``+02:00``) as one clock, in UTC.

    Parameters
    ----------
    values : pandas.Series of str
    errors : {"raise", "coerce"}, default="raise"
        As in :func:`pandas.to_datetime`: raise ``ValueError`` for text that is not ISO 8601,
        or make it NaT.

    Returns
    -------
    pandas.Series of datetime64

    Examples
    --------
    >>> import pandas as pd
    >>> from stgraph_sklearn.utils import iso_datetimes
    >>> iso_datetimes(pd.Series(["2024-03-31T01:59:59+01:00", "2024-03-31T03:00:00+02:00"])).tolist()
    [Timestamp('2024-03-31 00:59:59+0000', tz='UTC'), Timestamp('2024-03-31 01:00:00+0000', tz='UTC')]
    """
    import pandas as pd

    try:
        return pd.to_datetime(values, format="ISO8601", errors=errors)
    except ValueError:  # offsets that differ (or not ISO 8601 at all: raises again)
        return pd.to_datetime(values, format="ISO8601", errors=errors, utc=True)


def largest_magnitude(values):
    """The largest absolute value of a numeric array, NaN ignored, in one pass of two
    reductions without a NaN mask (0.0 for an empty or all-NaN array).

    Parameters
    ----------
    values : array-like

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.utils import largest_magnitude
    >>> largest_magnitude(np.array([[1.0, np.nan], [-3.0, 2.0]])), largest_magnitude([np.nan])
    (3.0, 0.0)
    """
    import numpy as np

    flat = np.asarray(values).reshape(-1)
    if flat.size == 0:
        return 0.0
    big = max(abs(float(np.fmin.reduce(flat))), abs(float(np.fmax.reduce(flat))))  # NaN-blind
    return 0.0 if math.isnan(big) else big


def is_positive_number(value):
    """Whether ``value`` is a finite real number > 0 (a rate, a duration); bools are not.

    Parameters
    ----------
    value : object

    Returns
    -------
    bool

    Examples
    --------
    >>> from stgraph_sklearn.utils import is_positive_number
    >>> is_positive_number(0.5), is_positive_number(0), is_positive_number(float("inf"))
    (True, False, False)
    """
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def final_estimator(estimator):
    """The model that predicts: the last step of a pipeline, the best model of a fitted search.

    Pipelines and fitted searches (``best_estimator_``, as ``GridSearchCV`` and
    ``RandomizedSearchCV`` refit it) are unwrapped in turn, so a pipeline ending in a search
    of pipelines gives the segmenter at the end of the best one.

    Parameters
    ----------
    estimator : estimator, sklearn.pipeline.Pipeline or fitted search

    Returns
    -------
    estimator
        ``estimator.steps[-1][1]`` for a pipeline and ``estimator.best_estimator_`` for a
        fitted search, unwrapped until neither applies; ``estimator`` itself otherwise (an
        unfitted search too).

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> from stgraph_sklearn.utils import final_estimator
    >>> final_estimator(make_pipeline(StandardScaler(), LogisticRegression()))
    LogisticRegression()
    """
    while True:
        if hasattr(estimator, "steps"):
            estimator = estimator.steps[-1][1]
        elif hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        else:
            return estimator


def check_device(device, caller="check_device"):
    """Validate a torch device; CUDA must be available if asked for.

    Parameters
    ----------
    device : str or torch.device
        E.g. ``"cpu"``, ``"cuda"``, ``"cuda:1"``.
    caller : str, default="check_device"
        Name used in error messages (the estimator's).

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If ``device`` is not a torch device, or names one this machine cannot use (CUDA
        without a GPU, a device type this torch build lacks such as ``"mps"``).

    Examples
    --------
    >>> from stgraph_sklearn.utils import check_device
    >>> check_device("cpu")
    device(type='cpu')
    """
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"The 'device' parameter of {caller} must be a torch device such as 'cpu' or 'cuda'. "
            f"Got {device!r} instead."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"{caller}: device={device!r} was requested but CUDA is not available on this "
            "machine (torch.cuda.is_available() is False). Use device='cpu'."
        )
    if dev.type == "meta":  # shapes without data: nothing can be trained or predicted there
        raise ValueError(
            f"{caller}: device={device!r} holds no data (torch's meta device), so nothing can "
            "be trained or predicted on it. Use device='cpu' or 'cuda'."
        )
    if dev.type != "cpu":
        try:  # another device type this torch build lacks ("mps"), or a CUDA index too high
            torch.empty(0, device=dev)
        except (AssertionError, RuntimeError) as exc:
            text = str(exc).strip()
            reason = text.splitlines()[0].split(". ")[0][:160] if text else type(exc).__name__
            raise ValueError(
                f"{caller}: device={device!r} cannot be used on this machine ({reason}). Use "
                "device='cpu'."
            ) from None
    return dev


def seed_from(random_state):
    """An int seed from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
        An int gives itself (scikit-learn's seeds, ``[0, 2**32)``, are all distinct); None or a
        RandomState draws one in ``[0, 2**31 - 1)``.

    Returns
    -------
    int

    Examples
    --------
    >>> from stgraph_sklearn.utils import seed_from
    >>> seed_from(7)
    7
    """
    from sklearn.utils import check_random_state

    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


@contextlib.contextmanager
def unchanged_on_error(estimator):
    """Put an estimator's attributes back as they were if the block raises.

    ``fit`` sets fitted attributes while it checks its input: a refused fit would otherwise
    leave an unfitted estimator that ``check_is_fitted`` passes, or a fitted one half
    updated (new attributes beside old ones). The attributes are restored by reference,
    not copied: objects the block changed in place stay changed (a warm start's network).

    Parameters
    ----------
    estimator : object
        The estimator whose ``fit`` runs in the block.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from stgraph_sklearn.utils import unchanged_on_error
    >>> scaler = StandardScaler()
    >>> try:
    ...     with unchanged_on_error(scaler):
    ...         scaler.mean_ = 0.0
    ...         raise ValueError("refused")
    ... except ValueError:
    ...     pass
    >>> hasattr(scaler, "mean_")
    False
    """
    before = dict(vars(estimator))
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(before)
        raise
