"""Exceptions and warnings raised by stgraph_sklearn.

All warnings the library emits subclass :class:`StgraphWarning` so that users can
silence or escalate them in one line (``warnings.simplefilter("error", StgraphWarning)``).
"""

from sklearn.exceptions import NotFittedError

__all__ = [
    "DataFormatError",
    "MissingSensorWarning",
    "NotFittedError",
    "StgraphWarning",
]


class StgraphWarning(UserWarning):
    """Base class of every warning emitted by stgraph_sklearn."""


class MissingSensorWarning(StgraphWarning):
    """A sensor (node) is missing for a whole recording or for most of it."""


class DataFormatError(ValueError):
    """A file on disk does not follow the documented format.

    The message names the file and, where it applies, the line.
    """
