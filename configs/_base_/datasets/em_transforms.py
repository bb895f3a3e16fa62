# The training augmentation every pair's pipelines share around their
# profile's crop (the crop size, the working-scale Resize and the heatmap
# kernel are the pair's): rotation before the crop, flips, elastic
# deformation, 1-channel photometric augmentation and min-max normalization
# after it. A pair lists its pipelines as
#   load, *train_augment (Resize, em_rotate, RandomCrop, *em_augment),
#   targets, pack
# (emda.datasets.pipelines builds the same lists for Python callers).
em_rotate = dict(type='RandomRotate', prob=0.3, degree=180, seg_pad_val=255)
em_augment = [
    dict(type='RandomRotFlip', rotate_prob=0., flip_prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomElasticDeform', prob=0.2),
    dict(type='RandomIntensity', prob=0.5),
    dict(type='BioMedicalGaussianNoise', prob=0.2, std=0.05),
    dict(type='RandomGaussianBlur', prob=0.2),
    dict(type='NormalizeIntensity'),
]
