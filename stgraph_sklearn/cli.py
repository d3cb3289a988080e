"""The ``stgraph-seg`` command: a thin layer over the public API.

``stgraph-seg demo [--quick] [--out DIR]`` trains the default AdaptiveGraphSegmenter and the
MSTCNSegmenter and FrameClassifierSegmenter baselines on the kitchen simulation with a
subject-disjoint split, prints one score table and writes a timeline plot and the learned
sensor graph as PNG files.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

__all__ = ["main"]


def run_demo(
    *,
    quick=False,
    out="stgraph_demo",
    random_state=0,
    stream=sys.stdout,
    n_recordings=None,
    duration=None,
    max_epochs=None,
):
    """Train and compare the default segmenters on the kitchen simulation.

    Parameters
    ----------
    quick : bool, default=False
        A smaller simulation and fewer epochs (well under a minute on 2 CPU cores).
    out : str or path, default="stgraph_demo"
        Folder for ``scores.csv``, ``timeline.png`` and ``sensor_graph.png``.
    random_state : int, default=0
        Seeds the simulation and the models.
    stream : file-like, default=sys.stdout
        Where the table and messages go.
    n_recordings, duration, max_epochs : int, float, int, default=None
        Override the preset simulation size (10 x 40 s quick, 20 x 120 s full) and epochs
        (8 quick, 30 full).

    Returns
    -------
    table : pandas.DataFrame
        One row per model: scores ×100, parameter count, fit time, prediction speed.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from .datasets import make_kitchen_activities
    from .estimators import AdaptiveGraphSegmenter, FrameClassifierSegmenter, MSTCNSegmenter
    from .exceptions import MissingSensorWarning
    from .model_selection import fit_and_score
    from .pipeline import make_segmentation_pipeline
    from .plotting import SegmentationDisplay, plot_sensor_graph

    warnings.filterwarnings("once", category=MissingSensorWarning)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    preset = (10, 40.0, 8) if quick else (20, 120.0, 30)
    n_recordings = n_recordings or preset[0]
    duration = duration or preset[1]
    epochs = max_epochs or preset[2]
    t0 = time.perf_counter()
    X, y, groups = make_kitchen_activities(
        n_recordings=n_recordings, n_subjects=5, duration=duration, random_state=random_state
    )
    train, test = next(GroupKFold(n_splits=5).split(X, y, groups))
    held_out = sorted(set(np.asarray(groups)[test].tolist()))
    print(
        f"Kitchen simulation: {len(X)} recordings of ~{duration:.0f} s, 5 subjects; training on "
        f"{len(train)} recordings, testing on {len(test)} of subject(s) {held_out} "
        f"({time.perf_counter() - t0:.1f} s to simulate).",
        file=stream,
    )
    neural = {
        "max_epochs": epochs,
        "temporal_stride": 2,
        "random_state": random_state,
        "verbose": 1,
    }
    models = {
        "AdaptiveGraphSegmenter": AdaptiveGraphSegmenter(**neural),
        "MSTCNSegmenter": MSTCNSegmenter(**neural),
        "FrameClassifierSegmenter": FrameClassifierSegmenter(random_state=random_state),
    }
    X_train, y_train = [X[i] for i in train], [y[i] for i in train]
    X_test, y_test = [X[i] for i in test], [y[i] for i in test]
    rows, predictions, fitted = {}, {}, {}
    for name, segmenter in models.items():
        fitted[name] = make_segmentation_pipeline(segmenter)
        scores, predictions[name] = fit_and_score(fitted[name], X_train, y_train, X_test, y_test)
        n_params = scores["n_parameters"]
        rows[name] = {
            **{
                k.replace("accuracy", "Acc").replace("edit", "Edit").replace("f1", "F1"): 100
                * scores[k]
                for k in ("accuracy", "edit", "f1@10", "f1@25", "f1@50")
            },
            "params": "-" if n_params is None else f"{n_params:,}",
            "train_s": round(scores["fit_time"], 1),
        }
    import pandas as pd

    table = pd.DataFrame.from_dict(rows, orient="index")
    table.to_csv(out / "scores.csv")
    print("\nHeld-out subject(s), scores x100:", file=stream)
    print(table.to_string(float_format=lambda v: f"{v:.1f}"), file=stream)

    classes = list(fitted["AdaptiveGraphSegmenter"][-1].classes_)
    display = SegmentationDisplay.from_predictions(
        [y_test[0]] * len(models),
        [predictions[name][0] for name in models],
        labels=classes,
        names=list(models),
        frame_rate=30.0,
    )
    display.figure_.suptitle(f"Held-out recording of subject {np.asarray(groups)[test][0]}")
    display.figure_.set_size_inches(14, 1.2 + 1.0 * len(models))
    display.figure_.savefig(out / "timeline.png", dpi=110, bbox_inches="tight")
    plt.close(display.figure_)

    seg = fitted["AdaptiveGraphSegmenter"][-1]
    fig, ax = plt.subplots(figsize=(7, 7))
    plot_sensor_graph(seg.graph_, ax=ax, threshold=1.5 / seg.graph_.n_nodes)
    ax.set_title("Learned sensor graph (edges above 1.5x uniform weight)")
    fig.savefig(out / "sensor_graph.png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(
        f"\nWrote {out / 'scores.csv'}, {out / 'timeline.png'} and {out / 'sensor_graph.png'} "
        f"({time.perf_counter() - t0:.0f} s in all).",
        file=stream,
    )
    return table


