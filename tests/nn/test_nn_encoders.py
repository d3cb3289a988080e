"""Tests of the per-modality input encoder."""

import pytest
import torch

from stgraph_sklearn.nn import ModalityEncoder


def _batch(b=2, t=5):
    return {"acc": torch.randn(b, t, 3, 2), "video": torch.randn(b, t, 1, 6)}


def test_shape_and_missing_nodes_are_zero():
    """Check the output shape and that missing nodes (even NaN ones) come out as zeros."""
    enc = ModalityEncoder({"acc": 2, "video": 6}, {"acc": 3, "video": 1}, hidden_channels=8)
    x = _batch()
    mask = torch.ones(2, 5, 4, dtype=torch.bool)
    mask[0, 1, 2] = False
    mask[1, :, 3] = False
    x["acc"][0, 1, 2] = float("nan")
    out = enc(x, mask)
    assert out.shape == (2, 5, 4, 8)
    assert torch.isfinite(out).all()
    assert torch.all(out[0, 1, 2] == 0) and torch.all(out[1, :, 3] == 0)
    out.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in enc.parameters())


def test_node_embedding_distinguishes_nodes():
    """Check that identical inputs on two nodes of one modality give different outputs."""
    enc = ModalityEncoder({"acc": 2}, {"acc": 2}, hidden_channels=4)
    out = enc({"acc": torch.ones(1, 1, 2, 2)})
    assert not torch.allclose(out[0, 0, 0], out[0, 0, 1])
    plain = ModalityEncoder({"acc": 2}, {"acc": 2}, hidden_channels=4, node_embedding=False)
    out = plain({"acc": torch.ones(1, 1, 2, 2)})
    torch.testing.assert_close(out[0, 0, 0], out[0, 0, 1])


def test_node_order_follows_in_channels():
    """Check that nodes are stacked in the order of in_channels, whatever the order of x."""
    enc = ModalityEncoder({"b": 1, "a": 1}, {"b": 1, "a": 2}, hidden_channels=3)
    x = {"a": torch.zeros(1, 1, 2, 1), "b": torch.zeros(1, 1, 1, 1)}
    out = enc(x)
    expected_first = enc.lins[0].bias + enc.node_emb[0]
    torch.testing.assert_close(out[0, 0, 0], expected_first)


def test_invalid_inputs():
    """Check the errors for mismatched keys and shapes."""
    with pytest.raises(ValueError, match="num_nodes"):
        ModalityEncoder({"acc": 2}, {"gyro": 2}, hidden_channels=4)
    with pytest.raises(ValueError, match="in_channels"):
        ModalityEncoder({"acc": 0}, {"acc": 2}, hidden_channels=4)
    enc = ModalityEncoder({"acc": 2}, {"acc": 2}, hidden_channels=4)
    with pytest.raises(ValueError, match="modalities"):
        enc({"gyro": torch.zeros(1, 1, 2, 2)})
    with pytest.raises(ValueError, match="shape"):
        enc({"acc": torch.zeros(1, 1, 3, 2)})


def test_reset_parameters():
    """Check that reset_parameters redraws the weights."""
    enc = ModalityEncoder({"acc": 2}, {"acc": 2}, hidden_channels=4)
    before = enc.node_emb.detach().clone()
    enc.reset_parameters()
    assert not torch.equal(before, enc.node_emb)
