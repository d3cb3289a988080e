"""Tests of NodeFeatureExtractor."""

import time

import numpy as np
import pytest

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.transformers import ModalityAligner, NodeFeatureExtractor

ALL = ("mean", "std", "energy", "band_power", "jerk", "magnitude")


def _brute_force(x, h):
    """Reference window statistics by explicit loops (mean, std, energy, jerk, magnitude)."""
    n_t, n_n, n_c = x.shape
    ref = np.full((n_t, n_n, 4 * n_c + 1), np.nan)
    for t in range(n_t):
        lo, hi = max(t - h, 0), min(t + h + 1, n_t)
        w = x[lo:hi]
        for n in range(n_n):
            for c in range(n_c):
                v = w[:, n, c]
                ok = ~np.isnan(v)
                if 2 * ok.sum() >= hi - lo:
                    ref[t, n, c] = v[ok].mean()
                    ref[t, n, n_c + c] = v[ok].std()
                    ref[t, n, 2 * n_c + c] = v[ok].var()
                d = np.abs(np.diff(v))
                okd = ~np.isnan(d)
                if okd.sum() > 0 and 2 * okd.sum() >= hi - lo - 1:
                    ref[t, n, 3 * n_c + c] = d[okd].mean()
            m = np.linalg.norm(w[:, n], axis=1)
            okm = ~np.isnan(m)
            if 2 * okm.sum() >= hi - lo:
                ref[t, n, -1] = m[okm].mean()
    return ref


def test_matches_brute_force_with_nan():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2, 3))
    x[10:14, 0, 1] = np.nan
    x[30:45, 1] = np.nan
    ext = NodeFeatureExtractor(windows=7, stats=("mean", "std", "energy", "jerk", "magnitude"))
    (out,) = ext.fit_transform([x])
    np.testing.assert_allclose(out, _brute_force(x, 3), atol=1e-9)
    assert np.isnan(out[36:40, 1]).all()  # a long drop-out stays missing


def test_windows_are_seconds_on_raw_and_aligned_streams():
    """Check that one window setting gives the same statistic at 50 Hz and after alignment to 25 fps."""
    t = np.arange(500) / 50
    x = np.sin(2 * np.pi * 2 * t)[:, None] * np.linspace(0.5, 2, 500)[:, None]
    rec = Recording({"a": Modality(x, rate=50.0)}, frame_rate=25.0)
    ext = NodeFeatureExtractor(windows=(0.5,), stats=("std",))
    raw = ext.fit_transform([rec])[0].modalities["a"].values[:, 0, 0]
    al = (
        ext.fit_transform(ModalityAligner().fit_transform([rec]))[0].modalities["a"].values[:, 0, 0]
    )
    assert raw.shape == (500,) and al.shape == (250,)
    np.testing.assert_allclose(raw[100:400:2], al[50:200], rtol=0.1)


def test_timeline_is_kept(recordings):
    ext = NodeFeatureExtractor(stats=ALL)
    out = ext.fit_transform(recordings)
    rec, res = recordings[0], out[0]
    assert res.frame_rate == rec.frame_rate and res.n_frames == rec.n_frames
    acc, vid = res.modalities["accel"], res.modalities["video"]
    assert (
        acc.rate == 50.0 and acc.clock is not None and acc.node_names == ("knife", "board", "bowl")
    )
    np.testing.assert_array_equal(vid.timestamps, rec.modalities["video"].timestamps)
    # 3 channels x (mean, std, energy, 4 bands, jerk) + magnitude = 25
    assert acc.values.shape == (rec.modalities["accel"].n_samples, 3, 3 * 8 + 1)
    assert vid.values.shape[2] == 4 * 8 + 1
    assert ext.n_features_out_ == {"accel": 25, "video": 33}
    assert len(ext.feature_names_["accel"]) == 25
    names = ext.get_feature_names_out()
    assert names[0] == "accel:knife__mean_0.5s_c0" and names[-1] == "video__magnitude_0.5s"


def test_feature_name_layout():
    ext = NodeFeatureExtractor(windows=(1, 2), stats=("band_power", "magnitude")).fit(
        [np.zeros((30, 1, 2))]
    )
    names = list(ext.feature_names_["x"])
    assert names[:3] == ["band_power0_1s_c0", "band_power0_1s_c1", "band_power1_1s_c0"]
    assert names[8] == "magnitude_1s" and names[9] == "band_power0_2s_c0"
    assert len(names) == 2 * (4 * 2 + 1)


def test_band_power_separates_frequencies():
    fs = 50.0
    t = np.arange(2000) / fs
    ext = NodeFeatureExtractor(windows=(2.0,), stats=("band_power",))
    for f, band in [(1.5, 0), (4.5, 1), (9.0, 2), (18.0, 3)]:
        rec = Recording({"a": Modality(np.sin(2 * np.pi * f * t)[:, None], rate=fs)}, frame_rate=fs)
        power = ext.fit_transform([rec])[0].modalities["a"].values[1000, 0]
        assert power.argmax() == band
        assert power[band] == pytest.approx(0.5, rel=0.05)  # a unit sinusoid has power 1/2


def test_jerk_is_rate_scaled():
    t = np.arange(100) / 10
    rec = Recording({"a": Modality(3 * t[:, None], rate=10.0)}, frame_rate=10.0)
    out = NodeFeatureExtractor(windows=1.0, stats=("jerk",)).fit_transform([rec])
    np.testing.assert_allclose(out[0].modalities["a"].values, 3.0)


