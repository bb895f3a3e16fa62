# WDA-Net, 15 % simulated points, the synthetic pair: the UNet-16
# multitask network (no projection head) with a count head, batch 2
# source + 2 target, 300 source pretraining iterations, then a stage-1 and
# a stage-2 round of 250.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/synthetic.py',
    '../_base_/datasets/multi_domain.py',
    '../_base_/models/unet_s4_c16_multitask.py',
    '../_base_/methods/wdanet_cpu.py', '../_base_/schedules/wdanet_synth.py'
]
model = dict(
    segmentor=dict(_base_.segmentor, proj_head=None),
    data_preprocessor=_base_.data_preprocessor,
    heatmap_kernel=_base_.heatmap_kernel,
    rank_decay_iters=_base_.train_cfg.round_iters)
# the target carries the annotated points (detection targets, cut-and-paste
# density) and the round's pseudo-label (stage 2), its heatmap from the
# points: the pair's target_train_pseudo_points
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        source=_base_.source_train, target=_base_.target_train_pseudo_points))
default_hooks = dict(checkpoint=dict(interval=_base_.train_cfg.val_interval))
# the round hook pseudo-labels the pair's target slices with the method's
# selector
custom_hooks = [
    dict(
        _base_.custom_hooks[0],
        dataset=_base_.target_pseudo_source,
        selector=_base_.pseudo_label_selector)
]
