"""Robustness: every segmenter, trained on clean recordings, scored on damaged test recordings.

For each data set and seed (subject-disjoint splits, see ``_common.py``) every segmenter is
fitted once with its documented defaults behind ``make_segmentation_pipeline``
(``stgraph_sklearn.model_selection.fit_and_score``, which also gives the clean scores), then
predicts test recordings damaged in one way at a time. The damage is applied to the raw
recordings before the pipeline, so the aligner and the node masks see it; it is drawn once per
seed and is the same for every model:

- ``missing_k`` (k = 1, 3, 5): k sensors (nodes of the data set's sensor modality: the 10
  object accelerometers of the kitchen simulation, the 2 of BasicMotions and HAPT) drawn at
  random per recording have every sample set to NaN; skipped where k >= the number of sensors;
- ``clock_drift``: the sensor modality's clock runs 0.5 % fast and starts 0.5 s late, and the
  recording's clock correction does not know it (sample times ``t -> 1.005 t + 0.5``);
- ``noise``: Gaussian noise of 0.5 x each sensor channel's standard deviation (per recording)
  added to the sensor modality;
- ``drop_<modality>``: every node of one modality missing (NaN), for each modality of
  recordings that have more than one (the kitchen simulation's ``accel`` and ``video``).

Usage::

    python benchmarks/robustness.py --quick
    python benchmarks/robustness.py                      # seeds 0-2, defaults (hours on 2 cores)
    python benchmarks/robustness.py --uci-har-root ~/data/HAPT

Writes ``results/robustness_<tag>.{csv,md,png}``: F1@50 and Edit (x100, mean ± std over seeds)
per condition and model, and the F1@50 points each condition costs against the clean score.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from _common import (
    ROW_COLUMNS,
    add_common_arguments,
    collect_rows,
    figure_path,
    load_split,
    make_model,
    pivot_mean_std,
    resolve,
    write_results,
)

from stgraph_sklearn.metrics import segmentation_report
from stgraph_sklearn.model_selection import fit_and_score

MISSING = (1, 3, 5)
DRIFT_RATE = 0.005  # the sensor clock runs 0.5 % fast
DRIFT_OFFSET = 0.5  # s
NOISE = 0.5  # x the channel's standard deviation
SCORES = ("accuracy", "edit", "f1@10", "f1@25", "f1@50")


def _with_modality(rec, name, modality):
    return rec.replace(modalities={**rec.modalities, name: modality})


def mask_nodes(rec, name, nodes):
    """A copy of ``rec`` whose modality ``name`` has every sample of ``nodes`` set to NaN."""
    mod = rec.modalities[name]
    values = np.array(mod.values, dtype=float, copy=True)
    values[:, nodes] = np.nan
    return _with_modality(rec, name, mod.replace(values=values))


def drift_clock(rec, name, rate=DRIFT_RATE, offset=DRIFT_OFFSET):
    """A copy of ``rec`` whose modality ``name`` has sample times ``(1 + rate) t + offset``."""
    mod = rec.modalities[name]
    times = (1.0 + rate) * mod.times + offset
    if mod.rate is not None:
        new = mod.replace(rate=mod.rate / (1.0 + rate), start=float(times[0]))
    else:
        new = mod.replace(timestamps=times)
    return _with_modality(rec, name, new)


def add_noise(rec, name, rng, scale=NOISE):
    """A copy of ``rec`` with Gaussian noise of ``scale`` x each channel's std on ``name``."""
    mod = rec.modalities[name]
    values = np.asarray(mod.values, dtype=float)
    std = np.nan_to_num(np.nanstd(values, axis=0, keepdims=True))
    noisy = values + scale * std * rng.standard_normal(values.shape)
    return _with_modality(rec, name, mod.replace(values=noisy))


