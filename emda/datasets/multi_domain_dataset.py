"""Pairs a source and a target dataset so MMEngine's stock
``IterBasedTrainLoop`` trains on (source, target) samples."""
import copy
from typing import Optional, Union

import numpy as np

from emda.registry import DATASETS


@DATASETS.register_module()
class MultiDomainDataset:
    """Returns ``{'source': packed, 'target': packed}`` per index.

    Either domain may be omitted (``SourceOnly`` needs only the source,
    ``Supervised`` only the labeled target); each domain's own pipeline
    decides what it carries (dense labels, points, pseudo-labels or nothing).

    Args:
        source, target: dataset configs (or built datasets).
        length: dataset length; default the larger domain's.
        pairing: ``'random'`` draws the target index at random (seeded per
            worker by MMEngine), ``'cycle'`` uses ``index % len(target)``.
    """

    def __init__(self,
                 source: Optional[Union[dict, object]] = None,
                 target: Optional[Union[dict, object]] = None,
                 length: Optional[int] = None,
                 pairing: str = 'random',
                 lazy_init: bool = False):
        if source is None and target is None:
            raise ValueError('MultiDomainDataset needs a source or a target')
        if pairing not in ('random', 'cycle'):
            raise ValueError(f"pairing must be 'random' or 'cycle', "
                             f'got {pairing!r}')
        self.domains = {}
        for name, cfg in (('source', source), ('target', target)):
            if cfg is None:
                continue
            self.domains[name] = DATASETS.build(cfg) if isinstance(
                cfg, dict) else cfg
        classes = {
            tuple(ds.metainfo.get('classes', ()))
            for ds in self.domains.values()
        }
        if len(classes) > 1:
            raise ValueError(f'source and target classes differ: {classes}')
        self.pairing = pairing
        self._length = length

    @property
    def metainfo(self) -> dict:
        """The target's metainfo (the domain we evaluate on)."""
        ds = self.domains.get('target', self.domains.get('source'))
        return copy.deepcopy(ds.metainfo)

    def full_init(self):
        for ds in self.domains.values():
            if hasattr(ds, 'full_init'):
                ds.full_init()

    def set_pseudo_label_dir(self, round_dir: Optional[str]) -> int:
        """Point every ``LoadPseudoLabels`` of the domains' pipelines at
        the self-training round ``round_dir`` (the explicit call of
        ``SelfTrainingLoop.use_pseudo_labels``); returns how many there
        were."""
        found = 0
        for ds in self.domains.values():
            for transform in getattr(ds.pipeline, 'transforms', ()):
                if hasattr(transform, 'set_round_dir'):
                    transform.set_round_dir(round_dir)
                    found += 1
        return found

    def __len__(self) -> int:
        if self._length is not None:
            return self._length
        return max(len(ds) for ds in self.domains.values())

    def __getitem__(self, idx: int) -> dict:
        out = {}
        first = True
        for name, ds in self.domains.items():
            if first or self.pairing == 'cycle':
                j = idx % len(ds)
            else:
                j = int(np.random.randint(len(ds)))
            first = False
            out[name] = ds[j]
        return out
