# The embedded synthetic two-domain pair (tools/make_synthetic.py writes it;
# tools/train.py writes it on first use from `synthetic_data`): the
# datasets of datasets/synthetic.py with this profile's pipelines (full
# resolution, 192x192 crops, the paper's 61 px heatmap kernel).
_base_ = ['../datasets/synthetic.py', '../datasets/em_transforms.py']
data_root = _base_.synthetic_root
synthetic_data = dict(out_dir=data_root, seed=0, size=256, n_train=16, n_val=8)
crop_size = (192, 192)
heatmap_kernel = 61
points_file = _base_.synthetic_target_train_points.points_file
point_ratio = 0.15  # fraction of the instances the points annotate
# simulated 15 % points of the target training slices (written on first use)
simulated_points = [
    dict(
        label_dir=data_root + '/target/train/labels',
        out_file=data_root + '/' + points_file,
        ratio=point_ratio,
        seed=20)
]

# pipelines: load, augment, targets, pack
train_augment = [
    _base_.em_rotate,
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
# the current self-training round's pseudo-labels (IPL-CFCL, WDA-Net)
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
test_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='LoadEMAnnotations'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]

source_train = dict(
    _base_.synthetic_source_train, pipeline=labels_train_pipeline)
target_train_labeled = dict(
    _base_.synthetic_target_train, pipeline=labels_train_pipeline)
target_train_points = dict(
    _base_.synthetic_target_train_points, pipeline=points_train_pipeline)
target_train_images = dict(
    _base_.synthetic_target_train_images, pipeline=image_train_pipeline)
target_val = dict(_base_.synthetic_target_val, pipeline=test_pipeline)

val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=target_val)
test_dataloader = val_dataloader
val_evaluator = dict(type='EMSegMetric')
test_evaluator = val_evaluator

# Self-training (IPL-CFCL): the target slices the round hook pseudo-labels
# (with the points, for the weakly supervised setting), the training view of
# the current round's pseudo-labels, and the selector geometry in pixels of
# the working scale (the paper's values at full resolution).
pseudo_source_pipeline = [
    dict(type='LoadEMImage'),
    dict(type='NormalizeIntensity'),
    dict(type='PackEMInputs')
]
target_pseudo_source = dict(
    _base_.synthetic_target_train_points, pipeline=pseudo_source_pipeline)
target_train_pseudo = dict(
    _base_.synthetic_target_train_images, pipeline=pseudo_train_pipeline)
target_train_pseudo_points = dict(
    target_train_points, pipeline=pseudo_points_train_pipeline)
selector_geometry = dict(
    kernel_size=heatmap_kernel,
    blob_kernel=(11, 13),
    ring_kernel=(31, 33),
    det_bg_point_kernel=61)
