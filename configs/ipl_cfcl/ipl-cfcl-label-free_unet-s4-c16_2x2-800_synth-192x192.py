# IPL-CFCL, 15 % simulated points, the synthetic pair, with points-only
# model selection (see ipl-cfcl-label-free_..._vnc3-lucchi-cpu-256x256.py).
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-800_synth-192x192.py']
point_ratio = 0.15  # simulated_points of the synthetic pair
default_hooks = dict(
    checkpoint=dict(save_best=['label_free/score', 'Dice'], rule='greater'))
custom_hooks = [
    dict(
        type='SelfTrainingRoundHook',
        init_from='best',
        select_by='label_free/score'),
    dict(
        type='LabelFreeSelectionHook',
        metric=dict(type='PointInstanceMetric', point_ratio=point_ratio))
]
