"""Per-method ``configs/<method>/metafile.yaml``, after OpenMMLab's
metafiles: a ``Collections`` list (the method: name, paper) and a
``Models`` list with one entry per final config::

    Collections:
      - Name: IPL-CFCL
        Paper:
          Title: Instance-Aware Pseudo-Labeling and ...
          URL: https://arxiv.org/abs/2510.16450
          Venue: arXiv 2025          # optional
        README: configs/ipl_cfcl/README.md
    Models:
      - Name: ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256
        In Collection: IPL-CFCL
        Config: configs/ipl_cfcl/ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py
        Metadata:
          Method: IPLCFCL             # the table's method column
          Setting: {Pair: vnc3-lucchi, Profile: cpu-256x256}
          Target Supervision: {Type: points, Ratio: 15}

``Target Supervision`` ``Type`` is one of ``source only`` (the target is
not trained on), ``none`` (target images, no labels: UDA), ``points``
(``Ratio``: percent of the instances, optional ``Note``) or ``full
labels``. A config is found by its file name in the metafile of its own
folder.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Optional

METAFILE = 'metafile.yaml'
SUPERVISION_TYPES = ('source only', 'none', 'points', 'full labels')


@dataclass(frozen=True)
class MetafileEntry:
    """One ``Models`` entry with its collection's name and paper."""
    name: str
    config: str
    collection: str
    method: str
    paper: dict
    setting: dict
    supervision: str  # the table's "target supervision" text


def supervision_label(spec, where: str = 'metafile') -> str:
    """The table's text for a ``Target Supervision`` mapping: ``none
    (source only)``, ``none (UDA)``, ``points (15 %)`` (with ``Note``:
    ``points (100 %, simulated)``) or ``full labels``."""
    if not isinstance(spec, dict) or spec.get('Type') not in \
            SUPERVISION_TYPES:
        raise ValueError(f'{where}: Target Supervision needs a Type, one of '
                         f'{", ".join(SUPERVISION_TYPES)}; got {spec!r}')
    kind = spec['Type']
    if kind == 'source only':
        return 'none (source only)'
    if kind == 'none':
        return 'none (UDA)'
    if kind == 'full labels':
        return kind
    details = [] if spec.get('Ratio') is None else [f'{spec["Ratio"]:g} %']
    details += [str(spec['Note'])] if spec.get('Note') else []
    return f'points ({", ".join(details)})' if details else 'points'


def read_metafile(path: str) -> Dict[str, MetafileEntry]:
    """The entries of a metafile by config file name; a malformed entry
    is a ``ValueError`` naming the file and the entry."""
    import yaml
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    papers = {
        c['Name']: c.get('Paper') or {}
        for c in data.get('Collections') or []
    }
    entries = {}
    for model in data.get('Models') or []:
        where = f'{path}: {model.get("Name", "?")}'
        metadata = model.get('Metadata') or {}
        missing = [
            key
            for key, value in [(
                'Name', model.get('Name')), ('Config', model.get('Config')),
                               ('In Collection', model.get('In Collection')
                                ), ('Metadata.Method', metadata.get('Method'))]
            if not value
        ]
        if missing:
            raise ValueError(f'{where}: missing {", ".join(missing)}')
        collection = model['In Collection']
        if collection not in papers:
            raise ValueError(f'{where}: In Collection {collection!r} is not '
                             f'in Collections')
        entries[osp.basename(model['Config'])] = MetafileEntry(
            name=model['Name'],
            config=model['Config'],
            collection=collection,
            method=metadata['Method'],
            paper=papers[collection],
            setting=metadata.get('Setting') or {},
            supervision=supervision_label(
                metadata.get('Target Supervision'), where))
    return entries


def find_entry(config_path: str) -> Optional[MetafileEntry]:
    """The entry of a config in the ``metafile.yaml`` beside it; None when
    there is no metafile there or it does not list the config."""
    path = osp.join(osp.dirname(osp.abspath(config_path)), METAFILE)
    if not osp.isfile(path):
        return None
    return read_metafile(path).get(osp.basename(config_path))
