"""
==========================================
Quickstart: segment a simulated kitchen
==========================================

This example walks through the whole workflow on the built-in 50 Salads-like simulation:

1. simulate recordings of people preparing salads (object accelerometers at 50 Hz on
   their own clock, a weak 16-d "video" feature stream at 30 fps, one label per frame);
2. build the standard pipeline with :func:`~stgraph_sklearn.pipeline.make_segmentation_pipeline`
   in front of an :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter`;
3. train on some subjects and test on a subject the model has never seen;
4. score the predictions with :func:`~stgraph_sklearn.metrics.segmentation_report`, draw
   them with :class:`~stgraph_sklearn.plotting.SegmentationDisplay`, and look at the sensor
   graph the model learned with :func:`~stgraph_sklearn.plotting.plot_sensor_graph`.

Everything is kept tiny (10 one-minute recordings, a model of about 17,000 parameters,
30 epochs) so that the example runs in well under a minute on one CPU thread. The scores are
therefore far from what a full-size model reaches with more data (see ``stgraph-seg demo``);
the point here is the API.
"""

# %%
# Simulate the data
# -----------------
# :func:`~stgraph_sklearn.datasets.make_kitchen_activities` returns ``X`` (a list of
# :class:`~stgraph_sklearn.data.Recording`), ``y`` (one label array per recording, one
# label per 30 fps frame) and ``groups`` (the subject of every recording).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GroupKFold

from stgraph_sklearn import AdaptiveGraphSegmenter, make_kitchen_activities, segmentation_report
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.plotting import SegmentationDisplay, plot_sensor_graph

X, y, groups = make_kitchen_activities(n_recordings=10, n_subjects=5, duration=60, random_state=0)
print(X[0])
print("nodes:", X[0].node_names)
print("subjects:", groups.tolist())
print("classes:", len(np.unique(np.concatenate(y))))

# %%
# Each recording keeps every stream on its own clock: the accelerometers are sampled at
# 50 Hz and carry clock-correction anchors, the video is at the 30 fps frame rate.
accel = X[0].modalities["accel"]
print(accel, "starts at", round(accel.start, 3), "s; clock anchors:\n", accel.clock.round(4))

# %%
# A subject-disjoint split
# ------------------------
# Lists of recordings are what scikit-learn's splitters index, so a
# :class:`~sklearn.model_selection.GroupKFold` on the subjects gives a split in which no
# subject appears on both sides.
train, test = next(GroupKFold(n_splits=5).split(X, y, groups))
X_train, y_train = [X[i] for i in train], [y[i] for i in train]
X_test, y_test = [X[i] for i in test], [y[i] for i in test]
print("train subjects:", np.unique(groups[train]), "test subjects:", np.unique(groups[test]))

# %%
# The model
# ---------
# :func:`~stgraph_sklearn.pipeline.make_segmentation_pipeline` chains
# ``ModalityAligner -> NodeFeatureExtractor -> SequenceScaler -> SensorGraphBuilder`` in
# front of the segmenter. The segmenter below is much smaller than the defaults (which follow
# MS-TCN: 64 channels, 4 stages of 10 layers, 50 epochs); ``temporal_stride=2`` trains on
# every other frame (predictions still cover every frame) and a larger learning rate makes up
# for the few epochs.
segmenter = AdaptiveGraphSegmenter(
    hidden_channels=16,
    n_stages=2,
    n_layers=6,
    max_epochs=30,
    lr=5e-3,
    temporal_stride=2,
    random_state=0,
)
model = make_segmentation_pipeline(segmenter)
model.fit(X_train, y_train)
seg = model[-1]
n_params = sum(p.numel() for p in seg.net_.module_.parameters())
print(f"{n_params:,} parameters, {len(seg.history_)} epochs")
last = seg.history_[-1]
print(f"last epoch: train loss {last['train_loss']:.2f}, validation loss {last['valid_loss']:.2f}")

# %%
# ``validation_fraction=0.1`` held out one of the 8 training recordings; its loss is far above
# the training loss, as expected from so little data.

# %%
# Scores on the held-out subject
# ------------------------------
# The five scores of the segmentation literature (MS-TCN's definitions, as fractions):
# frame accuracy, segmental edit score and segmental F1 at IoU 10 %, 25 % and 50 %. As a
# reference point, always predicting the most frequent class of the test frames would give
# the accuracy printed first.
y_pred = model.predict(X_test)
labels, counts = np.unique(np.concatenate(y_test), return_counts=True)
print(f"majority-class accuracy: {counts.max() / counts.sum():.3f} ({labels[counts.argmax()]})")
print(segmentation_report(y_test, y_pred).round(3))

# %%
# The model can also return segments as a table, with the mean probability of each
# segment's label. A plain scikit-learn ``Pipeline`` only forwards the standard methods
# (``predict``, ``predict_proba``, ``score``); ``make_segmentation_pipeline`` returns a
# ``SegmentationPipeline``, which forwards ``predict_segments`` as well.
print(model.predict_segments(X_test).head(8))

# %%
# Timeline
# --------
# One pair of bands per test recording: the annotation and the prediction. Passing
# ``labels=classes_`` keeps one colour per class across figures.
fig, ax = plt.subplots(figsize=(11, 5), layout="constrained")
SegmentationDisplay.from_predictions(
    y_test,
    y_pred,
    labels=list(seg.classes_),
    names=[X[i].name for i in test],
    frame_rate=30.0,
    ax=ax,
)
ax.set_title("Held-out subject: annotation (true) and prediction (pred)")

# %%
# The learned sensor graph
# ------------------------
# ``graph_`` holds the learned row-stochastic adjacency ``A[target, source]`` as a
# :class:`~stgraph_sklearn.data.SensorGraph`. It mixes a learned part,
# ``softmax(relu(E1 E2ᵀ))``, with the correlation graph that the
# :class:`~stgraph_sklearn.transformers.SensorGraphBuilder` fitted on the training data (the
# prior); the mixing weight of the prior is learned as well. Only edges above 1.5 times the
# uniform weight ``1 / n_nodes`` are drawn.
print(f"weight of the prior graph: {seg.net_.module_.graph.mix:.2f}")
fig, ax = plt.subplots(figsize=(6.5, 6))
plot_sensor_graph(seg.graph_, ax=ax, threshold=1.5 / seg.graph_.n_nodes)
ax.set_title("Learned sensor graph")
plt.show()
