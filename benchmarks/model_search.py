"""Measured search for the graph segmenter's design changes (issue 11, item 3).

Every candidate is :class:`~stgraph_sklearn.estimators.AdaptiveGraphSegmenter` with some
parameters changed, trained behind the standard preprocessing on subject-disjoint splits,
with :class:`~stgraph_sklearn.estimators.MSTCNSegmenter` in the same run:

- ``kitchen-small``: 8 training recordings (2 subjects), 20 epochs;
- ``kitchen``: 12 training recordings (3 subjects), 30 epochs;
- both scored on the 8 recordings of 2 held-out subjects, as recorded and with 3 of the
  10 accelerometers missing (NaN, so the pipeline marks them absent) in every test recording;
- ``basic_motions``: the real smartwatch recordings (2 sensor nodes), official train/test split.

``--timing`` instead measures the CPU time (``time.process_time``, one thread: robust to
other processes on a shared machine) of training steps (forward + backward) and inference of
every candidate's network in one run, interleaved, on synthetic input of the kitchen simulation's
preprocessed shape (11 nodes, one sensor missing for a quarter of the frames).

Candidates (``CANDIDATES``):

- ``old``: the previous default (no sensor dropout, refinement stages as wide as the
  prediction stage) with ``nn.Dropout`` and the per-frame masked adjacency (timing only);
- ``nosd``: the previous default's architecture with the CPU-fast dropout and aggregation;
- ``sd``: and train-time sensor dropout 0.2;
- ``sd-ref32`` / ``sd-ref48``: and refinement stages 32 / 48 wide (64 in the prediction stage);
- ``sd-nc16``: sensor dropout and 16 features per sensor instead of 32;
- ``mstcn`` / ``mstcn-old``: the baseline, with the fast dropout / with ``nn.Dropout``;
- ``mstcn-sd``: the baseline with the same sensor dropout on its node mask;
- ``sd-pool2``: ``sd`` with its MS-TCN stages at half the frame rate (masked mean of frame
  pairs after the read-out, logits linearly interpolated back to every frame);
- ``sd-pool2-in``: ``sd`` with the whole network at half the frame rate (the input pooled);
- ``sd-stride2``: ``sd`` with ``stage_stride=2`` (the library's version of ``sd-pool2``, whose
  padded frames read their recording's edge);
- ``sd-refstride2``: ``sd`` with the prediction stage on every frame and only the refinement
  stages on frame-pair means of its probabilities (``refinement_stride=2``);
- ``sd10``, ``sd-ramp``, ``sd-ramp-pool2``, ``nosd-pool2``: sensor dropout 0.1, ramped up from
  0 over the first half of the epochs, and combinations;
- ``sd-s3``, ``sd-nc16-s3``: three stages instead of four, and 16 features per sensor;
- ``mstcn-s3``: the baseline with three stages;
- ``sd-nsl0``, ``nosd-nsl0``: ``sd`` / ``nosd`` without graph blocks (encoders, per-node
  read-out and stages only);
- ``sd-lr1e-3``, ``sd-lr2e-3``, ``nosd-lr1e-3``, ``mstcn-lr1e-3``: learning rate 1e-3 or 2e-3
  instead of the default 5e-4;
- ``sd-zerofill``: ``sd`` whose graph convolutions let a hidden neighbour send zeros, with the
  rows normalised over the whole graph, instead of renormalising over present neighbours (a
  present sensor's message changes less when a neighbour is hidden);
- ``sd-late``: ``sd`` with the sensor dropout applied at the read-out only: the encoders and
  graph blocks see every present sensor;
- ``sd-noprior``, ``sd-nsl1``: ``sd`` learning its graph from scratch (``prior_graph=None``) /
  with one graph block instead of two;
- ``sd-noemb``: ``sd`` without the encoder's learned node embedding;
- ``sd-spans4``: ``sd`` whose sensor dropout draws four spans per recording and node, each
  with probability 0.2 and a length uniform up to a quarter of the recording: the same share
  of hidden frames on average, in more and shorter gaps (more draws per epoch); ``sd-spans2`` /
  ``sd-spans8`` two / eight spans up to a half / an eighth; ``sd-spans-mix`` each recording
  and sensor drawing either one span (up to the whole recording) or four, with even odds;
- ``sd-bd0``: ``sd`` without dropout in the graph blocks (the MS-TCN stages keep theirs);
  ``sd-bd25`` with half of it (0.25) there;
- ``sd-sepref`` / ``sd-sep``: ``sd`` whose refinement stages / all four stages have a
  depthwise dilated convolution (one kernel-3 filter per channel) in every residual layer,
  the layer's 1x1 convolution mixing the channels: a quarter of the layer's arithmetic;
- ``sd-noshare`` / ``nosd-noshare``: ``sd`` / ``nosd`` with a separate set of weights for
  every refinement stage, as in MS-TCN (the graph model shares them, as MS-TCN++ does);
  ``sd-ref40-noshare`` with those stages 40 wide (about the default's parameter count);
- ``sd-jit10`` / ``sd-jit25``, ``mstcn-jit10`` / ``mstcn-jit25``: ``sd`` / ``mstcn`` with
  ``input_noise=0.1`` / ``0.25``: the present sensors' training inputs (the standardised node
  features) get Gaussian noise of that many standard deviations, drawn afresh at every step
  (jittering, a common augmentation of wearable-sensor data).

Besides the clean test recordings, both fitting protocols score test recordings with
Gaussian noise of 0.5 x each sensor channel's standard deviation added to the raw sensor
modality (``robustness.py``'s ``noise`` condition).

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
from _common import FRACTION, KITCHEN_DURATION, POSITIVE_INT, SEED, number_in
from robustness import add_noise
from skorch.callbacks import Callback
from torch import nn

from stgraph_sklearn.datasets import load_basic_motions_sequences, make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.metrics import segmentation_report
from stgraph_sklearn.model_selection import count_parameters
from stgraph_sklearn.nn import (
    EarlyFusionTCN,
    FastDropout,
    MaskedGraphConv,
    MultiStageTCN,
    SegmentationLoss,
    SensorDropout,
    masked_adjacency,
)
from stgraph_sklearn.nn._adjacency import row_normalize
from stgraph_sklearn.nn._models import _masks
from stgraph_sklearn.nn._temporal import mask_or_none
from stgraph_sklearn.pipeline import make_segmentation_pipeline

CANDIDATES = {
    "old": {"sensor_dropout": 0.0, "refinement_channels": 64, "slow": True},
    "nosd": {"sensor_dropout": 0.0, "refinement_channels": 64},
    "sd": {"sensor_dropout": 0.2, "refinement_channels": 64},
    "sd-ref32": {"sensor_dropout": 0.2, "refinement_channels": 32},
    "sd-ref48": {"sensor_dropout": 0.2, "refinement_channels": 48},
    "sd-nc16": {"sensor_dropout": 0.2, "refinement_channels": 64, "node_channels": 16},
    "mstcn": {"mstcn": True},
    "mstcn-old": {"mstcn": True, "slow": True},
    "mstcn-sd": {"mstcn": True, "sensor_dropout": 0.2},
    "mstcn-s3": {"mstcn": True, "n_stages": 3},
    "sd-nsl0": {"sensor_dropout": 0.2, "refinement_channels": 64, "n_spatial_layers": 0},
    "nosd-nsl0": {"sensor_dropout": 0.0, "refinement_channels": 64, "n_spatial_layers": 0},
    "sd-pool2": {"sensor_dropout": 0.2, "refinement_channels": 64, "pool": "temporal"},
    "sd-pool2-in": {"sensor_dropout": 0.2, "refinement_channels": 64, "pool": "input"},
    "sd-stride2": {"sensor_dropout": 0.2, "refinement_channels": 64, "stage_stride": 2},
    "sd-refstride2": {"sensor_dropout": 0.2, "refinement_channels": 64, "refinement_stride": 2},
    "sd10": {"sensor_dropout": 0.1, "refinement_channels": 64},
    "sd-ramp": {"sensor_dropout": 0.2, "refinement_channels": 64, "ramp": True},
    "sd-ramp-pool2": {
        "sensor_dropout": 0.2,
        "refinement_channels": 64,
        "ramp": True,
        "pool": "temporal",
    },
    "nosd-pool2": {"sensor_dropout": 0.0, "refinement_channels": 64, "pool": "temporal"},
    "sd-lr1e-3": {"sensor_dropout": 0.2, "refinement_channels": 64, "lr": 1e-3},
    "sd-lr2e-3": {"sensor_dropout": 0.2, "refinement_channels": 64, "lr": 2e-3},
    "nosd-lr1e-3": {"sensor_dropout": 0.0, "refinement_channels": 64, "lr": 1e-3},
    "mstcn-lr1e-3": {"mstcn": True, "lr": 1e-3},
    "sd-zerofill": {"sensor_dropout": 0.2, "refinement_channels": 64, "aggregate": "zero"},
    "sd-late": {"sensor_dropout": 0.2, "refinement_channels": 64, "late": True},
    "sd-noprior": {"sensor_dropout": 0.2, "refinement_channels": 64, "prior_graph": None},
    "sd-nsl1": {"sensor_dropout": 0.2, "refinement_channels": 64, "n_spatial_layers": 1},
    "sd-s3": {"sensor_dropout": 0.2, "refinement_channels": 64, "n_stages": 3},
    "sd-nc16-s3": {
        "sensor_dropout": 0.2,
        "refinement_channels": 64,
        "node_channels": 16,
        "n_stages": 3,
    },
    "sd-noemb": {"sensor_dropout": 0.2, "refinement_channels": 64, "node_embedding": False},
    "sd-spans4": {"sensor_dropout": 0.2, "refinement_channels": 64, "spans": 4},
    "sd-bd0": {"sensor_dropout": 0.2, "refinement_channels": 64, "block_dropout": 0.0},
    "sd-bd25": {"sensor_dropout": 0.2, "refinement_channels": 64, "block_dropout": 0.25},
    "sd-spans2": {"sensor_dropout": 0.2, "refinement_channels": 64, "spans": 2},
    "sd-spans8": {"sensor_dropout": 0.2, "refinement_channels": 64, "spans": 8},
    "sd-spans-mix": {"sensor_dropout": 0.2, "refinement_channels": 64, "spans": "mix"},
    "sd-sepref": {"sensor_dropout": 0.2, "refinement_channels": 64, "separable": "refinement"},
    "sd-sep": {"sensor_dropout": 0.2, "refinement_channels": 64, "separable": "all"},
    "sd-noshare": {"sensor_dropout": 0.2, "refinement_channels": 64, "share": False},
    "nosd-noshare": {"sensor_dropout": 0.0, "refinement_channels": 64, "share": False},
    "sd-ref40-noshare": {"sensor_dropout": 0.2, "refinement_channels": 40, "share": False},
    "sd-jit10": {"sensor_dropout": 0.2, "refinement_channels": 64, "input_noise": 0.1},
    "sd-jit25": {"sensor_dropout": 0.2, "refinement_channels": 64, "input_noise": 0.25},
    "mstcn-jit10": {"mstcn": True, "input_noise": 0.1},
    "mstcn-jit25": {"mstcn": True, "input_noise": 0.25},
}


class _RampSensorDropout(Callback):
    """Sensor dropout from 0 at the first epoch up to its ``p`` at half of ``max_epochs``."""

    def on_train_begin(self, net, **kwargs):
        module = net.module_.sensor_dropout
        self.p = None if module is None else module.p

    def on_epoch_begin(self, net, **kwargs):
        if self.p is not None:
            done = (len(net.history) - 1) / max(1.0, 0.5 * net.max_epochs)
            net.module_.sensor_dropout.p = self.p * min(1.0, done)

    def on_train_end(self, net, **kwargs):
        if self.p is not None:
            net.module_.sensor_dropout.p = self.p


def _pool_time(x, mask, dim):
    """Masked mean of frame pairs along ``dim`` of ``x`` (mask broadcast to x; None = all)."""
    t = x.shape[dim]
    pad = [0, 0] * (x.ndim - 1 - dim) + [0, t % 2]
    m = torch.ones_like(x) if mask is None else mask.to(x.dtype).expand_as(x)
    x, m = torch.nn.functional.pad(x * m, pad), torch.nn.functional.pad(m, pad)
    shape = list(x.shape)
    shape[dim : dim + 1] = [shape[dim] // 2, 2]
    s, n = x.reshape(shape).sum(dim + 1), m.reshape(shape).sum(dim + 1)
    return s / n.clamp(min=1), n > 0


def _unpool_logits(out, t):
    """(S, B, K, T') logits linearly interpolated back to T frames."""
    s, b, k, tp = out.shape
    up = torch.nn.functional.interpolate(
        out.reshape(s * b, k, tp), scale_factor=2, mode="linear", align_corners=False
    )
    return up[..., :t].reshape(s, b, k, t)


class _PooledTemporal(nn.Module):
    """The temporal stages at half the frame rate."""

    def __init__(self, temporal):
        super().__init__()
        self.inner = temporal

    def reset_parameters(self):
        self.inner.reset_parameters()

    def forward(self, x, mask=None):
        t = x.shape[2]
        pooled, n = _pool_time(x, None if mask is None else mask[:, None, :], 2)
        pmask = n[:, 0, :]
        out = _unpool_logits(self.inner(pooled, pmask), t)
        return out if mask is None else out * mask[None, :, None, :].to(out.dtype)


def _pooled_input_forward(net, x, node_mask=None, frame_mask=None):
    """The whole graph network at half the frame rate."""
    first = next(iter(x.values()))
    b, t = first.shape[:2]
    if node_mask is None:
        node_mask = torch.ones(b, t, net.num_nodes, dtype=torch.bool)
    if frame_mask is None:
        frame_mask = torch.ones(b, t, dtype=torch.bool)
    node_mask = node_mask.bool() & frame_mask.bool()[..., None]
    px, start = {}, 0
    pnodes = []
    for name, n_m in net.encoder.num_nodes.items():
        m = node_mask[..., start : start + n_m, None]
        px[name], pn = _pool_time(x[name], m, 1)
        pnodes.append(pn[..., 0])
        start += n_m
    pnode = torch.cat(pnodes, dim=-1)
    pframe = _pool_time(frame_mask[..., None].float(), None, 1)[0][..., 0] > 0
    out = type(net).forward(net, px, pnode & pframe[..., None], pframe)
    return _unpool_logits(out, t) * frame_mask[None, :, None, :].to(out.dtype)


def _zero_fill_aggregate(adj, xw, node_mask):
    """Hidden neighbours send zeros; every row keeps the whole graph's normalisation."""
    if node_mask is not None:
        xw = xw * node_mask.to(xw.dtype).unsqueeze(-1)
    return torch.einsum("ij,btjc->btic", row_normalize(adj), xw)


def _late_dropout_forward(net, x, node_mask=None, frame_mask=None):
    """GraphSegmentationNetwork.forward with the sensor dropout at the read-out only."""
    mask, frame_mask = _masks(x, node_mask, frame_mask, net.num_nodes)
    readout_mask = mask
    if net.training and net.sensor_dropout is not None:
        readout_mask = net.sensor_dropout(mask, frame_mask)
    mask, readout_mask = mask_or_none(mask), mask_or_none(readout_mask)
    h = net.encoder(x, mask)
    graph = None if net.graph is None else net.graph()
    for block in net.blocks:
        h = block(h, graph, mask)
    return net.temporal(net.readout(h, readout_mask).transpose(1, 2), frame_mask)


def _per_frame_graph_conv(self, x, adj, node_mask=None):
    """MaskedGraphConv.forward before the shared-graph aggregation (for the timing)."""
    out = torch.matmul(masked_adjacency(adj, node_mask), self.lin_rel(x)) + self.lin_root(x)
    return out if node_mask is None else out * node_mask.unsqueeze(-1).to(out.dtype)


def _slow(module):
    """The module with nn.Dropout and the per-frame masked adjacency, as before."""
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, FastDropout):
                setattr(parent, name, nn.Dropout(child.p))
            if isinstance(child, MaskedGraphConv):
                child.forward = _per_frame_graph_conv.__get__(child)
    return module


