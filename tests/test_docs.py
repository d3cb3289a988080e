"""The documentation builds without a warning (slow, and needs the ``docs`` extra).

``sphinx-build -n -W`` turns every warning into an error, and nitpicky mode reports every
cross-reference that does not resolve, so a renamed function, a misspelt role or a bad
heading fails here instead of leaving a dead link on the page. The build is offline
(``STGRAPH_DOCS_OFFLINE=1``: references into numpy, torch, ... are not checked) and does not
run the gallery (``plot_gallery=0``; ``tests/test_examples.py`` runs every example).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "sphinx_gallery"):
        pytest.importorskip(module, reason='the docs extra: pip install -e ".[docs]"')
    env = {
        **os.environ,
        "STGRAPH_DOCS_OFFLINE": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
    }
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-n", "-W", "--keep-going", "-E"]
    cmd += ["-q", "-D", "plot_gallery=0", "-d", str(tmp_path / "doctrees")]
    cmd += [str(DOCS_DIR), str(tmp_path / "html")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, (
        f"sphinx-build exited with {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    )
    assert (tmp_path / "html" / "index.html").is_file()
