"""load_uci_har: the raw UCI HAPT release (smartphone accelerometer and gyroscope, 50 Hz)."""

from __future__ import annotations

import os
import re
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_params

from ..data import Modality, Recording
from ..utils import check_not_bool
from ._files import data_root, format_error, read_lines, require_file
from ._vocabulary import BACKGROUND

__all__ = ["load_uci_har"]

_RATE = 50.0
_NODES = ("accelerometer", "gyroscope")
_SENSOR_RE = re.compile(r"^acc_exp(\d+)_user(\d+)\.txt$")
_SENSOR_FORMAT = "expected three space-separated numbers 'x y z'."


def _read_activities(path):
    """``{id: name}`` from ``activity_labels.txt`` (``id NAME`` per line)."""
    activities = {}
    for number, line in read_lines(path):
        fields = line.split()
        if len(fields) != 2:
            raise format_error(path, number, "expected 'id NAME'.", line)
        try:
            key = int(fields[0])
        except ValueError:
            raise format_error(path, number, "the activity id must be an integer.", line) from None
        if key in activities:
            raise format_error(path, number, f"activity id {key} is listed twice.", line)
        if fields[1] == BACKGROUND:
            raise format_error(
                path, number, f"{BACKGROUND!r} is reserved for unlabelled samples.", line
            )
        activities[key] = fields[1]
    if not activities:
        raise format_error(path, None, "no activity.")
    return activities


def _read_sensor(path):
    """The ``(n_samples, 3)`` float64 samples of one ``acc_*`` or ``gyro_*`` file."""
    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, dtype=np.float64, engine="c")
    except pd.errors.EmptyDataError:
        raise format_error(path, None, "no samples.") from None
    except (ValueError, pd.errors.ParserError):
        df = None
    values = None if df is None else df.to_numpy()
    if values is None or values.shape[1] != 3 or not np.isfinite(values).all():
        for number, line in read_lines(path):
            fields = line.split()
            try:
                ok = len(fields) == 3 and all(np.isfinite([float(f) for f in fields]))
            except ValueError:
                ok = False
            if not ok:
                raise format_error(path, number, _SENSOR_FORMAT, line)
        raise format_error(path, None, _SENSOR_FORMAT)  # pragma: no cover - parser disagreement
    return values


def _read_labels(path, activities, experiments):
    """Rows ``(line, experiment, activity_id, start, end)`` of ``labels.txt`` (1-based, inclusive)."""
    rows = []
    for number, line in read_lines(path):
        fields = line.split()
        try:
            exp, user, act, start, end = (int(f) for f in fields)
        except ValueError:
            raise format_error(
                path, number, "expected five integers 'experiment user activity start end'.", line
            ) from None
        if act not in activities:
            raise format_error(path, number, f"activity {act} is not in activity_labels.txt.", line)
        if exp not in experiments:
            raise FileNotFoundError(
                f"{path}, line {number}: no sensor files for experiment {exp} of user {user} "
                f"(expected RawData/acc_exp{exp:02d}_user{user:02d}.txt)."
            )
        if experiments[exp] != user:
            raise format_error(
                path,
                number,
                f"experiment {exp} belongs to user {experiments[exp]} (its file names), not "
                f"{user}.",
                line,
            )
        if not 1 <= start <= end:
            raise format_error(path, number, "expected 1 <= start <= end.", line)
        rows.append((number, exp, act, start, end))
    return rows


