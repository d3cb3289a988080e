"""Networks of one's own behind NeuralSegmenter (a QA pass over the extension points): what
they receive, what they must return, and what the package can tell about their reach."""

import numpy as np
import pytest
import torch

from stgraph_sklearn.data import GraphSequence, as_graph_sequences
from stgraph_sklearn.estimators import NeuralSegmenter
from stgraph_sklearn.nn import EarlyFusionTCN, temporal_reach

FIT = {"max_epochs": 1, "random_state": 0}


def _toy():
    rng = np.random.RandomState(0)
    return [rng.randn(40, 3, 2) for _ in range(3)], [np.repeat([0, 1], 20)] * 3


def test_every_feature_of_a_missing_node_is_zero():
    """Check that a node missing at a frame (one NaN channel, or a False given mask) has all
    its features zero, as the module contract says: only its NaN channels were."""
    a = np.random.RandomState(0).randn(10, 2, 3)
    a[2:5, 0, 1] = np.nan
    (seq,) = as_graph_sequences([a])
    assert not seq.masks["x"][2:5, 0].any()
    np.testing.assert_array_equal(seq.blocks["x"][2:5, 0], 0.0)
    np.testing.assert_allclose(seq.blocks["x"][2:5, 1], a[2:5, 1], rtol=1e-6)
    mask = np.ones((10, 2), bool)
    mask[6:, 1] = False
    given = GraphSequence({"x": np.ones((10, 2, 3))}, masks={"x": mask})
    np.testing.assert_array_equal(given.blocks["x"][6:, 1], 0.0)
    assert np.isnan(a[2, 0, 1])  # the input is not modified


def test_a_network_that_detaches_its_logits_is_named():
    """Check that logits without a gradient stop training with a message naming the module
    parameter (a raw autograd RuntimeError came from deep inside torch)."""

    class Detached(EarlyFusionTCN):
        def forward(self, x, node_mask, frame_mask):
            return super().forward(x, node_mask, frame_mask).detach()

    X, y = _toy()
    with pytest.raises(ValueError, match="'module' parameter of NeuralSegmenter returned logits"):
        NeuralSegmenter(Detached, **FIT).fit(X, y)


@pytest.mark.parametrize(
    ("built", "what"), [(None, "None"), (EarlyFusionTCN, "the class EarlyFusionTCN")]
)
def test_build_module_returning_no_module_is_named(built, what):
    """Check that an overridden build_module returning None or a class is refused as such
    (None failed on a missing 'forward'; a class was blamed for its forward signature)."""

    class Broken(NeuralSegmenter):
        def build_module(self, layout, n_classes, sequences):
            return built

    X, y = _toy()
    with pytest.raises(
        TypeError, match=rf"Broken.build_module must be a torch.nn.Module instance. Got {what}"
    ):
        Broken(**FIT).fit(X, y)


def test_a_recurrent_cell_counts_as_mixing_frames():
    """Check that a GRU cell (looped over frames in forward) is a layer of unknown reach, as a
    GRU is: it was taken for a per-frame layer, so a non-causal network passed lookahead=0
    and chunked prediction was taken for exact."""
    net = torch.nn.Module()
    net.cell = torch.nn.GRUCell(4, 4)
    with pytest.raises(ValueError, match="cell"):
        temporal_reach(net)


class _Flat(torch.nn.Module):
    """Per-frame logits from every feature, through ``body`` (a Linear unless given)."""

    def __init__(self, in_channels, num_nodes, num_classes, hidden_channels=8, body=None, **kw):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        self.body = body or torch.nn.Linear(width, hidden_channels)
        self.out = torch.nn.Linear(hidden_channels, num_classes)

    def forward(self, x, node_mask, frame_mask):
        h = self.body(torch.cat([v.flatten(2) for v in x.values()], dim=-1))  # (B, T, H)
        return self.out(h).transpose(1, 2).unsqueeze(0)


class _Lazy(_Flat):
    def __init__(self, hidden_channels=8, **kw):
        body = torch.nn.LazyLinear(hidden_channels)
        super().__init__(hidden_channels=hidden_channels, body=body, **kw)


class _BF16(_Flat):
    def forward(self, x, node_mask, frame_mask):
        return super().forward(x, node_mask, frame_mask).to(torch.bfloat16)


class _TimeNorm(torch.nn.Module):
    """A normalisation whose statistics run over time, between per-frame layers."""

    def __init__(self, in_channels, num_nodes, num_classes, causal=False, **kw):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        self.inp = torch.nn.Conv1d(width, 8, 1)
        self.norm = torch.nn.InstanceNorm1d(8)
        self.out = torch.nn.Conv1d(8, num_classes, 1)

    def forward(self, x, node_mask, frame_mask):
        h = torch.cat([v.flatten(2) for v in x.values()], dim=-1).transpose(1, 2)
        return self.out(self.norm(self.inp(h))).unsqueeze(0)


