"""Validation recordings that hold every frame of a class (a QA pass with data the library had
not seen: a rare activity recorded once)."""

import warnings

import numpy as np
import pytest

from stgraph_sklearn.estimators import MSTCNSegmenter
from stgraph_sklearn.exceptions import StgraphWarning

TINY = {"hidden_channels": 4, "n_stages": 1, "n_layers": 2, "max_epochs": 1, "random_state": 0}


def _data(rare_in):
    rng = np.random.RandomState(0)
    X = [rng.randn(60, 2, 3) for _ in range(6)]
    y = [np.repeat(["a", "rare" if i == rare_in else "b", "c"], 20) for i in range(6)]
    return X, y


def _held_out():
    """The recording a fit with TINY's random_state holds out of six."""
    return int(np.random.RandomState(0).permutation(6)[0])


def test_a_class_only_in_validation_recordings_is_warned_of():
    """Check that fit warns when the validation split holds every frame of a class, naming
    the class and the recording: the network was never trained on it, and nothing said so."""
    held = _held_out()
    X, y = _data(rare_in=held)
    with pytest.warns(
        StgraphWarning, match=rf"X\[{held}\] hold every frame of the classes \['rare'\]"
    ):
        MSTCNSegmenter(**TINY).fit(X, y)


def test_no_warning_when_training_recordings_hold_every_class():
    """Check that the warning is not given when the rare class is in a training recording."""
    X, y = _data(rare_in=(_held_out() + 1) % 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StgraphWarning)
        MSTCNSegmenter(**TINY).fit(X, y)
