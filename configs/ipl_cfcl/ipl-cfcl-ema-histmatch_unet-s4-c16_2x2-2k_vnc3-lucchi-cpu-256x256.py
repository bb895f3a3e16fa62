# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the continue +
# histogram matching 2k variant (its three overrides, restated) with a mean
# teacher over the rounds (issue 13): the schedule base's ema_teacher
# (MMEngine's EMAHook from the first round) makes validation and every
# checkpoint hold the averaged weights, and each round starts from the
# checkpoint of the previous round's end (init_from='last'): its
# pseudo-labels come from the EMA teacher and the student restarts from it.
# Against the rounds that fell with some batch orders at Adam 1e-3. No
# target labels decide anything: the final checkpoint is the label-free
# choice.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
param_scheduler = None
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'), _base_.ema_teacher
]
train_dataloader = dict(dataset=dict(source=_base_.source_train_histmatch))
