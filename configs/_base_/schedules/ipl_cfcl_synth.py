# Short IPL-CFCL schedule for the synthetic pair: 300 pretraining
# iterations, then 3 stage-1 and 2 stage-2 rounds of 100.
_base_ = ['./ipl_cfcl_cpu.py']
pretrain_iters = 300
round_iters = 100
max_iters = pretrain_iters + 5 * round_iters
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
