"""Learning curves: every segmenter trained on 10, 25, 50 and 100 % of the training recordings.

For each data set and seed (see ``_common.py`` for the subject-disjoint splits), the training
recordings are put in a random order drawn with the seed and the first ``max(1, round(p *
n_train))`` are used for fraction ``p``, so smaller subsets are nested in larger ones; the
test recordings are the same for every fraction and model. Every segmenter runs with its
documented defaults behind ``make_segmentation_pipeline`` on the same subsets, in the same run
(``stgraph_sklearn.model_selection.evaluate_segmenters`` with one "fold" per fraction).

Usage::

    python benchmarks/learning_curve.py --quick          # 2 seeds, small data, 3 epochs
    python benchmarks/learning_curve.py                  # seeds 0-2, defaults (hours on 2 cores)
    python benchmarks/learning_curve.py --uci-har-root ~/data/HAPT

Writes ``results/learning_curve_<tag>.{csv,md,png}``: F1@50 and Edit (x100, mean ± std over
seeds) per fraction and model, and the share of its full-data F1@50 each model keeps at 25 %.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import (
    FRACTION,
    ROW_COLUMNS,
    add_common_arguments,
    collect_rows,
    figure_path,
    load_split,
    make_model,
    mean_std,
    pivot_mean_std,
    resolve,
    write_results,
)

from stgraph_sklearn.model_selection import evaluate_segmenters

FRACTIONS = (0.1, 0.25, 0.5, 1.0)


def run(args):
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            split = load_split(dataset, seed, args)
            X = split.X_train + split.X_test
            y = split.y_train + split.y_test
            n_train = len(split.X_train)
            test = np.arange(n_train, len(X))
            order = np.random.RandomState(seed).permutation(n_train)
            sizes = [max(1, round(p * n_train)) for p in args.fractions]
            cv = [(order[:n], test) for n in sizes]
            print(f"{dataset} seed {seed}: {split.note}; training sizes {sizes}", flush=True)
            models = {name: make_model(name, seed, args) for name in args.models}
            result = evaluate_segmenters(models, X, y, cv=cv, verbose=1)
            result.insert(0, "dataset", dataset)
            result.insert(1, "seed", seed)
            result.insert(2, "fraction", [args.fractions[f] for f in result["fold"]])
            result.insert(3, "n_train", [sizes[f] for f in result["fold"]])
            rows.append(result.drop(columns="fold"))
    return pd.concat(rows, ignore_index=True)


def retained(df):
    """Per data set and model: F1@50 at 25 % over F1@50 at 100 % (mean ± std over seeds)."""
    if not {0.25, 1.0} <= set(df["fraction"]):
        return None
    wide = df.pivot_table(
        index=["dataset", "model", "seed"], columns="fraction", values="f1@50", sort=False
    )
    ratio = (wide[0.25] / wide[1.0]).replace([np.inf, -np.inf], np.nan).rename("ratio")
    table = ratio.groupby(["dataset", "model"], sort=False).apply(mean_std).unstack("model")
    return table.rename_axis(columns=None)


def plot(df, path):
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(df["dataset"]))
    fig, axes = plt.subplots(
        len(datasets), 2, figsize=(9, 3.2 * len(datasets)), squeeze=False, sharex=True
    )
    for r, dataset in enumerate(datasets):
        sub = df[df["dataset"] == dataset]
        for c, metric in enumerate(("f1@50", "edit")):
            ax = axes[r, c]
            for model, m in sub.groupby("model", sort=False):
                stats = m.groupby("fraction")[metric].agg(["mean", "std"]) * 100
                ax.errorbar(
                    100 * stats.index,
                    stats["mean"],
                    yerr=stats["std"].fillna(0),
                    marker="o",
                    capsize=3,
                    label=model,
                )
            ax.set_xscale("log")
            ax.set_xticks([10, 25, 50, 100], labels=["10", "25", "50", "100"])
            ax.set_title(f"{dataset}: {metric.upper() if metric == 'f1@50' else 'Edit'}")
            ax.set_ylabel("score x100")
            ax.grid(alpha=0.3)
        axes[r, 0].set_xlabel("% of training recordings")
        axes[r, 1].set_xlabel("% of training recordings")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    columns = (*ROW_COLUMNS, "fraction", "accuracy", "edit", "f1@50")
    add_common_arguments(parser, row_columns=columns)
    parser.add_argument(
        "--fractions",
        type=FRACTION,
        nargs="+",
        default=list(FRACTIONS),
        help="shares of the training recordings (default 0.1 0.25 0.5 1)",
    )
    args = resolve(parser.parse_args(argv))
    started = time.perf_counter()
    df = collect_rows(args, run)
    label = df["fraction"].map(lambda p: f"{100 * p:g} %")
    df_l = df.assign(training=label)
    sections = [
        (
            "F1@50 (x100, mean ± std over seeds)",
            pivot_mean_std(df_l, ["dataset", "training"], "model", "f1@50"),
        ),
        (
            "Edit (x100, mean ± std over seeds)",
            pivot_mean_std(df_l, ["dataset", "training"], "model", "edit"),
        ),
        (
            "Accuracy (x100, mean ± std over seeds)",
            pivot_mean_std(df_l, ["dataset", "training"], "model", "accuracy"),
        ),
    ]
    keep = retained(df)
    if keep is not None:
        sections.append(("F1@50 at 25 % over F1@50 at 100 % (x100, mean ± std over seeds)", keep))
    fig = figure_path("learning_curve", args)
    plot(df, fig)
    write_results("learning_curve", args, df, sections, started, figures=[fig])
    return df


if __name__ == "__main__":
    main()
