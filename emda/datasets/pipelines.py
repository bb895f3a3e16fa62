"""Builders of the standard EM pipelines, called from configs.

Every domain and profile uses the same sequence, differing only in what the
sample carries (dense labels, points, pseudo-labels or nothing), the crop size
and the working scale; building them here keeps one home for that sequence
instead of near-copies in every config.
"""
from typing import List, Sequence

TRAIN_KINDS = ('labels', 'points', 'image', 'pseudo')


def em_train_pipeline(kind: str = 'labels',
                      crop_size: Sequence[int] = (256, 256),
                      scale: float = 1.0,
                      heatmap_kernel: int = 61,
                      with_heatmap: bool = True,
                      rotate_prob: float = 0.3,
                      elastic_prob: float = 0.2,
                      pseudo_root: str = '{work_dir}/pseudo_labels',
                      heatmap_source: str = 'pseudo') -> List[dict]:
    """Training pipeline: load, (downscale), geometric + 1-channel
    photometric augmentation, min-max normalization, targets, pack.

    Args:
        kind: what the sample carries: ``'labels'`` (dense labels; heatmap
            from label components), ``'points'`` (sparse points; heatmap
            from points), ``'image'`` (nothing, UDA target) or ``'pseudo'``
            (the current self-training round's pseudo-label, detection
            background and point instances from ``pseudo_root``).
        crop_size: fixed training crop (after scaling).
        scale: working scale (0.5 = half-resolution training).
        heatmap_kernel: Gaussian kernel of center heatmaps at this scale.
        pseudo_root: where ``kind='pseudo'`` reads the pseudo-labels.
        heatmap_source: for ``kind='pseudo'``: detection targets at the
            centroids of the pseudo-label instances (``'pseudo'``, the
            paper's segmentation-to-detection teaching) or at the annotated
            points only (``'points'``, the ablation without it).
    """
    if kind not in TRAIN_KINDS:
        raise ValueError(f'kind must be one of {TRAIN_KINDS}, got {kind!r}')
    pipeline = [dict(type='LoadEMImage')]
    if kind == 'labels':
        pipeline.append(dict(type='LoadEMAnnotations'))
    elif kind == 'points':
        pipeline.append(dict(type='LoadPointAnnotations'))
    elif kind == 'pseudo':
        if heatmap_source not in ('pseudo', 'points'):
            raise ValueError("heatmap_source must be 'pseudo' or 'points', "
                             f'got {heatmap_source!r}')
        pipeline.append(dict(type='LoadPseudoLabels', root=pseudo_root))
        if heatmap_source == 'points':
            pipeline.append(dict(type='LoadPointAnnotations'))
    if scale != 1.0:
        pipeline.append(
            dict(
                type='Resize',
                scale_factor=scale,
                keep_ratio=True,
                interpolation='area'))
    pipeline += [
        dict(
            type='RandomRotate', prob=rotate_prob, degree=180,
            seg_pad_val=255),
        dict(type='RandomCrop', crop_size=tuple(crop_size)),
        dict(type='RandomRotFlip', rotate_prob=0., flip_prob=0.5),
        dict(type='RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='RandomElasticDeform', prob=elastic_prob),
        dict(type='RandomIntensity', prob=0.5),
        dict(type='BioMedicalGaussianNoise', prob=0.2, std=0.05),
        dict(type='RandomGaussianBlur', prob=0.2),
        dict(type='NormalizeIntensity'),
    ]
    if with_heatmap and kind != 'image':
        source = dict(labels='mask', points='points', pseudo=heatmap_source)
        pipeline.append(
            dict(
                type='GenerateCenterHeatmap',
                source=source[kind],
                kernel_size=heatmap_kernel))
    pipeline.append(dict(type='PackEMInputs'))
    return pipeline


def em_test_pipeline(scale: float = 1.0,
                     with_labels: bool = True) -> List[dict]:
    """Evaluation pipeline: the image at the working scale, the label at
    full resolution (predictions are resized back before scoring)."""
    pipeline = [dict(type='LoadEMImage')]
    if scale != 1.0:
        pipeline.append(
            dict(
                type='Resize',
                scale_factor=scale,
                keep_ratio=True,
                interpolation='area'))
    if with_labels:
        pipeline.append(dict(type='LoadEMAnnotations'))
    pipeline += [dict(type='NormalizeIntensity'), dict(type='PackEMInputs')]
    return pipeline
