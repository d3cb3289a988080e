"""Import time of stgraph_sklearn next to the import of its own dependencies.

Each statement runs in a fresh interpreter (``python -c``), ``--repeats`` times, interleaved
so that machine load affects all of them alike; the table gives the median and the spread of
wall-clock seconds, including the interpreter start-up (the ``pass`` row). The budget: the
package adds under 1 s to ``import torch, sklearn, skorch, pandas``.

Usage::

    python benchmarks/import_time.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

STATEMENTS = {
    "interpreter only": "pass",
    "torch, sklearn, skorch, pandas": "import torch, sklearn, skorch, pandas",
    "torch, sklearn, pandas": "import torch, sklearn, pandas",
    "torch_geometric": "import torch_geometric",
    "stgraph_sklearn": "import stgraph_sklearn",
    "stgraph_sklearn.estimators": "import stgraph_sklearn.estimators",
    "stgraph_sklearn + a segmenter": (
        "import stgraph_sklearn; stgraph_sklearn.AdaptiveGraphSegmenter"
    ),
}


def _once(statement):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    if args.repeats < 1:  # not _common.POSITIVE_INT: this process stays free of what it times
        parser.error(f"argument --repeats: expected a value in [1, inf), got {args.repeats}")
    times = {name: [] for name in STATEMENTS}
    for statement in STATEMENTS.values():  # warm the file cache once
        _once(statement)
    for i in range(args.repeats):
        for name, statement in STATEMENTS.items():
            times[name].append(_once(statement))
        print(f"repeat {i + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    deps = statistics.median(times["torch, sklearn, skorch, pandas"])
    print(f"python {sys.version.split()[0]}, {args.repeats} fresh interpreters each, seconds")
    print(f"{'statement':34s} {'median':>7s} {'min':>7s} {'max':>7s} {'- deps':>7s}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:34s} {med:7.2f} {min(ts):7.2f} {max(ts):7.2f} {med - deps:+7.2f}")
    return times


if __name__ == "__main__":
    main()
