"""Data sets: a 50 Salads-like simulation and loaders for real recordings.

Nothing is ever downloaded: the simulation is generated, BasicMotions is bundled with
sktime, and the 50 Salads and MS-TCN loaders read files already on disk.
"""

from ._basic_motions import load_basic_motions_sequences
from ._kitchen import make_kitchen_activities
from ._mstcn import load_mstcn_features
from ._salads import load_50salads

__all__ = [
    "load_50salads",
    "load_basic_motions_sequences",
    "load_mstcn_features",
    "make_kitchen_activities",
]
