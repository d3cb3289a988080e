"""Tests of the MS-TCN segmentation loss."""

import pytest
import torch
import torch.nn.functional as F

from stgraph_sklearn.nn import SegmentationLoss


def test_matches_reference_formula():
    """Check the loss against MS-TCN's formula on an unpadded batch."""
    torch.manual_seed(0)
    logits = torch.randn(3, 2, 4, 10)
    target = torch.randint(0, 4, (2, 10))
    expected = 0.0
    for p in logits:
        expected += F.cross_entropy(p, target)
        mse = (F.log_softmax(p[:, :, 1:], dim=1) - F.log_softmax(p[:, :, :-1], dim=1)) ** 2
        expected += 0.15 * torch.clamp(mse, 0, 16).mean()
    torch.testing.assert_close(SegmentationLoss()(logits, target), expected)


def test_padding_invariance():
    """Check that padding (ignore_index targets, arbitrary logits) does not change the loss."""
    torch.manual_seed(0)
    logits = torch.randn(2, 2, 3, 12)
    target = torch.randint(0, 3, (2, 12))
    padded_logits = torch.cat([logits, 10 * torch.randn(2, 2, 3, 5)], dim=3)
    padded_target = torch.cat([target, torch.full((2, 5), -100)], dim=1)
    loss = SegmentationLoss()
    torch.testing.assert_close(loss(padded_logits, padded_target), loss(logits, target))


def test_gradient_flows_and_previous_frame_is_detached():
    """Check the smoothing term has no gradient through frame t - 1 (only through frame t)."""
    logits = torch.randn(1, 1, 3, 2, requires_grad=True)
    target = torch.full((1, 2), -100)  # no CE: only the smoothing term
    loss = SegmentationLoss(smoothing_weight=1.0)(logits, target, mask=torch.ones(1, 2, dtype=bool))
    loss.backward()
    assert torch.all(logits.grad[..., 0] == 0)
    assert torch.any(logits.grad[..., 1] != 0)
    logits.grad = None
    SegmentationLoss()(logits, torch.tensor([[0, 2]])).backward()
    assert torch.any(logits.grad[..., 0] != 0)


def test_clip():
    """Check the truncation at smoothing_clip**2."""
    logits = torch.tensor([[[[0.0, 100.0], [0.0, -100.0]]]])  # (S=1, B=1, K=2, T=2)
    mask = torch.ones(1, 2, dtype=torch.bool)
    target = torch.full((1, 2), -100)
    small = (F.log_softmax(torch.tensor([100.0, -100.0]), 0)[0] - torch.log(torch.tensor(0.5))) ** 2
    for clip in (4.0, 1.0):
        got = SegmentationLoss(smoothing_weight=1.0, smoothing_clip=clip)(logits, target, mask)
        torch.testing.assert_close(got, (torch.clamp(small, max=clip**2) + clip**2) / 2)


def test_class_weight_and_all_ignored():
    """Check class weights follow cross_entropy's, and an all-padded batch gives 0, not NaN."""
    torch.manual_seed(0)
    logits = torch.randn(1, 2, 3, 6)
    target = torch.randint(0, 3, (2, 6))
    weight = torch.tensor([1.0, 2.0, 0.5])
    got = SegmentationLoss(smoothing_weight=0.0, class_weight=weight)(logits, target)
    torch.testing.assert_close(got, F.cross_entropy(logits[0], target, weight=weight))
    empty = SegmentationLoss()(logits, torch.full((2, 6), -100))
    assert empty.item() == 0.0


@pytest.mark.parametrize(
    "kwargs", [{"smoothing_weight": -1.0}, {"smoothing_clip": 0.0}, {"class_weight": [[1.0]]}]
)
def test_invalid_arguments(kwargs):
    """Check that bad arguments raise a ValueError naming the parameter."""
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        SegmentationLoss(**kwargs)
