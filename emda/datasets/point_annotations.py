"""Sparse point annotations: the file format, loading, and simulation.

Format (JSON), one file per split::

    {"format": "emda-points-v1",
     "points": {"z000.png": [[y, x], ...], "z001.png": [], ...}}

A bare ``{"z000.png": [[y, x], ...]}`` mapping is accepted too, as are the
WDA-Net files that ``../shared/data/lucchi/points`` holds. Coordinates are
(row, column) pixels of the full-resolution image.
"""
import json
import math
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from emda.utils.instances import innermost_points, label_instances

POINTS_FORMAT = 'emda-points-v1'


def load_points(path: str) -> Dict[str, np.ndarray]:
    """Read a point file into ``{image_name: (N, 2) int64 (y, x)}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'point annotation file not found: {path}')
    try:
        with open(path) as f:
            raw = json.load(f)
    except json.JSONDecodeError as e:
        raise ValueError(f'{path} is not valid JSON: {e}') from None
    if not isinstance(raw, dict):
        raise ValueError(f'{path}: expected a JSON object')
    table = raw.get('points', raw) if 'points' in raw else raw
    points = {}
    for name, pts in table.items():
        if name == 'format':
            continue
        arr = np.asarray(pts, dtype=np.float64).reshape(-1, 2) \
            if len(pts) else np.zeros((0, 2))
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(f'{path}: points of "{name}" must be a list of '
                             '[y, x] pairs')
        points[osp.basename(name)] = np.round(arr).astype(np.int64)
    return points


def save_points(points: Dict[str, np.ndarray], path: str, **extra) -> None:
    """Write points in the emda format (extra keys are kept as metadata)."""
    data = dict(format=POINTS_FORMAT, **extra)
    data['points'] = {
        k: np.asarray(v).reshape(-1, 2).astype(int).tolist()
        for k, v in sorted(points.items())
    }
    with open(path, 'w') as f:
        json.dump(data, f, indent=1)


def simulate_points(mask: np.ndarray,
                    ratio: float,
                    rng: np.random.Generator,
                    min_size: int = 0) -> np.ndarray:
    """Pick ``ceil(ratio * N)`` instances of a dense mask at random and put
    one point at each one's innermost pixel (distance-transform maximum),
    the protocol of the WDA line of papers.

    Returns (K, 2) int64 (y, x).
    """
    if not 0 <= ratio <= 1:
        raise ValueError(f'ratio must be in [0, 1], got {ratio}')
    labels = label_instances(mask, min_size=min_size)
    pts, _ = innermost_points(labels)
    n = len(pts)
    k = min(n, int(math.ceil(ratio * n)))
    if k == 0:
        return np.zeros((0, 2), np.int64)
    chosen = np.sort(rng.choice(n, size=k, replace=False))
    return pts[chosen]


def check_points_in_image(points: np.ndarray,
                          shape,
                          name: str,
                          source: Optional[str] = None) -> None:
    """Raise a ValueError naming the image, the file and the point if a
    point lies outside an image of ``shape`` (the one check every point
    consumer applies: dataset, transforms, pseudo-labelling, methods)."""
    h, w = shape[:2]
    for y, x in np.asarray(points).reshape(-1, 2):
        if not (0 <= y < h and 0 <= x < w):
            where = f' in {source}' if source else ''
            raise ValueError(f'point (y={y:g}, x={x:g}) of image "{name}"'
                             f'{where} lies outside the {h}x{w} image')


def pixel_points(points,
                 shape,
                 name: str = '?',
                 source: Optional[str] = None) -> np.ndarray:
    """(N, 2) int64 pixel ``(y, x)`` of (possibly fractional, e.g. resized)
    points inside an image of ``shape``.

    Out-of-image points raise (:func:`check_points_in_image`), never
    clamped; only rounding a coordinate within half a pixel of the last
    row/column is kept inside.
    """
    points = np.asarray(points, np.float64).reshape(-1, 2)
    check_points_in_image(points, shape, name, source)
    h, w = shape[:2]
    return np.minimum(np.round(points), [h - 1, w - 1]).astype(np.int64)


def point_names_missing(points: Dict[str, np.ndarray],
                        names: List[str]) -> List[str]:
    """Names of the point file that match no image."""
    known = set(names)
    return sorted(k for k in points if k not in known)


def simulate_point_file(label_dir: str,
                        out_file: str,
                        ratio: float = 0.15,
                        seed: int = 20,
                        min_size: int = 0,
                        progress: bool = True) -> Dict[str, np.ndarray]:
    """Simulate points for every label slice of ``label_dir`` and write them
    to ``out_file`` (marked ``simulated``, with ratio and seed)."""
    from tqdm import tqdm

    from .em_io import binarize_label, read_slice
    if not osp.isdir(label_dir):
        raise FileNotFoundError(f'label folder not found: {label_dir}')
    names = sorted(
        f for f in os.listdir(label_dir)
        if f.lower().endswith(('.png', '.tif', '.tiff')))
    if not names:
        raise FileNotFoundError(f'no label images in {label_dir}')
    rng = np.random.default_rng(seed)
    points = {}
    for name in tqdm(names, desc='points', disable=not progress):
        path = osp.join(label_dir, name)
        mask = binarize_label(read_slice(path), path)
        points[name] = simulate_points(mask, ratio, rng, min_size)
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    save_points(
        points,
        out_file,
        ratio=ratio,
        seed=seed,
        simulated=True,
        source=osp.abspath(label_dir))
    return points
