# Short WDA-Net schedule for the synthetic pair: 300 pretraining
# iterations, then a stage-1 and a stage-2 round of 250; the schedulers of
# wdanet_cpu.py with their milestone moved accordingly.
_base_ = ['./wdanet_cpu.py']
pretrain_iters = 300
generator_scheduler = [
    dict(_base_.generator_scheduler[0], milestones=[pretrain_iters])
]
param_scheduler = dict(
    segmentor=generator_scheduler, count_head=generator_scheduler)
train_cfg = dict(
    pretrain_iters=pretrain_iters, round_iters=250, val_interval=50)
