"""Data sets: a 50 Salads-like simulation and loaders for real recordings.

Nothing is ever downloaded: the simulation is generated, BasicMotions is bundled with
sktime, and the 50 Salads, MS-TCN and UCI HAPT loaders read files already on disk.
"""

from ._basic_motions import load_basic_motions_sequences
from ._kitchen import make_kitchen_activities
from ._mstcn import load_mstcn_features
from ._salads import load_50salads
from ._uci_har import load_uci_har

__all__ = [
    "load_50salads",
    "load_basic_motions_sequences",
    "load_mstcn_features",
    "load_uci_har",
    "make_kitchen_activities",
]
