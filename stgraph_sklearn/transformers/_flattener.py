"""FrameFeatureFlattener: one feature row per frame, for classical per-frame classifiers."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils._set_output import ADAPTERS_MANAGER, _get_output_config
from sklearn.utils.validation import check_is_fitted

from ..data import GraphSequence, node_feature_names
from ._common import (
    _check_input,
    _check_output_setting,
    _input_feature_names,
    _NumericParamsMixin,
    _own_graph,
    _sequence_feature_names,
    _split_feature_names,
    _transformer_tags,
    fit_context,
    recording_ref,
)

__all__ = ["FrameFeatureFlattener"]


def _as_blocks(item):
    """(blocks with NaN at missing nodes, masks, graph) of a sequence or recording.

    For recordings and arrays a node is missing at a frame where any of its features is NaN
    (:func:`~stgraph_sklearn.data.present_nodes`); for GraphSequences the sequence's own masks
    decide.
    """
    item = item.load()  # lazy sequences and recordings: computed here, one at a time
    if isinstance(item, GraphSequence):
        raw = item.blocks
        masks = dict(item.masks)
        graph = item.graph
    else:
        raw = {k: m.values for k, m in item.modalities.items()}
        masks = {k: m.present for k, m in item.modalities.items()}
        graph = None
    blocks = {
        k: np.where(masks[k][:, :, None], b.astype(np.float64), np.nan) for k, b in raw.items()
    }
    return blocks, masks, graph


def _smooth_and_variation(x, mask, adj, where="X"):
    """Mask-aware smoothing ``A·x`` and mean graph total variation of one modality.

    x : (T, N, F) with NaN where missing; mask : (T, N); adj : (N, N) ``A[target, source]``.
    Returns smoothed (T, N, F) (NaN where the target is missing or has no present source)
    and tv (T,) (NaN where no edge joins two present nodes).
    """
    m = mask.astype(np.float64)
    x0 = np.where(np.isnan(x), 0.0, x) * m[:, :, None]
    n_nodes, n_feat = x0.shape[1:]
    # the total variation sums N * N products of F squares: finite values beyond this bound
    # would overflow float64 into NaN for frames whose nodes are all present
    bound = np.sqrt(np.finfo(np.float64).max / (4.0 * n_nodes * n_nodes * max(1, n_feat)))
    big = float(np.abs(x0).max(initial=0.0))
    if big > bound:
        raise ValueError(
            f"FrameFeatureFlattener: {where} has values too large for graph smoothing and total "
            f"variation in float64 (largest |value| {big:.3g}, at most {bound:.3g} here). Give "
            "them in other units, scale them first (SequenceScaler), or set "
            "graph_features=False."
        )
    num = np.einsum("ij,tjf->tif", adj, x0)
    den = m @ adj.T  # den[t, i] = sum_j A_ij m_tj
    with np.errstate(invalid="ignore", divide="ignore"):
        smoothed = num / den[:, :, None]
    smoothed[(den <= 0) | ~mask] = np.nan
    off = adj.copy()
    np.fill_diagonal(off, 0.0)
    sq = (x0 * x0).sum(axis=2)  # (T, N)
    n_t, n = mask.shape
    total_w, tv = np.empty(n_t), np.empty(n_t)
    # (frames, N, N) arrays, a block of frames at a time (about 8 MB each): all frames at
    # once took 2.8 GB for 3,000 frames of 200 nodes; every frame's sums are the same
    step = max(1, 1_000_000 // (n * n))
    for a in range(0, n_t, step):
        b = min(a + step, n_t)
        w_pair = m[a:b, :, None] * off[None] * m[a:b, None, :]
        total_w[a:b] = w_pair.sum(axis=(1, 2))
        gram = np.einsum("tif,tjf->tij", x0[a:b], x0[a:b])
        tv[a:b] = (
            (w_pair.sum(axis=2) * sq[a:b]).sum(axis=1)
            + (w_pair.sum(axis=1) * sq[a:b]).sum(axis=1)
            - 2 * (w_pair * gram).sum(axis=(1, 2))
        )
        del w_pair, gram
    with np.errstate(invalid="ignore", divide="ignore"):
        tv = np.where(total_w > 0, np.maximum(tv, 0.0) / total_w, np.nan)
    return smoothed, tv


class FrameFeatureFlattener(
    _NumericParamsMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Flatten each sequence to one feature row per frame, for per-frame classifiers.

    Columns, in this order (see :meth:`get_feature_names_out`):

    1. node features: every feature of every node, ``"<node>__<channel>"``
       (:func:`~stgraph_sklearn.data.node_feature_names`): the input's channel names, so after
       a :class:`NodeFeatureExtractor` ``"accel:bowl__mean_0.5s_c0"``, and ``"<node>__c<j>"``
       for unnamed channels;
    2. node masks: 1.0 where the node is present, 0.0 where missing, ``"<node>__present"``
       (the GraphSequence's masks; for recordings and arrays a node is missing where any of
       its features is NaN). Every feature column of a missing node is missing too;
    3. if ``graph_features``, for every modality with at least 2 nodes:
       graph-smoothed features ``(A·x)_i`` of every node, ``"<node>__smoothed_<channel>"``, then
    4. the graph total variation of each such modality, ``"<modality>__total_variation"``.

    Graph features are computed **within each modality**, because nodes of different
    modalities have different feature widths and meanings (an accelerometer axis is not a
    video feature): ``A`` is the block of the sequence's graph between that modality's nodes
    (self-loops included if the graph has them); an input without a graph (recordings,
    arrays) uses the graph seen in fit, so that a column means the same in training and in
    prediction whatever form the frames come in, or, if fit saw none either, a complete graph
    without self-loops (each node's smoothed value is the mean of the other nodes). Per frame, only present nodes count: ``(A·x)_i = sum_j A_ij m_j x_j /
    sum_j A_ij m_j``, and the total variation is the weighted mean over edges between present
    nodes ``sum_{i≠j} A_ij m_i m_j ||x_i - x_j||² / sum_{i≠j} A_ij m_i m_j``, normalised so a
    missing sensor does not read as smoothness.

    Parameters
    ----------
    graph_features : bool, default=True
        Whether to add the graph-smoothed features and total variation.
    missing : {"nan", "zero"}, default="nan"
        What missing entries become: NaN (for estimators that handle it, like
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`), or 0. Either way the mask
        columns show which nodes are missing, so a missing sensor is never silent.

    Attributes
    ----------
    modalities_ : dict of str to tuple of int
        ``{modality: (n_nodes, n_features)}`` seen in fit.
    feature_names_in_ : ndarray of str
        ``"<node>__<channel>"`` of the first training sequence.
    feature_names_out_ : ndarray of str
        Names of the output columns.
    n_features_out_ : int
        Number of output columns.
    graph_ : SensorGraph or None
        The graph of the first training sequence (None for recordings and arrays), used for
        inputs without their own graph.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.transformers import FrameFeatureFlattener
    >>> X = [np.random.default_rng(0).normal(size=(20, 3, 2))]
    >>> flat = FrameFeatureFlattener().fit(X)
    >>> flat.transform(X)[0].shape
    (20, 16)
    >>> list(flat.get_feature_names_out()[[0, 6, 9, 15]])
    ['x:0__c0', 'x:0__present', 'x:0__smoothed_c0', 'x__total_variation']
    """

    _parameter_constraints: dict = {
        "graph_features": ["boolean"],
        "missing": [StrOptions({"nan", "zero"})],
    }

    def __init__(self, graph_features=True, *, missing="nan"):
        self.graph_features = graph_features
        self.missing = missing

    def _validated(self, X, expected=None, feature_names=None):
        """Validated items of X and their layout (X[0]'s in fit, ``expected`` otherwise)."""
        items, _, layout = _check_input(
            X,
            "FrameFeatureFlattener",
            expected,
            aligned=True,
            allow_graph_sequences=True,
            what="features",
            feature_names=feature_names,
        )
        return items, layout

    @fit_context
    def fit(self, X, y=None):
        """Record the layout and the output feature names.

        Parameters
        ----------
        X : list of GraphSequence, of aligned Recording, or of ndarray of shape \
                (n_frames, n_nodes, n_features)
            The sequences.
        y : None
            Ignored.

        Returns
        -------
        self : FrameFeatureFlattener
        """
        items, layout = self._validated(X)
        self.modalities_ = layout
        graph = getattr(items[0], "graph", None)  # recordings and arrays have none
        self.graph_ = None if graph is None else _own_graph(graph)  # not the input's
        self.feature_names_in_ = _sequence_feature_names(items[0])
        self.feature_names_out_ = self._names_out(self.feature_names_in_)
        self.n_features_out_ = len(self.feature_names_out_)
        return self

    def _names_out(self, names_in):
        """Output column names from the input names ``"<node>__<channel>"``."""
        split = _split_feature_names(names_in, self.modalities_)
        names = [str(n) for n in names_in]
        names += [f"{node}__present" for nodes, _ in split.values() for node in nodes]
        if self.graph_features:
            multi = [k for k, (nodes, _) in split.items() if len(nodes) >= 2]
            for key in multi:
                nodes, channels = split[key]
                names += node_feature_names(nodes, [f"smoothed_{c}" for c in channels])
            names += [f"{key}__total_variation" for key in multi]
        return np.asarray(names, dtype=object)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names ``"<node>__<channel>"`` of the input features (what the previous step of a
            Pipeline gives, for example :class:`NodeFeatureExtractor`'s), as many as seen in
            fit; None uses ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str of shape (n_features_out,)
        """
        if input_features is None:
            check_is_fitted(self)
            return self.feature_names_out_.copy()
        return self._names_out(_input_feature_names(self, input_features))

    def set_output(self, *, transform=None):
        """Set the container of ``transform``'s output, as scikit-learn's ``set_output``.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            ``"default"``: one ndarray per sequence; ``"pandas"`` / ``"polars"``: one
            DataFrame per sequence with columns :meth:`get_feature_names_out`; None leaves
            the setting unchanged. ``sklearn.set_config(transform_output=...)`` applies too.

        Returns
        -------
        self : FrameFeatureFlattener
        """
        _check_output_setting(transform, type(self).__name__)
        if transform is not None:
            self._sklearn_output_config = {"transform": transform}
        return self

    def transform(self, X):
        """Flatten every sequence to a ``(n_frames, n_features_out_)`` matrix.

        Parameters
        ----------
        X : list of GraphSequence, of aligned Recording, or of ndarray of shape \
                (n_frames, n_nodes, n_features)
            Sequences with the layout seen in fit.

        Returns
        -------
        Xt : list of ndarray of shape (n_frames_i, n_features_out), float64
            One matrix per sequence, on the reference frames (a DataFrame per sequence, with
            columns :meth:`get_feature_names_out`, after ``set_output(transform="pandas")``).
        """
        check_is_fitted(self)
        items, _ = self._validated(X, self.modalities_, getattr(self, "feature_names_in_", None))
        out = [self._flatten(item, i) for i, item in enumerate(items)]
        container = _get_output_config("transform", self)["dense"]
        if container != "default":
            adapter = ADAPTERS_MANAGER.adapters[container]
            columns = self.feature_names_out_.tolist()
            out = [adapter.create_container(x, None, columns=columns) for x in out]
        return out

    def _flatten(self, item, i=0):
        blocks, masks, graph = _as_blocks(item)
        if graph is None:  # recordings, arrays: the graph the columns meant in fit
            graph = getattr(self, "graph_", None)  # None in flatteners pickled before it
        n_t = next(iter(blocks.values())).shape[0]
        cols = [b.reshape(n_t, -1) for b in blocks.values()]
        cols += [m.astype(np.float64) for m in masks.values()]
        if self.graph_features:
            dense = graph.to_dense().astype(np.float64) if graph is not None else None
            start = 0
            tvs = []
            for key, b in blocks.items():
                n_nodes = b.shape[1]
                if n_nodes >= 2:
                    if dense is None:
                        adj = np.ones((n_nodes, n_nodes)) - np.eye(n_nodes)
                    else:
                        adj = dense[start : start + n_nodes, start : start + n_nodes]
                    where = f"{recording_ref(item, i)} modality {key!r}"
                    smoothed, tv = _smooth_and_variation(b, masks[key], adj, where)
                    cols.append(smoothed.reshape(n_t, -1))
                    tvs.append(tv[:, None])
                start += n_nodes
            cols += tvs
        out = np.concatenate(cols, axis=1)
        if self.missing == "zero":
            out = np.nan_to_num(out, nan=0.0)
        return out

    def __sklearn_tags__(self):
        return _transformer_tags(super().__sklearn_tags__())
