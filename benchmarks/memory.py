"""Peak memory of training with temporal crops and of chunked prediction on long recordings.

For recordings of 10 minutes, 1 hour and 4 hours at 30 fps (10 accelerometer nodes at 50 Hz
and a 64-d video stream), each measurement runs in a fresh Python process, so one peak never
hides another:

1. The recording is generated at its native rates (float32), the accelerometers are
   resampled onto the 30 fps frame timeline by :class:`~stgraph_sklearn.transformers.
   ModalityAligner`, and the raw recording is dropped.
2. The peak resident set size is reset (``/proc/self/clear_refs``, Linux) and one step is
   measured: ``fit`` of :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter` (default
   architecture) with ``crop_length`` frames per training crop, or ``predict`` of a fitted
   model with ``chunk_size``. The aligned recording stays in memory throughout, so the
   **input is included** in the figures, as is everything the process holds (torch itself).

Reported per duration and step: the peak RSS of the step (``VmHWM``), the process's peak
over its whole life (generation and alignment included, ``ru_maxrss``), the input size, and
the wall time. Targets (from the scaling issue): 1-h prediction under 1.5 GiB; the 4-h peak
within 1.3x of the 1-h one.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/memory.py            # 10 min, 1 h, 4 h
    OMP_NUM_THREADS=1 python benchmarks/memory.py --quick    # 1, 6, 24 min: a smoke run

Results go to ``benchmarks/results/memory[_quick].txt`` (and are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GIB = 1024**3
FPS, ACC_RATE, N_ACC, VIDEO_DIM = 30.0, 50.0, 10, 64


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _make_recording(minutes, seed):
    import numpy as np

    from stgraph_sklearn.data import Modality, Recording

    rng = np.random.default_rng(seed)
    n_frames = int(minutes * 60 * FPS)
    n_acc = int(minutes * 60 * ACC_RATE)
    acc = rng.standard_normal((n_acc, N_ACC, 3), dtype=np.float32)
    video = rng.standard_normal((n_frames, VIDEO_DIM), dtype=np.float32)
    labels = (np.arange(n_frames) // int(20 * FPS)) % 4  # 20-s actions, 4 classes
    acc[np.repeat(labels, 5)[::3][:n_acc] == 1, :3] += 1.0
    video[labels == 2, :8] += 1.0
    rec = Recording(
        {"accel": Modality(acc, rate=ACC_RATE), "video": Modality(video, rate=FPS)},
        frame_rate=FPS,
        n_frames=n_frames,
    )
    return rec, labels


def _model(args, **params):
    from stgraph_sklearn.estimators import AdaptiveGraphSegmenter

    return AdaptiveGraphSegmenter(
        max_epochs=1,
        validation_fraction=0.0,
        crop_length=args.crop_length,
        chunk_size=args.chunk_size,
        random_state=0,
        **params,
    )


def child(args):
    """Run one measurement in this process and print it as JSON."""
    import numpy as np
    import torch

    from stgraph_sklearn.transformers import ModalityAligner

    torch.set_num_threads(1)
    rec, labels = _make_recording(args.minutes, seed=0)
    (aligned,) = ModalityAligner().fit_transform([rec])
    del rec
    input_bytes = sum(m.values.nbytes for m in aligned.modalities.values()) + labels.nbytes
    if args.step == "predict":
        # fit on a short recording (fitting is measured separately), then predict the long one
        short, short_y = _make_recording(2.0, seed=1)
        model = _model(args).fit(ModalityAligner().fit_transform([short]), [short_y])
        del short, short_y
    _reset_peak()
    rss_before = _status_kib("VmRSS")
    t0 = time.perf_counter()
    if args.step == "fit":
        model = _model(args).fit([aligned], [labels])
        assert model.receptive_field_ > 1
    else:
        (pred,) = model.predict([aligned])
        assert pred.shape == (aligned.n_frames,)
    wall = time.perf_counter() - t0
    out = {
        "minutes": args.minutes,
        "step": args.step,
        "n_frames": int(aligned.n_frames),
        "input_gib": input_bytes / GIB,
        "rss_before_gib": rss_before * 1024 / GIB,
        "step_peak_gib": _status_kib("VmHWM") * 1024 / GIB,
        "process_peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB,
        "wall_s": wall,
        "receptive_field": int(model.receptive_field_),
        "crop_length": args.crop_length,
        "chunk_size": args.chunk_size,
    }
    print("RESULT " + json.dumps(out), flush=True)
    del np


def _results_folder(text):
    """An argparse ``type``: a folder (``~`` expanded), not a file, checked before the run."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1, 6 and 24 minutes")
    parser.add_argument(
        "--results-dir",
        type=_results_folder,
        default=Path(__file__).parent / "results",
        help="folder for memory[_quick].txt (default: benchmarks/results)",
    )
    parser.add_argument("--crop-length", type=int, default=4096)
    parser.add_argument("--chunk-size", type=int, default=16384)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--minutes", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--step", choices=["fit", "predict"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    durations = [1.0, 6.0, 24.0] if args.quick else [10.0, 60.0, 240.0]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    rows = []
    for step in ("fit", "predict"):
        for minutes in durations:
            cmd = [sys.executable, __file__, "--child", "--minutes", str(minutes), "--step", step]
            cmd += ["--crop-length", str(args.crop_length), "--chunk-size", str(args.chunk_size)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
            if out.returncode or not lines:
                sys.exit(f"{step} {minutes} min failed:\n{out.stderr[-3000:]}")
            row = json.loads(lines[0][7:])
            rows.append(row)
            print(
                f"{step:8s} {minutes:6.0f} min  {row['n_frames']:7d} frames  input "
                f"{row['input_gib']:.3f} GiB  step peak {row['step_peak_gib']:.3f} GiB  "
                f"process peak {row['process_peak_gib']:.3f} GiB  {row['wall_s']:.1f} s",
                flush=True,
            )
    lines = [
        "# benchmarks/memory.py" + (" --quick" if args.quick else ""),
        f"# AdaptiveGraphSegmenter defaults, crop_length={args.crop_length}, "
        f"chunk_size={args.chunk_size}, receptive field {rows[0]['receptive_field']} frames; "
        f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']}, one torch thread",
        "# step  minutes  n_frames  input_GiB  step_peak_GiB  process_peak_GiB  wall_s",
    ]
    for r in rows:
        lines.append(
            f"{r['step']:8s} {r['minutes']:6.0f} {r['n_frames']:8d} {r['input_gib']:9.3f} "
            f"{r['step_peak_gib']:13.3f} {r['process_peak_gib']:16.3f} {r['wall_s']:7.1f}"
        )
    for step in ("fit", "predict"):
        peaks = {r["minutes"]: r["step_peak_gib"] for r in rows if r["step"] == step}
        mid, last = durations[1], durations[2]
        lines.append(
            f"# {step}: peak {last:.0f} min / peak {mid:.0f} min = {peaks[last] / peaks[mid]:.2f}"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    results = args.results_dir
    results.mkdir(parents=True, exist_ok=True)
    (results / f"memory{'_quick' if args.quick else ''}.txt").write_text(text)


if __name__ == "__main__":
    main()