def _make_separable(stages):
    """Each dilated layer's kernel-3 convolution made depthwise (one filter per channel).

    The layer becomes ``x + dropout(conv_1x1(relu(depthwise(x))))``: ``C**2 + 3 C`` weights and
    multiply-adds per frame instead of ``4 C**2``; the 1x1 convolution mixes the channels.
    """
    for stage in dict.fromkeys(stages):  # shared refinement stages once
        for layer in stage.layers:
            c, d = layer.channels, layer.dilation
            layer.conv_dilated = nn.Conv1d(c, c, 3, padding=d, dilation=d, groups=c)


class _MixedSpanSensorDropout(nn.Module):
    """Per recording and node, with even odds, SensorDropout's one long span or four short."""

    def __init__(self, p):
        super().__init__()
        self.long, self.short = SensorDropout(p), SensorDropout(p, n_spans=4)

    def forward(self, node_mask, frame_mask=None):
        if not self.training:
            return node_mask
        b, _, n = node_mask.shape
        pick = torch.rand(b, 1, n, device=node_mask.device) < 0.5
        out = torch.where(pick, self.long(node_mask, frame_mask), self.short(node_mask, frame_mask))
        full = node_mask if frame_mask is None else node_mask & frame_mask.unsqueeze(-1)
        return torch.where(out.any(-1, keepdim=True), out, full)


