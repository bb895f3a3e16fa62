# Short IPL-CFCL schedule for the synthetic pair: 300 pretraining
# iterations, then 3 stage-1 and 2 stage-2 rounds of 100.
_base_ = ['./ipl_cfcl_cpu.py']
pretrain_iters = 300
round_iters = 100
rounds = [
    dict(stage=1, iters=round_iters, ratio=0.0, tau=0.9),
    dict(stage=1, iters=round_iters, ratio=0.3, tau=0.9),
    dict(stage=1, iters=round_iters, ratio=0.6, tau=0.9),
    dict(stage=2, iters=round_iters, ratio=0.35, tau=0.8),
    dict(stage=2, iters=round_iters, ratio=0.7, tau=0.8),
]
max_iters = pretrain_iters + len(rounds) * round_iters
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[pretrain_iters],
        gamma=0.1,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=round_iters)