@validate_params(
    {
        "root": [str, os.PathLike],
        "include_transitions": ["boolean"],
        "frame_rate": [Interval(Real, 0, _RATE, closed="right")],
    },
    prefer_skip_nested_validation=True,
)
def load_uci_har(root, *, include_transitions=True, frame_rate=10.0):
    """Load the raw UCI HAPT release: smartphone accelerometer + gyroscope, labels and users.

    The "Smartphone-Based Recognition of Human Activities and Postural Transitions" data set
    (HAPT) [1]_ records 30 volunteers wearing a smartphone on the waist, with a 3-axis
    accelerometer and a 3-axis gyroscope sampled at 50 Hz, while doing six basic activities
    (walking, walking upstairs and downstairs, sitting, standing, lying) and the six postural
    transitions between the static ones. This reads the raw signals of the release as
    distributed (``RawData/``), one recording per experiment. Nothing is downloaded: get the
    archive from the data set's page in the UCI Machine Learning Repository [2]_ and unpack
    it (see Notes).

    Parameters
    ----------
    root : str or path-like
        The unpacked release, holding ``activity_labels.txt`` and the folder ``RawData/``
        with ``acc_expEE_userUU.txt``, ``gyro_expEE_userUU.txt`` and ``labels.txt``.
    include_transitions : bool, default=True
        Keep the six postural transitions (the activities whose name contains ``"_TO_"``,
        e.g. ``"STAND_TO_SIT"``) as classes. If False their frames are labelled
        ``"background"``, like the unlabelled samples.
    frame_rate : float, default=10.0
        Rate of the label timeline in Hz, in ``(0, 50]``. The sensors stay at 50 Hz;
        :class:`~stgraph_sklearn.transformers.ModalityAligner` puts them on the frames.

    Returns
    -------
    X : list of Recording
        One per experiment, in experiment order, named ``"expEE_userUU"``, with
        ``subject`` = the user, ``frame_rate`` and ``n_frames = floor(n_samples * frame_rate
        / 50)``, and one modality ``"smartphone"``: values of shape (n_samples, 2, 3), nodes
        ``("accelerometer", "gyroscope")`` (x, y, z in g and rad/s, as stored), ``rate=50``.
    y : list of ndarray of str of shape (n_frames,)
        The activity name (as in ``activity_labels.txt``) of every frame, ``"background"``
        where no row of ``labels.txt`` covers it.
    groups : ndarray of int of shape (n_experiments,)
        The user of every experiment, for subject-disjoint splits.

    Raises
    ------
    FileNotFoundError
        If ``root``, ``activity_labels.txt``, ``RawData/labels.txt``, every
        ``acc_exp*_user*.txt``, or the gyroscope or accelerometer file of an experiment is
        missing, or if ``labels.txt`` names an experiment without sensor files. The message
        names the folder to pass when ``root`` is the release's parent or its ``RawData``.
    NotADirectoryError
        If ``root`` is a file (the archive, not unpacked).
    DataFormatError
        If a file does not follow the format below (the message names the file and line).

    Notes
    -----
    Formats, as in the release's README:

    * ``activity_labels.txt``: ``id NAME`` per line (``1 WALKING`` ... ``12 LIE_TO_STAND``).
    * ``RawData/acc_expEE_userUU.txt`` and ``RawData/gyro_expEE_userUU.txt``: three
      space-separated numbers per line, one line per sample at 50 Hz; the experiment and
      user are the numbers in the file name. Experiments are found from the ``acc_`` files.
      If the two files of an experiment differ in length, the shorter one's node is NaN
      (missing) at the end.
    * ``RawData/labels.txt``: ``experiment user activity start end`` per line; ``start``
      and ``end`` are 1-based sample indices, both included. Rows are applied in file
      order (where rows overlap, the later one wins); samples outside every row are
      unlabelled.

    Sample ``j`` (0-based) is at ``j / 50`` s and frame ``i`` at ``i / frame_rate`` s; frame
    ``i`` takes the label of sample ``round(50 i / frame_rate)``.

    To get the files: download the archive "Smartphone-Based Recognition of Human
    Activities and Postural Transitions" from the UCI Machine Learning Repository [2]_
    (``HAPT Data Set.zip``, about 90 MB) and unpack it; ``root`` is the folder that
    contains ``RawData``.

    References
    ----------
    .. [1] Reyes-Ortiz, J.-L., Oneto, L., Samà, A., Parra, X. and Anguita, D.,
       "Transition-aware human activity recognition using smartphones", Neurocomputing
       171, 754-767, 2016.
    .. [2] https://archive.ics.uci.edu/dataset/341/smartphone+based+recognition+of+human+activities+and+postural+transitions

    Examples
    --------
    >>> from stgraph_sklearn.datasets import load_uci_har
    >>> X, y, groups = load_uci_har("path/to/HAPT")  # doctest: +SKIP
    >>> X[0].modalities["smartphone"].node_names, X[0].frame_rate  # doctest: +SKIP
    (('accelerometer', 'gyroscope'), 10.0)
    """
    check_not_bool("load_uci_har", frame_rate=frame_rate)
    frame_rate = float(frame_rate)
    root = data_root(root, "load_uci_har", "activity_labels.txt")
    activities = _read_activities(
        require_file(root / "activity_labels.txt", "UCI HAPT activity labels")
    )
    raw = root / "RawData"
    if not raw.is_dir():
        raise FileNotFoundError(
            f"load_uci_har: 'root' {str(root)!r} holds no 'RawData' folder (the release's raw "
            f"signals and labels.txt); it holds {sorted(p.name for p in root.iterdir())[:10]}."
        )
    experiments = {}  # experiment -> user
    acc_files = {}  # experiment -> its accelerometer file, as it is named on disk
    for path in sorted(raw.glob("acc_exp*_user*.txt")):
        match = _SENSOR_RE.match(path.name)
        if match:
            exp, user = int(match.group(1)), int(match.group(2))
            if exp in experiments:
                raise format_error(path, None, f"experiment {exp} has two accelerometer files.")
            experiments[exp] = user
            acc_files[exp] = path
    if not experiments:
        raise FileNotFoundError(f"No 'acc_expEE_userUU.txt' file found in {raw}")
    for path in sorted(raw.glob("gyro_exp*_user*.txt")):  # a gyroscope file alone: not dropped
        acc_name = "acc_" + path.name[len("gyro_") :]
        match = _SENSOR_RE.match(acc_name)
        if match and int(match.group(1)) not in experiments:
            raise FileNotFoundError(
                f"UCI HAPT accelerometer file not found: {path} has no accelerometer file "
                f"(expected {raw / acc_name})."
            )
    rows = _read_labels(
        require_file(raw / "labels.txt", "UCI HAPT labels"), activities, experiments
    )
    names = np.array([BACKGROUND, *activities.values()], dtype=object)
    code = {key: k + 1 for k, key in enumerate(activities)}
    if not include_transitions:
        for key, name in activities.items():
            if "_TO_" in name.upper():
                code[key] = 0

    X, y, groups = [], [], []
    for exp in sorted(experiments):
        user = experiments[exp]
        # the gyroscope file is named as its accelerometer file (zero-padded or not)
        acc_path = acc_files[exp]
        stem = acc_path.stem[len("acc_") :]  # expEE_userUU: the recording's name
        gyro_path = acc_path.with_name("gyro_" + acc_path.name[len("acc_") :])
        acc = _read_sensor(acc_path)
        gyro = _read_sensor(require_file(gyro_path, "UCI HAPT gyroscope file"))
        n = max(len(acc), len(gyro))
        values = np.full((n, 2, 3), np.nan)
        values[: len(acc), 0] = acc
        values[: len(gyro), 1] = gyro
        sample_codes = np.zeros(n, dtype=np.intp)
        for number, e, act, start, end in rows:
            if e != exp:
                continue
            if end > n:
                raise format_error(
                    raw / "labels.txt",
                    number,
                    f"end sample {end} is beyond the {n} samples of experiment {exp}.",
                )
            sample_codes[start - 1 : end] = code[act]
        n_frames = int(np.floor(n * frame_rate / _RATE + 1e-9))
        if n_frames < 1:
            raise ValueError(
                f"load_uci_har: frame_rate={frame_rate} Hz gives no frame for the {n} samples "
                f"of {acc_path}; use a higher frame_rate."
            )
        idx = np.minimum(np.round(np.arange(n_frames) * _RATE / frame_rate).astype(int), n - 1)
        phone = Modality(values, rate=_RATE, node_names=_NODES)
        X.append(
            Recording({"smartphone": phone}, frame_rate, n_frames=n_frames, name=stem, subject=user)
        )
        y.append(names[sample_codes[idx]].astype(str))
        groups.append(user)
    return X, y, np.asarray(groups)
