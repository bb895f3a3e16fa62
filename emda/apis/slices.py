"""Prediction of raw EM slices and volumes with a model from
:func:`init_model`: the test pipeline's preprocessing (working scale,
per-slice min-max, the preprocessor's mean/std), tiled prediction, and the
result resized back to full resolution."""
from typing import Dict, Iterator, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .errors import InferenceInputError
from .predict import predict_tensor

DTYPE_RANGE = {np.dtype(np.uint8): 255., np.dtype(np.uint16): 65535.}


def working_size(shape: Sequence[int], scale: float) -> Tuple[int, int]:
    """(h, w) at the working scale, rounded as mmcv's ``imrescale``."""
    h, w = shape[:2]
    return int(h * scale + 0.5), int(w * scale + 0.5)


def _scaled(image: np.ndarray, scale: float) -> np.ndarray:
    """Dtype scaling to [0, 1] and area resize to the working scale, as
    ``LoadEMImage`` + ``Resize(interpolation='area')``."""
    img = image.astype(np.float32)
    if image.dtype in DTYPE_RANGE:
        img /= DTYPE_RANGE[image.dtype]
    if scale != 1.0:
        h, w = working_size(img.shape, scale)
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
    return img


def prepare_range(image: np.ndarray, scale: float) -> Tuple[float, float]:
    """(min, max) of a raw slice (or a piece of one) after dtype scaling
    and resizing: what :func:`prepare_slice` min-max scales with."""
    img = _scaled(image, scale)
    return float(img.min()), float(img.max())


def prepare_slice(
        image: np.ndarray,
        settings,
        value_range: Optional[Tuple[float, float]] = None) -> torch.Tensor:
    """1 x 1 x h x w network input of a raw 2D slice (8/16-bit or float),
    as ``EMTestPipeline`` + the data preprocessor make it: dtype scaling,
    area resize to the working scale, min-max to [0, 1] (over the resized
    slice, or ``value_range`` in dtype-scaled units: blocks of one slice
    share the slice's range), then ``(x - mean) / std``."""
    if image.ndim != 2:
        raise InferenceInputError(
            f'expected a 2D slice, got shape {image.shape}')
    img = _scaled(image, settings.scale)
    lo, hi = value_range or (float(img.min()), float(img.max()))
    img = (img - lo) / (hi - lo) if hi > lo else img * 0
    img = (img - settings.mean) / settings.std
    return torch.from_numpy(np.ascontiguousarray(img, np.float32))[None, None]


def _device(model) -> torch.device:
    return next(model.parameters()).device


def predict_slice(
    model,
    image: np.ndarray,
    tta: Union[bool, str] = False,
    value_range: Optional[Tuple[float,
                                float]] = None) -> Dict[str, np.ndarray]:
    """``prob_fg`` (H x W float32) and, with a detection head, ``heatmap``
    of a raw slice of any size at its full resolution.

    The logits are resized to full resolution and then turned into the
    probability, as the segmentor's ``postprocess_result`` does for
    ``tools/test.py``: both paths give the same mask."""
    from .outputs import align_corners_of, foreground_probability, to_size
    s = model.infer_settings
    inputs = prepare_slice(image, s, value_range).to(_device(model))
    out = predict_tensor(
        model,
        inputs,
        tta=tta,
        tile=s.tile,
        overlap=s.overlap,
        divisor=s.divisor,
        pad_val=s.pad_val,
        batch_size=s.batch_size,
        keys=('seg_logits', 'heatmap') if s.has_det else ('seg_logits', ),
        autocast=s.autocast)
    align = align_corners_of(model)
    logits = to_size(out.pop('seg_logits'), image.shape, align)
    result = dict(
        prob_fg=foreground_probability(logits)[0, 0].float().cpu().numpy())
    del logits
    for key, value in out.items():
        if tuple(value.shape[-2:]) != tuple(image.shape):
            value = F.interpolate(
                value[:, None],
                size=image.shape,
                mode='bilinear',
                align_corners=False)[:, 0]
        result[key] = value[0].float().cpu().numpy()
    return result


def predict_volume(model,
                   volume,
                   tta: Union[bool, str] = False) -> Iterator[dict]:
    """Per-slice predictions of a (Z, Y, X) array-like (numpy, zarr, h5 or
    a :class:`VolumeSource`), one slice in memory at a time."""
    for z in range(volume.shape[0]):
        yield predict_slice(model, np.asarray(volume[z]), tta)


@torch.no_grad()
def context_radius(model, size: int = 192) -> int:
    """Receptive-field radius of the network in working-scale pixels,
    measured: the farthest input pixel whose gradient reaches the centre
    output (a block's halo must cover it for its core to be exact)."""
    s = model.infer_settings
    if s.context is not None:
        return s.context
    size = max(s.divisor, size // s.divisor * s.divisor)
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 1, size, size, generator=gen).to(_device(model))
    with torch.enable_grad():
        x.requires_grad_(True)
        from .outputs import head_outputs
        logits, det = head_outputs(model, x, heads=('seg', 'det'))
        c = size // 2
        target = logits[0, :, c, c].sum()
        if det is not None:
            target = target + det[0, 0, c, c]
        grad, = torch.autograd.grad(target, x)
    reach = grad[0, 0].abs() > 0
    ys, xs = torch.nonzero(reach, as_tuple=True)
    radius = int(max((ys - c).abs().max(), (xs - c).abs().max()))
    s.context = radius
    return radius
