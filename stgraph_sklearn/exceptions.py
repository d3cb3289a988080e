"""Exceptions and warnings raised by stgraph_sklearn.

All warnings the library emits subclass :class:`StgraphWarning` so that users can
silence or escalate them in one line (``warnings.simplefilter("error", StgraphWarning)``).
"""

import inspect
import os
import warnings

from sklearn.exceptions import NotFittedError

__all__ = [
    "DataFormatError",
    "MissingSensorWarning",
    "NotFittedError",
    "StgraphWarning",
    "TrainingInterruptedWarning",
    "find_stack_level",
    "reraise_as",
    "warn",
]


class StgraphWarning(UserWarning):
    """Base class of every warning emitted by stgraph_sklearn."""


class MissingSensorWarning(StgraphWarning):
    """A sensor (node) is missing for a whole recording or for most of it."""


class TrainingInterruptedWarning(StgraphWarning):
    """Training stopped at Ctrl-C; the segmenter keeps the model of the complete epochs."""


class DataFormatError(ValueError):
    """A file on disk does not follow the documented format.

    The message names the file and, where it applies, the line.
    """


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Frames in these libraries are callers' plumbing (a Pipeline calling fit_transform, joblib
# running a search), never the line a user can act on.
_PLUMBING = ("sklearn", "joblib", "skorch")


def reraise_as(exc, message):
    """Raise ``exc`` again as the same error type with ``message``, the original chained.

    How an error from user code or from a lower layer gets the context it lacks (which
    model and fold, which stream chunk) without changing what ``except`` clauses catch. An
    error type whose constructor takes other arguments than one message is raised as it is.

    Parameters
    ----------
    exc : Exception
        The error being handled.
    message : str
        The new message, usually a prefix and ``str(exc)``.

    Raises
    ------
    Exception
        Always: ``type(exc)(message)``, or ``exc`` itself.

    Examples
    --------
    >>> from stgraph_sklearn.exceptions import reraise_as
    >>> try:
    ...     try:
    ...         raise ValueError("bad value")
    ...     except ValueError as exc:
    ...         reraise_as(exc, f"fold 0: {exc}")
    ... except ValueError as err:
    ...     print(err)
    fold 0: bad value
    """
    try:
        named = type(exc)(message)
    except Exception:  # an error type that takes other arguments: as it is
        raise exc from None
    raise named from exc


def find_stack_level():
    """The ``stacklevel`` that makes a warning point at the first frame outside the package.

    Frames of stgraph_sklearn and of the libraries that call into it on the user's behalf
    (scikit-learn's Pipeline and meta-estimators, joblib, skorch) are skipped, so a warning
    raised deep inside ``pipeline.fit`` points at the user's ``pipeline.fit(...)`` line. The
    idea is pandas' ``find_stack_level``.

    Returns
    -------
    stacklevel : int
        For :func:`warnings.warn` called by the caller of this function.
    """
    frame = inspect.currentframe()
    level = 0
    try:
        while frame is not None:
            path = os.path.abspath(frame.f_code.co_filename)
            module = frame.f_globals.get("__name__", "") or ""
            inside = path.startswith(_PACKAGE_DIR + os.sep) or module.split(".")[0] in _PLUMBING
            if not inside:
                break
            frame = frame.f_back
            level += 1
    finally:
        del frame
    # level counts this function's frame; warnings.warn's stacklevel=1 is its caller.
    return max(level, 1)


def warn(message, category=None):
    """Emit a warning of the package that points at the user's line (see :func:`find_stack_level`).

    Parameters
    ----------
    message : str
        The warning text; it should say what the user can do about it.
    category : subclass of StgraphWarning, default=StgraphWarning
        The warning class.

    Examples
    --------
    >>> import warnings
    >>> from stgraph_sklearn.exceptions import MissingSensorWarning, warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("sensor 'knife' is missing", MissingSensorWarning)
    >>> caught[0].category.__name__
    'MissingSensorWarning'
    """
    warnings.warn(message, category or StgraphWarning, stacklevel=find_stack_level())
