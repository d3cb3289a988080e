"""Small helpers for reading text and .npy files with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exceptions import DataFormatError

__all__ = ["format_error", "load_npy", "read_lines", "require_file"]


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


def read_lines(path):
    """Yield ``(line_number, stripped_line)`` for the non-blank lines of a text file."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            stripped = line.strip()
            if stripped:
                yield number, stripped


def load_npy(path, what):
    """Load a 2-D numeric ``(D, T)`` array from a .npy file, memory-mapped (read-only)."""
    path = require_file(path, what)
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise format_error(path, None, f"not a readable .npy array ({exc}).") from exc
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.number) or 0 in arr.shape:
        raise format_error(
            path,
            None,
            f"expected a non-empty numeric array of shape (n_features, n_frames); got dtype "
            f"{arr.dtype} and shape {arr.shape}.",
        )
    return arr
