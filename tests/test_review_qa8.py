"""Follow-ups of a review of this round's changes and of a QA pass on scale along other axes:
locked throwaway networks, hidden files, byte streams, the flattener's blocks of frames."""

import io
import os
import threading

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.io import read_csv_folder
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.streaming import stream_csv
from stgraph_sklearn.transformers._flattener import _smooth_and_variation

TINY = {"hidden_channels": 8, "n_stages": 1, "n_layers": 2}


def test_a_fit_reproduces_while_another_thread_loads_models(tmp_path):
    """Check that a seeded fit gives the same model while another thread loads model files:
    load_model restored torch's generator in the middle of the fit's dropout draws."""
    rng = np.random.RandomState(0)
    X = [rng.randn(80, 2, 3) for _ in range(4)]
    y = [np.repeat(["a", "b"], 40)] * 4
    save_model(MSTCNSegmenter(**TINY, max_epochs=1, random_state=1).fit(X, y), tmp_path / "m.stgm")

    def fit():
        seg = MSTCNSegmenter(**TINY, max_epochs=6, random_state=0).fit(X, y)
        return np.concatenate(seg.predict_proba(X))

    expected, stop = fit(), threading.Event()

    def load_all_the_time():
        while not stop.is_set():
            load_model(tmp_path / "m.stgm")

    loader = threading.Thread(target=load_all_the_time)
    loader.start()
    try:
        got = fit()
    finally:
        stop.set()
        loader.join()
    np.testing.assert_array_equal(got, expected)


def test_hidden_files_in_a_recording_folder_are_skipped(tmp_path):
    """Check that an editor's lock link (.#acc.csv, dangling) and macOS metadata (._acc.csv)
    are skipped as hidden folders are (the lock link failed the whole read)."""
    (tmp_path / "rec0").mkdir()
    t = np.arange(40) / 10
    pd.DataFrame({"time": t, "a": np.sin(t)}).to_csv(tmp_path / "rec0" / "acc.csv", index=False)
    os.symlink("user@host.1234", tmp_path / "rec0" / ".#acc.csv")
    (tmp_path / "rec0" / "._acc.csv").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    X, _ = read_csv_folder(tmp_path, labels=False)
    assert list(X[0].modalities) == ["acc"]


def test_stream_csv_names_bytes_given_for_text_lines():
    """Check that stream_csv given a binary file says to open it in text mode (a TypeError
    from deep inside the line check)."""
    rng = np.random.RandomState(0)
    X = [Recording({"acc": Modality(rng.randn(40, 1, 1), rate=10.0)}, frame_rate=10.0)] * 2
    y = [np.repeat(["a", "b"], 20)] * 2
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, max_epochs=1, **TINY), k=1)
    model.fit(X, y)
    with pytest.raises(TypeError, match=r"stream_csv: 'lines' must give text lines"):
        stream_csv(model, io.BytesIO(b"acc,0.0,1\n"), io.StringIO())


def test_the_total_variation_is_the_same_in_blocks_of_frames():
    """Check the flattener's graph total variation, computed a block of frames at a time to
    bound memory (it built (frames, nodes, nodes) arrays at once: 2.8 GB for 3,000 frames of
    200 nodes), against the direct formula, over several blocks."""
    rng = np.random.RandomState(0)
    n, t = 120, 150  # 69 frames per block: three blocks
    x = rng.randn(t, n, 2)
    mask = rng.rand(t, n) > 0.2
    x[~mask] = np.nan
    adj = rng.rand(n, n) * (rng.rand(n, n) > 0.7)
    _, tv = _smooth_and_variation(x, mask, adj)
    off = adj.copy()
    np.fill_diagonal(off, 0.0)
    x0 = np.where(mask[:, :, None], x, 0.0)
    expected = np.empty(t)
    for k in range(t):
        w = off * np.outer(mask[k], mask[k])
        diff = x0[k][:, None, :] - x0[k][None, :, :]
        expected[k] = (w * (diff**2).sum(axis=2)).sum() / w.sum()
    np.testing.assert_allclose(tv, expected, rtol=1e-9)
