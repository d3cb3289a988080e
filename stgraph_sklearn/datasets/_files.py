"""Small helpers for reading text and .npy files with errors that name the file and line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..exceptions import DataFormatError

__all__ = ["check_utf8", "data_root", "format_error", "load_npy", "read_lines", "require_file"]


def require_file(path, what):
    """Return ``path`` if it is a file, else raise FileNotFoundError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found: {path}")
    return path


def data_root(root, caller, marker):
    """``root`` as a Path to the folder of a data set release, which holds ``marker`` (a file
    or folder of the release): a file, a missing folder, or the release one level up or down
    (the folder an archive was unpacked into, a subfolder of the release) is an error saying
    which folder to pass."""
    root = Path(root).expanduser()
    if root.is_file():
        raise NotADirectoryError(
            f"{caller}: 'root' {str(root)!r} is a file, not a folder; unpack the archive and "
            f"pass the folder that holds {marker!r}."
        )
    if not root.is_dir():
        raise FileNotFoundError(f"{caller}: the 'root' folder {str(root)!r} does not exist.")
    if not (root / marker).exists():
        below = sorted(p for p in root.iterdir() if p.is_dir() and (p / marker).exists())
        above = root.parent if (root.parent / marker).exists() else None
        hint = (
            f" It is in {str(below[0])!r}: pass that folder."
            if below
            else f" It is in {str(above)!r}: pass that folder."
            if above is not None
            else ""
        )
        raise FileNotFoundError(
            f"{caller}: 'root' {str(root)!r} does not hold {marker!r}; pass the folder of the "
            f"release that holds it.{hint}"
        )
    return root


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
    with open(path, "rb") as f:
        head = f.read(64)
    if not head.startswith(b"\x93NUMPY"):  # numpy's own error advises allow_pickle=True
        lfs = head.startswith(b"version https://git-lfs")
        raise format_error(
            path,
            None,
            "not a NumPy .npy file (it does not start with the .npy magic bytes"
            + ("; it is a Git LFS pointer: fetch the file with 'git lfs pull')." if lfs else ")."),
        )
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
