"""A modality at (almost) the frame rate keeps its values; the default frame rate."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import recording_from_dataframes
from stgraph_sklearn.transformers import ModalityAligner


def _ntsc_next_to_accel(t0):
    rng = np.random.default_rng(0)
    accel = pd.DataFrame(rng.normal(size=(500, 2)), columns=["w_x", "w_y"])
    accel.insert(0, "time", t0 + np.arange(500) / 50)
    video = pd.DataFrame({"time": t0 + np.arange(300) * 1001 / 30000, "f0": rng.normal(size=300)})
    return recording_from_dataframes({"acc": accel, "vid": video}), video["f0"].to_numpy()


@pytest.mark.parametrize("t0", [0.0, 1.7e9])
def test_ntsc_video_defines_the_frames_and_keeps_its_values(t0):
    """Check that 30000/1001-fps video next to 50 Hz accelerometers sets a 29.97-fps
    timeline and passes through the aligner with its values (it was window-averaged as a
    faster modality: 0.75 x[i] + 0.125 (x[i-1] + x[i+1])), on a clock from 0 and on Unix
    time, and that the accelerometers are still window-averaged."""
    rec, raw = _ntsc_next_to_accel(t0)
    assert rec.frame_rate == 29.97 and rec.n_frames == 300
    out = ModalityAligner().fit_transform([rec])[0]
    video = np.asarray(out.modalities["vid"].values)[:, 0, 0]
    # the 1e-6 rate difference drifts by a thousandth of a sample over 300 frames
    np.testing.assert_allclose(video, raw, atol=2e-3)
    accel = np.asarray(out.modalities["acc"].values)[:, 0, 0]
    samples = np.asarray(rec.modalities["acc"].values)[:, 0, 0]
    at_frames = np.interp(np.arange(300) / 29.97, np.arange(500) / 50, samples)
    assert np.abs(accel[1:-1] - at_frames[1:-1]).max() > 0.1  # averaged, not sampled


@pytest.mark.parametrize(
    ("period", "expected"), [(1 / 30, 30.0), (30.0, 0.03333), (1 / 512, 512.0), (0.04, 25.0)]
)
def test_default_frame_rate_has_four_significant_digits(period, expected):
    """Check the default frame rate: the slowest rate to 4 significant digits, so a sample
    every 30 s is 0.03333 fps (rounding to 0.01 Hz made it 0.03, 10 % off)."""
    table = pd.DataFrame({"time": 5.0 + period * np.arange(20), "x": np.arange(20.0)})
    assert recording_from_dataframes(table).frame_rate == expected
