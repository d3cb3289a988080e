"""Cost: training time to convergence, training and inference speed at 1 and 2 threads, memory.

Each (data set, seed, model, thread count) runs in its own Python process (``OMP_NUM_THREADS``
and ``torch.set_num_threads`` set to the thread count) so that its peak memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own. In that process, on the seed's
subject-disjoint split (``_common.py``):

1. the model (documented defaults behind ``make_segmentation_pipeline``) is fitted with
   ``stgraph_sklearn.model_selection.fit_and_score`` (``fit_s``, test F1@50). For the neural
   models, ``history_`` gives the validation F1@50 of every epoch and its duration:
   ``to_final_s`` is the training time (sum of epoch durations, validation included) until
   the first epoch whose validation F1@50 reaches the final epoch's, ``epoch_s`` the median
   epoch duration;
2. training speed: a clone of the fitted segmenter with ``validation_fraction=0`` trains 2
   epochs on the preprocessed training recordings; ``train_fps`` is their frames over the
   median epoch duration (the frame classifier: frames over its fit time);
3. ``infer_fps``: model-only ``predict`` on the preprocessed test recordings (after one warm-up
   call); ``e2e_fps``: ``Pipeline.predict`` on the raw test recordings, preprocessing included
   (also warm);
4. ``peak_mib``: the process's peak resident memory; ``fit_peak_mib``: its increase over the
   level before fitting (data loaded, libraries imported).

Usage::

    python benchmarks/cost.py --quick                   # seed 0, small data, 3 epochs
    python benchmarks/cost.py                           # seeds 0-2, defaults
    python benchmarks/cost.py --threads-list 1 2 4
    python benchmarks/cost.py --from-csv a.csv b.csv --tag merged   # summarise earlier runs

Writes ``results/cost_<tag>.{csv,md}`` and the ratios AdaptiveGraphSegmenter / MSTCNSegmenter
measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import (
    NEURAL,
    POSITIVE_INT,
    ROW_COLUMNS,
    add_common_arguments,
    collect_rows,
    load_split,
    make_model,
    mean_std,
    resolve,
    write_results,
)
from sklearn.base import clone

from stgraph_sklearn.model_selection import fit_and_score

TRAIN_EPOCHS = 2


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _frames(y):
    return sum(len(yi) for yi in y)


def measure(args, dataset, seed, name):
    """Run steps 1-4 of the module docstring in this process; return a dict of figures."""
    split = load_split(dataset, seed, args)
    base_mib = _rss_mib()
    model = make_model(name, seed, args)
    scores, _ = fit_and_score(model, split.X_train, split.y_train, split.X_test, split.y_test)
    row = {
        "n_parameters": scores["n_parameters"],
        "fit_s": scores["fit_time"],
        "test_f1@50": scores["f1@50"],
        "train_frames": _frames(split.y_train),
        "test_frames": _frames(split.y_test),
    }
    segmenter = model[-1]
    train_seqs = model[:-1].transform(split.X_train)
    if name in NEURAL:
        history = segmenter.history_
        dur = np.asarray(history[:, "dur"], dtype=float)
        f1 = np.asarray([h.get("valid_f1@50", np.nan) for h in history], dtype=float)
        row.update(epochs=len(dur), epoch_s=float(np.median(dur)))
        if np.isfinite(f1).any():
            final = f1[-1]
            reached = int(np.flatnonzero(f1 >= final - 1e-12)[0])
            row.update(
                **{"final_valid_f1@50": float(final)},
                epoch_reached=reached + 1,
                to_final_s=float(dur[: reached + 1].sum()),
            )
        fresh = clone(segmenter).set_params(validation_fraction=0.0, max_epochs=TRAIN_EPOCHS)
        fresh.fit(train_seqs, split.y_train)
        row["train_fps"] = row["train_frames"] / float(np.median(fresh.history_[:, "dur"]))
    else:
        fresh = clone(segmenter)
        start = time.perf_counter()
        fresh.fit(train_seqs, split.y_train)
        row["train_fps"] = row["train_frames"] / (time.perf_counter() - start)
    test_seqs = model[:-1].transform(split.X_test)
    segmenter.predict(test_seqs[:1])
    start = time.perf_counter()
    segmenter.predict(test_seqs)
    row["infer_fps"] = row["test_frames"] / (time.perf_counter() - start)
    start = time.perf_counter()
    model.predict(split.X_test)
    row["e2e_fps"] = row["test_frames"] / (time.perf_counter() - start)
    peak = _rss_mib()
    row.update(peak_mib=peak, fit_peak_mib=peak - base_mib)
    return row


def run(args, argv):
    rows = []
    for dataset in args.datasets:
        for seed in args.seeds:
            for name in args.models:
                for threads in args.threads_list:
                    with tempfile.TemporaryDirectory() as tmp:
                        out = Path(tmp) / "row.json"
                        cmd = [
                            sys.executable,
                            os.path.abspath(__file__),
                            *argv,
                            "--worker",
                            dataset,
                            str(seed),
                            name,
                            str(threads),
                            str(out),
                        ]
                        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
                        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
                        if proc.returncode != 0:
                            raise RuntimeError(
                                f"cost worker {dataset}/{seed}/{name}/{threads} failed:\n"
                                f"{proc.stderr[-3000:]}"
                            )
                        row = json.loads(out.read_text())
                    row = {
                        "dataset": dataset,
                        "seed": seed,
                        "model": name,
                        "threads": threads,
                        **row,
                    }
                    rows.append(row)
                    print(
                        f"{dataset} seed {seed} {name} {threads} thr: fit {row['fit_s']:.1f}s "
                        f"to-final {row.get('to_final_s', float('nan')):.1f} s "
                        f"train {row['train_fps']:,.0f} infer {row['infer_fps']:,.0f} "
                        f"e2e {row['e2e_fps']:,.0f} frames/s, peak {row['peak_mib']:.0f} MiB",
                        flush=True,
                    )
    return pd.DataFrame(rows)


_COLUMNS = {  # column: (scale, digits)
    "fit_s": (1, 1),
    "epoch_s": (1, 2),
    "to_final_s": (1, 1),
    "epoch_reached": (1, 1),
    "train_fps": (1, 0),
    "infer_fps": (1, 0),
    "e2e_fps": (1, 0),
    "peak_mib": (1, 0),
    "fit_peak_mib": (1, 0),
}


def summary(df):
    grouped = df.groupby(["dataset", "model", "threads"], sort=False)
    table = pd.DataFrame(
        {
            col: grouped[col].apply(lambda v, s=scale, d=digits: mean_std(v, s, d))
            for col, (scale, digits) in _COLUMNS.items()
            if col in df
        }
    )
    params = grouped["n_parameters"].first()
    table.insert(0, "params", params.map(lambda v: "-" if pd.isna(v) else f"{int(v):,}"))
    return table


def ratios(df, a="AdaptiveGraphSegmenter", b="MSTCNSegmenter"):
    """``a`` over ``b`` per (data set, seed, threads), mean ± std over seeds."""
    if not {a, b} <= set(df["model"]):
        return None
    keys = ["dataset", "seed", "threads"]
    left = df[df["model"] == a].set_index(keys)
    right = df[df["model"] == b].set_index(keys)
    cols = ["n_parameters", "epoch_s", "to_final_s", "train_fps", "infer_fps", "e2e_fps"]
    cols = [c for c in cols if c in left and c in right]
    ratio = (left[cols].astype(float) / right[cols].astype(float)).reset_index()
    grouped = ratio.groupby(["dataset", "threads"], sort=False)
    return pd.DataFrame({c: grouped[c].apply(lambda v: mean_std(v, 1, 2)) for c in cols})


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(
        parser,
        row_columns=(*ROW_COLUMNS, "threads", "n_parameters"),
        quick_help="small data, seed 0, 3 epochs (a few minutes)",
        threads_help=argparse.SUPPRESS,  # refused below: each run uses --threads-list
    )
    parser.add_argument("--threads-list", type=POSITIVE_INT, nargs="+", default=[1, 2])
    parser.add_argument("--worker", nargs=5, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is not None and args.worker is None:
        parser.error("cost.py measures at each of --threads-list; --threads has no effect here")
    if args.quick and args.seeds is None:
        args.seeds = [0]
    if args.worker is not None:
        dataset, seed, name, threads, out = args.worker
        args.threads = int(threads)
        args = resolve(args)
        row = measure(args, dataset, int(seed), name)
        Path(out).write_text(json.dumps(row))
        return row
    args = resolve(args)
    started = time.perf_counter()
    df = collect_rows(args, lambda a: run(a, argv))
    sections = [("Per model and thread count (mean ± std over seeds)", summary(df))]
    rel = ratios(df)
    if rel is not None:
        sections.append(
            ("AdaptiveGraphSegmenter / MSTCNSegmenter, same run (mean ± std over seeds)", rel)
        )
    write_results("cost", args, df, sections, started)
    return df


if __name__ == "__main__":
    main()
