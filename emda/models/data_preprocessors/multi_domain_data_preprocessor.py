"""Data preprocessor for batches keyed by domain."""
from typing import Any, Dict

from mmseg.models import SegDataPreProcessor

from emda.registry import MODELS

DOMAINS = ('source', 'target')


@MODELS.register_module()
class MultiDomainDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` applied to each domain of a
    ``{'source': batch, 'target': batch}`` training batch; plain batches
    (validation, test) are processed as mmseg does.

    Returns ``dict(inputs={domain: Tensor}, data_samples={domain: list})``
    for domain batches. mmseg's ``stack_batch`` pads only the image and
    ``gt_sem_seg``, so training crops must share one size; a mismatch in
    the extra maps (heatmaps, pseudo-labels) raises instead of silently
    misaligning them.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        if not any(k in data for k in DOMAINS):
            return super().forward(data, training)
        inputs, samples = {}, {}
        for domain in DOMAINS:
            if domain not in data:
                continue
            out = super().forward(data[domain], training)
            inputs[domain] = out['inputs']
            samples[domain] = out['data_samples']
            if training:
                self._check_pixel_fields(domain, out)
        return dict(inputs=inputs, data_samples=samples)

    @staticmethod
    def _check_pixel_fields(domain: str, out: dict) -> None:
        size = tuple(out['inputs'].shape[-2:])
        for sample in out['data_samples'] or []:
            for key in sample.keys():
                value = getattr(sample, key)
                shape = getattr(value, 'shape', None)
                if key.startswith('gt_') and key != 'gt_points' and \
                        shape is not None and tuple(shape) != size:
                    raise ValueError(
                        f'{domain} sample {sample.metainfo.get("img_path")}: '
                        f'{key} has shape {tuple(shape)} but the batch is '
                        f'{size}; use fixed-size training crops')
