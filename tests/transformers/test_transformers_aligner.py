"""Tests of ModalityAligner."""

import warnings

import numpy as np
import pytest

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.exceptions import MissingSensorWarning
from stgraph_sklearn.transformers import ModalityAligner


def _one(mod, frame_rate=30.0, n_frames=None, **params):
    rec = Recording({"m": mod}, frame_rate=frame_rate, n_frames=n_frames)
    (out,) = ModalityAligner(**params).fit_transform([rec])
    assert out.is_aligned()
    return out.modalities["m"].values


def test_output_is_aligned(recordings):
    out = ModalityAligner().fit_transform(recordings)
    assert len(out) == len(recordings)
    for rec, res in zip(recordings, out, strict=True):
        assert res.is_aligned()
        assert res.n_frames == rec.n_frames and res.name == rec.name and res.subject == rec.subject
        assert res.modalities["accel"].values.shape == (rec.n_frames, 3, 3)
        assert res.modalities["video"].values.shape == (rec.n_frames, 1, 4)
        assert res.modalities["accel"].node_names == ("knife", "board", "bowl")
        assert res.modalities["accel"].clock is None


def _rms(x):
    x = x[~np.isnan(x)]
    return np.sqrt(np.mean((x - x.mean()) ** 2))


def test_downsampling_box_filter_keeps_slow_vibration():
    """Check that a 9 Hz sinusoid at 50 Hz survives onto 30 fps frames with most of its energy."""
    t = np.arange(1000) / 50
    x = np.sin(2 * np.pi * 9 * t)
    out = _one(Modality(x[:, None], rate=50.0))[:, 0, 0]
    assert not np.isnan(out).any()
    ratio = _rms(out) / _rms(x)
    assert 0.7 < ratio <= 1.0
    spectrum = np.abs(np.fft.rfft(out - out.mean()))
    assert np.fft.rfftfreq(out.size, 1 / 30)[spectrum.argmax()] == pytest.approx(9.0, abs=0.1)


def test_downsampling_attenuates_instead_of_aliasing():
    """Check that a 20 Hz vibration (above 15 Hz Nyquist) is attenuated, unlike point sampling."""
    t = np.arange(1000) / 50
    x = np.sin(2 * np.pi * 20 * t)
    box = _one(Modality(x[:, None], rate=50.0))[:, 0, 0]
    point = _one(Modality(x[:, None], rate=50.0), method="nearest")[:, 0, 0]
    assert _rms(point) / _rms(x) > 0.9  # point sampling aliases it to 10 Hz at full power
    assert _rms(box) / _rms(x) < 0.35
    assert _rms(box) < 0.35 * _rms(point)


def test_linear_upsampling_of_a_ramp_is_exact():
    t = np.arange(50) / 10  # 10 Hz ramp onto 30 fps
    out = _one(Modality(t[:, None], rate=10.0), n_frames=147)[:, 0, 0]
    ref = np.arange(147) / 30
    np.testing.assert_allclose(out, ref, atol=1e-12)


def test_irregular_timestamps():
    rng = np.random.default_rng(0)
    ts = np.cumsum(rng.uniform(0.02, 0.06, 150))  # ~25 Hz, irregular, onto 30 fps: upsampling
    out = _one(Modality(2 * ts[:, None], timestamps=ts), n_frames=int(ts[-1] * 30))[:, 0, 0]
    frames = np.arange(out.size) / 30
    inside = frames >= ts[0]
    np.testing.assert_allclose(out[inside], 2 * frames[inside], atol=1e-9)
    assert np.isnan(out[frames < ts[0] - 0.03]).all()


def test_clock_offset_and_drift():
    """Check that the sample for reference time t is read at t + offset(t)."""
    t = np.arange(400) / 10
    mod = Modality(t[:, None], rate=10.0, clock=[[0.0, 0.5], [20.0, 1.5]])
    out = _one(mod, frame_rate=5.0, n_frames=100)[:, 0, 0]
    ref = np.arange(100) / 5
    # frame 0's window straddles the first anchor, where the offset stops being constant
    np.testing.assert_allclose(out[1:], (ref + np.interp(ref, [0, 20], [0.5, 1.5]))[1:], atol=1e-9)
    ignored = _one(mod, frame_rate=5.0, n_frames=100, clock="ignore")[:, 0, 0]
    np.testing.assert_allclose(ignored[1:], ref[1:], atol=1e-9)


