"""The public nn modules called directly: NaN behind masks stays behind them, and inputs of
the wrong shape or dtype are errors naming the module and the argument."""

import pytest
import torch

from stgraph_sklearn.nn import (
    MaskedGraphConv,
    MultiStageTCN,
    NodeTemporalConv,
    SegmentationLoss,
    SensorDropout,
    SpatioTemporalBlock,
)


@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("per_frame", [False, True])
def test_nan_in_a_missing_node_reaches_no_output(grad, per_frame):
    """Check that NaN features of a masked node (one node of a frame, then every node of a
    frame) leave every output finite and the masked nodes' outputs zero, as documented; they
    spread as NaN * 0 to the present nodes."""
    torch.manual_seed(0)
    conv = MaskedGraphConv(4, 5)
    x = torch.randn(1, 3, 3, 4)
    mask = torch.ones(1, 3, 3, dtype=torch.bool)
    mask[0, 1, 1] = False
    mask[0, 2, :] = False
    x[~mask] = float("nan")
    adj = torch.rand(3, 3)
    adj = adj.expand(1, 3, 3, 3) if per_frame else adj
    with torch.set_grad_enabled(grad):
        out = conv(x, adj, mask)
    assert torch.isfinite(out).all()
    assert (out[~mask] == 0).all()
    clean = conv(torch.nan_to_num(x), adj, mask)  # the present nodes' outputs are unchanged
    torch.testing.assert_close(out[mask], clean[mask], rtol=0, atol=0)


def test_nan_in_padded_frames_stays_out_of_valid_frames():
    """Check that MultiStageTCN's logits of valid frames do not see NaN in padded ones and
    are zero on padding, as documented."""
    torch.manual_seed(0)
    tcn = MultiStageTCN(4, 6, num_classes=3, num_stages=2, num_layers=3, dropout=0.0).eval()
    x = torch.randn(2, 4, 7)
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[1, 4:] = False
    clean = tcn(x, mask)
    x[1, :, 4:] = float("nan")
    out = tcn(x, mask)
    torch.testing.assert_close(out, clean, rtol=0, atol=0)
    assert (out[:, 1, :, 4:] == 0).all()


def test_segmentation_loss_names_a_bad_mask_class_weight_or_target():
    """Check the loss's errors: a broadcasting or float mask, too few class weights, a class
    outside the logits (raw IndexError / NotImplementedError, or silently broadcast)."""
    logits, target = torch.randn(2, 2, 3, 7), torch.randint(0, 3, (2, 7))
    loss = SegmentationLoss()
    for mask in (torch.ones(1, 7, dtype=torch.bool), torch.ones(2, 7)):
        with pytest.raises(ValueError, match=r"SegmentationLoss: expected a bool mask of shape"):
            loss(logits, target, mask)
    with pytest.raises(ValueError, match=r"class_weight has 2 weights for logits of 3 classes"):
        SegmentationLoss(class_weight=[1.0, 1.0])(logits, target)
    bad = target.clone()
    bad[0, 0] = 5
    with pytest.raises(ValueError, match=r"target holds class 5, outside 0\.\.2"):
        loss(logits, bad)
    ignored = target.clone()
    ignored[0, 0] = -100  # ignore_index: fine
    assert torch.isfinite(loss(logits, ignored))


def test_modules_name_inputs_of_the_wrong_shape():
    """Check that x without a batch axis, masks of another shape or dtype and a graph of
    another size are errors naming the module and the argument."""
    x, mask = torch.randn(2, 6, 3, 4), torch.ones(2, 6, 3, dtype=torch.bool)
    conv = MaskedGraphConv(4, 4)
    cases = [
        (lambda: conv(x[0], torch.ones(3, 3), mask), r"MaskedGraphConv: expected x of shape"),
        (lambda: conv(x, torch.ones(3, 3), mask[:1]), r"MaskedGraphConv: expected a bool node_"),
        (lambda: conv(x, torch.ones(3, 3), mask.float()), r"node_mask .* Got torch\.float32"),
        (lambda: conv(x, torch.ones(2, 2), mask), r"MaskedGraphConv: expected adj of shape"),
        (lambda: NodeTemporalConv(4)(x[0]), r"NodeTemporalConv: expected x of shape"),
        (
            lambda: SpatioTemporalBlock(4, MaskedGraphConv(4, 4))(
                x, torch.ones(3, 3), mask[..., 0]
            ),
            r"SpatioTemporalBlock: expected a bool mask of shape \(B, T, N\)",
        ),
        (lambda: SensorDropout(0.5)(mask.float()), r"SensorDropout: expected a bool node_mask"),
        (
            lambda: SensorDropout(0.5)(mask, torch.ones(6, dtype=torch.bool)),
            r"SensorDropout: expected a bool frame_mask of shape \(B, T\) = \(2, 6\)",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
