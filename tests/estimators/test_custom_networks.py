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
