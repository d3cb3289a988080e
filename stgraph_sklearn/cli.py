"""The ``stgraph-seg`` command: a thin layer over the public API.

- ``stgraph-seg demo [--quick] [--out DIR] [--random-state N]`` trains the default AdaptiveGraphSegmenter and the
  MSTCNSegmenter and FrameClassifierSegmenter baselines on the kitchen simulation with a
  subject-disjoint split, prints one score table and writes a timeline plot and the learned
  sensor graph as PNG files.
- ``stgraph-seg fit --data PATH [--format FORMAT] [--frame-rate HZ] [--fill LABEL] [--split N]
  [--subset SUBSET] [--model NAME] [--set key=value ...] --out MODEL`` trains the standard
  pipeline on your data and writes a model file (:func:`save_model`).
- ``stgraph-seg predict --model MODEL --data PATH [--format FORMAT] [--frame-rate HZ]
  [--split N] [--subset SUBSET] --out DIR`` writes one label file per recording and
  ``segments.csv``.
- ``stgraph-seg evaluate --model MODEL --data PATH [--format FORMAT] [--frame-rate HZ]
  [--fill LABEL] [--split N] [--subset SUBSET] [--json FILE]`` prints Acc, Edit and
  F1@{10,25,50} per recording and overall.
- ``stgraph-seg stream --model MODEL [--input FILE] [--frame-rate HZ] [--rate MODALITY=HZ ...]
  [--chunk SECONDS]`` labels a live stream of CSV sample lines (a file or stdin) with a saved
  causal pipeline (rates default to those of the training recordings).

Every subcommand ends a failure (missing path, malformed file, model/data mismatch; for
``demo``, an output folder it cannot write) with one line on stderr naming the file and exit
status 1; usage errors exit with 2. Ctrl-C ends it with ``stgraph-seg <command>: interrupted``
and exit status 130; during the training of ``fit`` it first scores and writes the model of
the complete epochs (see ``stgraph-seg fit --help``), then exits with 130 too.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import warnings
from functools import partial
from pathlib import Path

__all__ = ["main"]

#: ``--model`` names of the segmenters the command line trains (all stored by save_model).
MODELS = {
    "adaptive": "AdaptiveGraphSegmenter",
    "stgcn": "STGCNSegmenter",
    "mstcn": "MSTCNSegmenter",
}


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
        A smaller simulation and fewer epochs (about a minute on 2 CPU cores).
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
        One row per model: scores ×100, parameter count and fit time.
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
        if getattr(fitted[name][-1], "_interrupted_after", None) is not None:
            raise KeyboardInterrupt  # Ctrl-C stops the demo, not only this model's training
        n_params = scores["n_parameters"]
        rows[name] = {
            **{
                k.replace("accuracy", "Acc").replace("edit", "Edit").replace("f1", "F1"): 100
                * scores[k]
                for k in ("accuracy", "edit", "f1@10", "f1@25", "f1@50")
            },
            "params": n_params,  # an integer in scores.csv, "1,234" on screen
            "train_s": round(scores["fit_time"], 1),
        }
    import pandas as pd

    table = pd.DataFrame.from_dict(rows, orient="index")
    table["params"] = table["params"].astype("Int64")  # None (no parameters) stays empty
    table.to_csv(out / "scores.csv")
    print("\nHeld-out subject(s), scores x100:", file=stream)
    params = ["-" if pd.isna(n) else f"{n:,}" for n in table["params"]]
    shown = table.assign(params=params).to_string(float_format=lambda v: f"{v:.1f}")
    print(shown, file=stream)

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


class CommandError(Exception):
    """A failure the command line reports as one line (never a traceback)."""


def _parse_settings(pairs):
    """``["max_epochs=5", "device=cuda"]`` -> ``{"max_epochs": 5, "device": "cuda"}``."""
    import ast

    out = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--set expects key=value, got {pair!r}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        out[key.strip()] = value
    return out


def _aligner(model):
    """The ModalityAligner step of a fitted pipeline, or None."""
    from .transformers import ModalityAligner

    steps = getattr(model, "steps", [])
    return next((s for _, s in steps if isinstance(s, ModalityAligner)), None)


def _read(args, *, labels, model=None):
    """Read ``--data``; with a fitted ``model``, CSV recordings are framed (and MS-TCN
    features read) at the model's training frame rate unless ``--frame-rate`` says
    otherwise."""
    from .io import read_dataset

    frame_rate = args.frame_rate
    if frame_rate is None and model is not None and args.format in ("csv", "mstcn"):
        frame_rate = getattr(_aligner(model), "frame_rate_", None)
    X, y = read_dataset(
        args.data,
        args.format,
        split=getattr(args, "split", 1),
        subset=getattr(args, "subset", "test"),
        frame_rate=frame_rate,
        fill=getattr(args, "fill", None),
        labels=labels,
    )
    return X, y


def _where(args, x, modality=None):
    """Where recording ``x`` of ``--data`` (or one of its modalities) is, for messages: its
    folder (its ``<modality>.csv`` file) in the CSV layout."""
    if args.format == "csv":
        folder = Path(args.data) / str(x.name)
        return str(folder if modality is None else folder / f"{modality}.csv")
    where = f"{args.data}: recording {x.name!r}"
    return where if modality is None else f"{where} modality {modality!r}"


def _check_recordings(args, X, layout, names, reference):
    """Check, before any fitting or predicting, that every recording has the modalities,
    nodes and channels ``layout`` (``{modality: (n_nodes, n_channels)}``) and ``names``
    (``{modality: (node names, channel names)}``) say, by the rules of the transformers,
    and end with a CommandError naming the recording's folder or file otherwise."""
    from .transformers._common import _layout, _names_by_modality, _names_mismatch

    csv = args.format == "csv"
    for x in X:
        got = _layout(x)
        if list(got) != list(layout):
            missing = [k for k in layout if k not in got]
            extra = [k for k in got if k not in layout]
            show = (lambda keys: [f"{k}.csv" for k in keys]) if csv else list
            detail = ", ".join(
                f"{what} {show(keys)}"
                for what, keys in (("missing", missing), ("unexpected", extra))
                if keys
            )
            hint = (
                f" To mark a sensor missing for the whole recording, write {show(missing[:1])[0]} "
                "with the time column and empty values (read as NaN)."
                if missing and csv
                else ""
            )
            raise CommandError(
                f"{_where(args, x)}: {'modality files' if csv else 'modalities'} "
                f"{show(list(got))} do not match {reference}, which has "
                f"{show(list(layout))} ({detail or 'another order'}). Every recording needs "
                f"the same modalities.{hint}"
            )
        own = _names_by_modality(x)
        for key, shape in layout.items():
            if tuple(got[key]) != tuple(shape):
                regrouped = ""
                if tuple(shape) == (1, got[key][0]) and got[key][1] == 1:
                    regrouped = (
                        " Models fitted by earlier development versions read columns of one value "
                        "per sensor (kitchen_temp, hall_temp) as one node; fit the model again."
                    )
                raise CommandError(
                    f"{_where(args, x, key)}: nodes {list(own[key][0])} with channels "
                    f"{list(own[key][1])} do not match {reference}, which has {shape[0]} "
                    f"nodes ({list(names[key][0])}) with {shape[1]} channels "
                    f"({list(names[key][1])}).{regrouped}"
                )
        mismatch = _names_mismatch(own, names, layout)
        if mismatch is not None:
            key, unit, g, e = mismatch
            raise CommandError(
                f"{_where(args, x, key)}: {unit} {g} do not match {reference}, which has "
                f"{e} (same names, same order)."
            )


