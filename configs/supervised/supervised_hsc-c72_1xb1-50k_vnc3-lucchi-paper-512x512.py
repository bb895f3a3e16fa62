# Paper profile (GPU): the HSC network at width 72, full-resolution 512x512
# crops, batch 1, 50k iterations (METHOD_SPEC section 7).
_base_ = [
    '../_base_/models/hsc_c72.py', '../_base_/methods/supervised.py',
    '../_base_/pairs/vnc3_lucchi_paper.py',
    '../_base_/datasets/multi_domain.py',
    '../_base_/schedules/paper_adam_50k.py', '../_base_/default_runtime.py'
]
model = dict(
    segmentor=_base_.segmentor, data_preprocessor=_base_.data_preprocessor)
train_dataloader = dict(
    batch_size=1, dataset=dict(target=_base_.target_train_labeled))
default_hooks = dict(checkpoint=dict(interval=1000))