class _SensorDropoutEarlyFusion(EarlyFusionTCN):
    """EarlyFusionTCN with SensorDropout on its training node mask."""

    def __init__(self, p, **kwargs):
        super().__init__(**kwargs)
        self.sensor_dropout = SensorDropout(p)

    def forward(self, x, node_mask=None, frame_mask=None):
        if self.training:
            first = next(iter(x.values()))
            b, t = first.shape[:2]
            if node_mask is None:
                node_mask = torch.ones(b, t, sum(self.num_nodes.values()), dtype=torch.bool)
            if frame_mask is None:
                frame_mask = torch.ones(b, t, dtype=torch.bool)
            node_mask = self.sensor_dropout(node_mask.bool(), frame_mask.bool())
        return super().forward(x, node_mask, frame_mask)


class _MSTCN(MSTCNSegmenter):
    spec: dict = {}

    def build_module(self, layout, n_classes, sequences):
        if self.spec.get("sensor_dropout"):
            kwargs = self.module_kwargs(layout, n_classes)
            module = _SensorDropoutEarlyFusion(self.spec["sensor_dropout"], **kwargs)
        else:
            module = super().build_module(layout, n_classes, sequences)
        return _slow(module) if self.spec.get("slow") else module


class _Graph(AdaptiveGraphSegmenter):
    spec: dict = {}

    def build_module(self, layout, n_classes, sequences):
        module = super().build_module(layout, n_classes, sequences)
        if self.spec.get("aggregate") == "zero":
            for child in module.modules():
                if isinstance(child, MaskedGraphConv):
                    child._aggregate_shared = _zero_fill_aggregate
        if self.spec.get("node_embedding") is False:
            module.encoder.node_emb = None
        if self.spec.get("spans") == "mix":
            module.sensor_dropout = _MixedSpanSensorDropout(self.sensor_dropout)
        elif self.spec.get("spans"):
            module.sensor_dropout = SensorDropout(self.sensor_dropout, n_spans=self.spec["spans"])
        if "block_dropout" in self.spec:
            for block in module.blocks:
                block.dropout.p = self.spec["block_dropout"]
        if self.spec.get("separable"):
            stages = module.temporal.stages
            _make_separable(stages[1:] if self.spec["separable"] == "refinement" else stages)
        if self.spec.get("share") is False:
            module.temporal = MultiStageTCN(
                *(self.hidden_channels, self.hidden_channels, n_classes),
                *(self.n_stages, self.n_layers, self.dropout),
                refinement_channels=self.refinement_channels,
            )
        if self.spec.get("late"):
            module.forward = _late_dropout_forward.__get__(module)
        if self.spec.get("pool") == "temporal":
            module.temporal = _PooledTemporal(module.temporal)
        elif self.spec.get("pool") == "input":
            module.forward = _pooled_input_forward.__get__(module)
        return _slow(module) if self.spec.get("slow") else module


