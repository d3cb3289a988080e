"""Training through skorch's Hugging Face Accelerate integration, on CPU processes."""

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

accelerate = pytest.importorskip("accelerate")
from skorch.hf import AccelerateMixin  # noqa: E402

from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter  # noqa: E402

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 3, "random_state": 0}


def _toy(n=4, t=60):
    rng = np.random.RandomState(0)
    X = [rng.randn(t, 3, 2).astype(np.float32) for _ in range(n)]
    y = [np.repeat(["a", "b"], t // 2) for _ in range(n)]
    return X, y


@pytest.mark.parametrize("cls", [AdaptiveGraphSegmenter, MSTCNSegmenter])
def test_single_process_cpu_accelerator_trains_like_the_plain_net(cls):
    X, y = _toy()
    acc = cls(accelerator=accelerate.Accelerator(cpu=True), **TINY).fit(X, y)
    plain = cls(**TINY).fit(X, y)
    assert isinstance(acc.net_, AccelerateMixin) and not isinstance(plain.net_, AccelerateMixin)
    # one CPU process: the same seeded batches and updates, so the same model
    np.testing.assert_allclose(
        acc.history_[:, "train_loss"], plain.history_[:, "train_loss"], rtol=1e-5
    )
    p_acc, p_plain = acc.predict_proba(X), plain.predict_proba(X)
    np.testing.assert_allclose(p_acc[0], p_plain[0], atol=1e-5)
    # unwrapped after training: the fitted estimator pickles and predicts the same
    again = pickle.loads(pickle.dumps(acc))
    np.testing.assert_allclose(again.predict_proba(X)[0], p_acc[0], atol=1e-6)


def test_accelerator_parameter_is_validated():
    X, y = _toy()
    with pytest.raises(ValueError, match="accelerator"):
        MSTCNSegmenter(accelerator="cuda", **TINY).fit(X, y)


LAUNCHED = textwrap.dedent(
    """
    import sys
    import numpy as np
    from accelerate import Accelerator
    from stgraph_sklearn.estimators import MSTCNSegmenter

    rng = np.random.RandomState(0)
    X = [rng.randn(60, 3, 2).astype(np.float32) for _ in range(4)]
    y = [np.repeat(["a", "b"], 30) for _ in range(4)]
    acc = Accelerator(cpu=True)
    seg = MSTCNSegmenter(hidden_channels=8, n_stages=2, n_layers=3, max_epochs=2,
                         validation_fraction=0.0, accelerator=acc, random_state=0).fit(X, y)
    proba = seg.predict_proba(X)
    assert all(np.isfinite(p).all() for p in proba)
    weights = sum(float(p.double().sum()) for p in seg.net_.module_.parameters())
    print(f"rank {acc.process_index} of {acc.num_processes}: weights {weights:.10e}", flush=True)
    """
)


@pytest.mark.slow
def test_two_cpu_processes_train_one_model_in_sync(tmp_path):
    # torchrun sets the process-group environment that Accelerator(cpu=True) picks up (gloo);
    # ``accelerate launch --cpu`` starts several CPU processes only through MPI.
    script = tmp_path / "train.py"
    script.write_text(LAUNCHED)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = sorted(line for line in out.stdout.splitlines() if line.startswith("rank "))
    assert [line[:11] for line in lines] == ["rank 0 of 2", "rank 1 of 2"]
    # DistributedDataParallel averaged the gradients: both replicas hold the same weights
    assert lines[0].split("weights ")[1] == lines[1].split("weights ")[1]
