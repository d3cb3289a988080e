"""Where a model file goes: a missing folder or a folder as the path is a clear error, early."""

import io

import numpy as np
import pytest

from stgraph_sklearn.cli import main
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.io import save_model


def test_save_model_names_a_missing_folder_and_a_folder_path(tmp_path):
    rng = np.random.RandomState(0)
    seg = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=1, max_epochs=1)
    seg.fit([rng.randn(20, 2, 2)] * 2, [np.repeat([0, 1], 10)] * 2)
    missing = tmp_path / "no" / "such" / "m.stgm"
    with pytest.raises(FileNotFoundError, match=r"save_model: cannot write .*does not exist"):
        save_model(seg, missing)
    assert not missing.parent.exists()
    with pytest.raises(IsADirectoryError, match=r"save_model: .* is a folder"):
        save_model(seg, tmp_path)


def test_fit_checks_out_before_training(csv_folder, tmp_path, capsys):
    stream = io.StringIO()
    out = tmp_path / "no" / "such" / "model.stgm"
    code = main(["fit", "--data", str(csv_folder), "--out", str(out)], stream=stream)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert (
        err[0].startswith("stgraph-seg fit: error: --out: cannot write")
        and "does not exist" in err[0]
    )
    assert "Training" not in stream.getvalue()  # failed before training, not after
