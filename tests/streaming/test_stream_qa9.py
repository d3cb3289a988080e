"""Streams from Python: threads sharing one fitted network, and glitches in live data."""

import threading

import numpy as np
import pytest
import torch

from stgraph_sklearn import load_model, save_model
from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.nn import MultiStageTCN, TemporalStreamer
from stgraph_sklearn.pipeline import make_segmentation_pipeline


def test_a_stream_and_offline_calls_in_other_threads_do_not_mix():
    """Check that a stream stepping in one thread and the same network run offline, or as
    another stream, in other threads each get their own results (the stream state was kept
    on the shared layers: each thread read and overwrote the other's)."""
    torch.manual_seed(0)
    tcn = MultiStageTCN(4, 8, 3, 2, 4, 0.0, causal=True).eval()
    xs = [torch.randn(1, 4, 300) for _ in range(2)]
    with torch.no_grad():
        offline = [tcn(x) for x in xs]
    results, errors, stop = {}, [], threading.Event()

    def stream(j):
        try:
            streamer = TemporalStreamer(tcn)
            parts = [streamer.step(xs[j][..., a : a + 3]) for a in range(0, 300, 3)]
            results[j] = torch.cat(parts, -1)
        except Exception as exc:  # reported below
            errors.append(exc)

    def offline_loop():
        while not stop.is_set():
            with torch.no_grad():
                if not torch.allclose(tcn(xs[1]), offline[1], atol=1e-5):
                    errors.append(AssertionError("offline output changed"))

    threads = [threading.Thread(target=stream, args=(j,)) for j in (0, 1)]
    other = threading.Thread(target=offline_loop)
    other.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    other.join()
    assert not errors, errors[:2]
    for j in (0, 1):
        torch.testing.assert_close(results[j], offline[j], atol=1e-5, rtol=1e-5)


@pytest.fixture(scope="module")
def model():
    rng = np.random.RandomState(0)
    recs = [
        Recording(
            {
                "acc": Modality(rng.randn(200, 2, 3), rate=50.0),
                "vid": Modality(rng.randn(40, 1, 4), rate=10.0),
            },
            frame_rate=10.0,
        )
        for _ in range(3)
    ]
    y = [np.repeat(["a", "b"], 20)] * 3
    seg = MSTCNSegmenter(
        lookahead=0, hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, random_state=0
    )
    return make_segmentation_pipeline(seg, k=1).fit(recs, y)


def _chunk(rng, t0, t1, dtype=np.float64, glitch=None):
    ta, tv = np.arange(t0, t1, 0.02), np.arange(t0, t1, 0.1)
    vid = rng.randn(tv.size, 1, 4).astype(dtype)
    if glitch is not None:
        vid[0, 0, 0] = glitch
    return {"acc": (ta, rng.randn(ta.size, 2, 3).astype(dtype)), "vid": (tv, vid)}


@pytest.mark.filterwarnings("ignore::stgraph_sklearn.exceptions.MissingSensorWarning")
def test_a_value_beyond_float32_is_refused_and_the_stream_goes_on(model):
    """Check that a finite value beyond float32 in a chunk is refused with the chunk's
    modality, and later chunks are labelled (it was buffered, and every later call and close
    failed on it with a message about X[0])."""
    rng = np.random.RandomState(1)
    stream = model.stream()
    tables = [stream.partial_predict(_chunk(rng, 0.0, 1.0))]
    with pytest.raises(ValueError, match=r"chunk\['vid'\] has a value of magnitude 1e\+307"):
        stream.partial_predict(_chunk(rng, 1.0, 1.5, glitch=1e307))
    tables += [stream.partial_predict(_chunk(rng, 1.5, 3.0)), stream.close()]
    frames = np.concatenate([t["frame"].to_numpy() for t in tables])
    np.testing.assert_array_equal(frames, np.arange(30))  # 3 s at 10 fps, every frame once


def test_samples_the_pipeline_refuses_close_the_stream_with_a_clear_error(model):
    """Check that buffered samples the pipeline cannot label (float32 values whose features
    overflow) close the stream with a message saying so, instead of failing every later
    call the same way while the stream stays open."""
    rng = np.random.RandomState(2)
    stream = model.stream()
    stream.partial_predict(_chunk(rng, 0.0, 1.0, np.float32))
    with pytest.raises(ValueError, match="could not be labelled, so this stream is closed"):
        stream.partial_predict(_chunk(rng, 1.0, 1.5, np.float32, glitch=3e38))
        stream.partial_predict(_chunk(rng, 1.5, 3.0, np.float32))
    with pytest.raises(ValueError, match="the stream is closed"):
        stream.partial_predict(_chunk(rng, 3.0, 4.0, np.float32))


def test_a_model_fitted_on_named_channels_streams(tmp_path):
    """Check that a causal pipeline fitted on recordings with channel names (as every CSV
    folder gives) streams after a model-file round trip, as the command line streams it: the
    stream's unnamed channels were checked against the fitted feature names and refused,
    blaming set_params (no frame was labelled)."""
    rng = np.random.RandomState(3)
    recs = [
        Recording(
            {"acc": Modality(rng.randn(200, 2, 3), rate=50.0, channel_names=["x", "y", "z"])},
            frame_rate=10.0,
        )
        for _ in range(3)
    ]
    seg = MSTCNSegmenter(
        lookahead=0, hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1, random_state=0
    )
    model = make_segmentation_pipeline(seg).fit(recs, [np.repeat(["a", "b"], 20)] * 3)
    save_model(model, tmp_path / "causal.stgm")
    model = load_model(tmp_path / "causal.stgm")
    stream = model.stream()
    mod = recs[0].modalities["acc"]
    tables = [stream.partial_predict({"acc": (mod.times, mod.values)}), stream.close()]
    frames = np.concatenate([t["label"].to_numpy() for t in tables])
    np.testing.assert_array_equal(frames, model.predict(recs[:1])[0])
