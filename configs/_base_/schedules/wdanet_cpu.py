# CPU schedule of WDA-Net: in-run source pretraining, then one stage-1 and
# one stage-2 round (WDA-Net: 100k iterations each, after a separate source
# model). Three optimizers: the segmentor and the count head (Adam 1e-3 for
# pretraining, 1e-4 for adaptation: the optimizer and MultiStepLR of the
# IPL-CFCL CPU schedule, ipl_cfcl_cpu.py) and the discriminator (Adam 2e-4,
# StepLR(2000, 0.9): the spec). Validation (and checkpoint selection) every
# 250 iterations.
_base_ = ['./ipl_cfcl_cpu.py']
generator_optimizer = _base_.optim_wrapper.optimizer
optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    segmentor=dict(type='OptimWrapper', optimizer=generator_optimizer),
    count_head=dict(type='OptimWrapper', optimizer=generator_optimizer),
    discriminator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=2e-4, betas=(0.9, 0.99))))
generator_scheduler = _base_.param_scheduler
param_scheduler = dict(
    _delete_=True,
    segmentor=generator_scheduler,
    count_head=generator_scheduler,
    discriminator=[
        dict(
            type='StepLR', step_size=2000, gamma=0.9, by_epoch=False, begin=0)
    ])
# no ratio / tau: the entropy selector has neither
train_cfg = dict(
    round_iters=500, rounds=[dict(stage=1), dict(stage=2)], val_interval=250)
