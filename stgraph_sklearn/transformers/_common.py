"""Helpers shared by the transformers: input conversion, layout checks, output packing."""

from __future__ import annotations

import copy
import functools

import numpy as np
import pandas as pd
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from ..data import (
    GraphSequence,
    Recording,
    check_aligned,
    check_layouts,
    check_recordings,
    default_node_names,
    names_conflict,
    node_feature_names,
    qualified_node_names,
)
from ..utils import check_numeric_params, unchanged_on_error


def recording_ref(rec, i):
    """``X[i]`` for messages, with the recording's name when it has one (a folder's name on
    the command line, where ``X[i]`` means nothing)."""
    name = getattr(rec, "name", None)
    return f"X[{i}]" if name is None else f"X[{i}] (recording {name!r})"


def fit_context(fit):
    """Decorate a transformer's ``fit``: parameters validated first, as scikit-learn's own
    ``_fit_context`` does, and nothing changed when it raises (a refused ``fit`` left
    attributes that ``check_is_fitted`` passed, or a half-updated fitted transformer)."""

    @functools.wraps(fit)
    def atomic_fit(self, *args, **kwargs):
        with unchanged_on_error(self):
            return fit(self, *args, **kwargs)

    return _fit_context(prefer_skip_nested_validation=True)(atomic_fit)


def _validate_X(X, caller, *, allow_graph_sequences=False):
    """Validate X; return (items, as_array) where ``as_array[i]`` says X[i] was an array.

    Transformers whose output is a recording give arrays back for array items, so that
    ``list of (T, N, C) arrays -> list of (T, N, C') arrays``.
    """
    items = check_recordings(X, caller=caller, allow_graph_sequences=allow_graph_sequences)
    if isinstance(X, np.ndarray) and X.ndim == 4:
        as_array = [True] * len(items)
    elif isinstance(X, (list, tuple)):
        # DataFrames and {modality: DataFrame} dicts were read into Recordings: not arrays
        tables = (Recording, GraphSequence, pd.DataFrame, dict)
        as_array = [not isinstance(x, tables) for x in X]
    else:
        as_array = [False] * len(items)
    return items, as_array


def _layout(item):
    """``{modality: (n_nodes, n_channels)}`` of a Recording or GraphSequence."""
    if isinstance(item, GraphSequence):
        return {k: tuple(int(d) for d in b.shape[1:]) for k, b in item.blocks.items()}
    return {k: (m.n_nodes, m.n_channels) for k, m in item.modalities.items()}


def _check_same_layout(items, expected, caller, *, reference="fit", what="channels"):
    """:func:`~stgraph_sklearn.data.check_layouts` on recordings (``reference``: "fit" or "X[0]")."""
    ref = "the recordings seen in fit" if reference == "fit" else reference
    check_layouts(
        [_layout(item) for item in items], expected, caller=caller, reference=ref, what=what
    )


def _default_feature_names(layout):
    """Feature names of ``layout`` with the default node and channel names of a Modality."""
    names = []
    for key, (n_nodes, n_ch) in layout.items():
        nodes = default_node_names({key: (n_nodes,)})
        names += node_feature_names(nodes, [f"c{j}" for j in range(n_ch)])
    return np.asarray(names, dtype=object)


def _check_same_names(items, feature_names, layout, caller, *, reference="fit"):
    """Check that every item names its nodes and channels as ``feature_names`` does.

    Node names, and channel names, of a modality are compared where both sides give them
    (not the defaults ``"0", "1", ...`` and ``"c0", "c1", ...`` of arrays and unnamed
    modalities), as scikit-learn compares feature names only when both have them: the same
    count of nodes in another order would otherwise be standardised and connected as the
    nodes seen in fit.
    """
    ref = "the recordings seen in fit" if reference == "fit" else reference
    expected = _split_feature_names(feature_names, layout)
    for i, item in enumerate(items):
        mismatch = _names_mismatch(_names_by_modality(item), expected, layout)
        if mismatch is not None:
            key, unit, got, want = mismatch
            raise ValueError(
                f"{caller}: {recording_ref(item, i)} modality {key!r} has {unit} {got}; expected {want} "
                f"(same names, same order) as in {ref}."
            )


