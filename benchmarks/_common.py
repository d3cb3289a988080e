"""Shared pieces of the benchmark scripts: data sets, subject-disjoint splits, the segmenters,
test-time perturbations, summaries and the CSV / markdown / PNG outputs.

``learning_curve.py``, ``robustness.py`` and ``cost.py`` import this module (they run as
``python benchmarks/<script>.py``, so ``benchmarks/`` is on ``sys.path``). Defaults are
documented in :func:`add_common_arguments` and :data:`FULL` / :data:`QUICK`.

Data sets and splits (one split per seed, the seed also seeds the data and the models):

- ``kitchen``: :func:`~stgraph_sklearn.datasets.make_kitchen_activities` with
  ``random_state=seed``; the recordings of ``ceil(20 %)`` of the subjects (at least one),
  drawn with the seed, are the test set: subject-disjoint.
- ``basicmotions``: :func:`~stgraph_sklearn.datasets.load_basic_motions_sequences`, training
  sequences from the official train split and test sequences from the test split (seeds
  ``seed`` and ``seed + 1000``). The subjects are not published; no recording is in both.
- ``uci_har``: :func:`~stgraph_sklearn.datasets.load_uci_har` on ``--uci-har-root``; the
  experiments of ``ceil(30 %)`` of the users (at least one), drawn with the seed, are the test set.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupShuffleSplit

from stgraph_sklearn.datasets import (
    load_basic_motions_sequences,
    load_uci_har,
    make_kitchen_activities,
)
from stgraph_sklearn.datasets._kitchen import _MIN_DURATION
from stgraph_sklearn.estimators import (
    AdaptiveGraphSegmenter,
    FrameClassifierSegmenter,
    MSTCNSegmenter,
    STGCNSegmenter,
)
from stgraph_sklearn.pipeline import make_segmentation_pipeline

RESULTS = Path(__file__).resolve().parent / "results"

SEGMENTERS = {
    "AdaptiveGraphSegmenter": AdaptiveGraphSegmenter,
    "STGCNSegmenter": STGCNSegmenter,
    "MSTCNSegmenter": MSTCNSegmenter,
    "FrameClassifierSegmenter": FrameClassifierSegmenter,
}
NEURAL = ("AdaptiveGraphSegmenter", "STGCNSegmenter", "MSTCNSegmenter")
DATASETS = ("kitchen", "basicmotions", "uci_har")

#: The full protocol's settings (``None`` epochs: every model's documented default, 50).
FULL = {
    "seeds": [0, 1, 2],
    "epochs": None,
    "frame_stride": 1,
    "frame_max_iter": None,
    "kitchen": {"n_recordings": 20, "n_subjects": 5, "duration": 120.0},
    "basicmotions": {"n_sequences": 20},
    "uci_har": {"max_users": None},
}
#: ``--quick``: small data, few epochs; the frame classifier fits on every 4th training frame
#: with 20 boosting iterations instead of 100 (its default takes minutes even on small data).
QUICK = {
    "seeds": [0, 1],
    "epochs": 3,
    "frame_stride": 4,
    "frame_max_iter": 20,
    "kitchen": {"n_recordings": 10, "n_subjects": 5, "duration": 20.0},
    "basicmotions": {"n_sequences": 8},
    "uci_har": {"max_users": 8},
}


def number_in(kind, low, high=None, low_open=False):
    """An argparse ``type`` reading a ``kind`` in ``[low, high]`` (``(low, high]`` if
    ``low_open``), so a bad option stops at parsing, named by argparse, not hours later."""

    def read(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value < low or (low_open and value == low) or (high is not None and value > high):
            span = f"{'(' if low_open else '['}{low}, {'inf)' if high is None else f'{high}]'}"
            raise argparse.ArgumentTypeError(f"expected a value in {span}, got {text}")
        return value

    read.__name__ = kind.__name__  # argparse names the type in its messages
    return read


POSITIVE_INT = number_in(int, 1)
SEED = number_in(int, 0, 2**32 - 1)
POSITIVE_FLOAT = number_in(float, 0.0, low_open=True)
FRACTION = number_in(float, 0.0, 1.0, low_open=True)
#: A mean recording length of the kitchen simulation, s: ``make_kitchen_activities``' minimum up.
KITCHEN_DURATION = number_in(float, _MIN_DURATION)


def folder(text):
    """An argparse ``type``: an existing folder (``~`` expanded)."""
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return path


def hapt_root(text):
    """An argparse ``type``: a folder of the UCI HAPT release (``RawData/`` and
    ``activity_labels.txt``), checked before anything trains."""
    path = folder(text)
    missing = [n for n in ("RawData", "activity_labels.txt") if not (path / n).exists()]
    if missing:
        raise argparse.ArgumentTypeError(
            f"{text} is not a UCI HAPT release folder: it lacks {' and '.join(missing)}"
        )
    return path


def rows_csv(*columns):
    """An argparse ``type`` for ``--from-csv``: an existing CSV file (``~`` expanded) whose
    header holds ``columns``, so that a missing file or another script's CSV stops at parsing."""

    def read(text):
        path = Path(text).expanduser()
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"no such file: {text}")
        with path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
        missing = [c for c in columns if c not in header]
        if missing:
            raise argparse.ArgumentTypeError(
                f"{text} is not a CSV of this script's raw rows: expected the columns "
                f"{', '.join(columns)}, it lacks {', '.join(missing)}"
            )
        return path

    read.__name__ = "CSV"  # argparse names the type in its messages
    return read


