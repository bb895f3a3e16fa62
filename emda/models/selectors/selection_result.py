"""The one result type every pseudo-label selector returns."""
from dataclasses import dataclass, field
from typing import Any, Dict

import numpy as np

IGNORE_INDEX = 255


@dataclass
class SelectionResult:
    """Pseudo-label of one target slice and what the losses need with it.

    Attributes:
        label (np.ndarray): uint8 HxW, 1 foreground, 0 background,
            255 ignore.
        weight (np.ndarray): float32 HxW per-pixel loss weight, 0 on ignored
            pixels.
        det_background (np.ndarray): bool HxW, pixels where the detection
            target is background (the mask of the masked detection loss).
        centers (np.ndarray): float32 (M, 2) (y, x) centroids of the
            foreground instances, the detection targets of cross-teaching.
        point_instances (np.ndarray): bool HxW, the foreground instances hit
            by (pseudo) points, for the point-instance prototype.
        info (dict): Diagnostics (counts and fractions) for logging.
    """
    label: np.ndarray
    weight: np.ndarray
    det_background: np.ndarray
    centers: np.ndarray
    point_instances: np.ndarray
    info: Dict[str, Any] = field(default_factory=dict)
