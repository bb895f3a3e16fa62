# Short WDA-Net schedule for the synthetic pair: 300 pretraining
# iterations, then a stage-1 and a stage-2 round of 250; the schedulers of
# wdanet_cpu.py with their milestone and end moved accordingly.
_base_ = ['./wdanet_cpu.py']
pretrain_iters = 300
round_iters = 250
max_iters = pretrain_iters + len(_base_.rounds) * round_iters
val_interval = 50
generator_scheduler = [
    dict(
        _base_.generator_scheduler[0],
        milestones=[pretrain_iters],
        end=max_iters)
]
param_scheduler = dict(
    segmentor=generator_scheduler,
    count_head=generator_scheduler,
    discriminator=[
        dict(_base_.param_scheduler.discriminator[0], end=max_iters)
    ])
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
