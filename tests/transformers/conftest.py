"""Fixtures of the transformer tests (seeded synthetic recordings, built in memory)."""

import pytest
from _transformers_helpers import make_recording


@pytest.fixture
def recordings():
    return [make_recording(seed) for seed in range(6)]


@pytest.fixture
def aligned(recordings):
    from stgraph_sklearn.transformers import ModalityAligner

    return ModalityAligner().fit_transform(recordings)
