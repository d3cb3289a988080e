"""Memory-mapped recordings through the default pipeline: lazy, streamed, equal to in memory."""

import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from stgraph_sklearn.data import GraphSequence, LazyValues, Modality, Recording, is_lazy
from stgraph_sklearn.datasets import make_kitchen_activities
from stgraph_sklearn.estimators import AdaptiveGraphSegmenter, MSTCNSegmenter
from stgraph_sklearn.pipeline import make_segmentation_pipeline
from stgraph_sklearn.transformers import (
    FrameFeatureFlattener,
    ModalityAligner,
    NodeFeatureExtractor,
    SensorGraphBuilder,
    SequenceScaler,
)

# the simulation drops a sensor for a whole recording: the warning is tested elsewhere
pytestmark = pytest.mark.filterwarnings("ignore::stgraph_sklearn.exceptions.MissingSensorWarning")
TINY = {"hidden_channels": 8, "n_stages": 2, "n_layers": 3, "max_epochs": 2, "random_state": 0}


def memory_map(X, folder, keys=None):
    """The recordings with the values of modalities ``keys`` (all if None) saved to
    ``folder`` and memory-mapped."""
    out = []
    for i, rec in enumerate(X):
        mods = {}
        for key, mod in rec.modalities.items():
            if keys is not None and key not in keys:
                mods[key] = mod
                continue
            path = folder / f"{i}_{key}.npy"
            np.save(path, mod.values)
            mods[key] = mod.replace(values=np.load(path, mmap_mode="r"))
        out.append(rec.replace(modalities=mods))
    return out


class CountingValues(LazyValues):
    """Lazy values that count how often they are computed."""

    def __init__(self, values, counter):
        super().__init__(lambda: self._read(), values.shape, values.dtype, where="counted")
        self.array, self.counter = values, counter

    def _read(self):
        self.counter.append(1)
        return self.array


@pytest.fixture(scope="module")
def kitchen():
    # clock offsets, drift, sensor drop-outs (NaN) and two modalities at different rates
    X, y, _ = make_kitchen_activities(4, 2, duration=20.0, random_state=0)
    return X, y


@pytest.fixture
def lazy_kitchen(kitchen, tmp_path):
    X, y = kitchen
    return memory_map(X, tmp_path), y


def _assert_same_sequences(eager, lazy, lazy_keys=None):
    for a, b in zip(eager, lazy, strict=True):
        assert isinstance(b, GraphSequence)
        for key, block in b.blocks.items():
            assert is_lazy(block) == (lazy_keys is None or key in lazy_keys)
        b = b.load()
        assert a.graph == b.graph and a.name == b.name
        for key in a.blocks:
            np.testing.assert_array_equal(a.blocks[key], b.blocks[key])
            np.testing.assert_array_equal(a.masks[key], b.masks[key])


@pytest.mark.parametrize("graph", ["correlation", "knn"])
def test_lazy_pipeline_transforms_exactly_as_in_memory(kitchen, lazy_kitchen, graph):
    X, _ = kitchen
    Xl, _ = lazy_kitchen
    eager = make_segmentation_pipeline(MSTCNSegmenter(**TINY), graph=graph)[:-1].fit(X)
    lazy = make_segmentation_pipeline(MSTCNSegmenter(**TINY), graph=graph)[:-1].fit(Xl)
    scaler_e, scaler_l = eager.named_steps["sequencescaler"], lazy.named_steps["sequencescaler"]
    for key in scaler_e.mean_:
        np.testing.assert_allclose(scaler_l.mean_[key], scaler_e.mean_[key], rtol=1e-12)
        np.testing.assert_allclose(scaler_l.scale_[key], scaler_e.scale_[key], rtol=1e-12)
    _assert_same_sequences(eager.transform(X), lazy.transform(Xl))


def test_recordings_with_some_modalities_memory_mapped(kitchen, tmp_path):
    X, _ = kitchen
    Xl = memory_map(X, tmp_path, keys=("video",))
    eager = make_segmentation_pipeline(MSTCNSegmenter(**TINY))[:-1].fit(X)
    lazy = make_segmentation_pipeline(MSTCNSegmenter(**TINY))[:-1].fit(Xl)
    _assert_same_sequences(eager.transform(X), lazy.transform(Xl), lazy_keys=("video",))


