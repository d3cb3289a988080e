"""stream_csv: label a stream of samples given as CSV lines, writing one line per frame."""

from __future__ import annotations

import csv
import math

import numpy as np

from ..utils import check_seconds, is_positive_number

__all__ = ["stream_csv"]


def _short(text, limit=80):
    """``repr(text)``, cut to about ``limit`` characters (a message quotes one line)."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text)} characters)"


def _row(line, lineno):
    """The fields of one line: a sample is one line, so a stray quote cannot swallow the
    lines after it (one reader over the stream read them as one field, up to csv's limit)."""
    if not isinstance(line, str):
        raise TypeError(
            f"stream_csv: 'lines' must give text lines (a file opened in text mode). Got "
            f"{type(line).__name__} at line {lineno}."
        )
    if any("\udc80" <= ch <= "\udcff" for ch in line):  # bytes the decoder could not read
        raise ValueError(f"line {lineno}: not UTF-8 text; write the stream as UTF-8.")
    try:
        return next(csv.reader([line]), [])
    except csv.Error as exc:
        raise ValueError(f"line {lineno}: not a CSV line ({exc}).") from None


def _parse(row, lineno, widths):
    """``(modality, time, values)`` of one CSV row ``modality,time,v1,...,vn``."""
    where = f"line {lineno}"
    if len(row) < 2:
        raise ValueError(
            f"{where}: expected 'modality,time,values...'. Got {_short(','.join(row))}."
        )
    key = row[0].strip()
    if key not in widths:
        raise ValueError(
            f"{where}: unknown modality {_short(key)}; the model was fitted on {sorted(widths)}."
        )
    try:
        t = float(row[1])
    except ValueError:
        t = math.nan
    if not math.isfinite(t):
        raise ValueError(
            f"{where}: the time must be a finite number of seconds. Got {_short(row[1])}."
        )
    check_seconds(abs(t), f"{where}: the time")
    fields = row[2:]
    if len(fields) != widths[key]:
        raise ValueError(
            f"{where}: modality {key!r} needs {widths[key]} values (nodes x channels, node "
            f"by node). Got {len(fields)}."
        )
    try:
        values = [float(v) if v.strip() not in ("", "nan", "NaN") else np.nan for v in fields]
    except ValueError:
        values = None
    if values is None or any(math.isinf(v) for v in values):
        bad = next(v for v in fields if not _is_value(v))
        raise ValueError(
            f"{where}: values must be finite numbers (empty or NaN if missing). Got {_short(bad)}."
        )
    return key, t, values


def _is_value(text):
    """Whether a CSV field is a finite number, empty or NaN."""
    try:
        return not math.isinf(float(text)) if text.strip() else True
    except ValueError:
        return False


def stream_csv(pipeline, lines, out, *, frame_rate=None, rates=None, chunk_seconds=0.5):
    """Label samples read as CSV lines with a fitted pipeline; write one line per frame.

    Every input line is one sample of one modality: ``modality,time,v1,...,vn``, with
    ``time`` in seconds on the reference clock and the modality's ``n_nodes * n_channels``
    values node by node (``node0_ch0, node0_ch1, ..., node1_ch0, ...``), empty or ``NaN``
    where missing. A first line starting with ``modality,time`` is a header and skipped
    (spaces and capitals allowed); a byte-order mark before the first line is ignored.
    The times of each modality must increase strictly from line to line. Samples are passed
    to :class:`SegmentationStream` every ``chunk_seconds`` of stream time; every completed
    frame is written at once as ``frame,time,label,confidence``.

    Parameters
    ----------
    pipeline : SegmentationPipeline
        A fitted pipeline with a causal segmenter (see :class:`SegmentationStream`).
    lines : iterable of str
        The input, e.g. ``sys.stdin`` or an open file.
    out : file-like
        Where the frames go (flushed after every chunk).
    frame_rate : float, default=None
        Reference frame rate in Hz; None: that of the training recordings.
    rates : dict of str to float, default=None
        Nominal rate in Hz of modalities that differ from the training recordings; the
        others keep the rate learned in fit (see :class:`SegmentationStream`).
    chunk_seconds : float, default=0.5
        Stream time between two calls of ``partial_predict``, in seconds (> 0).

    Returns
    -------
    n_frames : int
        Number of frames written. Their ``time`` is on the input's clock: the earliest
        first time of the modalities plus ``frame / frame_rate``.

    Raises
    ------
    ValueError
        For a malformed line, naming it (``line N: ...``), and for a bad ``chunk_seconds``.

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from stgraph_sklearn.data import Modality, Recording
    >>> from stgraph_sklearn.estimators import MSTCNSegmenter
    >>> from stgraph_sklearn.pipeline import make_segmentation_pipeline
    >>> from stgraph_sklearn.streaming import stream_csv
    >>> rng = np.random.RandomState(0)
    >>> recs = [Recording({"acc": Modality(rng.randn(40, 2, 1), rate=20.0)}, frame_rate=10.0)
    ...         for _ in range(2)]
    >>> seg = MSTCNSegmenter(hidden_channels=4, n_stages=1, n_layers=2, max_epochs=1,
    ...                      lookahead=0, random_state=0)
    >>> model = make_segmentation_pipeline(seg, k=1).fit(recs, [np.repeat([0, 1], 10)] * 2)
    >>> lines = [f"acc,{i / 20},{x:.3f},{z:.3f}" for i, (x, z) in enumerate(rng.randn(40, 2))]
    >>> out = io.StringIO()
    >>> stream_csv(model, lines, out)  # the training recordings' 10 fps and 20 Hz
    20
    >>> out.getvalue().splitlines()[0]
    'frame,time,label,confidence'
    """
    if not is_positive_number(chunk_seconds):
        raise ValueError(
            "The 'chunk_seconds' parameter of stream_csv must be a positive, finite number of "
            f"seconds. Got {chunk_seconds!r} instead."
        )
    stream = pipeline.stream(frame_rate=frame_rate, rates=rates)
    layout = stream.modalities_
    widths = {k: n * c for k, (n, c) in layout.items()}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["frame", "time", "label", "confidence"])
    pending = {k: ([], []) for k in widths}
    previous = {}  # modality -> (time, line number) of its last sample
    started, n_written = None, 0

    def flush(table):
        nonlocal n_written
        proba = table.filter(like="proba_").to_numpy()
        for (frame, t, label), p in zip(
            table[["frame", "time", "label"]].itertuples(index=False), proba, strict=True
        ):
            writer.writerow([frame, f"{t:.4f}", label, f"{p.max():.4f}"])
        n_written += len(table)
        out.flush()

    def send():
        chunk = {}
        for key, (times, values) in pending.items():
            if times:
                n, c = layout[key]
                chunk[key] = (np.asarray(times), np.asarray(values).reshape(-1, n, c))
        for times, values in pending.values():
            times.clear()
            values.clear()
        flush(stream.partial_predict(chunk))

    first = True  # the first non-blank line may be a header
    for lineno, line in enumerate(lines, start=1):
        row = _row(line, lineno)
        if not row or not "".join(row).strip():
            continue
        if first:
            first = False
            row[0] = row[0].lstrip("\ufeff")  # a byte-order mark, on a header line or not
            # as spreadsheets write a header: spaces after the commas, capitals
            if [c.strip().lower() for c in row[:2]] == ["modality", "time"]:
                continue
        key, t, values = _parse(row, lineno, widths)
        if key in previous and t <= previous[key][0]:
            last, last_line = previous[key]
            raise ValueError(
                f"line {lineno}: modality {key!r} at {row[1].strip()!r} s is not after its "
                f"previous sample at {last!r} s (line {last_line}); the times of each "
                "modality must increase strictly."
            )
        previous[key] = (t, lineno)
        pending[key][0].append(t)
        pending[key][1].append(values)
        started = t if started is None else started
        if t - started >= chunk_seconds:
            send()
            started = None
    send()
    flush(stream.close())
    return n_written
