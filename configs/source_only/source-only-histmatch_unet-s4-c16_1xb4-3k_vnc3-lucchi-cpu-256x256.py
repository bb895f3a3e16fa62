# SourceOnly with the source slices histogram-matched to the target images
# (issue 13's intensity-alignment direction, a baseline of its own): the
# same run as source-only_..._vnc3-lucchi-cpu-256x256.py but for one
# transform, MatchTargetHistogram, after LoadEMImage in the source pipeline.
# It reads the target training *images* (what a UDA user has), no labels.
_base_ = ['./source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py']
source_pipeline = [
    dict(type='LoadEMImage'),
    dict(
        type='MatchTargetHistogram',
        reference_dir=_base_.data_root + '/lucchi/train/images'),
    dict(type='LoadEMAnnotations'),
    dict(
        type='Resize', scale_factor=0.5, keep_ratio=True,
        interpolation='area'),
    dict(type='RandomRotate', prob=0.3, degree=180, seg_pad_val=255),
    dict(type='RandomCrop', crop_size=_base_.crop_size),
    dict(type='RandomRotFlip', rotate_prob=0., flip_prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomElasticDeform', prob=0.2),
    dict(type='RandomIntensity', prob=0.5),
    dict(type='BioMedicalGaussianNoise', prob=0.2, std=0.05),
    dict(type='RandomGaussianBlur', prob=0.2),
    dict(type='NormalizeIntensity'),
    dict(
        type='GenerateCenterHeatmap',
        source='mask',
        kernel_size=_base_.heatmap_kernel),
    dict(type='PackEMInputs'),
]
train_dataloader = dict(
    dataset=dict(source=dict(_base_.source_train, pipeline=source_pipeline)))