def conditions(X, sensors, seed):
    """Damaged copies of the test recordings, ``{condition: recordings}`` (clean included)."""
    rng = np.random.RandomState(seed)
    n_sensors = X[0].modalities[sensors].n_nodes
    out = {"clean": X}
    for k in MISSING:
        if k < n_sensors:
            out[f"missing_{k}"] = [
                mask_nodes(rec, sensors, rng.choice(n_sensors, k, replace=False)) for rec in X
            ]
    out["clock_drift"] = [drift_clock(rec, sensors) for rec in X]
    out["noise"] = [add_noise(rec, sensors, rng) for rec in X]
    names = list(X[0].modalities)
    if len(names) > 1:
        for name in names:
            out[f"drop_{name}"] = [
                mask_nodes(rec, name, np.arange(rec.modalities[name].n_nodes)) for rec in X
            ]
    return out


def run(args):
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            split = load_split(dataset, seed, args)
            damaged = conditions(split.X_test, split.sensors, seed)
            print(f"{dataset} seed {seed}: {split.note}; conditions {list(damaged)}", flush=True)
            for name in args.models:
                model = make_model(name, seed, args)
                clean, _ = fit_and_score(
                    model, split.X_train, split.y_train, split.X_test, split.y_test
                )
                for condition, X_test in damaged.items():
                    if condition == "clean":
                        scores = {k: clean[k] for k in SCORES}
                    else:
                        pred = model.predict(X_test)
                        report = segmentation_report(split.y_test, pred, output_dict=True)
                        scores = {k: report[k] for k in SCORES}
                    rows.append(
                        {
                            "dataset": dataset,
                            "seed": seed,
                            "model": name,
                            "condition": condition,
                            **scores,
                            "fit_time": clean["fit_time"],
                        }
                    )
                summary = " ".join(
                    f"{r['condition']}={r['f1@50']:.3f}" for r in rows[-len(damaged) :]
                )
                print(f"  {name}: F1@50 {summary}", flush=True)
    return pd.DataFrame(rows)


def losses(df, metric="f1@50"):
    """Points of ``metric`` lost against the clean score, per condition (mean ± std, seeds)."""
    clean = df[df["condition"] == "clean"].set_index(["dataset", "seed", "model"])[metric]
    damaged = df[df["condition"] != "clean"].copy()
    key = pd.MultiIndex.from_frame(damaged[["dataset", "seed", "model"]])
    damaged["loss"] = clean.reindex(key).to_numpy() - damaged[metric].to_numpy()
    return pivot_mean_std(damaged, ["dataset", "condition"], "model", "loss")


def plot(df, path):
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(df["dataset"]))
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.5 * len(datasets), 3.4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets, strict=True):
        sub = df[df["dataset"] == dataset]
        k = sub["condition"].map(
            lambda c: (
                0 if c == "clean" else int(c.split("_")[1]) if c.startswith("missing_") else -1
            )
        )
        sub = sub.assign(k=k)[k >= 0]
        for model, m in sub.groupby("model", sort=False):
            stats = m.groupby("k")["f1@50"].agg(["mean", "std"]) * 100
            ax.errorbar(
                stats.index,
                stats["mean"],
                yerr=stats["std"].fillna(0),
                marker="o",
                capsize=3,
                label=model,
            )
        ax.set_xticks(sorted(sub["k"].unique()))
        ax.set_xlabel("sensors missing at test time")
        ax.set_ylabel("F1@50 x100")
        ax.set_title(dataset)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, row_columns=(*ROW_COLUMNS, "condition", "edit", "f1@50"))
    args = resolve(parser.parse_args(argv))
    started = time.perf_counter()
    df = collect_rows(args, run)
    sections = [
        (
            "F1@50 (x100, mean ± std over seeds)",
            pivot_mean_std(df, ["dataset", "condition"], "model", "f1@50"),
        ),
        ("F1@50 points lost against clean (mean ± std over seeds)", losses(df)),
        (
            "Edit (x100, mean ± std over seeds)",
            pivot_mean_std(df, ["dataset", "condition"], "model", "edit"),
        ),
    ]
    fig = figure_path("robustness", args)
    plot(df, fig)
    write_results("robustness", args, df, sections, started, figures=[fig])
    return df


if __name__ == "__main__":
    main()
