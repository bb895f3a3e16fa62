# IPL-CFCL, paper profile (GPU): the HSC multitask network at width 72,
# full-resolution 512x512 crops, batch 1 source + 1 target, the paper's
# rounds and stages (configs/_base_/schedules/ipl_cfcl_paper.py).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/vnc3_lucchi_paper.py',
    '../_base_/datasets/multi_domain.py',
    '../_base_/models/hsc_c72_multitask.py', '../_base_/methods/ipl_cfcl.py',
    '../_base_/schedules/ipl_cfcl_paper.py'
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
    batch_size=1,
    dataset=dict(
        source=_base_.source_train, target=_base_.target_train_pseudo))
default_hooks = dict(checkpoint=dict(interval=1000))