def test_single_sample_window_warns():
    with pytest.warns(StgraphWarning, match="single sample"):
        NodeFeatureExtractor().fit_transform([np.zeros((10, 1, 1))])


@pytest.mark.parametrize(
    "scale, dtype, stats",
    [
        (1e30, np.float32, ("energy",)),  # 1e60 does not fit float32
        (1e30, np.float32, ("band_power",)),
        (1e200, np.float64, ("mean", "std")),  # squares overflow float64
        (1e200, np.float64, ("magnitude",)),
    ],
)
def test_values_too_large_for_the_statistics_raise(scale, dtype, stats):
    """Check that overflowing statistics are an error, not inf features or NaN (a missing node)."""
    x = (np.random.default_rng(0).normal(size=(40, 2, 3)) * scale).astype(dtype)
    ext = NodeFeatureExtractor(windows=(5,), stats=stats).fit([x])
    with pytest.raises(
        ValueError,
        match=r"NodeFeatureExtractor: X\[0\] modality 'x' has values too large for window "
        rf"statistics in {np.dtype(dtype)}",
    ):
        ext.transform([x])


def test_large_values_whose_statistics_fit_are_kept():
    x = np.random.default_rng(0).normal(size=(40, 2, 3))
    big32 = (x * 1e30).astype(np.float32)
    (out,) = NodeFeatureExtractor(windows=(5,), stats=("mean", "std")).fit_transform([big32])
    assert out.dtype == np.float32 and np.isfinite(out).all()
    (out,) = NodeFeatureExtractor(windows=(5,), stats=("mean", "jerk")).fit_transform([x * 1e200])
    assert np.isfinite(out).all()


def _level_changes(n_samples=40_000, level=1e4, noise=0.01):
    """A sensor switching between 0 and ``level`` every 2,000 samples, with small noise."""
    rng = np.random.default_rng(0)
    steps = np.where((np.arange(n_samples) // 2000) % 2 == 0, 0.0, level)
    return steps + rng.normal(scale=noise, size=n_samples)


def _two_pass(x, h, stat=np.std):
    """``stat`` of every centred window of a 1-D series, truncated at the ends."""
    padded = np.pad(x, h, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * h + 1)
    return stat(windows, axis=1) if stat is not np.std else np.nanstd(windows, axis=1)


@pytest.mark.parametrize("stat, ref", [("std", np.nanstd), ("energy", np.nanvar)])
def test_spread_is_exact_beside_large_level_changes(stat, ref):
    """Check that window spreads keep their precision when the level jumps by 1e6 noise stds.

    The prefix sums of the squares ran to ~1e12 and ``s2 / n - mean**2`` cancelled: every
    window of the high level had a std off by 10 % or more (up to 100 %).
    """
    x = _level_changes()
    (out,) = NodeFeatureExtractor(windows=(31,), stats=(stat,)).fit_transform([x[:, None, None]])
    np.testing.assert_allclose(out[:, 0, 0], _two_pass(x, 15, ref), rtol=1e-3)


def test_constant_stretches_have_no_spread():
    """Check that a constant stretch at a large level has a std of 0, not rounding noise."""
    x = np.repeat([0.1, 3.3e4 + 0.37, -1e3 + 0.11, 7.1e4 + 0.73], 5000)
    (out,) = NodeFeatureExtractor(windows=(21,), stats=("std",)).fit_transform([x[:, None, None]])
    flat = np.ones(x.size, bool)
    for edge in range(5000, x.size, 5000):
        flat[edge - 10 : edge + 10] = False
    assert np.abs(out[flat]).max() < 1e-9


def test_band_power_is_exact_beside_large_level_changes():
    """Check that the low band's power keeps its precision beside large level changes."""
    x = _level_changes(n_samples=20_000)
    (out,) = NodeFeatureExtractor(windows=(31,), stats=("band_power",)).fit_transform(
        [x[:, None, None]]
    )
    from scipy.signal import sosfiltfilt

    from stgraph_sklearn.transformers._node_features import _band_filters

    x0 = x - x.mean()
    for band, sos in enumerate(_band_filters()):
        filtered = sosfiltfilt(sos, x0, padlen=3 * (2 * len(sos) + 1))
        np.testing.assert_allclose(
            out[:, 0, band], _two_pass(filtered, 15, np.nanvar), rtol=1e-3, atol=1e-12
        )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"windows": ()}, "windows"),
        ({"windows": (0.5, -1)}, "windows"),
        ({"windows": (0.5, 0.5)}, "repeat"),
        ({"stats": ("mean", "median")}, "stats"),
        ({"stats": ()}, "stats"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        NodeFeatureExtractor(**params).fit([np.zeros((10, 1, 1))])


def test_speed():
    """Check that 20 recordings x 3600 frames x 11 nodes transform in about a second."""
    rng = np.random.default_rng(0)
    X = [
        Recording(
            {
                "accel": Modality(rng.normal(size=(3600, 10, 3)).astype(np.float32), rate=30.0),
                "video": Modality(rng.normal(size=(3600, 8)).astype(np.float32), rate=30.0),
            },
            frame_rate=30.0,
        )
        for _ in range(20)
    ]
    ext = NodeFeatureExtractor().fit(X)
    start = time.perf_counter()
    out = ext.transform(X)
    assert time.perf_counter() - start < 5.0  # ~0.3 s on 2 cores; generous for CI
    assert out[0].modalities["accel"].values.dtype == np.float32
