"""The benchmark scripts' ``--quick`` modes run and write parseable results (slow).

No score thresholds: these check that every script runs end to end on every segmenter and
that its CSV and markdown outputs exist and hold what they claim. Each runs in a fresh
interpreter with a non-interactive matplotlib backend, writing to a scratch folder.
"""

import ast
import importlib.util
import os
import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
MODELS = {"AdaptiveGraphSegmenter", "STGCNSegmenter", "MSTCNSegmenter", "FrameClassifierSegmenter"}
TIMEOUT_S = 3600  # --quick is meant to take minutes; this only catches a hang (shared machines)


def run_script(script, tmp_path, *args, env=None, timeout=TIMEOUT_S):
    """Run ``benchmarks/<script> args`` in a fresh interpreter in ``tmp_path``; its process.

    The environment is this one's with a non-interactive matplotlib backend, plus ``env``.
    """
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *map(str, args)],
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def run_quick(script, tmp_path):
    run_script(script, tmp_path, "--quick", "--results-dir", tmp_path)
    name = script.removesuffix(".py")
    rows = pd.read_csv(tmp_path / f"{name}_quick.csv")
    markdown = (tmp_path / f"{name}_quick.md").read_text()
    assert set(rows["model"]) == MODELS
    assert set(rows["dataset"]) == {"kitchen", "basicmotions"}
    assert set(rows["seed"]) >= {0}
    for model in MODELS:
        assert f"| {model}" in markdown or f" {model} |" in markdown
    assert "Command: `python" in markdown and "Machine:" in markdown
    return rows, markdown


