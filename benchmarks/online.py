"""Online segmentation: streaming latency, and what causality costs in accuracy.

Latency: the default graph model (``AdaptiveGraphSegmenter(lookahead=0)``, documented
defaults otherwise) behind ``make_segmentation_pipeline`` is trained briefly on the kitchen
simulation (speed does not depend on the weights), then a held-out recording is replayed
through ``pipeline.stream`` in 1-second chunks of raw samples (50 Hz accelerometers, 30 fps
video, 30 fps frames). Reported: per-chunk wall time of ``partial_predict`` (median, p99, ms),
its CPU time (``time.process_time``: on a shared machine wall time also counts the waits for
a core), throughput (frames per second of compute) and whether the streamed labels equal the
offline ``predict`` of the same causal model (they must). ``--latency-runs`` replays the
recording several times (a fresh stream each) and reports every run's p99 too. One torch
thread by default: a 1-second chunk's operations are too small for intra-op threads to pay
off.

Accuracy: the graph model and MS-TCN, offline (``lookahead=None``) and causal
(``lookahead=0``), on the simulation (GroupKFold by subject), on BasicMotions (official
train/test split) and, with ``--uci-har-root`` / ``--salads-root`` / ``--mstcn-root``, on the
HAPT release and the raw 50 Salads release (accelerometers; GroupKFold by user or subject)
and on a data set in the MS-TCN feature bundle layout (its own splits),
scored with ``model_selection.fit_and_score``: frame accuracy, Edit, F1@50. A causal model's
offline ``predict`` is what its stream returns, so scoring it offline scores the stream.

Usage::

    python benchmarks/online.py --quick     # small data, few epochs: minutes on 2 cores
    python benchmarks/online.py             # 20 recordings, 5 folds, defaults: hours
    python benchmarks/online.py --folds 2 --seeds 0 --tag medium   # 2 of the 5 folds
    python benchmarks/online.py --quick --skip-accuracy --latency-runs 10   # latency only
    python benchmarks/online.py --folds 0 --seeds 0 --skip-latency --skip-offline --lookaheads 5 15
    python benchmarks/online.py --skip-latency --uci-har-root ~/data/HAPT   # adds HAPT
    python benchmarks/online.py --skip-latency --salads-root ~/data/50salads   # adds 50 Salads
    python benchmarks/online.py --skip-latency --mstcn-root data/50salads --mstcn-sample-rate 2

Results go to ``benchmarks/results/online[_quick].txt``.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _common import (
    KITCHEN_DURATION,
    POSITIVE_INT,
    SEED,
    folder,
    hapt_root,
    number_in,
    results_folder,
)
from sklearn.model_selection import GroupKFold

from stgraph_sklearn.datasets import (
    load_50salads,
    load_basic_motions_sequences,
    load_mstcn_features,
    load_uci_har,
    make_kitchen_activities,
)
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.model_selection import fit_and_score
from stgraph_sklearn.pipeline import make_segmentation_pipeline

RESULTS = Path(__file__).parent / "results"


class _Tee(io.StringIO):
    """Keeps what is printed (for the results file) and shows it at once (progress)."""

    def __init__(self, stream):
        super().__init__()
        self.stream = stream

    def write(self, text):
        self.stream.write(text)
        self.stream.flush()
        return super().write(text)


FPS = 30.0


def _chunks(rec, seconds):
    """Split a recording's samples into consecutive ``seconds``-long chunks (reference clock)."""
    times = {k: m.times for k, m in rec.modalities.items()}
    end = max(t[-1] for t in times.values())
    edges = np.arange(seconds, end + seconds, seconds)
    pos = dict.fromkeys(times, 0)
    for edge in edges:
        chunk = {}
        for k, t in times.items():
            stop = int(np.searchsorted(t, edge, side="left"))
            chunk[k] = (t[pos[k] : stop], rec.modalities[k].values[pos[k] : stop])
            pos[k] = stop
        yield chunk


def _rate(mod):
    return mod.rate if mod.rate is not None else 1.0 / float(np.median(np.diff(mod.times)))


