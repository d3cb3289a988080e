"""Tests of the data-contract containers."""

import pickle

import numpy as np
import pytest

from stgraph_sklearn.data import GraphSequence, Modality, Recording, SensorGraph


def test_modality_accepts_2d_as_one_node_and_keeps_rate_clock():
    m = Modality(np.zeros((30, 8)), rate=30.0, start=1.0)
    assert (m.n_samples, m.n_nodes, m.n_channels) == (30, 1, 8)
    np.testing.assert_allclose(m.times[:2], [1.0, 1.0 + 1 / 30])
    assert m.duration == pytest.approx(2.0)


def test_modality_irregular_timestamps_and_clock_offsets():
    ts = np.array([0.0, 0.1, 0.25, 0.3])
    m = Modality(np.zeros((4, 2, 3)), timestamps=ts, clock=[[0.0, 0.5], [10.0, 1.5]])
    np.testing.assert_array_equal(m.times, ts)
    np.testing.assert_allclose(m.offset_at([-1.0, 0.0, 5.0, 20.0]), [0.5, 0.5, 1.0, 1.5])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": np.zeros((5, 2, 3))}, "exactly one of 'rate'"),
        (
            {"values": np.zeros((5, 2, 3)), "rate": 10.0, "timestamps": np.arange(5.0)},
            "exactly one",
        ),
        ({"values": np.zeros((5, 2, 3)), "rate": -1.0}, "positive number of Hz"),
        ({"values": np.zeros((5,)), "rate": 1.0}, r"\(n_samples, n_nodes, n_channels\)"),
        ({"values": np.zeros((0, 2, 3)), "rate": 1.0}, "must not be empty"),
        ({"values": np.full((3, 1, 1), np.inf), "rate": 1.0}, "finite or NaN"),
        ({"values": np.zeros((3, 2, 1)), "timestamps": [0.0, 0.2, 0.1]}, "strictly increasing"),
        ({"values": np.zeros((3, 2, 1)), "timestamps": [0.0, 0.2]}, "shape \\(3,\\)"),
        ({"values": np.zeros((3, 2, 1)), "rate": 1.0, "node_names": ["a"]}, "2 names"),
        ({"values": np.zeros((3, 2, 1)), "rate": 1.0, "node_names": ["a", "a"]}, "unique"),
        ({"values": np.zeros((3, 2, 1)), "rate": 1.0, "clock": [1.0, 2.0]}, "anchor pairs"),
    ],
)
def test_modality_rejects_bad_input_with_clear_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Modality(**kwargs)


def test_modality_rejects_non_numeric_values():
    with pytest.raises(TypeError, match="must hold numbers"):
        Modality(np.array([["a", "b"]]), rate=1.0)


@pytest.mark.parametrize("byte_order", ["<", ">"])
def test_modality_keeps_float64_of_either_byte_order(byte_order):
    """Check that big-endian float64 is not narrowed to float32 (precision, overflow to inf)."""
    values = np.array([[1.0 + 1e-12], [1e300]], dtype=f"{byte_order}f8")
    m = Modality(values, rate=1.0)
    assert m.values.dtype == np.float64
    np.testing.assert_array_equal(m.values[:, 0, 0], [1.0 + 1e-12, 1e300])
    assert Modality(values[:1].astype(f"{byte_order}f4"), rate=1.0).values.dtype == np.float32


def test_modality_does_not_copy_or_modify_input():
    values = np.arange(12.0).reshape(4, 3, 1)
    before = values.copy()
    m = Modality(values, rate=2.0)
    m.replace(rate=4.0)
    np.testing.assert_array_equal(values, before)
    assert np.shares_memory(m.values, values)


