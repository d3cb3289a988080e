"""SegmentationPipeline and make_segmentation_pipeline."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.pipeline import SegmentationPipeline, make_segmentation_pipeline

TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def kitchen():
    X, y, _ = make_kitchen_activities(3, 3, duration=20.0, random_state=0)
    return X, y


def test_predict_segments_through_the_pipeline(kitchen):
    """predict_segments of the pipeline = the segmenter's on the transformed recordings."""
    X, y = kitchen
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY)).fit(X, y)
    assert isinstance(model, SegmentationPipeline) and isinstance(model, Pipeline)
    got = model.predict_segments(X)
    expected = model[-1].predict_segments(model[:-1].transform(X))
    # Recordings in: also the bounds on their own clock (start_time is 0 here)
    assert got.drop(columns=["start_time", "end_time"]).equals(expected)
    np.testing.assert_array_equal(got["start_time"], got["start_s"])
    assert len(got) > 0 and set(got["recording"]) == set(range(len(X)))
    # The segments tile every recording and agree with predict.
    for i, labels in enumerate(model.predict(X)):
        rows = got[got["recording"] == i]
        assert rows["start"].iloc[0] == 0 and rows["end"].iloc[-1] == len(labels)
        np.testing.assert_array_equal(np.repeat(rows["label"], rows["end"] - rows["start"]), labels)


def test_predicted_segments_on_the_recordings_clock(kitchen):
    """Check that start_time/end_time are start_s/end_s on each recording's own clock:
    shifted by start_time, or Timestamps from start_datetime when every recording has one."""
    X, y = kitchen
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY)).fit(X, y)
    shifted = [x.replace(start_time=10.0 * (i + 1)) for i, x in enumerate(X)]
    got = model.predict_segments(shifted)
    cols = list(got.columns)
    assert cols[cols.index("end_s") + 1 : cols.index("end_s") + 3] == ["start_time", "end_time"]
    offset = 10.0 * (got["recording"] + 1)
    np.testing.assert_allclose(got["start_time"], got["start_s"] + offset)
    np.testing.assert_allclose(got["end_time"], got["end_s"] + offset)
    origin = pd.Timestamp("2024-05-01 10:00:00", tz="Europe/Berlin")
    dated = [x.replace(start_datetime=origin + pd.Timedelta(hours=i)) for i, x in enumerate(X)]
    got = model.predict_segments(dated)
    expected = origin + pd.to_timedelta(got["recording"], unit="h")
    expected += pd.to_timedelta(got["start_s"], unit="s")
    assert (got["start_time"] == expected).all() and str(got["start_time"].dt.tz) == "Europe/Berlin"
    # one recording without a datetime clock: seconds on each clock
    got = model.predict_segments([*dated[:-1], X[-1]])
    assert got["start_time"].dtype.kind == "f"


def test_segmentation_pipeline_behaves_like_a_pipeline(kitchen):
    """Same parameters, slicing, clone and pickling as scikit-learn's Pipeline."""
    X, y = kitchen
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY), k=2)
    assert model.get_params()["sensorgraphbuilder__k"] == 2
    assert isinstance(model[:-1], SegmentationPipeline)
    cloned = clone(model).set_params(sensorgraphbuilder__k=1)
    assert cloned.get_params()["sensorgraphbuilder__k"] == 1 and model[-2].k == 2
    fitted = model.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.predict_segments(X).equals(fitted.predict_segments(X))


def test_predict_segments_needs_a_segmenter_at_the_end():
    """Without a segmenter as the last step the method is absent, as sklearn's available_if does."""
    model = SegmentationPipeline([("clf", LogisticRegression())])
    assert not hasattr(model, "predict_segments")
    with pytest.raises(AttributeError, match="predict_segments"):
        model.predict_segments([np.zeros((3, 2))])


