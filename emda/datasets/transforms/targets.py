"""Targets computed after augmentation: point recovery, the Gaussian
center heatmap and the center-weight map, rendered once per sample."""
from mmcv.transforms import BaseTransform

from emda.registry import TRANSFORMS
from emda.structures import (CENTER_KERNEL, center_weight_map,
                             points_from_id_map, render_heatmap)
from emda.utils.instances import instance_centroids, label_instances

#: kept for callers of the old name (the id-map decoder of the codec)
points_from_map = points_from_id_map


@TRANSFORMS.register_module()
class GenerateCenterHeatmap(BaseTransform):
    """Detection targets at instance centers: ``gt_points`` ((N, 2) float
    (y, x)), ``gt_heatmap`` (Gaussians, 0..``peak``) and
    ``gt_center_weight`` (the [0, 1] ``G_11`` emphasis map of the
    center-weighted detection losses), plus their kernels
    (``heatmap_kernel``, ``center_kernel``) for the packed metainfo, so a
    model can check that they are the ones it expects.

    Args:
        source: ``'points'`` (annotated points, from ``gt_point_map``),
            ``'mask'`` (centroids of the connected components of
            ``gt_seg_map``, components below ``min_size`` dropped; the
            source-domain target of the paper) or ``'pseudo'`` (the same on
            the pseudo-label ``gt_pseudo_seg == 1``: segmentation teaching
            detection, recomputed after every augmentation).
        kernel_size: Gaussian kernel (61 px at full resolution in the paper;
            scale it with the image when training at lower resolution).
        center_kernel: Kernel of the center-weight map (11, peak 1).
    """

    #: the map whose foreground components give the centers, per source
    MASK_KEYS = dict(mask='gt_seg_map', pseudo='gt_pseudo_seg')

    def __init__(self,
                 source: str = 'points',
                 kernel_size: int = 61,
                 peak: float = 255.,
                 min_size: int = 4,
                 center_kernel: int = CENTER_KERNEL):
        if source not in self.MASK_KEYS and source != 'points':
            raise ValueError(f"source must be 'points', 'mask' or 'pseudo', "
                             f'got {source!r}')
        self.source = source
        self.kernel_size = kernel_size
        self.peak = peak
        self.min_size = min_size
        self.center_kernel = center_kernel

    def transform(self, results: dict) -> dict:
        shape = results['img'].shape[:2]
        if self.source == 'points':
            if 'gt_point_map' not in results:
                raise KeyError('GenerateCenterHeatmap(source="points") needs '
                               'LoadPointAnnotations earlier in the pipeline')
            centres = points_from_id_map(results['gt_point_map'])
        else:
            key = self.MASK_KEYS[self.source]
            if key not in results:
                raise KeyError(f'GenerateCenterHeatmap(source='
                               f'"{self.source}") needs {key}: put '
                               'LoadEMAnnotations / LoadPseudoLabels earlier '
                               'in the pipeline')
            mask = results[key] == 1
            centres = instance_centroids(label_instances(mask, self.min_size))
        results['gt_points'] = centres
        results['gt_heatmap'] = render_heatmap(centres, shape,
                                               self.kernel_size, self.peak)
        results['gt_center_weight'] = center_weight_map(
            centres, shape, self.center_kernel)
        results['heatmap_kernel'] = self.kernel_size
        results['center_kernel'] = self.center_kernel
        return results