def test_recording_derives_frames_and_node_names():
    rec = Recording(
        {
            "accel": Modality(np.zeros((100, 2, 3)), rate=50.0, node_names=["knife", "bowl"]),
            "video": Modality(np.zeros((60, 4)), rate=30.0),
        },
        frame_rate=30.0,
        name="t1",
        subject="s1",
    )
    assert rec.n_frames == 60
    assert rec.node_names == ("accel:knife", "accel:bowl", "video")
    assert rec.node_modality == ("accel", "accel", "video")
    assert not rec.is_aligned()
    aligned = Recording({"x": np.zeros((60, 2, 1))}, frame_rate=30.0)
    assert aligned.is_aligned()
    assert pickle.loads(pickle.dumps(rec)).node_names == rec.node_names


@pytest.mark.parametrize(
    ("modalities", "kwargs", "error", "match"),
    [
        ({}, {"frame_rate": 30.0}, TypeError, "non-empty mapping"),
        ([np.zeros((3, 1, 1))], {"frame_rate": 30.0}, TypeError, "non-empty mapping"),
        ({"x": np.zeros((3, 1, 1))}, {"frame_rate": 0}, ValueError, "frame_rate"),
        ({"x": np.zeros((3, 1, 1))}, {"frame_rate": 1.0, "n_frames": 0}, ValueError, "n_frames"),
        ({1: np.zeros((3, 1, 1))}, {"frame_rate": 1.0}, TypeError, "modality names"),
    ],
)
def test_recording_rejects_bad_input(modalities, kwargs, error, match):
    with pytest.raises(error, match=match):
        Recording(modalities, **kwargs)


def test_sensor_graph_dense_round_trip_and_validation():
    g = SensorGraph([[0, 2], [1, 0]], [0.5, 2.0], node_names=["a:x", "a:y", "b"])
    adj = g.to_dense()
    assert adj[1, 0] == 0.5 and adj[0, 2] == 2.0 and adj.sum() == 2.5
    assert SensorGraph.from_dense(adj, g.node_names) == g
    assert g.node_modality == ("a", "a", "b")
    with pytest.raises(ValueError, match=r"node indices in \[0, 1\]"):
        SensorGraph([[0, 2], [1, 0]], node_names=["a", "b"])
    with pytest.raises(ValueError, match="non-negative"):
        SensorGraph([[0], [1]], [-1.0], node_names=["a", "b"])
    with pytest.raises(ValueError, match="unique"):
        SensorGraph([[0], [1]], node_names=["a", "a"])


def test_graph_sequence_masks_nan_nodes_and_zeroes_them_without_touching_input():
    accel = np.ones((5, 2, 3))
    accel[1, 0, 2] = np.nan  # one NaN channel: the node is missing at that frame
    accel[3:, 1] = np.nan
    before = accel.copy()
    seq = GraphSequence({"accel": accel, "video": np.ones((5, 4))})
    np.testing.assert_array_equal(accel, before)
    mask = seq.masks["accel"]
    assert not mask[1, 0] and mask[1, 1] and not mask[3:, 1].any()
    assert seq.blocks["accel"].dtype == np.float32
    assert np.isfinite(seq.blocks["accel"]).all()
    assert seq.node_mask.shape == (5, 3)
    assert seq.feature_shapes == {"accel": (2, 3), "video": (1, 4)}
    part = seq.slice_frames(1, 5, 2)
    assert part.n_frames == 2 and not part.masks["accel"][0, 0]


def test_graph_sequence_explicit_masks_combine_with_nan_rule():
    seq = GraphSequence({"a": np.ones((3, 2, 1))}, masks={"a": [[1, 0], [1, 1], [0, 1]]})
    np.testing.assert_array_equal(seq.masks["a"], [[1, 0], [1, 1], [0, 1]])