def latency(args):
    """Per-chunk latency and throughput of the default graph model on a replayed recording."""
    X, y, _ = make_kitchen_activities(
        n_recordings=3, n_subjects=3, duration=args.latency_seconds, clock_drift=0.0,
        random_state=0,
    )  # fmt: skip
    seg = AdaptiveGraphSegmenter(lookahead=0, max_epochs=1, random_state=0)
    model = make_segmentation_pipeline(seg).fit(X[:2], y[:2])
    rec = X[2]
    assert all(m.clock is None for m in rec.modalities.values())
    rates = {k: _rate(m) for k, m in rec.modalities.items()}
    offline = model.predict([rec])[0]
    full_gc_ms = _full_collection_ms()
    if args.gc_freeze:  # as `stgraph-seg stream` does once its model is loaded
        gc.freeze()
    frozen_gc_ms = _full_collection_ms()
    times, cpu, run_p99, identical = [], [], [], []
    close_s = 0.0
    for _ in range(args.latency_runs):  # a fresh stream over the same recording each time
        stream = model.stream(frame_rate=rec.frame_rate, rates=rates)
        run, labels = [], []
        for chunk in _chunks(rec, args.chunk_seconds):
            start, start_cpu = time.perf_counter(), time.process_time()
            out = stream.partial_predict(chunk)
            run.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            labels.append(out["label"].to_numpy())
        start = time.perf_counter()
        labels.append(stream.close()["label"].to_numpy())
        close_s += time.perf_counter() - start
        times.extend(run)
        run_p99.append(float(np.percentile(1000 * np.asarray(run), 99)))
        streamed = np.concatenate(labels)
        identical.append(bool(len(streamed) == len(offline) and (streamed == offline).all()))
    gc.unfreeze()
    ms, cpu_ms = 1000 * np.asarray(times), 1000 * np.asarray(cpu)
    return {
        "frames": rec.n_frames,
        "runs": args.latency_runs,
        "chunks": len(times),
        "chunk_s": args.chunk_seconds,
        "median_ms": float(np.median(ms)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "p99_ms_per_run": " ".join(f"{v:.1f}" for v in run_p99),
        "runs_p99_under_20ms": f"{sum(v < 20 for v in run_p99)}/{len(run_p99)}",
        "cpu_median_ms": float(np.median(cpu_ms)),
        "cpu_p99_ms": float(np.percentile(cpu_ms, 99)),
        "close_ms": 1000 * close_s / args.latency_runs,
        "frames_per_s": args.latency_runs * rec.n_frames / (sum(times) + close_s),
        "receptive_field": stream.receptive_field_,
        "identical": all(identical),
        "gc_freeze": args.gc_freeze,
        "full_gc_ms_before_freeze": full_gc_ms,
        "full_gc_ms": frozen_gc_ms,
    }


def _full_collection_ms():
    """Milliseconds of one full garbage collection of the process as it stands."""
    gc.collect()
    start = time.perf_counter()
    gc.collect()
    return 1000 * (time.perf_counter() - start)


def _models(seed, epochs, lookaheads=(0,), offline=True):
    kw = {"random_state": seed} if epochs is None else {"random_state": seed, "max_epochs": epochs}
    models = {}
    for name, cls in (("graph", AdaptiveGraphSegmenter), ("MS-TCN", MSTCNSegmenter)):
        if offline:
            models[f"{name} offline"] = cls(**kw)
        for k in lookaheads:
            models[f"{name} causal" if k == 0 else f"{name} lookahead {k}"] = cls(lookahead=k, **kw)
    return models


def _score(rows, dataset, split, models, X_tr, y_tr, X_te, y_te):
    for name, seg in models.items():
        scores, _ = fit_and_score(make_segmentation_pipeline(seg), X_tr, y_tr, X_te, y_te)
        rows.append(
            {
                "dataset": dataset,
                "split": split,
                "model": name,
                **{k: 100 * scores[k] for k in ("accuracy", "edit", "f1@50")},
                "fit_s": scores["fit_time"],
            }
        )
        print({k: round(v, 1) if isinstance(v, float) else v for k, v in rows[-1].items()})


# Real data sets scored on subject-disjoint folds: name -> (loader, the argument giving its root).
_FOLDED_REAL = {"HAPT": (load_uci_har, "uci_har_root"), "50 Salads": (load_50salads, "salads_root")}


def accuracy(args):
    """Offline vs causal scores of the graph model and MS-TCN on both data sets."""
    rows = []
    variants = (args.lookaheads, not args.skip_offline)
    X, y, groups = make_kitchen_activities(
        n_recordings=args.n_recordings, n_subjects=args.n_subjects, duration=args.duration,
        random_state=0,
    )  # fmt: skip
    folds = list(GroupKFold(n_splits=args.n_subjects).split(X, y, groups))
    for i, (tr, te) in list(enumerate(folds))[args.first_fold : args.first_fold + args.folds]:
        _score(
            rows, "simulation", f"fold {i}", _models(0, args.epochs, *variants),
            [X[j] for j in tr], [y[j] for j in tr], [X[j] for j in te], [y[j] for j in te],
        )  # fmt: skip
    for seed in args.seeds:
        X_tr, y_tr = load_basic_motions_sequences("train", n_sequences=20, random_state=seed)
        X_te, y_te = load_basic_motions_sequences("test", n_sequences=20, random_state=seed + 1000)
        _score(
            rows, "BasicMotions", f"seed {seed}", _models(seed, args.epochs, *variants), X_tr, y_tr,
            X_te, y_te,
        )  # fmt: skip
    if args.mstcn_root is not None:  # the bundle's own train/test splits
        for split in range(1, args.real_folds + 1):
            X_tr, y_tr = load_mstcn_features(
                args.mstcn_root, split=split, subset="train", sample_rate=args.mstcn_sample_rate
            )
            X_te, y_te = load_mstcn_features(
                args.mstcn_root, split=split, subset="test", sample_rate=args.mstcn_sample_rate
            )
            _score(
                rows, "MS-TCN bundle", f"split {split}", _models(0, args.epochs, *variants),
                X_tr, y_tr, X_te, y_te,
            )  # fmt: skip
    for dataset, (load, attr) in _FOLDED_REAL.items():
        root = getattr(args, attr)
        if root is None:
            continue
        X, y, groups = load(root)
        folds = list(GroupKFold(n_splits=min(5, len(set(groups)))).split(X, y, groups))
        for i, (tr, te) in list(enumerate(folds))[: args.real_folds]:
            _score(
                rows, dataset, f"fold {i}", _models(0, args.epochs, *variants),
                [X[j] for j in tr], [y[j] for j in tr], [X[j] for j in te], [y[j] for j in te],
            )  # fmt: skip
    return pd.DataFrame(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small data and few epochs")
    parser.add_argument(
        "--threads", type=POSITIVE_INT, default=1, help="torch threads (1: a chunk's ops are small)"
    )
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument(
        "--latency-runs",
        type=POSITIVE_INT,
        default=1,
        help="latency: replay the held-out recording this many times, a fresh stream each",
    )
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument(
        "--latency-seconds",
        type=KITCHEN_DURATION,
        default=None,
        help="latency: mean length of the replayed recording, s (default 60 quick, else 120)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="latency: leave the objects of the loaded model in the collected generations "
        "(default: gc.freeze() them, as `stgraph-seg stream` does)",
    )
    parser.add_argument(
        "--lookaheads",
        type=int,
        nargs="+",
        default=[0],
        help="accuracy: the causal models' lookahead values, in frames (default: 0)",
    )
    parser.add_argument("--skip-offline", action="store_true", help="accuracy: causal models only")
    parser.add_argument("--results-dir", type=results_folder, default=RESULTS)
    parser.add_argument(
        "--folds",
        type=number_in(int, 0),
        default=None,
        help="simulation folds to run (default: all 5; quick: 2; 0: no simulation)",
    )
    parser.add_argument(
        "--first-fold",
        type=number_in(int, 0),
        default=0,
        help="simulation: the first fold to run (default 0)",
    )
    parser.add_argument(
        "--seeds",
        type=SEED,
        nargs="*",
        default=None,
        help="BasicMotions seeds (default 0 1 2; none: skip BasicMotions)",
    )
    parser.add_argument(
        "--uci-har-root",
        type=hapt_root,
        default=None,
        help="also score the HAPT release in this folder (load_uci_har), GroupKFold by user",
    )
    parser.add_argument(
        "--salads-root",
        type=folder,
        default=None,
        help="also score the raw 50 Salads release in this folder (load_50salads, "
        "accelerometers), GroupKFold by subject",
    )
    parser.add_argument(
        "--mstcn-root",
        type=folder,
        default=None,
        help="also score a data set in the MS-TCN feature bundle layout (load_mstcn_features) "
        "on its splits 1, 2, ...",
    )
    parser.add_argument(
        "--mstcn-sample-rate",
        type=POSITIVE_INT,
        default=1,
        help="MS-TCN bundle: keep every n-th frame",
    )
    parser.add_argument(
        "--real-folds",
        type=POSITIVE_INT,
        default=None,
        help="HAPT / 50 Salads: folds to run; MS-TCN bundle: splits (default 5; quick: 2)",
    )
    parser.add_argument("--tag", default=None, help="output name suffix (default: 'quick' or none)")
    parser.add_argument(
        "--duration",
        type=KITCHEN_DURATION,
        default=None,
        help="simulation: mean recording length, s",
    )
    args = parser.parse_args(argv)
    folds, seeds, duration, latency_seconds = (
        args.folds, args.seeds, args.duration, args.latency_seconds
    )  # fmt: skip
    if args.real_folds is None:
        args.real_folds = 2 if args.quick else 5
    if args.quick:
        args.latency_seconds, args.n_recordings, args.n_subjects, args.duration = 60.0, 8, 4, 60.0
        args.folds, args.epochs, args.seeds = 2, 15, [0]
    else:
        args.latency_seconds, args.n_recordings, args.n_subjects, args.duration = (
            120.0,
            20,
            5,
            120.0,
        )
        args.folds, args.epochs, args.seeds = 5, None, [0, 1, 2]
    if latency_seconds is not None:
        args.latency_seconds = latency_seconds
    if args.first_fold >= args.n_subjects:
        parser.error(
            f"argument --first-fold: expected a value in [0, {args.n_subjects - 1}] (the "
            f"simulation has {args.n_subjects} folds), got {args.first_fold}"
        )
    # the folds that run: those from --first-fold on, at most --folds of them
    n_folds = args.folds if folds is None else folds
    args.folds = min(n_folds, args.n_subjects - args.first_fold)
    args.seeds = args.seeds if seeds is None else seeds
    roots = (args.uci_har_root, args.salads_root, args.mstcn_root)
    if not args.skip_accuracy and args.folds == 0 and not args.seeds and roots == (None,) * 3:
        parser.error(
            "accuracy: nothing to score (--folds 0, no --seeds, no data root); "
            "give one, or --skip-accuracy"
        )
    if duration is not None:
        args.duration = duration
    args.chunk_seconds = 1.0
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    log = _Tee(sys.stdout)
    try:
        _run(args, log)
    finally:  # what was measured is kept even if a later data set fails
        args.results_dir.mkdir(parents=True, exist_ok=True)
        tag = args.tag if args.tag is not None else ("quick" if args.quick else "")
        (args.results_dir / f"online{'_' + tag if tag else ''}.txt").write_text(log.getvalue())


def _run(args, log):
    """The measurements, printed to ``log``."""
    with redirect_stdout(log):
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, quick={args.quick}")
        if not args.skip_latency:
            lat = latency(args)
            print("\nStreaming latency, default AdaptiveGraphSegmenter(lookahead=0), 1-s chunks:")
            print(pd.Series(lat).to_string())
        if not args.skip_accuracy:
            res = accuracy(args)
            table = res.groupby(["dataset", "model"], sort=False)[
                ["accuracy", "edit", "f1@50", "fit_s"]
            ].mean()
            roots = [("the MS-TCN bundle", args.mstcn_root)]
            roots += [(name, getattr(args, attr)) for name, (_, attr) in _FOLDED_REAL.items()]
            real = [name for name, root in roots if root is not None]
            real = f", {args.real_folds} fold(s) each of {', '.join(real)}" if real else ""
            print(f"\nScores x100, mean over splits ({args.folds} simulation folds, "
                  f"BasicMotions seeds {args.seeds}{real}; "
                  f"epochs: {args.epochs or 'defaults'}):")  # fmt: skip
            print(table.round(1).to_string())


if __name__ == "__main__":
    main()