def make_candidate(name, epochs, seed):
    spec = CANDIDATES[name]
    if spec.get("mstcn"):
        cls = type(f"Candidate_{name}", (_MSTCN,), {"spec": spec})
        stages = {k: spec[k] for k in ("n_stages", "lr", "input_noise") if k in spec}
        return cls(max_epochs=epochs, random_state=seed, **stages)
    cls = type(f"Candidate_{name}", (_Graph,), {"spec": spec})
    keys = (
        "sensor_dropout",
        "refinement_channels",
        "node_channels",
        "n_stages",
        "n_spatial_layers",
        "lr",
        "prior_graph",
        "stage_stride",
        "refinement_stride",
        "input_noise",
    )
    params = {k: spec[k] for k in keys if k in spec}
    if spec.get("ramp"):
        params["callbacks"] = [("sd_ramp", _RampSensorDropout())]
    return cls(max_epochs=epochs, random_state=seed, **params)


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


def noisy(X, name, seed):
    """Copies of the recordings with robustness.py's added noise on modality ``name``."""
    rng = np.random.RandomState(seed)
    return [add_noise(rec, name, rng) for rec in X]


def _scores(y_true, y_pred):
    r = segmentation_report(y_true, y_pred, output_dict=True)
    return {k: 100 * r[k] for k in ("accuracy", "edit", "f1@50")}


