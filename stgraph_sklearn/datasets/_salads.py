"""load_50salads: the raw 50 Salads release (accelerometers, synchronization, annotations)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import InvalidParameterError, StrOptions, validate_params

from ..data import Modality, Recording
from ..exceptions import MissingSensorWarning, StgraphWarning, warn
from ._files import check_utf8, data_root, format_error, load_npy, read_lines, require_file
from ._vocabulary import (
    BACKGROUND,
    EVAL_MAPPING,
    HIGH_LEVEL_ACTIONS,
    MID_LEVEL_ACTIONS,
    subject_from_trial,
)

__all__ = ["load_50salads"]

_CALLER = "load_50salads"
_FRAME_RATE = 30.0
_ACCEL_RATE = 50.0
_MAX_GAP = 0.1  # s between neighbouring samples of one device still interpolated
_ANNOTATION_SUFFIX = "-activityAnnotation.txt"
_PHASES = ("_prep", "_core", "_post")
_ACCEL_COLUMNS = ["junk", "time", "id", "seq", "x", "y", "z"]
_ACCEL_FORMAT = "expected 7 comma-separated fields 'junk,time,id,seq,x,y,z' with time "
_ACCEL_FORMAT += "'YYYY-MM-DD HH:MM:SS.mmm' and numeric id, x, y, z."


def _read_sync(path):
    """Anchors [(a_ms, o_ms), ...] and the device id -> object name mapping of one trial."""
    anchors, mapping = [], {}
    for number, line in read_lines(path):
        fields = [f.strip() for f in line.split(",")]
        if len(anchors) < 2:
            try:
                a, o = (float(f) for f in fields)
            except ValueError:
                raise format_error(
                    path, number, "expected an anchor 'video_time,offset' of two numbers.", line
                ) from None
            if anchors and a < anchors[0][0]:
                raise format_error(path, number, "anchor times must not decrease.", line)
            anchors.append((a, o))
            continue
        if len(fields) != 2 or not fields[1]:
            raise format_error(path, number, "expected 'device_id,object_name'.", line)
        try:
            device = int(fields[0])
        except ValueError:
            raise format_error(path, number, "the device id must be an integer.", line) from None
        if device in mapping:
            raise format_error(path, number, f"device {device} is listed twice.", line)
        mapping[device] = fields[1]
    if len(anchors) < 2:
        raise format_error(path, None, "expected two anchor lines 'video_time,offset' first.")
    if anchors[1][0] == anchors[0][0]:
        anchors = anchors[:1]
    return np.asarray(anchors, dtype=np.float64), mapping


def _read_timestamps(path):
    """Video frame times (the annotations' clock, microseconds) as float64."""
    times, last = [], None
    for number, line in read_lines(path):
        token = line.split()[0]
        try:
            value = float(token)
        except ValueError:
            raise format_error(
                path, number, "expected 'time image' with a numeric time.", line
            ) from None
        if not np.isfinite(value) or (last is not None and value <= last):
            raise format_error(path, number, "frame times must increase strictly.", line)
        times.append(value)
        last = value
    if not times:
        raise format_error(path, None, "no frame timestamps.")
    return np.asarray(times, dtype=np.float64)


def _mid_label(label):
    """Mid-level action of an annotation label, None for high-level ones, else KeyError."""
    if label in HIGH_LEVEL_ACTIONS:
        return None
    for phase in _PHASES:
        if label.endswith(phase) and label[: -len(phase)] in MID_LEVEL_ACTIONS:
            return label[: -len(phase)]
    if label in MID_LEVEL_ACTIONS:
        return label
    raise KeyError(label)


def _read_annotations(path):
    """Low-level annotations as a list of (start, end, mid_label), sorted by start."""
    rows = []
    for number, line in read_lines(path):
        fields = line.split()
        if len(fields) != 3:
            raise format_error(path, number, "expected 'start end label'.", line)
        try:
            start, end = float(fields[0]), float(fields[1])
        except ValueError:
            raise format_error(path, number, "start and end must be numbers.", line) from None
        if not (np.isfinite(start) and np.isfinite(end)) or end < start:
            raise format_error(path, number, "expected finite start <= end.", line)
        try:
            mid = _mid_label(fields[2])
        except KeyError:
            raise format_error(
                path,
                number,
                "unknown label: expected a high-level activity "
                f"{HIGH_LEVEL_ACTIONS} or '<action>_prep|_core|_post' with one of the 17 "
                "mid-level actions.",
                line,
            ) from None
        if mid is not None:
            rows.append((start, end, mid))
    rows.sort(key=lambda r: r[0])
    return rows


def _frame_labels(annotations, frame_times, granularity):
    labels = np.full(frame_times.size, BACKGROUND, dtype=object)
    for start, end, mid in annotations:
        i0, i1 = np.searchsorted(frame_times, [start, end], side="left")
        labels[i0:i1] = mid
    if granularity == "eval":
        labels = np.array([EVAL_MAPPING[lab] for lab in labels], dtype=object)
    return labels.astype(str)


def _line_content(path, line):
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, content in enumerate(fh, start=1):
            if number == line:
                return content.rstrip("\n")
    return None


def _read_accel(path):
    """Device ids, accelerometer times (ms since midnight of the first sample's day), xyz."""
    try:
        df = pd.read_csv(
            path,
            header=None,
            names=_ACCEL_COLUMNS,
            dtype=str,
            skip_blank_lines=False,
            keep_default_na=False,
            na_filter=False,
        )
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        content = _line_content(path, line) if line else None
        raise format_error(path, line, _ACCEL_FORMAT, content) from None
    except pd.errors.EmptyDataError:
        raise format_error(path, None, "no accelerometer samples.") from None
    except UnicodeDecodeError:
        check_utf8(path)  # raises, naming the line
        raise format_error(path, None, "expected UTF-8 text.") from None  # pragma: no cover
    blank = df.apply(lambda col: col.str.strip() == "").all(axis=1).to_numpy()  # as read_lines
    df = df.loc[~blank]
    if df.empty:
        raise format_error(path, None, "no accelerometer samples.")
    time = pd.to_datetime(df["time"].str.strip(), format="%Y-%m-%d %H:%M:%S.%f", errors="coerce")
    numeric = df[["id", "x", "y", "z"]].apply(pd.to_numeric, errors="coerce")
    bad = time.isna().to_numpy() | numeric.isna().any(axis=1).to_numpy()
    if bad.any():
        line = int(df.index[np.flatnonzero(bad)[0]]) + 1
        raise format_error(path, line, _ACCEL_FORMAT, _line_content(path, line))
    midnight = time.iloc[0].normalize()
    ms = ((time - midnight) / pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.float64)
    ids = numeric["id"].to_numpy()
    if not np.all(ids == np.round(ids)):
        line = int(df.index[np.flatnonzero(ids != np.round(ids))[0]]) + 1
        raise format_error(
            path, line, "the device id must be an integer.", _line_content(path, line)
        )
    xyz = numeric[["x", "y", "z"]].to_numpy(dtype=np.float64)
    return ids.astype(np.int64), ms, xyz


def _offset_ms(video_ms, anchors):
    """Offset o(v) (ms) of the synchronization: o1 before a1, o2 after a2, linear between."""
    return np.interp(video_ms, anchors[:, 0], anchors[:, 1])


def _accel_modality(trial, csv_path, sync_path, frame_times, objects):
    anchors, mapping = _read_sync(sync_path)
    ids, acc_ms, xyz = _read_accel(csv_path)
    v0 = frame_times[0] / 1000.0  # ms on the video clock
    origin = v0 - _offset_ms(v0, anchors)  # accelerometer time (ms) of the first frame
    tau = (acc_ms - origin) / 1000.0  # s on the accelerometer clock, ~0 at the first frame
    clock = np.column_stack(
        [(anchors[:, 0] - v0) / 1000.0, (_offset_ms(v0, anchors) - anchors[:, 1]) / 1000.0]
    )

    start = float(tau.min())
    n_grid = int(np.floor((tau.max() - start) * _ACCEL_RATE + 1e-6)) + 1
    grid = start + np.arange(n_grid) / _ACCEL_RATE
    values = np.full((n_grid, len(objects), 3), np.nan)
    by_object = {name: device for device, name in mapping.items()}
    for k, name in enumerate(objects):
        device = by_object.get(name)
        keep = ids == device if device is not None else np.zeros(ids.size, dtype=bool)
        t, order = np.unique(tau[keep], return_index=True)
        if t.size < 2:
            why = (
                "is not in the synchronization mapping"
                if device is None
                else (f"(device {device}) never reports")
            )
            warn(
                f"50 Salads trial {trial!r}: object {name!r} {why}; its node is all NaN.",
                MissingSensorWarning,
            )
            continue
        samples = xyz[keep][order]
        right = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
        valid = (grid >= t[0]) & (grid <= t[-1]) & (t[right] - t[right - 1] <= _MAX_GAP + 1e-9)
        for c in range(3):
            values[valid, k, c] = np.interp(grid[valid], t, samples[:, c])
    return Modality(values, rate=_ACCEL_RATE, start=start, node_names=objects, clock=clock)


def _check_modalities(modalities, video_features):
    if isinstance(modalities, str):
        modalities = (modalities,)
    modalities = tuple(modalities)
    unknown = [m for m in modalities if m != "accel"]
    if unknown:
        raise InvalidParameterError(
            f"The 'modalities' parameter of {_CALLER} must contain only 'accel' (video comes "
            f"from 'video_features'). Got {modalities!r} instead."
        )
    if not modalities and video_features is None:
        raise InvalidParameterError(
            f"{_CALLER} has nothing to load: 'modalities' is empty and 'video_features' is None."
        )
    return modalities


@validate_params(
    {
        "root": [str, os.PathLike],
        "granularity": [StrOptions({"mid", "eval"})],
        "modalities": [str, tuple, list],
        "video_features": [str, os.PathLike, None],
    },
    prefer_skip_nested_validation=True,
)
def load_50salads(root, *, granularity="mid", modalities=("accel",), video_features=None):
    """Load the raw 50 Salads release: object accelerometers, frame labels and subjects.

    50 Salads [1]_ records 25 people preparing two salads each (50 trials) with RGB-D video at
    30 fps and 3-axis accelerometers at 50 Hz on kitchen objects. This reads the release's
    files from disk (no download, nothing cached), arranged in the folders below, and returns
    recordings on the video frame timeline.

    Parameters
    ----------
    root : str or path-like
        The release folder, holding ``raw/acc-sync/accelerometers/<trial>-accelerometer.csv``,
        ``raw/acc-sync/synchronization/<trial>-synchronization.txt``,
        ``raw/ann-ts/timestamps/timestamps-<trial>.txt`` and
        ``labels/sequences/<trial>-activityAnnotation.txt`` (the layout of Lea et al.'s
        preprocessing of the release; move the ``*-activityAnnotation.txt`` files there if
        your copy keeps them elsewhere). The trials are those with an annotation file.
    granularity : {"mid", "eval"}, default="mid"
        ``"mid"``: the 17 mid-level actions (the ``_prep``, ``_core`` and ``_post`` phases
        of each action merged) plus ``"background"``. ``"eval"``: the 9 actions of the
        "eval" level plus background: every ``cut_<ingredient>`` becomes ``"cut"``, every
        ``place_<ingredient>_into_bowl`` becomes ``"place"``, ``add_salt`` and
        ``add_vinegar`` become ``"background"``; add_dressing, add_oil, add_pepper,
        mix_dressing, mix_ingredients, peel_cucumber and serve_salad_onto_plate stay.
    modalities : tuple of str, default=("accel",)
        ``("accel",)`` or ``()``; video comes from ``video_features``.
    video_features : str or path-like, default=None
        A folder of per-trial video features of shape ``(D, T)``, as in the MS-TCN bundle
        (``rgb-<trial>.npy`` or ``<trial>.npy``), added as a one-node ``"video"`` modality at
        30 fps on the frame clock, values of shape ``(n_frames, 1, D)`` (lazy, read from the file on access: see
        :class:`~stgraph_sklearn.data.LazyValues`). A file whose frame count differs from the
        trial's by more than MS-TCN's frame or two warns (transposed, or another trial's):
        frames beyond the trial are dropped, frames without features masked.

    Returns
    -------
    X : list of Recording
        One per trial, in sorted trial order, with ``frame_rate=30``, ``n_frames`` = the
        number of frame timestamps, ``name`` = the trial and ``subject``. Modality
        ``"accel"``: values of shape (n_samples, n_objects, 3) as stored in the release, on
        a 50 Hz grid of the accelerometer clock (``rate``, ``start``), nodes = the object
        names of all synchronization files, sorted; correction to the video clock in
        ``clock``.
    y : list of ndarray of str of shape (n_frames,)
        One label per video frame.
    groups : ndarray of shape (n_trials,)
        The subject of every trial, ``groups[i] == X[i].subject``: ``"rgb-SS-R"`` or
        ``"SS-R"`` -> int ``SS`` when every trial name follows that pattern; else every
        subject is text (``str(int(SS))``, e.g. ``"1"`` for ``"01-1"``, or the trial name
        where it does not follow the pattern),
        so that scikit-learn's group splitters, which sort the groups, can compare them.

    Raises
    ------
    FileNotFoundError
        If a needed file is missing (the message names it).
    DataFormatError
        If a file does not follow the format below (the message names the file and line).

    Warns
    -----
    MissingSensorWarning
        For an object whose device never reports in a trial, or that a trial's mapping lacks;
        its node is all NaN in that trial.

    Notes
    -----
    Formats and units assumed (after the release's own description [2]_ and the
    preprocessing scripts of Lea et al. [3]_):

    * Frame timestamps ``time image`` per line: ``time`` in microseconds. Frame ``i`` is
      the reference frame ``i`` (time ``i / 30`` s): the reference timeline assumes the
      video is at a constant 30 fps, and time ``v`` on the video clock maps to reference
      time ``(v - time_0) / 1e6`` s.
    * Annotations ``start end label``, unsorted, on the frame timestamps' clock (same
      unit). A frame with ``start <= time < end`` takes the annotation's mid-level action;
      high-level activities (cut_and_mix_ingredients, prepare_dressing, serve_salad) are
      ignored; where low-level annotations overlap, the later-starting one wins; frames
      outside every low-level annotation are background.
    * Synchronization: two anchor lines ``a,o`` (milliseconds on the video clock, i.e.
      frame time / 1000) then ``device_id,object_name`` lines. The accelerometer time of
      video time ``v`` (ms) is ``v - o(v)`` with ``o = o1`` before ``a1``, ``o2`` after
      ``a2`` and linear between.
    * Accelerometer CSV ``junk,time,id,seq,x,y,z``, all devices interleaved, ``time`` a
      wall-clock string ``YYYY-MM-DD HH:MM:SS.mmm`` read as milliseconds since the
      midnight starting the trial (so trials crossing midnight keep increasing); ``junk``
      and ``seq`` are not used. Devices missing from the mapping are ignored.

    The accelerometer modality's clock is in seconds, 0 being the accelerometer time of the
    first frame given by the synchronization. Each device is linearly interpolated onto
    the shared 50 Hz grid between neighbouring samples at most 0.1 s apart; NaN elsewhere.
    ``clock`` holds the anchors ``((a - time_0 / 1000) / 1000, (o(time_0 / 1000) - o) /
    1000)`` in seconds: the offset is 0 at the first frame and follows the drift of the
    synchronization file, so ``ModalityAligner`` can put the samples on the frames.

    References
    ----------
    .. [1] Stein, S. and McKenna, S. J., "Combining embedded accelerometers with computer
       vision for recognizing food preparation activities", UbiComp 2013.
    .. [2] https://cvip.computing.dundee.ac.uk/datasets/foodpreparation/50salads/
    .. [3] Lea, C. et al., "Temporal convolutional networks for action segmentation and
       detection", CVPR 2017.

    Examples
    --------
    >>> from stgraph_sklearn.datasets import load_50salads
    >>> X, y, groups = load_50salads("path/to/50salads")  # doctest: +SKIP
    >>> X[0].modalities["accel"].node_names[:3]  # doctest: +SKIP
    ('bowl', 'glass', 'knife')
    """
    modalities = _check_modalities(modalities, video_features)
    root = data_root(root, "load_50salads", "labels")
    sequences = root / "labels" / "sequences"
    annotation_files = sorted(sequences.glob("*" + _ANNOTATION_SUFFIX))
    if not annotation_files:
        raise FileNotFoundError(f"No '*{_ANNOTATION_SUFFIX}' file found in {sequences}")
    trials = [f.name[: -len(_ANNOTATION_SUFFIX)] for f in annotation_files]

    accel_dir = root / "raw" / "acc-sync"
    use_accel = "accel" in modalities
    objects = ()
    if use_accel:
        names = set()
        for trial in trials:
            path = require_file(
                accel_dir / "synchronization" / f"{trial}-synchronization.txt",
                "50 Salads synchronization file",
            )
            names.update(_read_sync(path)[1].values())
        objects = tuple(sorted(names))
        if not objects:
            raise format_error(accel_dir / "synchronization", None, "no device is mapped.")

    X, y, groups = [], [], []
    for trial, annotation_file in zip(trials, annotation_files, strict=True):
        frame_times = _read_timestamps(
            require_file(
                root / "raw" / "ann-ts" / "timestamps" / f"timestamps-{trial}.txt",
                "50 Salads frame timestamps",
            )
        )
        labels = _frame_labels(_read_annotations(annotation_file), frame_times, granularity)
        mods = {}
        if use_accel:
            mods["accel"] = _accel_modality(
                trial,
                require_file(
                    accel_dir / "accelerometers" / f"{trial}-accelerometer.csv",
                    "50 Salads accelerometer file",
                ),
                accel_dir / "synchronization" / f"{trial}-synchronization.txt",
                frame_times,
                objects,
            )
        if video_features is not None:
            mods["video"] = Modality(
                _video_features(Path(video_features).expanduser(), trial, frame_times.size).T,
                rate=_FRAME_RATE,
            )
        subject = subject_from_trial(trial)
        subject = trial if subject is None else subject
        X.append(
            Recording(mods, _FRAME_RATE, n_frames=frame_times.size, name=trial, subject=subject)
        )
        y.append(labels)
        groups.append(subject)
    if len({type(s) for s in groups}) > 1:  # ints and trial names: all text, comparable
        X = [x.replace(subject=str(x.subject)) for x in X]
        groups = [str(s) for s in groups]
    return X, y, np.asarray(groups)


def _video_features(folder, trial, n_frames):
    """The (D, T) features of ``trial``; a frame count other than the trial's ``n_frames``
    (beyond MS-TCN's frame or two) warns: a transposed or another trial's file."""
    candidates = [folder / f"{trial}.npy"]
    if not trial.startswith("rgb-"):
        candidates.append(folder / f"rgb-{trial}.npy")
    for path in candidates:
        if path.is_file():
            features = load_npy(path, "video features")
            if abs(features.shape[1] - n_frames) > max(5, 0.01 * n_frames):
                transposed = abs(features.shape[0] - n_frames) <= max(5, 0.01 * n_frames)
                warn(
                    f"load_50salads: {path} has {features.shape[1]} frames of "
                    f"{features.shape[0]} features, but trial {trial!r} has {n_frames} frames; "
                    "frames beyond the trial are dropped and frames without features masked. "
                    + (
                        "Features are stored (n_features, n_frames): it looks saved transposed."
                        if transposed
                        else "Is it the features file of this trial?"
                    ),
                    StgraphWarning,
                )
            return features
    raise FileNotFoundError(
        f"Video features of trial {trial!r} not found: tried "
        + ", ".join(str(p) for p in candidates)
    )
