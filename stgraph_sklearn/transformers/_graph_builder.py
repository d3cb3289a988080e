"""SensorGraphBuilder: learn a sensor graph on aligned training recordings, emit GraphSequences."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data import GraphSequence, SensorGraph, is_lazy, present_nodes
from ..exceptions import MissingSensorWarning, StgraphWarning, reraise_as, warn
from ..graph import (
    add_self_loops,
    correlation_graph,
    from_edges,
    fully_connected,
    knn_graph,
    modality_graph,
    normalized_adjacency,
)
from ._common import (
    _check_input,
    _KeepsFeatureNamesMixin,
    _own_graph,
    _sequence_feature_names,
    _transformer_tags,
    fit_context,
    recording_ref,
)

__all__ = ["SensorGraphBuilder"]

#: Quantiles of node activity used as the node descriptor of the "knn" strategy.
KNN_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _node_activity(values):
    """Per-frame activity of every node: RMS over channels of the frame-to-frame change.

    ``values`` are the (n_frames, n_nodes_m, n_channels_m) arrays of a recording's
    modalities. Returns an array of shape (n_frames - 1, n_nodes) (NaN where the node is
    missing in either frame), in the recording's node order.
    """
    cols = []
    for arr in values:
        diff = np.diff(arr.astype(np.float64), axis=0)
        # a channel's change is NaN where it is NaN in either frame: the node mask rule on
        # the changes marks the node missing in either frame
        present = present_nodes(diff)
        sq = np.where(present[:, :, None], diff * diff, 0.0)
        cols.append(np.where(present, np.sqrt(sq.mean(axis=2)), np.nan))
    return np.concatenate(cols, axis=1)


def _scan(items, absent, activity, varies=None):
    """Read the recordings one at a time (lazy ones too): record in ``absent`` which nodes
    have no valid frame in each (by the node mask rule, :func:`~stgraph_sklearn.data.present_nodes`:
    a node is missing at a frame where any of its channels is NaN), and yield each one's
    :func:`_node_activity` (or None); with ``activity``, record in ``varies`` which nodes'
    activity takes more than one value in each."""
    for i, rec in enumerate(items):
        values = [np.asarray(m.values) for m in rec.modalities.values()]
        absent.append(np.concatenate([~present_nodes(v).any(axis=0) for v in values]))
        if not activity:
            yield None
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # checked below
            act = _node_activity(values)
        if np.isinf(act).any():  # finite values whose changes or squares overflow float64
            raise ValueError(
                f"SensorGraphBuilder: {recording_ref(rec, i)} has values too large for the "
                "frame-to-frame activity of its nodes in float64 (their changes or squares "
                "overflow). Give them in other units, or scale them first (SequenceScaler)."
            )
        low = np.where(np.isnan(act), np.inf, act).min(axis=0, initial=np.inf)
        high = np.where(np.isnan(act), -np.inf, act).max(axis=0, initial=-np.inf)
        varies.append(high > low)
        yield act


def _knn_descriptors(activities):
    """Quantiles of each node's pooled activity, standardised across nodes (NaN: never observed)."""
    pooled = np.concatenate(activities, axis=0)
    n_nodes = pooled.shape[1]
    desc = np.full((n_nodes, len(KNN_QUANTILES)), np.nan)
    seen = ~np.isnan(pooled).all(axis=0)
    if seen.any():
        desc[seen] = np.nanquantile(pooled[:, seen], KNN_QUANTILES, axis=0).T
        mu = desc[seen].mean(axis=0)
        sd = desc[seen].std(axis=0)
        desc[seen] = (desc[seen] - mu) / np.where(sd > 0, sd, 1.0)
    return desc


#: Neighbours per node for ``k="auto"`` (capped at ``n_nodes - 1``).
_AUTO_K = 3