def _names_by_modality(item):
    """``{modality: (qualified node names, channel names)}`` of a Recording or GraphSequence."""
    layout = _layout(item)
    return _split_feature_names(_sequence_feature_names(item), layout)


def _names_mismatch(got, expected, layout):
    """The first modality whose node or channel names differ, by the rule of
    :func:`_check_same_names`: ``(modality, "node names" or "channel names", got, expected)``,
    or None.

    ``got`` and ``expected`` are ``{modality: (node names, channel names)}`` (see
    :func:`_names_by_modality`) of items with the layout ``layout``. Names are compared only
    where both sides give them (not the defaults of arrays and unnamed modalities).
    """
    default = _split_feature_names(_default_feature_names(layout), layout)
    for key in layout:
        for part, unit in ((0, "node names"), (1, "channel names")):
            g, e = list(got[key][part]), list(expected[key][part])
            if names_conflict(g, e, default[key][part]):
                return key, unit, g, e
    return None


def _check_input(
    X,
    caller,
    expected=None,
    *,
    aligned=False,
    allow_graph_sequences=False,
    what="channels",
    feature_names=None,
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
    feature_names : ndarray of str, default=None
        ``feature_names_in_`` seen in fit (``transform``); the node and channel names of
        every item must match them where both are given (:func:`_check_same_names`). None
        (``fit``, or a model saved before transformers recorded them) compares with the
        names of ``X[0]``.

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
    if feature_names is None:
        feature_names, reference = _sequence_feature_names(items[0]), "X[0]"
    _check_same_names(items, feature_names, layout, caller, reference=reference)
    return items, as_array, layout


def _own_graph(graph):
    """A copy of ``graph`` (a few small arrays): a fitted graph handed out in every output,
    or kept from an input, would otherwise change with an edit of that output or input."""
    return copy.deepcopy(graph)


def _replace_values(rec, new_values, as_array, channel_names=None):
    """A new Recording (or the bare array) with every modality's values replaced.

    ``channel_names`` (``{modality: names}``) names the new channels; without it a modality
    keeps its channel names if its channel count is unchanged.
    """
    if as_array:
        (values,) = new_values.values()
        return values
    names = channel_names or {}
    mods = {}
    for k, m in rec.modalities.items():
        changes = {"values": new_values[k]}
        if k in names:
            changes["channel_names"] = names[k]
        # the output's own timeline: editing it must not edit the input recording's
        if m.timestamps is not None:
            changes["timestamps"] = np.array(m.timestamps, copy=True)
        if m.clock is not None:
            changes["clock"] = np.array(m.clock, copy=True)
        mods[k] = m.replace(**changes)
    return rec.replace(modalities=mods)


def _node_names_by_modality(item):
    """``{modality: qualified node names}`` of a Recording or GraphSequence, in graph order."""
    if isinstance(item, GraphSequence):
        names, out, start = item.node_names, {}, 0
        for key, block in item.blocks.items():
            out[key] = names[start : start + block.shape[1]]
            start += block.shape[1]
        return out
    return {k: qualified_node_names([(k, m.node_names)]) for k, m in item.modalities.items()}


def _channel_names(item):
    """``{modality: channel names}`` of a Recording or GraphSequence."""
    if isinstance(item, GraphSequence):
        return dict(item.channel_names)
    return {k: m.channel_names for k, m in item.modalities.items()}


def _sequence_feature_names(item, channel_names=None):
    """``"<node>__<channel>"`` of every channel of every node, modality by modality."""
    channels = channel_names or _channel_names(item)
    names = []
    for key, nodes in _node_names_by_modality(item).items():
        names += node_feature_names(nodes, channels[key])
    return np.asarray(names, dtype=object)


def _input_feature_names(estimator, input_features):
    """The names of the input features: ``input_features`` if given, else ``feature_names_in_``.

    Given names (what the previous step of a Pipeline names its output) must be as many as
    the features seen in fit; they replace the names recorded in fit, which for arrays are
    only the defaults ``"x:<i>__c<j>"``.
    """
    check_is_fitted(estimator)
    names = estimator.feature_names_in_
    if input_features is None:
        return names
    given = np.asarray(input_features, dtype=object)
    if given.shape != names.shape:
        raise ValueError(
            f"{type(estimator).__name__}: input_features must hold {len(names)} names, one per "
            f"channel of every node seen in fit. Got {given.size}."
        )
    return given


def _split_feature_names(names, layout):
    """``{modality: (node names, channel names)}`` from ``"<node>__<channel>"`` names.

    ``names`` are node-major, modality by modality, as ``layout`` (``{modality: (n_nodes,
    n_channels)}``) says.
    """
    out, start = {}, 0
    for key, (n_nodes, n_ch) in layout.items():
        block = [str(n).split("__", 1) for n in names[start : start + n_nodes * n_ch]]
        start += n_nodes * n_ch
        if any(len(pair) != 2 for pair in block):
            raise ValueError(
                f"Feature names must read '<node>__<channel>'. Got {names[:4].tolist()}..."
            )
        out[key] = ([block[i * n_ch][0] for i in range(n_nodes)], [p[1] for p in block[:n_ch]])
    return out


class _NumericParamsMixin:
    """``_validate_params`` that also refuses ``True``/``False`` for a numeric parameter
    (:func:`~stgraph_sklearn.utils.check_numeric_params`), as the estimators do."""

    def _validate_params(self):
        super()._validate_params()
        check_numeric_params(self)


class _ListOutputMixin(_NumericParamsMixin):
    """``set_output`` of a transformer whose output is a list of recordings."""

    def set_output(self, *, transform=None):
        """Accept scikit-learn's output setting; recordings stay recordings.

        The output of this transformer is a list of recordings (3-D, one per sequence), which
        has no DataFrame form, so the setting changes nothing here. It is accepted so that
        ``Pipeline.set_output(transform="pandas")`` reaches a final
        :class:`FrameFeatureFlattener`, whose 2-D rows become DataFrames.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Ignored by this transformer (validated).

        Returns
        -------
        self : object
        """
        _check_output_setting(transform, type(self).__name__)
        return self


def _check_output_setting(transform, owner):
    """Raise if ``transform`` is not a ``set_output`` setting scikit-learn knows."""
    if transform is not None and transform not in ("default", "pandas", "polars"):
        raise ValueError(
            f"The 'transform' parameter of {owner}.set_output must be one of "
            f"'default', 'pandas', 'polars' or None. Got {transform!r} instead."
        )


class _KeepsFeatureNamesMixin(_ListOutputMixin):
    """``get_feature_names_out`` of a list-in / list-out transformer that keeps the channels.

    Its output has the nodes and channels of its input, so the output names are the input
    names, ``"<node>__<channel>"`` (:func:`~stgraph_sklearn.data.node_feature_names`), which
    ``fit`` records in ``feature_names_in_``. This is what lets
    ``Pipeline.get_feature_names_out()`` walk a pipeline of sequence transformers.
    """

    def get_feature_names_out(self, input_features=None):
        """Names of the output features, ``"<node>__<channel>"``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the input features (what the previous step of a Pipeline gives), as
            many as seen in fit; None uses ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str of shape (n_features,)
            One name per channel of every node, modality by modality, node-major.
        """
        return _input_feature_names(self, input_features).copy()


def _transformer_tags(tags, *, requires_fit=True):
    """Truthful tags of a list-in / list-out sequence transformer."""
    tags.requires_fit = requires_fit
    tags.input_tags.two_d_array = False
    tags.input_tags.three_d_array = True
    tags.input_tags.allow_nan = True
    tags.target_tags.required = False
    tags.transformer_tags.preserves_dtype = []
    return tags
