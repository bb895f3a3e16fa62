# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile: the continue +
# histogram matching 2k variant with a mean teacher over the rounds
# (issue 13). MMEngine's EMAHook averages the weights from the first round
# on (momentum 0.01, the alpha 0.99 of this codebase's mean teacher);
# validation and every checkpoint hold the averaged weights, and each round
# starts from the checkpoint of the previous round's end (init_from='last'):
# its pseudo-labels come from the EMA teacher and the student restarts from
# it. Against the rounds that fell with some batch orders at Adam 1e-3. No
# target labels decide anything: the final checkpoint is the label-free
# choice.
_base_ = [
    './ipl-cfcl-continue-histmatch_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py'
]
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'),
    dict(type='EMAHook', momentum=0.01, begin_iter=_base_.pretrain_iters)
]
