"""On-disk pseudo-labels of round-based self-training.

One home for the layout that the round hook writes and the
``LoadPseudoLabels`` transform reads::

    <root>/current                    name of the round in use (text)
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

The root is usually ``{work_dir}/pseudo_labels``. Dataloader workers start
before any hook runs, so they cannot be told the runner's work_dir;
``tools/train.py`` exports it as ``EMDA_WORK_DIR`` before building the
runner and the ``{work_dir}`` placeholder is resolved from there.
"""
import os
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np

from emda.utils.atomic_files import (remove_file, write_png_atomic,
                                     write_text_atomic)

ENV_WORK_DIR = 'EMDA_WORK_DIR'
#: maps stored per slice and read back for training
TRAIN_MAPS = ('label', 'det_background', 'point_instances')


def resolve_root(template: str) -> str:
    """``template`` with ``{work_dir}`` replaced by ``$EMDA_WORK_DIR``."""
    if '{work_dir}' not in template:
        return template
    work_dir = os.environ.get(ENV_WORK_DIR)
    if not work_dir:
        raise RuntimeError(
            f'pseudo-label root {template!r} needs the run\'s work_dir: '
            f'train through tools/train.py (it sets ${ENV_WORK_DIR}) or '
            f'export {ENV_WORK_DIR}=<work_dir> before building the runner')
    return template.replace('{work_dir}', work_dir)


def round_name(index: int) -> str:
    """Folder name of round ``index`` (1-based)."""
    return f'round_{index:02d}'


class PseudoLabelStore:
    """Read and write the pseudo-label rounds under ``root``."""

    def __init__(self, root: str):
        self.root = resolve_root(root)

    def round_dir(self, name: str) -> str:
        return osp.join(self.root, name)

    def current(self) -> Optional[str]:
        """The round in use, or None before the first round."""
        path = osp.join(self.root, 'current')
        if not osp.isfile(path):
            return None
        with open(path) as f:
            return f.read().strip() or None

    def set_current(self, name: str) -> None:
        """Point readers at round ``name`` (atomic rename)."""
        os.makedirs(self.root, exist_ok=True)
        tmp = osp.join(self.root, f'.current.{os.getpid()}')
        with open(tmp, 'w') as f:
            f.write(name)
        os.replace(tmp, osp.join(self.root, 'current'))

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

    def read(self, slice_name: str) -> Optional[Dict[str, np.ndarray]]:
        """The training maps of ``slice_name`` in the current round:
        ``label`` (uint8 0/1/255) and bool ``det_background`` and
        ``point_instances``; None when there is no round yet."""
        name = self.current()
        if name is None:
            return None
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
