# Supervised: the segmentor trained on dense target labels (upper bound).
model = dict(type='Supervised')
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='MultiDomainDataset'))
