# VNC III (ssTEM, source) -> Lucchi / EPFL hippocampus (FIB-SEM, target),
# CPU profile: half-resolution training on 256x256 crops, evaluation on
# lucchi/val at full resolution (predictions are resized back). The
# datasets of datasets/{vnc3,lucchi}.py with this profile's pipelines.
# Data: ../shared/data (see docs/user_guides/datasets.md); override with
#   --cfg-options data_root=/path/to/data
_base_ = [
    '../datasets/vnc3.py', '../datasets/lucchi.py',
    '../datasets/em_transforms.py'
]
data_root = '../shared/data'
scale = 0.5
crop_size = (256, 256)
heatmap_kernel = 31  # the paper's 61 px at full resolution, halved
points_file = _base_.lucchi_train_points.points_file
point_ratio = 0.15  # fraction of the instances the points file annotates

# pipelines: load, augment, targets, pack
downscale = dict(
    type='Resize', scale_factor=scale, keep_ratio=True, interpolation='area')
train_augment = [
    downscale, _base_.em_rotate,
    dict(type='RandomCrop', crop_size=crop_size), *_base_.em_augment
]
labels_train_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='LoadEMAnnotations'), *train_augment,
    dict(
        type='GenerateCenterHeatmap',
        source='mask',
        kernel_size=heatmap_kernel),
    dict(type='PackEMInputs')
]
points_train_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='LoadPointAnnotations'), *train_augment,
    dict(
        type='GenerateCenterHeatmap',
        source='points',
        kernel_size=heatmap_kernel),
    dict(type='PackEMInputs')
]
image_train_pipeline = [
    dict(type='LoadEMImage'), *train_augment,
    dict(type='PackEMInputs')
]
# the current self-training round's pseudo-labels (IPL-CFCL)
pseudo_train_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='LoadPseudoLabels'), *train_augment,
    dict(
        type='GenerateCenterHeatmap',
        source='pseudo',
        kernel_size=heatmap_kernel),
    dict(type='PackEMInputs')
]
# the pseudo-labels with the annotated points, the heatmap at the points
# (WDA-Net; the IPL-CFCL ablation without segmentation -> detection teaching)
pseudo_points_train_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='LoadPseudoLabels'),
    dict(type='LoadPointAnnotations'), *train_augment,
    dict(
        type='GenerateCenterHeatmap',
        source='points',
        kernel_size=heatmap_kernel),
    dict(type='PackEMInputs')
]
# the image at the working scale, the label at full resolution
test_pipeline = [
    dict(type='LoadEMImage'), downscale,
    dict(type='LoadEMAnnotations'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]

source_train = dict(
    _base_.vnc3_train, data_root=data_root, pipeline=labels_train_pipeline)
# the source slices histogram-matched to the target training images, right
# after loading (issue 13's intensity alignment; target images only, no
# target labels): the *-histmatch variants train on this source
source_train_histmatch = dict(
    source_train,
    pipeline=[
        labels_train_pipeline[0],
        dict(
            type='MatchTargetHistogram',
            reference_dir=data_root + '/' + _base_.lucchi_train.img_path),
        *labels_train_pipeline[1:]
    ])
target_train_labeled = dict(
    _base_.lucchi_train, data_root=data_root, pipeline=labels_train_pipeline)
target_train_points = dict(
    _base_.lucchi_train_points,
    data_root=data_root,
    pipeline=points_train_pipeline)
target_train_images = dict(
    _base_.lucchi_train_images,
    data_root=data_root,
    pipeline=image_train_pipeline)
target_val = dict(
    _base_.lucchi_val, data_root=data_root, pipeline=test_pipeline)

val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='EMSegMetric')
test_evaluator = val_evaluator

# Self-training (IPL-CFCL): the target slices the round hook pseudo-labels
# (with the points, for the weakly supervised setting), the training view of
# the current round's pseudo-labels, and the selector geometry in pixels of
# the working scale (the paper's full-resolution values halved).
pseudo_source_pipeline = [
    dict(type='LoadEMImage'), downscale,
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]
target_pseudo_source = dict(
    _base_.lucchi_train_points,
    data_root=data_root,
    pipeline=pseudo_source_pipeline)
target_train_pseudo = dict(
    _base_.lucchi_train_images,
    data_root=data_root,
    pipeline=pseudo_train_pipeline)
target_train_pseudo_points = dict(
    target_train_points, pipeline=pseudo_points_train_pipeline)
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(5, 7),
    ring_kernel=(15, 17),
    det_bg_point_kernel=31)
