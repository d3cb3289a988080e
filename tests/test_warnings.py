"""Warnings of the package point at the caller's line, not at scikit-learn's or ours."""

import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from stgraph_sklearn.exceptions import StgraphWarning
from stgraph_sklearn.transformers import SensorGraphBuilder


def test_warning_through_a_pipeline_points_at_this_file():
    X = [np.random.RandomState(0).randn(30, 3, 2)]
    model = make_pipeline(SensorGraphBuilder(strategy="correlation", k=5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X)  # the line the warning must name
    ours = [w for w in caught if issubclass(w.category, StgraphWarning)]
    assert ours, "expected the k > n_nodes - 1 warning"
    assert all(w.filename == __file__ for w in ours), [w.filename for w in ours]


def test_direct_call_points_at_this_file():
    with pytest.warns(StgraphWarning) as record:
        SensorGraphBuilder(strategy="correlation", k=5).fit(
            [np.zeros((10, 3, 1)) + np.arange(3)[:, None]]
        )
    assert record[0].filename == __file__
