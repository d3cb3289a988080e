"""Segments no frame of their recording reaches: a warning, not labels dropped silently."""

import warnings

import numpy as np
import pandas as pd
import pytest

from stgraph_sklearn.data import labels_from_segment_table
from stgraph_sklearn.exceptions import StgraphWarning


def test_a_segment_after_the_recordings_end_warns():
    """Check that a segment starting after the last frame warns with its label and both
    spans (a recording cut short, by a sensor whose data ended early, lost the label of its
    last segment silently)."""
    table = pd.DataFrame(
        {"start": [0.0, 1.0, 3.0], "end": [1.0, 3.0, 4.0], "label": ["idle", "stir", "pour"]}
    )
    with pytest.warns(StgraphWarning, match=r"1 segment of the recording lies outside its frames"):
        y = labels_from_segment_table(table, (10.0, 20), fill="idle")
    assert set(y) == {"idle", "stir"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(
            labels_from_segment_table(table, (10.0, 40)),
            np.repeat(["idle", "stir", "pour"], [10, 20, 10]),
        )


def test_a_bare_array_for_a_model_of_several_modalities_is_named():
    """Check that a bare array given to a model of several modalities says how arrays are
    read (the message advised an all-NaN table for a sensor that was not missing)."""
    from stgraph_sklearn.data import check_layouts

    with pytest.raises(ValueError, match=r"A bare array is read as the one modality 'x'"):
        check_layouts(
            [{"x": (11, 6)}], {"accel": (10, 3), "video": (1, 6)}, caller="Est", reference="fit"
        )


def test_numpy_string_labels_are_shown_as_text():
    """Check that a label read as a numpy string is quoted as text in the warning (it read
    np.str_('pour'))."""
    table = pd.DataFrame({"start": [0.0, 3.0], "end": [1.0, 4.0], "label": ["idle", "pour"]})
    with pytest.warns(StgraphWarning, match=r"\(first: 'pour' from"):
        labels_from_segment_table(table, (10.0, 20), fill="idle")
