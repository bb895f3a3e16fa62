"""WDA-Net's entropy-percentile pseudo-labels (METHOD_SPEC 11, Stage 2)."""
from typing import Optional, Sequence

import numpy as np

from emda.registry import TASK_UTILS
from .base_selector import BaseSelector
from .selection_result import IGNORE_INDEX, SelectionResult

# Keeps log() finite at saturated probabilities.
_LOG_EPS = 1e-12


def binary_entropy(prob_fg: np.ndarray) -> np.ndarray:
    """Normalised two-class entropy, in [0, 1] (1 at p = 0.5)."""
    p = np.clip(prob_fg.astype(np.float64), _LOG_EPS, 1. - _LOG_EPS)
    entropy = -(p * np.log(p) + (1. - p) * np.log(1. - p)) / np.log(2.)
    return entropy.astype(np.float32)


@TASK_UTILS.register_module()
class EntropySelector(BaseSelector):
    """Argmax labels with each class' most uncertain pixels ignored.

    Per predicted class (argmax; p = 0.5 goes to background), the threshold
    is ``max(min_threshold, percentile-th percentile of the entropy of that
    class' pixels)``; pixels whose entropy exceeds it become 255. As in
    WDA-Net, points do not enter the label unless ``point_blobs`` is set
    (then missed points become blobs, as in the other selectors); they
    still define ``point_instances``. The detection background is
    ``label == 0``.

    Args:
        percentile (float): Per-class entropy percentile in [0, 100].
        min_threshold (float): Lower bound of the threshold, in [0, 1].
        point_blobs (bool): Whether missed points become blobs.
        blob_kernel, blob_iterations, ring_kernel, ring_iterations: See
            :class:`BaseSelector`.
    """

    #: no pixel threshold (``PseudoLabelGenerator`` reports ``tau``)
    tau = None

    def __init__(self,
                 percentile: float = 80.,
                 min_threshold: float = 0.5,
                 point_blobs: bool = False,
                 blob_kernel: Sequence[int] = (11, 13),
                 blob_iterations: int = 3,
                 ring_kernel: Sequence[int] = (31, 33),
                 ring_iterations: int = 3) -> None:
        super().__init__(blob_kernel, blob_iterations, ring_kernel,
                         ring_iterations)
        if not 0. <= percentile <= 100.:
            raise ValueError(
                f'percentile must lie in [0, 100], got {percentile}')
        if not 0. <= min_threshold <= 1.:
            raise ValueError(
                f'min_threshold must lie in [0, 1], got {min_threshold}')
        self.percentile = float(percentile)
        self.min_threshold = float(min_threshold)
        self.point_blobs = bool(point_blobs)

    def select(self, prob_fg: np.ndarray, heatmap: Optional[np.ndarray],
               points: np.ndarray, ratio: Optional[float]) -> SelectionResult:
        entropy = binary_entropy(prob_fg)
        predicted_fg = prob_fg > 0.5
        label = predicted_fg.astype(np.uint8)
        info = {}
        for cls, members in (('bg', ~predicted_fg), ('fg', predicted_fg)):
            threshold = self.min_threshold
            if members.any():
                threshold = max(
                    threshold,
                    float(np.percentile(entropy[members], self.percentile)))
            label[members & (entropy > threshold)] = IGNORE_INDEX
            info[f'entropy_threshold_{cls}'] = threshold
        info.update(self.add_point_blobs(label, points, self.point_blobs))
        return self.build_result(label, label == 0, points, info)
