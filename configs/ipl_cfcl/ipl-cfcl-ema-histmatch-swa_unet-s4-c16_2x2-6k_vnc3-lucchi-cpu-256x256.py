# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the mean-teacher
# 6k variant (ipl-cfcl-ema-histmatch_..._6k, its overrides restated) that
# also writes the uniform average of the teachers checkpointed at the ends
# of its last 5 rounds (the second r = 1 block) as weight_average.pth, the
# label-free choice of this config (issue 13: over those rounds the
# teacher's Dice moves by about the run-to-run noise, and no target-free
# score ranks them). Training is the 6k variant's, iteration for
# iteration, so the 6k runs' kept checkpoints give the same average
# (tools/average_checkpoints.py RUN_DIR --from-iter 5200).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
train_cfg = dict(rounds=_base_.train_cfg.rounds +
                 _base_.stage2_long_extension + _base_.stage2_r1_block * 2)
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
averaged_rounds = 5
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher,
    dict(
        type='WeightAverageHook',
        begin_iter=_base_.pretrain_iters + _base_.train_cfg.round_iters *
        (len(train_cfg['rounds']) - averaged_rounds + 1))
]
