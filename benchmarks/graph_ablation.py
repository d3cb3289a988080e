"""Ablation of the graph segmenter's read-out and temporal stages on the kitchen simulation.

Each variant is ``AdaptiveGraphSegmenter`` with one part of its composed
:class:`~stgraph_sklearn.nn.GraphSegmentationNetwork` swapped (the variants' modules live in
``benchmarks/_variants.py``, not in the library), trained behind the standard
preprocessing (``make_segmentation_pipeline``) on the same subject-disjoint folds, with
``MSTCNSegmenter`` as the reference. It is how the default architecture was chosen:

- ``attention-separable``: attention pooling over sensors, depthwise-separable MS-TCN stages
  (the first design; it and the next two keep its node width of 64);
- ``concat-separable``: the per-node read-out (``ConcatNodePool``) instead;
- ``concat-full``: and full dilated convolutions in every stage (over the parameter budget);
- ``default``: full convolutions with shared refinement stages (MS-TCN++) and node width
  ``hidden_channels // 2``, the default.

Usage::

    python benchmarks/graph_ablation.py                      # 30 epochs, folds 0 and 1
    python benchmarks/graph_ablation.py --epochs 50 --folds 0 1 2 3 4

Scores are x100; ``fit_s`` depends on the machine and its load.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from _common import KITCHEN_DURATION, POSITIVE_INT, SEED, number_in
from _variants import AttentionNodePool, make_separable  # benchmarks/, next to this script
from sklearn.model_selection import GroupKFold

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.model_selection import fit_and_score
from stgraph_sklearn.nn import MultiStageTCN
from stgraph_sklearn.pipeline import make_segmentation_pipeline

_FIRST = {"node_channels": 64, "share_refinement": False}  # the first design's node width
VARIANTS = {
    "attention-separable": {**_FIRST, "pool": "attention", "separable": True},
    "concat-separable": {**_FIRST, "pool": "concat", "separable": True},
    "concat-full": {**_FIRST, "pool": "concat", "separable": False},
    "default": {},
}


class _Variant(AdaptiveGraphSegmenter):
    """AdaptiveGraphSegmenter with its read-out or temporal stages swapped for a variant."""

    overrides: dict = {}

    def build_module(self, layout, n_classes, sequences):
        net = super().build_module(layout, n_classes, sequences)
        o = self.overrides
        if not o:
            return net
        width = self.hidden_channels
        if o["pool"] == "attention":
            width = net.encoder.hidden_channels
            net.readout = AttentionNodePool(width)
        net.temporal = MultiStageTCN(
            width,
            self.hidden_channels,
            n_classes,
            self.n_stages,
            self.n_layers,
            self.dropout,
            share_refinement=o["share_refinement"],
        )
        if o["separable"]:
            make_separable(net.temporal)
        return net


def _segmenter(name, epochs, seed):
    if name == "mstcn":
        return MSTCNSegmenter(max_epochs=epochs, random_state=seed)
    overrides = VARIANTS[name]
    cls = type(f"Ablation_{name}", (_Variant,), {"overrides": overrides})
    node_channels = overrides.get("node_channels")
    return cls(node_channels=node_channels, max_epochs=epochs, random_state=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants", nargs="+", choices=[*VARIANTS, "mstcn"], default=[*VARIANTS, "mstcn"]
    )
    parser.add_argument("--epochs", type=POSITIVE_INT, default=30)
    parser.add_argument(
        "--folds",
        type=number_in(int, 0),
        nargs="+",
        default=[0, 1],
        help="fold indices, each below --n-subjects (default 0 1)",
    )
    parser.add_argument("--n-recordings", type=POSITIVE_INT, default=10)
    parser.add_argument("--n-subjects", type=number_in(int, 2), default=5)
    parser.add_argument("--duration", type=KITCHEN_DURATION, default=120.0)
    parser.add_argument("--random-state", type=SEED, default=0)
    args = parser.parse_args(argv)
    if max(args.folds) >= args.n_subjects:
        parser.error(
            f"argument --folds: expected fold indices in [0, {args.n_subjects - 1}] (GroupKFold "
            f"over --n-subjects {args.n_subjects}), got {max(args.folds)}"
        )
    warnings.simplefilter("ignore")
    X, y, groups = make_kitchen_activities(
        args.n_recordings, args.n_subjects, duration=args.duration, random_state=args.random_state
    )
    splits = list(GroupKFold(args.n_subjects).split(X, y, groups))
    rows = []
    for name in args.variants:
        for fold in args.folds:
            train, test = splits[fold]
            model = make_segmentation_pipeline(_segmenter(name, args.epochs, args.random_state))
            scores, _ = fit_and_score(
                model,
                [X[i] for i in train],
                [y[i] for i in train],
                [X[i] for i in test],
                [y[i] for i in test],
            )
            rows.append(
                {
                    "variant": name,
                    "fold": fold,
                    **{k: 100 * scores[k] for k in ("accuracy", "edit", "f1@50")},
                    "params": scores["n_parameters"],
                    "fit_s": scores["fit_time"],
                    "final_train_loss": float(model[-1].history_[-1, "train_loss"]),
                }
            )
            print({k: round(v, 3) if isinstance(v, float) else v for k, v in rows[-1].items()})
    table = pd.DataFrame(rows).groupby("variant", sort=False).mean(numeric_only=True)
    table["params"] = table["params"].astype(int)
    print(f"\n{args.epochs} epochs, folds {args.folds}, means over folds:")
    print(table.drop(columns="fold").round(1).to_string())
    return table


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
