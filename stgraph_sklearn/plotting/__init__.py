"""Plots of segmentations and sensor graphs (matplotlib is imported only when drawing)."""

from ._segmentation_display import SegmentationDisplay
from ._sensor_graph import plot_sensor_graph

__all__ = ["SegmentationDisplay", "plot_sensor_graph"]
