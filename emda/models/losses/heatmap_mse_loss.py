"""Weighted MSE on center-detection heatmaps (0..255 scale), one class for
the source and target detection losses of WDA-Net and the paper."""
from typing import Optional

import torch
import torch.nn as nn

from emda.registry import MODELS
# re-exported for callers of the old home; rendered by emda.structures
from emda.structures.heatmaps import center_weight_map  # noqa: F401


def _as_pred_shape(value: torch.Tensor, pred: torch.Tensor,
                   name: str) -> torch.Tensor:
    """Accept ``pred``'s shape, or B x H x W for a B x 1 x H x W ``pred``."""
    if value.shape != pred.shape and value.dim() + 1 == pred.dim() \
            and pred.shape[1] == 1:
        value = value.unsqueeze(1)
    if value.shape != pred.shape:
        raise ValueError(f'{name} must have the shape of pred '
                         f'{tuple(pred.shape)}, got {tuple(value.shape)}')
    return value.to(device=pred.device, dtype=pred.dtype)


@MODELS.register_module()
class WeightedHeatmapMSELoss(nn.Module):
    """``sum(w * (pred - target)^2) / N`` with ``w = mask + center_weight *
    center_weight_map``.

    The three detection losses of METHOD_SPEC 3 / 11 are configurations:

    - Source, the paper (``L_det^s``): plain MSE. ``normalize='mean'``, no
      mask, no center map, ``loss_weight=0.05``.
    - Source, WDA-Net: MSE weighted by ``1 + 3 * G_11(points)``.
      ``normalize='mean'`` and ``center_weight_map=center_weight_map(
      points, shape)``.
    - Target, the paper (``weight_mse_partial_bg``, ``L_det^t``):
      ``normalize='mask'``, ``mask = B | (target > 0)`` where ``B`` is the
      detection background of the IPL round (METHOD_SPEC 6.4) and
      ``target = render_heatmap(P_f, shape)`` with ``P_f`` the centroids of
      the pseudo-foreground components;
      ``center_weight_map=center_weight_map(P_f, shape)``,
      ``center_weight=3``, ``loss_weight=0.01``. Pixels with ``w = 0`` are
      ignored. WDA-Net's target loss is the same without the center map.

    Args:
        center_weight (float): Factor of ``center_weight_map`` in ``w``.
            Defaults to 3.0.
        normalize (str): ``'mask'``: divide by ``count(w > 0) + 1`` (the
            ``+ 1`` of the authors' code keeps an empty mask finite);
            ``'mean'``: divide by the number of elements. Both reduce over
            the whole batch. Defaults to ``'mask'``.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    NORMALIZE_MODES = ('mask', 'mean')

    def __init__(self,
                 center_weight: float = 3.0,
                 normalize: str = 'mask',
                 loss_weight: float = 1.0):
        super().__init__()
        if normalize not in self.NORMALIZE_MODES:
            raise ValueError(f'normalize must be one of '
                             f'{self.NORMALIZE_MODES}, got {normalize!r}')
        self.center_weight = center_weight
        self.normalize = normalize
        self.loss_weight = loss_weight

    def forward(
            self,
            pred: torch.Tensor,
            target: torch.Tensor,
            mask: Optional[torch.Tensor] = None,
            center_weight_map: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args:
            pred (Tensor): Predicted heatmap, B x 1 x H x W (any shape).
            target (Tensor): Target heatmap (0..255), same shape as ``pred``
                or B x H x W.
            mask (Tensor, optional): 0/1 (or bool) supervision mask, shape
                as ``target``. Defaults to all ones.
            center_weight_map (Tensor, optional): [0, 1] emphasis map (see
                :func:`center_weight_map`), shape as ``target``.

        Returns:
            Tensor: Scalar loss.
        """
        target = _as_pred_shape(target, pred, 'target')
        if mask is None:
            weight = torch.ones_like(pred)
        else:
            weight = _as_pred_shape(mask, pred, 'mask')
        if center_weight_map is not None:
            weight = weight + self.center_weight * _as_pred_shape(
                center_weight_map, pred, 'center_weight_map')
        weighted_sq = weight * (pred - target)**2
        if self.normalize == 'mask':
            loss = weighted_sq.sum() / ((weight > 0).sum() + 1)
        else:
            loss = weighted_sq.mean()
        return self.loss_weight * loss
