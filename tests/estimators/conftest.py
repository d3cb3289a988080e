import numpy as np
import pytest


def make_toy(n_recordings=6, n_nodes=4, seed=0, labels=("idle", "stir", "cut")):
    """Recordings of varied length where the active class moves nodes 0-1 (stir) or 2-3 (cut)."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n_recordings):
        t = 90 + 15 * (i % 3)
        lab = np.repeat(np.arange(3), t // 3)[:t]
        lab = np.concatenate([lab, np.full(t - lab.size, 0)])
        x = 0.3 * rng.randn(t, n_nodes, 2)
        x[lab == 1, :2] += 1.5
        x[lab == 2, 2:] -= 1.5
        X.append(x.astype(np.float32))
        y.append(np.asarray(labels)[lab])
    return X, y


@pytest.fixture
def toy():
    return make_toy()


@pytest.fixture
def toy_factory():
    return make_toy
