"""
======================================
Writing a new segmenter in a few lines
======================================

:class:`~stgraph_sklearn.estimators.NeuralSegmenter` is the extension point of the package:
give it a torch module factory and it supplies everything else the built-in segmenters have
(input checks, label encoding, batching of recordings, the MS-TCN segmentation loss, seeding,
a validation split, chunked prediction, ``predict_segments`` and the scikit-learn API), so the
new model works in pipelines, ``GridSearchCV`` and ``cross_validate`` at once.

The module contract: the factory is called with the input layout and the shared parameters
(``in_channels``, ``num_nodes``, ``num_classes``, ``hidden_channels``, ``num_stages``,
``num_layers``, ``dropout``, ``causal``) and returns a :class:`torch.nn.Module` whose
``forward(x, node_mask, frame_mask)`` takes a dict of ``(B, T, N_m, F_m)`` node features per
modality, a ``(B, T, N)`` node mask and a ``(B, T)`` frame mask, and returns logits of shape
``(S, B, K, T)`` (``S`` stages; here one).

Here the new model is a bidirectional GRU over the frames, reading every sensor's features
and the node mask (so a missing sensor is visible, not a silent zero).
"""

# %%
# The module
# ----------
import torch
from torch import nn

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import NeuralSegmenter
from stgraph_sklearn.metrics import segmentation_report
from stgraph_sklearn.pipeline import make_segmentation_pipeline


class BiGRU(nn.Module):
    """A bidirectional GRU over frames of all sensors' features and the node mask."""

    def __init__(self, in_channels, num_nodes, num_classes, hidden_channels, dropout, **kwargs):
        super().__init__()
        width = sum(num_nodes[m] * f for m, f in in_channels.items()) + sum(num_nodes.values())
        self.gru = nn.GRU(width, hidden_channels, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden_channels, num_classes)

    def forward(self, x, node_mask, frame_mask):
        features = [v.flatten(2) for v in x.values()] + [node_mask.float()]  # (B, T, F) each
        h, _ = self.gru(torch.cat(features, dim=-1))  # (B, T, 2H)
        logits = self.head(self.dropout(h)).transpose(1, 2)  # (B, K, T)
        return (logits * frame_mask.unsqueeze(1)).unsqueeze(0)  # (S=1, B, K, T)


# %%
# The segmenter, in a pipeline
# ----------------------------
# The class itself is the factory. ``hidden_channels`` and ``dropout`` reach the module;
# ``n_stages`` and ``n_layers`` are passed too and ignored by this one-stage model.
X, y, groups = make_kitchen_activities(n_recordings=6, n_subjects=3, duration=45, random_state=0)
train = [i for i, g in enumerate(groups) if g != 2]  # subjects 0 and 1; test on subject 2
test = [i for i, g in enumerate(groups) if g == 2]

segmenter = NeuralSegmenter(
    BiGRU,
    hidden_channels=32,
    dropout=0.2,
    max_epochs=10,
    lr=5e-3,
    temporal_stride=3,
    random_state=0,
)
model = make_segmentation_pipeline(segmenter).fit([X[i] for i in train], [y[i] for i in train])
print(segmentation_report([y[i] for i in test], model.predict([X[i] for i in test])))

# %%
# The fitted segmenter has the attributes of the built-in ones: the torch module in
# ``net_.module_``, the training history in ``history_``.
print(model[-1].net_.module_)
print(f"final training loss {model[-1].history_[-1, 'train_loss']:.3f}")
