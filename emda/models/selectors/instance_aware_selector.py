"""Instance-aware pseudo-label (IPL) selection, METHOD_SPEC 6.

Detection peaks, ranked by height and counted by the heatmap's mass, decide
which confident segmentation components become whole foreground instances;
everything else the network is unsure about stays ignored.
"""
import math
from typing import Any, Dict, Optional, Sequence

import numpy as np

from emda.registry import TASK_UTILS
from emda.utils.instances import label_instances
from .base_selector import BaseSelector
from .heatmap_decoding import (estimate_instance_count, find_peaks,
                               normalize_heatmap)
from .point_regions import (dilate_points, empty_points, hit_instance_ids,
                            instances_mask)
from .selection_result import IGNORE_INDEX, SelectionResult

# Guards ceil(N * r) against float error (0.3 * 10 = 3.0000000000000004).
_CEIL_EPS = 1e-6


def _top_count(n_instances: int, ratio: float) -> int:
    """``ceil(n_instances * ratio)``, robust to float round-off."""
    return max(0, int(math.ceil(n_instances * ratio - _CEIL_EPS)))


@TASK_UTILS.register_module()
class InstanceAwareSelector(BaseSelector):
    """The paper's IPL: whole confident components picked by detection peaks.

    Per slice (METHOD_SPEC 6.2-6.4, ``mode='wda'``):

    1. Confident foreground ``p > tau`` split into 8-connected components of
       at least ``min_size`` pixels; confident background is ``p < 1 - tau``.
    2. ``N = round(sum(heatmap) / mass of one Gaussian)`` instances.
    3. Local maxima of the min-max normalised uint8 heatmap outside the
       point-hit components; the ``ceil(N * r)`` highest are kept.
    4. Every component containing a kept peak or a point becomes foreground;
       a point no component covers becomes an elliptical blob with an ignore
       ring.
    5. Label: 1 selected, 0 confident background, 255 everything else
       (uncertain pixels and unselected predicted instances).

    ``mode='uda'`` (6.6, no points): the top ``ceil(N * uda_point_ratio)``
    peaks act as points (they define ``point_instances`` and always select
    their component), the top ``ceil(N * r)`` peaks select instances, and
    selected peaks outside every component become blobs (no ring, as the
    reference code). ``mode='full'`` (6.7, all instances annotated): the
    point-hit components and the blobs are foreground, components hit by no
    point are background (false positives); ``heatmap`` and ``ratio`` are
    not needed.

    Detection background: normalised heatmap == 0, minus an elliptical
    ``det_bg_point_kernel`` disk around the points (``wda``/``full``). When
    no heatmap is given (``wda`` with r = 0, ``full``) it falls back to
    ``label == 0`` minus that disk.

    Args:
        tau (float): Pixel confidence of the ternary map (0.9 in Stage 1,
            0.8 in Stage 2).
        min_size (int): Smallest confident component, in pixels.
        kernel_size (int): Gaussian kernel of the detection targets (for the
            instance count).
        peak (float): Peak value of one target Gaussian.
        nms_window (int): Window of the local-maximum test.
        blob_kernel, blob_iterations, ring_kernel, ring_iterations: Missed
            point blob and its ignore ring, see :class:`BaseSelector`.
        det_bg_point_kernel (int): Diameter of the disk around points that
            is never detection background.
        mode (str): ``'wda'``, ``'uda'`` or ``'full'``.
        uda_point_ratio (float): Share of the count used as pseudo points in
            ``'uda'`` mode.
    """

    MODES = ('wda', 'uda', 'full')

    def __init__(self,
                 tau: float = 0.9,
                 min_size: int = 4,
                 kernel_size: int = 61,
                 peak: float = 255.,
                 nms_window: int = 3,
                 blob_kernel: Sequence[int] = (11, 13),
                 blob_iterations: int = 3,
                 ring_kernel: Sequence[int] = (31, 33),
                 ring_iterations: int = 3,
                 det_bg_point_kernel: int = 61,
                 mode: str = 'wda',
                 uda_point_ratio: float = 0.15) -> None:
        super().__init__(blob_kernel, blob_iterations, ring_kernel,
                         ring_iterations)
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got '
                             f'{mode!r}')
        if not 0. <= uda_point_ratio <= 1.:
            raise ValueError('uda_point_ratio must lie in [0, 1], got '
                             f'{uda_point_ratio}')
        if nms_window < 1 or nms_window % 2 == 0:
            raise ValueError('nms_window must be a positive odd int, got '
                             f'{nms_window}')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError('kernel_size must be a positive odd int, got '
                             f'{kernel_size}')
        if det_bg_point_kernel < 1:
            raise ValueError('det_bg_point_kernel must be >= 1, got '
                             f'{det_bg_point_kernel}')
        self.tau = self._check_tau(tau)
        self.min_size = int(min_size)
        self.kernel_size = int(kernel_size)
        self.peak = float(peak)
        self.nms_window = int(nms_window)
        self.det_bg_point_kernel = int(det_bg_point_kernel)
        self.mode = mode
        self.uda_point_ratio = float(uda_point_ratio)

    def select(self, prob_fg: np.ndarray, heatmap: Optional[np.ndarray],
               points: np.ndarray, ratio: Optional[float]) -> SelectionResult:
        self._check_mode_inputs(heatmap, points, ratio)
        components = label_instances(prob_fg > self.tau, self.min_size)
        confident_bg = prob_fg < 1. - self.tau
        info: Dict[str, Any] = dict(mode=self.mode, ratio=ratio)
        heatmap_u8 = None
        n_instances = None
        if heatmap is not None:
            heatmap_u8 = normalize_heatmap(heatmap)
            n_instances = estimate_instance_count(heatmap, self.kernel_size,
                                                  self.peak)
        info['n_instances_estimated'] = n_instances

        if self.mode == 'uda':
            # Selected peaks play the points' part: they select, and those
            # outside every component become blobs (without ring).
            seeds, anchor_points = self._uda_seeds(heatmap_u8, n_instances,
                                                   ratio, info)
            blob_points = seeds
        else:
            if self.mode == 'wda':
                peaks = self._wda_peaks(components, heatmap_u8, n_instances,
                                        points, ratio, info)
            else:
                peaks = empty_points()
            seeds = np.concatenate([points, peaks])
            anchor_points = blob_points = points

        hit_components = instances_mask(components,
                                        hit_instance_ids(components, seeds))
        blob, ring, missed = self.missed_point_regions(
            blob_points, hit_components, with_ring=self.mode != 'uda')
        foreground = hit_components | blob

        label = np.full(prob_fg.shape, IGNORE_INDEX, np.uint8)
        label[confident_bg] = 0
        if self.mode == 'full':
            label[(components > 0) & ~hit_components] = 0
        label[ring & ~foreground] = IGNORE_INDEX
        label[foreground] = 1

        det_background = self._det_background(label, heatmap_u8, points)
        n_blobs = int(missed.sum())
        n_missed = 0 if self.mode == 'uda' else n_blobs
        info.update(
            n_point_hits=len(points) - n_missed,
            n_missed_points=n_missed,
            n_blobs=n_blobs)
        return self.build_result(label, det_background, anchor_points, info)

    # ------------------------------------------------------------ pieces
    def _check_mode_inputs(self, heatmap: Optional[np.ndarray],
                           points: np.ndarray, ratio: Optional[float]) -> None:
        if self.mode == 'full':
            return
        if ratio is None:
            raise ValueError(f"ratio is required in mode '{self.mode}'")
        if self.mode == 'uda':
            if len(points):
                raise ValueError("mode 'uda' takes no annotated points "
                                 '(detection peaks stand in for them); got '
                                 f"{len(points)}, use mode='wda'")
            if heatmap is None:
                raise ValueError("mode 'uda' requires a heatmap")
        elif heatmap is None and ratio > 0:
            raise ValueError("mode 'wda' requires a heatmap when ratio > 0 "
                             f'(got ratio={ratio})')

    def _wda_peaks(self, components: np.ndarray,
                   heatmap_u8: Optional[np.ndarray],
                   n_instances: Optional[int], points: np.ndarray,
                   ratio: float, info: Dict[str, Any]) -> np.ndarray:
        """The ``ceil(N * r)`` highest peaks outside point-hit instances."""
        n_keep = 0 if heatmap_u8 is None else _top_count(n_instances, ratio)
        info['n_peaks'] = 0
        info['n_peaks_kept'] = 0
        if n_keep == 0:
            return empty_points()
        peaks, _ = find_peaks(heatmap_u8, self.nms_window)
        point_hit = instances_mask(components,
                                   hit_instance_ids(components, points))
        peaks = peaks[~point_hit[peaks[:, 0], peaks[:, 1]]]
        info['n_peaks'] = int(len(peaks))
        info['n_peaks_kept'] = int(min(n_keep, len(peaks)))
        return peaks[:n_keep]

    def _uda_seeds(self, heatmap_u8: np.ndarray, n_instances: int,
                   ratio: float, info: Dict[str, Any]):
        """Selected peaks (top max(K, K0)) and pseudo points (top K0)."""
        n_points = _top_count(n_instances, self.uda_point_ratio)
        n_keep = max(_top_count(n_instances, ratio), n_points)
        peaks, _ = find_peaks(heatmap_u8, self.nms_window)
        info['n_peaks'] = int(len(peaks))
        info['n_peaks_kept'] = int(min(n_keep, len(peaks)))
        info['n_pseudo_points'] = int(min(n_points, len(peaks)))
        return peaks[:n_keep], peaks[:n_points]

    def _det_background(self, label: np.ndarray,
                        heatmap_u8: Optional[np.ndarray],
                        points: np.ndarray) -> np.ndarray:
        background = (label == 0) if heatmap_u8 is None else heatmap_u8 == 0
        if len(points):
            size = (self.det_bg_point_kernel, self.det_bg_point_kernel)
            background = background & ~dilate_points(points, label.shape, size,
                                                     1)
        return background
