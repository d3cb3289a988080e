"""Dense vs sparse (PyG message passing) spatial layers: time per call by node count.

For each node count ``N`` a sparse sensor graph is built (every node linked to its ``k``
nearest neighbours on a random 2-d layout, symmetrised, with self-loops, as body-pose
skeletons and plant sensor networks are), and the two spatial operators of the library,
``MaskedGraphConv`` (on the graph) and ``PartitionedGraphConv`` (on its ST-GCN "spatial"
partitions), are timed on ``(1, T, N, C)`` node features with the graph given dense
(``FixedGraph(sparse=False)``) and as an edge list only (``FixedGraph(sparse=True)``'s
``EdgeGraph`` without its dense copy), with and without a node mask (10 % of the sensors missing per frame), forward + backward (training)
and forward without gradients (inference). Both forms give the same outputs (checked here).

The crossovers are the smallest ``N`` from which the sparse form is faster in every masked
case (it sets ``stgraph_sklearn.nn.FixedGraph.min_sparse_nodes``; batches with missing sensors take the
edge list there) and in every unmasked case (below it, batches without missing sensors keep
the dense product, which ``FixedGraph``'s ``EdgeGraph`` carries along).

Usage::

    python benchmarks/sparse_crossover.py                      # 1 thread, T=128, C=32
    python benchmarks/sparse_crossover.py --nodes 16 32 64 128 --repeats 5

Times are medians over ``--repeats`` calls, in milliseconds; they depend on the machine and
its load, the ratios less so.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import torch
from _common import POSITIVE_INT  # benchmarks/, next to this script

from stgraph_sklearn.nn import FixedGraph, MaskedGraphConv, PartitionedGraphConv, spatial_partitions


def knn_adjacency(n, k, seed=0):
    """Symmetric k-nearest-neighbour graph of ``n`` random points in the plane, self-loops."""
    points = np.random.RandomState(seed).rand(n, 2)
    dist = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    adj = np.zeros((n, n), dtype=np.float32)
    nearest = np.argsort(dist, axis=1)[:, : min(k, n - 1)]
    adj[np.repeat(np.arange(n), nearest.shape[1]), nearest.ravel()] = 1.0
    adj = np.maximum(adj, adj.T)
    np.fill_diagonal(adj, 1.0)
    return torch.as_tensor(adj)


def _time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _case(op, graph, x, mask, train, repeats):
    def run():
        if train:
            op(x, graph(), mask).sum().backward()
        else:
            with torch.no_grad():
                op(x, graph(), mask)

    return _time(run, repeats)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nodes", type=POSITIVE_INT, nargs="+", default=[16, 32, 48, 64, 96, 128, 256, 512]
    )
    parser.add_argument("--k", type=POSITIVE_INT, default=4, help="nearest neighbours per node")
    parser.add_argument("--frames", type=POSITIVE_INT, default=128)
    parser.add_argument("--channels", type=POSITIVE_INT, default=32)
    parser.add_argument("--repeats", type=POSITIVE_INT, default=7)
    parser.add_argument("--threads", type=POSITIVE_INT, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rows = []
    for n in args.nodes:
        adj = knn_adjacency(n, args.k)
        parts = spatial_partitions(adj, "spatial")
        x = torch.randn(1, args.frames, n, args.channels, requires_grad=True)
        mask = torch.rand(1, args.frames, n, generator=torch.Generator().manual_seed(n)) > 0.1
        ops = {
            "MaskedGraphConv": (MaskedGraphConv(args.channels, args.channels), adj),
            "PartitionedGraphConv": (
                PartitionedGraphConv(args.channels, args.channels, len(parts), n),
                parts,
            ),
        }
        for name, (op, graph) in ops.items():
            dense = FixedGraph(graph, sparse=False)
            edges = FixedGraph(graph, sparse=True)()._replace(dense=None)  # edge list only

            def sparse(edges=edges):
                return edges

            for masked in (False, True):
                m = mask if masked else None
                with torch.no_grad():
                    diff = (op(x, dense(), m) - op(x, sparse(), m)).abs().max().item()
                assert diff < 1e-4, (name, n, masked, diff)
                for train in (True, False):
                    t_dense = _case(op, dense, x, m, train, args.repeats)
                    t_sparse = _case(op, sparse, x, m, train, args.repeats)
                    rows.append(
                        {
                            "op": name,
                            "mask": masked,
                            "mode": "train" if train else "infer",
                            "nodes": n,
                            "edges": int((adj != 0).sum()),
                            "dense_ms": t_dense,
                            "sparse_ms": t_sparse,
                            "sparse/dense": t_sparse / t_dense,
                        }
                    )
        print(f"N={n} done", flush=True)
    table = pd.DataFrame(rows)
    print(
        f"\nk={args.k}, T={args.frames}, C={args.channels}, {args.threads} thread(s), "
        f"median of {args.repeats}; times in ms"
    )
    print(table.round(3).to_string(index=False))
    wide = table.pivot_table(index="nodes", columns=["mask", "op", "mode"], values="sparse/dense")
    print("\nsparse/dense time ratio by node count (< 1: sparse faster):")
    print(wide.round(2).to_string())
    for masked in (True, False):
        faster = (wide[masked] < 1).all(axis=1)
        from_n = next((n for n in wide.index if faster.loc[n:].all()), None)
        what = "with" if masked else "without"
        print(f"{what} a node mask: sparse faster in every case from N = {from_n}")
    return table


if __name__ == "__main__":
    main()
