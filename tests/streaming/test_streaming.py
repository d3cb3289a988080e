"""Tests of the streaming API: streamed labels equal the causal model's offline predictions."""

import gc
import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
)
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.streaming import SegmentationStream, stream_csv

FPS = 10.0
TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 2, "random_state": 0}


def _recording(rng, seconds=12.0, irregular=True, dropout=True):
    # n_frames is left to Recording (last stamp plus a period), which is how a stream counts them
    """Accelerometers at ~50 Hz (irregular stamps), a 1-node 'video' at 8 Hz, with drop-outs."""
    n = int(seconds * 50)
    t = np.arange(n) / 50.0
    if irregular:
        t = t + rng.uniform(-0.004, 0.004, n)
        t[0] = 0.0  # the clock starts at the first sample, where a stream starts its frames
    acc = np.sin(t[:, None, None] * np.array([1.0, 2.0, 3.0])[None, :, None]) + 0.3 * rng.randn(
        n, 3, 2
    )
    if dropout:
        a = rng.randint(0, n - 150)
        acc[a : a + rng.randint(20, 120), rng.randint(3)] = np.nan  # a sensor drops out
        acc[-30:, 1] = np.nan  # and one is gone at the end
    m = int(seconds * 8)
    vid = np.cos(np.arange(m)[:, None] / 8.0 + np.arange(4)) + 0.2 * rng.randn(m, 4)
    return Recording(
        {"acc": Modality(acc, timestamps=t), "vid": Modality(vid, rate=8.0)},
        frame_rate=FPS,
    )


