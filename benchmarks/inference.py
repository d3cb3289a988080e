"""Model-only inference speed of the default neural segmenters.

Each segmenter is built with its default architecture for the kitchen simulation's layout
after the standard preprocessing (10 accelerometer nodes x 6 window features + one 32-feature
video node, 18 classes), trained for one epoch on random data (speed does not depend on the
weights), and timed on ``predict_proba`` of two 6000-frame GraphSequences: preprocessing is
excluded (``benchmarks/segmenters.py`` reports end-to-end pipeline speed).

Usage::

    python benchmarks/inference.py [--threads 2]
"""

import argparse
import time
import warnings

import numpy as np
import torch

from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter, STGCNSegmenter


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=6000)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")
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
