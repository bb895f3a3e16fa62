# AdaptSegNet: source supervision + output-space adversarial alignment of
# the target softmax. Two networks, two optimizers: the segmentor keeps the
# source-only schedule (Adam 1e-3, polynomial decay); the discriminator
# uses Adam 1e-4, betas (0.9, 0.99), as in the paper.
_base_ = ['../schedules/adam_cpu.py']
model = dict(
    type='AdaptSegNet',
    discriminator=dict(type='FCDiscriminator', ndf=64, num_convs=5),
    gan_type='bce',
    lambda_adv=0.001)
# the method overrides train_step: multi-GPU needs the wrapper that calls it
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='MultiDomainDataset'))
optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    segmentor=dict(
        type='OptimWrapper', optimizer=_base_.optim_wrapper.optimizer),
    discriminator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))
param_scheduler = dict(
    _delete_=True,
    segmentor=_base_.param_scheduler,
    discriminator=[
        dict(
            type='PolyLR',
            eta_min=1e-6,
            power=0.9,
            begin=0,
            end=2000,
            by_epoch=False)
    ])
