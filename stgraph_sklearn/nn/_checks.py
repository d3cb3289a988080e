"""Validation of constructor arguments shared by the modules of :mod:`stgraph_sklearn.nn`.

Errors follow the package format: "The 'num_layers' parameter of MultiStageTCN must be an
int >= 1. Got 0 instead."
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import torch


def check_int(value, name, owner, min_value=1):
    """Return ``value`` if it is an int >= ``min_value``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < min_value:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int >= {min_value}. "
            f"Got {value!r} instead."
        )
    return int(value)


def check_float(value, name, owner, low=0.0, high=None, include_high=True):
    """Return ``value`` as a float in ``[low, high]`` (or ``[low, high)``), else raise."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and np.isfinite(value) and value >= low
    if ok and high is not None:
        ok = value <= high if include_high else value < high
    if not ok:
        right = "inf)" if high is None else (f"{high}]" if include_high else f"{high})")
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a float in the range [{low}, {right}. "
            f"Got {value!r} instead."
        )
    return float(value)


def check_option(value, name, owner, options):
    """Return ``value`` if it is one of ``options``, else raise ``ValueError``."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be one of {sorted(options)}. "
            f"Got {value!r} instead."
        )
    return value


def check_channel_dict(value, name, owner):
    """Return a ``dict[str, int]`` with positive ints, in the given order, else raise."""
    if not isinstance(value, Mapping) or len(value) == 0:
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a non-empty dict mapping modality "
            f"names to ints >= 1. Got {value!r} instead."
        )
    out = {}
    for key, val in value.items():
        if not isinstance(key, str):
            raise ValueError(
                f"The '{name}' parameter of {owner} must have str keys. Got key {key!r} instead."
            )
        out[key] = check_int(val, f"{name}[{key!r}]", owner)
    return out


def check_square_matrix(value, name, owner, num_nodes):
    """Return ``value`` as a finite, non-negative float32 tensor of shape (num_nodes, num_nodes)."""
    if torch.is_tensor(value):
        tensor = value.detach().cpu().to(torch.float32).clone()
    else:
        tensor = torch.as_tensor(np.asarray(value, dtype=np.float32)).clone()
    if tuple(tensor.shape) != (num_nodes, num_nodes):
        raise ValueError(
            f"The '{name}' parameter of {owner} must have shape ({num_nodes}, {num_nodes}) "
            f"(one row and column per node). Got shape {tuple(tensor.shape)} instead."
        )
    if not torch.isfinite(tensor).all() or (tensor < 0).any():
        raise ValueError(
            f"The '{name}' parameter of {owner} must hold finite, non-negative edge weights."
        )
    return tensor


def check_layout(in_channels, num_nodes, owner):
    """Validate the ``in_channels`` and ``num_nodes`` dicts of a multimodal module.

    Parameters
    ----------
    in_channels : dict of str to int
        Feature size of each modality.
    num_nodes : dict of str to int
        Number of nodes of each modality; must have the same keys, in the same order, as
        ``in_channels``.
    owner : str
        Name of the module, used in error messages.

    Returns
    -------
    in_channels : dict of str to int
        The validated ``in_channels``.
    num_nodes : dict of str to int
        The validated ``num_nodes``.
    """
    in_channels = check_channel_dict(in_channels, "in_channels", owner)
    num_nodes = check_channel_dict(num_nodes, "num_nodes", owner)
    if list(num_nodes) != list(in_channels):
        raise ValueError(
            f"The 'num_nodes' parameter of {owner} must have the same keys, in the same "
            f"order, as 'in_channels' ({list(in_channels)}). "
            f"Got {list(num_nodes)} instead."
        )
    return in_channels, num_nodes


def check_frame_mask(x, mask, owner):
    """Raise ``ValueError`` unless ``mask`` is None or of shape ``(B, T)`` for ``x`` of shape
    ``(B, C, T)``: a ``(B, 1)`` mask would broadcast silently over every frame."""
    if mask is not None and tuple(mask.shape) != (x.shape[0], x.shape[-1]):
        raise ValueError(
            f"{owner}: expected a mask of shape (B, T) = ({x.shape[0]}, {x.shape[-1]}) for x "
            f"of shape {tuple(x.shape)}, got {tuple(mask.shape)}."
        )


def check_node_mask(node_mask, shape, owner, name="node_mask"):
    """Raise ``ValueError`` unless ``node_mask`` is None or a bool tensor of ``shape``
    ``(B, T, N)`` (of any such shape if ``shape`` is None): another shape would broadcast
    silently, a float mask fails inside torch."""
    if node_mask is None:
        return
    fits = node_mask.ndim == 3 if shape is None else tuple(node_mask.shape) == tuple(shape)
    if not fits or node_mask.dtype != torch.bool:
        expected = "" if shape is None else f" = {tuple(shape)}"
        raise ValueError(
            f"{owner}: expected a bool {name} of shape (B, T, N){expected}. Got "
            f"{node_mask.dtype} of shape {tuple(node_mask.shape)}."
        )


def check_node_features(x, channels, owner):
    """Raise ``ValueError`` unless ``x`` has shape ``(B, T, N, channels)``."""
    if x.ndim != 4 or x.shape[-1] != channels:
        raise ValueError(
            f"{owner}: expected x of shape (B, T, N, C) with C = {channels}. Got shape "
            f"{tuple(x.shape)}."
        )
