# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile with a longer stage
# 2: the 2k config's schedule (1000 pretraining + 3 stage-1 + 2 stage-2
# rounds of 200) followed by 5 more stage-2 rounds that grow r to 1 (every
# detected instance). The 2k run's validation Dice was still rising at its
# last round; this config measures how far stage 2 goes. Its first 2000
# iterations are the 2k config's, so a finished 2k run can be continued
# (tools/benchmarks/extend_run.py, then tools/compare.py --resume).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
rounds = [
    dict(stage=1, ratio=0.0, tau=0.9),
    dict(stage=1, ratio=0.3, tau=0.9),
    dict(stage=1, ratio=0.6, tau=0.9),
    dict(stage=2, ratio=0.35, tau=0.8),
    dict(stage=2, ratio=0.7, tau=0.8),
    dict(stage=2, ratio=0.8, tau=0.8),
    dict(stage=2, ratio=0.9, tau=0.8),
    dict(stage=2, ratio=1.0, tau=0.8),
    dict(stage=2, ratio=1.0, tau=0.8),
    dict(stage=2, ratio=1.0, tau=0.8),
]
max_iters = 3000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[1000],
        gamma=0.1,
        by_epoch=False,
        begin=0,
        end=max_iters)
]
