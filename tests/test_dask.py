"""Searches over segmenter pipelines on a Dask distributed cluster (joblib's dask backend)."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline

distributed = pytest.importorskip("distributed")

from stgraph_sklearn.data import Modality, Recording  # noqa: E402
from stgraph_sklearn.estimators import MSTCNSegmenter  # noqa: E402
from stgraph_sklearn.metrics import get_scorer  # noqa: E402
from stgraph_sklearn.transformers import ModalityAligner, SequenceScaler  # noqa: E402

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def cluster_client():
    # two worker *processes* (not threads): the tasks, estimators and recordings are pickled
    # to other interpreters as on a real cluster
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # workers import the library (and torch) once, up front, as a cluster's workers do
        client.run(lambda: __import__("stgraph_sklearn.estimators"))
        yield client


@pytest.fixture(scope="module")
def recordings():
    """Two-modality recordings at different rates (so the aligner resamples), 4 subjects."""
    rng = np.random.RandomState(0)
    X, y = [], []
    for _ in range(8):
        lab = np.repeat([0, 1, 0], 20)
        acc = 0.3 * rng.randn(100, 2, 3)
        acc[np.repeat(lab, 5)[::3][:100] == 1, 0] += 2.0
        video = rng.randn(60, 4) + lab[:, None]
        X.append(
            Recording(
                {"acc": Modality(acc, rate=50.0), "video": Modality(video, rate=30.0)},
                frame_rate=30.0,
                n_frames=60,
            )
        )
        y.append(lab)
    return X, y, np.repeat([0, 1, 2, 3], 2)


def _pipeline():
    return make_pipeline(ModalityAligner(), SequenceScaler(), MSTCNSegmenter(**TINY))


def test_grid_search_on_a_local_cluster_scores_as_in_one_process(cluster_client, recordings):
    X, y, groups = recordings
    search = GridSearchCV(
        _pipeline(),
        {"mstcnsegmenter__lr": [1e-3, 1e-2], "sequencescaler__per": ["node", "modality"]},
        cv=GroupKFold(2),
        scoring={"acc": get_scorer("frame_accuracy"), "f1": get_scorer("f1@50")},
        refit="acc",
    )
    with distributed.get_task_stream(cluster_client) as tasks:
        with joblib.parallel_config(backend="dask"):
            on_cluster = search.fit(X, y, groups=groups).cv_results_
    assert len({t["worker"] for t in tasks.data}) == 2  # both worker processes fitted
    local = GridSearchCV(**{**search.get_params(deep=False), "n_jobs": 1}).fit(X, y, groups=groups)
    for key in ("split0_test_acc", "split1_test_acc", "split0_test_f1", "split1_test_f1"):
        np.testing.assert_allclose(on_cluster[key], local.cv_results_[key], rtol=1e-6)
    assert search.best_params_ == local.best_params_


def test_cross_validate_on_a_local_cluster_scores_as_in_one_process(cluster_client, recordings):
    X, y, groups = recordings
    with distributed.get_task_stream(cluster_client) as tasks:
        with joblib.parallel_config(backend="dask"):
            res = cross_validate(_pipeline(), X, y, groups=groups, cv=GroupKFold(2))
    assert tasks.data  # the folds ran as tasks on the cluster
    ref = cross_validate(_pipeline(), X, y, groups=groups, cv=GroupKFold(2), n_jobs=1)
    np.testing.assert_allclose(res["test_score"], ref["test_score"], rtol=1e-6)