def _check_frame_rates(args, X):
    """fit: one model needs one frame timeline (its temporal layers count frames)."""
    from .transformers import find_common_rate

    if find_common_rate([x.frame_rate for x in X]) is not None:
        return
    by_rate = {}
    for x in X:
        by_rate.setdefault(f"{x.frame_rate:g}", []).append(str(x.name))
    detail = "; ".join(
        f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''} at {fps} fps"
        for fps, names in list(by_rate.items())[:4]
    )
    raise CommandError(
        f"{args.data}: the recordings are framed at different rates ({detail}"
        f"{'; ...' if len(by_rate) > 4 else ''}), and one model needs one frame timeline "
        "(its temporal layers count frames). Pass --frame-rate HZ to frame every recording "
        "at the same rate."
    )


def _scores_table(y_true, y_pred, names):
    import pandas as pd

    from .metrics import segmentation_report

    rows = {}
    for name, t, p in zip(names, y_true, y_pred, strict=True):
        rows[name] = segmentation_report([t], [p], output_dict=True)
    rows["overall"] = segmentation_report(y_true, y_pred, output_dict=True)
    table = 100 * pd.DataFrame.from_dict(rows, orient="index")
    table.columns = ["Acc", "Edit", "F1@10", "F1@25", "F1@50"]
    return table


