"""Loading a trained model for inference, with the settings a config
implies: working scale, normalization, size divisor, tile and overlap."""
import os.path as osp
from dataclasses import dataclass, field
from typing import Optional, Sequence, Tuple

from .errors import InferenceInputError

#: largest tile (working-scale pixels) and least overlap, when the config
#: has no ``infer_cfg``: large tiles keep the overlap overhead small
DEFAULT_TILE = (1024, 1024)
DEFAULT_OVERLAP = 64


@dataclass
class InferenceSettings:
    """What inference needs besides the weights.

    ``scale`` is the working scale (0.5: the model was trained on
    half-resolution slices, inference resizes to it and back); ``mean`` /
    ``std`` the data preprocessor's normalization of min-max scaled
    inputs; ``divisor`` / ``pad_val`` its test padding; ``tile`` /
    ``overlap`` (working-scale pixels) the sliding window; ``autocast``
    runs the network in bfloat16 (CPU) / float16 (CUDA).
    """
    scale: float = 1.0
    mean: float = 0.
    std: float = 1.
    divisor: int = 1
    pad_val: float = 0.
    tile: Tuple[int, int] = DEFAULT_TILE
    overlap: int = DEFAULT_OVERLAP
    batch_size: int = 4
    has_det: bool = False
    autocast: bool = False
    context: Optional[int] = field(default=None, repr=False)


def working_scale(cfg) -> float:
    """The scale of the config's test pipeline (its ``Resize``'s
    ``scale_factor``), else a top-level ``scale``, else 1."""

    def find(node):
        if isinstance(node, dict):
            if node.get('type') == 'Resize' and 'scale_factor' in node:
                return float(node['scale_factor'])
            node = list(node.values())
        if isinstance(node, (list, tuple)):
            for item in node:
                found = find(item)
                if found is not None:
                    return found
        return None

    for key in ('test_dataloader', 'val_dataloader'):
        found = find(cfg.get(key, {}))
        if found is not None:
            return found
    return float(cfg.get('scale', 1.0))


def settings_from(cfg,
                  model,
                  tile: Optional[Sequence[int]] = None,
                  overlap: Optional[int] = None) -> InferenceSettings:
    """Settings of a built method ``model`` under ``cfg``; ``tile`` /
    ``overlap`` override the config's ``infer_cfg``."""
    infer_cfg = dict(cfg.get('infer_cfg', {}) or {})
    pre = getattr(model, 'data_preprocessor', None)
    mean, std = 0., 1.
    if pre is not None and getattr(pre, '_enable_normalize', False):
        mean, std = float(pre.mean.flatten()[0]), float(pre.std.flatten()[0])
    test_cfg = dict(getattr(pre, 'test_cfg', None) or {})
    tile = tile or infer_cfg.get('tile', DEFAULT_TILE)
    if isinstance(tile, int):
        tile = (tile, tile)
    segmentor = getattr(model, 'segmentor', model)
    return InferenceSettings(
        scale=working_scale(cfg),
        mean=mean,
        std=std,
        divisor=int(test_cfg.get('size_divisor') or 1),
        pad_val=float(getattr(pre, 'pad_val', 0) or 0),
        tile=tuple(int(t) for t in tile),
        overlap=int(
            overlap if overlap is not None else infer_cfg.
            get('overlap', DEFAULT_OVERLAP)),
        batch_size=int(infer_cfg.get('batch_size', 4)),
        has_det=bool(getattr(segmentor, 'with_det_head', False)))


def load_config(config):
    """A Config from a path (clear error when missing) or a Config."""
    from mmengine.config import Config
    if not isinstance(config, (str, bytes)) and hasattr(config, 'get'):
        return config
    if not osp.isfile(config):
        raise InferenceInputError(f'config not found: {config}')
    return Config.fromfile(config)


def init_model(config,
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               tile: Optional[Sequence[int]] = None,
               overlap: Optional[int] = None,
               amp: bool = False):
    """The trained segmentor of ``config`` (path or Config) in eval mode on
    ``device``, with its :class:`InferenceSettings` as ``.infer_settings``.
    ``amp``: predict under autocast, on CPU with channels_last weights too
    (bfloat16, about 2x faster with AVX512-BF16:
    ``tools/benchmarks/bf16_inference.py``).

    A method checkpoint (``segmentor.*`` keys next to teachers or
    discriminators) and a plain segmentor checkpoint both load; a
    checkpoint of another network raises :class:`InferenceInputError`.
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from emda.registry import MODELS
    from emda.utils import register_all_modules
    cfg = load_config(config)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'emda'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise InferenceInputError(f'checkpoint not found: {checkpoint}')
        try:
            load_checkpoint(
                model,
                checkpoint,
                map_location=device,
                strict=True,
                logger='silent')
        except (RuntimeError, KeyError) as e:
            first = str(e).strip().splitlines()
            raise InferenceInputError(
                f'checkpoint {checkpoint} does not match config '
                f'{getattr(cfg, "filename", config)}: '
                f'{" ".join(first[:3])[:300]}; pass the config the '
                'checkpoint was trained with') from None
    segmentor = getattr(model, 'segmentor', model)
    segmentor.infer_settings = settings_from(cfg, model, tile, overlap)
    segmentor.infer_settings.autocast = bool(amp)
    if amp and str(device).startswith('cpu'):
        import torch

        from emda.utils.bf16_support import warn_if_emulated_bf16
        warn_if_emulated_bf16('--amp inference')
        segmentor.to(memory_format=torch.channels_last)
    segmentor.cfg = cfg
    return segmentor.to(device).eval()
