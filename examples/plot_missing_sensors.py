"""
===========================================
Messy streams and missing sensors
===========================================

Real sensor recordings are messy: every stream has its own rate and its own clock, and
sensors drop out. This example shows

1. how :class:`~stgraph_sklearn.transformers.ModalityAligner` puts a 50 Hz accelerometer
   whose clock runs ahead of (and drifts from) the video's onto the 30 fps frame timeline,
   bridging a short gap and turning a long drop-out into NaN, which the
   :class:`~stgraph_sklearn.data.GraphSequence` masks mark as missing;
2. what a trained segmenter does when sensors go missing at test time.
"""

# %%
# A hand-made messy recording
# ---------------------------
# One tap at reference time 2.0 s is seen by a one-node accelerometer (3 axes, 50 Hz) and by a
# 4-d video feature (30 fps, on the reference clock). The accelerometer's clock is 0.40 s
# ahead of the reference at the start and 0.46 s ahead after 6 s (drift); this is given as
# ``Modality.clock`` anchors ``(reference_time, offset)``: the sample of reference time ``t``
# was stamped ``t + offset(t)``, with ``offset`` linear between anchors. The accelerometer
# also loses 0.1 s of samples at 1 s (bridged: shorter than ``max_gap=0.25`` s) and 0.8 s at
# 3.5 s (too long: those frames become missing).
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from stgraph_sklearn.data import Modality, Recording
from stgraph_sklearn.transformers import ModalityAligner, SensorGraphBuilder


def motion(t):
    """A slow sway plus a sharp tap at t = 2 s (reference clock)."""
    return 0.3 * np.sin(2 * np.pi * 0.4 * t) + np.exp(-(((t - 2.0) / 0.08) ** 2))


duration, frame_rate = 6.0, 30.0
clock = np.array([[0.0, 0.40], [duration, 0.46]])  # (reference_time, offset) anchors
rate = 1 + (clock[1, 1] - clock[0, 1]) / duration  # sensor seconds per reference second
stamps = clock[0, 1] + np.arange(0.0, duration * rate, 1 / 50)  # sensor clock, 50 Hz
t_acc = (stamps - clock[0, 1]) / rate  # the reference time of every sample
acc = np.stack([motion(t_acc), 0.5 * motion(t_acc), np.ones_like(t_acc)], axis=1)
acc[(t_acc >= 1.0) & (t_acc < 1.1)] = np.nan  # short gap: bridged
acc[(t_acc >= 3.5) & (t_acc < 4.3)] = np.nan  # drop-out: masked
t_video = np.arange(0.0, duration, 1 / frame_rate)
video = np.outer(motion(t_video), [1.0, -0.5, 0.2, 0.8])

recording = Recording(
    {
        "wrist": Modality(acc[:, None, :], rate=50.0, start=stamps[0], clock=clock),
        "video": Modality(video, rate=frame_rate),
    },
    frame_rate=frame_rate,
    n_frames=len(t_video),
)
print(recording, "aligned:", recording.is_aligned())

# %%
# Align and mask
# --------------
# After the aligner every modality has one sample per frame (the accelerometer is averaged
# over each frame's window, an anti-aliasing box filter); the
# :class:`~stgraph_sklearn.transformers.SensorGraphBuilder` wraps the result in a
# :class:`~stgraph_sklearn.data.GraphSequence` whose masks are False where a node has a NaN
# feature.
(aligned,) = ModalityAligner(max_gap=0.25).fit_transform([recording])
(sequence,) = SensorGraphBuilder(strategy="full").fit_transform([aligned])
wrist = aligned.modalities["wrist"].values[:, 0, 0]
mask = sequence.masks["wrist"][:, 0]
frames = aligned.frame_times
print(aligned, "aligned:", aligned.is_aligned())
missing = frames[~mask]
print(
    f"wrist missing on {(~mask).sum()} frames, from {missing.min():.2f} s to {missing.max():.2f} s"
)
print(f"tap: raw sample stamped {stamps[np.nanargmax(acc[:, 0])]:.2f} s on the sensor clock")
print(f"tap: aligned wrist peaks at frame time {frames[np.nanargmax(wrist)]:.2f} s")
print(f"tap: video peaks at frame time {frames[video[:, 0].argmax()]:.2f} s")

