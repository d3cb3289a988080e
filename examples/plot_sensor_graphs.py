"""
=========================================
Building sensor graphs: four strategies
=========================================

Every sensor of every modality is a node of one graph. The
:class:`~stgraph_sklearn.transformers.SensorGraphBuilder` fits that graph on the aligned
training recordings and attaches it to the :class:`~stgraph_sklearn.data.GraphSequence` s it
emits; graph segmenters use it as their (prior) graph. This example builds the same
recordings' graph four ways and draws them side by side with
:func:`~stgraph_sklearn.plotting.plot_sensor_graph`:

- ``"correlation"``: each node is linked to the ``k`` nodes whose *activity* (RMS of the
  frame-to-frame change) correlates most with its own, weighted by ``|r|``;
- ``"knn"``: each node is linked to the ``k`` nodes with the most similar *distribution* of
  activity, unit weights;
- ``"modality"``: complete within each modality, every other modality seen as one averaged
  neighbour;
- ``"edges"``: the pairs a user knows to belong together, here the knife and the chopping
  board.
"""

# %%
# Align the recordings
# --------------------
# The builder needs recordings on the frame timeline, so the 50 Hz accelerometers (on their
# own clock) and the 30 fps video go through a
# :class:`~stgraph_sklearn.transformers.ModalityAligner` first.
import matplotlib.pyplot as plt
import numpy as np

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.plotting import plot_sensor_graph
from stgraph_sklearn.transformers import ModalityAligner, SensorGraphBuilder

X, y, groups = make_kitchen_activities(n_recordings=8, duration=60, random_state=0)
X_aligned = ModalityAligner().fit_transform(X)
print(X_aligned[0])
print(X_aligned[0].is_aligned(), X_aligned[0].node_names[:3], "...")

# %%
# Fit four builders
# -----------------
# Edges name nodes as ``Recording.node_names`` does: ``"<modality>:<node>"``, or the
# modality's name alone for a one-node modality such as ``"video"``. For the drawings we keep
# the raw edge weights (``normalize=None``, no self-loops); by default the builder adds
# self-loops and row-normalises, which is what a segmenter receives.
strategies = {
    "correlation (k=2)": SensorGraphBuilder("correlation", k=2),
    "knn (k=2)": SensorGraphBuilder("knn", k=2),
    "modality": SensorGraphBuilder("modality"),
    "edges (knife - chopping board)": SensorGraphBuilder(
        "edges", edges=[("accel:knife", "accel:chopping_board")]
    ),
}
for builder in strategies.values():
    builder.set_params(normalize=None, self_loops=False).fit(X_aligned)
    print(f"{builder.strategy:>12}: {builder.graph_}")

# %%
# The strongest correlation edges
# -------------------------------
# ``graph_`` is a :class:`~stgraph_sklearn.data.SensorGraph`; ``to_dense()`` gives the
# adjacency ``A[target, source]``. Objects used together in the simulated recipe (knife and
# chopping board when cutting, small spoon and dressing glass when stirring the dressing)
# should move together; the strongest correlation edges show which pairs did in these
# recordings.
graph = strategies["correlation (k=2)"].graph_
adjacency = graph.to_dense()
names = [name.removeprefix("accel:") for name in graph.node_names]
target, source = np.triu_indices_from(adjacency, k=1)
weight = np.maximum(adjacency[target, source], adjacency[source, target])
for i in np.argsort(-weight)[:5]:
    print(f"|r| = {weight[i]:.2f}  {names[target[i]]} -- {names[source[i]]}")

# %%
# Side by side
# ------------
# :func:`~stgraph_sklearn.plotting.plot_sensor_graph` puts the nodes on a circle, coloured by
# modality; line width and opacity grow with the edge weight.
fig, axes = plt.subplots(2, 2, figsize=(11, 10), layout="constrained")
for ax, (title, builder) in zip(axes.ravel(), strategies.items(), strict=True):
    plot_sensor_graph(builder.graph_, ax=ax, legend=ax is axes[0, 1])
    ax.set_title(f"{title}: {builder.graph_.n_edges} directed edges")
plt.show()

# %%
# The kNN graph has unit weights, so all its edges look alike. With a single video node the
# modality graph is a clique of accelerometers plus a star: the video node sends weight 1 to
# every sensor and receives weight 1/10 from each (the drawing shows the larger direction).

# %%
# Using a graph in a pipeline
# ---------------------------
# In :func:`~stgraph_sklearn.pipeline.make_segmentation_pipeline` the builder is the step
# ``sensorgraphbuilder``; ``graph="edges"`` with ``edges=`` uses the hand-written edges, and
# its parameters can be set (or searched over with ``GridSearchCV``) like any other:
from stgraph_sklearn.estimators import STGCNSegmenter
from stgraph_sklearn.pipeline import make_segmentation_pipeline

model = make_segmentation_pipeline(
    STGCNSegmenter(), graph="edges", edges=[("accel:knife", "accel:chopping_board")]
)
model.set_params(sensorgraphbuilder__self_loops=False)
print(model.get_params()["sensorgraphbuilder__edges"])
