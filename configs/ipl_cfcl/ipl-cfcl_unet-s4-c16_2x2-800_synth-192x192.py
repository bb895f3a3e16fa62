# IPL-CFCL, 15 % simulated points, the synthetic pair:
# the UNet-16 multitask network, batch 2 source + 2 target, 300 source
# pretraining iterations then 5 rounds of 100 (3 in stage 1, 2 in stage 2).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/pairs/synthetic.py',
    '../_base_/models/unet_s4_c16_multitask.py',
    '../_base_/methods/ipl_cfcl.py', '../_base_/schedules/ipl_cfcl_synth.py'
]
model = dict(
    segmentor=_base_.segmentor,
    data_preprocessor=_base_.data_preprocessor,
    selector=_base_.selector_geometry,
    # CPU profile: detection weights at 0.1x the spec. With Adam and a short
    # budget the 0..255 heatmap MSE otherwise dominates the shared backbone:
    # after 400 synthetic iterations at the spec weights the target p_fg
    # stayed within 0.30-0.60 everywhere, so no pixel passed tau and the IPL
    # had nothing to select. The paper profile keeps the spec values.
    loss_weights=dict(
        pretrain=dict(src_det=0.005),
        stage1=dict(src_det=0.005, tgt_det=0.001),
        stage2=dict(tgt_det=0.001)))
train_dataloader = dict(
    dataset=dict(
        source=_base_.source_train, target=_base_.target_train_pseudo))
# a checkpoint at every round end (validation too: schedule base)
default_hooks = dict(checkpoint=dict(interval=_base_.round_iters))
