# IPL-CFCL, 15 % simulated points, the synthetic pair, with points-only
# model selection (see ipl-cfcl-label-free_..._vnc3-lucchi-cpu-256x256.py).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py']
# the base's round hook, selecting by the label-free score; the oracle
# (validation Dice) keeps its best checkpoint beside it
default_hooks = dict(checkpoint=dict(save_best=['label_free/score', 'Dice']))
custom_hooks = [
    dict(_base_.custom_hooks[0], select_by='label_free/score'),
    dict(
        type='LabelFreeSelectionHook',
        dataset=_base_.custom_hooks[0].dataset,
        metric=dict(
            type='PointInstanceMetric', point_ratio=_base_.point_ratio))
]