# %%
# Raw and aligned signals
# -----------------------
# Top: the raw accelerometer against its own time stamps, and the video. Bottom: both after
# alignment, on the frame timeline; the shaded span is where the mask says the wrist sensor is
# missing.
fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, layout="constrained")
top.plot(stamps, acc[:, 0], ".", ms=3, label="wrist x, raw (sensor clock, 50 Hz)")
top.plot(t_video, video[:, 0], lw=1, label="video feature 0 (reference clock, 30 fps)")
top.set_title("Before: different rates and clocks, NaN gaps")
bottom.plot(frames, wrist, ".-", ms=3, lw=0.8, label="wrist x, aligned")
bottom.plot(frames, aligned.modalities["video"].values[:, 0, 0], lw=1, label="video feature 0")
bottom.fill_between(
    frames,
    0,
    1,
    where=~mask,
    transform=bottom.get_xaxis_transform(),
    color="0.85",
    label="mask False",
)
bottom.set_title("After ModalityAligner: one sample per 30 fps frame")
bottom.set_xlabel("Time (s)")
for ax in (top, bottom):
    ax.axvline(2.0, color="k", lw=0.5, ls=":")
    ax.legend(loc="upper right", fontsize=8)
plt.show()

# %%
# A trained model meets missing sensors
# -------------------------------------
# We train the small :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter` of the
# quickstart on the kitchen simulation (whose training recordings already contain some sensor
# drop-outs), then predict the held-out subject's recordings with sensors removed. Missing
# nodes are zeroed and their edges removed frame by frame, so the model still predicts; the
# question is how much the scores suffer.
from sklearn.model_selection import GroupKFold

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter
from stgraph_sklearn.metrics import segmentation_report
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.plotting import SegmentationDisplay

X, y, groups = make_kitchen_activities(n_recordings=10, duration=60, random_state=0)
train, test = next(GroupKFold(n_splits=5).split(X, y, groups))
model = make_segmentation_pipeline(
    AdaptiveGraphSegmenter(
        hidden_channels=16,
        n_stages=2,
        n_layers=6,
        max_epochs=30,
        lr=5e-3,
        temporal_stride=2,
        random_state=0,
    )
)
model.fit([X[i] for i in train], [y[i] for i in train])
X_test, y_test = [X[i] for i in test], [y[i] for i in test]
accel_missing = np.concatenate(
    [np.isnan(X[i].modalities["accel"].values).any(axis=2).ravel() for i in train]
)
print(f"accelerometer samples missing in the training recordings: {accel_missing.mean():.1%}")


def drop(recording, modality, nodes=None, between=None):
    """A copy of ``recording`` with some nodes of one modality set to NaN.

    ``between`` is a (start, end) span in seconds of reference time (the accelerometer's
    sample times are mapped back through its clock anchors); None drops the whole recording.
    """
    mod = recording.modalities[modality]
    values = mod.values.copy()
    t = mod.times - mod.offset_at(mod.times)  # reference time, up to the small drift
    rows = np.ones(len(t), bool) if between is None else (t >= between[0]) & (t < between[1])
    cols = [j for j, name in enumerate(mod.node_names) if nodes is None or name in nodes]
    values[np.ix_(rows, cols)] = np.nan
    modalities = {**recording.modalities, modality: mod.replace(values=values)}
    return recording.replace(modalities=modalities)


window = (20.0, 35.0)
scenarios = {
    "all sensors": X_test,
    "no knife, no chopping board": [drop(r, "accel", ["knife", "chopping_board"]) for r in X_test],
    "no accelerometers 20-35 s": [drop(r, "accel", between=window) for r in X_test],
    "no video": [drop(r, "video") for r in X_test],
}
predictions = {name: model.predict(Xs) for name, Xs in scenarios.items()}
table = pd.concat(
    {name: segmentation_report(y_test, p) for name, p in predictions.items()}, names=["test data"]
).droplevel(1)
print((100 * table).round(1))

# %%
# With only two test recordings of one subject, differences of a few points are within the
# noise of this tiny setup; the table shows how the predictions degrade, not a benchmark.
#
# Frame accuracy inside and outside the 20-35 s window, with and without the accelerometers:
frame_times = [np.arange(len(t)) / 30.0 for t in y_test]
in_window = [(ft >= window[0]) & (ft < window[1]) for ft in frame_times]
for name in ("all sensors", "no accelerometers 20-35 s"):
    hit = [p == t for p, t in zip(predictions[name], y_test, strict=True)]
    inside = np.concatenate([h[w] for h, w in zip(hit, in_window, strict=True)]).mean()
    outside = np.concatenate([h[~w] for h, w in zip(hit, in_window, strict=True)]).mean()
    print(f"{name:>26}: accuracy {inside:.3f} inside the window, {outside:.3f} outside")

# %%
# The first test recording, annotated and predicted with and without the accelerometers
# between 20 and 35 s (shaded).
fig, ax = plt.subplots(figsize=(11, 5), layout="constrained")
SegmentationDisplay.from_predictions(
    [y_test[0], y_test[0]],
    [predictions["all sensors"][0], predictions["no accelerometers 20-35 s"][0]],
    labels=list(model[-1].classes_),
    names=["all sensors", "no accel 20-35 s"],
    frame_rate=30.0,
    ax=ax,
)
ax.axvspan(*window, color="k", alpha=0.12, lw=0)
ax.set_title(X_test[0].name)
plt.show()
