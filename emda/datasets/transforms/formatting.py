"""Packing EM samples: mmseg's ``PackSegInputs`` plus emda's extra targets."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs

from emda.registry import TRANSFORMS

#: dense per-pixel targets packed as ``PixelData`` when present
PIXEL_KEYS = ('gt_heatmap', 'gt_center_weight', 'gt_pseudo_seg',
              'gt_det_background', 'gt_point_instances')


@TRANSFORMS.register_module()
class PackEMInputs(PackSegInputs):
    """Pack image (1xHxW float), ``gt_sem_seg`` and, when present, the
    heatmap, center-weight and pseudo-label maps (as ``PixelData``),
    ``gt_points`` ((N, 2) float tensor of (y, x)) and the target kernels
    (metainfo ``heatmap_kernel`` / ``center_kernel``)."""

    def __init__(self,
                 meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                            'img_shape', 'pad_shape', 'scale_factor', 'flip',
                            'flip_direction', 'reduce_zero_label', 'name',
                            'img_index', 'heatmap_kernel', 'center_kernel')):
        super().__init__(meta_keys=meta_keys)

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        sample = packed['data_samples']
        for key in PIXEL_KEYS:
            if key in results:
                arr = np.ascontiguousarray(results[key])
                sample.set_data(
                    {key: PixelData(data=torch.from_numpy(arr)[None])})
        if 'gt_points' in results:
            sample.set_field(
                torch.as_tensor(
                    np.asarray(results['gt_points'],
                               np.float32).reshape(-1, 2)), 'gt_points')
        return packed
