"""Containers built by hand: bools for numbers, colliding node names, frame counts that
cannot be inferred, frame slices that cannot be taken."""

import numpy as np
import pytest

from stgraph_sklearn.data import GraphSequence, Modality, Recording


def test_bools_are_not_rates_or_times():
    """Check that True is refused as a rate, a start or a frame rate (it was taken as 1), as
    it already was as n_frames or start_time."""
    x = np.zeros((4, 2, 1))
    with pytest.raises(
        ValueError, match=r"Modality 'rate' must be a positive number of Hz\. Got True"
    ):
        Modality(x, rate=True)
    with pytest.raises(ValueError, match=r"Modality 'start' must be a finite number .* Got True"):
        Modality(x, rate=1.0, start=True)
    with pytest.raises(ValueError, match=r"Recording 'frame_rate' must be .* Got True"):
        Recording({"a": x}, frame_rate=True)


def test_colliding_qualified_node_names_are_refused():
    """Check that modality 'a:0' next to modality 'a' with a node '0' is refused: both give
    the node 'a:0', and the flattener and graph builder got duplicate names."""
    mods = {
        "a": Modality(np.zeros((5, 2, 1)), rate=1.0),
        "a:0": Modality(np.zeros((5, 1, 1)), rate=1.0),
    }
    with pytest.raises(ValueError, match=r"qualified node names .* Got \['a:0'\] twice"):
        Recording(mods, frame_rate=1.0)


def test_one_timestamped_sample_needs_n_frames():
    """Check that a recording whose only modality has one timestamped sample asks for
    n_frames instead of blaming an n_frames of 0 the user never gave."""
    mod = Modality(np.zeros((1, 1)), timestamps=[0.0])
    with pytest.raises(ValueError, match=r"cannot be inferred\. Pass n_frames"):
        Recording({"labels": mod}, frame_rate=10.0)
    assert Recording({"labels": mod}, frame_rate=10.0, n_frames=5).n_frames == 5


@pytest.mark.parametrize("step", [0, -1, 1.5])
def test_slice_frames_needs_a_positive_integer_step(step):
    """Check slice_frames' step: 0 gave Python's slice error, -1 an error about a negative
    frame_rate the user never passed."""
    seq = GraphSequence({"a": np.zeros((10, 2, 1))}, frame_rate=10.0)
    with pytest.raises(ValueError, match=r"GraphSequence\.slice_frames: 'step' must be a positive"):
        seq.slice_frames(0, 10, step)
    assert seq.slice_frames(0, 10, 2).n_frames == 5
