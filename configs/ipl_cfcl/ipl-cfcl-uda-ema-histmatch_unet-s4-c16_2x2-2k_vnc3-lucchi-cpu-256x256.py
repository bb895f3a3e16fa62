# IPL-CFCL, UDA (no target annotation), VNC III -> Lucchi, CPU profile: the
# UDA continue + histogram matching 2k variant (its overrides, restated)
# with the mean teacher of ipl-cfcl-ema-histmatch_..._2k (the schedule
# base's ema_teacher, every round starting from the previous round's end
# checkpoint: the EMA weights). The final checkpoint is the label-free
# choice.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
