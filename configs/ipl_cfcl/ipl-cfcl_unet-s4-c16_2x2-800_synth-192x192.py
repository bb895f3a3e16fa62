# IPL-CFCL, 15 % simulated points, the synthetic pair:
# the UNet-16 multitask network, batch 2 source + 2 target, 300 source
# pretraining iterations then 5 rounds of 100 (3 in stage 1, 2 in stage 2).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/synthetic.py',
    '../_base_/datasets/multi_domain.py',
    '../_base_/models/unet_s4_c16_multitask.py',
    '../_base_/methods/ipl_cfcl_cpu.py',
    '../_base_/schedules/ipl_cfcl_synth.py'
]
model = dict(
    segmentor=_base_.segmentor, data_preprocessor=_base_.data_preprocessor)
# the round hook pseudo-labels the pair's target slices with the method's
# selector at the pair's pixel geometry
custom_hooks = [
    dict(
        _base_.custom_hooks[0],
        dataset=_base_.target_pseudo_source,
        selector=dict(_base_.pseudo_label_selector,
                      **_base_.selector_geometry))
]
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        source=_base_.source_train, target=_base_.target_train_pseudo))
# a checkpoint at every round end (validation too: schedule base)
default_hooks = dict(checkpoint=dict(interval=_base_.train_cfg.round_iters))