#: The columns every script's raw rows hold (``collect_rows`` reads ``seed``).
ROW_COLUMNS = ("dataset", "seed", "model")


def results_folder(text):
    """An argparse ``type``: a folder for the results (``~`` expanded; :func:`resolve` creates
    it), so that a path naming a file fails before the run, not after it."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


def add_common_arguments(
    parser,
    *,
    row_columns=ROW_COLUMNS,
    quick_help="small data, 2 seeds, 3 epochs (a few minutes)",
    threads_help="torch threads (default: torch's own)",
):
    """The options every benchmark script takes.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    row_columns : tuple of str
        Columns a ``--from-csv`` file must hold: those the script's summaries read.
    quick_help, threads_help : str
        Help of ``--quick`` and ``--threads`` (``argparse.SUPPRESS`` hides the option).
    """
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument(
        "--datasets",
        nargs="+",
        choices=DATASETS,
        default=None,
        help="data sets to run (default: kitchen and basicmotions, plus uci_har when "
        "--uci-har-root is given)",
    )
    parser.add_argument(
        "--uci-har-root",
        type=hapt_root,
        default=None,
        help="folder of the UCI HAPT release (holding RawData/ and activity_labels.txt)",
    )
    parser.add_argument("--seeds", type=SEED, nargs="+", default=None, help="default 0 1 2")
    parser.add_argument("--models", nargs="+", choices=list(SEGMENTERS), default=list(SEGMENTERS))
    parser.add_argument(
        "--epochs",
        type=POSITIVE_INT,
        default=None,
        help="max_epochs of the neural models (default 50)",
    )
    parser.add_argument("--threads", type=POSITIVE_INT, default=None, help=threads_help)
    parser.add_argument(
        "--n-recordings", type=POSITIVE_INT, default=None, help="kitchen: recordings"
    )
    parser.add_argument("--n-subjects", type=POSITIVE_INT, default=None, help="kitchen: subjects")
    parser.add_argument(
        "--duration", type=POSITIVE_FLOAT, default=None, help="kitchen: mean length, s"
    )
    parser.add_argument(
        "--n-sequences", type=POSITIVE_INT, default=None, help="basicmotions: sequences per split"
    )
    parser.add_argument(
        "--max-users",
        type=number_in(int, 2),
        default=None,
        help="uci_har: use only this many users (at least 2: one to train, one to test)",
    )
    parser.add_argument("--results-dir", type=results_folder, default=RESULTS)
    parser.add_argument(
        "--tag", default=None, help="output name suffix (default 'quick' or 'full')"
    )
    parser.add_argument(
        "--from-csv",
        type=rows_csv(*row_columns),
        nargs="+",
        default=None,
        metavar="CSV",
        help="summarise the raw rows of earlier runs (e.g. one run per seed, in parallel) "
        "instead of running",
    )


def collect_rows(args, run):
    """The raw rows: ``run(args)``, or those of the ``--from-csv`` files (their seeds become
    ``args.seeds``)."""
    import pandas as pd

    if not args.from_csv:
        return run(args)
    df = pd.concat([pd.read_csv(p) for p in args.from_csv], ignore_index=True)
    args.seeds = sorted(int(s) for s in df["seed"].unique())
    return df


def resolve(args):
    """Fill the unset options from FULL or QUICK; return ``args`` (a Namespace, updated)."""
    base = QUICK if args.quick else FULL
    if args.seeds is None:
        args.seeds = list(base["seeds"])
    if args.epochs is None:
        args.epochs = base["epochs"]
    args.frame_stride = base["frame_stride"]
    args.frame_max_iter = base["frame_max_iter"]
    args.kitchen = dict(base["kitchen"])
    for key in ("n_recordings", "n_subjects", "duration"):
        if getattr(args, key) is not None:
            args.kitchen[key] = getattr(args, key)
    args.basicmotions = dict(base["basicmotions"])
    if args.n_sequences is not None:
        args.basicmotions["n_sequences"] = args.n_sequences
    args.uci_har = dict(base["uci_har"])
    if args.max_users is not None:
        args.uci_har["max_users"] = args.max_users
    if args.datasets is None:
        args.datasets = ["kitchen", "basicmotions"]
        if args.uci_har_root is not None:
            args.datasets.append("uci_har")
    if "uci_har" in args.datasets and args.uci_har_root is None:
        raise SystemExit("--datasets uci_har needs --uci-har-root PATH (the HAPT release)")
    args.results_dir.mkdir(parents=True, exist_ok=True)  # now: not after hours of training
    if args.tag is None:
        args.tag = "quick" if args.quick else "full"
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    return args


class Split:
    """One train/test split of a data set.

    Attributes
    ----------
    X_train, y_train, X_test, y_test : lists of recordings and label arrays
    sensors : str
        The modality whose nodes are the "sensors" that robustness.py removes.
    note : str
        How the split was made.
    """

    def __init__(self, X_train, y_train, X_test, y_test, sensors, note):
        self.X_train, self.y_train = X_train, y_train
        self.X_test, self.y_test = X_test, y_test
        self.sensors = sensors
        self.note = note


def _group_split(X, y, groups, test_fraction, seed):
    n_groups = len(np.unique(groups))
    n_test = max(1, math.ceil(test_fraction * n_groups))
    splitter = GroupShuffleSplit(n_splits=1, test_size=n_test, random_state=seed)
    train, test = next(splitter.split(X, y, groups))
    pick = lambda seq, idx: [seq[i] for i in idx]  # noqa: E731
    return pick(X, train), pick(y, train), pick(X, test), pick(y, test), n_test, n_groups


def load_split(dataset, seed, args):
    """The seed's train/test split of ``dataset`` (see the module docstring)."""
    if dataset == "kitchen":
        X, y, groups = make_kitchen_activities(**args.kitchen, random_state=seed)
        *data, n_test, n_groups = _group_split(X, y, groups, 0.2, seed)
        note = f"{n_test} of {n_groups} subjects held out"
        return Split(*data, sensors="accel", note=note)
    if dataset == "basicmotions":
        n = args.basicmotions["n_sequences"]
        X_train, y_train = load_basic_motions_sequences("train", n_sequences=n, random_state=seed)
        X_test, y_test = load_basic_motions_sequences(
            "test", n_sequences=n, random_state=seed + 1000
        )
        note = "official train/test split of the instances"
        return Split(X_train, y_train, X_test, y_test, sensors="smartwatch", note=note)
    if dataset == "uci_har":
        X, y, groups = load_uci_har(args.uci_har_root)
        groups = np.asarray(groups)
        max_users = args.uci_har["max_users"]
        if max_users is not None:
            users = np.random.RandomState(seed).permutation(np.unique(groups))[:max_users]
            keep = np.flatnonzero(np.isin(groups, users))
            X, y, groups = [X[i] for i in keep], [y[i] for i in keep], groups[keep]
        *data, n_test, n_groups = _group_split(X, y, groups, 0.3, seed)
        note = f"{n_test} of {n_groups} users held out"
        return Split(*data, sensors="smartphone", note=note)
    raise ValueError(f"unknown data set {dataset!r}; expected one of {DATASETS}")


