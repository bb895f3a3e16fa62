"""Prediction of normalized input tensors (B x 1 x H x W, as the data
preprocessor gives them): flip / dihedral test-time augmentation, and
Gaussian-blended sliding windows (MONAI) when the input exceeds a tile.

An input that fits one tile takes the whole-input path (padded to the size
divisor, one forward per flip), bit for bit what pseudo-labelling has always
computed; a larger one is cut into balanced tiles: the fewest tiles of at
most ``tile`` pixels that overlap by at least ``overlap`` pixels.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F

from .outputs import foreground_probability, head_outputs

#: (dims to flip, transpose H/W) of each test-time transform
Transform = Tuple[Tuple[int, ...], bool]
#: identity, vertical, horizontal, both flips
FLIPS: Tuple[Transform, ...] = (((), False), ((2, ), False), ((3, ), False),
                                ((2, 3), False))
#: the 8 symmetries of the square: the 4 flips, each with a transpose
DIHEDRAL: Tuple[Transform, ...] = FLIPS + tuple(
    (dims, True) for dims, _ in FLIPS)
TTA_MODES = {
    False: FLIPS[:1],
    True: FLIPS,
    'flip': FLIPS,
    'dihedral': DIHEDRAL
}


def tta_transforms(tta: Union[bool, str]) -> Tuple[Transform, ...]:
    """Transforms of ``tta``: False (identity), True / ``'flip'`` (4 flips)
    or ``'dihedral'`` (8)."""
    if tta not in TTA_MODES:
        raise ValueError(f"tta must be False, True, 'flip' or 'dihedral', "
                         f'got {tta!r}')
    return TTA_MODES[tta]


def _apply(x: torch.Tensor, transform: Transform) -> torch.Tensor:
    dims, transpose = transform
    x = x.flip(dims) if dims else x
    return x.transpose(2, 3) if transpose else x


def _invert(x: torch.Tensor, transform: Transform) -> torch.Tensor:
    dims, transpose = transform
    x = x.transpose(2, 3) if transpose else x
    return x.flip(dims) if dims else x


class TaskPredictor:
    """Callable ``x -> {'prob_fg': B x 1 x H x W, 'heatmap': ...}``: the
    foreground probability (softmax, class 1) and raw detection heatmap
    averaged over ``transforms`` in the input's frame. MONAI calls it on
    batches of tiles."""

    def __init__(self, segmentor, transforms: Sequence[Transform]):
        self.segmentor = segmentor
        self.transforms = tuple(transforms)

    def __call__(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        prob, heat = 0., 0.
        for transform in self.transforms:
            logits, det = head_outputs(
                self.segmentor, _apply(x, transform), heads=('seg', 'det'))
            prob = prob + _invert(foreground_probability(logits), transform)
            if det is not None:
                heat = heat + _invert(det[:, :1], transform)
        result = dict(prob_fg=prob / len(self.transforms))
        if torch.is_tensor(heat):
            result['heatmap'] = heat / len(self.transforms)
        return result


def balanced_tile(length: int, tile: int, overlap: int, divisor: int) -> int:
    """Side of the fewest tiles of at most ``tile`` (a multiple of
    ``divisor``) that cover ``length`` overlapping by ``overlap``: the
    tiles shrink to share the extent evenly instead of a last tile that
    mostly repeats its neighbour."""
    divisor = max(1, int(divisor))
    tile = max(divisor, tile // divisor * divisor)
    overlap = min(int(overlap), tile - divisor)
    if length <= tile:
        return int(math.ceil(length / divisor) * divisor)
    n = int(math.ceil((length - overlap) / (tile - overlap)))
    side = int(math.ceil((length + (n - 1) * overlap) / n))
    return min(tile, int(math.ceil(side / divisor) * divisor))


def _pad_to(x: torch.Tensor, divisor: int, value: float) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph = (-h) % divisor
    pw = (-w) % divisor
    return F.pad(x, (0, pw, 0, ph), value=value) if ph or pw else x


@torch.no_grad()
def predict_tensor(segmentor,
                   inputs: torch.Tensor,
                   tta: Union[bool, str] = False,
                   tile: Optional[Sequence[int]] = None,
                   overlap: int = 64,
                   divisor: int = 1,
                   pad_val: float = 0.,
                   batch_size: int = 4) -> Dict[str, torch.Tensor]:
    """Foreground probability ``prob_fg`` (B x H x W) and, with a detection
    head, the raw ``heatmap`` (B x H x W) of normalized ``inputs``.

    Args:
        segmentor: an emda/mmseg segmentor in eval mode.
        inputs (Tensor): B x 1 x H x W, normalized like training inputs.
        tta: False, True / ``'flip'`` (4 flips) or ``'dihedral'`` (8).
        tile (tuple, optional): largest tile (h, w); None or an input
            that fits: the whole input in one forward per transform.
        overlap (int): least overlap of neighbouring tiles, pixels.
        divisor (int): the network's size divisor (inputs are padded to
            it with ``pad_val``, as the data preprocessor does).
        batch_size (int): tiles per forward.
    """
    predictor = TaskPredictor(segmentor, tta_transforms(tta))
    h, w = inputs.shape[-2:]
    sides = None
    if tile is not None:
        sides = [
            balanced_tile(n, t, overlap, divisor) for n, t in zip((h, w), tile)
        ]
    if sides is None or (sides[0] >= h and sides[1] >= w):
        out = predictor(_pad_to(inputs, divisor, pad_val))
        return {k: v[:, 0, :h, :w] for k, v in out.items()}
    from monai.inferers import sliding_window_inference

    # tiles start on multiples of the size divisor (the network's stride:
    # a shifted tile would see another pooling grid), so the input is
    # padded until the last tile ends at its border
    steps, padded = [], []
    for n, side in zip((h, w), sides):
        step = max(divisor,
                   (side - min(overlap, side - divisor)) // divisor * divisor)
        count = int(math.ceil(max(0, n - side) / step)) + 1
        steps.append(step)
        padded.append(side + (count - 1) * step)
    x = F.pad(inputs, (0, padded[1] - w, 0, padded[0] - h), value=pad_val)
    # MONAI steps by int(side * (1 - frac)): exactly ``step``
    frac = [(side - step - 0.5) / side for side, step in zip(sides, steps)]
    out = sliding_window_inference(
        x,
        roi_size=sides,
        sw_batch_size=batch_size,
        predictor=predictor,
        overlap=frac,
        mode='gaussian',
        padding_mode='constant',
        cval=pad_val)
    return {k: v[:, 0, :h, :w] for k, v in out.items()}
