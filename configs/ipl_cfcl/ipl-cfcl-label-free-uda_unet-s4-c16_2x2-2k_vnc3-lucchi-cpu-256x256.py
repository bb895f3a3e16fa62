# IPL-CFCL, UDA (no target points), VNC III -> Lucchi, CPU profile, with
# model selection an unsupervised user can do (DESIGN rule 12): checkpoints
# and round starts are chosen by the flip agreement of the predictions on
# the target training slices (FlipAgreementMetric, `label_free/score`). The
# oracle (best lucchi/val Dice) is logged and saved beside it.
_base_ = ['./ipl-cfcl-uda_unet-s4-c16_2x2-2k_vnc3-lucchi-cpu-256x256.py']
default_hooks = dict(
    checkpoint=dict(save_best=['label_free/score', 'Dice'], rule='greater'))
custom_hooks = [
    dict(
        type='SelfTrainingRoundHook',
        init_from='best',
        select_by='label_free/score'),
    dict(
        type='LabelFreeSelectionHook', metric=dict(type='FlipAgreementMetric'))
]
