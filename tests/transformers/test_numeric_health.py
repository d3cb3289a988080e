"""Stuck channels, sensors never seen in training, wide integers and values beyond float32:
the preprocessing keeps them exact or refuses them with a message naming where."""

import pickle
import warnings

import numpy as np
import pytest
from _transformers_helpers import make_recording

from stgraph_sklearn.data import GraphSequence, Modality, Recording
from stgraph_sklearn.exceptions import MissingSensorWarning
from stgraph_sklearn.io import load_model, save_model
from stgraph_sklearn.transformers import (
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)


def _with_stuck_channel(seed, value=9.81):
    rec = make_recording(seed, gap=None)
    acc = rec.modalities["accel"]
    values = np.array(acc.values)
    values[:, 0, 0] = value  # the knife's x axis stuck (a constant such as gravity)
    return rec.replace(modalities=dict(rec.modalities, accel=acc.replace(values=values)))


@pytest.mark.parametrize("value", [9.81, -1.5, 1e4 / 3])
def test_a_constant_channel_stays_exactly_constant_through_the_aligner(value):
    """Check that resampling a constant keeps it exact.

    The box filter's difference of running integrals left rounding (4e-13 around 9.81) that
    the window spreads then kept as a signal.
    """
    aligned = ModalityAligner().fit_transform([_with_stuck_channel(0, value)])
    column = aligned[0].modalities["accel"].values[:, 0, 0]
    valid = column[~np.isnan(column)]
    assert valid.size > 0 and np.all(valid == column.dtype.type(value))


def test_a_constant_channel_has_zero_spreads_and_band_powers():
    """Check that std, energy and band powers of a constant channel are exactly 0.

    Centring on the rounded mean left a residue that the band filters turned into powers of
    1e-60, which a scaler blew up to unit variance (and test data then beyond float32).
    """
    t = np.arange(300) / 30
    values = np.stack([np.full(t.size, 9.81), np.sin(t)], axis=1)
    rec = Recording({"video": Modality(values, rate=30.0)}, frame_rate=30.0, n_frames=t.size)
    nfe = NodeFeatureExtractor(stats=("mean", "std", "energy", "band_power", "jerk"))
    out = nfe.fit_transform([rec])[0].modalities["video"]
    names = list(nfe.feature_names_["video"])
    stuck = [i for i, n in enumerate(names) if n.endswith("_c0") and not n.startswith("mean")]
    assert len(stuck) == 7  # std, energy, 4 band powers, jerk
    np.testing.assert_array_equal(out.values[:, 0, stuck], 0.0)
    mean = names.index("mean_0.5s_c0")
    np.testing.assert_array_equal(out.values[:, 0, mean], 9.81)
    moving = [i for i, n in enumerate(names) if n.startswith("std") and n.endswith("_c1")]
    assert np.all(out.values[5:-5, 0, moving] > 0)


def test_a_stuck_training_channel_is_not_scaled_from_rounding_noise():
    """Check that the scaler keeps unit scale for the spread of a stuck training channel.

    It standardised it by a scale of 4e-14, so the working sensor at test time gave
    features of 1e13 standard units.
    """
    train = [_with_stuck_channel(seed) for seed in range(3)]
    steps = [ModalityAligner(), NodeFeatureExtractor(stats=("mean", "std")), SequenceScaler()]
    Xt = train
    for step in steps:
        Xt = step.fit_transform(Xt)
    scaler = steps[-1]
    names = list(steps[1].feature_names_["accel"])
    k = names.index("std_0.5s_c0")
    assert scaler.scale_["accel"][0, k] == 1.0
    working = ModalityAligner().fit(train).transform([make_recording(7, gap=None)])
    features = scaler.transform(steps[1].transform(working))[0].modalities["accel"].values
    assert np.nanmax(np.abs(features[:, 0, k])) < 100


def test_nodes_never_observed_in_fit_stay_masked_with_a_warning(aligned, tmp_path):
    """Check that a node without any valid training frame is masked where it has data.

    Its data went unscaled into weights the model never trained (accuracy 0.98 -> 0.16)
    without a warning, while fit said such nodes stay masked.
    """
    train = []
    for rec in aligned:
        video = rec.modalities["video"]
        blank = video.replace(values=np.full_like(np.asarray(video.values), np.nan))
        train.append(rec.replace(modalities=dict(rec.modalities, video=blank)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingSensorWarning)
        builder = SensorGraphBuilder().fit(train)
        assert builder.unobserved_ == ("video",)
        masked = builder.transform(train)  # no data: nothing to say
    with pytest.warns(MissingSensorWarning, match=r"'video' in X\[0, 1"):
        out = builder.transform(aligned)
    for seq in out:
        assert not seq.masks["video"].any()
        assert seq.masks["accel"].any()
        np.testing.assert_array_equal(seq.blocks["video"], 0.0)
    assert not masked[0].masks["video"].any()
    # the attribute survives pickling and model files
    for again in (pickle.loads(pickle.dumps(builder)), _round_trip(builder, tmp_path)):
        with pytest.warns(MissingSensorWarning):
            assert not again.transform(aligned[:1])[0].masks["video"].any()
    # every node observed: nothing masked, nothing said
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingSensorWarning)
        full = SensorGraphBuilder().fit(aligned[:1])
        assert full.unobserved_ == ()
        assert full.transform(aligned[:1])[0].masks["video"].mean() > 0.9


def _round_trip(estimator, tmp_path):
    path = tmp_path / "builder.stgm"
    save_model(estimator, path)
    return load_model(path)


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32])
def test_wide_integers_are_stored_exactly(dtype):
    """Check that integers float32 cannot hold (beyond 2**24) are stored as float64.

    int32 GPS latitudes in 1e-7 degrees went from 15 distinct readings to 2.
    """
    raw = (473977000 + np.arange(15) * 7).astype(dtype)[:, None]
    mod = Modality(raw, rate=10.0)
    assert mod.values.dtype == np.float64
    np.testing.assert_array_equal(mod.values[:, 0, 0], raw[:, 0].astype(np.float64))
    assert Modality((raw // 100000).astype(np.int16), rate=10.0).values.dtype == np.float32


def test_values_beyond_float32_name_the_recording_and_position(aligned):
    """Check that a value beyond float32 names the recording, frame and node, without a
    numpy overflow warning first, and no longer prescribes a SequenceScaler."""
    builder = SensorGraphBuilder().fit(aligned)
    rec = aligned[1]
    values = np.array(rec.modalities["accel"].values, dtype=np.float64)
    values[17, 2, 1] = 1e45
    glitch = rec.replace(
        modalities=dict(rec.modalities, accel=rec.modalities["accel"].replace(values=values))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(
            ValueError, match=r"X\[1\] \(recording 'rec1'\).*frame 17, node 2, channel 1"
        ) as info:
            builder.transform([aligned[0], glitch])
    assert "SequenceScaler" not in str(info.value)
    with pytest.raises(ValueError, match="float32 range"):
        GraphSequence({"a": np.full((3, 1, 1), 1e300)})


def test_values_beyond_float32_given_to_a_segmenter_name_it_and_the_recording():
    """Check that a segmenter's fit names itself and ``X[i]`` for values beyond float32; the
    error named only the block."""
    from stgraph_sklearn.estimators import MSTCNSegmenter

    X = [np.zeros((20, 1, 2)) for _ in range(3)]
    X[2][5, 0, 1] = 1e40
    y = [np.repeat(["a", "b"], 10) for _ in range(3)]
    with pytest.raises(ValueError, match=r"^MSTCNSegmenter: X\[2\]: .*frame 5, node 0, channel 1"):
        MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1).fit(X, y)