@pytest.mark.parametrize(
    "layer",
    [
        torch.nn.InstanceNorm1d(4),
        torch.nn.GroupNorm(2, 4),
        torch.nn.AdaptiveAvgPool1d(1),
        torch.nn.AdaptiveMaxPool1d(2),
        torch.nn.Upsample(scale_factor=2),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_normalisations_and_pools_over_time_count_as_mixing_frames(layer):
    """Check that layers that mix frames without a kernel (statistics over time, adaptive
    pooling, resampling) are of unknown reach: they were taken for per-frame, so chunked
    predictions and streams differed from one pass silently and lookahead=0 passed a network
    that reads the future."""
    net = torch.nn.Module()
    net.layer = layer
    with pytest.raises(ValueError, match=type(layer).__name__):
        temporal_reach(net)


def test_a_network_normalising_over_time_has_no_receptive_field_and_is_not_causal():
    X, y = _toy()
    seg = NeuralSegmenter(_TimeNorm, **FIT).fit(X, y)
    assert seg.receptive_field_ is None
    with pytest.raises(ValueError, match="InstanceNorm1d"):
        NeuralSegmenter(_TimeNorm, lookahead=0, **FIT).fit(X, y)


def test_bfloat16_logits_predict():
    """Check that logits in bfloat16, which train, also predict: numpy has no bfloat16, and
    predict failed with a raw conversion error naming neither the estimator nor module."""
    X, y = _toy()
    proba = NeuralSegmenter(_BF16, **FIT).fit(X, y).predict_proba(X[:1])[0]
    assert proba.dtype == np.float32 and np.allclose(proba.sum(axis=1), 1.0, atol=1e-2)


def test_a_network_with_lazy_layers_continues_training():
    """Check that a network with a lazy layer can continue training, and that the list of
    changes that refuse it leaves out training parameters: the rebuilt network's lazy layer
    differed from the fitted one, so partial_fit blamed set_params (and 'warm_start=False ->
    True') although nothing that builds the network had changed."""
    X, y = _toy()
    seg = NeuralSegmenter(_Lazy, **FIT).fit(X, y)
    assert len(seg.partial_fit(X, y).set_params(warm_start=True).fit(X, y).history_) == 3
    seg.set_params(hidden_channels=16)
    with pytest.raises(ValueError, match=r"\(hidden_channels=64 -> 16\)"):
        seg.fit(X, y)


def test_a_network_argument_set_the_skorch_way_is_refused_with_the_ways_that_work():
    """Check that module__<name> (skorch's way) gets an error naming the segmenter and
    functools.partial: scikit-learn called set_params on the user's class and raised an
    AttributeError about it, also inside GridSearchCV."""
    from sklearn.model_selection import GridSearchCV, GroupKFold

    X, y = _toy()
    with pytest.raises(ValueError, match=r"NeuralSegmenter.set_params: 'module__depth'.*partial"):
        NeuralSegmenter(_Flat).set_params(module__depth=2)
    search = GridSearchCV(NeuralSegmenter(_Flat, **FIT), {"module__depth": [1]}, cv=GroupKFold(2))
    with pytest.raises(ValueError, match=r"functools\.partial"):
        search.fit(X, y, groups=[0, 1, 1])


def test_a_missing_network_argument_gets_advice_that_fixes_it():
    """Check that a factory lacking a value for one of its own arguments is told to give it a
    default or bind it, not to add **kwargs (which cannot supply a missing argument)."""

    class Deep(_Flat):
        def __init__(self, depth, **kw):
            super().__init__(**kw)

    X, y = _toy()
    with pytest.raises(TypeError, match=r"missing a required argument: 'depth'\. Give it a"):
        NeuralSegmenter(Deep, **FIT).fit(X, y)


def test_an_adaptive_subclass_without_a_graph_module_fits():
    """Check that an AdaptiveGraphSegmenter subclass whose build_module has no graph module
    fits, with adjacency_ and graph_ None: it trained to the end and then failed reading the
    learned graph with a raw AttributeError."""
    from stgraph_sklearn.estimators import AdaptiveGraphSegmenter
    from stgraph_sklearn.nn import EarlyFusionTCN

    class TCN(AdaptiveGraphSegmenter):
        def build_module(self, layout, n_classes, sequences):
            return EarlyFusionTCN(**self.module_kwargs(layout, n_classes))

    X, y = _toy()
    seg = TCN(hidden_channels=8, n_stages=1, n_layers=2, **FIT).fit(X, y)
    assert seg.adjacency_ is None and seg.graph_ is None


@pytest.mark.parametrize("adj", [None, np.eye(3, dtype=np.float32)], ids=["None", "ndarray"])
def test_masked_graph_conv_names_a_graph_of_another_type(adj):
    """Check that MaskedGraphConv given no graph (a network whose blocks read no graph
    module) or an ndarray names its adj argument (raw AttributeError / torch TypeError)."""
    from stgraph_sklearn.nn import MaskedGraphConv

    with pytest.raises(TypeError, match=r"MaskedGraphConv: adj must be a Tensor"):
        MaskedGraphConv(4, 4)(torch.randn(1, 5, 3, 4), adj)
