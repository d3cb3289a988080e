#!/usr/bin/env bash
# Quickstart command 1: install, then train and evaluate the segmenters on the built-in
# simulation, print the score table and write the plots (to ./stgraph_demo by default).
# Extra arguments go to `stgraph-seg demo` (e.g. --quick, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/stgraph-seg demo "$@"
