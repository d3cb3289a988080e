"""Conversion of validated inputs to the GraphSequences the neural segmenters consume."""

from __future__ import annotations

from ..exceptions import reraise_as
from ._containers import GraphSequence
from ._validation import check_aligned, check_recordings

__all__ = ["as_graph_sequences"]


def as_graph_sequences(X, *, caller="as_graph_sequences", frame_rate=None):
    """Validate X and return a list of GraphSequence: what the neural segmenters train on.

    Parameters
    ----------
    X : list of GraphSequence, of aligned Recording, or of ndarray of shape \
            (n_frames, n_nodes, n_channels)
        Recordings must be aligned to their frame timeline (put a ModalityAligner first).
    caller : str, default="as_graph_sequences"
        Name used in error messages (the estimator's).
    frame_rate : float, default=None
        Frame rate for arrays (see :func:`check_recordings`).

    Returns
    -------
    sequences : list of GraphSequence
        GraphSequences as given; recordings and arrays converted (one block per modality,
        no graph, the modalities' node and channel names). Like :func:`numpy.asarray`, it
        does not copy what needs no conversion: float32 values without missing nodes are
        the blocks themselves, so an edit of a block edits the recording.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.data import as_graph_sequences
    >>> seqs = as_graph_sequences([np.zeros((5, 3, 2))])
    >>> seqs[0].n_frames, seqs[0].feature_shapes
    (5, {'x': (3, 2)})
    """
    items = check_recordings(X, frame_rate=frame_rate, caller=caller, allow_graph_sequences=True)
    check_aligned(items, caller=caller, before=f"..., {caller}()")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, GraphSequence):
            out.append(item)
            continue
        try:
            seq = GraphSequence(
                {k: m.values for k, m in item.modalities.items()},
                name=item.name,
                subject=item.subject,
                channel_names={k: m.channel_names for k, m in item.modalities.items()},
                frame_rate=item.frame_rate,
                node_names={k: m.node_names for k, m in item.modalities.items()},
            )
        except ValueError as exc:  # values beyond float32: which recording
            name = "" if item.name is None else f" ({item.name!r})"
            reraise_as(exc, f"{caller}: X[{i}]{name}: {exc}")
        out.append(seq)
    return out