@pytest.mark.slow
def test_learning_curve_quick(tmp_path):
    rows, markdown = run_quick("learning_curve.py", tmp_path)
    assert set(rows["fraction"]) == {0.1, 0.25, 0.5, 1.0}
    assert rows[["accuracy", "edit", "f1@50"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (rows.groupby(["dataset", "seed"])["n_train"].min() >= 1).all()
    assert (tmp_path / "learning_curve_quick.png").stat().st_size > 0
    assert "F1@50 at 25 % over F1@50 at 100 %" in markdown


@pytest.mark.slow
def test_robustness_quick(tmp_path):
    rows, markdown = run_quick("robustness.py", tmp_path)
    kitchen = set(rows.loc[rows["dataset"] == "kitchen", "condition"])
    assert kitchen == {
        "clean",
        "missing_1",
        "missing_3",
        "missing_5",
        "clock_drift",
        "noise",
        "drop_accel",
        "drop_video",
    }
    two_sensors = set(rows.loc[rows["dataset"] == "basicmotions", "condition"])
    assert two_sensors == {"clean", "missing_1", "clock_drift", "noise"}
    assert rows[["accuracy", "edit", "f1@50"]].apply(lambda c: c.between(0, 1)).all().all()
    assert "points lost against clean" in markdown
    assert (tmp_path / "robustness_quick.png").stat().st_size > 0


@pytest.mark.slow
def test_cost_quick(tmp_path):
    rows, markdown = run_quick("cost.py", tmp_path)
    assert set(rows["threads"]) == {1, 2}
    for col in ("fit_s", "train_fps", "infer_fps", "e2e_fps", "peak_mib"):
        assert (rows[col] > 0).all(), col
    neural = rows[rows["model"] != "FrameClassifierSegmenter"]
    assert neural["to_final_s"].notna().all()  # the quick data leave a validation split
    assert (neural["to_final_s"] <= neural["fit_s"]).all()
    assert (neural["epoch_reached"] <= neural["epochs"]).all()
    assert "AdaptiveGraphSegmenter / MSTCNSegmenter" in markdown


@pytest.mark.slow
def test_larger_than_memory_quick(tmp_path):
    args = ("--quick", "--results-dir", tmp_path)
    run_script("larger_than_memory.py", tmp_path, *args, env={"OMP_NUM_THREADS": "1"})
    text = (tmp_path / "larger_than_memory_quick.txt").read_text()
    rows = [line.split() for line in text.splitlines() if not line.startswith("#")]
    assert [r[0] for r in rows] == ["eager", "lazy", "lazy"]
    for row in rows:
        peaks = [float(v) for v in row[5:8]]
        assert all(0 < p < 64 for p in peaks)
        assert 0 <= float(row[10]) <= 1
    assert "within the 0.75 GiB budget" in text


@pytest.mark.slow
def test_inference_routes_quick(tmp_path):
    """Check that inference.py --routes times both routes of every layer and network."""
    proc = run_script("inference.py", tmp_path, "--routes", "--quick")
    rows = [line.split() for line in proc.stdout.splitlines()[2:]]
    names = [row[0] for row in rows]
    assert names == [
        "DilatedResidualLayer(64,",
        "DilatedResidualLayer(64,",
        "DilatedResidualLayer(64,",
        "NodeTemporalConv(32,",
        "MaskedGraphConv(32,",
        "SpatioTemporalBlock(32)",
        "AdaptiveGraphSegmenter",
        "MSTCNSegmenter",
        "AdaptiveGraphSegmenter",
        "MSTCNSegmenter",
    ]
    for row in rows:  # frames, training ms, inference ms, speed-up
        assert row[-4] == "600" and float(row[-3]) > 0 and float(row[-2]) > 0
        assert row[-1].endswith("x")


def test_learning_curve_from_csv_reproduces_the_merged_tables(tmp_path):
    """Check that --from-csv on the per-seed rows of the committed medium run gives its tables.

    No training: the per-seed CSVs that the committed ``learning_curve_medium.md`` names on
    its "Rows from" line are summarised again, and every table row of that file must come
    out the same.
    """
    results = BENCHMARKS / "results"
    committed = (results / "learning_curve_medium.md").read_text()
    rows_from = next(line for line in committed.splitlines() if line.startswith("Rows from:"))
    parts = [results / name for name in re.findall(r"`([^`]+\.csv)`", rows_from)]
    assert len(parts) >= 3 and all(p.is_file() for p in parts)
    args = ["--from-csv", *parts, "--tag", "merged", "--results-dir", tmp_path]
    run_script("learning_curve.py", tmp_path, *args, timeout=600)
    merged = pd.read_csv(tmp_path / "learning_curve_merged.csv")
    per_seed = [pd.read_csv(p) for p in parts]
    assert len(merged) == sum(len(rows) for rows in per_seed)
    seeds = sorted(set().union(*(rows["seed"] for rows in per_seed)))
    assert sorted(set(merged["seed"])) == seeds
    markdown = (tmp_path / "learning_curve_merged.md").read_text()
    assert f"Seeds {seeds}" in markdown
    table_rows = [line for line in committed.splitlines() if line.startswith("| kitchen")]
    assert table_rows and all(line in markdown for line in table_rows)


@pytest.mark.slow
def test_online_latency_quick(tmp_path):
    """Check that online.py's latency part runs and that the streamed labels equal predict's."""
    args = ("--quick", "--skip-accuracy", "--latency-runs", "2", "--tag", "scratch")
    proc = run_script("online.py", tmp_path, *args, "--results-dir", tmp_path)
    lines = dict(line.split(None, 1) for line in proc.stdout.splitlines() if line.count(" ") >= 1)
    assert lines["identical"].strip() == "True"
    assert int(lines["runs"]) == 2 and int(lines["chunks"]) == 2 * 55
    assert len(lines["p99_ms_per_run"].split()) == 2
    assert float(lines["p99_ms"]) >= float(lines["median_ms"]) > 0
    assert "identical" in (tmp_path / "online_scratch.txt").read_text()
    assert lines["gc_freeze"].strip() == "True" and float(lines["full_gc_ms"]) >= 0
    args = ("--quick", "--skip-accuracy", "--latency-seconds", "20", "--no-gc-freeze")
    proc = run_script("online.py", tmp_path, *args, "--results-dir", tmp_path, "--tag", "short")
    lines = dict(line.split(None, 1) for line in proc.stdout.splitlines() if line.count(" ") >= 1)
    assert lines["gc_freeze"].strip() == "False" and int(lines["chunks"]) < 30


def _write_hapt(root, n_users=4, seconds=40, seed=0):
    """A random release in the UCI HAPT layout: one experiment per user, 50 Hz, 3 activities."""
    rng = np.random.RandomState(seed)
    raw = root / "RawData"
    raw.mkdir(parents=True)
    (root / "activity_labels.txt").write_text("1 WALKING\n2 SITTING\n3 STANDING\n")
    labels, n = [], 50 * seconds
    for user in range(1, n_users + 1):
        for sensor in ("acc", "gyro"):
            rows = rng.randn(n, 3) + (sensor == "acc")
            text = "".join(" ".join(f"{v:.6e}" for v in row) + "\n" for row in rows)
            (raw / f"{sensor}_exp{user:02d}_user{user:02d}.txt").write_text(text)
        bounds = np.linspace(1, n, 4).astype(int)
        for act, (a, b) in enumerate(pairwise(bounds), start=1):
            labels.append(f"{user} {user} {act} {a} {b - 1}\n")
    (raw / "labels.txt").write_text("".join(labels))
    return root


def _write_50salads(root):
    """The tiny 50 Salads release of the loader's tests (3 trials of 2 subjects)."""
    path = Path(__file__).parent / "datasets" / "test_load_50salads.py"
    spec = importlib.util.spec_from_file_location("_salads_release", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write_release(root)


def _write_mstcn_bundle(root, n_videos=3, seed=0):
    """A random bundle in the MS-TCN layout (features, groundTruth, mapping, split 1)."""
    rng = np.random.RandomState(seed)
    for sub in ("features", "groundTruth", "splits"):
        (root / sub).mkdir(parents=True)
    (root / "mapping.txt").write_text("0 idle\n1 cut\n")
    names = [f"vid{i}" for i in range(n_videos)]
    for name in names:
        labels = np.repeat(["idle", "cut"], 40)
        np.save(root / "features" / f"{name}.npy", rng.randn(6, 80) + (labels == "cut") * 2.0)
        (root / "groundTruth" / f"{name}.txt").write_text("\n".join(labels) + "\n")
    for subset, part in (("train", names[:-1]), ("test", names[-1:])):
        (root / "splits" / f"{subset}.split1.bundle").write_text(
            "".join(f"{n}.txt\n" for n in part)
        )
    return root


@pytest.mark.slow
def test_online_accuracy_on_the_real_data_layouts(tmp_path):
    """Check that online.py scores causal models with a look-ahead on HAPT, 50 Salads and
    MS-TCN bundle layouts."""
    hapt, salads = _write_hapt(tmp_path / "HAPT"), _write_50salads(tmp_path / "50salads")
    bundle = _write_mstcn_bundle(tmp_path / "bundle")
    args = ("--quick", "--skip-latency", "--folds", "0", "--seeds", "--uci-har-root", hapt)
    args += ("--salads-root", salads, "--mstcn-root", bundle, "--real-folds", "1")
    args += ("--lookaheads", "0", "3")
    args += ("--skip-offline", "--tag", "real", "--results-dir", tmp_path)
    proc = run_script("online.py", tmp_path, *args)
    text = (tmp_path / "online_real.txt").read_text()
    assert proc.stdout.strip() == text.strip()
    models = ["graph causal", "graph lookahead 3", "MS-TCN causal", "MS-TCN lookahead 3"]
    for dataset in ("MS-TCN bundle", "HAPT", "50 Salads"):
        rows = [line for line in text.splitlines() if line.startswith(f"{{'dataset': '{dataset}'")]
        # the rows are printed dicts
        assert [ast.literal_eval(line)["model"] for line in rows] == models
    assert "1 fold(s) each of the MS-TCN bundle, HAPT, 50 Salads" in text


@pytest.mark.slow
def test_model_search_runs_its_graph_variants(tmp_path):
    """Check that model_search.py fits and scores the variants that replace parts of the graph
    network (aggregation, sensor-dropout placement and spans, block dropout, node embedding,
    pooled stages, strided stages or refinement stages, depthwise temporal layers, unshared
    refinement stages) beside MS-TCN."""
    names = ["sd-zerofill", "sd-late", "sd-spans4", "sd-spans-mix", "sd-bd0", "sd-noemb"]
    names += ["sd-pool2", "sd-stride2", "sd-refstride2", "sd-sepref", "sd-sep", "sd-noshare"]
    names += ["mstcn"]
    args = ["--protocol", "basic_motions", "--fraction", "0.1", "--epochs", "1", "--seeds", "0"]
    run_script("model_search.py", tmp_path, *args, "--candidates", *names, "--out", "rows.csv")
    rows = pd.read_csv(tmp_path / "rows.csv")
    assert list(rows["candidate"]) == names
    assert rows["f1@50"].between(0, 100).all() and (rows["n_train"] == 2).all()
    params = rows.set_index("candidate")["params"]
    # depthwise layers in the refinement stages, then in all four: fewer weights each time
    assert params["sd-sep"] < params["sd-sepref"] < params["sd-bd0"] < params["mstcn"]
    assert params["sd-noshare"] > params["sd-bd0"]  # a weight set per refinement stage
    # striding the stages keeps every weight
    assert params["sd-stride2"] == params["sd-refstride2"] == params["sd-bd0"]
