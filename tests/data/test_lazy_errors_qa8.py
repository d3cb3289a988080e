"""Errors found only when a memory-mapped recording is read (during training) name it."""

import numpy as np
import pytest

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import MSTCNSegmenter


def test_values_beyond_float32_in_a_mapped_file_name_the_recording(tmp_path):
    """Check that a value beyond float32 in a memory-mapped recording, found while training
    reads it, names the recording (the message named only the block, 'acc', which every
    recording has)."""
    rng = np.random.RandomState(0)
    X = []
    for i in range(3):
        values = rng.randn(60, 2, 3)
        if i == 1:
            values[30, 1, 2] = 1e39
        np.save(tmp_path / f"r{i}.npy", values)
        mapped = np.load(tmp_path / f"r{i}.npy", mmap_mode="r")
        X.append(Recording({"acc": Modality(mapped, rate=10.0)}, frame_rate=10.0, name=f"rec{i}"))
    y = [np.repeat(["a", "b"], 30)] * 3
    seg = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, random_state=0)
    with pytest.raises(
        ValueError, match=r"recording 'rec1': .* beyond the float32 range .* frame 30"
    ):
        seg.fit(X, y)