def test_clock_callable_overrides():
    t = np.arange(100) / 10
    rec = Recording(
        {"m": Modality(t[:, None], rate=10.0, clock=[[0, 5.0]])}, frame_rate=5.0, n_frames=20
    )
    calls = []

    def clock(recording, name):
        calls.append(name)
        return [[0.0, 2.0]]

    out = ModalityAligner(clock=clock).fit_transform([rec])[0].modalities["m"].values[:, 0, 0]
    np.testing.assert_allclose(out, np.arange(20) / 5 + 2.0, atol=1e-9)
    assert calls == ["m"]
    bad = ModalityAligner(clock=lambda rec, name: [1.0, 2.0]).fit([rec])
    with pytest.raises(ValueError, match=r"ModalityAligner.*clock.*X\[0\] modality 'm'"):
        bad.transform([rec])


def test_hold_and_nearest_for_categorical():
    codes = np.array([0, 0, 1, 1, 2, 2, 2, 0], dtype=float)
    hold = _one(Modality(codes[:, None], rate=10.0), frame_rate=20.0, n_frames=16, method="hold")
    np.testing.assert_array_equal(hold[:, 0, 0], np.repeat(codes, 2))
    near = _one(Modality(codes[:, None], rate=10.0), frame_rate=20.0, n_frames=16, method="nearest")
    assert set(np.unique(near)) <= {0.0, 1.0, 2.0}  # never an interpolated code


def test_method_dict_per_modality(recordings):
    al = ModalityAligner(method={"video": "hold"}).fit(recordings)
    assert al.methods_ == {"accel": "linear", "video": "hold"}
    with pytest.raises(ValueError, match=r"'method'.*\['audio'\].*Valid modalities"):
        ModalityAligner(method={"audio": "hold"}).fit(recordings)
    with pytest.raises(ValueError, match="'cubic' for modality 'video'"):
        ModalityAligner(method={"video": "cubic"}).fit(recordings)


def test_nan_gap_longer_than_max_gap_becomes_nan(recordings):
    """Check that the 1 s accelerometer drop-out is NaN on the frames, other nodes untouched."""
    out = ModalityAligner().fit_transform(recordings[:1])[0].modalities["accel"].values
    frames = np.arange(out.shape[0]) / 30 + 0.1  # modality time of each frame (offset 0.1 s)
    in_gap = (frames > 2.02) & (frames < 2.98)
    near_gap = (frames > 1.98) & (frames < 3.0)  # edge frames: NaN if under half covered
    assert np.isnan(out[in_gap, 1]).all()
    assert not np.isnan(out[~near_gap & (frames < 5.8), 1]).any()
    assert not np.isnan(out[:, [0, 2]][frames < 5.8]).any()


def test_short_gap_is_bridged_and_long_gap_is_not():
    x = np.arange(100, dtype=float)
    x[20:25] = np.nan  # 0.5 s at 10 Hz
    out = _one(Modality(x[:, None], rate=10.0), frame_rate=10.0, n_frames=100, max_gap=0.7)[:, 0, 0]
    np.testing.assert_allclose(out[20:25], np.arange(20, 25))
    out = _one(Modality(x[:, None], rate=10.0), frame_rate=10.0, n_frames=100, max_gap=0.3)[:, 0, 0]
    assert np.isnan(out[20:25]).all() and not np.isnan(out[:20]).any()
    out = _one(Modality(x[:, None], rate=10.0), frame_rate=10.0, n_frames=100, max_gap=None)[
        :, 0, 0
    ]
    assert not np.isnan(out).any()


def test_modality_shorter_than_timeline_gives_nan_tail():
    x = np.ones((50, 2))  # 1 s at 50 Hz, timeline 2 s
    out = _one(Modality(x, rate=50.0), n_frames=60)
    assert not np.isnan(out[:29]).any()
    assert np.isnan(out[31:]).all()


def test_sparse_modality_warns():
    with pytest.warns(MissingSensorWarning, match="max_gap"):
        _one(Modality(np.arange(5.0)[:, None], rate=2.0), frame_rate=10.0, n_frames=20)


