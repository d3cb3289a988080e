"""AdaptiveGraphSegmenter: learned sensor graph + spatial convolution + MS-TCN stages."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..data import SensorGraph
from ..graph import resolve_graph
from ..nn import AdaptiveAdjacency, MaskedGraphConv
from ._compose import StridedStagesMixin, compose_graph_network, stride_constraints
from ._docs import fill_doc
from ._neural import NeuralSegmenter, _shared_constraints

__all__ = ["AdaptiveGraphSegmenter"]


@fill_doc
class AdaptiveGraphSegmenter(StridedStagesMixin, NeuralSegmenter):
    """Segment multimodal sensor streams with a learned sensor graph (the default model).

    Every modality's nodes are encoded to ``node_channels`` features (one encoder per
    modality, shared by its sensors); ``n_spatial_layers`` spatiotemporal blocks mix
    information across sensors through a learned adjacency ``softmax(relu(E1 E2^T))`` (Graph
    WaveNet / AGCRN node embeddings), optionally mixed with a prior graph, and along time
    through depthwise-separable dilated convolutions shared by all sensors. A per-node
    read-out (each sensor's vector and presence flag through its own weights, summed) gives
    one ``hidden_channels`` vector per frame, which ``n_stages`` MS-TCN stages classify and
    refine; the refinement stages share their weights (MS-TCN++), so the model has about half
    the parameters of :class:`MSTCNSegmenter` at the same depth. Missing sensors (False in
    the node mask) are zeroed and their edges removed at that frame, and training hides
    random sensors for random spans (``sensor_dropout``), so the model keeps predicting
    when sensors drop out.

    Parameters
    ----------
    n_spatial_layers : int, default=2
        Spatiotemporal graph blocks before node pooling. 0 gives the graph-free model
        (encoders, per-node read-out, stages): no block reads the graph, so ``adjacency_``
        and ``graph_`` are None and ``embedding_dim`` and ``prior_graph`` have no effect.
    embedding_dim : int, default=10
        Size of the node embeddings ``E1, E2`` that define the learned graph.
    prior_graph : "data", SensorGraph or None, default="data"
        Prior mixed with the learned graph (the mixing weight is learned): ``"data"`` uses
        the graph of the input GraphSequences (from
        :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`) when they have one;
        ``None`` learns the graph from scratch.
    node_channels : int or None, default=None
        Width of each sensor's features in the graph blocks; None uses
        ``hidden_channels // 2``. A per-node read-out concatenates the ``n_nodes`` node
        vectors and presence flags into one ``hidden_channels`` vector per frame, so the
        temporal stages still know which sensor carries which pattern.
    sensor_dropout : float, default=0.2
        Train-time sensor dropout (:class:`~stgraph_sklearn.nn.SensorDropout`): with this
        probability, each sensor of each training recording is marked missing over one random
        span, from a single frame to the whole recording (``sensor_dropout_spans`` shorter
        spans if more than 1); no frame loses its last sensor.
        The model thus cannot lean on any one sensor being present, which keeps it accurate
        when sensors are missing at prediction time. 0 trains on the masks as given. The
        robustness costs data efficiency: on BasicMotions (two sensors) with five training
        sequences, 0 scored about 14 points of F1@50 higher after 50 epochs (about 5 after
        150), while one missing sensor cost the default 2 points and an early-fusion MS-TCN
        35 (Benchmarks page). With few recordings, train longer, use more
        ``sensor_dropout_spans``, or use 0 if every sensor is reliable.
    sensor_dropout_spans : int, default=1
        Spans each sensor of each training recording may lose, each with probability
        ``sensor_dropout`` and at most ``1 / sensor_dropout_spans`` of the recording long:
        about the same share of hidden frames in more, shorter gaps. More spans learn faster
        from few recordings but leave the model less robust to a sensor missing for a whole
        recording, since no training gap is that long: with 4 spans, BasicMotions F1@50 with
        five training sequences rose from 79 to 85 (five seeds), while three accelerometers
        missing from the simulation's test recordings cost 7.4 points instead of 5.0
        (Benchmarks page, "Model search").
    refinement_channels : int or None, default=None
        Width of the refinement stages, which read only the previous stage's class
        probabilities; None uses ``hidden_channels``. Half the width trains about a quarter
        faster per epoch; in ``benchmarks/model_search.py`` it scored lower on a small
        simulated training set (8 recordings) and higher on 5 BasicMotions sequences.
    %(stride_parameters)s
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s
    adjacency_ : ndarray of shape (n_nodes, n_nodes) or None
        The learned row-stochastic adjacency ``A[target, source]`` after training (None with
        ``n_spatial_layers=0``, which learns no graph, and for a network of a subclass's
        ``build_module`` without a graph module).
    graph_ : SensorGraph or None
        ``adjacency_`` as a graph with ``node_names_``.
    %(stride_attributes)s

    See Also
    --------
    STGCNSegmenter : Spatial convolution over a given graph.
    MSTCNSegmenter : The graph-free early-fusion baseline.

    References
    ----------
    .. [1] Wu et al., "Graph WaveNet for Deep Spatial-Temporal Graph Modeling", IJCAI 2019.
    .. [2] Abu Farha and Gall, "MS-TCN: Multi-Stage Temporal Convolutional Network for
       Action Segmentation", CVPR 2019.
    .. [3] Li, Abu Farha, Liu, Cheng and Gall, "MS-TCN++: Multi-Stage Temporal Convolutional
       Network for Action Segmentation", TPAMI 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.estimators import AdaptiveGraphSegmenter
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(60, 3, 2) for _ in range(4)]
    >>> y = [np.repeat([0, 1], 30) for _ in range(4)]
    >>> seg = AdaptiveGraphSegmenter(hidden_channels=8, n_stages=2, n_layers=3,
    ...                              max_epochs=2, random_state=0).fit(X, y)
    >>> seg.predict(X)[0].shape, seg.adjacency_.shape
    ((60,), (3, 3))
    """

    _parameter_constraints: dict = {
        **_shared_constraints(),
        "n_spatial_layers": [Interval(Integral, 0, None, closed="left")],
        "node_channels": [Interval(Integral, 1, None, closed="left"), None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "prior_graph": [StrOptions({"data"}), SensorGraph, None],
        "sensor_dropout": [Interval(Real, 0, 1, closed="both")],
        "sensor_dropout_spans": [Interval(Integral, 1, None, closed="left")],
        "refinement_channels": [Interval(Integral, 1, None, closed="left"), None],
        **stride_constraints(),
    }

    def __init__(
        self,
        *,
        n_spatial_layers=2,
        embedding_dim=10,
        prior_graph="data",
        node_channels=None,
        sensor_dropout=0.2,
        sensor_dropout_spans=1,
        refinement_channels=None,
        stage_stride=1,
        refinement_stride=1,
        hidden_channels=64,
        n_stages=4,
        n_layers=10,
        dropout=0.5,
        input_noise=0.0,
        smoothing_weight=0.15,
        smoothing_clip=4.0,
        temporal_stride=1,
        max_epochs=50,
        lr=5e-4,
        batch_size=1,
        weight_decay=0.0,
        class_weight=None,
        validation_fraction=0.1,
        patience=None,
        crop_length=None,
        chunk_size=None,
        accelerator=None,
        lookahead=None,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
        optimizer="adam",
        warm_start=False,
    ):
        self.n_spatial_layers = n_spatial_layers
        self.embedding_dim = embedding_dim
        self.prior_graph = prior_graph
        self.node_channels = node_channels
        self.sensor_dropout = sensor_dropout
        self.sensor_dropout_spans = sensor_dropout_spans
        self.refinement_channels = refinement_channels
        self.stage_stride = stage_stride
        self.refinement_stride = refinement_stride
        self.hidden_channels = hidden_channels
        self.n_stages = n_stages
        self.n_layers = n_layers
        self.dropout = dropout
        self.input_noise = input_noise
        self.smoothing_weight = smoothing_weight
        self.smoothing_clip = smoothing_clip
        self.temporal_stride = temporal_stride
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.crop_length = crop_length
        self.chunk_size = chunk_size
        self.accelerator = accelerator
        self.lookahead = lookahead
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.optimizer = optimizer
        self.warm_start = warm_start

    def build_module(self, layout, n_classes, sequences):
        prior = None
        if self.prior_graph is not None:
            graph = resolve_graph(
                self.prior_graph, sequences, node_names=self.node_names_, caller=type(self).__name__
            )
            prior = None if graph is None else graph.to_dense()
        return compose_graph_network(
            self,
            layout,
            n_classes,
            make_graph=lambda n: AdaptiveAdjacency(n, self.embedding_dim, prior=prior),
            make_spatial=lambda c: MaskedGraphConv(c, c),
            sensor_dropout=self.sensor_dropout,
            sensor_dropout_spans=self.sensor_dropout_spans,
            refinement_channels=self.refinement_channels,
            strides=self._strides(sequences),
        )

    def _after_fit(self, sequences):
        adjacency = getattr(self.net_.module_, "adjacency", None)  # a subclass's may have none
        graph = None if adjacency is None else adjacency()
        if self.n_spatial_layers == 0 or graph is None or not torch.isfinite(graph).all():
            # no graph, one never trained, or one a diverged training left NaN (fit warned)
            self.adjacency_ = self.graph_ = None
            return
        self.adjacency_ = graph.detach().cpu().numpy().astype(np.float32)
        self.graph_ = SensorGraph.from_dense(self.adjacency_, self.node_names_)
