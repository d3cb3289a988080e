"""Lazy values: what a modality or a block holds when its values are read or computed on access.

Memory-mapped recordings (``np.load(..., mmap_mode="r")``, :class:`numpy.memmap`,
:func:`~stgraph_sklearn.datasets.load_mstcn_features`) become :class:`LazyValues` reading the
file, and transformers given lazy values return lazy values that compute their output from
their input on access. A pipeline over a data set larger than memory thus holds one
recording's values at a time.
"""

from __future__ import annotations

import mmap
import os
from functools import partial

import numpy as np

__all__ = ["LazyValues", "is_lazy", "lazy_values"]


class LazyValues:
    """Values computed (or read from a file) each time they are accessed; never cached.

    A recipe, not an array: it knows its shape and dtype, and ``compute()`` produces the
    values. :class:`~stgraph_sklearn.data.Modality` and
    :class:`~stgraph_sklearn.data.GraphSequence` hold one where their values are memory-mapped
    (see :func:`lazy_values`), and the transformers return them for lazy input, so that a
    pipeline over recordings larger than memory computes one recording at a time.

    Parameters
    ----------
    compute : callable
        ``compute() -> ndarray`` of shape ``shape``. It must be picklable (a module-level
        function, a :func:`functools.partial` of one, or a method of a fitted estimator) for
        its holder to pickle.
    shape : tuple of int
        Shape of the values.
    dtype : data-type
        The values are cast to it on access.
    where : str, default="lazy values"
        What the values are (``"recording 'rgb-01-1' modality 'video'"``), for error messages.

    Attributes
    ----------
    ndim, size : int

    Notes
    -----
    Each access computes the whole array again (:meth:`load`), checks its shape and that it
    holds no inf (NaN marks missing samples), and returns it; nothing is kept, so memory is
    that of one access. ``np.asarray(values)``, indexing (``values[10:20]``, which computes
    everything, then slices) and any other attribute of an ndarray work through :meth:`load`.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import LazyValues
    >>> values = LazyValues(lambda: np.ones((4, 2, 3)), (4, 2, 3), np.float32)
    >>> values.shape, values[1:3].sum()
    ((4, 2, 3), np.float32(12.0))
    """

    def __init__(self, compute, shape, dtype, *, where="lazy values"):
        self.compute = compute
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.where = where

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def __len__(self):
        return self.shape[0]

    def load(self):
        """Compute the values and check them.

        Returns
        -------
        values : ndarray of shape ``shape`` and dtype ``dtype``

        Raises
        ------
        ValueError
            If the values hold inf, or the computation gives another shape.
        FileNotFoundError
            If the file of memory-mapped values is gone (the message names the recording).
        """
        arr = np.asarray(self.compute())
        if arr.shape != self.shape:
            raise ValueError(
                f"{self.where}: the lazy values were computed with shape {arr.shape}, expected "
                f"{self.shape}."
            )
        arr = arr.astype(self.dtype, copy=False)
        if arr.dtype.kind == "f" and np.isinf(arr).any():
            row = int(np.flatnonzero(np.isinf(arr).reshape(arr.shape[0], -1).any(axis=1))[0])
            raise ValueError(
                f"{self.where}: values must be finite or NaN (missing). Got inf at index {row} "
                "of the first axis (a sample of raw values, a frame of aligned ones)."
            )
        return arr

    def named(self, where):
        """The same values under another name in error messages (a new object).

        Parameters
        ----------
        where : str
            What the values are, for error messages (e.g. a recording's modality).

        Returns
        -------
        LazyValues
        """
        compute = self.compute
        if isinstance(compute, partial) and compute.func is _read_mapped:
            compute = partial(_read_mapped, compute.args[0], where)
        return LazyValues(compute, self.shape, self.dtype, where=where)

    def __array__(self, dtype=None, copy=None):
        arr = self.load()
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def __getitem__(self, key):
        return self.load()[key]

    def __getattr__(self, name):
        # Any other ndarray attribute (reshape, astype, mean, ...) computes the values; private
        # and special names are not forwarded, so pickling and copying see the plain object.
        if name.startswith("_") or name in ("compute", "shape", "dtype", "where"):
            raise AttributeError(name)
        return getattr(self.load(), name)

    def __repr__(self):
        return f"LazyValues(shape={self.shape}, dtype={self.dtype}, where={self.where!r})"


