# Short IPL-CFCL schedule for the synthetic pair: 300 pretraining
# iterations, then the rounds of ipl_cfcl_cpu.py (3 stage-1, 2 stage-2) at
# 100 iterations each; its scheduler with the milestone and end moved.
_base_ = ['./ipl_cfcl_cpu.py']
pretrain_iters = 300
round_iters = 100
max_iters = pretrain_iters + len(_base_.rounds) * round_iters
param_scheduler = [
    dict(
        _base_.param_scheduler[0], milestones=[pretrain_iters], end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=round_iters)
