"""Read-only arrays (np.frombuffer, flags.writeable=False) given straight to a segmenter."""

import warnings

import numpy as np

from stgraph_sklearn.estimators import MSTCNSegmenter


def test_read_only_arrays_train_and_predict_without_torch_warnings():
    """Check that no "The given NumPy array is not writable" UserWarning reaches the user:
    the batch copies the values anyway."""
    rng = np.random.default_rng(0)
    X = []
    for _ in range(2):
        x = rng.normal(size=(30, 2, 3)).astype(np.float32)
        x.flags.writeable = False
        X.append(x)
    y = [np.repeat([0, 1], 15)] * 2
    model = MSTCNSegmenter(max_epochs=1, hidden_channels=4, n_stages=1, n_layers=2, random_state=0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*not writable.*")
        model.fit(X, y)
        assert [p.shape for p in model.predict(X)] == [(30,), (30,)]
