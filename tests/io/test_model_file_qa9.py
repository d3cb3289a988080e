"""Model files whose parameters describe a network other than their weights: refused before
the network is built in full (a hand-edited ``n_layers=100000`` built for minutes first)."""

import json
import time

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.io._model_file import _digest
from stgraph_sklearn.pipeline import make_segmentation_pipeline

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}


@pytest.fixture(scope="module", params=[MSTCNSegmenter, AdaptiveGraphSegmenter])
def saved(request, tmp_path_factory):
    rng = np.random.RandomState(0)
    X = [
        Recording({"acc": Modality(rng.randn(80, 2, 3), rate=20.0)}, frame_rate=10.0)
        for _ in range(3)
    ]
    y = [np.repeat(["a", "b"], 20)] * 3
    model = make_segmentation_pipeline(request.param(**TINY), k=1).fit(X, y)
    path = tmp_path_factory.mktemp("m") / "model.stgm"
    save_model(model, path)
    return path


def _with_param(path, out, name, value):
    """``path`` with the segmenter's parameter ``name`` set to ``value``, checksum recomputed
    (as a hand edit would)."""
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
        arrays = {k: f.get_tensor(k) for k in f.keys()}
    tree = json.loads(metadata["model"])
    for pair in tree["steps"][-1][1]["params"]["__dict__"]:
        if pair[0] == name:
            pair[1] = value
    metadata["model"] = json.dumps(tree)
    metadata["sha256"] = _digest(arrays, metadata)
    save_file(arrays, out, metadata=metadata)
    return out


@pytest.mark.parametrize(("name", "value"), [("n_layers", 100_000), ("hidden_channels", 50_000)])
def test_a_network_larger_than_its_weights_is_refused_at_once(saved, tmp_path, name, value):
    """Check that a file whose parameters describe a network far larger than its weights is
    refused within seconds, before the network is built (100,000 layers built for minutes;
    50,000 channels allocated 30 GB of weights)."""
    path = _with_param(saved, tmp_path / "big.stgm", name, value)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"larger network than the \d+ stored weight tensors"):
        load_model(path)
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(("name", "value"), [("n_layers", 4), ("hidden_channels", 5)])
def test_weights_of_another_network_are_named_briefly(saved, tmp_path, name, value):
    """Check that weights that do not fit the network the parameters describe are refused with
    a count and a few names, not torch's list of every missing or resized tensor."""
    path = _with_param(saved, tmp_path / "other.stgm", name, value)
    with pytest.raises(ValueError, match="do not fit the network its parameters describe") as e:
        load_model(path)
    assert len(str(e.value)) < 1000
    assert ", ..." in str(e.value)