def test_sparse_modality_warning_says_what_happens():
    """Check that a modality sparser than max_gap is held at the nearest sample, as warned."""
    with pytest.warns(MissingSensorWarning, match=r"take that sample \(a step signal\)"):
        out = _one(Modality(np.arange(5.0)[:, None], rate=1.0), frame_rate=4.0, n_frames=19)
    # samples at 0, 1, ..., 4 s; frames every 0.25 s, ties (x.5 s) go to the earlier sample
    expected = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]
    np.testing.assert_array_equal(out[:, 0, 0], expected)


def test_arrays_in_arrays_out():
    x = np.random.default_rng(0).normal(size=(40, 2, 3))
    (out,) = ModalityAligner().fit_transform([x])
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, x)


def test_non_increasing_timestamps(recordings):
    with pytest.raises(ValueError, match="strictly increasing"):
        Modality(np.zeros((3, 1)), timestamps=[0.0, 0.2, 0.1])
    al = ModalityAligner().fit(recordings)
    rec = recordings[0]
    ts = rec.modalities["video"].timestamps.copy()
    ts[5] = ts[4]
    broken = Modality(rec.modalities["video"].values, timestamps=np.arange(ts.size) / 20.0)
    broken.timestamps = ts  # corrupted after validation
    bad = rec.replace(modalities={**rec.modalities, "video": broken})
    with pytest.raises(
        ValueError,
        match=r"ModalityAligner: X\[0\] \(recording 'rec0'\) modality 'video'.*strictly increasing",
    ):
        al.transform([bad])


