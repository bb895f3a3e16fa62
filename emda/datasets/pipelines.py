"""The standard EM transform lists, for Python callers (tests, tools).

Configs write their pipelines out as transform lists (see
``configs/_base_/pairs/``); these builders return the same lists, one
function per kind of sample, so code that assembles a config or a dataset
in Python uses exactly the transforms (and the order, hence the random
draws) of the configs:

- :func:`train_augment`: (downscale,) geometric + 1-channel photometric
  augmentation, min-max normalization;
- ``*_train_pipeline``: load, :func:`train_augment`, targets, pack;
- :func:`test_pipeline`: load, (downscale), (load labels), normalize, pack.
"""
from typing import List, Sequence


def downscale(scale: float) -> List[dict]:
    """``[Resize]`` to the working scale, ``[]`` at full resolution."""
    if scale == 1.0:
        return []
    return [
        dict(
            type='Resize',
            scale_factor=scale,
            keep_ratio=True,
            interpolation='area')
    ]


def train_augment(crop_size: Sequence[int] = (256, 256),
                  scale: float = 1.0,
                  rotate_prob: float = 0.3,
                  elastic_prob: float = 0.2) -> List[dict]:
    """The training transforms every sample kind shares after loading."""
    return downscale(scale) + [
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


def _heatmap(source: str, kernel: int) -> dict:
    return dict(
        type='GenerateCenterHeatmap', source=source, kernel_size=kernel)


def labels_train_pipeline(
        crop_size=(256, 256),
        scale: float = 1.0,
        heatmap_kernel: int = 61,
        **augment) -> List[dict]:
    """Dense labels; center heatmap from the label components."""
    return ([dict(type='LoadEMImage'),
             dict(type='LoadEMAnnotations')] +
            train_augment(crop_size, scale, **augment) +
            [_heatmap('mask', heatmap_kernel),
             dict(type='PackEMInputs')])


def points_train_pipeline(
        crop_size=(256, 256),
        scale: float = 1.0,
        heatmap_kernel: int = 61,
        **augment) -> List[dict]:
    """Sparse points; center heatmap from the points."""
    return ([dict(type='LoadEMImage'),
             dict(type='LoadPointAnnotations')] +
            train_augment(crop_size, scale, **augment) +
            [_heatmap('points', heatmap_kernel),
             dict(type='PackEMInputs')])


def image_train_pipeline(crop_size=(256, 256), scale: float = 1.0,
                         **augment) -> List[dict]:
    """The image only (UDA target): no targets."""
    return ([dict(type='LoadEMImage')] +
            train_augment(crop_size, scale, **augment) +
            [dict(type='PackEMInputs')])


def pseudo_train_pipeline(
        crop_size=(256, 256),
        scale: float = 1.0,
        heatmap_kernel: int = 61,
        with_points: bool = False,
        **augment) -> List[dict]:
    """The current self-training round's pseudo-label, detection background
    and point instances (the round that ``SelfTrainingLoop`` hands to
    ``LoadPseudoLabels``). The center heatmap sits at the
    centroids of the pseudo-label instances (the paper's
    segmentation-to-detection teaching) or, ``with_points``, at the
    annotated points, which are loaded too (WDA-Net, the ablation without
    that teaching)."""
    load = [dict(type='LoadEMImage'), dict(type='LoadPseudoLabels')]
    if with_points:
        load.append(dict(type='LoadPointAnnotations'))
    return (load + train_augment(crop_size, scale, **augment) + [
        _heatmap('points' if with_points else 'pseudo', heatmap_kernel),
        dict(type='PackEMInputs')
    ])


def test_pipeline(scale: float = 1.0, with_labels: bool = True) -> List[dict]:
    """Evaluation: the image at the working scale, the label at full
    resolution (predictions are resized back before scoring)."""
    labels = [dict(type='LoadEMAnnotations')] if with_labels else []
    return ([dict(type='LoadEMImage')] + downscale(scale) + labels +
            [dict(type='NormalizeIntensity'),
             dict(type='PackEMInputs')])
