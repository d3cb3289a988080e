"""STGCNSegmenter: ST-GCN partitioned graph convolution over a given sensor graph."""

from __future__ import annotations

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ..data import SensorGraph
from ..graph import fully_connected, resolve_graph
from ..nn import FixedGraph, PartitionedGraphConv, spatial_partitions
from ._compose import StridedStagesMixin, compose_graph_network, stride_constraints
from ._docs import fill_doc
from ._neural import NeuralSegmenter, _shared_constraints

__all__ = ["STGCNSegmenter"]


@fill_doc
class STGCNSegmenter(StridedStagesMixin, NeuralSegmenter):
    """Segment with ST-GCN-style partitioned spatial convolution over a given sensor graph.

    The graph's neighbourhoods are split into partitions (``partition_strategy``); each
    partition has its own weights and a learnable edge-importance mask (Yan et al. 2018).
    Spatiotemporal blocks are followed by the per-node read-out and the MS-TCN stages of
    :class:`AdaptiveGraphSegmenter`.

    Parameters
    ----------
    graph : "data" or SensorGraph, default="data"
        The sensor graph: ``"data"`` takes the graph of the input GraphSequences (from
        :class:`~stgraph_sklearn.transformers.SensorGraphBuilder`), or a fully connected graph
        when the inputs carry none (arrays or aligned recordings).
    partition_strategy : {"distance", "uniform", "spatial"}, default="distance"
        ST-GCN partitioning: "uniform" one partition, "distance" self vs. neighbours,
        "spatial" self / closer to / farther from the graph's centre.
    n_spatial_layers : int, default=2
        Spatiotemporal graph blocks before node pooling.
    node_channels : int or None, default=None
        Width of each sensor's features in the graph blocks; None uses
        ``hidden_channels // 2``. A per-node read-out concatenates the ``n_nodes`` node
        vectors and presence flags into one ``hidden_channels`` vector per frame, so the
        temporal stages still know which sensor carries which pattern.
    %(stride_parameters)s
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s
    %(stride_attributes)s
    graph_ : SensorGraph
        The graph the model was built on.

    See Also
    --------
    AdaptiveGraphSegmenter : Learns the graph instead of taking it as given.

    References
    ----------
    .. [1] Yan, Xiong and Lin, "Spatial Temporal Graph Convolutional Networks for
       Skeleton-Based Action Recognition", AAAI 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.estimators import STGCNSegmenter
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(60, 3, 2) for _ in range(4)]
    >>> y = [np.repeat(["idle", "stir"], 30) for _ in range(4)]
    >>> seg = STGCNSegmenter(hidden_channels=8, n_stages=2, n_layers=3, max_epochs=2,
    ...                      random_state=0).fit(X, y)
    >>> seg.graph_.n_nodes
    3
    """

    _parameter_constraints: dict = {
        **_shared_constraints(),
        "graph": [StrOptions({"data"}), SensorGraph],
        "partition_strategy": [StrOptions({"distance", "uniform", "spatial"})],
        "n_spatial_layers": [Interval(Integral, 1, None, closed="left")],
        "node_channels": [Interval(Integral, 1, None, closed="left"), None],
        **stride_constraints(),
    }

    def __init__(
        self,
        *,
        graph="data",
        partition_strategy="distance",
        n_spatial_layers=2,
        node_channels=None,
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
        self.graph = graph
        self.partition_strategy = partition_strategy
        self.n_spatial_layers = n_spatial_layers
        self.node_channels = node_channels
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
        name = type(self).__name__
        graph = resolve_graph(self.graph, sequences, node_names=self.node_names_, caller=name)
        self.graph_ = fully_connected(self.node_names_) if graph is None else graph
        adj = self.graph_.to_dense()
        partitions = spatial_partitions(adj, self.partition_strategy)
        return compose_graph_network(
            self,
            layout,
            n_classes,
            make_graph=lambda n: FixedGraph(partitions),
            make_spatial=lambda c: PartitionedGraphConv(c, c, len(partitions), len(adj)),
            strides=self._strides(sequences),
        )
