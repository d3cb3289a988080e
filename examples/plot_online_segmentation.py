"""
=====================================
Online segmentation of a live stream
=====================================

A causal segmenter labels every frame from the past only (``lookahead=0``), so it can run
while the recording is still going on. This example trains a small causal graph model on the
kitchen simulation, then replays a held-out recording as a live stream: raw accelerometer
samples (50 Hz) and video features (30 fps) arrive in half-second chunks, and
:class:`~stgraph_sklearn.streaming.SegmentationStream` returns the label of every frame each
chunk completes. We plot the labels appearing, how late each frame is labelled, and check
that the finished stream has exactly the labels of the offline ``predict``.
"""

# %%
# Train a causal model
# --------------------
# ``lookahead=0`` makes every temporal convolution causal. The model is tiny and trained for
# a few epochs so that the example runs in seconds; the streaming works the same for the
# default model.
import matplotlib.pyplot as plt
import numpy as np

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter
from stgraph_sklearn.pipeline import make_segmentation_pipeline

X, y, groups = make_kitchen_activities(
    n_recordings=6, n_subjects=3, duration=40.0, clock_drift=0.0, random_state=0
)
segmenter = AdaptiveGraphSegmenter(
    lookahead=0, hidden_channels=16, n_stages=2, n_layers=6, max_epochs=15, lr=3e-3,
    random_state=0,
)  # fmt: skip
model = make_segmentation_pipeline(segmenter).fit(X[:5], y[:5])
recording, truth = X[5], y[5]

# %%
# Replay the recording as a stream
# --------------------------------
# Each modality keeps its own timestamps; a chunk holds the samples of the last 0.5 s. The
# stream resamples them at the rates of the training recordings (``frame_rate=`` and
# ``rates=`` override them).
stream = model.stream()
times = {k: m.times for k, m in recording.modalities.items()}
position = dict.fromkeys(times, 0)
labels, emitted_at = [], []
now = 0.0
while now < max(t[-1] for t in times.values()):
    now += 0.5
    chunk = {}
    for key, t in times.items():
        stop = int(np.searchsorted(t, now, side="right"))
        chunk[key] = (
            t[position[key] : stop],
            recording.modalities[key].values[position[key] : stop],
        )
        position[key] = stop
    frames = stream.partial_predict(chunk)
    labels.extend(frames["label"])
    emitted_at.extend([now] * len(frames))
rest = stream.close(n_frames=recording.n_frames)  # the simulation fixes each length
labels.extend(rest["label"])
emitted_at.extend([now] * len(rest))
labels = np.asarray(labels)
print(f"{len(labels)} frames streamed; receptive field {stream.receptive_field_} frames")

# %%
# The finished stream equals the offline prediction of the same causal model.
offline = model.predict([recording])[0]
print("streamed labels == offline predict:", bool((labels == offline).all()))
print(f"frame accuracy: {(labels == truth).mean():.2f}")

# %%
# Labels appearing
# ----------------
# Each row shows what the stream had labelled after 10, 20 and 30 seconds, then the finished
# stream and the ground truth. The frames of a chunk are labelled once the aligner and the
# 0.5-second feature windows have seen the samples after them: a fraction of a second late.
classes = np.unique(np.concatenate([truth, labels]))
codes = {c: i for i, c in enumerate(classes)}
frame_time = np.arange(len(labels)) / recording.frame_rate
emitted_at = np.asarray(emitted_at)
rows, names = [], []
for seconds in (10, 20, 30):
    row = np.full(len(labels), np.nan)
    known = emitted_at <= seconds
    row[known] = [codes[c] for c in labels[known]]
    rows.append(row)
    names.append(f"after {seconds} s")
rows += [np.array([codes[c] for c in labels], float), np.array([codes[c] for c in truth], float)]
names += ["stream, finished", "ground truth"]

fig, (ax, ax_delay) = plt.subplots(2, 1, figsize=(9, 5), height_ratios=(3, 1.4), sharex=True)
ax.imshow(
    np.vstack(rows), aspect="auto", interpolation="nearest", cmap="tab20",
    extent=(0, frame_time[-1], len(rows) - 0.5, -0.5), vmin=0, vmax=19,
)  # fmt: skip
ax.set_yticks(range(len(rows)), names)
ax.set_title("Labels of a live stream as they appear")
ax_delay.plot(frame_time, emitted_at - frame_time)
ax_delay.set_xlabel("frame time (s)")
ax_delay.set_ylabel("labelled after (s)")
fig.tight_layout()
plt.show()
