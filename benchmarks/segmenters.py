"""Benchmark the four segmenters on the kitchen simulation, subject-disjoint.

Every estimator runs with its documented defaults behind the same preprocessing
(ModalityAligner -> NodeFeatureExtractor -> SequenceScaler -> SensorGraphBuilder), on
GroupKFold splits by subject. Printed and written to ``benchmarks/results/``:

- Acc, Edit, F1@10/25/50 (x100, mean ± std over folds), trainable parameters, fit time,
  inference speed (frames/s of ``predict`` on the held-out recordings, preprocessing included);
- skorch overhead: training time per epoch of the skorch net over that of a plain PyTorch
  loop on the same module, data, batching, loss and optimizer, in the same run.

Usage::

    python benchmarks/segmenters.py            # the full protocol (long: see --help)
    python benchmarks/segmenters.py --quick    # a few minutes: small data, 3 folds, 5 epochs

Numbers depend on the machine; the script prints the thread count and torch version it ran with.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch
from _common import POSITIVE_FLOAT, POSITIVE_INT, SEED, number_in, results_folder
from sklearn.model_selection import GroupKFold
from torch.utils.data import DataLoader

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.estimators._batching import SequenceDataset, collate_sequences
from stgraph_sklearn.model_selection import evaluate_segmenters, summarize_evaluation
from stgraph_sklearn.pipeline import make_segmentation_pipeline

RESULTS = Path(__file__).parent / "results"


def skorch_overhead(segmenter, X, y, epochs):
    """Ratio of skorch's training time per epoch to a plain PyTorch loop's, same everything.

    Both train the same architecture from the same initial weights on the same preprocessed
    recordings with the same DataLoader (collate, batch size, shuffling), loss and Adam; no
    validation split in either, so only the training epochs are compared.
    """
    pre = make_segmentation_pipeline(segmenter)[:-1].fit(X, y)
    seqs = pre.transform(X)
    est = segmenter.set_params(max_epochs=epochs, validation_fraction=0.0, verbose=0)
    est.fit(seqs, y)
    skorch_epoch = float(np.median(est.history_[:, "dur"]))

    targets = [np.searchsorted(est.classes_, yi) for yi in y]
    module = copy.deepcopy(est.net_.module_)  # same architecture, fresh weights
    torch.manual_seed(0)
    module.reset_parameters()
    criterion = est.net_.criterion_
    optimizer = torch.optim.Adam(module.parameters(), lr=est.lr, weight_decay=est.weight_decay)
    dataset = SequenceDataset(seqs, targets, est.temporal_stride, random_phase=True)
    loader = DataLoader(
        dataset, batch_size=est.batch_size, shuffle=True, collate_fn=collate_sequences
    )
    durations = []
    for _ in range(epochs):
        start = time.perf_counter()
        module.train()
        for batch_x, batch_y in loader:
            optimizer.zero_grad()
            loss = criterion(module(**batch_x), batch_y)
            loss.backward()
            optimizer.step()
        durations.append(time.perf_counter() - start)
    plain_epoch = float(np.median(durations))
    return skorch_epoch, plain_epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data, 3 folds, 5 epochs")
    parser.add_argument(
        "--folds", type=number_in(int, 2), default=None, help="GroupKFold splits (default 5)"
    )
    parser.add_argument("--n-recordings", type=POSITIVE_INT, default=None, help="simulation size")
    parser.add_argument("--n-subjects", type=POSITIVE_INT, default=None, help="simulated subjects")
    parser.add_argument(
        "--duration", type=POSITIVE_FLOAT, default=None, help="mean recording length, s"
    )
    parser.add_argument("--random-state", type=SEED, default=0)
    parser.add_argument("--results-dir", type=results_folder, default=RESULTS)
    args = parser.parse_args(argv)

    if args.quick:
        data = {"n_recordings": 9, "n_subjects": 3, "duration": 40.0}
        folds, overrides = args.folds or 3, {"max_epochs": 5}
    else:
        data, folds, overrides = {}, args.folds or 5, {}
    for key in ("n_recordings", "n_subjects", "duration"):
        if getattr(args, key) is not None:
            data[key] = getattr(args, key)
    X, y, groups = make_kitchen_activities(**data, random_state=args.random_state)
    seed = {"random_state": args.random_state}
    segmenters = {
        "AdaptiveGraphSegmenter": AdaptiveGraphSegmenter(**seed, **overrides),
        "STGCNSegmenter": STGCNSegmenter(**seed, **overrides),
        "MSTCNSegmenter": MSTCNSegmenter(**seed, **overrides),
        "FrameClassifierSegmenter": FrameClassifierSegmenter(**seed),
    }
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.machine()}; "
        f"{len(X)} recordings ({sum(len(t) for t in y):,} frames), GroupKFold({folds}) by subject",
        flush=True,
    )
    results = evaluate_segmenters(
        {name: make_segmentation_pipeline(seg) for name, seg in segmenters.items()},
        X,
        y,
        groups,
        cv=GroupKFold(n_splits=folds),
        verbose=1,
    )
    table = summarize_evaluation(results)

    overhead = {}
    for name in ("AdaptiveGraphSegmenter", "MSTCNSegmenter"):
        train = np.flatnonzero(np.asarray(groups) != np.asarray(groups)[0])
        skorch_s, plain_s = skorch_overhead(
            segmenters[name], [X[i] for i in train], [y[i] for i in train], epochs=3
        )
        overhead[name] = {
            "skorch_s_per_epoch": skorch_s,
            "plain_s_per_epoch": plain_s,
            "overhead": skorch_s / plain_s - 1.0,
        }
    table["skorch_overhead"] = [
        f"{100 * overhead[m]['overhead']:+.0f}%" if m in overhead else "-" for m in table.index
    ]

    print("\nScores x100, mean ± std over subject-disjoint folds:")
    print(table.to_string())
    out = args.results_dir
    out.mkdir(parents=True, exist_ok=True)
    tag = "quick" if args.quick else "full"
    if any(
        getattr(args, k) is not None for k in ("n_recordings", "n_subjects", "duration", "folds")
    ):
        tag = "custom"
    results.to_csv(out / f"segmenters_{tag}_folds.csv", index=False)
    table.to_csv(out / f"segmenters_{tag}.csv")
    (out / f"segmenters_{tag}_overhead.json").write_text(json.dumps(overhead, indent=2))
    print(f"\nWritten to {out}/segmenters_{tag}*.csv")


if __name__ == "__main__":
    main()