@pytest.mark.parametrize(
    "segmenter",
    [
        MSTCNSegmenter(crop_length=64, validation_fraction=0.3, **TINY),
        AdaptiveGraphSegmenter(crop_length=64, chunk_size=96, **TINY),
    ],
    ids=["mstcn-crops-validation", "adaptive-crops-chunks"],
)
def test_lazy_pipeline_predicts_exactly_as_in_memory(kitchen, lazy_kitchen, segmenter):
    X, y = kitchen
    Xl, _ = lazy_kitchen
    eager = make_segmentation_pipeline(clone(segmenter)).fit(X, y)
    lazy = make_segmentation_pipeline(clone(segmenter)).fit(Xl, y)
    np.testing.assert_allclose(
        lazy[-1].history_[:, "train_loss"], eager[-1].history_[:, "train_loss"], rtol=1e-6
    )
    for a, b in zip(eager.predict(X), lazy.predict(Xl), strict=True):
        np.testing.assert_array_equal(a, b)
    restored = pickle.loads(pickle.dumps(lazy))
    for a, b in zip(eager.predict(X), restored.predict(Xl), strict=True):
        np.testing.assert_array_equal(a, b)
    assert clone(lazy).get_params()["sequencescaler__per"] == "node"


def test_transformers_read_each_training_recording_once_and_transform_reads_nothing():
    X, _, _ = make_kitchen_activities(3, 2, duration=10.0, random_state=1)
    reads = []
    Xc = [
        rec.replace(
            modalities={
                k: m.replace(values=CountingValues(m.values, reads))
                for k, m in rec.modalities.items()
            }
        )
        for rec in X
    ]
    n_values = sum(len(rec.modalities) for rec in X)
    steps = make_segmentation_pipeline(MSTCNSegmenter())[:-1]
    aligned = steps[:2].fit_transform(Xc)
    assert not reads  # alignment and features are lazy: nothing computed yet
    scaled = steps[2].fit_transform(aligned)
    assert len(reads) == n_values  # the scaler's statistics: one read of every recording
    sequences = steps[3].fit_transform(scaled)
    assert len(reads) == 2 * n_values  # the correlation graph: one more
    assert all(is_lazy(b) for s in sequences for b in s.blocks.values())
    sequences[0].load()
    assert len(reads) == 2 * n_values + len(X[0].modalities)


def test_lazy_input_is_not_modified_and_flattens(lazy_kitchen):
    Xl, _ = lazy_kitchen
    before = [{k: np.asarray(m.values).copy() for k, m in r.modalities.items()} for r in Xl]
    steps = [ModalityAligner(), NodeFeatureExtractor(), SequenceScaler(), SensorGraphBuilder()]
    Xt = Xl
    for step in steps:
        Xt = step.fit_transform(Xt)
    rows_lazy = FrameFeatureFlattener().fit_transform(Xt)
    rows_eager = FrameFeatureFlattener().fit_transform([s.load() for s in Xt])
    np.testing.assert_array_equal(np.vstack(rows_lazy), np.vstack(rows_eager))
    for rec, values in zip(Xl, before, strict=True):
        for key, v in values.items():
            np.testing.assert_array_equal(np.asarray(rec.modalities[key].values), v)


def test_missing_file_at_predict_names_the_recording(kitchen, tmp_path):
    X, y = kitchen
    Xl = memory_map(X[:2], tmp_path)
    model = make_segmentation_pipeline(MSTCNSegmenter(**TINY)).fit(Xl, y[:2])
    (tmp_path / "1_video.npy").unlink()
    name = Xl[1].name
    with pytest.raises(FileNotFoundError, match=rf"recording {name!r} modality 'video'.*gone"):
        model.predict(Xl)


