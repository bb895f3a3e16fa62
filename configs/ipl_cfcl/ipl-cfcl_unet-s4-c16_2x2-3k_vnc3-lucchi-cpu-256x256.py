# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile with a longer stage
# 2: the 2k config's schedule (1000 pretraining + 3 stage-1 + 2 stage-2
# rounds of 200) followed by 5 more stage-2 rounds that grow r to 1 (every
# detected instance). The 2k run's validation Dice was still rising at its
# last round; this config measures how far stage 2 goes. Its first 2000
# iterations are the 2k config's, so a finished 2k run can be continued
# (tools/benchmarks/extend_run.py, then tools/compare.py --resume).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
# the 2k config's rounds, then the schedule base's 5 more in stage 2 (r 0.8,
# 0.9, then 1)
train_cfg = dict(rounds=_base_.train_cfg.rounds + _base_.stage2_extension)
