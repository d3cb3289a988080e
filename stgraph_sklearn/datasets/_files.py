"""Small helpers for reading text and .npy files with errors that name the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..exceptions import DataFormatError

__all__ = ["check_utf8", "format_error", "load_npy", "read_lines", "require_file"]


def require_file(path, what):
    """Return ``path`` if it is a file, else raise FileNotFoundError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def format_error(path, line, message, content=None):
    """A DataFormatError naming the file, the 1-based line and, if given, the line's content."""
    where = f"{path}, line {line}" if line is not None else f"{path}"
    got = f" Got {content!r}." if content is not None else ""
    return DataFormatError(f"{where}: {message}{got}")


# bytes that are not UTF-8, as the "surrogateescape" error handler decodes them
_UNDECODED = re.compile("[\udc80-\udcff]")


def read_lines(path, *, skip_blank=True):
    """Yield ``(line_number, stripped_line)`` for the lines of a UTF-8 text file.

    Blank lines are skipped unless ``skip_blank`` is False. A line that is not valid UTF-8
    raises a DataFormatError naming the file and the line.
    """
    # decoding with "surrogateescape" keeps the line splitting of text mode and lets the
    # error name the line (a strict decoder fails on a whole block, not on a line)
    # utf-8-sig: a byte-order mark (Windows editors write one) is not part of the first line
    with open(path, encoding="utf-8-sig", errors="surrogateescape") as fh:
        for number, line in enumerate(fh, start=1):
            bad = _UNDECODED.search(line)
            if bad is not None:
                raw = line.encode("utf-8", "surrogateescape")
                raise format_error(
                    path,
                    number,
                    f"expected UTF-8 text; byte {ord(bad.group()) - 0xDC00:#04x} is not valid "
                    "UTF-8.",
                    raw.decode("utf-8", "replace").rstrip("\r\n"),
                )
            stripped = line.strip()
            if stripped or not skip_blank:
                yield number, stripped


def check_utf8(path):
    """Raise a DataFormatError naming the first line of ``path`` that is not UTF-8 text."""
    for _ in read_lines(path, skip_blank=False):
        pass


def load_npy(path, what):
    """Load a 2-D numeric ``(D, T)`` array from a .npy file, memory-mapped (read-only)."""
    path = require_file(path, what)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise format_error(path, None, f"not a readable .npy array ({exc}).") from exc
    real = np.issubdtype(arr.dtype, np.number) and not np.issubdtype(arr.dtype, np.complexfloating)
    if arr.ndim != 2 or not real or 0 in arr.shape:
        raise format_error(
            path,
            None,
            f"expected a non-empty array of real numbers of shape (n_features, n_frames); got dtype "
            f"{arr.dtype} and shape {arr.shape}.",
        )
    return arr
