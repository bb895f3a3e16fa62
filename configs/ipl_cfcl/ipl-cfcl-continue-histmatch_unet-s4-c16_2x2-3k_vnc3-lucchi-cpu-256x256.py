# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the "continue" +
# histogram matching variant (its 2k config's three overrides, restated) with
# the longer stage 2 of the 3k config (the schedule base's stage2_extension:
# 5 more stage-2 rounds, r 0.8, 0.9, 1, 1, 1). Its validation Dice was still
# rising at the 2k run's last round in every seed; this config measures
# whether more round iterations move it. Its first 2000 iterations are the
# 2k variant's, so a finished 2k run can be continued
# (tools/benchmarks/extend_run.py, then tools/compare.py --resume). The final
# checkpoint is the label-free choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [dict(_base_.custom_hooks[0], init_from='current')]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
train_cfg = dict(rounds=_base_.train_cfg.rounds + _base_.stage2_extension)
