"""Scores of temporal action segmentation and scorers for model selection.

Definitions follow MS-TCN's evaluation (see METRICS.md): frame accuracy, segmental edit score
and segmental F1 at IoU thresholds. This subpackage does not need torch.
"""

from ._scorer import get_scorer
from ._segmentation import (
    edit_score,
    f1_at_k_score,
    frame_accuracy_score,
    segmentation_report,
)

__all__ = [
    "edit_score",
    "f1_at_k_score",
    "frame_accuracy_score",
    "get_scorer",
    "segmentation_report",
]