def make_model(name, seed, args, **overrides):
    """``make_segmentation_pipeline`` around segmenter ``name`` with its documented defaults.

    Only ``random_state`` and, when set, ``max_epochs`` (``--epochs``) change; in ``--quick``
    mode the frame classifier fits on every 4th frame (``temporal_stride=4``) with a
    ``HistGradientBoostingClassifier(max_iter=20)``.
    """
    params = {"random_state": seed, **overrides}
    if name in NEURAL and args.epochs is not None:
        params.setdefault("max_epochs", args.epochs)
    if name == "FrameClassifierSegmenter":
        if args.frame_stride != 1:
            params.setdefault("temporal_stride", args.frame_stride)
        if args.frame_max_iter is not None:
            params.setdefault(
                "classifier",
                HistGradientBoostingClassifier(max_iter=args.frame_max_iter, random_state=seed),
            )
    return make_segmentation_pipeline(SEGMENTERS[name](**params))


def mean_std(values, scale=100.0, digits=1):
    """``"mean ± std"`` (population std over seeds) of finite values; ``"-"`` if none."""
    vals = scale * np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        return "-"
    if vals.size == 1:
        return f"{vals[0]:.{digits}f}"
    return f"{vals.mean():.{digits}f} ± {vals.std():.{digits}f}"


