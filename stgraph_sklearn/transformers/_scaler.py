"""SequenceScaler: NaN-aware standardisation of every modality, fitted on training recordings."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..data import LazyValues, is_lazy
from ._common import (
    _check_input,
    _KeepsFeatureNamesMixin,
    _replace_values,
    _sequence_feature_names,
    _transformer_tags,
    fit_context,
)

__all__ = ["SequenceScaler"]

_AXES = {"node": (0,), "channel": (0, 1), "modality": (0, 1, 2)}


def _standardize(values, mean, scale, inverse):
    """``(values - mean) / scale`` (or its inverse) in the dtype of ``values``; NaN stays NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = values * scale + mean if inverse else (values - mean) / scale
    return res.astype(values.dtype, copy=False)


def _lazy_standardize(values, mean, scale, inverse):
    """:func:`_standardize` of lazy values (the computation of their :class:`LazyValues`)."""
    return _standardize(values.load(), mean, scale, inverse)


class SequenceScaler(
    _KeepsFeatureNamesMixin, TransformerMixin, BaseEstimator, auto_wrap_output_keys=None
):
    """Standardise every modality to zero mean and unit variance, ignoring NaN.

    Statistics are computed over all samples of all training recordings (each modality at its
    own rate; aligned or not) and applied as ``(x - mean_) / scale_``. NaN stays NaN.
    ``fit`` reads one recording at a time and merges per-recording counts, means and sums of
    squared deviations exactly, so lazy recordings (memory-mapped, see
    :func:`~stgraph_sklearn.data.is_lazy`) are never held together; ``transform`` returns
    lazy values for them.

    Parameters
    ----------
    per : {"node", "channel", "modality"}, default="node"
        What one mean and standard deviation are pooled over:

        - ``"node"``: one per (modality, node, channel): every sensor axis on its own scale.
        - ``"channel"``: one per (modality, channel), pooled over the modality's nodes: keeps
          the relative amplitude of identical sensors (which accelerometer moves most).
        - ``"modality"``: one per modality, pooled over nodes and channels.

    Attributes
    ----------
    mean_ : dict of str to ndarray of shape (n_nodes, n_channels)
        Per-modality means (repeated over the pooled axes), float64.
    scale_ : dict of str to ndarray of shape (n_nodes, n_channels)
        Per-modality standard deviations (population, ``ddof=0``); 1 where the variance is
        zero or no value was observed (the mean is then 0).
    n_samples_seen_ : dict of str to ndarray of shape (n_nodes, n_channels)
        Number of non-NaN values each statistic was computed from.
    modalities_ : dict of str to tuple of int
        ``{modality: (n_nodes, n_channels)}`` seen in fit.
    feature_names_in_ : ndarray of str
        ``"<node>__<channel>"`` of every channel of every node of the first training
        recording (:func:`~stgraph_sklearn.data.node_feature_names`), which the output keeps:
        :meth:`get_feature_names_out` returns them.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The tabular equivalent.

    Examples
    --------
    >>> import numpy as np
    >>> from stgraph_sklearn.transformers import SequenceScaler
    >>> X = [np.array([[[0.0], [10.0]], [[2.0], [np.nan]]])]  # 2 frames, 2 nodes, 1 channel
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.transform(X)[0][:, :, 0]
    array([[-1.,  0.],
           [ 1., nan]])
    """

    _parameter_constraints: dict = {"per": [StrOptions(set(_AXES))]}

    def __init__(self, per="node"):
        self.per = per

    @fit_context
    def fit(self, X, y=None):
        """Compute the NaN-aware mean and standard deviation on the training recordings.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_timesteps, n_nodes, n_channels)
            Training recordings, all with the same modalities, shapes and (where named) node
            and channel names.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        items, _, layout = _check_input(X, "SequenceScaler")
        axes = _AXES[self.per]
        self.mean_, self.scale_, self.n_samples_seen_ = {}, {}, {}
        for key, (n_nodes, n_ch) in layout.items():
            count = np.zeros((n_nodes, n_ch))
            mean = np.zeros((n_nodes, n_ch))
            m2 = np.zeros((n_nodes, n_ch))
            for rec in items:
                values = np.asarray(rec.modalities[key].values)  # lazy values: read once here
                valid = ~np.isnan(values)
                c = valid.sum(axis=axes, keepdims=True)[0]
                total = np.where(valid, values, 0.0).sum(
                    axis=axes, keepdims=True, dtype=np.float64
                )[0]
                mu = np.divide(total, c, out=np.zeros(c.shape), where=c > 0)
                dev = np.where(valid, values - mu, 0.0)
                with np.errstate(over="ignore", invalid="ignore"):  # checked below
                    sq = (dev * dev).sum(axis=axes, keepdims=True, dtype=np.float64)[0]
                c, mu, sq = (np.broadcast_to(a, (n_nodes, n_ch)) for a in (c, mu, sq))
                # Chan et al.'s pairwise update of the running mean and sum of squares
                new = count + c
                delta = mu - mean
                frac = np.divide(c, new, out=np.zeros(new.shape), where=new > 0)
                mean = mean + delta * frac
                with np.errstate(over="ignore", invalid="ignore"):
                    m2 = m2 + sq + delta * delta * count * frac
                count = new
            if not np.isfinite(m2).all():
                raise ValueError(
                    f"SequenceScaler: modality {key!r} has values too large for a variance in "
                    f"float64 (their squares overflow; largest |mean| {np.abs(mean).max():.3g}). "
                    "Give its values in other units."
                )
            var = np.divide(m2, count, out=np.zeros(count.shape), where=count > 0)
            std = np.sqrt(var)
            # constant where the variance is within its own rounding error, scikit-learn's
            # rule (StandardScaler's _is_constant_feature), not below an absolute floor: a
            # channel on the scale of 1e-16 still varies
            eps = np.finfo(np.float64).eps
            bound = count * eps * var + (count * np.abs(mean) * eps) ** 2
            self.mean_[key] = np.where(count > 0, mean, 0.0)
            self.scale_[key] = np.where(var > bound, std, 1.0)
            self.n_samples_seen_[key] = count.astype(np.int64)
        self.modalities_ = layout
        self.feature_names_in_ = _sequence_feature_names(items[0])
        return self

    def _apply(self, X, inverse):
        check_is_fitted(self)
        caller = "SequenceScaler"
        items, as_array, _ = _check_input(
            X, caller, self.modalities_, feature_names=getattr(self, "feature_names_in_", None)
        )
        step = "inverse_transform" if inverse else "transform"
        out = []
        for i, rec in enumerate(items):
            new = {}
            for key, mod in rec.modalities.items():
                args = (self.mean_[key], self.scale_[key], inverse)
                if is_lazy(mod.values):
                    new[key] = LazyValues(
                        partial(_lazy_standardize, mod.values, *args),
                        mod.values.shape,
                        mod.values.dtype,
                        where=f"recording {rec.name!r} modality {key!r} after {caller}.{step}",
                    )
                else:
                    new[key] = _standardize(mod.values, *args)
            out.append(_replace_values(rec, new, as_array[i]))
        return out

    def transform(self, X):
        """Standardise: ``(x - mean_) / scale_``.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_timesteps, n_nodes, n_channels)
            Recordings with the modalities seen in fit.

        Returns
        -------
        Xt : list of Recording or list of ndarray
            Same kind as the items of X (arrays for arrays), same shapes, same clocks.
        """
        return self._apply(X, inverse=False)

    def inverse_transform(self, X):
        """Undo :meth:`transform`: ``x * scale_ + mean_``.

        Parameters
        ----------
        X : list of Recording or list of ndarray of shape (n_timesteps, n_nodes, n_channels)
            Standardised recordings.

        Returns
        -------
        X_original : list of Recording or list of ndarray
            Same kind as the items of X.
        """
        return self._apply(X, inverse=True)

    def __sklearn_tags__(self):
        return _transformer_tags(super().__sklearn_tags__())
