"""Helpers shared by the transformers: input conversion, layout checks, output packing."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import GraphSequence, Recording, check_aligned, check_recordings


def _validate_X(X, caller, *, allow_graph_sequences=False):
    """Validate X; return (items, as_array) where ``as_array[i]`` says X[i] was an array.

    Transformers whose output is a recording give arrays back for array items, so that
    ``list of (T, N, C) arrays -> list of (T, N, C') arrays``.
    """
    items = check_recordings(X, caller=caller, allow_graph_sequences=allow_graph_sequences)
    if isinstance(X, np.ndarray) and X.ndim == 4:
        as_array = [True] * len(items)
    elif isinstance(X, (list, tuple)) and not all(isinstance(x, pd.DataFrame) for x in X):
        as_array = [not isinstance(x, (Recording, GraphSequence)) for x in X]
    else:
        as_array = [False] * len(items)
    return items, as_array


def _layout(item):
    """``{modality: (n_nodes, n_channels)}`` of a Recording or GraphSequence."""
    if isinstance(item, GraphSequence):
        return {k: tuple(int(d) for d in b.shape[1:]) for k, b in item.blocks.items()}
    return {k: (m.n_nodes, m.n_channels) for k, m in item.modalities.items()}


def _check_same_layout(items, expected, caller, *, reference="fit", what="channels"):
    """Raise a ValueError naming the recording index if an item's modalities differ from ``expected``.

    ``reference`` says where ``expected`` comes from: ``"fit"`` (the training recordings) or
    ``"X[0]"`` (all recordings of one call must share a layout).
    """
    ref = "the recordings seen in fit" if reference == "fit" else reference
    for i, item in enumerate(items):
        got = _layout(item)
        if list(got) != list(expected):
            raise ValueError(
                f"{caller}: X[{i}] has modalities {list(got)}; expected {list(expected)} "
                f"(same names, same order) as in {ref}."
            )
        for key, (n_nodes, n_ch) in expected.items():
            if got[key] != (n_nodes, n_ch):
                raise ValueError(
                    f"{caller}: X[{i}] modality {key!r} has {got[key][0]} nodes and {got[key][1]} "
                    f"{what}; expected {n_nodes} nodes and {n_ch} {what} as in {ref}."
                )


def _check_input(
    X, caller, expected=None, *, aligned=False, allow_graph_sequences=False, what="channels"
):
    """Validate X and check that all its items share one modality layout.

    Parameters
    ----------
    X : list of Recording, GraphSequence or ndarray
        The input of ``fit`` or ``transform``.
    caller : str
        Name of the transformer, used in error messages.
    expected : dict of str to tuple of int, default=None
        Layout seen in fit (``transform``); ``None`` (``fit``) takes the layout of ``X[0]``.
    aligned : bool, default=False
        Whether every recording must be aligned to its reference frames.
    allow_graph_sequences : bool, default=False
        Whether GraphSequence items are accepted.
    what : str, default="channels"
        What the last axis holds, for error messages.

    Returns
    -------
    items : list of Recording or GraphSequence
        The validated items.
    as_array : list of bool
        Whether each item of X was an array.
    layout : dict of str to tuple of int
        ``expected``, or the layout of ``X[0]`` when ``expected`` is None.
    """
    items, as_array = _validate_X(X, caller, allow_graph_sequences=allow_graph_sequences)
    if aligned:
        check_aligned(items, caller=caller)
    if expected is None:
        layout, reference = _layout(items[0]), "X[0]"
    else:
        layout, reference = expected, "fit"
    _check_same_layout(items, layout, caller, reference=reference, what=what)
    return items, as_array, layout


def _replace_values(rec, new_values, as_array):
    """A new Recording (or the bare array) with every modality's values replaced."""
    if as_array:
        (values,) = new_values.values()
        return values
    mods = {k: m.replace(values=new_values[k]) for k, m in rec.modalities.items()}
    return rec.replace(modalities=mods)


def _transformer_tags(tags, *, requires_fit=True):
    """Truthful tags of a list-in / list-out sequence transformer."""
    tags.requires_fit = requires_fit
    tags.input_tags.two_d_array = False
    tags.input_tags.three_d_array = True
    tags.input_tags.allow_nan = True
    tags.target_tags.required = False
    tags.transformer_tags.preserves_dtype = []
    return tags