def _labels(rec):
    n = rec.n_frames
    return np.array(["a", "b", "c"])[(np.arange(n) * 3) // n]


@pytest.fixture(scope="module")
def recordings():
    rng = np.random.RandomState(0)
    return [_recording(rng) for _ in range(3)]


def _stream(model, rec, rng, rates, offset=0.0):
    """Replay ``rec`` (its times plus ``offset``) as chunks of random duration; return the
    stream and its frame tables."""
    stream = model.stream() if rates is None else model.stream(frame_rate=FPS, rates=rates)
    times = {k: m.times + offset for k, m in rec.modalities.items()}
    pos = dict.fromkeys(times, 0)
    t, out = offset, []
    end = max(v[-1] for v in times.values())
    while t <= end:
        t += rng.choice([0.0, 0.01, 0.05, 0.3, 1.0, 2.5])
        chunk = {}
        for k, ts in times.items():
            stop = np.searchsorted(ts, t, side="right")
            chunk[k] = (ts[pos[k] : stop], rec.modalities[k].values[pos[k] : stop])
            pos[k] = stop
        out.append(stream.partial_predict(chunk))
    out.append(stream.close())
    return stream, out


@pytest.mark.parametrize(
    "segmenter, features, rates",
    [
        (MSTCNSegmenter(lookahead=0, **TINY), True, {"acc": 50.0, "vid": 8.0}),
        (MSTCNSegmenter(lookahead=0, **TINY), "max_gap", None),
        (MSTCNSegmenter(lookahead=0, **TINY), "hold", None),
        (AdaptiveGraphSegmenter(lookahead=3, **TINY), True, None),  # the rates learned in fit
        (AdaptiveGraphSegmenter(lookahead=0, **TINY), False, {"acc": 50.0, "vid": 8.0}),
        (FrameClassifierSegmenter(LogisticRegression(max_iter=300)), True, None),
    ],
    ids=[
        "mstcn",
        "mstcn-max-gap-per-modality",
        "mstcn-held-state",
        "graph-lookahead",
        "graph-raw",
        "frame-classifier",
    ],
)
def test_streamed_labels_equal_offline_predictions(recordings, segmenter, features, rates):
    """Check that random chunks, irregular stamps and drop-outs give predict's labels exactly."""
    model = make_segmentation_pipeline(segmenter, k=2)
    if not features:
        model.steps.pop(1)
    if features == "max_gap":  # the accelerometers' drop-outs bridged, the video's not
        model.set_params(modalityaligner__max_gap={"acc": None, "vid": 0.1})
    if features == "hold":  # the video as a state held from its first sample to the end
        model.set_params(
            modalityaligner__method={"vid": "hold"}, modalityaligner__max_gap={"vid": None}
        )
    y = [_labels(r) for r in recordings]
    model.fit(recordings, y)
    rng = np.random.RandomState(1)
    rec = _recording(rng)
    stream, out = _stream(model, rec, rng, rates)
    table = np.concatenate([o["label"].to_numpy() for o in out])
    frames = np.concatenate([o["frame"].to_numpy() for o in out])
    proba = np.concatenate([o.filter(like="proba_").to_numpy() for o in out])
    expected = model.predict_proba([rec])[0]
    np.testing.assert_array_equal(frames, np.arange(rec.n_frames))
    np.testing.assert_array_equal(table, model.classes_[expected.argmax(axis=1)])
    # the streamed features differ from the offline ones by float32 rounding; the logistic
    # regression's unscaled weights magnify that more than the networks do
    atol = 1e-4 if isinstance(segmenter, FrameClassifierSegmenter) else 1e-5
    np.testing.assert_allclose(proba, expected, atol=atol)
    assert stream.n_frames_ == rec.n_frames
    # frames are released while streaming, not only at close()
    assert sum(len(o) for o in out[:-1]) > rec.n_frames // 2


def test_stream_memory_is_bounded(recordings):
    """Check that the buffers do not grow with the stream length."""
    seg = MSTCNSegmenter(lookahead=0, **TINY)
    model = make_segmentation_pipeline(seg, k=2).fit(recordings, [_labels(r) for r in recordings])
    stream = model.stream(frame_rate=FPS, rates={"acc": 50.0, "vid": 8.0})
    rng = np.random.RandomState(2)
    sizes = []
    for second in range(60):
        t_acc = second + np.arange(50) / 50.0
        acc = rng.randn(50, 3, 2)
        if second > 20:
            acc[:, 0] = np.nan  # a sensor gone for good must not make the buffer grow
        t_vid = second + np.arange(8) / 8.0
        stream.partial_predict({"acc": (t_acc, acc), "vid": (t_vid, rng.randn(8, 4))})
        sizes.append(stream._buffers["acc"].times.size + len(stream._aligned["acc"]))
    assert max(sizes[40:]) <= max(sizes[22:40]) < 60  # no growth after the drop-out
    assert stream.n_frames_ > 50 * FPS


def test_stream_needs_a_causal_model(recordings):
    """Check the errors for an offline model, bad rates and bad chunks."""
    y = [_labels(r) for r in recordings]
    offline = make_segmentation_pipeline(MSTCNSegmenter(**TINY), k=2).fit(recordings, y)
    with pytest.raises(ValueError, match=r"MSTCNSegmenter\.stream needs a causal model"):
        offline.stream(frame_rate=FPS, rates={"acc": 50.0, "vid": 8.0})
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=2).fit(recordings, y)
    with pytest.raises(ValueError, match=r"'rates' parameter of SegmentationStream.*'gyro'"):
        model.stream(rates={"gyro": 50.0})
    stream = model.stream(frame_rate=FPS, rates={"acc": 50.0, "vid": 8.0})
    with pytest.raises(ValueError, match=r"modalities \['gyro'\]"):
        stream.partial_predict({"gyro": ([0.0], np.zeros((1, 3)))})
    with pytest.raises(ValueError, match="expected 3 nodes and 2 channels"):
        stream.partial_predict({"acc": ([0.0], np.zeros((1, 2, 2)))})
    stream.partial_predict({"acc": ([0.0], np.zeros((1, 3, 2)))})
    with pytest.raises(ValueError, match="increase strictly across chunks"):
        stream.partial_predict({"acc": ([0.0], np.zeros((1, 3, 2)))})
    with pytest.raises(ValueError, match=r"modalities \['vid'\] never sent a sample"):
        stream.close()
    assert isinstance(stream, SegmentationStream)
    stream.partial_predict({"vid": ([0.0], np.zeros((1, 4)))})
    with pytest.raises(ValueError, match="'n_frames' must be an int"):
        stream.close(n_frames=-1)
    smoothed = FrameClassifierSegmenter(LogisticRegression(max_iter=500), smoothing_window=5)
    smoothed = make_segmentation_pipeline(smoothed, k=2).fit(recordings, y)
    with pytest.raises(ValueError, match=r"stream needs smoothing_window=None or 1.*Got 5"):
        smoothed.stream()