def _fit(name, epochs, seed, X, y):
    """The candidate behind the standard preprocessing, fitted; and its fit time in s."""
    model = make_segmentation_pipeline(make_candidate(name, epochs, seed))
    t0 = time.perf_counter()
    model.fit(X, y)
    return model, time.perf_counter() - t0


def _print(row):
    print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)


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
        Xnoise = noisy(Xte, "accel", seed)
        for name in names:
            model, fit_s = _fit(name, epochs, seed, [X[i] for i in tr], [y[i] for i in tr])
            clean = _scores(yte, model.predict(Xte))
            miss = _scores(yte, model.predict(Xmiss))
            noise = _scores(yte, model.predict(Xnoise))
            rows.append(
                {
                    "candidate": name,
                    "seed": seed,
                    "n_train": len(tr),
                    "missing": " ".join(map(str, sorted(idx))),
                    **clean,
                    **{f"{k} miss3": v for k, v in miss.items()},
                    "f1@50 drop": clean["f1@50"] - miss["f1@50"],
                    "f1@50 noise": noise["f1@50"],
                    "f1@50 noise drop": clean["f1@50"] - noise["f1@50"],
                    "params": count_parameters(model),
                    "fit_s": fit_s,
                }
            )
            _print(rows[-1])
    return rows


