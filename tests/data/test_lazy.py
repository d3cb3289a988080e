"""Lazy values: memory-mapped recordings read on access, checked on access, named in errors."""

import pickle

import numpy as np
import pytest

from stgraph_sklearn.data import (
    GraphSequence,
    LazyValues,
    Modality,
    Recording,
    as_graph_sequences,
    check_recordings,
    is_lazy,
    lazy_values,
)


def _mapped(tmp_path, arr, name="a"):
    path = tmp_path / f"{name}.npy"
    np.save(path, arr)
    return np.load(path, mmap_mode="r"), path


def _failing(*args):
    raise AssertionError("the values were read")


def test_is_lazy_for_memory_maps_and_their_views(tmp_path):
    mm, path = _mapped(tmp_path, np.arange(24.0).reshape(4, 6))
    assert is_lazy(mm) and is_lazy(mm.T[::2]) and is_lazy(np.asarray(mm)[1:])
    assert is_lazy(LazyValues(_failing, (2, 2), np.float32))
    assert not is_lazy(np.array(mm)) and not is_lazy([1.0, 2.0])
    writable = np.memmap(tmp_path / "w.dat", dtype=np.float32, mode="w+", shape=(3, 2))
    assert is_lazy(writable)
    # copy-on-write maps may hold changes the file does not: they are in-memory values
    assert not is_lazy(np.load(path, mmap_mode="c"))


def test_modality_keeps_memory_mapped_views_lazy_and_reads_them_exactly(tmp_path):
    features = np.random.default_rng(0).normal(size=(5, 40)).astype(np.float32)  # (D, T)
    mm, _ = _mapped(tmp_path, features)
    view = mm.T[3:31:2]  # (T, D) strided and transposed, as load_mstcn_features cuts
    mod = Modality(view, rate=15.0)
    assert isinstance(mod.values, LazyValues)
    assert mod.values.shape == (14, 1, 5) and mod.n_samples == 14
    np.testing.assert_array_equal(np.asarray(mod.values)[:, 0], features.T[3:31:2])
    assert mod.load().values.dtype == np.float32 and not is_lazy(mod.load().values)


def test_lazy_values_are_not_read_on_construction_or_validation():
    values = LazyValues(_failing, (10, 2, 3), np.float32)
    rec = Recording({"x": Modality(values, rate=5.0)}, 5.0, name="r")
    items = check_recordings([rec, values])
    (seq,) = as_graph_sequences([rec])
    assert items[1].n_frames == 10 and seq.n_frames == 10
    assert seq.feature_shapes == {"x": (2, 3)}


def test_inf_in_a_memory_mapped_recording_is_reported_on_access(tmp_path):
    arr = np.zeros((6, 3), dtype=np.float32)
    arr[4, 1] = np.inf
    mm, _ = _mapped(tmp_path, arr)
    rec = Recording({"video": mm}, 30.0, name="rgb-01-1")
    with pytest.raises(
        ValueError, match=r"recording 'rgb-01-1' modality 'video'.*inf at index 4 of the first axis"
    ):
        rec.load()


def test_missing_or_changed_file_names_the_recording(tmp_path):
    mm, path = _mapped(tmp_path, np.ones((8, 2), dtype=np.float32))
    rec = Recording({"video": mm}, 30.0, name="rgb-02-1")
    del mm
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(ValueError, match=r"recording 'rgb-02-1' modality 'video'.*cannot be read"):
        rec.load()
    path.unlink()
    with pytest.raises(FileNotFoundError, match=r"recording 'rgb-02-1' modality 'video'.*gone"):
        rec.load()


def test_lazy_recording_pickles_as_a_file_reference(tmp_path):
    values = np.random.default_rng(1).normal(size=(20000, 8)).astype(np.float32)
    mm, _ = _mapped(tmp_path, values)
    rec = Recording({"video": mm}, 30.0, name="r")
    payload = pickle.dumps(rec)
    assert len(payload) < values.nbytes / 100
    np.testing.assert_array_equal(
        np.asarray(pickle.loads(payload).modalities["video"].values)[:, 0], values
    )


def test_lazy_graph_sequence_loads_like_the_in_memory_one(tmp_path):
    arr = np.random.default_rng(2).normal(size=(12, 3, 2)).astype(np.float32)
    arr[2:5, 1, 0] = np.nan
    mm, _ = _mapped(tmp_path, arr)
    given = np.ones((12, 3), dtype=bool)
    given[7, 2] = False
    lazy = GraphSequence({"accel": mm}, masks={"accel": given}, name="r")
    eager = GraphSequence({"accel": arr}, masks={"accel": given}, name="r")
    assert isinstance(lazy.blocks["accel"], LazyValues) and lazy.n_frames == 12
    loaded = lazy.load()
    np.testing.assert_array_equal(loaded.blocks["accel"], eager.blocks["accel"])
    np.testing.assert_array_equal(loaded.masks["accel"], eager.masks["accel"])
    np.testing.assert_array_equal(np.asarray(lazy.masks["accel"]), eager.masks["accel"])
    np.testing.assert_array_equal(lazy.node_mask, eager.node_mask)
    np.testing.assert_array_equal(
        lazy.slice_frames(2, 10, 2).blocks["accel"], eager.slice_frames(2, 10, 2).blocks["accel"]
    )
    assert eager.load() is eager


def test_lazy_values_check_what_they_compute():
    values = LazyValues(lambda: np.zeros((3, 2)), (4, 2), np.float32, where="block 'x'")
    with pytest.raises(ValueError, match=r"block 'x'.*shape \(3, 2\), expected \(4, 2\)"):
        values.load()
    with pytest.raises(TypeError, match="memory-mapped"):
        lazy_values(np.zeros(3))
    with pytest.raises(TypeError, match="must hold numbers"):
        Modality(LazyValues(_failing, (3, 2), object), rate=1.0)


def test_a_rewritten_file_changes_the_hash_pipeline_caches_key_on(tmp_path):
    """Check that rewriting a values file in place, same size, changes joblib's hash.

    A lazy recording pickles as a file reference; without the file's modification time
    ``Pipeline(memory=...)`` reused the transformers fitted on the old contents.
    """
    import os

    import joblib

    mm, path = _mapped(tmp_path, np.zeros((20, 3)))
    rec = Recording({"a": Modality(mm, rate=10.0)}, frame_rate=10.0, n_frames=20)
    before = joblib.hash(rec)
    assert (
        joblib.hash(Recording({"a": Modality(mm, rate=10.0)}, frame_rate=10.0, n_frames=20))
        == before
    )
    np.save(path, np.full((20, 3), 5.0))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # coarse clocks
    again = Recording(
        {"a": Modality(np.load(path, mmap_mode="r"), rate=10.0)}, frame_rate=10.0, n_frames=20
    )
    assert joblib.hash(again) != before
    # the recording loaded before the rewrite, hashed after it: another input too
    assert joblib.hash(rec) != before
    np.testing.assert_array_equal(np.asarray(again.modalities["a"].values), 5.0)
