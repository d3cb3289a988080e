#!/usr/bin/env bash
# Quickstart command 2: install with the dev extras, then run the test suite (and the
# docstring examples) on two workers. Slow and GPU tests are deselected (see pyproject.toml);
# run them with: bash scripts/test.sh -m slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
export MPLBACKEND=Agg
# one BLAS/OpenMP thread per pytest worker: two workers share two cores
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec .venv/bin/python -m pytest -n 2 --doctest-modules stgraph_sklearn tests "$@"
