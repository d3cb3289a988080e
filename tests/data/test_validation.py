"""Tests of check_recordings / check_labels: every malformed input gets a clear error."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    GraphSequence,
    Recording,
    check_groups,
    check_labels,
    check_recordings,
)


def test_arrays_become_single_modality_recordings_at_the_given_rate():
    X = [np.zeros((5, 2, 3)), np.ones((7, 2, 3))]
    recs = check_recordings(X, frame_rate=10.0)
    assert [r.n_frames for r in recs] == [5, 7]
    assert all(r.is_aligned() and r.frame_rate == 10.0 for r in recs)
    assert list(recs[0].modalities) == ["x"]


def test_recordings_pass_through_and_input_list_is_not_modified():
    rec = Recording({"x": np.zeros((4, 1, 1))}, frame_rate=1.0)
    X = [rec]
    out = check_recordings(X)
    assert out[0] is rec and out is not X and X == [rec]


def test_two_d_item_is_ambiguous_and_message_shows_both_reshapes():
    with pytest.raises(
        ValueError, match=r"x\[:, None, :\] to \(5, 1, 3\).*x\[:, :, None\] to \(5, 3, 1\)"
    ):
        check_recordings([np.zeros((5, 3))])
    with pytest.raises(ValueError, match="ambiguous"):
        check_recordings(np.zeros((5, 3)))


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ([], ValueError, "at least one recording"),
        ("abc", TypeError, "list of recordings"),
        (5, TypeError, "list of recordings"),
        ([np.zeros((0, 1, 1))], ValueError, r"X\[0\] is empty"),
        ([np.zeros((3, 1, 1)), "x"], TypeError, r"X\[1\] must be a Recording"),
        ([np.zeros((3, 1, 1, 1))], ValueError, r"X\[0\] must have shape"),
        ([np.array([["a"]])], TypeError, "must hold numbers"),
        (Recording({"x": np.zeros((3, 1, 1))}, frame_rate=1.0), TypeError, "single Recording"),
        ([GraphSequence({"x": np.zeros((3, 1, 1))})], TypeError, "not accepted here"),
    ],
)
def test_check_recordings_errors(X, error, match):
    with pytest.raises(error, match=match):
        check_recordings(X, caller="Demo")


def test_sktime_numpy3d_and_multiindex_panels_convert_variables_to_nodes():
    rng = np.random.RandomState(0)
    panel = rng.randn(3, 2, 10)  # (instances, variables, timepoints)
    recs = check_recordings(panel)
    assert len(recs) == 3 and recs[0].modalities["x"].values.shape == (10, 2, 1)
    np.testing.assert_allclose(recs[1].modalities["x"].values[:, :, 0], panel[1].T, rtol=1e-6)
    idx = pd.MultiIndex.from_product([range(3), range(10)], names=["instance", "time"])
    df = pd.DataFrame(panel.transpose(0, 2, 1).reshape(30, 2), index=idx, columns=["a", "b"])
    recs_df = check_recordings(df)
    np.testing.assert_allclose(recs_df[2].modalities["x"].values[:, :, 0], panel[2].T, rtol=1e-6)
    df_list = [pd.DataFrame(panel[i].T, columns=["a", "b"]) for i in range(3)]
    assert check_recordings(df_list)[0].n_frames == 10


def test_invalid_multiindex_panel_is_a_clear_error():
    idx = pd.MultiIndex.from_tuples([(0, 0), (0, 0)], names=["instance", "time"])
    df = pd.DataFrame({"a": ["x", "y"]}, index=idx)
    with pytest.raises(ValueError, match="instance 0 must hold numeric values"):
        check_recordings(df)
    df_bad_index = pd.DataFrame(
        {"a": [1.0, 2.0]},
        index=pd.MultiIndex.from_tuples(
            [
                (0, 1),
                (0, 0),
            ]
        ),
    )
    with pytest.raises(ValueError, match="not a valid 'numpy3D', 'pd-multiindex' or 'df-list'"):
        check_recordings(df_bad_index)


def test_check_labels_accepts_ints_and_strings_and_matches_frames():
    ys = check_labels([[0, 1, 1], [2, 2]], n_frames=[3, 2])
    assert [y.tolist() for y in ys] == [[0, 1, 1], [2, 2]]
    ys = check_labels([np.array(["a", "b"], dtype=object)], n_frames=[2])
    assert ys[0].dtype.kind == "U"


@pytest.mark.parametrize(
    ("y", "n_frames", "error", "match"),
    [
        ([[0, 1]], [2, 3], ValueError, "1 label sequences but X has 2 recordings"),
        ([[0, 1], [0, 1]], [2, 3], ValueError, r"y\[1\] has 2 labels but X\[1\] has 3 frames"),
        ([[0.0, np.nan]], [2], ValueError, r"y\[0\] contains NaN at frame 1"),
        ([["a", None]], [2], ValueError, "missing labels"),
        ([np.array(["a", 1], dtype=object)], [2], TypeError, "mixes label types"),
        ([[0, 1], ["a", "b"]], [2, 2], TypeError, "mixes numeric and string"),
        ([[]], [0], ValueError, "empty"),
        ([[[0, 1]]], [1], ValueError, "must be 1-D"),
        (np.array([0, 1, 1]), [3], ValueError, "single 1-D array"),
        ([[0.5, 1.0]], [2], ValueError, "non-integer"),
    ],
)
def test_check_labels_errors(y, n_frames, error, match):
    with pytest.raises(error, match=match):
        check_labels(y, n_frames=n_frames, caller="Demo")


def test_check_groups_needs_one_id_per_recording():
    assert check_groups(["a", "b"], 2).tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="one id per recording"):
        check_groups(["a"], 2)
