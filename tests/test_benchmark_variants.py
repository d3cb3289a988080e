"""Tests of the network variants the ablation keeps in benchmarks/_variants.py."""

import importlib.util
from pathlib import Path

import pytest
import torch

from stgraph_sklearn.nn import MultiStageTCN

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "_variants.py"


@pytest.fixture(scope="module")
def variants():
    spec = importlib.util.spec_from_file_location("_variants", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_separable_stages_halve_the_layer_parameters(variants):
    """A separable layer has 2C² + 6C parameters instead of MS-TCN's 4C² + 2C; padding still
    does not leak."""
    torch.manual_seed(0)
    tcn = variants.make_separable(MultiStageTCN(5, 64, 4, 2, 1, dropout=0.0)).eval()
    assert _count(tcn.stages[0].layers[0]) == 2 * 64**2 + 6 * 64
    short = torch.randn(1, 5, 23)
    batch = torch.cat([short, 100 * torch.randn(1, 5, 17)], dim=2)
    mask = torch.zeros(1, 40, dtype=torch.bool)
    mask[0, :23] = True
    with torch.no_grad():
        torch.testing.assert_close(tcn(batch, mask)[..., :23], tcn(short), atol=1e-5, rtol=1e-5)


def test_attention_node_pool(variants):
    """Check attention pooling: weights over present nodes, masking, no NaN when all missing."""
    pool = variants.AttentionNodePool(5)
    mask = torch.ones(2, 3, 4, dtype=torch.bool)
    mask[0, 1, 2] = False
    mask[1, :, 0] = False
    mask[0, 0] = False
    x = torch.randn(2, 3, 4, 5, requires_grad=True)
    weights = pool.attention(x, mask)
    torch.testing.assert_close(weights.sum(-1)[mask.any(-1)], torch.ones(5))
    assert torch.all(weights[~mask] == 0)
    out = pool(x, mask)
    assert out.shape == (2, 3, 5) and torch.all(out[0, 0] == 0)
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(pool.score.weight.grad).all()
    x2 = x.detach().clone()
    x2[~mask] = 1e3
    torch.testing.assert_close(pool(x2, mask), out.detach())
