"""Tests of StridedTemporal and MultiStageTCN's refinement_stride: temporal stages on pooled
frames, logits interpolated back."""

import pytest
import torch
from torch import nn

from stgraph_sklearn.nn import MultiStageTCN, StridedTemporal, chunk_alignment, temporal_reach


class _Echo(nn.Module):
    """A 'stage' that returns its input as logits, so the pooling and interpolation show."""

    def forward(self, x, mask=None):
        out = x if mask is None else x * mask[:, None, :].to(x.dtype)
        return out[None]

    def reset_parameters(self):
        pass


def _tcn(stages=2, layers=3, **kwargs):
    return MultiStageTCN(3, 8, 4, num_stages=stages, num_layers=layers, dropout=0.0, **kwargs)


def _widest_support(module, reach, stride):
    """The farthest input frame any output frame's gradient reaches, over every position
    within a group of ``stride`` frames."""
    t = 2 * reach + 4 * stride + 1
    widest = 0
    for centre in range(reach + stride, reach + 2 * stride):
        x = torch.randn(1, 3, t, dtype=torch.float64, requires_grad=True)
        module(x)[-1, 0, :, centre].sum().backward()
        support = torch.nonzero(x.grad[0].abs().sum(0) > 0).flatten()
        widest = max(widest, centre - int(support.min()), int(support.max()) - centre)
    return widest


def test_stride_one_is_the_stages_themselves():
    torch.manual_seed(0)
    tcn, x = _tcn(), torch.randn(2, 3, 17)
    mask = torch.ones(2, 17, dtype=torch.bool)
    mask[1, 11:] = False
    assert torch.equal(StridedTemporal(tcn, 1)(x, mask), tcn(x, mask))


@pytest.mark.parametrize("stride", [2, 3, 4])
@pytest.mark.parametrize("t", [24, 25, 26, 27])
def test_a_linear_ramp_survives_pooling_and_interpolation(stride, t):
    """Group means of a ramp sit at the group centres; interpolating them gives the ramp back
    between the first and last full group's centres, and the edge value outside."""
    x = torch.arange(t, dtype=torch.float64).expand(1, 1, t).clone()
    out = StridedTemporal(_Echo(), stride)(x)[0, 0, 0]
    assert out.shape == (t,)
    first, last_full = (stride - 1) / 2, (t // stride - 1) * stride + (stride - 1) / 2
    inside = (x[0, 0] >= first) & (x[0, 0] <= last_full)
    torch.testing.assert_close(out[inside], x[0, 0][inside])
    assert torch.all(out[x[0, 0] < first] == first)


def test_no_mask_equals_an_all_true_mask():
    torch.manual_seed(0)
    st, x = StridedTemporal(_tcn(), 2).eval(), torch.randn(2, 3, 19)
    with torch.no_grad():
        torch.testing.assert_close(st(x), st(x, torch.ones(2, 19, dtype=torch.bool)))


@pytest.mark.parametrize("stride", [2, 3, 4])
def test_temporal_reach_is_the_gradient_support(stride):
    """temporal_reach counts the stages' reach in input frames: the farthest input frame that
    any output frame's gradient reaches, over every position within a group."""
    torch.manual_seed(0)
    st = StridedTemporal(_tcn(stages=2, layers=3), stride).double()
    reach = temporal_reach(st)
    assert reach == stride * (2 * 7 + 1) + stride // 2 - 1
    assert _widest_support(st, reach, stride) == reach


@pytest.mark.parametrize("stride", [2, 3, 4])
def test_refinement_stride_reach_is_the_gradient_support(stride):
    """The prediction stage on every frame (reach 7), the two shared refinement stages on
    groups (reach 2 x 7 groups)."""
    torch.manual_seed(0)
    tcn = _tcn(stages=3, share_refinement=True, refinement_stride=stride).double()
    reach = temporal_reach(tcn)
    assert reach == 7 + stride * (2 * 7 + 1) + stride // 2 - 1
    assert _widest_support(tcn, reach, stride) == reach


def test_refinement_stride_keeps_the_prediction_stage_on_every_frame():
    torch.manual_seed(0)
    plain = _tcn(stages=3).eval()
    strided = _tcn(stages=3, refinement_stride=2).eval()
    strided.load_state_dict(plain.state_dict())  # same parameters: the stride adds none
    x = torch.randn(2, 3, 21)
    with torch.no_grad():
        a, b = plain(x), strided(x)
    assert b.shape == a.shape
    torch.testing.assert_close(b[0], a[0])
    assert not torch.allclose(b[1:], a[1:])


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (_tcn(), 1),
        (_tcn(refinement_stride=3), 3),
        (_tcn(stages=1, refinement_stride=3), 1),  # no refinement stage to pool
        (StridedTemporal(_tcn(), 2), 2),
        (StridedTemporal(_tcn(refinement_stride=2), 3), 6),  # groups of groups
        (nn.ModuleList([StridedTemporal(_tcn(), 2), StridedTemporal(_tcn(), 3)]), 6),
    ],
)
def test_chunk_alignment_counts_input_frames(module, expected):
    assert chunk_alignment(module) == expected


def test_invalid_arguments_name_the_module_and_parameter():
    with pytest.raises(ValueError, match="'stride' parameter of StridedTemporal"):
        StridedTemporal(_tcn(), 0)
    with pytest.raises(TypeError, match="'temporal' parameter of StridedTemporal"):
        StridedTemporal("tcn", 2)
    with pytest.raises(ValueError, match="'refinement_stride' parameter of MultiStageTCN"):
        _tcn(refinement_stride=0)
    with pytest.raises(ValueError, match=r"MultiStageTCN: refinement_stride=2 needs causal=False"):
        _tcn(refinement_stride=2, causal=True)


def test_causal_walks_refuse_pooled_stages():
    """A causal network inside StridedTemporal reads a group's later frames: receptive_field
    and TemporalStreamer would count and stream it wrongly, so they refuse it."""
    from stgraph_sklearn.nn import TemporalStreamer, receptive_field

    strided = StridedTemporal(_tcn(causal=True), 2).eval()
    for walk in (receptive_field, TemporalStreamer):
        with pytest.raises(ValueError, match="means of groups of frames"):
            walk(strided)
    assert receptive_field(StridedTemporal(_tcn(causal=True), 1)) == receptive_field(
        _tcn(causal=True)
    )
