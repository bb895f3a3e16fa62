# The training loader of every method: one MultiDomainDataset whose
# `source` / `target` the final config fills from its pair, batch 4 (the
# staged methods override the batch size).
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='MultiDomainDataset'))