def test_cli_stream_writes_the_offline_labels(recordings, tmp_path, capsys):
    """Check that stgraph-seg stream reads CSV samples and writes predict's labels."""
    import joblib

    from stgraph_sklearn.cli import main
    from stgraph_sklearn.io import save_model

    seg = MSTCNSegmenter(lookahead=1, **TINY)
    model = make_segmentation_pipeline(seg, k=2).fit(recordings, [_labels(r) for r in recordings])
    joblib.dump(model, tmp_path / "model.joblib")
    rec = _recording(np.random.RandomState(5))
    rows = [
        (float(t), key, ",".join("" if np.isnan(v) else repr(float(v)) for v in values.ravel()))
        for key, mod in rec.modalities.items()
        for t, values in zip(mod.times, mod.values, strict=True)
    ]
    lines = ["modality,time,values"] + [f"{k},{t!r},{v}" for t, k, v in sorted(rows)]
    (tmp_path / "samples.csv").write_text("\n".join(lines) + "\n")
    args = ["stream", "--model", str(tmp_path / "model.joblib"), "--frame-rate", "10"]
    args += ["--rate", "acc=50", "--rate", "vid=8", "--input", str(tmp_path / "samples.csv")]
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "frame,time,label,confidence"
    labels = [line.split(",")[2] for line in out[1:]]
    np.testing.assert_array_equal(labels, model.predict([rec])[0])
    save_model(model, tmp_path / "model.stgm")  # the library's model file
    assert main([*args[:2], str(tmp_path / "model.stgm"), *args[3:]]) == 0
    again = [line.split(",")[2] for line in capsys.readouterr().out.splitlines()[1:]]
    assert again == labels
    (tmp_path / "bad.csv").write_text("acc,0.0,1,2\n")
    args[-1] = str(tmp_path / "bad.csv")
    assert main(args) == 1
    assert "line 1: modality 'acc' needs 6 values" in capsys.readouterr().err
    assert gc.get_freeze_count() == 0  # the error path unfroze too


def test_cli_stream_freezes_the_loaded_objects_while_streaming(recordings, tmp_path, monkeypatch):
    """Check the command streams with the loaded model's objects out of the collected
    generations (a full collection walked them all: a long pause mid-stream) and unfreezes
    them when the stream ends."""
    import joblib

    from stgraph_sklearn import streaming
    from stgraph_sklearn.cli import main

    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=2)
    joblib.dump(model.fit(recordings, [_labels(r) for r in recordings]), tmp_path / "m.joblib")
    (tmp_path / "empty.csv").write_text("")
    frozen = []
    monkeypatch.setattr(
        streaming, "stream_csv", lambda *a, **k: frozen.append(gc.get_freeze_count())
    )
    args = ["stream", "--model", str(tmp_path / "m.joblib"), "--input", str(tmp_path / "empty.csv")]
    assert main(args) == 0
    assert frozen[0] > 1000 and gc.get_freeze_count() == 0


