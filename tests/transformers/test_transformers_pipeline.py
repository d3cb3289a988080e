"""Composition: the transformers in a Pipeline, tuned by GridSearchCV with subject-disjoint folds."""

import numpy as np
from _transformers_helpers import make_recording
from sklearn.base import BaseEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

from stgraph_sklearn.data import GraphSequence
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)


class MeanActivitySegmenter(BaseEstimator):
    """Trivial final estimator on GraphSequences: thresholds the mean present-node feature."""

    def fit(self, X, y):
        assert all(isinstance(x, GraphSequence) for x in X)
        scores = np.concatenate([self._score(x) for x in X])
        labels = np.concatenate(y)
        self.threshold_ = float(np.median(scores))
        self.high_label_ = int(np.round(labels[scores > self.threshold_].mean()))
        return self

    @staticmethod
    def _score(seq):
        block, mask = seq.blocks["accel"], seq.masks["accel"]
        total = (np.abs(block).sum(axis=2) * mask).sum(axis=1)
        return total / np.maximum(mask.sum(axis=1), 1)

    def predict(self, X):
        return [
            np.where(self._score(x) > self.threshold_, self.high_label_, 1 - self.high_label_)
            for x in X
        ]


def frame_accuracy(estimator, X, y):
    pred = estimator.predict(X)
    return float(np.mean(np.concatenate(pred) == np.concatenate(y)))


def _pipeline():
    return make_pipeline(
        ModalityAligner(), NodeFeatureExtractor(), SequenceScaler(), SensorGraphBuilder(k=2)
    )


def test_pipeline_fits_and_transforms(recordings):
    out = _pipeline().fit(recordings).transform(recordings)
    assert len(out) == len(recordings)
    for rec, seq in zip(recordings, out, strict=True):
        assert isinstance(seq, GraphSequence)
        assert seq.n_frames == rec.n_frames and seq.name == rec.name
        # default stats (mean, std, energy) x 3 channels, and x 4 video channels
        assert seq.feature_shapes == {"accel": (3, 9), "video": (1, 12)}
        assert seq.graph.node_names == ("accel:knife", "accel:board", "accel:bowl", "video")
        mask = seq.masks["accel"]
        assert mask[:, [0, 2]].all()
        # the 1 s drop-out of "board" (2-3 s on the accelerometer clock, 0.1 s ahead) stays masked
        frames = np.arange(rec.n_frames) / 30 + 0.1
        assert not mask[(frames > 2.15) & (frames < 2.85), 1].any()
        assert mask[(frames < 1.7) | ((frames > 3.3) & (frames < 5.7)), 1].all()
        assert (seq.blocks["accel"][~mask] == 0).all()


def test_pipeline_then_flattener(recordings):
    pipe = make_pipeline(_pipeline(), FrameFeatureFlattener())
    out = pipe.fit_transform(recordings)
    assert all(o.shape[0] == r.n_frames for o, r in zip(out, recordings, strict=True))
    assert len({o.shape[1] for o in out}) == 1


def test_grid_search_over_graph_and_window_parameters():
    X = [make_recording(seed) for seed in range(6)]
    groups = [rec.subject for rec in X]
    y = []
    for rec in X:
        t = np.arange(rec.n_frames) / rec.frame_rate
        y.append((np.sin(2 * np.pi * 0.25 * t) > 0).astype(int))
    pipe = make_pipeline(
        ModalityAligner(),
        NodeFeatureExtractor(),
        SequenceScaler(),
        SensorGraphBuilder(k=2),
        MeanActivitySegmenter(),
    )
    grid = {
        "sensorgraphbuilder__k": [1, 2],
        "nodefeatureextractor__windows": [(0.5,), (0.25, 1.0)],
    }
    search = GridSearchCV(pipe, grid, scoring=frame_accuracy, cv=GroupKFold(n_splits=3))
    search.fit(X, y, groups=groups)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    assert best.named_steps["sensorgraphbuilder"].k == search.best_params_["sensorgraphbuilder__k"]
    pred = search.predict(X[:2])
    assert [p.shape for p in pred] == [(r.n_frames,) for r in X[:2]]
