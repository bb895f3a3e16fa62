"""Targets computed after augmentation: point recovery and Gaussian center
heatmaps."""
import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage as ndi

from emda.registry import TRANSFORMS
from emda.utils.heatmap import render_heatmap
from emda.utils.instances import instance_centroids, label_instances
from .loading import POINT_MAP_PAD


def points_from_map(point_map: np.ndarray) -> np.ndarray:
    """Recover (N, 2) float (y, x) point centres from a rasterized map."""
    ids = np.unique(point_map)
    ids = ids[(ids != 0) & (ids != POINT_MAP_PAD)]
    if len(ids) == 0:
        return np.zeros((0, 2), np.float32)
    centres = ndi.center_of_mass(
        np.ones_like(point_map, np.float32), labels=point_map, index=ids)
    return np.asarray(centres, np.float32).reshape(-1, 2)


@TRANSFORMS.register_module()
class GenerateCenterHeatmap(BaseTransform):
    """Gaussian center heatmap target ``gt_heatmap`` (0..``peak``).

    Args:
        source: ``'points'`` (annotated points, from ``gt_point_map``),
            ``'mask'`` (centroids of the connected components of
            ``gt_seg_map``, components below ``min_size`` dropped; the
            source-domain target of the paper) or ``'pseudo'`` (the same on
            the pseudo-label ``gt_pseudo_seg == 1``: segmentation teaching
            detection, recomputed after every augmentation).
        kernel_size: Gaussian kernel (61 px at full resolution in the paper;
            scale it with the image when training at lower resolution).
    """

    #: the map whose foreground components give the centers, per source
    MASK_KEYS = dict(mask='gt_seg_map', pseudo='gt_pseudo_seg')

    def __init__(self,
                 source: str = 'points',
                 kernel_size: int = 61,
                 peak: float = 255.,
                 min_size: int = 4):
        if source not in self.MASK_KEYS and source != 'points':
            raise ValueError(f"source must be 'points', 'mask' or 'pseudo', "
                             f'got {source!r}')
        self.source = source
        self.kernel_size = kernel_size
        self.peak = peak
        self.min_size = min_size

    def transform(self, results: dict) -> dict:
        shape = results['img'].shape[:2]
        if self.source == 'points':
            if 'gt_point_map' not in results:
                raise KeyError('GenerateCenterHeatmap(source="points") needs '
                               'LoadPointAnnotations earlier in the pipeline')
            centres = points_from_map(results['gt_point_map'])
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
        return results
