"""The sphinx-gallery examples run to completion (slow: run with ``pytest -m slow``).

Every ``examples/plot_*.py`` is collected, so a new example is tested without editing this
file. Each runs in a fresh interpreter, on one thread and with a non-interactive matplotlib
backend, the way the documentation build runs it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))
TIMEOUT_S = 300  # each example should take under a minute; this only catches a hang


def test_there_are_examples():
    assert EXAMPLES, f"no plot_*.py found in {EXAMPLES_DIR}"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,  # anything an example writes lands in a scratch folder
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{path.name} exited with {proc.returncode}\n"
        f"--- stdout (tail) ---\n{proc.stdout[-3000:]}\n"
        f"--- stderr (tail) ---\n{proc.stderr[-3000:]}"
    )
