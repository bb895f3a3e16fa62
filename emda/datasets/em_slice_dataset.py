"""A dataset of 2D EM slices with optional dense labels and sparse points."""
import os
import os.path as osp
import warnings
from typing import List, Optional

import numpy as np
from mmseg.datasets import BaseSegDataset

from emda.registry import DATASETS
from .data_check import check_slices
from .em_io import COLOR_MODES, is_stack_file, split_h5_path, stack_length
from .point_annotations import load_points, point_names_missing

IMAGE_SUFFIXES = ('.png', '.tif', '.tiff', '.jpg', '.bmp')


@DATASETS.register_module()
class EMSliceDataset(BaseSegDataset):
    """2D slices of an EM volume for binary mitochondria segmentation.

    ``img_path`` (and ``ann_path``) may be a folder of per-slice PNG/TIFF
    files (an image and its label share the file name), a multi-page TIFF
    stack, or an HDF5 file (``'vol.h5:key'``). Paths are relative to
    ``data_root``. Labels are optional (an unlabeled target domain), as are
    points (``points_file``, see ``emda.datasets.point_annotations``).

    Args:
        img_path: images (folder, TIFF stack or HDF5 dataset).
        ann_path: dense labels in the same layout, or None.
        points_file: JSON point annotations, or None.
        unknown_points: what to do with points of images that are not in
            this split: ``'error'`` (default) or ``'ignore'`` (the published
            Lucchi files list all 165 slices; only 40 are a split here).
        slice_range: optional ``(start, stop)`` to keep a subset of slices.
        color: ``'gray'`` (default) reads colour files whose channels are
            equal and refuses the others; ``'to_gray'`` converts them.
        check_files: read every slice when the dataset is built and report
            all problems at once (unreadable, not 2D, colour, label shape
            or values, points outside the image; see
            :mod:`emda.datasets.data_check`). Default True.
    """
    METAINFO = dict(
        classes=('background', 'mitochondria'),
        palette=[[0, 0, 0], [255, 255, 255]])

    def __init__(self,
                 img_path: str,
                 ann_path: Optional[str] = None,
                 points_file: Optional[str] = None,
                 unknown_points: str = 'error',
                 slice_range: Optional[tuple] = None,
                 color: str = 'gray',
                 check_files: bool = True,
                 **kwargs):
        if unknown_points not in ('error', 'ignore'):
            raise ValueError("unknown_points must be 'error' or 'ignore', "
                             f'got {unknown_points!r}')
        if color not in COLOR_MODES:
            raise ValueError(f'color must be one of {COLOR_MODES}, got '
                             f'{color!r}')
        self.color = color
        self.check_files = check_files
        self.em_img_path = img_path
        self.em_ann_path = ann_path
        self.points_file = points_file
        self.unknown_points = unknown_points
        self.slice_range = slice_range
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(**kwargs)

    def _abs(self, path: Optional[str]) -> Optional[str]:
        if path is None:
            return None
        if self.data_root and not osp.isabs(path):
            return osp.join(self.data_root, path)
        return path

    @staticmethod
    def _entries(path: str) -> List[tuple]:
        """(name, file, index) of every slice under ``path``."""
        file, _ = split_h5_path(path)
        if osp.isdir(path):
            names = sorted(
                f for f in os.listdir(path) if
                f.lower().endswith(IMAGE_SUFFIXES) and not f.startswith('.'))
            if not names:
                raise FileNotFoundError(
                    f'no image files (.png/.tif) in {path}')
            return [(n, osp.join(path, n), None) for n in names]
        if is_stack_file(file):
            stem = osp.splitext(osp.basename(file))[0]
            n = stack_length(path)
            return [(f'{stem}_z{i:04d}', path, i) for i in range(n)]
        raise FileNotFoundError(
            f'EM data not found: {path} (expected a '
            'folder of slices, a .tif stack or an .h5 file)')

    def load_data_list(self) -> List[dict]:
        img_entries = self._entries(self._abs(self.em_img_path))
        ann_entries = None
        if self.em_ann_path is not None:
            ann_path = self._abs(self.em_ann_path)
            ann_entries = self._entries(ann_path)
            if len(ann_entries) != len(img_entries):
                raise ValueError(
                    f'{len(img_entries)} images in {self.em_img_path} but '
                    f'{len(ann_entries)} labels in {self.em_ann_path}')
            if img_entries[0][2] is None and ann_entries[0][2] is None:
                ann_names = {osp.splitext(n)[0] for n, _, _ in ann_entries}
                missing = [
                    n for n, _, _ in img_entries
                    if osp.splitext(n)[0] not in ann_names
                ]
                if missing:
                    raise FileNotFoundError(
                        f'no label in {ann_path} for image(s) {missing[:5]}')
                by_stem = {osp.splitext(e[0])[0]: e for e in ann_entries}
                ann_entries = [
                    by_stem[osp.splitext(n)[0]] for n, _, _ in img_entries
                ]
        points = None
        if self.points_file is not None:
            points_path = self._abs(self.points_file)
            points = load_points(points_path)
            unknown = point_names_missing(points,
                                          [n for n, _, _ in img_entries])
            if unknown and self.unknown_points == 'error':
                raise KeyError(f'{points_path} has points for image(s) not in '
                               f'{self.em_img_path}: {unknown[:5]}'
                               f'{" ..." if len(unknown) > 5 else ""} (set '
                               "unknown_points='ignore' to skip them)")
        if self.slice_range is not None:
            start, stop = self.slice_range
            img_entries = img_entries[start:stop]
            if ann_entries is not None:
                ann_entries = ann_entries[start:stop]
        data_list = []
        for i, (name, file, index) in enumerate(img_entries):
            info = dict(
                img_path=file,
                img_index=index,
                name=name,
                color=self.color,
                label_map=self.label_map,
                reduce_zero_label=False,
                seg_fields=[])
            if ann_entries is not None:
                info['seg_map_path'] = ann_entries[i][1]
                info['seg_index'] = ann_entries[i][2]
            if points is not None:
                info['points'] = points.get(name, np.zeros((0, 2), np.int64))
                info['points_file'] = points_path
            data_list.append(info)
        if points is not None and not any(len(p) for p in points.values()):
            warnings.warn(f'{self.points_file} holds no points')
        if self.check_files:
            check_slices(data_list, self.em_img_path)
        return data_list