def run_basic_motions(names, seeds, epochs, fraction=1.0):
    rows = []
    for seed in seeds:
        Xtr, ytr = load_basic_motions_sequences("train", random_state=seed)[:2]
        n_keep = max(1, round(fraction * len(Xtr)))
        keep = np.random.RandomState(seed).permutation(len(Xtr))[:n_keep]
        Xtr, ytr = [Xtr[i] for i in keep], [ytr[i] for i in keep]
        Xte, yte = load_basic_motions_sequences("test", random_state=seed)[:2]
        Xnoise = noisy(Xte, next(iter(Xte[0].modalities)), seed)
        for name in names:
            model, fit_s = _fit(name, epochs, seed, Xtr, ytr)
            clean = _scores(yte, model.predict(Xte))
            noise = _scores(yte, model.predict(Xnoise))
            rows.append(
                {
                    "candidate": name,
                    "seed": seed,
                    "n_train": len(Xtr),
                    **clean,
                    "f1@50 noise": noise["f1@50"],
                    "f1@50 noise drop": clean["f1@50"] - noise["f1@50"],
                    "params": count_parameters(model),
                    "fit_s": fit_s,
                }
            )
            _print(rows[-1])
    return rows


def run_timing(names, n_frames, repeats):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layout = {"accel": (10, 6), "video": (1, 32)}
    x = {"accel": torch.randn(1, n_frames, 10, 6), "video": torch.randn(1, n_frames, 1, 32)}
    node_mask = torch.ones(1, n_frames, 11, dtype=torch.bool)
    node_mask[:, : n_frames // 4, 2] = False  # one sensor drops out for a while, as in the data
    frame_mask = torch.ones(1, n_frames, dtype=torch.bool)
    y = torch.randint(0, 18, (1, n_frames))
    loss = SegmentationLoss()
    nets = {}
    for n in names:
        seg = make_candidate(n, 1, 0)
        seg.set_params(**({} if CANDIDATES[n].get("mstcn") else {"prior_graph": None}))
        nets[n] = seg.build_module(layout, 18, None)
    train_s = {n: [] for n in names}
    infer_s = {n: [] for n in names}
    for _ in range(repeats):
        for n, net in nets.items():
            net.train()
            t0 = time.process_time()
            loss(net(x, node_mask, frame_mask), y).backward()
            train_s[n].append(time.process_time() - t0)
            net.eval()
            with torch.no_grad():
                t0 = time.process_time()
                net(x, None, None)
                infer_s[n].append(time.process_time() - t0)
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
    ref = table.loc["mstcn"]
    table["train_time_vs_mstcn"] = table["train_step_s"] / ref["train_step_s"]
    table["infer_speed_vs_mstcn"] = table["infer_frames_per_s"] / ref["infer_frames_per_s"]
    table["params_vs_mstcn"] = table["params"] / ref["params"]
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--protocol",
        choices=["kitchen-small", "kitchen", "basic_motions"],
        default="basic_motions",
        help="the fitting protocol (default: basic_motions); not used with --timing",
    )
    parser.add_argument("--timing", action="store_true")
    parser.add_argument(
        "--candidates",
        nargs="+",
        choices=list(CANDIDATES),
        default=None,
        metavar="NAME",
        help="names of CANDIDATES (default: nosd sd sd-ref32 mstcn; with --timing all but "
        "mstcn-sd, and mstcn among them: the ratios are to it)",
    )
    parser.add_argument("--seeds", type=SEED, nargs="+", default=[0, 1])
    parser.add_argument("--epochs", type=POSITIVE_INT, default=None)
    parser.add_argument(
        "--duration", type=KITCHEN_DURATION, default=60.0, help="kitchen: mean length, s"
    )
    parser.add_argument(
        "--fraction", type=FRACTION, default=1.0, help="share of the basic_motions training set"
    )
    parser.add_argument("--frames", type=POSITIVE_INT, default=1800)
    parser.add_argument(
        "--repeats",
        type=number_in(int, 2),
        default=6,
        help="timing: interleaved repeats; the first is a warm-up, the median is over the "
        "others (default 6: the median of 5)",
    )
    parser.add_argument("--out", default=None, help="CSV file for the rows")
    args = parser.parse_args(argv)
    if args.timing and args.candidates is not None and "mstcn" not in args.candidates:
        parser.error("--timing gives every candidate's ratios to mstcn: add mstcn to --candidates")
    warnings.simplefilter("ignore")
    if args.timing:
        names = args.candidates or [n for n in CANDIDATES if n != "mstcn-sd"]
        table = run_timing(names, args.frames, args.repeats)
        print(table.round(3).to_string())
        if args.out:
            table.to_csv(args.out)
        return table
    names = args.candidates or ["nosd", "sd", "sd-ref32", "mstcn"]
    if args.protocol == "kitchen-small":
        rows = run_kitchen(names, args.seeds, 2, args.epochs or 20, args.duration)
    elif args.protocol == "kitchen":
        rows = run_kitchen(names, args.seeds, 3, args.epochs or 30, args.duration)
    else:
        rows = run_basic_motions(names, args.seeds, args.epochs or 30, args.fraction)
    df = pd.DataFrame(rows)
    if args.out:
        df.to_csv(args.out, index=False)
    numeric = df.drop(columns=["seed", "missing"], errors="ignore")
    table = numeric.groupby("candidate", sort=False).agg(["mean", "std"])
    print(table.round(1).to_string())
    return df


if __name__ == "__main__":
    main()
