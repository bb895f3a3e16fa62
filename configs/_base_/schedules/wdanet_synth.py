# Short WDA-Net schedule for the synthetic pair: 300 pretraining
# iterations, then a stage-1 and a stage-2 round of 250.
_base_ = ['./wdanet_cpu.py']
pretrain_iters = 300
round_iters = 250
max_iters = pretrain_iters + 2 * round_iters
val_interval = 50
generator_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[pretrain_iters],
        gamma=0.1,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
param_scheduler = dict(
    _delete_=True,
    segmentor=generator_scheduler,
    count_head=generator_scheduler,
    discriminator=[
        dict(
            type='StepLR',
            step_size=2000,
            gamma=0.9,
            by_epoch=False,
            begin=0,
            end=max_iters)
    ])
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
