"""Tests of the MS-TCN temporal modules."""

import pytest
import torch

from stgraph_sklearn.nn import (
    DilatedResidualLayer,
    MultiStageTCN,
    SingleStageTCN,
    StridedTemporal,
)


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("share_refinement", [False, True])
def test_shapes(share_refinement):
    """Check the output shapes of every temporal module."""
    x = torch.randn(2, 6, 17)
    mask = torch.ones(2, 17, dtype=torch.bool)
    assert DilatedResidualLayer(6, 4, 0.0)(x, mask).shape == (2, 6, 17)
    assert SingleStageTCN(6, 8, 3, 4, 0.0)(x, mask).shape == (2, 3, 17)
    tcn = MultiStageTCN(6, 8, 3, 3, 4, 0.0, share_refinement=share_refinement)
    assert tcn(x, mask).shape == (3, 2, 3, 17)
    assert tcn(x).shape == (3, 2, 3, 17)


@pytest.mark.parametrize(
    ("share_refinement", "stride", "refinement_stride"),
    [(False, 1, 1), (True, 1, 1), (True, 2, 1), (False, 3, 1), (True, 1, 3), (False, 2, 2)],
)
def test_padding_does_not_leak(share_refinement, stride, refinement_stride):
    """Check that valid frames of a padded batch equal the unpadded sequences (eval mode);
    strided stages too, whose last frames (24 = 8 groups of 3, 12 of 2) interpolate towards
    a group of padding, which must give them their recording's edge."""
    torch.manual_seed(0)
    tcn = MultiStageTCN(
        5,
        8,
        4,
        num_stages=3,
        num_layers=5,
        dropout=0.5,
        share_refinement=share_refinement,
        refinement_stride=refinement_stride,
    )
    tcn = (StridedTemporal(tcn, stride) if stride > 1 else tcn).eval()
    short, long = torch.randn(1, 5, 24), torch.randn(1, 5, 40)
    batch = torch.cat([torch.cat([short, 100 * torch.randn(1, 5, 16)], dim=2), long])
    mask = torch.zeros(2, 40, dtype=torch.bool)
    mask[0, :24] = True
    mask[1] = True
    with torch.no_grad():
        out = tcn(batch, mask)
        alone_short, alone_long = tcn(short), tcn(long)
    torch.testing.assert_close(out[:, 0:1, :, :24], alone_short, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(out[:, 1:2], alone_long, atol=1e-5, rtol=1e-5)
    assert torch.all(out[:, 0, :, 24:] == 0)


def test_layer_is_exactly_ms_tcn():
    """Check a layer has MS-TCN's parameters (4C² + 2C) and the default stages are not shared."""
    assert _count(DilatedResidualLayer(64, 2, dropout=0.0)) == 4 * 64**2 + 2 * 64
    tcn = MultiStageTCN(6, 8, 3, num_stages=3, num_layers=2, dropout=0.0)
    assert not tcn.share_refinement
    assert len({id(stage) for stage in tcn.stages}) == 3


@pytest.mark.parametrize("num_stages", [1, 2, 4])
def test_shared_refinement_stages(num_stages):
    """share_refinement (MS-TCN++): one refinement module reused, parameters counted once."""
    import copy

    kwargs = dict(num_layers=2, dropout=0.0)
    shared = MultiStageTCN(6, 8, 3, num_stages, share_refinement=True, **kwargs)
    plain = MultiStageTCN(6, 8, 3, num_stages, **kwargs)
    assert len(shared.stages) == num_stages
    assert _count(shared) == _count(MultiStageTCN(6, 8, 3, min(num_stages, 2), **kwargs))
    assert _count(plain) == _count(shared) + max(num_stages - 2, 0) * _count(plain.stages[-1])
    x = torch.randn(2, 6, 15)
    assert shared(x).shape == (num_stages, 2, 3, 15)
    clone = copy.deepcopy(shared)
    assert all(stage is clone.stages[-1] for stage in clone.stages[1:])
    torch.testing.assert_close(clone(x), shared(x))


def test_dilations_double():
    """Check that layer dilations are 1, 2, 4, ..."""
    stage = SingleStageTCN(3, 4, 2, num_layers=4, dropout=0.0)
    assert [layer.dilation for layer in stage.layers] == [1, 2, 4, 8]


def test_reset_parameters_and_determinism():
    """Check that seeding reproduces the weights and reset_parameters redraws them."""
    torch.manual_seed(3)
    a = MultiStageTCN(4, 8, 3, 2, 3, 0.0)
    torch.manual_seed(3)
    b = MultiStageTCN(4, 8, 3, 2, 3, 0.0)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    before = [p.detach().clone() for p in a.parameters()]
    a.reset_parameters()
    assert not all(torch.equal(p0, p1) for p0, p1 in zip(before, a.parameters(), strict=True))


@pytest.mark.parametrize(
    "kwargs",
    [{"num_layers": 0}, {"num_stages": 0}, {"dropout": 1.0}, {"hidden_channels": 2.5}],
)
def test_invalid_arguments(kwargs):
    """Check that bad constructor arguments raise a ValueError naming the parameter."""
    params = {
        "in_channels": 3,
        "hidden_channels": 4,
        "num_classes": 2,
        "num_stages": 2,
        "num_layers": 2,
        "dropout": 0.0,
    }
    params.update(kwargs)
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        MultiStageTCN(**params)


def test_refinement_channels_narrow_the_refinement_stages_only():
    """refinement_channels sets the refinement stages' width; the prediction stage keeps its."""
    tcn = MultiStageTCN(4, 8, 3, 3, 2, 0.0, share_refinement=True, refinement_channels=2)
    assert tcn.stages[0].conv_in.out_channels == 8
    assert tcn.stages[1].conv_in.out_channels == 2 and tcn.stages[2] is tcn.stages[1]
    assert tcn(torch.randn(1, 4, 9)).shape == (3, 1, 3, 9)
    default = MultiStageTCN(4, 8, 3, 3, 2, 0.0)
    assert default.stages[2].conv_in.out_channels == 8
    with pytest.raises(ValueError, match="refinement_channels"):
        MultiStageTCN(4, 8, 3, 3, 2, 0.0, refinement_channels=0)


@pytest.mark.parametrize("shape", [(2, 1), (2, 16), (1, 17)])
def test_a_mask_of_the_wrong_shape_is_refused_by_name(shape):
    """A (B, 1) mask would broadcast over every frame and give silently wrong logits."""
    x = torch.randn(2, 6, 17)
    mask = torch.ones(shape, dtype=torch.bool)
    tcn = MultiStageTCN(6, 8, 3, 2, 3, 0.0)
    with pytest.raises(ValueError, match=r"MultiStageTCN: expected a mask of shape \(B, T\)"):
        tcn(x, mask)
    with pytest.raises(ValueError, match=r"StridedTemporal: expected a mask of shape \(B, T\)"):
        StridedTemporal(tcn, 2)(x, mask)
