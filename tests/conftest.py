"""Fixtures shared by every test folder."""

import subprocess
import sys

import pytest

# blocks the imports (as when the packages are not installed), so the subprocess sees none
_NO_TORCH = (
    "import sys\n"
    "class _NoTorch:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('torch', 'torch_geometric', 'skorch'):\n"
    "            raise ImportError(f'{name} is blocked for this test')\n"
    "sys.meta_path.insert(0, _NoTorch())\n"
)


@pytest.fixture
def run_without_torch():
    """Run Python code in a subprocess where torch, torch_geometric and skorch cannot be
    imported; returns the CompletedProcess (``sys`` is imported for the code)."""

    def run(code):
        return subprocess.run(
            [sys.executable, "-c", _NO_TORCH + code], capture_output=True, text=True
        )

    return run
