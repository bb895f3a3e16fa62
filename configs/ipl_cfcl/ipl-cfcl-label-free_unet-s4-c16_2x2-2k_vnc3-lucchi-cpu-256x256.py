# IPL-CFCL, 15 % points, VNC III -> Lucchi, CPU profile, with model selection
# a weakly supervised user can do (DESIGN rule 12): checkpoints and the start
# of every round are chosen by the points-only PointInstanceMetric on the
# target training slices (`label_free/score`), never by lucchi/val labels.
# The oracle (best lucchi/val Dice) is still evaluated, logged and saved
# beside it, for the report only.
_base_ = ['./ipl-cfcl_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
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
