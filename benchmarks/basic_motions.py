"""The four segmenters on real recordings: BasicMotions smartwatch sequences.

BasicMotions (bundled with sktime) holds 80 ten-second smartwatch recordings (3-axis
accelerometer and gyroscope, 10 Hz) of standing, walking, running and badminton.
:func:`~stgraph_sklearn.datasets.load_basic_motions_sequences` concatenates whole recordings
into sequences; training sequences come from the official train split and test sequences
from the test split, so no recording is in both. Every segmenter runs with its documented
defaults behind ``make_segmentation_pipeline``, once per seed (the seed sets the models and
the sequence recipes).

Usage::

    python benchmarks/basic_motions.py               # seeds 0 1 2, about 10 min on 2 cores
    python benchmarks/basic_motions.py --seeds 0

Scores are x100, mean ± std over seeds.
"""

from __future__ import annotations

import argparse
import warnings

import pandas as pd
import torch
from _common import POSITIVE_INT, SEED  # benchmarks/, next to this script

from stgraph_sklearn.datasets import load_basic_motions_sequences
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.model_selection import fit_and_score
from stgraph_sklearn.pipeline import make_segmentation_pipeline

SEGMENTERS = (AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter, FrameClassifierSegmenter)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-sequences", type=POSITIVE_INT, default=20)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rows = []
    for seed in args.seeds:
        X_train, y_train = load_basic_motions_sequences(
            "train", n_sequences=args.n_sequences, random_state=seed
        )
        X_test, y_test = load_basic_motions_sequences(
            "test", n_sequences=args.n_sequences, random_state=seed + 1000
        )
        for cls in SEGMENTERS:
            model = make_segmentation_pipeline(cls(random_state=seed))
            scores, _ = fit_and_score(model, X_train, y_train, X_test, y_test)
            rows.append(
                {
                    "model": cls.__name__,
                    "seed": seed,
                    **{k: 100 * scores[k] for k in ("accuracy", "edit", "f1@50")},
                    "params": scores["n_parameters"],
                    "fit_s": scores["fit_time"],
                }
            )
            print({k: round(v, 1) if isinstance(v, float) else v for k, v in rows[-1].items()})
    results = pd.DataFrame(rows)
    grouped = results.groupby("model", sort=False)
    table = pd.DataFrame(
        {
            metric: grouped[metric].mean().map("{:.1f}".format)
            + " ± "
            + grouped[metric].std(ddof=0).map("{:.1f}".format)
            for metric in ("accuracy", "edit", "f1@50")
        }
    )
    table["params"] = grouped["params"].first().map(lambda v: "-" if pd.isna(v) else f"{v:,.0f}")
    table["fit_s"] = grouped["fit_s"].mean().round(0)
    print(f"\nBasicMotions, seeds {args.seeds}, scores x100 (mean ± std over seeds):")
    print(table.to_string())
    return results


if __name__ == "__main__":
    main()
