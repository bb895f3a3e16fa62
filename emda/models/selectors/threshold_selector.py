"""Pixel-confidence pseudo-labels: the "no instance selection" ablation and
the mean-teacher baseline's target."""
from typing import Any, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from emda.registry import TASK_UTILS
from .base_selector import BaseSelector
from .selection_result import IGNORE_INDEX, SelectionResult


@TASK_UTILS.register_module()
class ThresholdSelector(BaseSelector):
    """Foreground where ``p > tau``, background where ``p < 1 - tau``, ignore
    in between.

    Annotated points the confident foreground misses become the same blob
    with ignore ring as in the IPL, so the ablation differs from the IPL
    only by the instance selection. ``heatmap`` and ``ratio`` are accepted
    for the common signature and unused; the detection background is
    ``label == 0``.

    Args:
        tau (float): Pixel confidence threshold in [0.5, 1).
        weight_mode (str): ``'binary'``: weight 1 on every non-ignored pixel.
            ``'dacs'``: every non-ignored pixel weighs the fraction of
            confident pixels in the slice (DACS' scalar quality weight).
        point_blobs (bool): Whether missed points become blobs.
        blob_kernel, blob_iterations, ring_kernel, ring_iterations: See
            :class:`BaseSelector`.
    """

    WEIGHT_MODES = ('binary', 'dacs')

    def __init__(self,
                 tau: float = 0.9,
                 weight_mode: str = 'binary',
                 point_blobs: bool = True,
                 blob_kernel: Sequence[int] = (11, 13),
                 blob_iterations: int = 3,
                 ring_kernel: Sequence[int] = (31, 33),
                 ring_iterations: int = 3) -> None:
        super().__init__(blob_kernel, blob_iterations, ring_kernel,
                         ring_iterations)
        if weight_mode not in self.WEIGHT_MODES:
            raise ValueError(f'weight_mode must be one of '
                             f'{self.WEIGHT_MODES}, got {weight_mode!r}')
        self.tau = self._check_tau(tau)
        self.weight_mode = weight_mode
        self.point_blobs = bool(point_blobs)

    def confidence_label(self, prob_fg: Tensor) -> Tensor:
        """The rule, on a tensor of any shape: uint8 1 where ``p > tau``,
        0 where ``p < 1 - tau``, 255 elsewhere (the one implementation;
        :meth:`select` and :meth:`select_batch` call it)."""
        label = torch.full_like(prob_fg, IGNORE_INDEX, dtype=torch.uint8)
        label[prob_fg < 1. - self.tau] = 0
        label[prob_fg > self.tau] = 1
        return label

    def select_batch(self,
                     prob_fg: Tensor,
                     heatmap: Optional[Tensor] = None,
                     points: Optional[Sequence[Any]] = None,
                     ratio: Optional[float] = None) -> Tuple[Tensor, Tensor]:
        """``(label, weight)`` of a B x H x W batch on its device, as
        :meth:`select` per slice. Slices with annotated points (when
        ``point_blobs``) go through the numpy blob routine."""
        if prob_fg.dim() != 3 or not torch.isfinite(prob_fg).all():
            raise ValueError('prob_fg must be a finite B x H x W tensor')
        label = self.confidence_label(prob_fg.float()).long()
        for i, pts in enumerate(points or []):
            if self.point_blobs and pts is not None and len(pts):
                blob_label, _ = super().select_batch(prob_fg[i:i + 1], None,
                                                     [pts], ratio)
                label[i] = blob_label[0]
        supervised = label != IGNORE_INDEX
        weight = supervised.float()
        if self.weight_mode == 'dacs':
            quality = supervised.flatten(1).sum(1).double() / \
                supervised[0].numel()
            weight = weight * quality.float()[:, None, None]
        return label, weight

    def select(self, prob_fg: np.ndarray, heatmap: Optional[np.ndarray],
               points: np.ndarray, ratio: Optional[float]) -> SelectionResult:
        label = self.confidence_label(torch.from_numpy(prob_fg)).numpy()
        info = self.add_point_blobs(label, points, self.point_blobs)
        supervised = label != IGNORE_INDEX
        quality = float(supervised.mean())
        info['confident_fraction'] = quality
        if self.weight_mode == 'dacs':
            weight = supervised.astype(np.float32) * quality
        else:
            weight = supervised.astype(np.float32)
        return self.build_result(label, label == 0, points, info, weight)
