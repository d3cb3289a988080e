"""The benchmark scripts refuse bad options at parsing, before anything trains."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def common():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import _common
    finally:
        sys.path.remove(str(BENCHMARKS))
    return _common


def _parse(common, argv):
    import argparse

    parser = argparse.ArgumentParser(prog="bench")
    common.add_common_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--threads", "0"], r"--threads: expected a value in \[1, inf\), got 0"),
        (["--epochs", "-3"], r"--epochs: expected a value in \[1, inf\)"),
        (["--seeds", "-1"], r"--seeds: expected a value in \[0, 4294967295\]"),
        (["--max-users", "1"], r"--max-users: expected a value in \[2, inf\)"),
        (["--duration", "0"], r"--duration: expected a value in \(0.0, inf\)"),
        (["--n-sequences", "x"], "--n-sequences: expected a number, got 'x'"),
        (["--uci-har-root", "/no/such/folder"], "--uci-har-root: no such folder"),
    ],
)
def test_bad_options_stop_at_parsing(common, argv, match, capsys):
    """Check that bad options are argparse errors naming the option (they failed later in
    torch, in scikit-learn or in a loader, after other data sets had trained)."""
    with pytest.raises(SystemExit) as exc:
        _parse(common, argv)
    assert exc.value.code == 2
    assert re.search(match, capsys.readouterr().err)


def test_paths_are_checked_and_expanded(common, tmp_path, monkeypatch, capsys):
    """Check a folder that is not a HAPT release, a results path that is a file, and '~'."""
    (tmp_path / "file.txt").write_text("x")
    for argv, match in (
        (["--uci-har-root", str(tmp_path)], "lacks RawData and activity_labels.txt"),
        (["--results-dir", str(tmp_path / "file.txt")], "is a file, not a folder"),
    ):
        with pytest.raises(SystemExit):
            _parse(common, argv)
        assert match in capsys.readouterr().err
    (tmp_path / "RawData").mkdir()
    (tmp_path / "activity_labels.txt").write_text("1 WALKING\n")
    monkeypatch.setenv("HOME", str(tmp_path.parent))
    args = _parse(common, ["--uci-har-root", f"~/{tmp_path.name}", "--results-dir", "~/out"])
    assert args.uci_har_root == tmp_path
    assert args.results_dir == tmp_path.parent / "out"


def test_learning_curve_fractions_are_shares(tmp_path):
    """Check --fractions outside (0, 1] is refused (1.5 recorded 6 of 4 recordings)."""
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / "learning_curve.py"), "--fractions", "1.5"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,  # it ran the whole protocol when the option was accepted
    )
    assert out.returncode == 2
    assert r"--fractions: expected a value in (0.0, 1.0], got 1.5" in out.stderr