def _cmd_demo(args):
    run_demo(quick=args.quick, out=args.out, random_state=args.random_state)
    return 0


def _rate(text):
    """``MODALITY=HZ`` -> (modality, rate)."""
    key, sep, value = text.partition("=")
    try:
        rate = float(value)
    except ValueError:
        rate = -1.0
    if not sep or not key or not rate > 0:
        raise argparse.ArgumentTypeError(f"expected MODALITY=HZ with HZ > 0, got {text!r}")
    return key, rate


def _cmd_stream(args):
    import joblib

    from .streaming import stream_csv

    try:
        model = joblib.load(args.model)
    except (OSError, EOFError, ValueError, ImportError) as exc:
        raise ValueError(f"cannot read the model file {args.model!r}: {exc}") from None
    if not hasattr(model, "stream"):
        raise ValueError(
            f"{args.model!r} holds a {type(model).__name__}, not a fitted segmentation "
            "pipeline whose segmenter is causal (lookahead=0 or a number of frames)."
        )
    lines = sys.stdin if args.input == "-" else open(args.input, newline="")
    try:
        stream_csv(
            model,
            lines,
            sys.stdout,
            frame_rate=args.frame_rate,
            rates=dict(args.rate),
            chunk_seconds=args.chunk,
        )
    finally:
        if lines is not sys.stdin:
            lines.close()
    return 0


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="stgraph-seg",
        description="Temporal action segmentation of multimodal sensor data with graph networks.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="train and compare the segmenters on the built-in kitchen simulation",
        description="Train AdaptiveGraphSegmenter, MSTCNSegmenter and FrameClassifierSegmenter "
        "on the kitchen simulation (subject-disjoint split), print the scores and write plots.",
    )
    demo.add_argument("--quick", action="store_true", help="small data and few epochs (<1 min)")
    demo.add_argument("--out", default="stgraph_demo", help="output folder (default: %(default)s)")
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: %(default)s)")
    demo.set_defaults(func=_cmd_demo)
    stream = sub.add_parser(
        "stream",
        help="label a live stream of samples (CSV lines) with a saved causal model",
        description="Read samples as CSV lines 'modality,time,v1,...,vn' (time in seconds; the "
        "modality's nodes x channels values node by node, empty or NaN if missing) from a file "
        "or stdin and write 'frame,time,label,confidence' for every frame as soon as it is "
        "complete. The model is a fitted segmentation pipeline whose segmenter has "
        "lookahead=0 (or a number of frames), saved with joblib.dump.",
    )
    stream.add_argument("--model", required=True, help="joblib file of the fitted pipeline")
    stream.add_argument("--input", default="-", help="CSV file, or - for stdin (default)")
    stream.add_argument("--frame-rate", type=float, required=True, help="frame rate in Hz")
    stream.add_argument(
        "--rate",
        type=_rate,
        action="append",
        required=True,
        metavar="MODALITY=HZ",
        help="nominal sampling rate of a modality; once per modality",
    )
    stream.add_argument(
        "--chunk", type=float, default=0.5, help="seconds of samples per step (default: 0.5)"
    )
    stream.set_defaults(func=_cmd_stream)
    return parser


def main(argv=None):
    """Entry point of ``stgraph-seg``; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "stream":
        try:
            return args.func(args)
        except (ValueError, TypeError, OSError) as exc:
            print(f"stgraph-seg stream: error: {exc}", file=sys.stderr)
            return 1
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
