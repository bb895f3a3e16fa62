"""Write the synthetic source/target EM pair to disk, once.

Layout (an image and its label share the file name)::

    out_dir/manifest.json
    out_dir/{source,target}/{train,val}/{images,labels}/zNNN.png

Labels are saved as 0/255 PNGs, as the real datasets are. Every domain
and split draws from its own ``SeedSequence`` child, and every slice from
its own child of that, so adding validation slices (or changing any other
count) leaves the slices that already existed byte-identical.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Optional, Sequence, Union

import cv2
import numpy as np

from .domain_params import PRESETS, EMDomainParams
from .em_generator import SizeLike, generate_slice, parse_size

MANIFEST_NAME = 'manifest.json'
# Bump when the generator changes what a given seed renders, so stale
# folders are detected instead of silently reused.
GENERATOR_VERSION = 1
SPLITS = ('train', 'val')
_STAGING_NAME = '.staging'


def _requested_settings(seed: int, size: SizeLike, n_train: int, n_val: int,
                        domains: Sequence[EMDomainParams]) -> dict:
    """What determines the pixels; compared against an existing manifest."""
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed!r}')
    for name, count in (('n_train', n_train), ('n_val', n_val)):
        if not isinstance(count, (int, np.integer)) or count < 0:
            raise ValueError(f'{name} must be a non-negative int, '
                             f'got {count!r}')
    names = [domain.name for domain in domains]
    if len(domains) < 1 or len(set(names)) != len(names):
        raise ValueError(f'domains must have distinct names, got {names}')
    # A JSON round trip makes these comparable to a loaded manifest.
    return json.loads(
        json.dumps(
            dict(
                generator_version=GENERATOR_VERSION,
                seed=int(seed),
                size=list(parse_size(size)),
                n_train=int(n_train),
                n_val=int(n_val),
                domains={domain.name: domain.to_dict()
                         for domain in domains})))


def read_manifest(out_dir: str) -> Optional[dict]:
    """The manifest of a written pair, or None if there is none."""
    path = osp.join(out_dir, MANIFEST_NAME)
    if not osp.isfile(path):
        return None
    with open(path) as file:
        return json.load(file)


def _settings_of(manifest: dict) -> dict:
    keys = ('generator_version', 'seed', 'size', 'n_train', 'n_val', 'domains')
    return {key: manifest.get(key) for key in keys}


def _describe_difference(old: dict, new: dict) -> str:
    changed = [key for key in new if old.get(key) != new[key]]
    return ', '.join(f'{key}: {old.get(key)!r} -> {new[key]!r}' if key !=
                     'domains' else 'domain parameters' for key in changed)


def _write_png(path: str, array: np.ndarray) -> None:
    if not cv2.imwrite(path, array):
        raise OSError(f'could not write {path}')


def _write_split(folder: str, params: EMDomainParams,
                 seed_sequence: np.random.SeedSequence, count: int, size,
                 progress_bar) -> float:
    """Render ``count`` slices into ``folder``; returns the fg fraction."""
    image_dir = osp.join(folder, 'images')
    label_dir = osp.join(folder, 'labels')
    for sub in (image_dir, label_dir):
        os.makedirs(sub, exist_ok=True)
    fg_pixels = 0
    for index, child in enumerate(seed_sequence.spawn(count)):
        image, label = generate_slice(params, np.random.default_rng(child),
                                      size)
        name = f'z{index:03d}.png'
        _write_png(osp.join(image_dir, name), image)
        _write_png(osp.join(label_dir, name), label * 255)
        fg_pixels += int(label.sum())
        if progress_bar is not None:
            progress_bar.update(1)
    total = count * size[0] * size[1]
    return fg_pixels / total if total else 0.0


def write_synthetic_pair(out_dir: str,
                         seed: int = 0,
                         size: SizeLike = 256,
                         n_train: int = 16,
                         n_val: int = 8,
                         domains: Union[str, Sequence[EMDomainParams]] = (
                             'realistic'),
                         overwrite: bool = False,
                         progress: bool = True,
                         regenerate_stale: bool = False) -> dict:
    """Generate the two-domain synthetic EM data set under ``out_dir``.

    A folder that already holds a manifest with the same arguments is left
    untouched (its manifest is returned), so this can run on every start.
    The slices are rendered into a staging folder and moved into place
    before the manifest is written last, so an interrupted run never
    leaves a folder that looks complete.

    Args:
        out_dir: destination folder (created if needed).
        seed: root seed of all random streams.
        size: slice size, ``int`` or ``(H, W)``.
        n_train: training slices per domain.
        n_val: validation slices per domain.
        domains: the domain parameters, or the name of a preset of
            ``PRESETS``: ``'realistic'`` (default, ``(SOURCE, TARGET)``) or
            ``'hard'`` (``(SOURCE, TARGET_HARD)``).
        overwrite: replace a folder written with different arguments.
        progress: show a tqdm progress bar.
        regenerate_stale: replace, with a message, a folder this
            generator wrote (it has a manifest) with other settings,
            instead of raising.

    Returns:
        The manifest: the arguments, the domain parameters, the relative
        folders and the mitochondria foreground fraction of each split.
    """
    domains = resolve_domains(domains)
    settings = _requested_settings(seed, size, n_train, n_val, domains)
    existing = read_manifest(out_dir)
    if existing is not None and not overwrite:
        if _settings_of(existing) == settings:
            return existing
        difference = _describe_difference(_settings_of(existing), settings)
        if regenerate_stale:
            print(f'{out_dir}: regenerating the synthetic pair ({difference})')
            return write_synthetic_pair(out_dir, seed, size, n_train, n_val,
                                        domains, True, progress)
        raise ValueError(
            f'{out_dir} already holds synthetic data written with other '
            f'arguments ({difference}); pass overwrite=True (--overwrite) '
            'to replace it or choose another folder')
    domain_names = [domain.name for domain in domains]
    if existing is None and not overwrite:
        found = [n for n in domain_names if osp.exists(osp.join(out_dir, n))]
        if found:
            raise ValueError(
                f'{out_dir} has {found} folders but no {MANIFEST_NAME}; '
                'pass overwrite=True (--overwrite) to replace them')

    size = tuple(settings['size'])
    staging = osp.join(out_dir, _STAGING_NAME)
    shutil.rmtree(staging, ignore_errors=True)
    progress_bar = None
    if progress:
        from tqdm import tqdm
        progress_bar = tqdm(
            total=len(domains) * (n_train + n_val),
            desc='synthetic EM',
            unit='slice')
    counts = dict(train=n_train, val=n_val)
    fractions: Dict[str, Dict[str, float]] = {}
    domain_streams = np.random.SeedSequence(seed).spawn(len(domains))
    try:
        for domain, stream in zip(domains, domain_streams):
            fractions[domain.name] = {}
            for split, split_stream in zip(SPLITS, stream.spawn(len(SPLITS))):
                fractions[domain.name][split] = round(
                    _write_split(
                        osp.join(staging, domain.name, split), domain,
                        split_stream, counts[split], size, progress_bar), 5)
    finally:
        if progress_bar is not None:
            progress_bar.close()

    manifest = dict(settings)
    manifest['splits'] = {
        name: {
            split:
            dict(
                img_path=f'{name}/{split}/images',
                ann_path=f'{name}/{split}/labels',
                num_slices=counts[split])
            for split in SPLITS
        }
        for name in domain_names
    }
    manifest['foreground_fraction'] = fractions
    if existing is not None:
        os.remove(osp.join(out_dir, MANIFEST_NAME))
    for name in domain_names:
        shutil.rmtree(osp.join(out_dir, name), ignore_errors=True)
        shutil.move(osp.join(staging, name), osp.join(out_dir, name))
    shutil.rmtree(staging, ignore_errors=True)
    with open(osp.join(out_dir, MANIFEST_NAME), 'w') as file:
        json.dump(manifest, file, indent=2)
    return manifest


def resolve_domains(
        domains: Union[str,
                       Sequence[EMDomainParams]]) -> Sequence[EMDomainParams]:
    """The domain parameters of a preset name, or ``domains`` itself."""
    if isinstance(domains, str):
        if domains not in PRESETS:
            raise ValueError(f'unknown synthetic preset {domains!r}; '
                             f'choose one of {sorted(PRESETS)}')
        return PRESETS[domains]
    return domains


def ensure_synthetic_data(out_dir: str = 'data/synthetic', **kwargs) -> dict:
    """Write the synthetic pair on first use, quietly; else reuse it.

    Takes the keyword arguments of :func:`write_synthetic_pair`
    (``progress`` defaults to False here). A folder this generator wrote
    (it has a manifest) with other settings than the config asks for is
    regenerated, with a message: training on stale data would be silent.
    """
    kwargs.setdefault('progress', False)
    kwargs.setdefault('regenerate_stale', True)
    return write_synthetic_pair(out_dir, **kwargs)
