"""Tests of SequenceScaler."""

import numpy as np
import pytest

from stgraph_sklearn.transformers import SequenceScaler


def _pooled(X, key):
    return np.concatenate([r.modalities[key].values for r in X], axis=0)


@pytest.mark.parametrize("per", ["node", "channel", "modality"])
def test_statistics_pooled_over_the_right_axes(recordings, per):
    scaler = SequenceScaler(per=per).fit(recordings)
    values = _pooled(recordings, "accel")
    axes = {"node": (0,), "channel": (0, 1), "modality": (0, 1, 2)}[per]
    mean = np.nanmean(values, axis=axes, keepdims=True)[0]
    std = np.nanstd(values, axis=axes, keepdims=True)[0]
    np.testing.assert_allclose(scaler.mean_["accel"], np.broadcast_to(mean, (3, 3)), atol=1e-10)
    np.testing.assert_allclose(scaler.scale_["accel"], np.broadcast_to(std, (3, 3)), rtol=1e-10)
    assert scaler.mean_["video"].shape == (1, 4)


def test_transform_standardises_and_inverts(recordings):
    scaler = SequenceScaler().fit(recordings)
    out = scaler.transform(recordings)
    values = _pooled(out, "accel")
    np.testing.assert_allclose(np.nanmean(values, axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(np.nanstd(values, axis=0), 1, atol=1e-10)
    # NaN stays NaN, clocks and timestamps are kept
    assert (
        np.isnan(out[0].modalities["accel"].values).sum()
        == np.isnan(recordings[0].modalities["accel"].values).sum()
    )
    assert out[0].modalities["accel"].clock is not None
    np.testing.assert_array_equal(
        out[0].modalities["video"].timestamps, recordings[0].modalities["video"].timestamps
    )
    back = scaler.inverse_transform(out)
    np.testing.assert_allclose(
        back[0].modalities["accel"].values, recordings[0].modalities["accel"].values, atol=1e-10
    )


def test_zero_variance_and_all_nan():
    x = np.ones((10, 2, 2))
    x[:, 1, 0] = np.nan
    scaler = SequenceScaler().fit([x])
    np.testing.assert_array_equal(scaler.scale_["x"], np.ones((2, 2)))
    assert scaler.mean_["x"][1, 0] == 0 and scaler.n_samples_seen_["x"][1, 0] == 0
    (out,) = scaler.transform([x])
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out[:, 0], 0.0)
    assert np.isnan(out[:, 1, 0]).all()


def test_variance_overflow_raises_instead_of_leaving_values_unscaled():
    """Check that squares overflowing float64 are an error, not scale_ = 1 (values kept)."""
    x = np.random.default_rng(0).normal(size=(20, 2, 2))
    with pytest.raises(ValueError, match=r"SequenceScaler: modality 'x' has values too large"):
        SequenceScaler().fit([x * 1e160])
    scaler = SequenceScaler().fit([x * 1e150])  # squares still fit
    np.testing.assert_allclose(scaler.scale_["x"], x.std(axis=0) * 1e150)


def test_pooled_statistics_match_concatenation():
    """Check Chan's pairwise update against statistics of the concatenated data."""
    rng = np.random.default_rng(0)
    X = [rng.normal(loc=i, scale=i + 1, size=(20 + 7 * i, 3, 2)) for i in range(4)]
    X[1][:5] = np.nan
    scaler = SequenceScaler().fit(X)
    cat = np.concatenate(X)
    np.testing.assert_allclose(scaler.mean_["x"], np.nanmean(cat, axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_["x"], np.nanstd(cat, axis=0), rtol=1e-12)
