"""On-disk pseudo-labels of round-based self-training.

One home for the layout that the round hook writes and the
``LoadPseudoLabels`` transform reads::

    <root>/round_01/label/<stem>.png  uint8 1 fg / 0 bg / 255 ignore
    <root>/round_01/det_background/   0/255: detection background
    <root>/round_01/point_instances/  0/255: instances hit by (pseudo) points
    <root>/round_01/heatmap/          uint8 min-max normalized heatmap
    <root>/round_01/overlay/          RGB check image (not read back)
    <root>/round_01/selection.csv     per-slice counts and timings
    <root>/round_01/done              written last: the round is complete

Every file is written to a temporary name and renamed, so a reader never
sees half a PNG; under DDP only rank 0 writes (see
``SelfTrainingRoundHook``).

The root is usually ``{work_dir}/pseudo_labels``. Which round the training
pipeline reads is not stored here: ``SelfTrainingLoop.use_pseudo_labels``
tells the dataset's ``LoadPseudoLabels`` the round folder.
"""
import os
import os.path as osp
from typing import Dict

import cv2
import numpy as np

from emda.utils.atomic_files import (remove_file, write_png_atomic,
                                     write_text_atomic)

#: maps stored per slice and read back for training
TRAIN_MAPS = ('label', 'det_background', 'point_instances')


def round_name(index: int) -> str:
    """Folder name of round ``index`` (1-based)."""
    return f'round_{index:02d}'


class PseudoLabelStore:
    """Read and write the pseudo-label rounds under ``root``."""

    def __init__(self, root: str):
        self.root = root

    def round_dir(self, name: str) -> str:
        return osp.join(self.root, name)

    def is_complete(self, name: str) -> bool:
        return osp.isfile(osp.join(self.round_dir(name), 'done'))

    def mark_complete(self, name: str) -> None:
        """Write the round's ``done`` marker (last, atomically)."""
        write_text_atomic(osp.join(self.round_dir(name), 'done'), 'ok\n')

    def clear_complete(self, name: str) -> None:
        """Remove the ``done`` marker before a round is (re)written, so
        an interrupted rewrite is never taken for a complete round."""
        remove_file(osp.join(self.round_dir(name), 'done'))

    def map_path(self, name: str, kind: str, slice_name: str) -> str:
        stem = osp.splitext(osp.basename(slice_name))[0]
        return osp.join(self.round_dir(name), kind, f'{stem}.png')

    def write(self, name: str, slice_name: str,
              maps: Dict[str, np.ndarray]) -> None:
        """Write uint8 ``maps`` (kind -> HxW or HxWx3) of one slice."""
        for kind, arr in maps.items():
            path = self.map_path(name, kind, slice_name)
            os.makedirs(osp.dirname(path), exist_ok=True)
            write_png_atomic(path, arr)

    def read(self, name: str, slice_name: str) -> Dict[str, np.ndarray]:
        """The training maps of ``slice_name`` in round ``name``: ``label``
        (uint8 0/1/255) and bool ``det_background`` and
        ``point_instances``."""
        maps = {}
        for kind in TRAIN_MAPS:
            path = self.map_path(name, kind, slice_name)
            arr = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if arr is None:
                raise FileNotFoundError(
                    f'pseudo-label {path} of round {name} is missing or '
                    'unreadable; delete the round folder to regenerate it')
            maps[kind] = arr if kind == 'label' else arr > 127
        return maps
