"""MS-TCN segmentation loss: per-stage cross-entropy plus truncated-MSE smoothing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._checks import check_float, check_int


class SegmentationLoss(nn.Module):
    r"""Cross-entropy plus the truncated mean squared error of MS-TCN, summed over stages.

    For each stage ``s`` with log-probabilities :math:`\ell_{t,k}`:

    .. math::
        L_s = \mathrm{CE}_s + \lambda \cdot \mathrm{mean}_{t,k}
              \min\left((\ell_{t,k} - \bar{\ell}_{t-1,k})^2, \tau^2\right)

    where :math:`\bar{\ell}` is detached (no gradient through the previous frame), the mean runs
    over the classes and over the neighbouring pairs ``(t - 1, t)`` whose frames are both valid,
    and the cross-entropy is averaged over valid frames (weighted by ``class_weight`` as in
    :func:`torch.nn.functional.cross_entropy`; a batch whose valid frames all weigh 0 adds no
    cross-entropy, as a batch of padding does). Unlike MS-TCN, pairs touching a padded frame
    are excluded, so a padded batch gives the same loss as the same recordings unpadded when
    all have the same length.

    Parameters
    ----------
    smoothing_weight : float, default=0.15
        Weight :math:`\lambda` of the smoothing term.
    smoothing_clip : float, default=4.0
        Truncation :math:`\tau` of the absolute log-probability difference.
    class_weight : array-like of shape (K,), default=None
        Per-class weights of the cross-entropy.
    ignore_index : int, default=-100
        Target value of padded (or unlabelled) frames.

    References
    ----------
    Y. Abu Farha and J. Gall, "MS-TCN: Multi-Stage Temporal Convolutional Network for Action
    Segmentation", CVPR 2019.

    Examples
    --------
    >>> import torch
    >>> from stgraph_sklearn.nn import SegmentationLoss
    >>> loss = SegmentationLoss()
    >>> logits = torch.randn(4, 2, 3, 10, requires_grad=True)
    >>> target = torch.randint(0, 3, (2, 10))
    >>> loss(logits, target).ndim
    0
    """

    def __init__(
        self, smoothing_weight=0.15, smoothing_clip=4.0, class_weight=None, ignore_index=-100
    ):
        super().__init__()
        owner = type(self).__name__
        self.smoothing_weight = check_float(smoothing_weight, "smoothing_weight", owner)
        self.smoothing_clip = check_float(smoothing_clip, "smoothing_clip", owner)
        if self.smoothing_clip == 0:
            raise ValueError(
                f"The 'smoothing_clip' parameter of {owner} must be > 0. Got 0.0 instead."
            )
        self.ignore_index = check_int(ignore_index, "ignore_index", owner, min_value=-(2**62))
        if class_weight is not None:
            class_weight = torch.as_tensor(class_weight, dtype=torch.float32).clone()
            if (
                class_weight.ndim != 1
                or not torch.isfinite(class_weight).all()
                or (class_weight < 0).any()
            ):
                raise ValueError(
                    f"The 'class_weight' parameter of {owner} must be a 1-D array of finite, "
                    f"non-negative weights. Got {class_weight.tolist()!r} instead."
                )
        self.register_buffer("class_weight", class_weight)

    def reset_parameters(self):
        """No learnable parameters; present for a uniform module API."""

    def forward(self, logits: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
        """Compute the loss.

        Parameters
        ----------
        logits : Tensor of shape (S, B, K, T)
            Logits of every stage.
        target : LongTensor of shape (B, T)
            Class indices, ``ignore_index`` on padded frames.
        mask : BoolTensor of shape (B, T), default=None
            Valid frames for the smoothing term; defaults to ``target != ignore_index``.

        Returns
        -------
        Tensor of shape ()
            Sum over stages of cross-entropy plus weighted smoothing.
        """
        owner = type(self).__name__
        if (
            target.ndim != 2
            or logits.ndim != 4
            or logits.shape[1] != target.shape[0]
            or logits.shape[3] != target.shape[1]
        ):
            raise ValueError(
                f"{owner}: expected logits of shape (S, B, K, T) and target of shape (B, T) "
                f"(got {tuple(logits.shape)} and {tuple(target.shape)})."
            )
        if target.dtype.is_floating_point or target.dtype.is_complex or target.dtype == torch.bool:
            raise ValueError(
                f"{owner}: expected integer class indices as target. Got {target.dtype}."
            )
        target = target.long()  # cross_entropy takes int64 only
        n_classes = logits.shape[2]
        if self.class_weight is not None and self.class_weight.numel() != n_classes:
            raise ValueError(
                f"{owner}: class_weight has {self.class_weight.numel()} weights for logits of "
                f"{n_classes} classes; expected one weight per class."
            )
        if mask is not None and (
            tuple(mask.shape) != tuple(target.shape) or mask.dtype != torch.bool
        ):
            raise ValueError(
                f"{owner}: expected a bool mask of shape (B, T) = {tuple(target.shape)}, as "
                f"target. Got {mask.dtype} of shape {tuple(mask.shape)}."
            )
        valid = target != self.ignore_index
        classes = target[valid]
        outside = (classes < 0) | (classes >= n_classes)
        if bool(outside.any()):
            bad = classes[outside][0]
            raise ValueError(
                f"{owner}: target holds class {int(bad)}, outside 0..{n_classes - 1} (the "
                f"logits have {n_classes} classes) and not ignore_index={self.ignore_index}."
            )
        if mask is None:
            mask = valid
        pairs = (mask[:, 1:] & mask[:, :-1]).unsqueeze(1).to(logits.dtype)  # (B, 1, T - 1)
        num_pairs = float(pairs.sum()) * logits.shape[2]
        if self.class_weight is None:
            has_valid = bool(valid.any())
        else:  # frames of zero-weight classes only: no term (mean reduction would be 0 / 0)
            has_valid = bool(self.class_weight[target[valid]].sum() > 0)
        weight = None if self.class_weight is None else self.class_weight.to(logits.dtype)
        total = logits.new_zeros(())
        for stage in logits:
            if has_valid:
                total = total + F.cross_entropy(
                    stage, target, weight=weight, ignore_index=self.ignore_index
                )
            if self.smoothing_weight > 0 and num_pairs > 0:
                log_p = F.log_softmax(stage, dim=1)
                diff = (log_p[:, :, 1:] - log_p.detach()[:, :, :-1]) ** 2
                # a clip whose square is beyond the dtype's range clips nothing
                clip = min(self.smoothing_clip**2, torch.finfo(diff.dtype).max)
                diff = torch.clamp(diff, min=0, max=clip)
                total = total + self.smoothing_weight * (diff * pairs).sum() / num_pairs
        if logits.requires_grad and not total.requires_grad:
            # nothing to learn from (all padding): a zero that backward() still accepts
            total = total + 0.0 * logits.sum()
        return total
