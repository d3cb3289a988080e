"""Model-only inference speed of the default neural segmenters.

Each segmenter is built with its default architecture for the kitchen simulation's layout
after the standard preprocessing (10 accelerometer nodes x 6 window features + one 32-feature
video node, 18 classes), trained for one epoch on random data (speed does not depend on the
weights), and timed on ``predict_proba`` of two 6000-frame GraphSequences: preprocessing is
excluded (``benchmarks/segmenters.py`` reports end-to-end pipeline speed).

``--routes`` instead times the two routes of the library's layers and networks on the same
module and input: the training route (autograd on, no parameter requiring a gradient, so
nothing is recorded) and the inference route that ``predict`` takes (autograd off): one
64-channel MS-TCN layer at dilations 1, 16 and 512, one 32-channel ``NodeTemporalConv``,
``MaskedGraphConv`` and ``SpatioTemporalBlock`` over 11 nodes, and the two default networks,
offline and causal (``lookahead=0``), at 600, 1,800 and 7,200 frames; the median of
interleaved repeats of each, in milliseconds.

Usage::

    python benchmarks/inference.py [--threads 2]
    python benchmarks/inference.py --routes [--threads 1] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
import torch
from _common import POSITIVE_INT  # benchmarks/, next to this script

from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter, STGCNSegmenter
from stgraph_sklearn.nn import (
    DilatedResidualLayer,
    MaskedGraphConv,
    NodeTemporalConv,
    SpatioTemporalBlock,
)


def _route_cases(t):
    """(name, module, inputs) for every layer and network timed by ``--routes``."""
    n, layout = 11, {"accel": (10, 6), "video": (1, 32)}
    x = {"accel": torch.randn(1, t, 10, 6), "video": torch.randn(1, t, 1, 32)}
    nodes = torch.randn(1, t, n, 32)
    adj = torch.rand(n, n)
    cases = [
        (
            f"DilatedResidualLayer(64, dilation={d})",
            DilatedResidualLayer(64, d, 0.5),
            (torch.randn(1, 64, t),),
        )
        for d in (1, 16, 512)
    ]
    cases += [
        ("NodeTemporalConv(32, dilation=2)", NodeTemporalConv(32, 2), (nodes,)),
        ("MaskedGraphConv(32, 32)", MaskedGraphConv(32, 32), (nodes, adj)),
        (
            "SpatioTemporalBlock(32)",
            SpatioTemporalBlock(32, MaskedGraphConv(32, 32), 2, 0.5),
            (nodes, adj, None),
        ),
    ]
    for lookahead in (None, 0):  # offline, then causal
        for cls in (AdaptiveGraphSegmenter, MSTCNSegmenter):
            # the learned graph without a data prior: build_module needs no fitted sequences
            params = {"prior_graph": None} if cls is AdaptiveGraphSegmenter else {}
            seg = cls(lookahead=lookahead, **params)
            name = cls.__name__ + (" causal" if lookahead == 0 else " network")
            cases.append((name, seg.build_module(layout, 18, None), (x,)))
    return cases


def routes(frames, repeats):
    """Time the training and the inference route of every case; print one table."""
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; ms, median of {repeats}")
    print(f"{'module':42s} {'frames':>6s} {'training':>9s} {'inference':>9s} {'speed-up':>8s}")
    for t in frames:
        for name, module, inputs in _route_cases(t):
            module.eval().requires_grad_(False)
            times = {"training": [], "inference": []}
            for _ in range(repeats + 1):  # the first repeat warms up
                for route, context in (
                    ("training", torch.enable_grad),
                    ("inference", torch.no_grad),
                ):
                    with context():
                        start = time.perf_counter()
                        module(*inputs)
                        times[route].append(time.perf_counter() - start)
            slow, fast = (1000 * np.median(times[r][1:]) for r in ("training", "inference"))
            print(f"{name:42s} {t:6d} {slow:9.2f} {fast:9.2f} {slow / fast:7.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=POSITIVE_INT, default=None, help="2, or 1 with --routes")
    parser.add_argument(
        "--frames", type=POSITIVE_INT, default=6000, help="per sequence, without --routes"
    )
    parser.add_argument("--routes", action="store_true", help="training vs inference route")
    parser.add_argument("--quick", action="store_true", help="--routes at 600 frames, 3 repeats")
    args = parser.parse_args(argv)
    if args.quick and not args.routes:
        parser.error("--quick applies to --routes only")
    if args.threads is None:
        args.threads = 1 if args.routes else 2
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
    if args.routes:
        torch.manual_seed(0)
        routes((600,) if args.quick else (600, 1800, 7200), 3 if args.quick else 20)
        return
    rng = np.random.RandomState(0)
    t = args.frames
    seqs = [
        GraphSequence({"accel": rng.randn(t, 10, 6), "video": rng.randn(t, 1, 32)})
        for _ in range(2)
    ]
    y = [np.repeat(np.arange(18), t // 18 + 1)[:t] for _ in range(2)]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for cls in (AdaptiveGraphSegmenter, STGCNSegmenter, MSTCNSegmenter):
        est = cls(max_epochs=1, random_state=0).fit(seqs, y)
        est.predict_proba(seqs[:1])  # warm-up
        start = time.perf_counter()
        est.predict_proba(seqs)
        elapsed = time.perf_counter() - start
        print(f"{cls.__name__:24s} {2 * t / elapsed:>10,.0f} frames/s")


if __name__ == "__main__":
    main()
