"""A PNG montage of a written synthetic pair, for docs and eyeballing."""
import os
import os.path as osp

import cv2
import numpy as np

from .synthetic_pair import read_manifest

_OVERLAY_COLOUR = (60, 220, 60)  # BGR green


def _overlay(image: np.ndarray, label: np.ndarray) -> np.ndarray:
    """Grey image with the label outlined (a tint would double the PNG)."""
    colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    contours, _ = cv2.findContours((label > 0).astype(np.uint8),
                                   cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(colour, contours, -1, _OVERLAY_COLOUR, 1)
    return colour


def save_montage(out_dir: str,
                 path: str,
                 n_slices: int = 2,
                 split: str = 'val',
                 grey_levels: int = 32) -> np.ndarray:
    """Save one row per domain: each slice raw and with its label overlay.

    Args:
        out_dir: a folder written by ``write_synthetic_pair``.
        path: the PNG to write.
        n_slices: slices per domain.
        split: which split to show.
        grey_levels: grey levels kept; fewer levels keep noisy images
            small as PNG.

    Returns:
        The montage, uint8 BGR.
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FileNotFoundError(f'{out_dir} holds no synthetic data '
                                '(no manifest.json)')
    if n_slices < 1:
        raise ValueError(f'n_slices must be >= 1, got {n_slices}')
    step = 256 // grey_levels
    rows = []
    for name, splits in manifest['splits'].items():
        if split not in splits:
            raise ValueError(f'split must be one of {list(splits)}, '
                             f'got {split!r}')
        info = splits[split]
        if info['num_slices'] < n_slices:
            raise ValueError(f'{name}/{split} has {info["num_slices"]} '
                             f'slices, fewer than n_slices={n_slices}')
        panels = []
        for index in range(n_slices):
            file = f'z{index:03d}.png'
            image = cv2.imread(
                osp.join(out_dir, info['img_path'], file),
                cv2.IMREAD_GRAYSCALE)
            label = cv2.imread(
                osp.join(out_dir, info['ann_path'], file),
                cv2.IMREAD_GRAYSCALE)
            image = (image // step * step + step // 2).astype(np.uint8)
            raw = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            cv2.putText(raw, name, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                        (0, 0, 255), 2, cv2.LINE_AA)
            panels += [raw, _overlay(image, label)]
        rows.append(np.concatenate(panels, axis=1))
    montage = np.concatenate(rows, axis=0)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    if not cv2.imwrite(path, montage, [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f'could not write {path}')
    return montage
