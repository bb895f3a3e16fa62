# PointOnly: partial CE on blobs grown from the target points, no source.
# Blob / ignore-ring kernels as the selectors' (full-resolution values);
# unannotated mitochondria are background (weight bg_weight): the bias this
# baseline exposes.
model = dict(
    type='PointOnly',
    blob_kernel=(11, 13),
    blob_iterations=3,
    ring_kernel=(31, 33),
    ring_iterations=3,
    bg_weight=1.0)
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='MultiDomainDataset'))
