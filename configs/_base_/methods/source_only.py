# SourceOnly: the segmentor trained on source labels only (lower bound).
model = dict(type='SourceOnly')
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='MultiDomainDataset'))
