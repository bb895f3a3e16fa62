"""Loading transforms: EM slices, binary labels, point annotations and
self-training pseudo-labels."""
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from emda.registry import TRANSFORMS
from emda.structures.point_codec import rasterize_point_ids
from ..em_io import binarize_label, read_slice
from ..point_annotations import check_points_in_image
from ..pseudo_label_store import PseudoLabelStore


@TRANSFORMS.register_module()
class LoadEMImage(BaseTransform):
    """Read a grayscale 8/16-bit slice into ``img`` (float32 HxW in [0, 1],
    scaled by the dtype's range; float data is min-max scaled).

    Colour files follow the dataset's ``color`` option (carried in the data
    info; see :func:`emda.datasets.em_io.read_slice`)."""

    def transform(self, results: dict) -> dict:
        img = read_slice(results['img_path'], results.get('img_index'),
                         results.get('color', 'gray'))
        if img.dtype == np.uint8:
            img = img.astype(np.float32) / 255.
        elif img.dtype == np.uint16:
            img = img.astype(np.float32) / 65535.
        else:
            img = img.astype(np.float32)
            lo, hi = float(img.min()), float(img.max())
            img = (img - lo) / (hi - lo) if hi > lo else img * 0
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadEMAnnotations(BaseTransform):
    """Read a binary label into ``gt_seg_map`` (uint8 {0, 1}).

    0/255 files are binarized, never silently ignored; other values, or a
    shape different from the image's, raise an error naming the file.
    """

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        label = read_slice(path, results.get('seg_index'))
        label = binarize_label(label, path)
        if label.shape != tuple(results['ori_shape'][:2]):
            raise ValueError(f'label {path} has shape {label.shape} but its '
                             f'image {results["img_path"]} has shape '
                             f'{tuple(results["ori_shape"][:2])}')
        # A label loaded after a Resize stays at full resolution: the
        # segmentor resizes predictions to ``ori_shape`` before scoring.
        results['gt_seg_map'] = label
        results['seg_fields'].append('gt_seg_map')
        return results


@TRANSFORMS.register_module()
class LoadPointAnnotations(BaseTransform):
    """Rasterize the slice's points into ``gt_point_map`` so that mmseg's
    geometric transforms move them with the image.

    Each point becomes a ``(2r+1)`` square of a unique id (uint16, 255 is
    skipped because it is the geometric pad value);
    ``emda.structures.points_from_id_map`` recovers the centres after
    augmentation. ``radius=1`` survives flips, crops, 90-degree
    and arbitrary rotations and 0.5x resizing.
    """

    def __init__(self, radius: int = 1):
        self.radius = radius

    def transform(self, results: dict) -> dict:
        points = np.asarray(results.get('points', []), np.int64).reshape(-1, 2)
        shape = results['ori_shape'][:2]
        check_points_in_image(points, shape, results.get('name', '?'),
                              results.get('points_file'))
        if tuple(results['img_shape'][:2]) != tuple(shape):
            raise ValueError('LoadPointAnnotations must come before any '
                             'resizing of the image')
        results['gt_point_map'] = rasterize_point_ids(points, shape,
                                                      self.radius)
        results['seg_fields'].append('gt_point_map')
        return results


@TRANSFORMS.register_module()
class LoadPseudoLabels(BaseTransform):
    """Read this slice's maps of one self-training round: ``gt_pseudo_seg``
    (1/0/255), ``gt_det_background`` and ``gt_point_instances`` (uint8
    0/1), all as seg fields so geometric transforms move them with the image
    (pads become 255: ignored in the pseudo-label, and not counted by the
    0/1 masks, which test ``== 1``).

    The round is given explicitly: ``SelfTrainingLoop.use_pseudo_labels``
    calls :meth:`set_round_dir` (through the dataset) at each round start,
    or ``round_dir`` names a fixed round folder. With no round (source
    pretraining) every pixel is ignored and both masks are empty, so target
    losses vanish.

    Args:
        round_dir (str, optional): A round folder of a
            :class:`~emda.datasets.pseudo_label_store.PseudoLabelStore`.
    """

    def __init__(self, round_dir: Optional[str] = None):
        self.round_dir = round_dir

    def set_round_dir(self, round_dir: Optional[str]) -> None:
        """Read round ``round_dir`` from now on (None: no round)."""
        self.round_dir = round_dir

    def transform(self, results: dict) -> dict:
        shape = tuple(results['ori_shape'][:2])
        if tuple(results['img_shape'][:2]) != shape:
            raise ValueError('LoadPseudoLabels must come before any '
                             'resizing of the image')
        if self.round_dir is not None:
            round_dir = osp.abspath(self.round_dir)
            maps = PseudoLabelStore(osp.dirname(round_dir)).read(
                osp.basename(round_dir), results['name'])
        else:
            maps = dict(
                label=np.full(shape, 255, np.uint8),
                det_background=np.zeros(shape, bool),
                point_instances=np.zeros(shape, bool))
        if maps['label'].shape != shape:
            raise ValueError(f'pseudo-label of {results["name"]} has shape '
                             f'{maps["label"].shape}, image {shape}')
        results['gt_pseudo_seg'] = maps['label']
        results['gt_det_background'] = maps['det_background'].astype(np.uint8)
        results['gt_point_instances'] = maps['point_instances'].astype(
            np.uint8)
        results['seg_fields'] += [
            'gt_pseudo_seg', 'gt_det_background', 'gt_point_instances'
        ]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(round_dir={self.round_dir!r})'
