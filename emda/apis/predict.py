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
from mmengine.runner.amp import autocast as amp_autocast

from .outputs import foreground_probability, head_outputs, unwrap

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


#: what :func:`predict_tensor` can return
OUTPUT_KEYS = ('prob_fg', 'heatmap', 'seg_logits')


def _to_logits(prob: torch.Tensor) -> torch.Tensor:
    """Logits whose softmax (sigmoid for one channel) is the averaged
    probability ``prob``: argmax and probability of an averaged TTA
    prediction stay those of the averaged probabilities."""
    tiny = torch.finfo(prob.dtype).tiny
    if prob.shape[1] == 1:
        return torch.logit(prob, eps=1e-7)
    return prob.clamp_min(tiny).log()


class TaskPredictor:
    """Callable ``x -> {'prob_fg': B x 1 x H x W, 'heatmap': ...,
    'seg_logits': B x C x H x W}`` (the ``keys`` asked for): the
    foreground probability (softmax, class 1), the raw detection heatmap
    and the segmentation logits, averaged over ``transforms`` in the
    input's frame. MONAI calls it on batches of tiles.

    With one transform the outputs are the network's values untouched (no
    sum, no division), so ``seg_logits`` are bit for bit what mmseg's
    whole-image predict computes. With several, ``seg_logits`` are the log
    of the averaged class probabilities (see :func:`_to_logits`).

    ``autocast``: run the network under MMEngine's autocast (bfloat16 on
    CPU, float16 on CUDA: ``tools/benchmarks/bf16_inference.py`` measures
    speed and agreement); the outputs are float32 either way."""

    def __init__(self,
                 segmentor,
                 transforms: Sequence[Transform],
                 keys: Sequence[str] = ('prob_fg', 'heatmap'),
                 autocast: bool = False):
        unknown = set(keys) - set(OUTPUT_KEYS)
        if unknown:
            raise ValueError(f'unknown outputs {sorted(unknown)}; expected '
                             f'a subset of {OUTPUT_KEYS}')
        self.segmentor = segmentor
        self.transforms = tuple(transforms)
        self.keys = tuple(keys)
        self.autocast = bool(autocast)

    def __call__(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        heads = ('seg', 'det') if 'heatmap' in self.keys else ('seg', )
        single = len(self.transforms) == 1
        sums: Dict[str, torch.Tensor] = {}
        for transform in self.transforms:
            with amp_autocast(enabled=self.autocast):
                logits, det = head_outputs(
                    self.segmentor, _apply(x, transform), heads=heads)
            # float32 from here on, whatever precision the network ran in
            # (this autocast or an outer one, e.g. ValLoop(fp16=True))
            logits = logits.float()
            det = None if det is None else det.float()
            parts = {}
            if 'prob_fg' in self.keys:
                parts['prob_fg'] = foreground_probability(logits)
            if 'seg_logits' in self.keys:
                parts['seg_logits'] = logits if single else (
                    logits.sigmoid()
                    if logits.shape[1] == 1 else logits.softmax(1))
            if det is not None and 'heatmap' in self.keys:
                parts['heatmap'] = det[:, :1]
            for key, value in parts.items():
                value = _invert(value, transform)
                sums[key] = value if key not in sums else sums[key] + value
        if single:
            return sums
        n = len(self.transforms)
        result = {key: value / n for key, value in sums.items()}
        if 'seg_logits' in result:
            result['seg_logits'] = _to_logits(result['seg_logits'])
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
def predict_tensor(
    segmentor,
    inputs: torch.Tensor,
    tta: Union[bool, str] = False,
    tile: Optional[Sequence[int]] = None,
    overlap: int = 64,
    divisor: int = 1,
    pad_val: float = 0.,
    batch_size: int = 4,
    keys: Sequence[str] = ('prob_fg', 'heatmap'),
    autocast: bool = False,
) -> Dict[str, torch.Tensor]:
    """Foreground probability ``prob_fg`` (B x H x W), with a detection
    head the raw ``heatmap`` (B x H x W), and, when ``keys`` asks for it,
    the ``seg_logits`` (B x C x H x W) of normalized ``inputs``.

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
        keys: outputs to compute, of :data:`OUTPUT_KEYS` (a detection head
            runs only for ``'heatmap'``).
        autocast (bool): forward passes under bfloat16 (CPU) / float16
            (CUDA) autocast; outputs stay float32.
    """
    predictor = TaskPredictor(segmentor, tta_transforms(tta), keys, autocast)
    h, w = inputs.shape[-2:]
    sides = None
    if tile is not None:
        sides = [
            balanced_tile(n, t, overlap, divisor) for n, t in zip((h, w), tile)
        ]
    if sides is None or (sides[0] >= h and sides[1] >= w):
        out = predictor(_pad_to(inputs, divisor, pad_val))
        return _crop(out, h, w)
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
    return _crop(out, h, w)


def _crop(out: Dict[str, torch.Tensor], h: int,
          w: int) -> Dict[str, torch.Tensor]:
    """Outputs cropped to the input's (h, w); the one-channel maps lose
    their channel axis, ``seg_logits`` keep theirs."""
    return {
        k: v[:, :, :h, :w] if k == 'seg_logits' else v[:, 0, :h, :w]
        for k, v in out.items()
    }


def eval_options(segmentor,
                 data_preprocessor=None,
                 tta: Optional[Union[bool, str]] = None,
                 tile: Optional[Sequence[int]] = None,
                 overlap: Optional[int] = None) -> dict:
    """Keyword arguments of :func:`predict_samples` for validation and
    testing: ``tta`` / ``tile`` / ``overlap`` from the arguments, else the
    segmentor's ``test_cfg`` (``tools/test.py --tta --tile --overlap``
    write them there), else no TTA and the whole input in one forward;
    ``divisor`` / ``pad_val`` from the data preprocessor's test padding
    (tiles start on that grid)."""
    cfg = dict(getattr(unwrap(segmentor), 'test_cfg', None) or {})
    tta = cfg.get('tta', False) if tta is None else tta
    tile = cfg.get('tile') if tile is None else tile
    if isinstance(tile, int):
        tile = (tile, tile)
    overlap = cfg.get('overlap', 64) if overlap is None else overlap
    pre_test = dict(getattr(data_preprocessor, 'test_cfg', None) or {})
    return dict(
        tta=tta,
        tile=tuple(int(t) for t in tile) if tile else None,
        overlap=int(overlap),
        divisor=int(pre_test.get('size_divisor') or 1),
        pad_val=float(getattr(data_preprocessor, 'pad_val', 0) or 0),
        batch_size=int(cfg.get('batch_size', 4)))


def predict_samples(segmentor,
                    inputs: torch.Tensor,
                    data_samples: Optional[list] = None,
                    **options) -> list:
    """``SegDataSample`` predictions of a preprocessed test batch, as the
    segmentor's ``predict`` makes them (``seg_logits`` and
    ``pred_sem_seg``, padding removed and resized to ``ori_shape`` by the
    segmentor's own ``postprocess_result``), with the logits from
    :func:`predict_tensor` (tiles, TTA). ``options``: see
    :func:`eval_options`. Without TTA on an input that fits the tile this
    is bit for bit mmseg's whole-image predict."""
    out = predict_tensor(segmentor, inputs, keys=('seg_logits', ), **options)
    return unwrap(segmentor).postprocess_result(out['seg_logits'],
                                                data_samples)
