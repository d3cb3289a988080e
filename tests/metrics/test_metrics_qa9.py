"""Metric inputs found by testing against an independent MS-TCN eval.py reference."""

import pytest

from stgraph_sklearn.metrics import edit_score, f1_at_k_score, frame_accuracy_score


@pytest.mark.parametrize("metric", [frame_accuracy_score, edit_score, f1_at_k_score])
def test_a_dict_or_set_of_recordings_is_refused(metric):
    """Check that a dict of recordings is refused (its keys were scored as the one sequence
    ['rec1', 'rec2']: 1.0 for predictions wrong at every frame), and a set likewise."""
    y_true = {"rec1": [0, 0, 1], "rec2": [1, 1, 0]}
    y_pred = {"rec1": [1, 1, 0], "rec2": [0, 0, 1]}
    with pytest.raises(TypeError, match=r"Got a dict, whose keys .*list\(y_true.values\(\)\)"):
        metric(y_true, y_pred)
    with pytest.raises(TypeError, match="Got a set"):
        metric({0, 1}, {0, 1})


def test_hints_name_the_argument_not_the_function():
    """Check that the code a message suggests names the argument alone (the function's name
    was pasted in: 'list(f1_at_k_score: y_true)')."""
    with pytest.raises(ValueError) as e:
        edit_score([[0, 1], 1], [[0, 1], 1])
    assert str(e.value).startswith("edit_score: y_true mixes labels and sequences: y_true[1] is")
