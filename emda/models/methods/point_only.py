"""Training on target point annotations alone: the weak-label baseline."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmseg.models.losses import cross_entropy

from emda.datasets.point_annotations import pixel_points
from emda.registry import MODELS
from ..selectors import BaseSelector, IGNORE_INDEX
from ..utils import segmentation_outputs
from .base_da_model import BaseDAModel, DomainInputs, DomainSamples


@MODELS.register_module()
class PointOnly(BaseDAModel):
    """Partial cross-entropy on labels grown from the target points, no
    source data.

    Each annotated point (``gt_points``, after augmentation) becomes the
    selectors' elliptical foreground blob (label 1) inside an ignore ring
    (255); every other pixel is background (0) with weight ``bg_weight``.
    The mitochondria nobody annotated are therefore labelled background:
    that bias is exactly what this baseline measures against methods that
    use the points with source data and pseudo-labels.

    ``tgt.loss_ce`` is the weighted mean ``sum(w * CE) / sum(w)`` over the
    non-ignored pixels, so ``bg_weight`` sets the background's weight
    relative to the blobs'. With ``bg_weight='balanced'`` it is, per batch,
    (blob pixels) / (background pixels), so both classes weigh the same in
    total: with 15 % points on Lucchi the blobs are ~0.2 % of the pixels,
    and at weight 1 the network learns to predict background everywhere
    (0.000 validation Dice after 250 iterations). Pixels outside the
    sample's ``img_shape`` (batch padding) are ignored.

    Args:
        segmentor (dict): Config of the segmentor.
        blob_kernel (tuple[int]): OpenCV (width, height) of the elliptical
            blob kernel (as in the selectors; halve it at half scale).
        blob_iterations (int): Dilation iterations of the blob.
        ring_kernel (tuple[int]): Kernel of the ignore ring.
        ring_iterations (int): Dilation iterations of the ring; 0: none.
        bg_weight (float | str): Weight of background pixels, or
            ``'balanced'`` (see above). Defaults to 1.0.
        **kwargs: ``data_preprocessor``, ``init_cfg`` (see
            :class:`BaseDAModel`).
    """

    def __init__(self,
                 segmentor: dict,
                 blob_kernel: Sequence[int] = (11, 13),
                 blob_iterations: int = 3,
                 ring_kernel: Sequence[int] = (31, 33),
                 ring_iterations: int = 3,
                 bg_weight: Union[float, str] = 1.0,
                 **kwargs):
        super().__init__(segmentor=segmentor, **kwargs)
        # the selectors' kernel checks and blob rule, reused as is
        self.regions = BaseSelector(blob_kernel, blob_iterations, ring_kernel,
                                    ring_iterations)
        if bg_weight != 'balanced' and (isinstance(bg_weight, str)
                                        or bg_weight < 0):
            raise ValueError(f"bg_weight must be >= 0 or 'balanced', got "
                             f'{bg_weight!r}')
        self.bg_weight = (
            bg_weight if bg_weight == 'balanced' else float(bg_weight))

    def point_labels(
        self,
        points: np.ndarray,
        shape: Tuple[int, int],
        valid_shape: Optional[Tuple[int, int]] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """uint8 HxW label (1 blob, 255 ring and padding, 0 elsewhere) and
        float32 weight of one slice's (N, 2) (y, x) ``points`` (background
        weight 1 when ``'balanced'``: the batch sets it in :meth:`loss`)."""
        h, w = shape
        points = pixel_points(points, shape)
        # no prediction covers any point: every point becomes a blob
        blob, ring, _ = self.regions.missed_point_regions(
            points, np.zeros((h, w), bool))
        label = np.zeros((h, w), np.uint8)
        label[ring] = IGNORE_INDEX
        label[blob] = 1
        if valid_shape is not None:
            label[valid_shape[0]:, :] = IGNORE_INDEX
            label[:, valid_shape[1]:] = IGNORE_INDEX
        bg_weight = 1. if self.bg_weight == 'balanced' else self.bg_weight
        weight = np.where(label == 0, bg_weight, 1.).astype(np.float32)
        weight[label == IGNORE_INDEX] = 0.
        return label, weight

    def loss(self, inputs: DomainInputs,
             data_samples: DomainSamples) -> Dict[str, torch.Tensor]:
        """Weighted partial CE of the target batch against its point
        labels, plus ``tgt.blob_fraction`` / ``tgt.n_points``."""
        self.require_domain(inputs, 'target')
        img = inputs['target']
        shape = tuple(img.shape[-2:])
        labels, weights, n_points = [], [], 0
        for sample in data_samples['target']:
            if 'gt_points' not in sample:
                raise KeyError(
                    'PointOnly needs gt_points in every target sample: use '
                    'a points dataset (points_train_pipeline, e.g. '
                    'target_train_points of the pair config)')
            points = sample.gt_points.detach().cpu().numpy()
            n_points += len(points)
            label, weight = self.point_labels(points, shape,
                                              sample.metainfo.get('img_shape'))
            labels.append(torch.from_numpy(label.astype(np.int64)))
            weights.append(torch.from_numpy(weight))
        label = torch.stack(labels).to(img.device)
        weight = torch.stack(weights).to(img.device)
        if self.bg_weight == 'balanced':
            background = label == 0
            ratio = (label == 1).sum() / background.sum().clamp_min(1)
            weight = torch.where(background, ratio.to(weight), weight)
        logits, _ = segmentation_outputs(self.segmentor, img)
        loss = cross_entropy(
            logits,
            label,
            weight=weight,
            reduction='mean',
            avg_factor=weight.sum().clamp_min(1.),
            ignore_index=IGNORE_INDEX)
        return {
            'tgt.loss_ce': loss,
            'tgt.blob_fraction': (label == 1).float().mean(),
            'tgt.n_points': img.new_tensor(float(n_points)),
        }
