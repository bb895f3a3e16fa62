# Short IPL-CFCL schedule for the synthetic pair: 300 pretraining
# iterations, then the rounds of ipl_cfcl_cpu.py (3 stage-1, 2 stage-2) at
# 100 iterations each; its scheduler with the milestone moved.
_base_ = ['./ipl_cfcl_cpu.py']
pretrain_iters = 300
param_scheduler = [
    dict(_base_.param_scheduler[0], milestones=[pretrain_iters])
]
train_cfg = dict(pretrain_iters=pretrain_iters, round_iters=100)
