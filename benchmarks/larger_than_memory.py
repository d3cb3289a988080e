"""Peak memory of training and predicting on a memory-mapped data set larger than a memory budget.

A data set of multimodal recordings (10 accelerometer nodes x 3 axes at 50 Hz and a 64-d video
feature stream at 30 fps, float32, 4 actions of 20 s with action-specific signal) is written
to disk as ``.npy`` files, one pair per recording, plus the frame labels. Each measurement
runs in a fresh Python process, so one peak never hides another:

- **lazy**: the recordings are opened with ``np.load(..., mmap_mode="r")``, so the transformers
  and the segmenter read and compute them one at a time
  (:class:`~stgraph_sklearn.data.LazyValues`);
- **eager**: the same files read into memory (``np.load`` without ``mmap_mode``), for contrast,
  on smaller sizes.

In each process, the default pipeline (:func:`~stgraph_sklearn.pipeline.
make_segmentation_pipeline`: ModalityAligner -> NodeFeatureExtractor -> SequenceScaler ->
SensorGraphBuilder(correlation) -> :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter`,
small architecture, one epoch, ``crop_length`` frames per training crop, ``chunk_size`` for
prediction) is fitted, then predicts every recording. The peak resident set size (``VmHWM``,
reset before each step through ``/proc/self/clear_refs``, Linux) of ``fit`` and of
``predict``, and the process's peak over its whole life (``ru_maxrss``, everything included:
Python, torch, the labels, the predictions) are reported against the size of the data set on
disk and a fixed memory budget.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/larger_than_memory.py           # lazy up to 2.25 GiB
    OMP_NUM_THREADS=1 python benchmarks/larger_than_memory.py --quick   # a smoke run (~2 min)

The data set is written under ``--data-dir`` (default: a temporary folder, removed at the end).
Results go to ``benchmarks/results/larger_than_memory[_quick].txt`` (``--results-dir``) and
are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the recordings of memory.py (which runs as a sibling script: benchmarks/ is on sys.path)
from memory import ACC_RATE, FPS, GIB, N_ACC, VIDEO_DIM, _reset_peak, _status_kib


def recording_bytes(minutes):
    """Bytes on disk of the values of one recording (both modalities, float32)."""
    n_frames = int(minutes * 60 * FPS)
    n_acc = int(minutes * 60 * ACC_RATE)
    return 4 * (n_acc * N_ACC * 3 + n_frames * VIDEO_DIM)


def write_dataset(folder, n_recordings, minutes):
    """Write ``n_recordings`` recordings of ``minutes`` each (``acc_i.npy``, ``video_i.npy``,
    ``labels_i.npy``), one at a time; returns the bytes of values written."""
    import numpy as np

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_frames = int(minutes * 60 * FPS)
    n_acc = int(minutes * 60 * ACC_RATE)
    total = 0
    for i in range(n_recordings):
        if (folder / f"labels_{i}.npy").exists():  # written by an earlier, smaller size
            total += recording_bytes(minutes)
            continue
        rng = np.random.default_rng(i)
        shift = int(rng.integers(0, 20 * FPS))
        labels = (((np.arange(n_frames) + shift) // int(20 * FPS)) % 4).astype(np.int8)
        acc = rng.standard_normal((n_acc, N_ACC, 3), dtype=np.float32)
        acc_labels = labels[
            np.minimum((np.arange(n_acc) * FPS / ACC_RATE).astype(int), n_frames - 1)
        ]
        acc[acc_labels == 1, :3] += 1.0
        acc[acc_labels == 3, 3:6] *= 3.0
        video = rng.standard_normal((n_frames, VIDEO_DIM), dtype=np.float32)
        video[labels == 2, :8] += 1.0
        np.save(folder / f"acc_{i}.npy", acc)
        np.save(folder / f"video_{i}.npy", video)
        np.save(folder / f"labels_{i}.npy", labels)  # last: marks the recording complete
        total += acc.nbytes + video.nbytes
    return total


def load_dataset(folder, n_recordings, lazy):
    """The recordings (memory-mapped if ``lazy``) and their labels."""
    import numpy as np

    from stgraph_sklearn.data import Modality, Recording

    mmap_mode = "r" if lazy else None
    X, y = [], []
    for i in range(n_recordings):
        acc = np.load(Path(folder) / f"acc_{i}.npy", mmap_mode=mmap_mode)
        video = np.load(Path(folder) / f"video_{i}.npy", mmap_mode=mmap_mode)
        labels = np.load(Path(folder) / f"labels_{i}.npy")
        X.append(
            Recording(
                {"accel": Modality(acc, rate=ACC_RATE), "video": Modality(video, rate=FPS)},
                FPS,
                n_frames=labels.size,
                name=f"rec{i}",
            )
        )
        y.append(labels)
    return X, y


def child(args):
    """Fit and predict in this process; print the measurements as JSON."""
    import numpy as np
    import torch

    from stgraph_sklearn.estimators import AdaptiveGraphSegmenter
    from stgraph_sklearn.pipeline import make_segmentation_pipeline

    torch.set_num_threads(1)
    X, y = load_dataset(args.data_dir, args.n_recordings, args.mode == "lazy")
    segmenter = AdaptiveGraphSegmenter(
        hidden_channels=16,
        n_stages=2,
        n_layers=6,
        max_epochs=1,
        validation_fraction=0.0,
        crop_length=args.crop_length,
        chunk_size=args.chunk_size,
        random_state=0,
    )
    model = make_segmentation_pipeline(segmenter)
    rss_start = _status_kib("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t0
    fit_peak = _status_kib("VmHWM")
    _reset_peak()
    t0 = time.perf_counter()
    pred = model.predict(X)
    predict_s = time.perf_counter() - t0
    predict_peak = _status_kib("VmHWM")
    correct = sum(int((p == t).sum()) for p, t in zip(pred, y, strict=True))
    n_frames = sum(t.size for t in y)
    out = {
        "mode": args.mode,
        "n_recordings": args.n_recordings,
        "hours": n_frames / FPS / 3600,
        "n_frames": int(n_frames),
        "rss_start_gib": rss_start * 1024 / GIB,
        "fit_peak_gib": fit_peak * 1024 / GIB,
        "predict_peak_gib": predict_peak * 1024 / GIB,
        "process_peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB,
        "fit_s": fit_s,
        "predict_s": predict_s,
        "train_accuracy": correct / n_frames,
    }
    print("RESULT " + json.dumps(out), flush=True)
    del np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--budget-gib", type=float, default=0.75, help="the memory budget")
    parser.add_argument(
        "--sizes", type=float, nargs="+", help="data set sizes (GiB) of the lazy runs"
    )
    parser.add_argument(
        "--eager-sizes", type=float, nargs="+", help="data set sizes (GiB) of the eager runs"
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of a recording")
    parser.add_argument("--crop-length", type=int, default=1024)
    parser.add_argument("--chunk-size", type=int, default=8192)
    parser.add_argument("--data-dir", help="where to write the data set (kept if given)")
    parser.add_argument(
        "--results-dir", default=str(Path(__file__).parent / "results"), help="output folder"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["lazy", "eager"], help=argparse.SUPPRESS)
    parser.add_argument("--n-recordings", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    sizes = args.sizes or ([0.02, 0.06] if args.quick else [0.25, 1.0, 2.25])
    eager_sizes = args.eager_sizes or ([0.02] if args.quick else [0.25, 0.5])
    if args.quick and args.minutes == 10.0:
        args.minutes = 2.0
    per_recording = recording_bytes(args.minutes)
    runs = [("eager", s) for s in eager_sizes] + [("lazy", s) for s in sizes]
    counts = {s: max(2, round(s * GIB / per_recording)) for _, s in runs}
    folder = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="ltm_"))
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    rows = []
    try:
        t0 = time.perf_counter()
        written = write_dataset(folder, max(counts.values()), args.minutes)
        print(f"wrote {written / GIB:.2f} GiB to {folder} in {time.perf_counter() - t0:.0f} s")
        for mode, size in runs:
            n = counts[size]
            cmd = [sys.executable, __file__, "--child", "--mode", mode, "--n-recordings", str(n)]
            cmd += ["--data-dir", str(folder), "--crop-length", str(args.crop_length)]
            cmd += ["--chunk-size", str(args.chunk_size)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
            if out.returncode or not lines:
                sys.exit(f"{mode} {size} GiB failed:\n{out.stderr[-3000:]}")
            row = json.loads(lines[0][7:])
            row["data_gib"] = n * per_recording / GIB
            rows.append(row)
            print(
                f"{mode:5s} {row['data_gib']:6.2f} GiB ({n} recordings, {row['hours']:.1f} h)  "
                f"fit peak {row['fit_peak_gib']:.3f} GiB  predict peak "
                f"{row['predict_peak_gib']:.3f} GiB  process peak {row['process_peak_gib']:.3f} "
                f"GiB  fit {row['fit_s']:.0f} s  predict {row['predict_s']:.0f} s",
                flush=True,
            )
    finally:
        if not args.data_dir:
            shutil.rmtree(folder, ignore_errors=True)
    budget = args.budget_gib
    lines = [
        "# benchmarks/larger_than_memory.py" + (" --quick" if args.quick else ""),
        f"# default pipeline, AdaptiveGraphSegmenter(hidden_channels=16, n_stages=2, n_layers=6, "
        f"max_epochs=1, crop_length={args.crop_length}, chunk_size={args.chunk_size}); "
        f"recordings of {args.minutes:g} min (10 accelerometers x 3 at 50 Hz + 64-d video at "
        f"30 fps, float32); OMP_NUM_THREADS={env['OMP_NUM_THREADS']}, one torch thread",
        f"# memory budget {budget:g} GiB; peaks are resident set sizes of the whole process",
        "# mode   data_GiB  x_budget  recordings  hours  fit_peak_GiB  predict_peak_GiB  "
        "process_peak_GiB  fit_s  predict_s  train_acc",
    ]
    for r in rows:
        lines.append(
            f"{r['mode']:6s} {r['data_gib']:9.2f} {r['data_gib'] / budget:9.2f} "
            f"{r['n_recordings']:11d} {r['hours']:6.1f} {r['fit_peak_gib']:13.3f} "
            f"{r['predict_peak_gib']:17.3f} {r['process_peak_gib']:17.3f} {r['fit_s']:6.0f} "
            f"{r['predict_s']:10.0f} {r['train_accuracy']:10.3f}"
        )
    lazy = [r for r in rows if r["mode"] == "lazy"]
    if len(lazy) > 1:
        first, last = lazy[0], lazy[-1]
        lines.append(
            f"# lazy: data x{last['data_gib'] / first['data_gib']:.1f}, process peak "
            f"x{last['process_peak_gib'] / first['process_peak_gib']:.2f}; largest data set "
            f"{last['data_gib'] / last['process_peak_gib']:.1f}x its process peak"
        )
    within = all(r["process_peak_gib"] <= budget for r in lazy)
    lines.append(f"# every lazy run within the {budget:g} GiB budget: {within}")
    text = "\n".join(lines) + "\n"
    print(text)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    (results / f"larger_than_memory{'_quick' if args.quick else ''}.txt").write_text(text)


if __name__ == "__main__":
    main()
