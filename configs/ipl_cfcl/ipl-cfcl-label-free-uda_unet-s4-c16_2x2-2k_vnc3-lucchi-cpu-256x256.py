# IPL-CFCL, UDA (no target points), VNC III -> Lucchi, CPU profile, with
# model selection an unsupervised user can do (DESIGN rule 12): checkpoints
# and round starts are chosen by the flip agreement of the predictions on
# the target training slices (FlipAgreementMetric, `label_free/score`). The
# oracle (best lucchi/val Dice) is logged and saved beside it.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
# the base's round hook, selecting by the label-free score; the oracle
# (validation Dice) keeps its best checkpoint beside it
default_hooks = dict(checkpoint=dict(save_best=['label_free/score', 'Dice']))
custom_hooks = [
    dict(_base_.custom_hooks[0], select_by='label_free/score'),
    dict(
        type='LabelFreeSelectionHook',
        dataset=_base_.custom_hooks[0].dataset,
        metric=dict(type='FlipAgreementMetric'))
]
