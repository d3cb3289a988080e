"""MSTCNSegmenter: the graph-free early-fusion MS-TCN baseline."""

from __future__ import annotations

from ..nn import EarlyFusionTCN
from ._docs import fill_doc
from ._neural import NeuralSegmenter, _shared_constraints

__all__ = ["MSTCNSegmenter"]


@fill_doc
class MSTCNSegmenter(NeuralSegmenter):
    """Segment with MS-TCN on all modalities concatenated (early fusion, no graph).

    Every node's features of every modality are flattened into one vector per frame, the
    node mask is appended as 0/1 channels (so a missing sensor is visible, not a silent
    zero), and a multi-stage temporal convolutional network (Abu Farha and Gall, 2019)
    classifies and refines every frame. The strong baseline of the field.

    Parameters
    ----------
    %(shared_parameters)s

    Attributes
    ----------
    %(shared_attributes)s
    graph_ : None
        This model uses no graph.

    See Also
    --------
    AdaptiveGraphSegmenter : The graph model this baseline is compared against.

    References
    ----------
    .. [1] Abu Farha and Gall, "MS-TCN: Multi-Stage Temporal Convolutional Network for
       Action Segmentation", CVPR 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(60, 3, 2) for _ in range(4)]
    >>> y = [np.repeat([0, 1], 30) for _ in range(4)]
    >>> seg = MSTCNSegmenter(hidden_channels=8, n_stages=2, n_layers=3, max_epochs=2,
    ...                      random_state=0).fit(X, y)
    >>> len(seg.predict(X))
    4
    """

    _parameter_constraints: dict = _shared_constraints()

    def __init__(
        self,
        *,
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
        return EarlyFusionTCN(**self.module_kwargs(layout, n_classes))

    def _after_fit(self, sequences):
        self.graph_ = None