def _own(values):
    """``values`` copied where the GraphSequence would otherwise keep them as they are (float32
    in memory): transform returns new arrays, so that editing its output never edits X."""
    if isinstance(values, np.ndarray) and values.dtype == np.float32:
        return values.copy()
    return values


class SensorGraphBuilder(
    _KeepsFeatureNamesMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Build a sensor graph on aligned training recordings and emit GraphSequences.

    Parameters
    ----------
    strategy : {"correlation", "full", "edges", "knn", "modality"}, default="correlation"
        How the graph over all nodes of all modalities is built:

        - ``"correlation"``: each node is linked to the ``k`` nodes whose *activity*
          correlates most (by ``|Pearson r|``, NaN-aware, pooled over the training
          recordings, see :func:`~stgraph_sklearn.graph.correlation_graph`), weight ``|r|``,
          symmetrised. A node's activity at frame ``t`` is the RMS over its channels of the
          frame-to-frame change ``x_t - x_{t-1}``: it measures motion, ignores static offsets
          (gravity, sensor orientation, feature bias) and is comparable across widths. It is
          undefined where the node is masked (a NaN channel) in either frame.
        - ``"full"``: complete graph, unit weights.
        - ``"edges"``: the node-name pairs given in ``edges``, unit weights, symmetrised.
        - ``"knn"``: each node is linked to the ``k`` nodes with the most similar activity
          *distribution*: the 10/25/50/75/90 % quantiles of its activity over the training
          set, each standardised across nodes (so modalities of different widths compare),
          Euclidean distance, unit weights, symmetrised.
        - ``"modality"``: complete within each modality, and each other modality seen as one
          averaged neighbour (see :func:`~stgraph_sklearn.graph.modality_graph`).
    k : int or "auto", default=3
        Neighbours per node for ``"correlation"`` and ``"knn"``. With fewer than ``k + 1``
        nodes every node is linked to all the others with which its correlation (or
        activity distance) is defined (``k_ = n_nodes - 1``, with a
        :class:`~stgraph_sklearn.exceptions.StgraphWarning`, as scikit-learn's
        ``QuantileTransformer`` caps ``n_quantiles``), so one pipeline serves sensor sets of
        any size; a single node has no edges. ``"auto"`` uses ``min(3, n_nodes - 1)``
        without a warning: the choice for pipelines built before the sensor count is known
        (:func:`~stgraph_sklearn.pipeline.make_segmentation_pipeline`). Ignored by the other
        strategies.
    edges : list of (str, str), default=None
        Node-name pairs for ``strategy="edges"``, such as
        ``("accel:knife", "accel:chopping_board")``. Names are ``Recording.node_names``.
    self_loops : bool, default=True
        Give every node a unit self-loop before normalisation.
    normalize : {"row", "sym"} or None, default="row"
        Edge weights of ``graph_``: ``"row"`` divides every row of ``A[target, source]`` by
        its sum (each node averages its neighbours), ``"sym"`` is GCN's
        ``D^{-1/2} A D^{-1/2}`` (see :func:`~stgraph_sklearn.graph.normalized_adjacency`),
        None keeps the raw weights.

    Attributes
    ----------
    graph_ : SensorGraph
        The fitted graph, normalised as ``normalize`` says.
    node_names_ : tuple of str
        Node names in graph order (``Recording.node_names`` of the training recordings).
    modalities_ : dict of str to tuple of int
        ``{modality: (n_nodes, n_channels)}`` seen in fit.
    feature_names_in_ : ndarray of str
        ``"<node>__<channel>"`` of every channel of every node of the first training
        recording (:func:`~stgraph_sklearn.data.node_feature_names`), which the output keeps:
        :meth:`get_feature_names_out` returns them.
    k_ : int or None
        Neighbours per node actually used (``min(k, n_nodes - 1)``); None for the
        strategies that ignore ``k``.
    unobserved_ : tuple of str
        Nodes with no valid frame in any training recording (empty if none). ``transform``
        masks them (False at every frame), as a segmenter never learned from them.

    See Also
    --------
    ModalityAligner : Puts recordings on their reference frames; needed before this.
    stgraph_sklearn.graph : The functions that build the graphs.

    Notes
    -----
    Missing data is never filled here: a node with a NaN channel at a frame is marked False in
    the masks of the emitted :class:`~stgraph_sklearn.data.GraphSequence`. Nodes with no valid frame in a
    training recording raise a :class:`~stgraph_sklearn.exceptions.MissingSensorWarning`;
    nodes never observed get no correlation or knn edges and stay masked in ``transform``
    even where later recordings hold their data (with a warning): the segmenter after this
    step has no trained weights for their data. Nodes whose activity is constant (a
    stuck sensor, say) have no defined correlation and get no correlation edges; a
    :class:`~stgraph_sklearn.exceptions.StgraphWarning` names them, and any other observed
    node left without an edge.

    ``fit`` reads the training recordings one at a time, so lazy recordings (memory-mapped,
    see :func:`~stgraph_sklearn.data.is_lazy`) are never held together: the "correlation"
    strategy sums per-recording statistics (:func:`~stgraph_sklearn.graph.pooled_correlation`);
    "knn" keeps the per-frame activity of every node, ``(n_frames, n_nodes)`` per recording,
    because its quantiles need all of it. ``transform`` of lazy recordings gives lazy
    GraphSequences (blocks computed on access, :meth:`GraphSequence.load
    <stgraph_sklearn.data.GraphSequence.load>`).

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.transformers import SensorGraphBuilder
    >>> X = [np.random.default_rng(0).normal(size=(50, 4, 3))]
    >>> builder = SensorGraphBuilder(k=2).fit(X)
    >>> builder.graph_.n_nodes, builder.node_names_
    (4, ('x:0', 'x:1', 'x:2', 'x:3'))
    >>> builder.transform(X)[0].feature_shapes
    {'x': (4, 3)}
    """

    _parameter_constraints: dict = {
        "strategy": [StrOptions({"correlation", "full", "edges", "knn", "modality"})],
        "k": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "edges": ["array-like", None],
        "self_loops": ["boolean"],
        "normalize": [StrOptions({"row", "sym"}), None],
    }

    def __init__(
        self, strategy="correlation", *, k=3, edges=None, self_loops=True, normalize="row"
    ):
        self.strategy = strategy
        self.k = k
        self.edges = edges
        self.self_loops = self_loops
        self.normalize = normalize

    @fit_context
    def fit(self, X, y=None):
        """Build the graph on aligned training recordings.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_frames, n_nodes, n_channels)
            Aligned recordings (:meth:`~stgraph_sklearn.data.Recording.is_aligned`), all with the same modalities.
        y : None
            Ignored.

        Returns
        -------
        self : SensorGraphBuilder
        """
        caller = "SensorGraphBuilder"
        items, _, layout = _check_input(X, caller, aligned=True)
        names = items[0].node_names
        node_modality = items[0].node_modality
        n_nodes = len(names)
        absent, varies = [], []  # filled as the recordings are read, once
        scan = _scan(items, absent, self.strategy in ("correlation", "knn"), varies)
        self.k_ = None
        if self.strategy in ("correlation", "knn"):
            k = _AUTO_K if self.k == "auto" else self.k
            self.k_ = min(k, n_nodes - 1)
            if self.k_ < k and self.k != "auto":
                linked = (
                    "the single node has no other node to link to"
                    if n_nodes == 1
                    else "every node is linked to all the others with which its "
                    + (
                        "correlation is defined and non-zero"
                        if self.strategy == "correlation"
                        else "activity distance is defined"
                    )
                )
                warn(
                    f"{caller}: k={self.k} is more than n_nodes - 1 = {n_nodes - 1}; {linked} "
                    f"(k_={self.k_}).",
                    StgraphWarning,
                )
        if self.strategy == "full" or self.k_ == 0:
            graph = fully_connected(names, node_modality=node_modality)
        elif self.strategy == "modality":
            graph = modality_graph(names, node_modality)
        elif self.strategy == "edges":
            if self.edges is None:
                raise ValueError(
                    f"The 'edges' parameter of {caller} must be a list of (source, target) "
                    "node-name pairs when strategy='edges'. Got None instead."
                )
            try:
                graph = from_edges(self.edges, names, node_modality=node_modality)
            except (TypeError, ValueError) as exc:
                # from_edges names its argument 'pairs'; here it is the 'edges' parameter
                msg = str(exc).removeprefix("from_edges: ").replace("'pairs'[", "edges[")
                raise type(exc)(f"{caller}: invalid 'edges' parameter: {msg}") from exc
        elif self.strategy == "correlation":
            # sums over recordings: one recording's activity in memory at a time
            graph = correlation_graph(scan, self.k_, node_names=names, node_modality=node_modality)
        else:
            # quantiles need the pooled activity: (n_frames, n_nodes) of every recording
            graph = knn_graph(
                _knn_descriptors(list(scan)),
                self.k_,
                node_names=names,
                node_modality=node_modality,
            )
        for _ in scan:  # the strategies that read no activity still check for absent nodes
            pass
        self._warn_missing(absent, names)
        self.unobserved_ = tuple(names[j] for j in np.flatnonzero(np.logical_and.reduce(absent)))
        dense = graph.to_dense()
        if self.strategy in ("correlation", "knn"):
            self._warn_unlinked(dense, absent, varies, names)
        if self.normalize is None:
            adj = add_self_loops(dense) if self.self_loops else dense
        else:
            adj = normalized_adjacency(dense, kind=self.normalize, self_loops=self.self_loops)
        self.graph_ = SensorGraph.from_dense(adj, names, node_modality)
        self.node_names_ = names
        self.modalities_ = layout
        self.feature_names_in_ = _sequence_feature_names(items[0])
        return self

    @staticmethod
    def _warn_missing(absent_by_recording, names):
        missing = {}
        for i, absent in enumerate(absent_by_recording):
            for j in np.flatnonzero(absent):
                missing.setdefault(names[j], []).append(i)
        if missing:
            never = [n for n, recs in missing.items() if len(recs) == len(absent_by_recording)]
            detail = "; ".join(f"{n!r} in X{recs}" for n, recs in missing.items())
            msg = (
                f"SensorGraphBuilder: nodes with no valid frame in a whole training recording: "
                f"{detail}. They stay masked (False) in the emitted GraphSequences."
            )
            if never:
                msg += f" Nodes {never} are never observed and get no correlation or knn edges."
            warn(msg, MissingSensorWarning)

    def _warn_unlinked(self, dense, absent_by_recording, varies_by_recording, names):
        """Warn about the observed nodes the correlation or knn graph leaves without an edge,
        naming those whose activity is constant (the never observed ones are named by
        :meth:`_warn_missing`)."""
        unlinked = ~(dense.any(axis=0) | dense.any(axis=1))
        unlinked &= ~np.logical_and.reduce(absent_by_recording)
        if not unlinked.any() or len(names) == 1:
            return
        constant = unlinked & ~np.logical_or.reduce(varies_by_recording)
        score = "correlation" if self.strategy == "correlation" else "activity distance"
        parts = []
        if constant.any():
            parts.append(
                f"nodes {[names[j] for j in np.flatnonzero(constant)]} have a constant "
                f"activity (a stuck or saturated sensor, say) and get no {self.strategy} edge"
            )
        if (unlinked & ~constant).any():
            parts.append(
                f"nodes {[names[j] for j in np.flatnonzero(unlinked & ~constant)]} get no "
                f"{self.strategy} edge: none of their {score}s to other nodes is defined"
            )
        warn(
            f"SensorGraphBuilder: {'; '.join(parts)}. Nodes without an edge receive nothing "
            "from the other nodes; check these sensors, or link them with strategy='edges', "
            "'modality' or 'full'.",
            StgraphWarning,
        )

    def transform(self, X):
        """Wrap every aligned recording as a GraphSequence over the fitted graph.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_frames, n_nodes, n_channels)
            Aligned recordings with the modalities seen in fit.

        Returns
        -------
        Xt : list of GraphSequence
            ``GraphSequence(blocks={modality: values}, masks, graph=graph_, name, subject)``,
            with ``node_names`` (so ``block_node_names``) those of ``graph_``, unqualified, as
            :func:`~stgraph_sklearn.data.as_graph_sequences` names a recording's nodes.
            A node's mask is False at every frame where *any* of its channels is NaN: a
            partially observed node (say a window statistic that is undefined at the edge of
            a drop-out) counts as missing rather than being silently zero-filled. NaN become 0
            in the blocks, and the masks show it.
        """
        check_is_fitted(self)
        caller = "SensorGraphBuilder"
        # the graph's node names per modality, unqualified, as as_graph_sequences passes a
        # recording's: the input names its nodes as in fit, or carries the default names
        # (arrays), which match any; and the nodes never observed in fit (masked below)
        block_names, hidden, start = {}, {}, 0
        unobserved = set(getattr(self, "unobserved_", ()))  # () for models fitted before
        for key, (n_nodes, _) in self.modalities_.items():
            names = self.graph_.node_names[start : start + n_nodes]
            start += n_nodes
            block_names[key] = (
                ("0",) if names == (key,) else tuple(n[len(key) + 1 :] for n in names)
            )
            hide = [n for n in names if n in unobserved]
            if hide:
                hidden[key] = (np.isin(names, hide), hide)
        items, _, _ = _check_input(
            X,
            caller,
            self.modalities_,
            aligned=True,
            feature_names=getattr(self, "feature_names_in_", None),
        )
        if hidden:
            self._warn_unobserved_data(items, hidden)
        out = []
        for i, rec in enumerate(items):
            try:
                seq = GraphSequence(
                    {k: _own(m.values) for k, m in rec.modalities.items()},
                    masks={
                        k: np.broadcast_to(~hide, (rec.n_frames, hide.size))
                        for k, (hide, _) in hidden.items()
                    },
                    graph=_own_graph(self.graph_),
                    name=rec.name,
                    subject=rec.subject,
                    channel_names={k: m.channel_names for k, m in rec.modalities.items()},
                    frame_rate=rec.frame_rate,
                    node_names=block_names,
                )
            except ValueError as exc:  # values beyond float32: which recording
                reraise_as(exc, f"{caller}.transform: {recording_ref(rec, i)}: {exc}")
            out.append(seq)
        return out

    @staticmethod
    def _warn_unobserved_data(items, hidden):
        """Warn when recordings in memory hold data for nodes never observed in fit
        (``hidden``: ``{modality: (bool array over its nodes, their names)}``)."""
        found = {}
        for i, rec in enumerate(items):
            for key, (hide, names) in hidden.items():
                values = rec.modalities[key].values
                if is_lazy(values):
                    continue  # read on access only; the mask applies all the same
                present = present_nodes(values)[:, hide].any(axis=0)
                for name in np.asarray(names)[present]:
                    found.setdefault(str(name), []).append(i)
        if found:
            detail = "; ".join(f"{n!r} in X{recs}" for n, recs in found.items())
            warn(
                f"SensorGraphBuilder: recordings hold data for nodes that had no valid frame "
                f"in any training recording: {detail}. They are masked (False): the model "
                "after this step never learned from them. Refit with recordings where these "
                "sensors work to use them.",
                MissingSensorWarning,
            )

    def __sklearn_tags__(self):
        return _transformer_tags(super().__sklearn_tags__())