@pytest.mark.parametrize(
    ("blocks", "kwargs", "match"),
    [
        ({"a": np.ones((3, 1, 1)), "b": np.ones((4, 1, 1))}, {}, "share n_frames"),
        (
            {"a": np.ones((3, 1, 1))},
            {"masks": {"a": np.ones((2, 1), bool)}},
            "mask 'a' must have shape",
        ),
        ({"a": np.ones((3, 1, 1))}, {"masks": {"z": np.ones((3, 1), bool)}}, "without a block"),
        (
            {"a": np.ones((3, 2, 1))},
            {"graph": SensorGraph([[0], [1]], node_names=["p", "q", "r"])},
            "3 nodes but the blocks have 2",
        ),
    ],
)
def test_graph_sequence_rejects_inconsistent_parts(blocks, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GraphSequence(blocks, **kwargs)


def test_channel_names_default_validate_and_follow_the_values():
    """Check channel names: defaults, validation, kept or reset by replace, on GraphSequence."""
    from stgraph_sklearn.data import node_feature_names

    m = Modality(np.zeros((4, 2, 3)), rate=1.0)
    assert m.channel_names == ("c0", "c1", "c2")
    named = Modality(np.zeros((4, 2, 3)), rate=1.0, channel_names=["x", "y", "z"])
    assert named.replace(values=np.ones((4, 2, 3))).channel_names == ("x", "y", "z")
    assert named.replace(values=np.ones((4, 2, 1))).channel_names == ("c0",)
    with pytest.raises(ValueError, match="3 names"):
        Modality(np.zeros((4, 2, 3)), rate=1.0, channel_names=["x"])
    seq = GraphSequence({"a": np.zeros((4, 2, 3))}, channel_names={"a": ["x", "y", "z"]})
    assert seq.channel_names == {"a": ("x", "y", "z")}
    assert seq.slice_frames(0, 2).channel_names == seq.channel_names
    with pytest.raises(ValueError, match="without a block"):
        GraphSequence({"a": np.zeros((4, 2, 3))}, channel_names={"b": ["x"]})
    assert node_feature_names(seq.node_names, ["x"]) == ["a:0__x", "a:1__x"]


def test_recording_with_absolute_timestamps_says_so_instead_of_allocating_them():
    """Unix-time timestamps would make frame 0 the epoch: billions of frames before the data."""
    t = 1.7e9 + np.arange(500) / 50
    with pytest.raises(
        ValueError, match=r"Recording 'r1': its first sample is at 1700000000 s.*start_time="
    ):
        Recording({"acc": Modality(np.zeros((500, 3)), timestamps=t)}, frame_rate=30.0, name="r1")
    rec = Recording(
        {"acc": Modality(np.zeros((500, 3)), timestamps=t - t[0])}, frame_rate=30.0, start_time=t[0]
    )
    assert rec.n_frames == 300
    # a late start that is not absolute time (an hour in) and an explicit n_frames stay allowed
    late = Recording({"acc": Modality(np.zeros((500, 3)), rate=50.0, start=3600.0)}, frame_rate=1.0)
    assert late.n_frames == 3610
    given = Recording(
        {"acc": Modality(np.zeros((500, 3)), timestamps=t)}, frame_rate=1.0, n_frames=5
    )
    assert given.n_frames == 5


def test_graph_sequence_node_names_name_blocks_and_travel_with_slices():
    """Check that GraphSequence names its nodes after the given per-block names (qualified as
    Recording does), keeps them through slice_frames, and refuses names that disagree with
    its graph or blocks it does not have."""
    blocks = {"acc": np.zeros((6, 2, 3)), "video": np.zeros((6, 1, 4))}
    seq = GraphSequence(blocks, node_names={"acc": ["knife", "bowl"]})
    assert seq.node_names == ("acc:knife", "acc:bowl", "video")
    assert seq.block_node_names == {"acc": ("knife", "bowl"), "video": ("0",)}
    assert seq.slice_frames(0, 4, 2).node_names == seq.node_names
    graph = SensorGraph.from_dense(np.ones((3, 3)), ["acc:bowl", "acc:knife", "video"])
    with pytest.raises(ValueError, match="'graph' names the nodes"):
        GraphSequence(blocks, graph=graph, node_names={"acc": ["knife", "bowl"]})
    assert GraphSequence(blocks, graph=graph).node_names == graph.node_names
    with pytest.raises(ValueError, match="'node_names' has keys without a block"):
        GraphSequence(blocks, node_names={"gyro": ["a"]})
    with pytest.raises(ValueError, match="sequence of 2 names"):
        GraphSequence(blocks, node_names={"acc": ["knife"]})
