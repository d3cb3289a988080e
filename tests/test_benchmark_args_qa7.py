"""The benchmark scripts' options do what their help says, and bad values stop at parsing.

No training: each test calls a script's ``main`` with the work it would start (``run``,
fitting, timing, interpreters) replaced by a stub that fails the test if it is reached.
"""

import importlib
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RESULTS = BENCHMARKS / "results"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load(name):
    sys.path.insert(0, str(BENCHMARKS))  # the scripts import _common and each other by name
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def scripts():
    names = ["cost", "learning_curve", "robustness", "inference", "model_search", "online"]
    names += ["sparse_crossover", "import_time", "graph_ablation", "basic_motions"]
    return {name: _load(name) for name in names}


def _refuse_work(monkeypatch, module, *names):
    """Replace ``module``'s functions ``names`` by stubs that fail the test when called."""

    def ran(*args, **kwargs):
        raise AssertionError(f"{module.__name__} started its work instead of refusing")

    for name in names:
        monkeypatch.setattr(module, name, ran)


def _refused(main, argv, capsys):
    """The stderr of ``main(argv)``, which must stop as an argparse error (exit code 2)."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    assert exc.value.code == 2
    return capsys.readouterr().err


def _tables(markdown):
    return [line for line in markdown.splitlines() if line.startswith("|")]


# ---- F01: cost.py --from-csv ------------------------------------------------------------------


def test_cost_from_csv_summarises_without_running(scripts, monkeypatch, tmp_path):
    """Check that cost.py --from-csv summarises the given rows and trains nothing (it ignored
    the option and started the full protocol, 48 training processes)."""
    cost = scripts["cost"]
    _refuse_work(monkeypatch, cost, "run")
    committed = RESULTS / "cost_idle_quick_3seeds.csv"
    argv = ["--from-csv", committed, "--tag", "merged", "--results-dir", tmp_path]
    df = cost.main([str(a) for a in argv])
    assert len(df) == len(pd.read_csv(committed))
    markdown = (tmp_path / "cost_merged.md").read_text()
    assert "Seeds [0, 1, 2]" in markdown and "Rows from: `cost_idle_quick_3seeds.csv`" in markdown
    expected = _tables((RESULTS / "cost_idle_quick_3seeds.md").read_text())
    assert expected and _tables(markdown) == expected


@pytest.mark.parametrize(
    "script, other",
    [
        ("cost", "robustness_quick.csv"),
        ("learning_curve", "robustness_quick.csv"),
        ("robustness", "learning_curve_quick.csv"),
    ],
)
def test_from_csv_checks_its_files(scripts, script, other, monkeypatch, tmp_path, capsys):
    """Check that --from-csv refuses a missing file and another script's CSV at parsing (a
    raw FileNotFoundError or KeyError from pandas; cost.py started training)."""
    module = scripts[script]
    _refuse_work(monkeypatch, module, "run")
    out = ["--results-dir", tmp_path]
    err = _refused(module.main, ["--from-csv", tmp_path / "no.csv", *out], capsys)
    assert "argument --from-csv: no such file:" in err
    err = _refused(module.main, ["--from-csv", RESULTS / other, *out], capsys)
    assert re.search(rf"argument --from-csv: .*{other} is not a CSV of this script's raw", err)


# ---- F02: inference.py ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--threads", "0", "--frames", "0"], r"--threads: expected a value in \[1, inf\), got 0"),
        (["--threads", "-1"], r"--threads: expected a value in \[1, inf\), got -1"),
        (["--frames", "0"], r"--frames: expected a value in \[1, inf\), got 0"),
    ],
)
def test_inference_checks_threads_and_frames(scripts, argv, match, capsys):
    """Check that inference.py refuses --threads and --frames below 1 (--threads 0 ran on 2
    threads, -1 was a raw torch error, --frames 0 a GraphSequence error)."""
    assert re.search(match, _refused(scripts["inference"].main, argv, capsys))


# ---- F03: model_search.py ---------------------------------------------------------------------


@pytest.fixture
def model_search(scripts, monkeypatch):
    module = scripts["model_search"]
    _refuse_work(monkeypatch, module, "run_timing", "run_kitchen", "run_basic_motions")
    return module


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["--timing", "--candidates", "sd", "mstcn", "--repeats", "1"],
            r"--repeats: expected a value in \[2, inf\), got 1",
        ),
        (
            ["--timing", "--candidates", "sd", "foo", "mstcn"],
            "argument --candidates: invalid choice: 'foo'",
        ),
        (
            ["--protocol", "basic_motions", "--candidates", "foo", "--seeds", "0"],
            "argument --candidates: invalid choice: 'foo'",
        ),
        (
            ["--timing", "--candidates", "sd", "sd-s3"],
            "--timing gives every candidate's ratios to mstcn: add mstcn to --candidates",
        ),
        (["--fraction", "0"], r"--fraction: expected a value in \(0.0, 1.0\], got 0"),
        (["--seeds", "-1"], r"--seeds: expected a value in \[0, 4294967295\], got -1"),
    ],
)
def test_model_search_checks_options_before_work(model_search, argv, match, capsys):
    """Check that model_search.py refuses, before timing or fitting anything, --repeats 1
    (all-NaN table, exit 0), unknown candidates (a KeyError when their turn came), --timing
    without mstcn (a KeyError after timing everything) and out-of-range values."""
    assert re.search(match, _refused(model_search.main, argv, capsys))


def test_model_search_help_states_the_default_protocol(model_search, capsys):
    """Check that --help says which protocol runs without --protocol (basic_motions ran
    silently) and what --repeats means (the first repeat is a dropped warm-up)."""
    with pytest.raises(SystemExit):
        model_search.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: basic_motions)" in text
    assert "the first is a warm-up" in text


def test_design_doc_gives_the_timing_median_the_code_takes(model_search, monkeypatch):
    """Check that docs/design.rst counts the repeats that --timing's median is over (it said
    6, the default --repeats, but the first repeat is a warm-up that is dropped)."""
    seen = {}

    def timing(names, n_frames, repeats):
        seen["repeats"] = repeats
        return pd.DataFrame()

    monkeypatch.setattr(model_search, "run_timing", timing)
    model_search.main(["--timing"])
    text = " ".join((DOCS / "design.rst").read_text().split())
    assert f"median of {seen['repeats'] - 1} interleaved repeats after a warm-up" in text


# ---- F04: online.py ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, match",
    [
        (
            ["--quick", "--skip-accuracy", "--latency-runs", "0"],
            r"--latency-runs: expected a value in \[1, inf\), got 0",
        ),
        (["--latency-seconds", "0"], r"--latency-seconds: expected a value in \[3.5, inf\)"),
        (
            ["--skip-latency", "--first-fold", "5", "--folds", "1", "--seeds"],
            r"--first-fold: expected a value in \[0, 4\] \(the simulation has 5 folds\), got 5",
        ),
        (
            ["--quick", "--skip-latency", "--first-fold", "4"],
            r"--first-fold: expected a value in \[0, 3\] \(the simulation has 4 folds\), got 4",
        ),
        (["--skip-latency", "--folds", "0", "--seeds"], "accuracy: nothing to score"),
    ],
)
def test_online_checks_options_before_work(scripts, argv, match, monkeypatch, tmp_path, capsys):
    """Check that online.py refuses --latency-runs 0 (an IndexError after training), a
    --latency-seconds below the simulation's minimum, a --first-fold past the last fold and
    an accuracy run with nothing to score (pandas KeyError 'dataset')."""
    online = scripts["online"]
    _refuse_work(monkeypatch, online, "latency", "_score")
    err = _refused(online.main, [*argv, "--results-dir", tmp_path], capsys)
    assert re.search(match, err)


def test_online_prints_the_folds_it_scores(scripts, monkeypatch, tmp_path, capsys):
    """Check that the summary of --first-fold 3 counts the 2 folds scored (it said 5)."""
    online = scripts["online"]
    scored = []

    def score(rows, dataset, split, models, *data):  # records the split instead of fitting
        scored.append(split)
        for name in models:
            row = {"dataset": dataset, "split": split, "model": name, "fit_s": 0.0}
            rows.append({**row, "accuracy": 0.0, "edit": 0.0, "f1@50": 0.0})

    monkeypatch.setattr(online, "_score", score)
    argv = ["--skip-latency", "--first-fold", "3", "--seeds", "--duration", "10"]
    online.main([*argv, "--results-dir", str(tmp_path)])
    assert scored == ["fold 3", "fold 4"]
    assert "(2 simulation folds," in capsys.readouterr().out


# ---- F05: the other scripts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "script, argv, match",
    [
        (
            "sparse_crossover",
            ["--threads", "0", "--nodes", "16"],
            r"--threads: expected a value in \[1, inf\), got 0",
        ),
        (
            "sparse_crossover",
            ["--repeats", "0", "--nodes", "16", "--frames", "8"],
            r"--repeats: expected a value in \[1, inf\), got 0",
        ),
        ("import_time", ["--repeats", "0"], r"--repeats: expected a value in \[1, inf\), got 0"),
        (
            "graph_ablation",
            ["--variants", "default", "foo"],
            "argument --variants: invalid choice: 'foo'",
        ),
        (
            "graph_ablation",
            ["--variants", "default", "--folds", "0", "7", "--n-subjects", "2"],
            r"--folds: expected fold indices in \[0, 1\] .*got 7",
        ),
        (
            "basic_motions",
            ["--seeds", "-1", "--n-sequences", "4"],
            r"--seeds: expected a value in \[0, 4294967295\], got -1",
        ),
        ("basic_motions", ["--n-sequences", "0"], r"--n-sequences: expected a value in \[1, inf\)"),
    ],
)
def test_scripts_check_options_before_work(scripts, script, argv, match, monkeypatch, capsys):
    """Check that bad values are argparse errors before any work (raw tracebacks from torch,
    statistics, a dict lookup or a loader, some after earlier variants had trained or after
    a minute of warm-up interpreters)."""
    module = scripts[script]
    work = {"import_time": ["_once"], "sparse_crossover": ["_case"]}
    _refuse_work(monkeypatch, module, *work.get(script, ["fit_and_score"]))
    assert re.search(match, _refused(module.main, argv, capsys))


# ---- F06: help and docs text ------------------------------------------------------------------


def test_cost_help_describes_its_own_options(scripts, capsys):
    """Check that cost.py --help gives --quick's one seed (it said 2 seeds) and does not list
    --threads, which cost.py always refuses."""
    with pytest.raises(SystemExit):
        scripts["cost"].main(["--help"])
    text = capsys.readouterr().out
    assert "small data, seed 0, 3 epochs" in text and "2 seeds" not in text
    assert not re.search(r"--threads(?!-list)", text)
    assert "--threads-list" in text


def test_benchmarks_doc_says_what_the_scripts_write(scripts, capsys):
    """Check that docs/benchmarks.rst does not say cost.py writes PNG plots (it writes none)
    nor that inference.py has a --quick mode of its own (it has one for --routes only)."""
    text = " ".join((DOCS / "benchmarks.rst").read_text().split())
    intro = text[text.index("``learning_curve.py``, ``robustness.py`` and ``cost.py``") :]
    intro = intro[: intro.index(".. list-table::")]
    assert "(the first two also their plots as PNG)" in intro
    assert "``inference``," not in intro and "``inference --routes``" in intro
    with pytest.raises(SystemExit):
        scripts["inference"].main(["--quick"])
    assert "--quick applies to --routes only" in capsys.readouterr().err
