# IPL-CFCL, UDA, VNC III -> Lucchi, CPU profile: the UDA mean-teacher 3k
# variant (ipl-cfcl-uda-ema-histmatch_..._3k, its overrides restated) with 5
# more stage-2 rounds at r = 1 (the schedule base's stage2_long_extension),
# the UDA counterpart of ipl-cfcl-ema-histmatch_..._4k. Its first 3000
# iterations are the 3k variant's. The final checkpoint is the label-free
# choice.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
train_cfg = dict(rounds=_base_.train_cfg.rounds + _base_.stage2_long_extension)
