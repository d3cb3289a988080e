"""A researcher's own networks (found by following the extension docs): mistakes end in an
error that names what to do, and padding never reaches a valid frame."""

import functools
import itertools
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from stgraph_sklearn.estimators import NeuralSegmenter
from stgraph_sklearn.nn import MultiStageTCN, SingleStageTCN, StridedTemporal


class Net(nn.Module):
    """Frames' features concatenated, ``depth`` linear layers, one stage of logits."""

    def __init__(self, in_channels, num_nodes, num_classes, hidden_channels=8, depth=1, **kw):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items())
        sizes = [width] + [hidden_channels] * depth
        self.hidden_channels = hidden_channels
        self.body = nn.Sequential(*[nn.Linear(a, b) for a, b in itertools.pairwise(sizes)])
        self.head = nn.Linear(hidden_channels, num_classes)

    def forward(self, x, node_mask, frame_mask):
        h = torch.cat([v.flatten(2) for v in x.values()], -1)
        return self.head(self.body(h)).transpose(1, 2).unsqueeze(0)


class RateAware(NeuralSegmenter):
    def build_module(self, layout, n_classes, sequences):
        depth = 1 + int((sequences[0].frame_rate or 1.0) > 20)
        return Net(**self.module_kwargs(layout, n_classes), depth=depth)


class SizeAware(NeuralSegmenter):
    def build_module(self, layout, n_classes, sequences):
        return Net(**self.module_kwargs(layout, n_classes), depth=len(sequences))


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return [rng.randn(40, 3, 2) for _ in range(3)], [np.repeat([0, 1], 20)] * 3


FIT = {"max_epochs": 1, "validation_fraction": 0, "random_state": 0}


def test_a_partial_binding_what_fit_passes_is_refused(data):
    """Check that a functools.partial binding a keyword module_kwargs passes too is refused
    (the call's value won, so hidden_channels=16 built a 64-wide network silently)."""
    factory = functools.partial(Net, depth=2, hidden_channels=16)
    with pytest.raises(TypeError, match=r"binds \['hidden_channels'\] with functools.partial"):
        NeuralSegmenter(factory, **FIT).fit(*data)
    seg = NeuralSegmenter(functools.partial(Net, depth=2), **FIT).fit(*data)
    assert len(seg.net_.module_.body) == 2


def test_build_module_reading_more_than_the_rebuild_holds_is_named(data):
    """Check that continued training of a segmenter whose build_module reads the training
    input beyond 'graph' and 'feature_shapes' says so (a raw AttributeError on a
    SimpleNamespace, or a message blaming set_params though no parameter changed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rate = RateAware(**FIT).fit(*data)
        size = SizeAware(**FIT).fit(*data)
    with pytest.raises(TypeError, match="build_module read 'frame_rate' of its sequences"):
        rate.partial_fit(*data)
    with pytest.raises(ValueError, match="though no parameter changed") as e:
        size.partial_fit(*data)
    assert "set_params" not in str(e.value)


def test_strided_temporal_keeps_nan_padding_out_of_valid_frames():
    """Check that NaN on padded frames does not reach the valid frames through the strided
    stages' group means (it was multiplied by the mask: NaN * 0 is NaN), as MultiStageTCN
    alone keeps it out."""
    torch.manual_seed(0)
    tcn = MultiStageTCN(4, 8, 3, 2, 3, 0.0).eval()
    x = torch.cat([torch.randn(1, 4, 23), torch.full((1, 4, 14), float("nan"))], 2)
    mask = torch.ones(1, 37, dtype=torch.bool)
    mask[0, 23:] = False
    with torch.no_grad():
        padded = StridedTemporal(tcn, 2)(x, mask)
        alone = StridedTemporal(tcn, 2)(x[..., :23], None)
    assert not torch.isnan(padded).any()
    torch.testing.assert_close(padded[..., :23], alone)


def test_strided_temporal_names_a_module_of_the_wrong_output_shape():
    """Check that wrapping a module that returns one stage's (B, K, T) logits names the
    expected (S, B, K, T') output (a bare reshape error named neither)."""
    wrapped = StridedTemporal(SingleStageTCN(4, 8, 3, 2, 0.0), stride=2)
    with pytest.raises(ValueError, match=r"StridedTemporal: .*SingleStageTCN.*\(S, B, K, T'\)"):
        wrapped(torch.randn(2, 4, 20))
