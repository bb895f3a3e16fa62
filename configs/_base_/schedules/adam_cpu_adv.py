# adam_cpu.py for a segmentor and an output-space discriminator (AdaptSegNet,
# ADVENT): two optimizers, two schedules. The segmentor keeps the single-
# network schedule (Adam 1e-3, polynomial decay); the discriminator uses
# Adam 1e-4, betas (0.9, 0.99), as in the AdaptSegNet paper.
_base_ = ['./adam_cpu.py']
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
            end=_base_.train_cfg.max_iters,
            by_epoch=False)
    ])
