"""Tests of check_recordings / check_labels: every malformed input gets a clear error."""

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import (
    GraphSequence,
    Recording,
    check_groups,
    check_label_sequence,
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
    # sktime's own reason is passed on (it was one generic message for every cause)
    with pytest.raises(ValueError, match=r"not a valid 'pd-multiindex' mtype; sktime said: .*sort"):
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


def test_check_labels_accepts_x_as_a_list_of_arrays():
    """Check that check_labels takes X in any form check_recordings accepts."""
    X = [np.zeros((3, 2, 1)), np.zeros((2, 2, 1))]
    ys = check_labels([[0, 1, 1], [1, 0]], X)
    assert [len(a) for a in ys] == [3, 2]
    with pytest.raises(ValueError, match=r"y\[1\] has 3 labels but X\[1\] has 2 frames"):
        check_labels([[0, 1, 1], [0, 1, 1]], X)


@pytest.mark.parametrize(
    "y, error, match",
    [
        ([0.5, 1.0], ValueError, "non-integer float labels"),
        (np.array(["a", 1], dtype=object), TypeError, "mixes label types"),
        ([0, None], ValueError, "missing labels"),
        ([0.0, np.nan], ValueError, "NaN"),
    ],
)
def test_one_label_rule_everywhere(y, error, match):
    """Check that estimators' check_labels, the metrics, plotting and the segment conversion
    reject the same label sequences with the same exception type."""
    from stgraph_sklearn.data import check_label_pairs, check_label_sequence, labels_to_segments
    from stgraph_sklearn.metrics import edit_score, frame_accuracy_score

    for call in (
        lambda: check_labels([y], n_frames=[2]),
        lambda: check_label_sequence(y),
        lambda: check_label_pairs(y, y),
        lambda: frame_accuracy_score(y, y),
        lambda: edit_score(y, y),
        lambda: labels_to_segments(y),
    ):
        with pytest.raises(error, match=match):
            call()


def test_integral_float_labels_are_classes_everywhere():
    """Check that whole-number float labels are accepted by every label consumer."""

    from stgraph_sklearn.metrics import frame_accuracy_score

    y = [0.0, 1.0, 1.0]
    assert check_label_sequence(y).tolist() == y
    assert check_labels([y], n_frames=[3])[0].tolist() == y
    assert frame_accuracy_score(y, y) == 1.0


def test_label_types_across_recordings():
    """Check the one documented difference: a fit's labels share one type (they are the
    classes), while scoring pairs may differ between recordings (METRICS.md case 3)."""
    from stgraph_sklearn.data import check_label_pairs

    with pytest.raises(TypeError, match="mixes numeric and string"):
        check_labels([[0, 1], ["a", "b"]], n_frames=[2, 2])
    trues, _ = check_label_pairs([[0, 1], ["a", "b"]], [[0, 0], ["a", "a"]])
    assert [t.dtype.kind for t in trues] == ["i", "U"]


def test_check_aligned_names_the_recording_and_modality():
    """Check the one alignment rule and its message."""
    from stgraph_sklearn.data import Modality, Recording, check_aligned

    ok = Recording({"a": Modality(np.zeros((10, 2, 1)), rate=5.0)}, frame_rate=5.0)
    off = Recording(
        {
            "a": Modality(np.zeros((10, 2, 1)), rate=5.0),
            "b": Modality(np.zeros((20, 1)), rate=10.0),
        },
        frame_rate=5.0,
    )
    assert ok.unaligned_modalities() == [] and ok.is_aligned()
    assert off.unaligned_modalities() == ["b"] and not off.is_aligned()
    assert check_aligned([ok], caller="Demo") == [ok]
    with pytest.raises(ValueError, match=r"Demo: X\[1\] is not aligned.*\['b'\].*ModalityAligner"):
        check_aligned([ok, off], caller="Demo")


def test_node_names_follow_one_rule():
    """Check that recordings, graph sequences and the helper name nodes the same way."""
    from stgraph_sklearn.data import GraphSequence, Modality, Recording, qualified_node_names

    rec = Recording(
        {
            "accel": Modality(np.zeros((4, 2, 3)), rate=1.0),
            "video": Modality(np.zeros((4, 5)), rate=1.0),
        },
        frame_rate=1.0,
    )
    seq = GraphSequence({k: m.values for k, m in rec.modalities.items()})
    assert rec.node_names == seq.node_names == ("accel:0", "accel:1", "video")
    assert qualified_node_names([("a", ("x",)), ("v", ("0",))]) == ("a:x", "v")


def test_present_nodes_is_the_mask_of_graph_sequences():
    """Check that a node with any NaN channel is missing in Modality and GraphSequence alike."""
    from stgraph_sklearn.data import GraphSequence, Modality, present_nodes

    values = np.ones((3, 2, 2))
    values[1, 0, 1] = np.nan
    expected = np.array([[True, True], [False, True], [True, True]])
    np.testing.assert_array_equal(present_nodes(values), expected)
    np.testing.assert_array_equal(Modality(values, rate=1.0).present, expected)
    seq = GraphSequence({"a": values})
    np.testing.assert_array_equal(seq.masks["a"], expected)
    assert not np.isnan(seq.blocks["a"]).any()


@pytest.mark.parametrize("y", [[0, "a"], ("a", 1), [True, "b"]])
def test_a_plain_list_mixing_numbers_and_strings_is_a_type_error(y):
    """numpy would turn the numbers into strings ('0'); the rule looks at the originals."""
    with pytest.raises(TypeError, match="mixes label types"):
        check_label_sequence(y)


@pytest.mark.parametrize("which", ["y_true", "y_pred"])
def test_check_label_pairs_refuses_a_column_by_name(which):
    """A (T, 1) column would score T one-frame sequences: an error says how to pass it."""
    from stgraph_sklearn.data import check_label_pairs

    column = np.array([[0], [0], [1], [1]])
    args = {"y_true": [0, 0, 1, 1], "y_pred": [0, 1, 1, 1], which: column}
    with pytest.raises(ValueError, match=rf"{which} is an array of shape \(4, 1\).*ravel"):
        check_label_pairs(**args)
    # one row of frames, and several rows, still read as sequences
    assert len(check_label_pairs(np.array([[0, 1]]), np.array([[1, 1]]))[0]) == 1
    assert len(check_label_pairs(np.zeros((3, 2), int), np.ones((3, 2), int))[0]) == 3
