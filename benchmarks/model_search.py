"""Measured search for the graph segmenter's design changes (issue 11, item 3).

Every candidate is :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter` with one or
more changes to its network, trained behind the standard preprocessing on subject-disjoint
splits, with :class:`~stgraph_sklearn.estimators.MSTCNSegmenter` in the same run:

- ``kitchen-small``: 8 training recordings (2 subjects), short training;
- ``kitchen``: 12 training recordings (3 subjects), longer training;
- both scored on the 8 recordings of 2 held-out subjects, as recorded and with 3 of the
  10 accelerometers missing (NaN, so the pipeline marks them absent) in every test recording;
- ``basic_motions``: the real smartwatch recordings (2 sensor nodes), official train/test split.

``--timing`` instead times training steps (forward + backward, 1 thread, synthetic input of
the kitchen simulation's preprocessed shape) of every candidate in one run, interleaved.

Candidates (``CANDIDATES``):

- ``base``: the current default;
- ``sd``: train-time sensor dropout (each sensor of each recording, with probability 0.2,
  is masked over a random span; a frame never loses its last sensor);
- ``sd-scale``: and the per-node read-out rescaled by ``N / n_present``;
- ``sd-ref32``: and refinement stages 32 wide (the prediction stage stays 64 wide);
- ``sd-nc16``: and 16 features per sensor instead of 32;
- ``sd-uinit``: and node embeddings drawn with std 0.1 (the learned graph starts near uniform);
- ``mstcn`` / ``mstcn-sd``: the baseline, and the baseline with the same sensor dropout.

All candidates use the CPU-fast dropout and aggregation (same functions as the library's).

Usage::

    python benchmarks/model_search.py --protocol kitchen-small --seeds 0 1
    python benchmarks/model_search.py --timing
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from stgraph_sklearn.datasets import load_basic_motions_sequences, make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.estimators._neural import prior_adjacency
from stgraph_sklearn.metrics import segmentation_report
from stgraph_sklearn.nn import (
    ConcatNodePool,
    DenseGraphConv,
    EarlyFusionTCN,
    GraphSegmentationNetwork,
    SegmentationLoss,
)
from stgraph_sklearn.nn._temporal import SingleStageTCN
from stgraph_sklearn.pipeline import make_segmentation_pipeline

# ---- candidate building blocks ---------------------------------------------------------------


def fast_dropout(x, p, training):
    """Inverted dropout with a mask from ``torch.rand`` (CPU: ~2x faster than bernoulli_)."""
    if not training or p == 0:
        return x
    keep = (torch.rand_like(x) >= p).to(x.dtype).mul_(1.0 / (1.0 - p))
    return x * keep


class FastDropout(nn.Dropout):
    def forward(self, x):
        return fast_dropout(x, self.p, self.training)


def _fast_graph_conv_forward(self, x, adj, node_mask=None):
    """DenseGraphConv.forward with one shared (N, N) aggregation and per-frame degrees."""
    xw = self.lin_rel(x)
    agg = torch.einsum("ij,btjc->btic", adj, xw)
    if node_mask is None:
        deg = adj.sum(1)[:, None]
    else:
        deg = torch.einsum("ij,btj->bti", adj, node_mask.to(x.dtype)).unsqueeze(-1)
    rel = torch.where(deg > 0, agg / deg.clamp_min(1e-12), xw)
    out = rel + self.lin_root(x)
    if node_mask is not None:
        out = out * node_mask.unsqueeze(-1).to(out.dtype)
    return out


def sensor_dropout(node_mask, frame_mask, p):
    """Mask each node of each recording over a random span with probability ``p``.

    Span length uniform in [1, L] frames (L the recording's valid length), start uniform.
    A frame that would lose every present node keeps its original mask.
    """
    b, t, n = node_mask.shape
    dev = node_mask.device
    lengths = frame_mask.sum(1).clamp_min(1).to(torch.float32)[:, None]  # (B, 1)
    hit = torch.rand(b, n, device=dev) < p
    span = (torch.rand(b, n, device=dev) * lengths).ceil().clamp_min(1)
    start = (torch.rand(b, n, device=dev) * (lengths - span + 1)).floor()
    idx = torch.arange(t, device=dev, dtype=torch.float32)[None, :, None]
    inside = (idx >= start[:, None, :]) & (idx < (start + span)[:, None, :]) & hit[:, None, :]
    new = node_mask & ~inside
    keep_old = ~new.any(-1, keepdim=True)
    return torch.where(keep_old, node_mask, new)


class ScaledConcatPool(ConcatNodePool):
    """ConcatNodePool whose node sum is rescaled by N / n_present (inverted-dropout style)."""

    def forward(self, x, node_mask=None):
        b, t, n, _ = x.shape
        if node_mask is None:
            node_mask = torch.ones(b, t, n, dtype=torch.bool, device=x.device)
        x = torch.where(node_mask.unsqueeze(-1), x, 0.0)
        m = node_mask.to(x.dtype)
        flat = torch.cat([x.reshape(b, t, -1), m], dim=-1)
        scale = n / m.sum(-1, keepdim=True).clamp_min(1.0)
        return F.linear(flat, self.lin.weight) * scale + self.lin.bias


class _SensorDropoutMixin:
    sensor_p = 0.0

    def forward(self, x, node_mask=None, frame_mask=None):
        if self.training and self.sensor_p > 0:
            first = next(iter(x.values()))
            b, t = first.shape[:2]
            n = sum(v.shape[2] for v in x.values())
            if node_mask is None:
                node_mask = torch.ones(b, t, n, dtype=torch.bool)
            if frame_mask is None:
                frame_mask = torch.ones(b, t, dtype=torch.bool)
            node_mask = sensor_dropout(node_mask.bool() & frame_mask[..., None], frame_mask, self.sensor_p)
        return super().forward(x, node_mask, frame_mask)


class SDGraphNet(_SensorDropoutMixin, GraphSegmentationNetwork):
    pass


class SDEarlyFusion(_SensorDropoutMixin, EarlyFusionTCN):
    pass


def _fast(module, fast=True):
    if not fast:
        return module
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Dropout:
                setattr(parent, name, FastDropout(child.p))
            if type(child) is DenseGraphConv:
                child.forward = _fast_graph_conv_forward.__get__(child)
    return module


CANDIDATES = {
    "base": {},
    "sd": {"sensor_p": 0.2},
    "sd-scale": {"sensor_p": 0.2, "scale": True},
    "sd-ref32": {"sensor_p": 0.2, "refine": 32},
    "sd-nc16": {"sensor_p": 0.2, "node_channels": 16},
    "sd-uinit": {"sensor_p": 0.2, "emb_std": 0.1},
    "mstcn": {"mstcn": True},
    "mstcn-sd": {"mstcn": True, "sensor_p": 0.2},
    "base-slow": {"slow": True},  # the library as it is (for timing)
    "mstcn-slow": {"mstcn": True, "slow": True},
}


def build_network(spec, layout_kwargs, prior, hidden=64, stages=4, layers=10):
    """The candidate network for ``layout_kwargs`` (in_channels, num_nodes, num_classes)."""
    kw = {**layout_kwargs, "hidden_channels": hidden, "num_stages": stages, "num_layers": layers}
    if spec.get("mstcn"):
        net = SDEarlyFusion(**kw, dropout=0.5)
    else:
        net = SDGraphNet(
            **kw,
            dropout=0.5,
            num_spatial_layers=2,
            spatial="adaptive",
            adjacency=prior,
            node_channels=spec.get("node_channels"),
            pool="concat",
            share_refinement=True,
        )
        if spec.get("scale"):
            old = net.pool
            net.pool = ScaledConcatPool(old.num_nodes, old.channels, old.out_channels)
        if spec.get("refine"):
            k = layout_kwargs["num_classes"]
            ref = SingleStageTCN(k, spec["refine"], k, layers, 0.5)
            net.tcn.stages = nn.ModuleList([net.tcn.stages[0]] + [ref] * (stages - 1))
        if spec.get("emb_std"):
            with torch.no_grad():
                net.graph.source_emb.normal_(0, spec["emb_std"])
                net.graph.target_emb.normal_(0, spec["emb_std"])
    net.sensor_p = spec.get("sensor_p", 0.0)
    return _fast(net, not spec.get("slow"))


class Candidate(AdaptiveGraphSegmenter):
    """AdaptiveGraphSegmenter (or, with spec["mstcn"], MSTCN) building a candidate network."""

    spec: dict = {}

    def _build_module(self, layout, n_classes, sequences):
        kw = self._module_kwargs(layout, n_classes)
        prior = None
        if not self.spec.get("mstcn") and self.prior_graph is not None:
            prior = prior_adjacency(self.prior_graph, sequences, self.node_names_, "search")
        layout_kw = {k: kw[k] for k in ("in_channels", "num_nodes", "num_classes")}
        return build_network(
            self.spec, layout_kw, prior, kw["hidden_channels"], kw["num_stages"], kw["num_layers"]
        )

    def _after_fit(self, sequences):
        if not self.spec.get("mstcn"):
            super()._after_fit(sequences)


def make_candidate(name, epochs, seed):
    cls = type(f"Candidate_{name}", (Candidate,), {"spec": CANDIDATES[name]})
    return cls(max_epochs=epochs, random_state=seed)


# ---- protocols --------------------------------------------------------------------------------


def drop_accelerometers(X, n_missing, rng):
    """Copies of the recordings with ``n_missing`` accelerometers (the same ones) all NaN."""
    idx = rng.choice(X[0].modalities["accel"].n_nodes, n_missing, replace=False)
    out = []
    for rec in X:
        acc = rec.modalities["accel"]
        values = np.array(acc.values, dtype=float, copy=True)
        values[:, idx] = np.nan
        out.append(rec.replace(modalities={**rec.modalities, "accel": acc.replace(values=values)}))
    return out, idx


def _scores(y_true, y_pred):
    r = segmentation_report(y_true, y_pred, output_dict=True)
    return {k: 100 * r[k] for k in ("accuracy", "edit", "f1@50")}


def run_kitchen(names, seeds, n_train_subjects, epochs, duration):
    rows = []
    for seed in seeds:
        X, y, groups = make_kitchen_activities(20, 5, duration=duration, random_state=seed)
        groups = np.asarray(groups)
        subjects = np.unique(groups)
        rng = np.random.RandomState(seed)
        order = rng.permutation(subjects)
        test_s, train_s = order[:2], order[2 : 2 + n_train_subjects]
        tr = [i for i in range(len(X)) if groups[i] in set(train_s)]
        te = [i for i in range(len(X)) if groups[i] in set(test_s)]
        Xte, yte = [X[i] for i in te], [y[i] for i in te]
        Xmiss, idx = drop_accelerometers(Xte, 3, rng)
        for name in names:
            model = make_segmentation_pipeline(make_candidate(name, epochs, seed))
            t0 = time.perf_counter()
            model.fit([X[i] for i in tr], [y[i] for i in tr])
            fit_s = time.perf_counter() - t0
            clean = _scores(yte, model.predict(Xte))
            miss = _scores(yte, model.predict(Xmiss))
            rows.append(
                {
                    "candidate": name,
                    "seed": seed,
                    "n_train": len(tr),
                    **clean,
                    **{f"{k} miss3": v for k, v in miss.items()},
                    "f1@50 drop": clean["f1@50"] - miss["f1@50"],
                    "params": sum(p.numel() for p in model[-1].net_.module_.parameters()),
                    "fit_s": fit_s,
                }
            )
            print({k: round(v, 2) if isinstance(v, float) else v for k, v in rows[-1].items()},
                  flush=True)
    return rows


def run_basic_motions(names, seeds, epochs):
    rows = []
    for seed in seeds:
        Xtr, ytr = load_basic_motions_sequences("train", random_state=seed)[:2]
        Xte, yte = load_basic_motions_sequences("test", random_state=seed)[:2]
        for name in names:
            model = make_segmentation_pipeline(make_candidate(name, epochs, seed))
            t0 = time.perf_counter()
            model.fit(Xtr, ytr)
            fit_s = time.perf_counter() - t0
            rows.append({"candidate": name, "seed": seed, **_scores(yte, model.predict(Xte)),
                         "fit_s": fit_s})
            print({k: round(v, 2) if isinstance(v, float) else v for k, v in rows[-1].items()},
                  flush=True)
    return rows


def run_timing(names, n_frames, repeats):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layout = {
        "in_channels": {"accel": 6, "video": 32},
        "num_nodes": {"accel": 10, "video": 1},
        "num_classes": 18,
    }
    x = {"accel": torch.randn(1, n_frames, 10, 6), "video": torch.randn(1, n_frames, 1, 32)}
    node_mask = torch.ones(1, n_frames, 11, dtype=torch.bool)
    node_mask[:, : n_frames // 4, 2] = False  # one sensor drops out for a while, as in the data
    frame_mask = torch.ones(1, n_frames, dtype=torch.bool)
    y = torch.randint(0, 18, (1, n_frames))
    loss = SegmentationLoss()
    nets = {n: build_network(CANDIDATES[n], layout, torch.rand(11, 11)) for n in names}
    train_s = {n: [] for n in names}
    infer_s = {n: [] for n in names}
    for _ in range(repeats):
        for n, net in nets.items():
            net.train()
            t0 = time.perf_counter()
            loss(net(x, node_mask, frame_mask), y).backward()
            train_s[n].append(time.perf_counter() - t0)
            net.eval()
            with torch.no_grad():
                t0 = time.perf_counter()
                net(x, None, None)
                infer_s[n].append(time.perf_counter() - t0)
    rows = []
    for n in names:
        tr, inf = np.median(train_s[n][1:]), np.median(infer_s[n][1:])
        rows.append(
            {
                "candidate": n,
                "train_step_s": tr,
                "train_frames_per_s": n_frames / tr,
                "infer_frames_per_s": n_frames / inf,
                "params": sum(p.numel() for p in nets[n].parameters()),
            }
        )
    table = pd.DataFrame(rows).set_index("candidate")
    ref = table.loc["mstcn-slow" if "mstcn-slow" in table.index else "mstcn"]
    table["train_vs_mstcn"] = table["train_step_s"] / ref["train_step_s"]
    table["infer_vs_mstcn"] = table["infer_frames_per_s"] / ref["infer_frames_per_s"]
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["kitchen-small", "kitchen", "basic_motions"])
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--candidates", nargs="+", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--frames", type=int, default=1800)
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--out", default=None, help="CSV file for the rows")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.timing:
        names = args.candidates or [n for n in CANDIDATES if n not in ("mstcn-sd",)]
        table = run_timing(names, args.frames, args.repeats)
        print(table.round(3).to_string())
        if args.out:
            table.to_csv(args.out)
        return table
    names = args.candidates or ["base", "sd", "sd-scale", "sd-ref32", "sd-nc16", "mstcn"]
    if args.protocol == "kitchen-small":
        rows = run_kitchen(names, args.seeds, 2, args.epochs or 20, args.duration)
    elif args.protocol == "kitchen":
        rows = run_kitchen(names, args.seeds, 3, args.epochs or 30, args.duration)
    else:
        rows = run_basic_motions(names, args.seeds, args.epochs or 30)
    df = pd.DataFrame(rows)
    if args.out:
        df.to_csv(args.out, index=False)
    table = df.groupby("candidate", sort=False).agg(["mean", "std"]).drop(columns="seed")
    print(table.round(1).to_string())
    return df


if __name__ == "__main__":
    main()
