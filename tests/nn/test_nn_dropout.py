"""FastDropout (same distribution as nn.Dropout), SensorDropout (node-mask augmentation) and
jitter_inputs (Gaussian noise on present inputs)."""

import pytest
import torch

from stgraph_sklearn.nn import FastDropout, SensorDropout, jitter_inputs


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fast_dropout_matches_dropout_distribution(p):
    torch.manual_seed(0)
    x = torch.ones(200_000)
    out = FastDropout(p)(x)
    zero = out == 0
    # zero rate p, survivors scaled by 1 / (1 - p): mean 1 and variance p / (1 - p), as nn.Dropout
    assert abs(zero.float().mean().item() - p) < 0.005
    assert torch.allclose(out[~zero], torch.full_like(out[~zero], 1 / (1 - p)))
    assert abs(out.mean().item() - 1.0) < 0.02
    assert abs(out.var().item() - p / (1 - p)) < 0.05 * p / (1 - p) + 0.01
    ref = torch.nn.Dropout(p)(x)
    assert abs(ref.var().item() - out.var().item()) < 0.05 * p / (1 - p) + 0.01


def test_fast_dropout_zero_rate_eval_and_gradient():
    x = torch.randn(4, 5, requires_grad=True)
    assert FastDropout(0.0)(x) is x
    assert FastDropout(0.5).eval()(x) is x
    torch.manual_seed(1)
    out = FastDropout(0.5)(x)
    out.sum().backward()
    # the gradient is the mask times the scale: 0 where dropped, 2 where kept
    assert torch.equal(x.grad, torch.where(out == 0, 0.0, 2.0))


@pytest.mark.parametrize("p", [-0.1, 1.0, "0.5"])
def test_fast_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="'p' parameter of FastDropout"):
        FastDropout(p)


def _masks(b=3, t=40, n=5, lengths=(40, 25, 10)):
    frame = torch.zeros(b, t, dtype=torch.bool)
    for i, length in enumerate(lengths):
        frame[i, :length] = True
    node = frame.unsqueeze(-1).expand(b, t, n).clone()
    node[0, 5:20, 1] = False  # a sensor already missing for a while
    return node, frame


def test_sensor_dropout_only_removes_present_nodes_and_never_padding():
    node, frame = _masks()
    drop = SensorDropout(p=0.7)
    for seed in range(20):
        torch.manual_seed(seed)
        out = drop(node, frame)
        assert out.shape == node.shape and out.dtype == torch.bool
        assert not (out & ~node).any()  # padding and missing nodes stay missing
        assert not out[~frame].any()
        # no valid frame loses its last present node
        assert out.any(-1)[frame].all()


def test_sensor_dropout_removes_contiguous_spans_at_the_expected_rate():
    torch.manual_seed(0)
    b, t, n = 400, 30, 4
    node = torch.ones(b, t, n, dtype=torch.bool)
    out = SensorDropout(p=0.25)(node, torch.ones(b, t, dtype=torch.bool))
    hit = (~out).any(1)  # (B, N): node lost a span
    assert abs(hit.float().mean().item() - 0.25) < 0.04
    removed = (~out).transpose(1, 2).reshape(-1, t).int()
    # each removed set is one contiguous run: at most one 0->1 edge per (recording, node)
    starts = (removed[:, 1:] - removed[:, :-1] == 1).sum(1) + removed[:, 0]
    assert starts.max() <= 1


def test_sensor_dropout_spans_short_gaps_and_the_same_hidden_share():
    b, t, n = 400, 200, 4
    node, frame = torch.ones(b, t, n, dtype=torch.bool), torch.ones(b, t, dtype=torch.bool)
    shares, gap_lengths = {}, {}
    for k in (1, 4):
        torch.manual_seed(0)
        removed = ~SensorDropout(p=0.25, n_spans=k)(node, frame)
        runs = removed.transpose(1, 2).reshape(-1, t).int()
        starts = (runs[:, 1:] - runs[:, :-1] == 1).sum(1) + runs[:, 0]
        assert starts.max() <= k  # at most k gaps per (recording, node)
        assert (starts.max() > 1) == (k > 1)
        shares[k] = removed.float().mean().item()
        gap_lengths[k] = (runs.sum(1)[starts > 0] / starts[starts > 0]).mean().item()
    # about p / 2 of every node's frames either way (overlaps make k = 4 a little lower),
    # in gaps about k times shorter (~t / 2 against ~t / 8 frames)
    assert abs(shares[1] - 0.125) < 0.02 and abs(shares[4] - 0.125) < 0.02
    assert gap_lengths[4] < 0.4 * gap_lengths[1]


def test_sensor_dropout_whole_frame_kept_and_eval_identity():
    torch.manual_seed(0)
    node = torch.zeros(2, 20, 3, dtype=torch.bool)
    node[..., 0] = True  # a single present sensor can never be removed
    drop = SensorDropout(p=1.0)
    assert torch.equal(drop(node, None), node)
    full = torch.ones(2, 20, 3, dtype=torch.bool)
    assert drop.eval()(full, None) is full
    assert SensorDropout(p=0.0)(full, None) is full


def test_sensor_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="'p' parameter of SensorDropout"):
        SensorDropout(1.5)
    with pytest.raises(ValueError, match="'n_spans' parameter of SensorDropout"):
        SensorDropout(0.2, n_spans=0)


def test_jitter_inputs_noises_present_nodes_of_real_frames_only():
    x = {"a": torch.zeros(2, 300, 2, 3), "b": torch.ones(2, 300, 1, 4)}
    node_mask = torch.ones(2, 300, 3, dtype=torch.bool)
    node_mask[0, :100, 1] = False  # a node of modality "a" missing
    node_mask[1, :, 2] = False  # the node of modality "b" missing all along
    frame_mask = torch.ones(2, 300, dtype=torch.bool)
    frame_mask[1, 250:] = False  # padding
    before = {k: v.clone() for k, v in x.items()}
    out = jitter_inputs(x, 0.3, node_mask, frame_mask, torch.Generator().manual_seed(0))
    for k in x:
        assert torch.equal(x[k], before[k])  # the input is not modified
    noise = {k: out[k] - x[k] for k in x}
    assert torch.all(noise["a"][0, :100, 1] == 0)
    assert torch.all(noise["b"][1] == 0)
    assert torch.all(noise["a"][1, 250:] == 0)
    present = noise["a"][0, 100:]
    assert torch.all(present != 0)
    assert abs(present.std().item() - 0.3) < 0.02 and abs(present.mean().item()) < 0.02
    assert torch.all(noise["b"][0] != 0)


def test_jitter_inputs_zero_std_and_no_masks():
    x = {"a": torch.zeros(1, 50, 2, 3)}
    assert jitter_inputs(x, 0.0) is x
    out = jitter_inputs(x, 1.0, generator=torch.Generator().manual_seed(1))
    assert out["a"].shape == x["a"].shape and torch.all(out["a"] != 0)
    again = jitter_inputs(x, 1.0, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out["a"], again["a"])