def _cmd_fit(args):
    from . import estimators
    from .exceptions import TrainingInterruptedWarning
    from .io import recording_names, save_model
    from .io._model_file import check_model_path
    from .pipeline import make_segmentation_pipeline
    from .transformers._common import _layout, _names_by_modality
    from .utils import check_device

    check_model_path(args.out, "--out")  # before training, not after
    settings = {"verbose": 1, **_parse_settings(args.set)}
    steps = {k: v for k, v in settings.items() if "__" in k}  # preprocessing: step__param
    segmenter = getattr(estimators, MODELS[args.model])()
    try:
        segmenter.set_params(**{k: v for k, v in settings.items() if k not in steps})
        pipeline = make_segmentation_pipeline(segmenter).set_params(**steps)
        for _, step in pipeline.steps:  # the values too, before the data are read
            if hasattr(step, "_validate_params"):
                step._validate_params()
            if hasattr(step, "_checked_params"):  # the feature extractor's windows and stats
                step._checked_params()
        segmenter._user_callbacks()
        check_device(segmenter.device, type(segmenter).__name__)  # "cuda" without a GPU
    except (TypeError, ValueError) as exc:
        raise CommandError(f"--set: {' '.join(str(exc).split())}") from None
    X, y = _read(args, labels=True)
    _check_recordings(
        args,
        X,
        _layout(X[0]),
        _names_by_modality(X[0]),
        reference=f"the first recording {_where(args, X[0])}",
    )
    _check_frame_rates(args, X)
    print(
        f"Training {type(segmenter).__name__} on {len(X)} recordings of {args.data} "
        f"({sum(x.n_frames for x in X)} frames at {X[0].frame_rate:g} fps, nodes "
        f"{', '.join(X[0].node_names[:6])}{', ...' if X[0].n_nodes > 6 else ''}).",
        file=args.stream,
    )
    with warnings.catch_warnings():  # an interruption is told by the line below
        warnings.simplefilter("ignore", TrainingInterruptedWarning)
        model = pipeline.fit(X, y)
    interrupted = getattr(segmenter, "_interrupted_after", None)
    if interrupted is not None:
        done, asked = interrupted
        if done == 0:  # no complete epoch: nothing trained to write
            raise KeyboardInterrupt
        print(
            f"Training interrupted after {done} of {asked} epochs: the model trained so far is "
            "scored and written.",
            file=args.stream,
        )
    table = _scores_table(y, model.predict(X), recording_names(X))
    print("Training scores (x100):", file=args.stream)
    print(table.to_string(float_format=lambda v: f"{v:.1f}"), file=args.stream)
    save_model(model, args.out)
    print(f"Wrote {args.out}", file=args.stream)
    # interrupted: the model is written, but a script's `fit && predict` should not go on
    return 0 if interrupted is None else 130


def _load_and_read(args, *, labels):
    """Load ``--model``, read ``--data`` for it and check that its modalities, nodes and
    channels match the model's (before anything is predicted)."""
    from .transformers._common import _split_feature_names
    from .utils import final_estimator

    model = _load_model(args.model)
    X, y = _read(args, labels=labels, model=model)
    aligner = _aligner(model)
    layout = getattr(aligner, "modalities_", None)
    feature_names = getattr(aligner, "feature_names_in_", None)
    if layout is not None:  # files have no order: a model fitted in Python keeps its dict's
        X = [
            x.replace(modalities={k: x.modalities[k] for k in layout})
            if set(x.modalities) == set(layout) and list(x.modalities) != list(layout)
            else x
            for x in X
        ]
    if layout is not None and feature_names is not None:
        names = _split_feature_names(feature_names, layout)
        _check_recordings(args, X, layout, names, reference=f"the model {args.model}")
    expected = getattr(final_estimator(model), "node_names_", None)
    for x in X if expected is not None else []:
        if tuple(x.node_names) != tuple(expected):
            missing = sorted(set(expected) - set(x.node_names))[:5]
            extra = sorted(set(x.node_names) - set(expected))[:5]
            raise CommandError(
                f"{args.data}: the nodes of recording {x.name!r} do not match the model "
                f"{args.model} (missing {missing}, unexpected {extra}, or another order)."
            )
    return model, X, y


