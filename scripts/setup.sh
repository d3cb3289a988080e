#!/usr/bin/env bash
# Create the project's virtual environment in .venv (if missing) and install the package
# into it, with the tested torch from constraints.txt (a CPU machine never pulls a CUDA build).
# Usage: bash scripts/setup.sh [EXTRAS]   e.g. bash scripts/setup.sh dev
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "[setup] creating .venv with $("$python" --version 2>&1)"
    "$python" -m venv .venv
fi
target="."
if [ -n "${1:-}" ]; then target=".[$1]"; fi
echo "[setup] installing stgraph-sklearn ($target) with constraints.txt"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e "$target"
