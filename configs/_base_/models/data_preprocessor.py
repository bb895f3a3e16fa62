# The data preprocessor of every emda network: 1-channel EM slices
# normalized to [-1, 1], images and labels padded to a multiple of 16 (the
# encoders downsample 4 times), per-domain batches kept apart.
data_preprocessor = dict(
    type='MultiDomainDataPreProcessor',
    mean=[0.5],
    std=[0.5],
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16,
    test_cfg=dict(size_divisor=16))
