# IPL-CFCL, UDA (no target annotation), VNC III -> Lucchi, CPU profile: the
# UDA continue + histogram matching 2k variant with the mean teacher of
# ipl-cfcl-ema-histmatch_..._2k (EMAHook from the first round, every round
# starting from the previous round's end checkpoint: the EMA weights). The
# final checkpoint is the label-free choice.
_base_ = [
    './ipl-cfcl-uda-continue-histmatch_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py'
]
custom_hooks = [
    dict(_base_.custom_hooks[0], init_from='last'),
    dict(type='EMAHook', momentum=0.01, begin_iter=_base_.pretrain_iters)
]