def _cmd_predict(args):
    from .data import segments_to_labels
    from .io import write_predictions

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise CommandError(f"--out {args.out}: is a file; expected a folder for the predictions.")
    if (
        os.path.isdir(args.out)
        and os.path.isdir(args.data)
        and os.path.samefile(args.out, args.data)
    ):
        raise CommandError(
            f"--out {args.out}: is the data folder; predictions written there would replace its "
            "segments.csv (the true labels). Give another folder."
        )
    model, X, _ = _load_and_read(args, labels=False)
    segments = model.predict_segments(X)  # one inference pass; the frame labels follow from it
    y_pred = [
        segments_to_labels(segments[segments["recording"] == i], x.n_frames)
        for i, x in enumerate(X)
    ]
    paths = write_predictions(args.out, X, y_pred, segments)
    print(
        f"Wrote {len(paths) - 1} label files and {paths[-1]} ({len(segments)} segments).",
        file=args.stream,
    )
    return 0


def _cmd_evaluate(args):
    import json
    import reprlib

    import numpy as np

    from .io import recording_names
    from .utils import final_estimator

    if args.json:
        folder = os.path.dirname(os.path.abspath(args.json))
        if not os.path.isdir(folder) or os.path.isdir(args.json):
            raise CommandError(
                f"--json {args.json}: cannot be written (its folder {folder} does not exist, or "
                "it is a folder)."
            )
    model, X, y = _load_and_read(args, labels=True)
    classes = final_estimator(model).classes_
    if classes.dtype.kind in "iu":  # a model fitted in Python on numbers; files hold text
        as_class = {str(c): c for c in classes.tolist()}
        if all(v in as_class for v in set(np.concatenate(y).tolist())):
            y = [np.array([as_class[v] for v in labels], dtype=classes.dtype) for labels in y]
    known, names = set(classes.tolist()), recording_names(X)
    for name, labels in zip(names, y, strict=True):
        unknown = sorted(set(labels.tolist()) - known, key=str)
        if unknown:
            numbers = " (numbers; the data's labels are text)" if classes.dtype.kind in "iu" else ""
            brief = reprlib.Repr()  # a 200,000-character label made a 200-kB message
            brief.maxlist, brief.maxstring = 5, 60
            shown = brief.repr(unknown)
            raise CommandError(
                f"{args.data}: recording {name!r} has labels {shown} that are not classes "
                f"of the model {args.model} (which knows {len(classes)} classes{numbers}: "
                f"{classes.tolist()[:10]}{', ...' if len(classes) > 10 else ''})."
            )
    table = _scores_table(y, model.predict(X), names)
    print("Scores (x100):", file=args.stream)
    print(table.to_string(float_format=lambda v: f"{v:.1f}"), file=args.stream)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(table.to_dict(orient="index"), fh, indent=2)
    return 0


def _add_data_arguments(parser, *, split=True, labels=True):
    from .io import FORMATS

    parser.add_argument("--data", required=True, help="the data folder")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv: the documented folder layout (<recording>/<modality>.csv + segments.csv); "
        "mstcn: the MS-TCN feature bundle; 50salads: the raw release (default: %(default)s)",
    )
    parser.add_argument(
        "--frame-rate",
        type=_positive,
        default=None,
        help="csv: rate of the label timeline in Hz (default: fit: the lowest modality rate; "
        "predict and evaluate: the model's training frame rate); mstcn: the features' frame "
        "rate (default: fit: 30, pass 15 for GTEA and Breakfast; predict and evaluate: the "
        "model's training frame rate)",
    )
    if labels:  # predict reads no segments
        parser.add_argument(
            "--fill", default=None, help="csv: label of frames no segment covers (default: error)"
        )
    if split:
        parser.add_argument(
            "--split", type=int, default=None, help="mstcn: split number (default: 1)"
        )
        parser.add_argument(
            "--subset",
            choices=("train", "test"),
            default=None,
            help="mstcn: which list (default: train for fit, test for predict and evaluate)",
        )