def test_stream_of_an_unfitted_pipeline_names_the_pipeline():
    """Check that stream() on an unfitted pipeline says the pipeline is not fitted.

    It named "This ModalityAligner instance", a step the user never built by hand.
    """
    from sklearn.exceptions import NotFittedError

    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY))
    with pytest.raises(NotFittedError, match="This SegmentationPipeline instance is not fitted"):
        model.stream()


def test_stream_rates_default_to_the_training_recordings(recordings):
    """Check the learned frame rate and rates, partial overrides, and disagreeing recordings."""
    y = [_labels(r) for r in recordings]
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=2).fit(recordings, y)
    aligner = model[0]
    assert aligner.frame_rate_ == FPS
    assert aligner.rates_["vid"] == 8.0
    assert aligner.rates_["acc"] == pytest.approx(50.0, rel=1e-2)  # median interval, irregular
    stream = model.stream(rates={"acc": 100.0})  # one modality overridden, the other learned
    assert stream.rates == {"acc": 100.0, "vid": 8.0} and stream.frame_rate == FPS
    # Training recordings at 8 and 12 Hz video, and at two frame rates: no common rate.
    rng = np.random.RandomState(3)
    mixed = [_recording(rng) for _ in range(2)]
    vid = mixed[1].modalities["vid"]
    mixed[1] = Recording(
        {"acc": mixed[1].modalities["acc"], "vid": Modality(vid.values, rate=12.0)},
        frame_rate=15.0,
    )
    labels = [np.repeat(["a", "b"], [r.n_frames // 2, r.n_frames - r.n_frames // 2]) for r in mixed]
    model = make_segmentation_pipeline(MSTCNSegmenter(lookahead=0, **TINY), k=2).fit(mixed, labels)
    assert model[0].frame_rate_ is None and model[0].rates_["vid"] is None
    with pytest.raises(ValueError, match="pass 'frame_rate'"):
        model.stream()
    with pytest.raises(ValueError, match=r"pass the nominal rate in Hz of modalities \['vid'\]"):
        model.stream(frame_rate=FPS)
    assert model.stream(frame_rate=FPS, rates={"vid": 10.0}).rates["vid"] == 10.0


@pytest.fixture(scope="module")
def causal_model(recordings):
    seg = MSTCNSegmenter(lookahead=0, **TINY)
    return make_segmentation_pipeline(seg, k=2).fit(recordings, [_labels(r) for r in recordings])


@pytest.mark.parametrize("offset", [1000.0, 1.7e9], ids=["1000s", "unix"])
def test_stream_on_an_absolute_clock_starts_at_its_first_sample(causal_model, offset):
    """Check that a clock with an offset (Unix seconds, say) gives the labels of the same
    samples on a clock from 0, frames from its first sample and times on its own clock,
    instead of counting (and allocating) frames from t=0."""
    rec = _recording(np.random.RandomState(1))
    rates = {"acc": 50.0, "vid": 8.0}
    _, base = _stream(causal_model, rec, np.random.RandomState(4), rates)
    stream, out = _stream(causal_model, rec, np.random.RandomState(4), rates, offset=offset)
    assert stream.start_time_ == offset
    assert stream.n_frames_ == rec.n_frames
    assert stream._buffers["acc"].times.size < 200  # no frames (nor samples) from t=0 on
    base, out = (pd.concat(tables, ignore_index=True) for tables in (base, out))
    np.testing.assert_array_equal(out["frame"], np.arange(rec.n_frames))
    np.testing.assert_array_equal(out["label"], base["label"])
    np.testing.assert_array_equal(out["label"], causal_model.predict([rec])[0])
    np.testing.assert_allclose(
        out.filter(like="proba_").to_numpy(), base.filter(like="proba_").to_numpy(), atol=1e-5
    )
    np.testing.assert_allclose(out["time"] - offset, base["time"], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(base["time"], np.arange(rec.n_frames) / FPS)


def test_a_time_jump_too_long_for_memory_is_named_and_closes_the_stream(
    causal_model, monkeypatch, capsys, tmp_path
):
    """Check that a glitched timestamp (Unix time on a stream from 0) whose gap cannot be
    labelled in memory names the jump: numpy's bare MemoryError came from deep inside, and
    the command line blamed --frame-rate and the number of recordings."""
    rng = np.random.RandomState(0)
    stream = causal_model.stream(frame_rate=FPS, rates={"acc": 50.0, "vid": 8.0})
    stream.partial_predict(
        {
            "acc": (np.arange(50) / 50, rng.randn(50, 3, 2)),
            "vid": (np.arange(8) / 8, rng.randn(8, 4)),
        }
    )
    resample = SegmentationStream._resample_until

    def limited(self, n_frames):  # as numpy fails for 5e10 frames, without allocating them
        if n_frames - self._n_aligned > 10**6:
            raise MemoryError("Unable to allocate 380. GiB")
        return resample(self, n_frames)

    monkeypatch.setattr(SegmentationStream, "_resample_until", limited)
    jump = {
        "acc": (np.array([1.7e9]), rng.randn(1, 3, 2)),
        "vid": (np.array([1.7e9]), rng.randn(1, 4)),
    }
    with pytest.raises(
        MemoryError,
        match=r"partial_predict: not enough memory to label frames .* 1700000000\.0 s.*jump.*closed",
    ):
        stream.partial_predict(jump)
    with pytest.raises(ValueError, match="closed"):
        stream.partial_predict({})
    from stgraph_sklearn.cli import main

    lines = ["modality,time,values", "acc,0.0," + ",".join(["0.5"] * 6), "vid,0.0,1,2,3,4"]
    lines += ["acc,1700000000.0," + ",".join(["0.5"] * 6), "vid,1700000000.0,1,2,3,4"]
    (tmp_path / "samples.csv").write_text("\n".join(lines) + "\n")
    args = ["stream", "--model", _write_model(causal_model, tmp_path), "--frame-rate", "10"]
    args += ["--rate", "acc=50", "--rate", "vid=8", "--input", str(tmp_path / "samples.csv")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "error: not enough memory: SegmentationStream.partial_predict" in err
    assert "--frame-rate" not in err and "recordings" not in err


def test_stream_starts_at_the_earliest_first_sample_of_the_modalities(causal_model):
    """Check that frame 0 is at the earliest first sample even when that modality starts in a
    later chunk, as recording_from_dataframes starts a recording."""
    rng = np.random.RandomState(6)
    stream = causal_model.stream(frame_rate=FPS, rates={"acc": 50.0, "vid": 8.0})
    t0 = 1.7e9
    first = stream.partial_predict({"acc": (t0 + 0.5 + np.arange(50) / 50, rng.randn(50, 3, 2))})
    assert len(first) == 0 and stream.start_time_ is None
    out = [stream.partial_predict({"vid": (t0 + np.arange(12) / 8, rng.randn(12, 4))})]
    assert stream.start_time_ == t0
    out = pd.concat([*out, stream.close()], ignore_index=True)
    np.testing.assert_array_equal(out["frame"], np.arange(15))  # 1.5 s from t0, at 10 fps
    np.testing.assert_allclose(out["time"] - t0, np.arange(15) / FPS, rtol=0, atol=1e-6)


def _write_model(model, tmp_path):
    import joblib

    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    return str(path)


@pytest.mark.parametrize(
    "lines, message",
    [
        (
            "acc,0.0,1,2,3,4,5,6\nacc,0.0,1,2,3,4,5,6\n",
            r"line 2: modality 'acc' at '0\.0' s is not after its previous sample at 0\.0 s "
            r"\(line 1\)",
        ),
        (
            "vid,0.0,1,2,3,4\nacc,0.5,1,2,3,4,5,6\nacc,0.25,1,2,3,4,5,6\n",
            r"line 3: modality 'acc' at '0\.25' s is not after its previous sample at 0\.5 s",
        ),
        ("acc,0.0,1,2,3,inf,5,6\n", r"line 1: values must be finite numbers .*Got 'inf'"),
        ("acc,0.0,1,2,3,4,5,6\nvid,0.1,1,-inf,3,4\n", r"line 2: values .*Got '-inf'"),
        ("acc,inf,1,2,3,4,5,6\n", r"line 1: the time must be a finite number .*Got 'inf'"),
        ("acc,nan,1,2,3,4,5,6\n", r"line 1: the time must be a finite number .*Got 'nan'"),
        (
            "acc,1714550400000,1,2,3,4,5,6\n",
            r"line 1: the time must hold seconds\. Got numbers up to 1\.715e\+12.*milliseconds",
        ),
    ],
    ids=["duplicate", "backwards", "inf-value", "minus-inf", "inf-time", "nan-time", "unix-ms"],
)
def test_cli_stream_names_the_line_of_bad_times_and_values(
    causal_model, tmp_path, capsys, lines, message
):
    """Check that duplicate, decreasing and non-finite times and infinite values end the
    command with an error naming the input line, not a Modality error without one."""
    from stgraph_sklearn.cli import main

    (tmp_path / "bad.csv").write_text(lines)
    args = ["stream", "--model", _write_model(causal_model, tmp_path)]
    assert main([*args, "--input", str(tmp_path / "bad.csv")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("stgraph-seg stream: error: line ")
    assert re.search(message, err), err


@pytest.mark.parametrize("chunk", ["0", "-1", "nan", "inf", "x"])
def test_cli_stream_rejects_a_chunk_that_is_not_a_positive_number(chunk, tmp_path, capsys):
    """Check that --chunk must be a finite number of seconds > 0 (0 sent every line alone,
    inf never sent anything before the end)."""
    from stgraph_sklearn.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["stream", "--model", str(tmp_path / "m.stgm"), "--chunk", chunk])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --chunk: expected a finite number > 0, got '{chunk}'" in err


def test_stream_csv_ignores_a_byte_order_mark_without_a_header(causal_model):
    """Check that a byte-order mark before a first line that is a sample, not a header, is
    ignored as before a header: it was read into the modality name ('unknown modality')."""
    rng = np.random.RandomState(0)
    lines = [f"acc,{t / 50!r}," + ",".join(map(str, rng.randn(6))) for t in range(100)]
    lines += [f"vid,{t / 8!r}," + ",".join(map(str, rng.randn(4))) for t in range(16)]
    lines.sort(key=lambda line: float(line.split(",")[1]))
    plain, marked = io.StringIO(), io.StringIO()
    stream_csv(causal_model, lines, plain)
    stream_csv(causal_model, ["\ufeff" + lines[0], *lines[1:]], marked)
    assert marked.getvalue() == plain.getvalue() and len(plain.getvalue().splitlines()) > 10


@pytest.mark.parametrize("chunk", [0, -1.0, float("nan"), float("inf"), "1", True])
def test_stream_csv_rejects_a_bad_chunk_length(causal_model, chunk):
    """Check stream_csv's own check of chunk_seconds."""
    with pytest.raises(ValueError, match=r"'chunk_seconds' parameter of stream_csv .*Got"):
        stream_csv(causal_model, ["acc,0.0,1,2,3,4,5,6"], io.StringIO(), chunk_seconds=chunk)


@pytest.mark.parametrize(
    "vid, message",
    [
        ((np.arange(4) / 8.0, np.zeros((5, 4))), r"timestamps must have shape \(5,\)"),
        ((np.r_[0.0, np.nan, 0.25], np.zeros((3, 4))), r"timestamps must be finite"),
        ((np.arange(3) / 8.0, np.r_[0.0, np.inf, 0.0][:, None] * np.ones(4)), r"values .*Got inf"),
        ((["a", "b"], np.zeros((2, 4))), r"timestamps must be array-like of numbers"),
    ],
    ids=["length", "nan-time", "inf-value", "text-time"],
)
def test_partial_predict_names_the_modality_of_a_malformed_chunk(causal_model, vid, message):
    """Check that the errors Modality raises on a chunk (stamps not matching the values,
    non-finite stamps or values) name partial_predict and the chunk's key, like its other
    chunk errors, and keep their type."""
    acc = (np.arange(5) / 50.0, np.zeros((5, 3, 2)))
    where = r"^SegmentationStream\.partial_predict: chunk\['vid'\] "
    with pytest.raises(ValueError, match=where + message):
        causal_model.stream().partial_predict({"acc": acc, "vid": vid})


@pytest.mark.parametrize(
    "vid, message",
    [
        ((np.arange(3) / 8.0 * 1000 + 1.7e12, np.zeros((3, 4))), r"must hold seconds"),
        (
            (pd.date_range("2024-01-01", periods=3, freq="125ms").to_numpy(), np.zeros((3, 4))),
            "dtype datetime64",
        ),
        ((np.zeros((3, 1)), np.zeros((3, 4))), r"an array of shape \(3, 1\)"),
        ((None, np.zeros((3, 4))), "Got None"),
        ((np.empty(0), np.zeros((3, 4))), "no timestamps but 3 samples"),
    ],
    ids=["unix-ms", "datetime64", "2-d", "none", "empty-times"],
)
def test_partial_predict_refuses_timestamps_that_are_not_seconds(causal_model, vid, message):
    """Check that Unix milliseconds (89,001 frames from 3 s), datetime64 (a 216-GiB
    allocation), 2-D or None timestamps, and values without timestamps (dropped silently)
    are refused by chunk key before the stream changes."""
    stream = causal_model.stream()
    acc = (np.arange(5) / 50.0, np.zeros((5, 3, 2)))
    with pytest.raises(ValueError, match=r"partial_predict: chunk\['vid'\] .*" + message):
        stream.partial_predict({"acc": acc, "vid": vid})
    assert stream.start_time_ is None


def test_a_pickled_streamer_continues_exactly():
    """Check that a TemporalStreamer pickled mid-stream (a checkpoint) continues with the
    offline outputs: its cached buffer views were pickled apart from their buffers, so it
    read stale context (0.66 apart, 45 of 250 frames relabelled)."""
    import pickle

    import torch

    from stgraph_sklearn.nn import MultiStageTCN, TemporalStreamer

    torch.manual_seed(0)
    tcn = MultiStageTCN(4, 8, num_classes=3, num_stages=2, num_layers=3, dropout=0.0, causal=True)
    tcn.eval()
    x = torch.randn(1, 4, 400)
    with torch.no_grad():
        expected = tcn(x)[..., 150:]
        streamer = TemporalStreamer(tcn)
        for a in range(0, 150, 10):
            streamer.step(x[:, :, a : a + 10])
        restored = pickle.loads(pickle.dumps(streamer))
        out = torch.cat([restored.step(x[:, :, a : a + 10]) for a in range(150, 400, 10)], -1)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-5)


def test_stream_warns_once_about_frames_without_any_sensor(causal_model):
    """Check that a stream says when frames have no sensor at all, once, as predict does (it
    labelled them silently)."""
    from stgraph_sklearn.exceptions import MissingSensorWarning

    stream = causal_model.stream()
    rng = np.random.RandomState(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for second in range(6):
            t_acc, t_vid = second + np.arange(50) / 50.0, second + np.arange(8) / 8.0
            acc, vid = rng.randn(50, 3, 2), rng.randn(8, 4)
            if 1 <= second <= 4:  # every sensor silent for four seconds
                acc[:], vid[:] = np.nan, np.nan
            stream.partial_predict({"acc": (t_acc, acc), "vid": (t_vid, vid)})
        stream.close()
    found = [w for w in caught if issubclass(w.category, MissingSensorWarning)]
    assert len(found) == 1
    assert "no sensor present at all" in str(found[0].message)