def pivot_mean_std(df, index, columns, value, scale=100.0, digits=1):
    """Table of ``"mean ± std"`` of ``value`` over the rows sharing ``index`` and ``columns``."""
    cells = df.groupby([*index, columns], sort=False)[value].apply(
        lambda v: mean_std(v, scale, digits)
    )
    table = cells.unstack(columns)
    order = [c for c in df[columns].drop_duplicates()]
    return table[order]


def markdown_table(table):
    """A DataFrame (index included) as a GitHub markdown table."""
    names = [str(n) if n is not None else "" for n in table.index.names]
    header = [*names, *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for key, row in table.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        lines.append("| " + " | ".join([*map(str, key), *map(str, row.to_numpy())]) + " |")
    return "\n".join(lines)


def machine_info():
    """One line: CPU count, platform, torch version and threads."""
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}, {platform.system()}), "
        f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )


def command_line():
    return "python " + " ".join(
        shlex.quote(a) for a in [os.path.relpath(sys.argv[0]), *sys.argv[1:]]
    )


def write_results(name, args, rows, sections, started, figures=()):
    """Write ``<name>_<tag>.csv`` (the raw rows) and ``<name>_<tag>.md`` (header + tables).

    Parameters
    ----------
    rows : pandas.DataFrame
    sections : list of (str, pandas.DataFrame or str)
        Headings with their tables (or text).
    figures : list of Path
        PNG files to link from the markdown.
    """
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / f"{name}_{args.tag}.csv"
    rows.to_csv(csv_path, index=False)
    lines = [
        f"# {name} ({args.tag})",
        "",
        f"Command: `{command_line()}`",
        "",
        f"Machine: {machine_info()}; wall time {time.perf_counter() - started:.0f} s; "
        f"finished {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Seeds {args.seeds}; neural max_epochs "
        f"{'default (50)' if args.epochs is None else args.epochs}; raw rows in "
        f"`{csv_path.name}`.",
    ]
    if args.from_csv:
        lines += ["", "Rows from: " + ", ".join(f"`{Path(p).name}`" for p in args.from_csv)]
    for heading, body in sections:
        lines += ["", f"## {heading}", ""]
        lines.append(body if isinstance(body, str) else markdown_table(body))
    for fig in figures:
        lines += ["", f"![{Path(fig).stem}]({Path(fig).name})"]
    md_path = out / f"{name}_{args.tag}.md"
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[8:]))
    print(f"\nWritten {csv_path} and {md_path}", flush=True)
    return csv_path, md_path


def figure_path(name, args, suffix=""):
    out = Path(args.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out / f"{name}_{args.tag}{suffix}.png"
