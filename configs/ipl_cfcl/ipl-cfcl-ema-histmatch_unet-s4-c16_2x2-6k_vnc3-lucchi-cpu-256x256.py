# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the mean-teacher
# 4k variant (ipl-cfcl-ema-histmatch_..._4k, its overrides restated) with 10
# more stage-2 rounds at r = 1 (two of the schedule base's stage2_r1_block):
# the 4k teacher runs were still rising at iteration 4000 (issue 13). Its
# first 4000 iterations are the 4k variant's, so it can continue those runs
# (tools/benchmarks/extend_run.py) and its iteration-4000 checkpoint is that
# row. The final checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_cfg = dict(rounds=_base_.train_cfg.rounds +
                 _base_.stage2_long_extension + _base_.stage2_r1_block * 2)
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
