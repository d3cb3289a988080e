"""Model files (:func:`save_model`, :func:`load_model`) and the on-disk data formats of the
``stgraph-seg`` command line (:func:`read_dataset`, :func:`write_predictions`)."""

from ._formats import FORMATS, read_csv_folder, read_dataset, recording_names, write_predictions
from ._model_file import FORMAT_VERSION, load_model, save_model

__all__ = [
    "FORMATS",
    "FORMAT_VERSION",
    "load_model",
    "read_csv_folder",
    "read_dataset",
    "recording_names",
    "save_model",
    "write_predictions",
]