def _unused_format_options(args):
    """A message naming the data options given that ``--format`` does not read, or None."""
    fmt = getattr(args, "format", None)
    applies = {
        "--frame-rate": ("frame_rate", ("csv", "mstcn")),
        "--fill": ("fill", ("csv",)),
        "--split": ("split", ("mstcn",)),
        "--subset": ("subset", ("mstcn",)),
    }
    for option, (name, formats) in applies.items():
        if fmt is not None and getattr(args, name, None) is not None and fmt not in formats:
            return (
                f"{option} does not apply to --format {fmt} (it is read by --format "
                f"{' and '.join(formats)} only); leave it out."
            )
    return None


def _finite_positive(text):
    """``text`` as a finite number > 0, or None."""
    from .utils import is_positive_number

    try:
        value = float(text)
    except ValueError:
        return None
    return value if is_positive_number(value) else None


def _rate(text):
    """``MODALITY=HZ`` -> (modality, rate)."""
    key, sep, value = text.partition("=")
    rate = _finite_positive(value)
    if not sep or not key or rate is None:
        raise argparse.ArgumentTypeError(f"expected MODALITY=HZ with a finite HZ > 0, got {text!r}")
    return key, rate


def _seed(text):
    """An integer seed numpy accepts (``--random-state``)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"expected an integer from 0 to 2**32 - 1, got {text!r}")
    return value


def _positive(text):
    """A finite number > 0 (``--chunk``, ``--frame-rate``)."""
    value = _finite_positive(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


_MODEL_HELP = (
    "model file written by fit (a .joblib or .pkl file is read with joblib, which runs "
    "pickled code: only open your own)"
)


def _load_model(path):
    """The model in ``--model``: a save_model file, or a ``.joblib`` / ``.pkl`` pickle (the
    only way to store a FrameClassifierSegmenter)."""
    from .io import load_model

    if not str(path).endswith((".joblib", ".pkl")):
        return load_model(path)
    import joblib

    if os.path.isdir(path):
        raise CommandError(f"--model {path}: is a folder, not a model file.")
    if not os.path.isfile(path):
        raise CommandError(f"--model {path}: no such model file.")
    try:
        return joblib.load(path)
    except Exception as exc:  # unpickling garbage fails in any of a dozen ways
        reason = " ".join(str(exc).split())[:200] or "no reason given"
        raise CommandError(
            f"--model {path}: cannot read it as a joblib or pickle file "
            f"({type(exc).__name__}: {reason})."
        ) from None


def _cmd_stream(args):
    from .streaming import stream_csv

    keys = [key for key, _ in args.rate or ()]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise CommandError(f"--rate gives modality {repeated[0]!r} more than one rate.")
    model = _load_model(args.model)
    if not (hasattr(model, "stream") and hasattr(model, "steps")):
        raise ValueError(
            f"{args.model!r} holds a {type(model).__name__}, not a fitted segmentation "
            "pipeline whose segmenter can stream (lookahead=0 or a number of frames; "
            "stgraph-seg fit --set lookahead=0 trains one)."
        )
    # A long stream eventually triggers full garbage collections, and each one walked every
    # object of torch, pandas and the model: a pause of ~170 ms (under 1 ms with them
    # frozen) in the middle of a chunk. What is loaded by now lives until the stream ends.
    gc.collect()
    gc.freeze()
    # undecodable bytes kept (as surrogates) for the stream to name their line
    if args.input == "-":
        lines = sys.stdin
        if hasattr(lines, "reconfigure"):
            lines.reconfigure(errors="surrogateescape")
    else:
        lines = open(args.input, newline="", encoding="utf-8", errors="surrogateescape")
    try:
        stream_csv(
            model,
            lines,
            args.stream,
            frame_rate=args.frame_rate,
            rates=dict(args.rate or ()),
            chunk_seconds=args.chunk,
        )
    finally:
        gc.unfreeze()
        if lines is not sys.stdin:
            lines.close()
    return 0


def _build_parser():
    from ._version import __version__

    parser = argparse.ArgumentParser(
        prog="stgraph-seg",
        description="Temporal action segmentation of multimodal sensor data with graph networks.",
    )
    parser.add_argument("--version", action="version", version=f"stgraph-seg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="train and compare the segmenters on the built-in kitchen simulation",
        description="Train AdaptiveGraphSegmenter, MSTCNSegmenter and FrameClassifierSegmenter "
        "on the kitchen simulation (subject-disjoint split), print the scores and write plots.",
    )
    demo.add_argument(
        "--quick", action="store_true", help="small data and few epochs (about a minute)"
    )
    demo.add_argument("--out", default="stgraph_demo", help="output folder (default: %(default)s)")
    demo.add_argument(
        "--random-state", type=_seed, default=0, help="seed, 0 to 2**32 - 1 (default: %(default)s)"
    )
    demo.set_defaults(func=_cmd_demo)

    fit = sub.add_parser(
        "fit",
        help="train a segmenter on your data and write a model file",
        description="Train make_segmentation_pipeline(MODEL) on the recordings and labels in "
        "--data, print the training scores and write the model file (stgraph_sklearn.save_model). "
        "Ctrl-C during training stops it after the last complete epoch, whose model is then "
        "scored and written (exit status 130); a second Ctrl-C, or one before the first epoch "
        "ends, stops without writing (exit status 130).",
    )
    _add_data_arguments(fit)
    fit.add_argument(
        "--model",
        choices=sorted(MODELS),
        default="adaptive",
        help="segmenter (default: %(default)s)",
    )
    fit.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="a segmenter parameter, e.g. --set max_epochs=20 --set device=cuda "
        "--set lookahead=0 (a causal model, for stream), or a preprocessing step's as "
        "step__param, e.g. --set nodefeatureextractor__windows=[30] --set "
        "modalityaligner__max_gap=None; values are Python literals (None, True, 1e-3, "
        "[1, 2]), anything else is text (repeatable)",
    )
    fit.add_argument("--out", required=True, help="model file to write (e.g. model.stgm)")
    fit.set_defaults(func=_cmd_fit, subset_default="train")

    predict = sub.add_parser(
        "predict",
        help="label every frame of every recording with a saved model",
        description="Write <recording>.txt (one label per frame and line, MS-TCN groundTruth "
        "style) per recording and segments.csv (recording, start, end, label, confidence, "
        "start_frame, end_frame, start_s, end_s) to --out. start and end are on the clock of "
        "the recordings' time columns (ISO datetimes where those are), as in the segments.csv "
        "that fit reads: copied next to the recordings it labels every frame as predicted.",
    )
    predict.add_argument("--model", required=True, help=_MODEL_HELP)
    _add_data_arguments(predict, labels=False)
    predict.add_argument("--out", required=True, help="output folder")
    predict.set_defaults(func=_cmd_predict, subset_default="test")

    evaluate = sub.add_parser(
        "evaluate",
        help="score a saved model on labelled data",
        description="Print Acc, Edit, F1@10, F1@25 and F1@50 (x100) per recording and overall.",
    )
    evaluate.add_argument("--model", required=True, help=_MODEL_HELP)
    _add_data_arguments(evaluate)
    evaluate.add_argument("--json", default=None, help="also write the scores to this JSON file")
    evaluate.set_defaults(func=_cmd_evaluate, subset_default="test")

    stream = sub.add_parser(
        "stream",
        help="label a live stream of samples (CSV lines) with a saved causal model",
        description="Read samples as CSV lines 'modality,time,v1,...,vn' (time in seconds, "
        "strictly increasing per modality, on any clock, e.g. Unix time; the modality's nodes "
        "x channels values node by node, empty or NaN if missing) from a file or stdin and "
        "write 'frame,time,label,confidence' for every frame as soon as it is complete. Frame "
        "0 is at the earliest first sample time and 'time' is on the input's clock. The "
        "model is a fitted segmentation pipeline whose segmenter has lookahead=0 (or a number "
        "of frames), saved with save_model or joblib.dump, or a FrameClassifierSegmenter "
        "pipeline without smoothing, saved with joblib.dump (save_model stores only the "
        "neural segmenters' pipelines).",
    )
    stream.add_argument(
        "--model",
        required=True,
        help="model file of the fitted pipeline (save_model; a .joblib or .pkl file is read "
        "with joblib, which runs pickled code: only open your own)",
    )
    stream.add_argument("--input", default="-", help="CSV file, or - for stdin (default)")
    stream.add_argument(
        "--frame-rate",
        type=_positive,
        default=None,
        help="frame rate in Hz (default: that of the training recordings)",
    )
    stream.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=None,
        metavar="MODALITY=HZ",
        help="nominal sampling rate of a modality, once per modality whose stream differs "
        "from the training recordings (default: the rates learned in fit)",
    )
    stream.add_argument(
        "--chunk",
        type=_positive,
        default=0.5,
        help="seconds of samples per step, > 0 (default: %(default)s)",
    )
    stream.set_defaults(func=_cmd_stream)
    return parser


def _show_warning(command, shown, message, category, filename, lineno, file=None, line=None):
    """A warning as ``stgraph-seg <command>: <Category>: <message>`` on stderr, without the
    console script's source line that Python's format shows, and once per command: ``shown``
    holds the lines already printed (``fit`` reads its recordings again to score them)."""
    text = f"stgraph-seg {command}: {category.__name__}: {' '.join(str(message).split())}"
    if text not in shown:
        shown.add(text)
        print(text, file=file or sys.stderr)


def _interrupted(command):
    """After Ctrl-C: one line on stderr, as for an error, and the shell's status for SIGINT."""
    print(f"stgraph-seg{'' if command is None else ' ' + command}: interrupted", file=sys.stderr)
    return 130


