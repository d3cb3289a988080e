"""Padding, masking and batching of variable-length graph sequences for torch.

A batch is ``(X, y)`` with ``X = {"x": {modality: (B, T, N_m, F_m)}, "node_mask": (B, T, N),
"frame_mask": (B, T)}`` (what the ``nn`` models' ``forward(x, node_mask, frame_mask)`` take,
skorch passes the dict as keyword arguments) and ``y`` a ``(B, T)`` long tensor holding
``IGNORE_INDEX`` at padded frames, so padding never reaches the loss.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "IGNORE_INDEX",
    "SequenceDataset",
    "append_empty_frames",
    "collate_sequences",
    "sequence_tensors",
]

IGNORE_INDEX = -100


def _tensor_view(arr):
    """A tensor sharing ``arr``'s memory where it can, for copying into a batch: a read-only
    array (``np.frombuffer``, ``flags.writeable=False``) is copied first, since
    ``torch.from_numpy`` warns that it cannot protect it."""
    arr = np.ascontiguousarray(arr)
    return torch.from_numpy(arr if arr.flags.writeable else arr.copy())


def sequence_tensors(seq, start=0, stop=None, step=1):
    """Frames ``start:stop:step`` of a GraphSequence as numpy arrays ``(x, node_mask)``.

    A lazy sequence (:meth:`GraphSequence.load`) is computed whole, then sliced.

    Returns
    -------
    x : dict of str to ndarray of shape (T, N_m, F_m), float32
    node_mask : ndarray of shape (T, N), bool
    """
    seq = seq.load()  # a lazy sequence is computed here, one recording at a time
    sl = slice(start, stop, step)
    x = {k: b[sl] for k, b in seq.blocks.items()}
    mask = np.concatenate([m[sl] for m in seq.masks.values()], axis=1)
    return x, mask


def append_empty_frames(x, mask, n):
    """Append ``n`` frames without any sensor (zero features, all nodes masked).

    What a model with ``lookahead = n`` sees after a recording's end: the label of frame
    ``t`` is read from the output at ``t + n``, which exists for every frame once these are
    appended.

    Parameters
    ----------
    x : dict of str to ndarray of shape (T, N_m, F_m)
    mask : ndarray of shape (T, N) of bool
    n : int

    Returns
    -------
    x, mask : the same with ``T + n`` frames.
    """
    if n == 0:
        return x, mask
    x = {k: np.concatenate([v, np.zeros((n, *v.shape[1:]), dtype=v.dtype)]) for k, v in x.items()}
    mask = np.concatenate([mask, np.zeros((n, mask.shape[1]), dtype=bool)])
    return x, mask


class SequenceDataset(Dataset):
    """A torch Dataset over GraphSequences and their encoded labels.

    Frames are sliced out of the sequences only when an item is drawn, so lazy sequences
    (memory-mapped recordings, or the output of transformers given them) are computed one
    recording at a time, when one of their crops is drawn (with tiles, the last one computed
    is kept until another is drawn).

    Parameters
    ----------
    sequences : list of GraphSequence
    targets : list of ndarray of shape (n_frames_i,) of int, default=None
        Class indices; None at prediction time.
    temporal_stride : int, default=1
        Item ``i`` yields frames ``phase::temporal_stride``.
    random_phase : bool, default=False
        Draw the phase uniformly from ``[0, temporal_stride)`` with torch's generator at each
        access (training-time augmentation: every frame is eventually seen). Otherwise phase 0.
        It also selects random crops (below) rather than tiles.
    crop_length : int or None, default=None
        Cut the (strided) sequences to at most this many frames. With ``random_phase`` item
        ``i`` is one crop of recording ``i`` at a start drawn uniformly with torch's
        generator at each access; otherwise the items are the consecutive non-overlapping
        crops of every recording (all frames, each once; the estimators validate on whole
        recordings).
    lookahead : int, default=0
        Delay of a causal model's decisions: the targets are shifted right by ``lookahead``
        frames (``IGNORE_INDEX`` first), so the output at ``t + lookahead`` is trained on the
        label of frame ``t``. The input gets the ``lookahead`` frames after the item (after
        a crop, the recording's next frames; after the recording's end,
        :func:`append_empty_frames`).
    """

    def __init__(
        self,
        sequences,
        targets=None,
        temporal_stride=1,
        random_phase=False,
        crop_length=None,
        lookahead=0,
    ):
        self.sequences = sequences
        self.targets = targets
        self.temporal_stride = temporal_stride
        self.random_phase = random_phase
        self.crop_length = crop_length
        self.lookahead = lookahead
        self._loaded = None  # (index, computed sequence) of the last lazy sequence drawn
        self._tiles = None
        if crop_length is not None and not random_phase:
            s = temporal_stride
            self._tiles = [
                (i, a * s, min((a + crop_length) * s, seq.n_frames))
                for i, seq in enumerate(sequences)
                for a in range(0, -(-seq.n_frames // s), crop_length)
            ]

    def __len__(self):
        return len(self.sequences) if self._tiles is None else len(self._tiles)

    def _sequence(self, i):
        """Sequence ``i``, computed if lazy. With tiles (consecutive crops of every recording)
        the last one computed is kept, so the crops of one lazy recording compute it once;
        random crops draw a different recording each time, and keep nothing."""
        if self._loaded is not None and self._loaded[0] == i:
            return self._loaded[1]
        seq = self.sequences[i]
        loaded = seq.load()
        if loaded is not seq and self._tiles is not None:
            self._loaded = (i, loaded)
        return loaded

    def __getitem__(self, i):
        s, k = self.temporal_stride, self.lookahead
        if self._tiles is not None:
            i, start, stop = self._tiles[i]
        else:
            n = self.sequences[i].n_frames
            phase = int(torch.randint(s, (1,)).item()) if (self.random_phase and s > 1) else 0
            phase = min(phase, n - 1)
            start, stop = phase, None
            n_strided = len(range(phase, n, s))
            c = self.crop_length
            if c is not None and n_strided > c:
                offset = (
                    int(torch.randint(n_strided - c + 1, (1,)).item()) if self.random_phase else 0
                )
                start, stop = phase + offset * s, phase + (offset + c) * s
        x_stop = None if stop is None else stop + k * s
        x, mask = sequence_tensors(self._sequence(i), start, x_stop, s)
        n_items = len(range(start, self.sequences[i].n_frames if stop is None else stop, s))
        if self.targets is None:
            y = np.full(n_items, IGNORE_INDEX, dtype=np.int64)
        else:
            y = self.targets[i][start:stop:s]
        if k:
            x, mask = append_empty_frames(x, mask, n_items + k - mask.shape[0])
            y = np.concatenate([np.full(k, IGNORE_INDEX, dtype=np.int64), y])
        return x, mask, y


def collate_sequences(items):
    """Pad a list of ``(x, node_mask, y)`` items to the longest one.

    Returns
    -------
    X : dict
        ``{"x": {modality: Tensor (B, T, N_m, F_m)}, "node_mask": BoolTensor (B, T, N),
        "frame_mask": BoolTensor (B, T)}``; padded frames are zero and masked out.
    y : LongTensor of shape (B, T)
        ``IGNORE_INDEX`` at padded frames.
    """
    lengths = [it[1].shape[0] for it in items]
    t_max, b = max(lengths), len(items)
    first_x, first_mask, _ = items[0]
    x = {k: torch.zeros((b, t_max, *v.shape[1:]), dtype=torch.float32) for k, v in first_x.items()}
    node_mask = torch.zeros((b, t_max, first_mask.shape[1]), dtype=torch.bool)
    frame_mask = torch.zeros((b, t_max), dtype=torch.bool)
    y = torch.full((b, t_max), IGNORE_INDEX, dtype=torch.long)
    for i, (xi, mi, yi) in enumerate(items):
        t = lengths[i]
        for k, v in xi.items():
            x[k][i, :t] = _tensor_view(v)
        node_mask[i, :t] = _tensor_view(mi)
        frame_mask[i, :t] = True
        y[i, :t] = _tensor_view(yi)
    return {"x": x, "node_mask": node_mask, "frame_mask": frame_mask}, y
