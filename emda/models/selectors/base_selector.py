"""Shared call contract of the pseudo-label selectors.

Every selector is called as ``selector(prob_fg, heatmap=None, points=None,
ratio=None, tau=None)`` and returns a :class:`SelectionResult`, so the IPL, the pixel
threshold and the entropy selection swap by one config line (DESIGN 6).
"""
import copy
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from emda.utils.instances import instance_centroids, label_instances
from .point_regions import (empty_points, hit_instance_ids, instances_mask,
                            missed_point_regions)
from .selection_result import IGNORE_INDEX, SelectionResult

# Slack for float32 softmax averages that land a hair outside [0, 1].
_PROB_TOLERANCE = 1e-5


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):  # torch tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class BaseSelector:
    """Input checks, the missed-point blob rule and result assembly.

    Subclasses implement :meth:`select` and return a ternary label plus the
    detection background; :meth:`build_result` fills the rest.

    Args:
        blob_kernel (tuple[int]): OpenCV (width, height) of the elliptical
            kernel that grows a missed point into a foreground blob.
        blob_iterations (int): Dilation iterations of the blob.
        ring_kernel (tuple[int]): Kernel of the ignore ring around a blob.
        ring_iterations (int): Dilation iterations of the ring; 0 disables
            the ring.
    """

    def __init__(self,
                 blob_kernel: Sequence[int] = (11, 13),
                 blob_iterations: int = 3,
                 ring_kernel: Sequence[int] = (31, 33),
                 ring_iterations: int = 3) -> None:
        self.blob_kernel = self._check_kernel(blob_kernel, 'blob_kernel')
        self.ring_kernel = self._check_kernel(ring_kernel, 'ring_kernel')
        if blob_iterations < 0 or ring_iterations < 0:
            raise ValueError('blob_iterations and ring_iterations must be '
                             f'>= 0, got {blob_iterations}, '
                             f'{ring_iterations}')
        self.blob_iterations = int(blob_iterations)
        self.ring_iterations = int(ring_iterations)

    @staticmethod
    def _check_kernel(size: Sequence[int], name: str) -> Tuple[int, int]:
        size = tuple(int(s) for s in size)
        if len(size) != 2 or min(size) < 1:
            raise ValueError(f'{name} must be two positive ints (width, '
                             f'height), got {size}')
        return size

    def __call__(self,
                 prob_fg: Any,
                 heatmap: Optional[Any] = None,
                 points: Optional[Any] = None,
                 ratio: Optional[float] = None,
                 tau: Optional[float] = None) -> SelectionResult:
        """Select the pseudo-label of one slice.

        Args:
            prob_fg: HxW foreground probability in [0, 1] (flip-TTA averaged
                by the caller).
            heatmap: Optional HxW raw detection heatmap (0..255 scale).
            points: Optional (N, 2) (y, x) annotated points; float
                coordinates are rounded.
            ratio: Optional round-dependent selection ratio r in [0, 1].
            tau: Optional pixel threshold of this call (e.g. a round's);
                None uses the selector's own ``tau``. The selector is not
                changed. Selectors without a threshold (``tau = None``,
                e.g. entropy) ignore it.
        """
        prob_fg = self._check_prob(prob_fg)
        heatmap = self._check_heatmap(heatmap, prob_fg.shape)
        points = self._check_points(points, prob_fg.shape)
        if ratio is not None:
            ratio = float(ratio)
            if not 0. <= ratio <= 1.:
                raise ValueError(f'ratio must lie in [0, 1], got {ratio}')
        if tau is not None and getattr(self, 'tau', None) is not None:
            return self.with_tau(tau).select(prob_fg, heatmap, points, ratio)
        return self.select(prob_fg, heatmap, points, ratio)

    def with_tau(self, tau: float) -> 'BaseSelector':
        """A shallow copy of this selector with threshold ``tau``."""
        selector = copy.copy(self)
        selector.tau = self._check_tau(tau)
        return selector

    def select(self, prob_fg: np.ndarray, heatmap: Optional[np.ndarray],
               points: np.ndarray, ratio: Optional[float]) -> SelectionResult:
        """Selection on validated inputs (``points`` is (N, 2) int64)."""
        raise NotImplementedError

    def select_batch(
            self,
            prob_fg: torch.Tensor,
            heatmap: Optional[torch.Tensor] = None,
            points: Optional[Sequence[Any]] = None,
            ratio: Optional[float] = None
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(label, weight)`` of a B x H x W batch, long and float on
        ``prob_fg``'s device: the per-step call of online self-training.

        This default runs :meth:`__call__` per slice (numpy); selectors
        whose rule has a tensor form override it.
        """
        labels, weights = [], []
        for i in range(prob_fg.shape[0]):
            result = self(
                prob_fg[i],
                heatmap=None if heatmap is None else heatmap[i],
                points=None if points is None else points[i],
                ratio=ratio)
            labels.append(torch.from_numpy(result.label.astype('int64')))
            weights.append(torch.from_numpy(result.weight))
        device = prob_fg.device
        return torch.stack(labels).to(device), torch.stack(weights).to(device)

    # ------------------------------------------------------------ checks
    @staticmethod
    def _check_prob(prob_fg: Any) -> np.ndarray:
        prob_fg = _to_numpy(prob_fg)
        if prob_fg.ndim != 2 or min(prob_fg.shape) == 0:
            raise ValueError('prob_fg must be a non-empty HxW array, got '
                             f'shape {prob_fg.shape}')
        prob_fg = prob_fg.astype(np.float32, copy=False)
        if not np.isfinite(prob_fg).all():
            raise ValueError('prob_fg contains NaN or inf')
        low, high = float(prob_fg.min()), float(prob_fg.max())
        if low < -_PROB_TOLERANCE or high > 1 + _PROB_TOLERANCE:
            raise ValueError('prob_fg must be probabilities in [0, 1], got '
                             f'values in [{low:g}, {high:g}]')
        return np.clip(prob_fg, 0., 1.)

    @staticmethod
    def _check_heatmap(heatmap: Any,
                       shape: Tuple[int, int]) -> Optional[np.ndarray]:
        if heatmap is None:
            return None
        heatmap = _to_numpy(heatmap)
        if heatmap.shape != shape:
            raise ValueError(f'heatmap shape {heatmap.shape} does not match '
                             f'prob_fg shape {shape}')
        heatmap = heatmap.astype(np.float32, copy=False)
        if not np.isfinite(heatmap).all():
            raise ValueError('heatmap contains NaN or inf')
        return heatmap

    @staticmethod
    def _check_points(points: Any, shape: Tuple[int, int]) -> np.ndarray:
        if points is None:
            return empty_points()
        points = _to_numpy(points)
        if points.size == 0:
            return empty_points()
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError('points must be an (N, 2) array of (y, x), got '
                             f'shape {points.shape}')
        if not np.isfinite(points).all():
            raise ValueError('points contain NaN or inf')
        points = np.round(points).astype(np.int64)
        h, w = shape
        outside = ((points[:, 0] < 0) | (points[:, 0] >= h) |
                   (points[:, 1] < 0) | (points[:, 1] >= w))
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise ValueError(f'point #{i} (y={points[i, 0]}, '
                             f'x={points[i, 1]}) lies outside the {h}x{w} '
                             'image')
        return points

    @staticmethod
    def _check_tau(tau: float) -> float:
        tau = float(tau)
        if not 0.5 <= tau < 1.:
            raise ValueError(f'tau must lie in [0.5, 1), got {tau}')
        return tau

    # ----------------------------------------------------------- helpers
    def missed_point_regions(self,
                             points: np.ndarray,
                             covered: np.ndarray,
                             with_ring: bool = True
                             ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Blob, ignore ring and missed flags for ``points`` outside
        ``covered``, with this selector's kernels."""
        ring_iterations = self.ring_iterations if with_ring else 0
        return missed_point_regions(points, covered, self.blob_kernel,
                                    self.blob_iterations, self.ring_kernel,
                                    ring_iterations)

    def add_point_blobs(self,
                        label: np.ndarray,
                        points: np.ndarray,
                        enabled: bool = True) -> Dict[str, int]:
        """Turn the points that miss the foreground of ``label`` into blobs
        (1) with an ignore ring (255 where not foreground), in place; with
        ``enabled=False`` only count them.

        Returns the ``n_point_hits`` / ``n_missed_points`` diagnostics.
        """
        if enabled:
            blob, ring, missed = self.missed_point_regions(points, label == 1)
            label[ring & (label != 1)] = IGNORE_INDEX
            label[blob] = 1
        else:
            missed = label[points[:, 0], points[:, 1]] != 1
        return dict(
            n_point_hits=int((~missed).sum()),
            n_missed_points=int(missed.sum()))

    @staticmethod
    def build_result(label: np.ndarray,
                     det_background: np.ndarray,
                     anchor_points: np.ndarray,
                     info: Dict[str, Any],
                     weight: Optional[np.ndarray] = None) -> SelectionResult:
        """Assemble a :class:`SelectionResult` from a ternary ``label``.

        ``centers`` are the centroids of the connected components of the
        final foreground; ``point_instances`` the components that contain
        one of ``anchor_points`` (annotated or pseudo points).
        """
        fg_instances = label_instances(label == 1)
        hit_ids = hit_instance_ids(fg_instances, anchor_points)
        if weight is None:
            weight = (label != IGNORE_INDEX).astype(np.float32)
        n_pixels = float(label.size)
        info = dict(info)
        info.update(
            n_selected=int(fg_instances.max()),
            n_point_instances=int(len(hit_ids)),
            fg_fraction=float((label == 1).sum()) / n_pixels,
            bg_fraction=float((label == 0).sum()) / n_pixels,
            ignore_fraction=float((label == IGNORE_INDEX).sum()) / n_pixels)
        return SelectionResult(
            label=label.astype(np.uint8, copy=False),
            weight=weight.astype(np.float32, copy=False),
            det_background=det_background.astype(bool, copy=False),
            centers=instance_centroids(fg_instances).astype(np.float32),
            point_instances=instances_mask(fg_instances, hit_ids),
            info=info)

    def __repr__(self) -> str:
        args = ', '.join(f'{k}={v!r}' for k, v in vars(self).items())
        return f'{type(self).__name__}({args})'