def test_memory_mapped_arrays_stay_lazy_through_scaler_and_segmenter(tmp_path):
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(50 + 10 * i, 3, 2)).astype(np.float32) for i in range(3)]
    y = [np.repeat([0, 1], len(x) // 2 + 1)[: len(x)] for x in X]
    for i, x in enumerate(X):
        np.save(tmp_path / f"{i}.npy", x)
    Xl = [np.load(tmp_path / f"{i}.npy", mmap_mode="r") for i in range(3)]
    scaler = SequenceScaler().fit(Xl)
    scaled = scaler.transform(Xl)
    assert all(isinstance(x, LazyValues) for x in scaled)
    for a, b in zip(SequenceScaler().fit(X).transform(X), scaled, strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
    params = {**TINY, "max_epochs": 1, "crop_length": 16}
    eager = MSTCNSegmenter(**params).fit(X, y)
    lazy = MSTCNSegmenter(**params).fit(Xl, y)
    for a, b in zip(eager.predict(X), lazy.predict(Xl), strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(len(p) == len(x) for p, x in zip(lazy.predict(scaled), X, strict=True))


def test_consecutive_crops_of_a_lazy_recording_compute_it_once():
    from stgraph_sklearn.estimators._batching import SequenceDataset

    rng = np.random.default_rng(4)
    reads = []
    arrays = [rng.normal(size=(40, 2, 3)).astype(np.float32) for _ in range(3)]
    seqs = [GraphSequence({"x": CountingValues(a, reads)}) for a in arrays]
    targets = [np.zeros(40, dtype=np.int64) for _ in arrays]
    tiles = SequenceDataset(seqs, targets, crop_length=8)
    items = [tiles[j] for j in range(len(tiles))]
    assert len(items) == 15 and len(reads) == 3
    np.testing.assert_array_equal(np.concatenate([x["x"] for x, _, _ in items[:5]]), arrays[0])
    crops = SequenceDataset(seqs, targets, random_phase=True, crop_length=8)
    for j in (0, 0, 1):
        crops[j]
    assert len(reads) == 6  # random crops keep nothing between draws


@st.composite
def raw_recordings(draw):
    """Two to three recordings of two modalities at random rates, lengths, offsets, NaN and
    inf runs and dtypes."""
    rate = draw(st.sampled_from([10.0, 25.0, 30.0, 50.0]))
    dtype = draw(st.sampled_from(["float32", "float64", "int16"]))
    out = []
    for _ in range(draw(st.integers(2, 3))):
        seconds = draw(st.integers(2, 5))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        acc = rng.normal(size=(int(seconds * rate), 3, 2)) * 5
        video = rng.normal(size=(int(seconds * 10), 4)) * 5
        for arr in (acc, video):
            for value in draw(st.lists(st.sampled_from([np.nan, np.inf]), max_size=2)):
                a = draw(st.integers(0, arr.shape[0] - 1))
                arr[a : a + draw(st.integers(1, 8)), draw(st.integers(0, arr.shape[1] - 1))] = value
        if dtype == "int16":
            acc, video = (np.nan_to_num(a, posinf=0.0).astype(dtype) for a in (acc, video))
        start = draw(st.sampled_from([0.0, 0.1]))
        out.append(
            (
                {
                    "accel": (acc.astype(dtype), rate, start),
                    "video": (video.astype(dtype), 10.0, 0.0),
                },
                seconds,
            )
        )
    return out


def _build(spec, folder=None):
    X = []
    for i, (mods, seconds) in enumerate(spec):
        modalities = {}
        for key, (values, rate, start) in mods.items():
            if folder is not None:
                np.save(folder / f"{i}_{key}.npy", values)
                values = np.load(folder / f"{i}_{key}.npy", mmap_mode="r")
            modalities[key] = Modality(values, rate=rate, start=start)
        X.append(Recording(modalities, 10.0, n_frames=seconds * 10, name=f"r{i}"))
    return X


@settings(max_examples=12, deadline=None, derandomize=True)
@given(spec=raw_recordings())
def test_lazy_transformers_equal_in_memory_ones_at_random(spec):
    steps = make_segmentation_pipeline(MSTCNSegmenter())[:-1]
    try:
        X = _build(spec)
    except ValueError as exc:  # inf: in memory, construction refuses it
        assert "inf" in str(exc)
        event("inf")
        with tempfile.TemporaryDirectory() as folder:
            with pytest.raises(ValueError, match=r"recording 'r\d' modality .* Got inf"):
                clone(steps).fit(_build(spec, Path(folder)))
        return
    eager = clone(steps).fit(X).transform(X)
    with tempfile.TemporaryDirectory() as folder:
        Xl = _build(spec, Path(folder))
        _assert_same_sequences(eager, clone(steps).fit(Xl).transform(Xl))
    event("equal")


@pytest.mark.parametrize("stride", [1, 3])
def test_prediction_computes_each_lazy_recording_once(stride):
    """Check that predict computes a lazy recording once, whatever the stride (the check for
    frames without sensors computed it one more time, and every stride phase once more)."""
    from stgraph_sklearn.data import GraphSequence

    rng = np.random.default_rng(5)
    arrays = [rng.normal(size=(60, 3, 2)).astype(np.float32) for _ in range(2)]
    y = [np.repeat([0, 1], 30)] * 2
    model = MSTCNSegmenter(**{**TINY, "max_epochs": 1, "temporal_stride": stride}).fit(arrays, y)
    reads = []
    seqs = [GraphSequence({"x": CountingValues(a, reads)}) for a in arrays]
    eager = model.predict_proba(arrays)
    for a, b in zip(eager, model.predict_proba(seqs), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(reads) == len(arrays)