def _mapped_root(arr):
    """The :class:`numpy.memmap` that maps the file ``arr`` views (read or shared modes), or None."""
    obj = arr
    while isinstance(obj, np.ndarray):
        if isinstance(obj, np.memmap) and isinstance(obj.base, mmap.mmap):
            # "c" (copy-on-write) maps may hold private changes that the file does not have
            if obj.mode in ("r", "r+", "w+") and obj.filename is not None:
                return obj
            return None
        obj = obj.base
    return None


def is_lazy(values):
    """Whether values are read or computed on access rather than held in memory.

    True for :class:`LazyValues` and for arrays that view a memory-mapped file
    (``np.load(path, mmap_mode="r")`` and :class:`numpy.memmap` in modes ``"r"``, ``"r+"``,
    ``"w+"``, and views of them such as ``features.T[::2]``). This is the one rule that decides
    which recordings the transformers and segmenters process lazily.

    Parameters
    ----------
    values : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import is_lazy
    >>> is_lazy(np.zeros((3, 2)))
    False
    """
    return isinstance(values, LazyValues) or (
        isinstance(values, np.ndarray) and _mapped_root(values) is not None
    )


class _MappedFile:
    """Reads a view of a memory-mapped file through a fresh map, copies it, drops the map.

    Holding no map between accesses keeps the file's pages out of the process's resident
    memory once read, and pickles as a file reference.
    """

    def __init__(self, root, view):
        self.filename = os.fspath(root.filename)
        self.offset = int(root.offset)
        self.nbytes = int(root.nbytes)
        self.file_size = os.path.getsize(self.filename)
        self.dtype = view.dtype
        self.shape = view.shape
        self.strides = view.strides
        self.start = int(view.__array_interface__["data"][0] - root.__array_interface__["data"][0])

    def __getstate__(self):
        # The file's modification time when pickled is part of the state, which is what
        # joblib hashes: a file rewritten with the same size is another input for
        # Pipeline(memory=...), not a cache hit (None: the file is gone).
        state = dict(self.__dict__)
        try:
            state["mtime_ns"] = os.stat(self.filename).st_mtime_ns
        except OSError:
            state["mtime_ns"] = None
        return state

    def __call__(self, where):
        try:
            size = os.path.getsize(self.filename)
            if size != self.file_size:
                raise ValueError(
                    f"the file has {size} bytes, {self.file_size} when the recording was loaded"
                )
            buffer = np.memmap(
                self.filename, dtype=np.uint8, mode="r", offset=self.offset, shape=(self.nbytes,)
            )
            view = np.ndarray(
                self.shape, self.dtype, buffer=buffer, offset=self.start, strides=self.strides
            )
            return np.array(view)  # a copy: the map is dropped on return
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{where}: its memory-mapped values file {self.filename} is gone."
            ) from None
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(
                f"{where}: its memory-mapped values file {self.filename} cannot be read ({exc})."
            ) from exc


def _read_mapped(source, where):
    return source(where)


def named_file_values(values, where):
    """``values`` renamed ``where`` if they read a memory-mapped file, else unchanged.

    Recordings name the file-backed values of their modalities, so that a missing file is
    reported with the recording's name.
    """
    compute = getattr(values, "compute", None) if isinstance(values, LazyValues) else None
    if isinstance(compute, partial) and compute.func is _read_mapped:
        return values.named(where)
    return values


def lazy_values(values, *, where="values", dtype=None):
    """Lazy values of an array that views a memory-mapped file, or of lazy values.

    Parameters
    ----------
    values : LazyValues or ndarray
        Lazy values (returned as they are, renamed), or an array for which :func:`is_lazy`
        holds: each access then maps the file anew, copies the viewed values and drops the
        map, so the file's pages do not accumulate in the process's memory.
    where : str, default="values"
        What the values are, for error messages (a missing or changed file, inf).
    dtype : data-type, default=None
        The dtype of the lazy values; None keeps the array's.

    Returns
    -------
    LazyValues

    Raises
    ------
    TypeError
        If ``values`` is neither lazy nor a view of a memory-mapped file.
    """
    if isinstance(values, LazyValues):
        return values.named(where)
    root = _mapped_root(values) if isinstance(values, np.ndarray) else None
    if root is None:
        raise TypeError(
            f"lazy_values needs LazyValues or a view of a memory-mapped file. Got "
            f"{type(values).__name__}."
        )
    source = _MappedFile(root, values)
    return LazyValues(
        partial(_read_mapped, source, where),
        values.shape,
        values.dtype if dtype is None else dtype,
        where=where,
    )