def test_default_pipeline_fits_two_sensors_without_warnings(recwarn):
    """Check that make_segmentation_pipeline's default k does not warn on a small sensor set."""
    from stgraph_sklearn.data import Modality, Recording
    from stgraph_sklearn.exceptions import StgraphWarning

    rng = np.random.RandomState(0)
    X = [Recording({"imu": Modality(rng.randn(40, 2, 3), rate=30.0)}, 30.0) for _ in range(2)]
    y = [np.repeat([0, 1], 20)] * 2
    seg = MSTCNSegmenter(**{**MSTCNSegmenter.get_test_params()[0], "max_epochs": 1})
    model = make_segmentation_pipeline(seg).fit(X, y)
    assert model.named_steps["sensorgraphbuilder"].k_ == 1
    assert not [w for w in recwarn if issubclass(w.category, StgraphWarning)]


@pytest.mark.parametrize(
    "segmenter, match",
    [
        (None, "'segmenter' must be a segmenter instance .* Got None"),
        (MSTCNSegmenter, "'segmenter' must be a segmenter instance"),
        (
            LogisticRegression(),
            r".*Wrap it as FrameClassifierSegmenter\(classifier=LogisticRegression",
        ),
        (RandomForestClassifier(), r".*FrameClassifierSegmenter\(classifier=RandomForest"),
    ],
    ids=["None", "class", "tabular", "ensemble"],
)
def test_make_segmentation_pipeline_checks_its_segmenter(segmenter, match):
    """Check that what cannot segment is refused when the pipeline is built (None built a
    pipeline without predict; LogisticRegression failed in fit inside scikit-learn)."""
    with pytest.raises(TypeError, match=f"^make_segmentation_pipeline: {match}"):
        make_segmentation_pipeline(segmenter)


def test_make_segmentation_pipeline_graph_and_edges():
    """Check that 'graph' is named by this function, and that graph="edges" takes edges."""
    with pytest.raises(ValueError, match=r"^make_segmentation_pipeline: 'graph' must be one of"):
        make_segmentation_pipeline(MSTCNSegmenter(), graph="foo")
    with pytest.raises(ValueError, match="graph='edges' needs edges="):
        make_segmentation_pipeline(MSTCNSegmenter(), graph="edges")
    pipe = make_segmentation_pipeline(MSTCNSegmenter(), graph="edges", edges=[("a", "b")])
    assert pipe.get_params()["sensorgraphbuilder__edges"] == [("a", "b")]


def test_frames_without_any_sensor_warn_at_prediction(kitchen):
    """Check that frames where every sensor is missing are flagged (they got confident labels,
    about 0.73-0.84, without a word)."""
    from stgraph_sklearn.exceptions import MissingSensorWarning

    X, y = kitchen
    model = make_segmentation_pipeline(
        MSTCNSegmenter(max_epochs=1, hidden_channels=8, n_stages=1, n_layers=2, random_state=0)
    ).fit(X[:2], y[:2])
    empty = X[2].replace(
        modalities={
            k: m.replace(values=np.full(np.shape(m.values), np.nan))
            for k, m in X[2].modalities.items()
        }
    )
    with pytest.warns(
        MissingSensorWarning, match=r"no sensor present at all \(X\[1\] 'kitchen-\S+': (\d+) of \1 "
    ):
        model.predict([X[2], empty])
    with pytest.warns(MissingSensorWarning, match="no sensor present at all"):
        model.predict_segments([empty])


def test_a_frozen_segmenter_ends_a_segmentation_pipeline():
    """Check that ``FrozenEstimator(segmenter)`` is accepted: it was refused as a model that
    "reads tables of samples", with a wrong suggestion."""
    from sklearn.frozen import FrozenEstimator

    from stgraph_sklearn.estimators import FrameClassifierSegmenter

    model = make_segmentation_pipeline(FrozenEstimator(FrameClassifierSegmenter()))
    assert isinstance(model.steps[-1][1], FrozenEstimator)