def test_no_warning_on_clean_data(recordings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModalityAligner().fit_transform(recordings)


def test_dataframes_and_modality_dicts_of_dataframes_come_out_as_recordings():
    """A list of {modality: DataFrame} dicts (documented input) is aligned into Recordings
    with every modality, as a list of single DataFrames is; arrays next to them stay arrays."""
    import pandas as pd

    rng = np.random.RandomState(0)
    t50, t30 = np.arange(100) / 50, np.arange(60) / 30

    def table(t, cols):
        return pd.DataFrame({"time": t, **{c: rng.randn(t.size) for c in cols}})

    item = {"accel": table(t50, ["wrist_x", "wrist_y"]), "video": table(t30, ["f0", "f1"])}
    out = ModalityAligner().fit([item]).transform([item, dict(item)])
    for rec in out:
        assert isinstance(rec, Recording) and set(rec.modalities) == {"accel", "video"}
        assert rec.n_frames == 60 and rec.modalities["accel"].values.shape == (60, 1, 2)
    mixed = ModalityAligner().fit_transform([table(t30, ["a_x"]), rng.randn(30, 1, 1)])
    assert isinstance(mixed[0], Recording) and isinstance(mixed[1], np.ndarray)


def test_recordings_framed_at_another_rate_than_in_fit_warn():
    """The model's temporal kernels count frames: recordings framed at another rate than the
    training recordings get a warning that names both rates and how to resample."""
    from stgraph_sklearn.exceptions import StgraphWarning

    def rec(fps, seconds=2):
        return Recording(
            {"v": Modality(np.zeros((int(fps * seconds), 2)), rate=fps)}, frame_rate=fps
        )

    aligner = ModalityAligner().fit([rec(30.0), rec(30.0)])
    with pytest.warns(
        StgraphWarning, match=r"X\[1\] is framed at 60 fps .*at 30 fps.*frame_rate=30"
    ):
        aligner.transform([rec(30.0), rec(60.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aligner.transform([rec(30.0), rec(30.1)])  # within 1 %
        (out,) = aligner.transform(
            [Recording({"v": Modality(np.zeros((120, 2)), rate=60.0)}, frame_rate=30.0)]
        )
    assert out.n_frames == 60  # the documented remedy: resampled onto 30 fps frames


def test_fit_on_recordings_framed_at_different_rates_warns():
    """Check that fitting on recordings framed at different rates (more than 1 % apart)
    warns, naming the recordings and their rates, since no training frame rate is left for
    new recordings or a stream (frame_rate_ is None); rates within 1 % do not warn."""
    from stgraph_sklearn.exceptions import StgraphWarning

    def rec(fps, seconds=2):
        return Recording(
            {"v": Modality(np.zeros((int(fps * seconds), 2)), rate=fps)}, frame_rate=fps
        )

    with pytest.warns(
        StgraphWarning,
        match=r"framed at different rates \(X\[0, 2\] at 30 fps; X\[1\] at 25 fps\).*"
        r"frame_rate_ is None.*same frame_rate",
    ):
        aligner = ModalityAligner().fit([rec(30.0), rec(25.0), rec(30.0)])
    assert aligner.frame_rate_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aligner = ModalityAligner().fit([rec(30.0), rec(30.1)])
    assert aligner.frame_rate_ == pytest.approx(30.05)


def _event_recordings(n=3):
    """A door sensor logged at its changes (gaps of 5-40 s) next to a 20 Hz accelerometer."""
    rng = np.random.RandomState(0)
    out = []
    for _ in range(n):
        changes = np.cumsum(rng.uniform(5, 40, 8))
        door = Modality((np.arange(8) % 2.0)[:, None], timestamps=np.r_[0.0, changes[:-1]])
        acc = Modality(rng.randn(int(changes[-2] * 20), 2), rate=20.0)  # to the last change
        out.append(Recording({"door": door, "acc": acc}, frame_rate=2.0))
    return out


def test_a_sensor_logged_at_its_changes_is_held_by_a_per_modality_max_gap():
    """Check that max_gap={modality: None} with method 'hold' keeps an event stream's
    state between its changes (with the global max_gap most of its frames were NaN while
    the warning said they took the nearest sample), and leaves the other modalities'."""
    recs = _event_recordings()
    with pytest.warns(MissingSensorWarning, match="missing \\(NaN\\)") as record:
        default = ModalityAligner().fit_transform(recs)
    assert len(record) == 1  # one warning for the modality, not one per recording
    assert "3 of 3 recordings" in str(record[0].message)
    assert np.isnan(default[0].modalities["door"].values).mean() > 0.1
    aligner = ModalityAligner(method={"door": "hold"}, max_gap={"door": None})
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingSensorWarning)
        held = aligner.fit_transform(recs)
    times = recs[0].modalities["door"].times
    frames = held[0].frame_times <= times[-1]  # up to its last change (then half a period)
    door = held[0].modalities["door"].values[frames, 0, 0]
    expected = (np.searchsorted(times, held[0].frame_times[frames], side="right") - 1) % 2
    np.testing.assert_array_equal(door, expected)  # no NaN: every state held to the next
    assert aligner.max_gap_for("acc") == 0.25 and aligner.max_gap_for("door") == np.inf


def test_a_state_logged_at_its_changes_is_unknown_before_and_held_after():
    """Check that a change-logged state (method 'hold', max_gap None) is NaN before its first
    change and held to the end: its median time between changes counted as a sampling
    period, so 'open' showed up to half of it (minutes) before the door opened, and the last
    state became NaN long before the recording ended."""
    times = np.array([300.0, 420.0, 900.0])  # opened, closed, opened again
    door = Modality(np.array([[1.0], [0.0], [1.0]]), timestamps=times)
    rec = Recording({"door": door}, frame_rate=1.0, n_frames=1200)
    aligner = ModalityAligner(method={"door": "hold"}, max_gap={"door": None})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingSensorWarning)
        (out,) = aligner.fit_transform([rec])
    values = out.modalities["door"].values[:, 0, 0]
    t = out.frame_times
    assert np.isnan(values[t < 300]).all()
    np.testing.assert_array_equal(values[(t >= 300) & (t < 420)], 1.0)
    np.testing.assert_array_equal(values[(t >= 420) & (t < 900)], 0.0)
    np.testing.assert_array_equal(values[t >= 900], 1.0)  # open until the end


def test_a_sparse_modality_faster_than_the_frames_is_not_warned_about():
    """Check that a 2 Hz sensor on 0.5-fps frames (averaged over each frame's window) gets
    no warning about step signals, which do not apply to it."""
    rec = Recording(
        {"power": Modality(np.random.RandomState(0).randn(200, 1), rate=2.0)}, frame_rate=0.5
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingSensorWarning)
        ModalityAligner().fit_transform([rec])


@pytest.mark.parametrize(
    ("max_gap", "match"),
    [
        ({"gyro": 1.0}, r"names modalities \['gyro'\]"),
        ({"door": -1.0}, "Got -1.0 for modality 'door'"),
    ],
)
def test_max_gap_dicts_are_checked(max_gap, match):
    with pytest.raises(ValueError, match=match):
        ModalityAligner(max_gap=max_gap).fit(_event_recordings(1))