def main(argv=None, *, stream=None):
    """Entry point of ``stgraph-seg``.

    Errors of the data, the files or the model end as one line on stderr
    (``stgraph-seg <command>: error: <message>``) and exit status 1; run as the console
    script (``argv`` None), warnings are one line each too
    (``stgraph-seg <command>: <Category>: <message>``).

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after ``stgraph-seg``; None reads ``sys.argv``.
    stream : file-like, default=None
        Where tables and progress lines are written; None is ``sys.stdout``.

    Returns
    -------
    status : int
        0 on success, 1 after an error of the data, the files or the model, 130 after Ctrl-C
        (``stgraph-seg <command>: interrupted`` on stderr).

    Raises
    ------
    SystemExit
        With status 2 on a usage error (from :mod:`argparse`, which prints the usage), and
        with status 0 after ``--help`` or ``--version``.
    """
    try:  # building the parser imports the data layer: seconds a Ctrl-C may land in
        args = _build_parser().parse_args(argv)
    except KeyboardInterrupt:
        words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
        return _interrupted(words[0] if words else None)
    args.stream = sys.stdout if stream is None else stream
    # "~" as the shell would (it does not in --out=~/x or in scripts); fit's --model is a name
    for name in ("data", "out", "json", "input") + (("model",) if args.command != "fit" else ()):
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, os.path.expanduser(getattr(args, name)))
    unused = _unused_format_options(args)
    if unused:
        print(f"stgraph-seg {args.command}: error: {unused}", file=sys.stderr)
        return 2  # a usage error, as argparse's
    if getattr(args, "subset", "x") is None:
        args.subset = args.subset_default
    if getattr(args, "split", "x") is None:
        args.split = 1
    from .exceptions import NotFittedError

    # the demo reads no user data: only its output folder can fail, and a bug shows in full
    errors = (CommandError, OSError)
    if args.command != "demo":
        errors += (ValueError, TypeError, KeyError, NotFittedError, MemoryError)
    try:
        with warnings.catch_warnings():
            if argv is None:  # the console script: a warning is one line naming the command
                warnings.showwarning = partial(_show_warning, args.command, set())
            return args.func(args)
    except BrokenPipeError:  # the reader of stdout left (`stgraph-seg stream ... | head`)
        try:  # as Python's docs advise: stdout to devnull, or the exit flush fails again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # a stdout without a file descriptor
            pass
        return 1
    except KeyboardInterrupt:
        return _interrupted(args.command)
    except errors as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, KeyError):
            message = f"missing entry {message}"
        elif isinstance(exc, MemoryError) and args.command == "stream":
            message = f"not enough memory: {message}"  # the stream names the time jump
        elif isinstance(exc, MemoryError):
            message = (
                f"not enough memory ({message}); check --frame-rate (the frames per second "
                "of the timeline) or read fewer recordings at a time."
            )
        print(f"stgraph-seg {args.command}: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
